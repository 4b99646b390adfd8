/**
 * JSON and JSONC (VS Code, Zed and Claude Code files carry comments and trailing commas) through
 * `jsonc-parser`'s edit operations: each change is a minimal text edit of the one property, so
 * the rest of the file is untouched.
 */
import { applyEdits, modify, parse, printParseErrorCode } from 'jsonc-parser'
import type { FormattingOptions, ParseError } from 'jsonc-parser'
import { collectionEntries } from './format'
import type { ConfigFormat, EntryCollection } from './format'

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n')
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`
}

/** Indentation and line ends as the file already has them (two spaces and `\n` for a new file). */
export function detectFormatting(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n'
  const indented = /^([ \t]+)\S/m.exec(text)?.[1]
  if (indented?.startsWith('\t')) return { insertSpaces: false, tabSize: 1, eol }
  return { insertSpaces: true, tabSize: indented ? indented.length : 2, eol }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return {}
  const errors: ParseError[] = []
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true })
  const first = errors[0]
  if (first) throw new Error(`${printParseErrorCode(first.error)} at ${lineAndColumn(text, first.offset)}`)
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('the top level is not an object')
  return value
}

function edit(text: string, path: (string | number)[], value: unknown, isArrayInsertion = false): string {
  const base = text.trim() === '' ? '{}\n' : text
  return applyEdits(base, modify(base, path, value, { formattingOptions: detectFormatting(base), isArrayInsertion }))
}

function listIndex(text: string, collection: EntryCollection, name: string): number {
  const list = collection.path.reduce<unknown>((current, key) => (current as Record<string, unknown> | undefined)?.[key], parseJson(text))
  return Array.isArray(list) ? list.findIndex((item) => (item as { name?: unknown } | null)?.name === name) : -1
}

export const jsonFormat: ConfigFormat = {
  name: 'json',
  parse: parseJson,
  entries: (text, collection) => collectionEntries(parseJson(text), collection),
  set(text, collection, name, value) {
    if (collection.kind === 'map') return edit(text, [...collection.path, name], value)
    const index = listIndex(text, collection, name)
    return index >= 0 ? edit(text, [...collection.path, index], value) : edit(text, [...collection.path, -1], value, true)
  },
  remove(text, collection, name) {
    if (collection.kind === 'map') return edit(text, [...collection.path, name], undefined)
    const index = listIndex(text, collection, name)
    return index >= 0 ? edit(text, [...collection.path, index], undefined) : text
  },
}

/** Adds, replaces or removes items of a top-level array of objects keyed by `id` (VS Code `inputs`). */
export function editJsonArrayById(text: string, key: string, remove: (id: string) => boolean, add: Record<string, unknown>[]): string {
  let current = text
  const list = (): unknown[] => {
    const value = (parseJson(current) as Record<string, unknown>)[key]
    return Array.isArray(value) ? value : []
  }
  for (let index = list().length - 1; index >= 0; index--) {
    const id = (list()[index] as { id?: unknown } | null)?.id
    if (typeof id === 'string' && remove(id)) current = edit(current, [key, index], undefined)
  }
  for (const item of add) current = edit(current, [key, -1], item, true)
  return current
}
