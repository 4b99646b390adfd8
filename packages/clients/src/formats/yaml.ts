/**
 * YAML (Goose, Continue). `yaml`'s Document API parses the file and says where each node is;
 * the edit itself is a splice of the entry's own lines (a new entry is printed alone, indented
 * like its siblings, and inserted after the last one), because printing the whole document again
 * would re-space comments and flow lists the user wrote. A collection in flow style
 * (`extensions: {}`) is the one case printed by the Document API.
 */
import { isMap, isScalar, isSeq, parseDocument, stringify } from 'yaml'
import type { Document, Node } from 'yaml'
import { collectionEntries } from './format'
import type { ConfigFormat, EntryCollection } from './format'

function parseYamlDocument(text: string): Document {
  const document = parseDocument(text)
  const first = document.errors[0]
  if (first) throw new Error(first.message.split('\n')[0])
  if (document.contents !== null && !isMap(document.contents)) throw new Error('the top level is not a mapping')
  return document
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1
}

function lineEnd(text: string, offset: number): number {
  const end = text.indexOf('\n', offset)
  return end < 0 ? text.length : end + 1
}

/** The entry's node span in the text: from its line start to the end of its last value line. */
function entrySpan(text: string, collectionNode: Node, collection: EntryCollection, name: string): { start: number; end: number } | undefined {
  if (collection.kind === 'map' && isMap(collectionNode)) {
    const pair = collectionNode.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === name)
    const key = pair?.key as Node | undefined
    const value = pair?.value as Node | null | undefined
    if (!key?.range) return undefined
    const valueEnd = value?.range ? value.range[1] : key.range[1]
    return { start: lineStart(text, key.range[0]), end: lineEnd(text, Math.max(valueEnd - 1, key.range[0])) }
  }
  if (collection.kind === 'list' && isSeq(collectionNode)) {
    const item = collectionNode.items.find((candidate) => isMap(candidate) && candidate.get('name') === name) as Node | undefined
    if (!item?.range) return undefined
    return { start: lineStart(text, item.range[0]), end: lineEnd(text, Math.max(item.range[1] - 1, item.range[0])) }
  }
  return undefined
}

/** The column the collection's items start at (their keys, or their `-`). */
function itemIndent(text: string, collectionNode: Node | undefined): number {
  if (collectionNode && (isMap(collectionNode) || isSeq(collectionNode))) {
    const first = collectionNode.items[0] as Node | { key: Node } | undefined
    const node = first && 'key' in first ? (first.key as Node) : (first as Node | undefined)
    if (node?.range) {
      const start = lineStart(text, node.range[0])
      return text.slice(start).search(/\S/)
    }
  }
  return 2
}

function snippet(collection: EntryCollection, name: string, value: Record<string, unknown>, indent: number, eol: string): string {
  const body = collection.kind === 'map' ? stringify({ [name]: value }, { lineWidth: 0 }) : stringify([{ name, ...value }], { lineWidth: 0 })
  return body
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => `${' '.repeat(indent)}${line}${eol}`)
    .join('')
}

function isBlock(node: Node | undefined): boolean {
  return !!node && (isMap(node) || isSeq(node)) && !node.flow && node.items.length > 0
}

export const yamlFormat: ConfigFormat = {
  name: 'yaml',
  parse: (text) => parseYamlDocument(text).toJS() ?? {},
  entries: (text, collection) => collectionEntries(parseYamlDocument(text).toJS() ?? {}, collection),
  set(text, collection, name, value) {
    const document = parseYamlDocument(text)
    const eol = text.includes('\r\n') ? '\r\n' : '\n'
    const collectionNode = document.getIn(collection.path, true) as Node | undefined
    if (collectionNode === undefined || collectionNode === null || (isScalar(collectionNode) && collectionNode.value === null)) {
      if (collection.path.length !== 1 || (collectionNode && isScalar(collectionNode))) return printed(document, collection, name, value)
      const base = text.length > 0 && !text.endsWith('\n') ? `${text}${eol}` : text
      return `${base}${collection.path[0]}:${eol}${snippet(collection, name, value, 2, eol)}`
    }
    if (!isBlock(collectionNode)) return printed(document, collection, name, value)
    const indent = itemIndent(text, collectionNode)
    const lines = snippet(collection, name, value, indent, eol)
    const span = entrySpan(text, collectionNode, collection, name)
    if (span) return `${text.slice(0, span.start)}${lines}${text.slice(span.end)}`
    const last = (collectionNode as { items: unknown[] }).items.at(-1) as Node | { key: Node; value: Node | null }
    const lastEnd = 'key' in last ? ((last.value?.range ?? last.key.range)![1]) : last.range![1]
    const at = lineEnd(text, Math.max(lastEnd - 1, 0))
    const before = text.slice(0, at)
    return `${before}${before.endsWith('\n') || before.length === 0 ? '' : eol}${lines}${text.slice(at)}`
  },
  remove(text, collection, name) {
    const document = parseYamlDocument(text)
    const collectionNode = document.getIn(collection.path, true) as Node | undefined
    if (!collectionNode) return text
    if (!isBlock(collectionNode)) {
      if (collection.kind === 'map') document.deleteIn([...collection.path, name])
      else {
        const index = isSeq(collectionNode) ? collectionNode.items.findIndex((item) => isMap(item) && item.get('name') === name) : -1
        if (index < 0) return text
        document.deleteIn([...collection.path, index])
      }
      return document.toString({ lineWidth: 0 })
    }
    const span = entrySpan(text, collectionNode, collection, name)
    if (!span) return text
    const next = `${text.slice(0, span.start)}${text.slice(span.end)}`
    // The last entry gone: an empty `key:` is null, which clients read as "no servers".
    return next
  },
}

/** The Document API's edit, printed whole (flow-style or missing collections only). */
function printed(document: Document, collection: EntryCollection, name: string, value: Record<string, unknown>): string {
  if (collection.kind === 'map') document.setIn([...collection.path, name], document.createNode(value))
  else {
    const list = document.getIn(collection.path)
    const index = isSeq(list) ? list.items.findIndex((item) => isMap(item) && item.get('name') === name) : -1
    const node = document.createNode({ name, ...value })
    if (index >= 0) document.setIn([...collection.path, index], node)
    else if (isSeq(list)) document.addIn(collection.path, node)
    else document.setIn(collection.path, document.createNode([{ name, ...value }]))
  }
  return document.toString({ lineWidth: 0 })
}
