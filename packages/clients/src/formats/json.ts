/**
 * JSON and JSONC (VS Code, Zed and Claude Code files carry comments and trailing commas) through
 * `jsonc-parser`'s edit operations: each change is a minimal text edit of the one property, so
 * the rest of the file is untouched.
 */
import { applyEdits, findNodeAtLocation, modify, parse, parseTree, printParseErrorCode } from 'jsonc-parser'
import type { FormattingOptions, Node, ParseError } from 'jsonc-parser'
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

/** The object node at `path` when it has properties (the case spliced by hand), else undefined. */
function populatedObject(text: string, path: string[]): Node | undefined {
  const tree = parseTree(text, [], { allowTrailingComma: true, disallowComments: false })
  const node = tree ? findNodeAtLocation(tree, path) : undefined
  return node?.type === 'object' && node.children && node.children.length > 0 ? node : undefined
}

function propertyNamed(object: Node, name: string): Node | undefined {
  return object.children!.find((property) => property.children?.[0]?.value === name)
}

const lineStartOf = (text: string, offset: number) => text.lastIndexOf('\n', offset - 1) + 1
const lineEndOf = (text: string, offset: number) => {
  const end = text.indexOf('\n', offset)
  return end < 0 ? -1 : end
}

/**
 * Adds a property after the last one, on lines of its own, indented like its siblings.
 * jsonc-parser's own insertion re-formats the whole line the edit starts on, which rewrites a
 * sibling written on one line (`"mine": { "command": "x" } // note`): here the only byte that
 * changes outside the new lines is the comma the previous property needs.
 */
function insertProperty(text: string, object: Node, name: string, value: unknown): string | undefined {
  const last = object.children!.at(-1)!
  const lastEnd = last.offset + last.length
  const indent = text.slice(lineStartOf(text, last.offset), last.offset)
  const lineEnd = lineEndOf(text, lastEnd)
  if (!/^[ \t]*$/.test(indent) || lineEnd < 0) return undefined
  const rest = text.slice(lastEnd, lineEnd)
  if (!/^[ \t]*,?[ \t]*(\/\/.*|\/\*.*\*\/[ \t]*)?\r?$/.test(rest)) return undefined
  const formatting = detectFormatting(text)
  const unit = formatting.insertSpaces ? ' '.repeat(formatting.tabSize ?? 2) : '\t'
  const eol = formatting.eol ?? '\n'
  const body = JSON.stringify(value, null, unit).split('\n').join(`${eol}${indent}`)
  const insertAt = lineEnd + 1
  const comma = /^[ \t]*,/.test(rest) ? '' : ','
  return `${text.slice(0, lastEnd)}${comma}${text.slice(lastEnd, insertAt)}${indent}${JSON.stringify(name)}: ${body}${eol}${text.slice(insertAt)}`
}

/** Removes a property that sits on lines of its own (and the comma `insertProperty` added), or undefined. */
function removeProperty(text: string, object: Node, property: Node): string | undefined {
  const start = lineStartOf(text, property.offset)
  const end = property.offset + property.length
  const lineEnd = lineEndOf(text, end)
  if (!/^[ \t]*$/.test(text.slice(start, property.offset)) || lineEnd < 0) return undefined
  const rest = text.slice(end, lineEnd)
  if (!/^[ \t]*,?[ \t]*\r?$/.test(rest)) return undefined
  const siblings = object.children!
  const index = siblings.indexOf(property)
  let result = `${text.slice(0, start)}${text.slice(lineEnd + 1)}`
  if (index === siblings.length - 1 && index > 0 && !/^[ \t]*,/.test(rest)) {
    // The last property gone: the one before it must not keep a comma (strict JSON clients).
    const previous = siblings[index - 1]!
    const previousEnd = previous.offset + previous.length
    if (text[previousEnd] === ',') result = `${result.slice(0, previousEnd)}${result.slice(previousEnd + 1)}`
  }
  return result
}

export const jsonFormat: ConfigFormat = {
  name: 'json',
  parse: parseJson,
  entries: (text, collection) => collectionEntries(parseJson(text), collection),
  set(text, collection, name, value) {
    if (collection.kind === 'map') {
      const object = text.trim() === '' ? undefined : populatedObject(text, collection.path)
      const spliced = object && !propertyNamed(object, name) ? insertProperty(text, object, name, value) : undefined
      return spliced ?? edit(text, [...collection.path, name], value)
    }
    const index = listIndex(text, collection, name)
    return index >= 0 ? edit(text, [...collection.path, index], value) : edit(text, [...collection.path, -1], value, true)
  },
  remove(text, collection, name) {
    if (collection.kind === 'map') {
      const object = text.trim() === '' ? undefined : populatedObject(text, collection.path)
      const property = object && propertyNamed(object, name)
      if (object && !property) return text
      return (property && removeProperty(text, object, property)) ?? edit(text, [...collection.path, name], undefined)
    }
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
