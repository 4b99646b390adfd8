/**
 * @tekton/mcp-clients: writes MCP server entries into the files MCP clients read (Claude Desktop,
 * Claude Code, Cursor, VS Code, Windsurf, Gemini CLI, Codex, Zed, Continue, Goose, Cline,
 * OpenCode, Kiro). Edits keep the rest of the file byte for byte, are atomic, backed up and
 * locked, and only our own entries (recorded by hash) are rewritten or removed.
 *
 * ```ts
 * const vscode = createVsCodeClient({ stateFile: '/home/me/.local/share/tekton-mcp/client-entries.json' })
 * await vscode.add({ name: 'files', kind: 'stdio', command: '/usr/bin/node', args: ['/srv/files/index.js'], env: {}, secrets: [] })
 * ```
 */
import { claudeCode, claudeDesktop, clientDefinitions, cline, codex, continueDev, cursor, geminiCli, goose, kiro, opencode, vscode, windsurf, zed } from './definitions'
import type { ClientDefinition } from './definitions'
import { createOwnershipStore } from './ownership'
import { createClientWriter } from './writer'
import type { ClientWriterOptions } from './writer'
import type { ClientWriter } from './spec'
import { TektonError } from '@tekton/mcp-discovery'

export type * from './spec'
export type { ClientDefinition, PreparedRemote, PreparedStdio } from './definitions'
export type { ClientWriterOptions } from './writer'
export type { OwnedEntry, OwnershipStore, OwnershipStoreOptions } from './ownership'
export type { ConfigFormat, EntryCollection } from './formats/format'
export { clientDefinitions } from './definitions'
export { clientEntryName, createClientWriter, inputIdPrefix, windowsShimLaunch } from './writer'
export { createOwnershipStore, entryDigest } from './ownership'
export { backupSuffix } from './edit-file'
export { appDataDirectory, xdgConfigHome } from './platform-paths'

const factory = (definition: ClientDefinition) => (options: ClientWriterOptions) => createClientWriter(definition, options)

export const createClaudeDesktopClient = factory(claudeDesktop)
export const createClaudeCodeClient = factory(claudeCode)
export const createCursorClient = factory(cursor)
export const createVsCodeClient = factory(vscode)
export const createWindsurfClient = factory(windsurf)
export const createGeminiCliClient = factory(geminiCli)
export const createCodexClient = factory(codex)
export const createZedClient = factory(zed)
export const createContinueClient = factory(continueDev)
export const createGooseClient = factory(goose)
export const createClineClient = factory(cline)
export const createOpenCodeClient = factory(opencode)
export const createKiroClient = factory(kiro)

/** Ids of every client, in listing order. */
export const clientIds: readonly string[] = clientDefinitions.map((definition) => definition.id)

export interface ClientWritersOptions extends Omit<ClientWriterOptions, 'path' | 'projectPath' | 'ownership'> {
  /** Replaces a client's user file path, by client id (settings `clients.paths`). */
  paths?: Record<string, string>
  /**
   * Writers for clients this package does not define (Ergon registers through @tekton/mcp-ergon):
   * the seam for other targets, listed after ours.
   */
  extraWriters?: readonly ClientWriter[]
}

/** Every client's writer, sharing one ownership record. */
export function createClientWriters(options: ClientWritersOptions): ClientWriter[] {
  const { paths, extraWriters, ...shared } = options
  const ownership = createOwnershipStore({ file: options.stateFile, ...(options.now ? { now: options.now } : {}), ...(options.lockTimeoutMs ? { lockTimeoutMs: options.lockTimeoutMs } : {}) })
  for (const id of Object.keys(paths ?? {})) {
    if (!clientIds.includes(id)) throw unknownClient(id)
  }
  return [
    ...clientDefinitions.map((definition) => createClientWriter(definition, { ...shared, ownership, ...(paths?.[definition.id] ? { path: paths[definition.id] } : {}) })),
    ...(extraWriters ?? []),
  ]
}

/** `E_CLIENT_UNKNOWN` naming the known ids. */
export function unknownClient(id: string): TektonError {
  return new TektonError('E_CLIENT_UNKNOWN', `${JSON.stringify(id.slice(0, 60))} is not a client tekton-mcp writes`, { hint: `Known clients: ${clientIds.join(', ')}` })
}

/** The writers named by `ids` (`E_CLIENT_UNKNOWN` for a name that is none). */
export function pickClientWriters(writers: readonly ClientWriter[], ids: readonly string[]): ClientWriter[] {
  return ids.map((id) => writers.find((writer) => writer.id === id) ?? (() => { throw unknownClient(id) })())
}
