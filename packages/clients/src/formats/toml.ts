/**
 * TOML (Codex `config.toml`). No TOML library on npm both keeps comments and runs everywhere we
 * do, so this is a minimal text edit of the one table: our entry is always written as one
 * `[<path>.<name>]` table (variables as an inline table), found again by its header line and
 * removed up to the next header. `smol-toml` parses the text before and after every edit, and the
 * edit is refused unless the parsed document changed in exactly that one entry: an entry written
 * in another form (dotted keys, an inline table, a value inside a multi-line string) is never
 * half-edited.
 */
import { isDeepStrictEqual } from 'node:util'
import { parse as parseToml } from 'smol-toml'
import { collectionEntries, valueAt } from './format'
import type { ConfigFormat, EntryCollection } from './format'

/** A key as TOML writes it: bare when it can be, else a basic string. */
export function tomlKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key)
}

/** A value as a TOML literal (strings, numbers, booleans, arrays and inline tables). */
export function tomlValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(', ')}]`
  if (value && typeof value === 'object') {
    const pairs = Object.entries(value).filter(([, item]) => item !== undefined)
    return pairs.length === 0 ? '{}' : `{ ${pairs.map(([key, item]) => `${tomlKey(key)} = ${tomlValue(item)}`).join(', ')} }`
  }
  throw new TypeError(`cannot write ${typeof value} as TOML`)
}

/** The dotted key path of a table header line (`[a."b.c"]` -> ['a', 'b.c']), or undefined. */
export function headerPath(line: string): { path: string[]; array: boolean } | undefined {
  const match = /^\s*(\[\[?)(.*?)(\]\]?)\s*(#.*)?$/.exec(line)
  if (!match) return undefined
  const array = match[1] === '[['
  if (array !== (match[3] === ']]')) return undefined
  const path: string[] = []
  const body = match[2]!
  let index = 0
  while (index < body.length) {
    const rest = body.slice(index)
    const token = /^\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(\.|$)/.exec(rest)
    if (!token) return undefined
    if (token[1] !== undefined) path.push(JSON.parse(`"${token[1]}"`) as string)
    else path.push(token[2] ?? token[3]!)
    index += token[0].length
  }
  return path.length > 0 ? { path, array } : undefined
}

function parseDocument(text: string): Record<string, unknown> {
  return parseToml(text) as Record<string, unknown>
}

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((key, index) => path[index] === key)
}

/** Removes the lines of the table `path` and its subtables (and the blank line we put before it). */
function removeTable(text: string, path: readonly string[]): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n'
  const lines = text.split(/\r?\n/)
  // The empty string after the last line end is not a line: put the line end back at the end.
  const endsWithEol = lines.length > 1 && lines.at(-1) === ''
  if (endsWithEol) lines.pop()
  const kept: string[] = []
  let index = 0
  while (index < lines.length) {
    const header = headerPath(lines[index]!)
    if (!header || header.array || !isPrefix(path, header.path)) {
      kept.push(lines[index]!)
      index++
      continue
    }
    // The table runs to the next header that is not one of its subtables; comments and blank
    // lines right before that header belong to it, not to us.
    let end = index + 1
    while (end < lines.length) {
      const next = headerPath(lines[end]!)
      if (next && (next.array || !isPrefix(path, next.path))) break
      end++
    }
    while (end > index + 1 && /^\s*(#.*)?$/.test(lines[end - 1]!) && end < lines.length) end--
    if (kept.length > 0 && kept.at(-1)!.trim() === '') kept.pop()
    index = end
  }
  return kept.length === 0 ? '' : `${kept.join(eol)}${endsWithEol ? eol : ''}`
}

function checkOnlyEntryChanged(before: string, after: string, collection: EntryCollection, name: string, value: unknown): void {
  const strip = (document: Record<string, unknown>) => {
    const copy = structuredClone(document)
    const table = valueAt(copy, collection.path) as Record<string, unknown> | undefined
    if (table && typeof table === 'object') delete table[name]
    return copy
  }
  const refused = new Error(`the entry ${JSON.stringify(name)} is not written as one [${collection.path.join('.')}.${tomlKey(name)}] table, so it cannot be edited safely`)
  const parsedBefore = parseDocument(before)
  let parsedAfter: Record<string, unknown>
  try {
    parsedAfter = parseDocument(after)
  } catch {
    // Typically a table defined twice: the entry exists in a form the header search did not see.
    throw refused
  }
  const got = (valueAt(parsedAfter, collection.path) as Record<string, unknown> | undefined)?.[name]
  // An empty `[mcp_servers]` left behind is the same document to every reader.
  const withoutEmpty = (document: Record<string, unknown>) => {
    const table = valueAt(document, collection.path)
    if (collection.path.length === 1 && table && typeof table === 'object' && Object.keys(table).length === 0) delete document[collection.path[0]!]
    return document
  }
  if (!isDeepStrictEqual(withoutEmpty(strip(parsedBefore)), withoutEmpty(strip(parsedAfter))) || !isDeepStrictEqual(got, value)) {
    throw refused
  }
}

function render(path: readonly string[], value: Record<string, unknown>, eol: string): string {
  const lines = [`[${path.map(tomlKey).join('.')}]`]
  for (const [key, item] of Object.entries(value)) if (item !== undefined) lines.push(`${tomlKey(key)} = ${tomlValue(item)}`)
  return lines.join(eol)
}

export const tomlFormat: ConfigFormat = {
  name: 'toml',
  parse: parseDocument,
  entries: (text, collection) => collectionEntries(parseDocument(text), collection),
  set(text, collection, name, value) {
    if (collection.kind !== 'map') throw new TypeError('TOML collections are tables')
    const tablePath = [...collection.path, name]
    const eol = text.includes('\r\n') ? '\r\n' : '\n'
    let base = removeTable(text, tablePath)
    if (base.length > 0 && !base.endsWith(eol)) base += eol
    const next = `${base}${base.trim().length > 0 ? eol : ''}${render(tablePath, value, eol)}${eol}`
    // What the value reads back as (TOML has no null; an undefined field is left out).
    checkOnlyEntryChanged(text, next, collection, name, valueAt(parseDocument(render(tablePath, value, eol)), tablePath))
    return next
  },
  remove(text, collection, name) {
    const next = removeTable(text, [...collection.path, name])
    checkOnlyEntryChanged(text, next, collection, name, undefined)
    return next
  },
}
