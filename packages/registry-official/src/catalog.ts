/**
 * The local catalogue: the latest version of every server the registry lists, kept in one
 * compact JSON file so search works fast and offline. Written atomically (a temporary file,
 * then a rename), so readers — other processes included — see the old file or the new one,
 * never half of one.
 */
import { mkdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { TektonError, bestPreparedMatch, matchableName, officialMetaKey, prepareWords, stem, tokenize } from '@tekton/mcp-discovery'
import type { PreparedWord } from '@tekton/mcp-discovery'
import { writeFileAtomic } from '@tekton/mcp-discovery/kit'
import { z } from 'zod'
import { isRegistryName, officialMetaOf, statusOf } from './mapping'
import { ServerJsonFieldsSchema } from './schemas'
import type { OfficialServerEntry } from './schemas'

/** Bumped when the file's shape changes: an older file is then ignored and synced afresh. */
export const catalogFormat = 1
export const catalogFileName = 'catalog.json'

/** One server in the catalogue: its latest server.json (fields we read) and the registry's metadata. */
export const CatalogEntrySchema = z.object({
  server: ServerJsonFieldsSchema,
  status: z.enum(['active', 'deprecated']).catch('active'),
  statusMessage: z.string().optional().catch(undefined),
  publishedAt: z.string().optional().catch(undefined),
  updatedAt: z.string().optional().catch(undefined),
})
export type CatalogEntry = z.infer<typeof CatalogEntrySchema>

/** The file on disk. */
export const CatalogFileSchema = z.object({
  format: z.literal(catalogFormat),
  /** The registry it mirrors (without credentials); a file for another registry is not used. */
  baseUrl: z.string(),
  /** When the last successful sync started (ISO): the next one asks for changes since then. */
  syncedAt: z.string(),
  // One unreadable entry is skipped rather than losing the whole catalogue.
  servers: z.array(CatalogEntrySchema.nullable().catch(null)),
})
export type CatalogFile = z.infer<typeof CatalogFileSchema>

/** A server's text, lower-cased once, for matching. */
export interface IndexedEntry {
  entry: CatalogEntry
  name: string
  title: string
  description: string
  /** Package identifiers: people search for the npm or PyPI name too. */
  packages: string
}

/** A catalogue loaded in memory. */
export interface Catalog {
  baseUrl: string
  syncedAt: string
  syncedAtMs: number
  entries: Map<string, CatalogEntry>
  index: IndexedEntry[]
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

/** The catalogue form of a registry entry (publisher `_meta`, icons and `$schema` left out). */
export function toCatalogEntry(entry: OfficialServerEntry): CatalogEntry {
  const { _meta: _ignored, ...server } = entry.server
  const meta = officialMetaOf(entry)
  const catalogEntry: CatalogEntry = { server, status: statusOf(meta) === 'deprecated' ? 'deprecated' : 'active' }
  if (meta.statusMessage) catalogEntry.statusMessage = meta.statusMessage
  if (meta.publishedAt) catalogEntry.publishedAt = meta.publishedAt
  if (meta.updatedAt) catalogEntry.updatedAt = meta.updatedAt
  return catalogEntry
}

/** Back to the registry's entry shape, so catalogue and live answers map the same way. */
export function toServerEntry(entry: CatalogEntry): OfficialServerEntry {
  const meta: Record<string, unknown> = { status: entry.status, isLatest: true }
  if (entry.statusMessage) meta.statusMessage = entry.statusMessage
  if (entry.publishedAt) meta.publishedAt = entry.publishedAt
  if (entry.updatedAt) meta.updatedAt = entry.updatedAt
  return { server: entry.server, _meta: { [officialMetaKey]: meta } }
}

function indexEntry(entry: CatalogEntry): IndexedEntry {
  const packages = Array.isArray(entry.server.packages)
    ? entry.server.packages.map((pkg: unknown) => text((pkg as { identifier?: unknown } | null)?.identifier)).join('\n')
    : ''
  return {
    entry,
    name: entry.server.name.toLowerCase(),
    title: text(entry.server.title).toLowerCase(),
    description: text(entry.server.description).toLowerCase(),
    packages: packages.toLowerCase(),
  }
}

/** Builds the in-memory catalogue from entries keyed by name. */
export function buildCatalog(baseUrl: string, syncedAt: string, entries: Map<string, CatalogEntry>): Catalog {
  return { baseUrl, syncedAt, syncedAtMs: Date.parse(syncedAt), entries, index: [...entries.values()].map(indexEntry) }
}

/**
 * Reads the catalogue at `file` for `baseUrl`; undefined when there is none, it is unreadable,
 * of another format or for another registry (the next sync then starts afresh).
 */
export async function readCatalog(file: string, baseUrl: string): Promise<Catalog | undefined> {
  let raw: string
  try {
    raw = await readFile(file, 'utf8')
  } catch {
    return undefined
  }
  let data: unknown
  try {
    data = JSON.parse(raw)
  } catch {
    return undefined
  }
  const parsed = CatalogFileSchema.safeParse(data)
  if (!parsed.success || parsed.data.baseUrl !== baseUrl || Number.isNaN(Date.parse(parsed.data.syncedAt))) return undefined
  const entries = new Map<string, CatalogEntry>()
  for (const entry of parsed.data.servers) if (entry && isRegistryName(entry.server.name)) entries.set(entry.server.name, entry)
  return buildCatalog(parsed.data.baseUrl, parsed.data.syncedAt, entries)
}

/** The file's modification time and size, to notice another process replacing it; undefined when absent. */
export async function catalogStamp(file: string): Promise<string | undefined> {
  try {
    const stats = await stat(file)
    return `${stats.mtimeMs}:${stats.size}`
  } catch {
    return undefined
  }
}

/** Writes the catalogue atomically (the kit's write: a temporary file beside it, fsync, a rename over it). */
export async function writeCatalog(file: string, catalog: Catalog): Promise<void> {
  const servers = [...catalog.entries.values()].sort((a, b) => (a.server.name < b.server.name ? -1 : a.server.name > b.server.name ? 1 : 0))
  const document: CatalogFile = { format: catalogFormat, baseUrl: catalog.baseUrl, syncedAt: catalog.syncedAt, servers }
  try {
    await mkdir(path.dirname(file), { recursive: true })
    await writeFileAtomic(file, JSON.stringify(document), { mode: 0o644 })
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new TektonError('E_CACHE', `[registry] could not write the catalogue ${file}: ${reason}`, {
      hint: 'Check that the cache directory is writable, or set the catalogDir option (or TEKTON_MCP_HOME)',
      cause: error,
    })
  }
}

/** Search words: the query lower-cased, split on white space. */
export function searchWords(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean)
}

/** The fields a match is scored on, lower-cased. */
export interface MatchFields {
  name: string
  title: string
  description: string
  packages: string
}

interface PreparedFields {
  shortName: string
  name: PreparedWord[]
  title: PreparedWord[]
  packages: PreparedWord[]
  description: PreparedWord[]
}

/** Each entry's words and stems, computed on its first search and kept as long as the entry. */
const preparedFields = new WeakMap<MatchFields, PreparedFields>()

function prepare(fields: MatchFields): PreparedFields {
  let prepared = preparedFields.get(fields)
  if (!prepared) {
    const shortName = fields.name.slice(fields.name.indexOf('/') + 1)
    prepared = {
      shortName,
      // The namespace (`io.github.owner/`) says who publishes, not what the server is.
      name: prepareWords(shortName),
      title: prepareWords(fields.title),
      packages: prepareWords(fields.packages.split('\n').map(matchableName).join(' ')),
      description: prepareWords(fields.description),
    }
    preparedFields.set(fields, prepared)
  }
  return prepared
}

/** The score of one word of the query in the prepared fields, noting where it matched. */
function partScore(word: string, prepared: PreparedFields, matched: Set<string>): number {
  const query = { word, stem: stem(word) }
  let score = 0
  const inName = bestPreparedMatch(query, prepared.name)
  if (inName) {
    score += 4 * inName.factor
    matched.add('name')
  } else if (word.length >= 3 && prepared.shortName.includes(word)) {
    score += 2
    matched.add('name')
  }
  const inTitle = bestPreparedMatch(query, prepared.title)
  if (inTitle) {
    score += 2 * inTitle.factor
    matched.add('title')
  }
  const inPackages = bestPreparedMatch(query, prepared.packages)
  if (inPackages) {
    score += 2 * inPackages.factor
    matched.add('package')
  }
  const inDescription = bestPreparedMatch(query, prepared.description)
  if (inDescription) {
    score += inDescription.factor
    matched.add('description')
  }
  return score
}

/**
 * How well `fields` match: each word is looked for in the name (after the namespace), title,
 * package identifiers and description, by stem, prefix or a typo (see `matchWord` in
 * @tekton/mcp-discovery), or as a substring of the name. A server matching any word is kept,
 * one matching more scores higher; 0 when none matches. A word in the name weighs most, the
 * whole server name part (`.../postgres` for `postgres`) more still.
 */
export function matchScore(words: readonly string[], fields: MatchFields): { score: number; matched: string[] } {
  if (words.length === 0) return { score: 1, matched: [] }
  const prepared = prepare(fields)
  const matched = new Set<string>()
  let total = 0
  for (const word of words) {
    if (prepared.shortName === word) {
      total += 8
      matched.add('name:exact')
      continue
    }
    // A word with a dot or a slash is a name or a namespace someone copied (`io.github.example`):
    // it is looked for as typed, in the whole name.
    if (/[./]/.test(word) && fields.name.includes(word)) {
      total += 4
      matched.add('name')
      continue
    }
    // `server-filesystem` is looked for as its words, all of them: it is one word to whoever typed it.
    const parts = tokenize(word)
    const scores = parts.map((part) => partScore(part, prepared, matched))
    if (scores.every((score) => score > 0)) total += scores.reduce((sum, score) => sum + score, 0) / Math.max(1, parts.length)
  }
  if (total === 0) return { score: 0, matched: [] }
  return { score: total / words.length, matched: [...matched] }
}

/**
 * Catalogue entries matching `words`, best first (then by name); without words, every entry,
 * most recently updated first.
 */
export function searchCatalog(catalog: Catalog, words: readonly string[]): Array<{ entry: CatalogEntry; score: number; matched: string[] }> {
  if (words.length === 0) {
    return [...catalog.index]
      .sort((a, b) => (b.entry.updatedAt ?? '').localeCompare(a.entry.updatedAt ?? '') || a.name.localeCompare(b.name))
      .map((indexed) => ({ entry: indexed.entry, score: 1, matched: [] }))
  }
  return catalog.index
    .map((indexed) => ({ indexed, ...matchScore(words, indexed) }))
    .filter((match) => match.score > 0)
    .sort((a, b) => b.score - a.score || a.indexed.name.localeCompare(b.indexed.name))
    .map((match) => ({ entry: match.indexed.entry, score: match.score, matched: match.matched }))
}
