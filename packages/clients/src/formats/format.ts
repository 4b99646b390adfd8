/**
 * A config format seen as text: parse it (refusing what does not parse), read the server
 * collection, and set or remove one entry by editing the text, so everything outside that entry
 * (comments, key order, indentation, unknown keys) is kept byte for byte.
 */

/** Where the server entries live in a file. */
export type EntryCollection =
  /** An object keyed by name (`mcpServers.<name>`, `[mcp_servers.<name>]`). */
  | { kind: 'map'; path: string[] }
  /** A list of objects with a `name` field (Continue's `mcpServers:` list). */
  | { kind: 'list'; path: string[] }

export interface ConfigFormat {
  readonly name: 'json' | 'yaml' | 'toml'
  /** The parsed document; throws a plain Error saying where it does not parse. */
  parse(text: string): unknown
  /** Entries of the collection by name. */
  entries(text: string, collection: EntryCollection): Map<string, unknown>
  /** The text with the entry set (replaced in place, or added at the end of the collection). */
  set(text: string, collection: EntryCollection, name: string, value: Record<string, unknown>): string
  /** The text without the entry. */
  remove(text: string, collection: EntryCollection, name: string): string
}

/** The value at `path` in a parsed document, or undefined. */
export function valueAt(document: unknown, path: readonly string[]): unknown {
  let current = document
  for (const key of path) {
    if (!current || typeof current !== 'object' || Array.isArray(current)) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

/** Entries of a parsed collection. */
export function collectionEntries(document: unknown, collection: EntryCollection): Map<string, unknown> {
  const found = valueAt(document, collection.path)
  const entries = new Map<string, unknown>()
  if (collection.kind === 'map') {
    if (found && typeof found === 'object' && !Array.isArray(found)) for (const [name, value] of Object.entries(found)) entries.set(name, value)
  } else if (Array.isArray(found)) {
    for (const item of found) {
      const name = (item as { name?: unknown } | null)?.name
      if (typeof name === 'string' && !entries.has(name)) entries.set(name, item)
    }
  }
  return entries
}
