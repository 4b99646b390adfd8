/**
 * Which client entries we wrote. Several clients reject unknown keys in an entry, so no marker
 * goes into the client's file: our data dir keeps, per client file and entry name, the SHA-256 of
 * the entry as we wrote it. An entry whose hash still matches is ours to rewrite or remove; one
 * whose hash differs was edited by hand since, and is left alone unless forced.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { TektonError } from '@tekton/mcp-discovery'
import { writeFileAtomic } from '@tekton/mcp-discovery/kit'
import { withLock } from '@tekton/mcp-installation'
import type { ClientScope } from './spec'

const OwnedEntrySchema = z.looseObject({
  client: z.string(),
  scope: z.enum(['user', 'project']),
  file: z.string(),
  name: z.string(),
  server: z.string(),
  sha256: z.string(),
  writtenAt: z.string(),
})

const OwnershipFileSchema = z.looseObject({ schemaVersion: z.literal(1), entries: z.array(OwnedEntrySchema) })

export type OwnedEntry = z.infer<typeof OwnedEntrySchema>

/** The SHA-256 of a value's canonical JSON (keys sorted), so reformatting the file does not count as an edit. */
export function entryDigest(value: unknown): string {
  const canonical = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(canonical)
    if (item && typeof item === 'object') return Object.fromEntries(Object.keys(item).sort().map((key) => [key, canonical((item as Record<string, unknown>)[key])]))
    return item
  }
  return `sha256:${createHash('sha256').update(JSON.stringify(canonical(value))).digest('hex')}`
}

export interface OwnershipStore {
  readonly file: string
  list(): Promise<OwnedEntry[]>
  find(client: string, file: string, name: string): Promise<OwnedEntry | undefined>
  /** Records (or replaces) what we wrote. */
  record(entry: Pick<OwnedEntry, 'client' | 'scope' | 'file' | 'name' | 'server' | 'sha256'>): Promise<void>
  forget(client: string, file: string, name: string): Promise<void>
}

export interface OwnershipStoreOptions {
  /** The JSON file (absolute), e.g. `<data>/client-entries.json`. */
  file: string
  now?: () => number
  lockTimeoutMs?: number
}

/** The record of entries we wrote into client files. */
export function createOwnershipStore(options: OwnershipStoreOptions): OwnershipStore {
  if (!path.isAbsolute(options.file)) throw new TektonError('E_CONFIG', 'createOwnershipStore: file must be an absolute path')
  const file = options.file
  const now = options.now ?? Date.now
  const lock = { staleMs: 10_000, timeoutMs: options.lockTimeoutMs ?? 15_000 }

  async function list(): Promise<OwnedEntry[]> {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
    let data: unknown
    try {
      data = JSON.parse(text)
    } catch (error) {
      throw new TektonError('E_STATE_CORRUPT', `${file} is not valid JSON: ${(error as Error).message}`, { hint: `Move ${file} aside: entries written before are then treated as not ours`, cause: error })
    }
    const parsed = OwnershipFileSchema.safeParse(data)
    if (!parsed.success) throw new TektonError('E_STATE_CORRUPT', `${file} does not hold a record of client entries`, { hint: `Move ${file} aside: entries written before are then treated as not ours` })
    return parsed.data.entries
  }

  async function change(edit: (entries: OwnedEntry[]) => OwnedEntry[]): Promise<void> {
    await mkdir(path.dirname(file), { recursive: true })
    await withLock(`${file}.lock`, 'record client entries', lock, async () => {
      const entries = edit(await list())
      await writeFileAtomic(file, `${JSON.stringify({ schemaVersion: 1, entries }, null, 2)}\n`)
    })
  }

  const same = (entry: OwnedEntry, client: string, entryFile: string, name: string) => entry.client === client && entry.file === entryFile && entry.name === name

  return {
    file,
    list,
    async find(client, entryFile, name) {
      return (await list()).find((entry) => same(entry, client, entryFile, name))
    },
    async record(entry) {
      const recorded: OwnedEntry = { client: entry.client, scope: entry.scope, file: entry.file, name: entry.name, server: entry.server, sha256: entry.sha256, writtenAt: new Date(now()).toISOString() }
      await change((entries) => [...entries.filter((item) => !same(item, entry.client, entry.file, entry.name)), recorded])
    },
    async forget(client, entryFile, name) {
      await change((entries) => entries.filter((item) => !same(item, client, entryFile, name)))
    },
  }
}

export type { ClientScope }
