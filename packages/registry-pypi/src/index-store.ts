/**
 * The name index on disk: a newline-separated names file and a small JSON meta beside it (ETag,
 * fetch time, index URL, counts, the names file's digest), one pair per index URL under the
 * cache directory. Both are written atomically (a temporary file, then a rename), names first:
 * a reader that finds a meta whose digest does not match the names (a write interrupted between
 * the two renames, or a damaged file) treats the index as missing and rebuilds it.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { writeFileAtomic } from '@tekton/mcp-discovery/kit'

/** Bumped when the files' layout changes: older files are then rebuilt rather than misread. */
export const storeFormat = 1

const StoredIndexMetaSchema = z.object({
  format: z.literal(storeFormat),
  /** The name rule the names were reduced with (`nameRuleVersion`). */
  rule: z.number().int(),
  /** The index URL without credentials. */
  indexUrl: z.string(),
  /** When the index was fetched or last revalidated (epoch ms). */
  fetchedAt: z.number(),
  etag: z.string().optional(),
  lastModified: z.string().optional(),
  apiVersion: z.string().optional(),
  /** Projects in the full index. */
  projectCount: z.number().int().nonnegative(),
  /** Names kept (lines in the names file). */
  nameCount: z.number().int().nonnegative(),
  /** Hex SHA-256 of the names file. */
  sha256: z.string(),
})
export type StoredIndexMeta = z.infer<typeof StoredIndexMetaSchema>

export interface StoredIndex {
  meta: StoredIndexMeta
  /** Project names as the index lists them (registered spelling), one per line on disk. */
  names: string[]
}

/** The two files of the index for `indexUrl` (credentials already removed) in `directory`. */
export function indexFiles(directory: string, indexUrl: string): { names: string; meta: string } {
  // The URL names the files so that two indexes (PyPI and a mirror) never share them.
  const key = createHash('sha256').update(indexUrl).digest('hex').slice(0, 16)
  return { names: path.join(directory, `simple-${key}.names`), meta: path.join(directory, `simple-${key}.json`) }
}

/** The names file's text: one name per line, newline-terminated. */
export function namesText(names: readonly string[]): string {
  return names.length === 0 ? '' : `${names.join('\n')}\n`
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/**
 * Reads the stored index for `indexUrl`; `undefined` when it is missing, from another index, a
 * rule or format version, or does not match its digest. Never throws for a bad file: the index
 * is a cache and is rebuilt.
 */
export async function readStoredIndex(directory: string, indexUrl: string, rule: number): Promise<StoredIndex | undefined> {
  const files = indexFiles(directory, indexUrl)
  let metaText: string
  let text: string
  try {
    ;[metaText, text] = await Promise.all([readFile(files.meta, 'utf8'), readFile(files.names, 'utf8')])
  } catch {
    return undefined
  }
  let raw: unknown
  try {
    raw = JSON.parse(metaText)
  } catch {
    return undefined
  }
  const parsed = StoredIndexMetaSchema.safeParse(raw)
  if (!parsed.success) return undefined
  const meta = parsed.data
  if (meta.indexUrl !== indexUrl || meta.rule !== rule || digest(text) !== meta.sha256) return undefined
  const names = text === '' ? [] : text.slice(0, -1).split('\n')
  if (names.length !== meta.nameCount) return undefined
  return { meta, names }
}

/** The meta for `names`: `base` plus the names' count and digest. */
export function completeMeta(base: Omit<StoredIndexMeta, 'sha256' | 'nameCount'>, names: readonly string[]): StoredIndexMeta {
  return { ...base, nameCount: names.length, sha256: digest(namesText(names)) }
}

/** Writes names and meta, names first (see the module comment). */
export async function writeStoredIndex(directory: string, meta: StoredIndexMeta, names: readonly string[]): Promise<void> {
  const files = indexFiles(directory, meta.indexUrl)
  await mkdir(directory, { recursive: true })
  await writeFileAtomic(files.names, namesText(names), { mode: 0o644 })
  await writeFileAtomic(files.meta, `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o644 })
}

/** Rewrites the meta alone (after a 304: same names, new fetch time). */
export async function writeStoredMeta(directory: string, meta: StoredIndexMeta): Promise<void> {
  await mkdir(directory, { recursive: true })
  await writeFileAtomic(indexFiles(directory, meta.indexUrl).meta, `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o644 })
}
