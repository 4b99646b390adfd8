/**
 * Tool pinning (SECURITY 15): each tool's full definition is hashed as RFC 8785 canonical JSON,
 * so an update or a restart that changes what a tool says or accepts shows up as a diff.
 */
import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'

/** What a tool is, as the server lists it: the fields a model reads or a client sends. */
export interface ToolDefinition {
  name: string
  title?: string
  description?: string
  inputSchema: Record<string, unknown>
  outputSchema?: Record<string, unknown>
  annotations?: Record<string, unknown>
}

/** A tool as recorded after a handshake: its definition and the SHA-256 of its canonical JSON. */
export interface RecordedTool extends ToolDefinition {
  /** Hex SHA-256 of the RFC 8785 canonical JSON of the definition's fields. */
  sha256: string
}

/** The fields a tool change can touch. */
export const toolFields = ['title', 'description', 'inputSchema', 'outputSchema', 'annotations'] as const
export type ToolField = (typeof toolFields)[number]

export interface ToolDiff {
  /** Tools the new version lists and the old did not. */
  added: string[]
  /** Tools the old version listed and the new does not. */
  removed: string[]
  /** Tools in both whose definitions differ, with the fields that differ. */
  changed: Array<{ name: string; fields: ToolField[] }>
  /** Tools in both, identical. */
  unchanged: string[]
}

/** Just the definition's fields, without anything else a server sent (`_meta`, `icons`). */
export function toolDefinition(tool: ToolDefinition): ToolDefinition {
  return {
    name: tool.name,
    ...(tool.title === undefined ? {} : { title: tool.title }),
    ...(tool.description === undefined ? {} : { description: tool.description }),
    inputSchema: tool.inputSchema,
    ...(tool.outputSchema === undefined ? {} : { outputSchema: tool.outputSchema }),
    ...(tool.annotations === undefined ? {} : { annotations: tool.annotations }),
  }
}

function canonical(value: unknown): string {
  return canonicalize(value) ?? 'null'
}

/** Hex SHA-256 of the tool definition's RFC 8785 canonical JSON. */
export function toolDigest(tool: ToolDefinition): string {
  return createHash('sha256').update(canonical(toolDefinition(tool)), 'utf8').digest('hex')
}

/** The definition plus its digest, as recorded. */
export function recordTool(tool: ToolDefinition): RecordedTool {
  const definition = toolDefinition(tool)
  return { ...definition, sha256: toolDigest(definition) }
}

/**
 * Compares two tool lists by name: added, removed, and changed with the fields that differ
 * (compared as canonical JSON, so key order and number spelling do not count as changes).
 */
export function diffTools(oldTools: readonly ToolDefinition[], newTools: readonly ToolDefinition[]): ToolDiff {
  const before = new Map(oldTools.map((tool) => [tool.name, tool]))
  const after = new Map(newTools.map((tool) => [tool.name, tool]))
  const diff: ToolDiff = { added: [], removed: [], changed: [], unchanged: [] }
  for (const [name, tool] of after) {
    const previous = before.get(name)
    if (!previous) {
      diff.added.push(name)
      continue
    }
    const fields = toolFields.filter((field) => canonical(previous[field]) !== canonical(tool[field]))
    if (fields.length > 0) diff.changed.push({ name, fields })
    else diff.unchanged.push(name)
  }
  for (const name of before.keys()) if (!after.has(name)) diff.removed.push(name)
  diff.added.sort()
  diff.removed.sort()
  diff.changed.sort((left, right) => left.name.localeCompare(right.name))
  diff.unchanged.sort()
  return diff
}

/** Whether a diff has anything to approve. */
export function hasToolChanges(diff: ToolDiff): boolean {
  return diff.added.length > 0 || diff.removed.length > 0 || diff.changed.length > 0
}

/** One line per change, for prompts and error hints: `+ search`, `- delete`, `~ echo (description, inputSchema)`. */
export function describeToolDiff(diff: ToolDiff): string[] {
  return [
    ...diff.added.map((name) => `+ ${name}`),
    ...diff.removed.map((name) => `- ${name}`),
    ...diff.changed.map((change) => `~ ${change.name} (${change.fields.join(', ')})`),
  ]
}
