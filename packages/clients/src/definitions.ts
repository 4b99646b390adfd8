/**
 * Each client as data: its files per platform and scope, where the server list lives, and the
 * shape of a stdio and a remote entry. Sources: the public code of tools that already write these
 * files (Smithery CLI `src/config/clients.ts`, ToolHive `pkg/client/config.go`, Docker's MCP gateway
 * `pkg/client/config.yml`, install-mcp) checked against each client's own documentation; where
 * they disagree the client's documentation wins.
 */
import type { ConfigFormat, EntryCollection } from './formats/format'
import { jsonFormat } from './formats/json'
import { tomlFormat } from './formats/toml'
import { yamlFormat } from './formats/yaml'
import { appDataDirectory, pathsFor, xdgConfigHome } from './platform-paths'
import type { LocateOptions, ReadLaunch } from './spec'

/** A stdio launch ready for a client: absolute command, arguments, variables (secrets already handled). */
export interface PreparedStdio {
  command: string
  args: string[]
  env: Record<string, string>
}

export interface PreparedRemote {
  url: string
  transport: 'streamable-http' | 'sse'
  headers: Record<string, string>
}

type Where = Pick<LocateOptions, 'platform' | 'home' | 'env' | 'cwd'>

/** One client, described. */
export interface ClientDefinition {
  id: string
  displayName: string
  format: ConfigFormat
  collection: EntryCollection
  /** The user file. */
  user(where: Where): string
  /** The project file, for clients that read one. */
  project?(where: Where): string
  /** Paths whose presence says the client is installed (its config directory, its app). */
  detect(where: Where): string[]
  /** Text of a new file. @default `{}` for JSON, empty otherwise */
  newFileText?: string
  stdio(launch: PreparedStdio): Record<string, unknown>
  /** The remote shape for a transport, or undefined when the client does not take it (a bridge is needed). */
  remote(remote: PreparedRemote): Record<string, unknown> | undefined
  /** Reads an entry back into neutral form. */
  read(value: unknown): ReadLaunch | undefined
  /** VS Code: secrets as `inputs` (`password: true`) referred to as `${input:id}`. */
  secretInputs?: boolean
}

const nonEmpty = <T extends object>(value: T): T | undefined => (Object.keys(value).length > 0 ? value : undefined)

/** `{command, args, env}`: the shape most clients share. */
function commandShape(launch: PreparedStdio): Record<string, unknown> {
  const env = nonEmpty(launch.env)
  return { command: launch.command, args: launch.args, ...(env ? { env } : {}) }
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}

function stringRecord(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {}
  return Object.fromEntries(Object.entries(value).filter((pair): pair is [string, string] => typeof pair[1] === 'string'))
}

/** Reads `{command, args, env}` or `{<urlKey>, headers}` entries. */
function readCommandShape(value: unknown, options: { urlKeys?: string[]; envKey?: string; headersKey?: string } = {}): ReadLaunch | undefined {
  if (!value || typeof value !== 'object') return undefined
  const record = value as Record<string, unknown>
  if (typeof record.command === 'string') return { kind: 'stdio', command: record.command, args: strings(record.args), env: stringRecord(record[options.envKey ?? 'env']) }
  for (const key of options.urlKeys ?? ['url']) {
    const url = record[key]
    if (typeof url === 'string') return { kind: 'remote', url, headers: stringRecord(record[options.headersKey ?? 'headers']) }
  }
  return undefined
}

function remoteWithHeaders(fields: Record<string, unknown>, headers: Record<string, string>, key = 'headers'): Record<string, unknown> {
  const present = nonEmpty(headers)
  return { ...fields, ...(present ? { [key]: present } : {}) }
}

const mcpServers: EntryCollection = { kind: 'map', path: ['mcpServers'] }

export const claudeDesktop: ClientDefinition = {
  id: 'claude-desktop',
  displayName: 'Claude Desktop',
  format: jsonFormat,
  collection: mcpServers,
  user: (where) => pathsFor(where.platform).join(appDataDirectory(where), 'Claude', 'claude_desktop_config.json'),
  detect: (where) => [pathsFor(where.platform).join(appDataDirectory(where), 'Claude')],
  stdio: commandShape,
  // Claude Desktop's config file starts stdio servers only: a remote needs a bridge.
  remote: () => undefined,
  read: (value) => readCommandShape(value),
}

function claudeHome(where: Where): string {
  const configured = where.env.CLAUDE_CONFIG_DIR?.trim()
  return configured || where.home
}

export const claudeCode: ClientDefinition = {
  id: 'claude-code',
  displayName: 'Claude Code',
  format: jsonFormat,
  collection: mcpServers,
  user: (where) => pathsFor(where.platform).join(claudeHome(where), '.claude.json'),
  project: (where) => pathsFor(where.platform).join(where.cwd, '.mcp.json'),
  detect: (where) => [pathsFor(where.platform).join(claudeHome(where), '.claude.json'), pathsFor(where.platform).join(where.home, '.claude')],
  stdio: (launch) => ({ type: 'stdio', ...commandShape(launch) }),
  remote: (remote) => remoteWithHeaders({ type: remote.transport === 'sse' ? 'sse' : 'http', url: remote.url }, remote.headers),
  read: (value) => readCommandShape(value),
}

export const cursor: ClientDefinition = {
  id: 'cursor',
  displayName: 'Cursor',
  format: jsonFormat,
  collection: mcpServers,
  user: (where) => pathsFor(where.platform).join(where.home, '.cursor', 'mcp.json'),
  project: (where) => pathsFor(where.platform).join(where.cwd, '.cursor', 'mcp.json'),
  detect: (where) => [pathsFor(where.platform).join(where.home, '.cursor')],
  stdio: commandShape,
  remote: (remote) => remoteWithHeaders({ url: remote.url }, remote.headers),
  read: (value) => readCommandShape(value),
}

/** VS Code's user data directory (`<AppData>/Code/User`). */
function vscodeUser(where: Where): string {
  return pathsFor(where.platform).join(appDataDirectory(where), 'Code', 'User')
}

export const vscode: ClientDefinition = {
  id: 'vscode',
  displayName: 'VS Code',
  format: jsonFormat,
  // `servers`, not `mcpServers`: the key other tools get wrong, so VS Code silently ignores their entry.
  collection: { kind: 'map', path: ['servers'] },
  user: (where) => pathsFor(where.platform).join(vscodeUser(where), 'mcp.json'),
  project: (where) => pathsFor(where.platform).join(where.cwd, '.vscode', 'mcp.json'),
  detect: (where) => [pathsFor(where.platform).join(appDataDirectory(where), 'Code')],
  stdio: (launch) => ({ type: 'stdio', ...commandShape(launch) }),
  remote: (remote) => remoteWithHeaders({ type: remote.transport === 'sse' ? 'sse' : 'http', url: remote.url }, remote.headers),
  read: (value) => readCommandShape(value),
  secretInputs: true,
}

export const windsurf: ClientDefinition = {
  id: 'windsurf',
  displayName: 'Windsurf',
  format: jsonFormat,
  collection: mcpServers,
  user: (where) => pathsFor(where.platform).join(where.home, '.codeium', 'windsurf', 'mcp_config.json'),
  detect: (where) => [pathsFor(where.platform).join(where.home, '.codeium', 'windsurf')],
  stdio: commandShape,
  remote: (remote) => remoteWithHeaders({ serverUrl: remote.url }, remote.headers),
  read: (value) => readCommandShape(value, { urlKeys: ['serverUrl', 'url'] }),
}

export const geminiCli: ClientDefinition = {
  id: 'gemini-cli',
  displayName: 'Gemini CLI',
  format: jsonFormat,
  collection: mcpServers,
  user: (where) => pathsFor(where.platform).join(where.home, '.gemini', 'settings.json'),
  project: (where) => pathsFor(where.platform).join(where.cwd, '.gemini', 'settings.json'),
  detect: (where) => [pathsFor(where.platform).join(where.home, '.gemini')],
  stdio: commandShape,
  // Streamable HTTP under `httpUrl`; `url` means SSE to Gemini CLI.
  remote: (remote) => remoteWithHeaders(remote.transport === 'sse' ? { url: remote.url } : { httpUrl: remote.url }, remote.headers),
  read: (value) => readCommandShape(value, { urlKeys: ['httpUrl', 'url'] }),
}

function codexHome(where: Where): string {
  const configured = where.env.CODEX_HOME?.trim()
  return configured || pathsFor(where.platform).join(where.home, '.codex')
}

export const codex: ClientDefinition = {
  id: 'codex',
  displayName: 'Codex',
  format: tomlFormat,
  collection: { kind: 'map', path: ['mcp_servers'] },
  user: (where) => pathsFor(where.platform).join(codexHome(where), 'config.toml'),
  detect: (where) => [codexHome(where)],
  newFileText: '',
  stdio: commandShape,
  // Codex speaks streamable HTTP (`url`, `http_headers`), not SSE.
  remote: (remote) => (remote.transport === 'sse' ? undefined : remoteWithHeaders({ url: remote.url }, remote.headers, 'http_headers')),
  read: (value) => readCommandShape(value, { headersKey: 'http_headers' }),
}

export const zed: ClientDefinition = {
  id: 'zed',
  displayName: 'Zed',
  format: jsonFormat,
  collection: { kind: 'map', path: ['context_servers'] },
  user: (where) =>
    where.platform === 'win32' ? pathsFor(where.platform).join(appDataDirectory(where), 'Zed', 'settings.json') : pathsFor(where.platform).join(xdgConfigHome(where), 'zed', 'settings.json'),
  detect: (where) => [where.platform === 'win32' ? pathsFor(where.platform).join(appDataDirectory(where), 'Zed') : pathsFor(where.platform).join(xdgConfigHome(where), 'zed')],
  stdio: (launch) => ({ source: 'custom', ...commandShape(launch) }),
  remote: (remote) => (remote.transport === 'sse' ? undefined : remoteWithHeaders({ source: 'custom', url: remote.url }, remote.headers)),
  read: (value) => readCommandShape(value),
}

export const continueDev: ClientDefinition = {
  id: 'continue',
  displayName: 'Continue',
  format: yamlFormat,
  // A list of `{ name, ... }`, not a map.
  collection: { kind: 'list', path: ['mcpServers'] },
  user: (where) => pathsFor(where.platform).join(where.home, '.continue', 'config.yaml'),
  detect: (where) => [pathsFor(where.platform).join(where.home, '.continue')],
  newFileText: 'name: Local Config\nversion: 1.0.0\nschema: v1\n',
  stdio: commandShape,
  remote: (remote) => ({ type: remote.transport, url: remote.url, ...(nonEmpty(remote.headers) ? { requestOptions: { headers: remote.headers } } : {}) }),
  read: (value) => {
    const launch = readCommandShape(value)
    if (launch?.kind === 'remote') launch.headers = stringRecord((value as { requestOptions?: { headers?: unknown } }).requestOptions?.headers)
    return launch
  },
}

export const goose: ClientDefinition = {
  id: 'goose',
  displayName: 'Goose',
  format: yamlFormat,
  collection: { kind: 'map', path: ['extensions'] },
  user: (where) =>
    where.platform === 'win32'
      ? pathsFor(where.platform).join(appDataDirectory(where), 'Block', 'goose', 'config', 'config.yaml')
      : pathsFor(where.platform).join(xdgConfigHome(where), 'goose', 'config.yaml'),
  detect: (where) => [
    where.platform === 'win32' ? pathsFor(where.platform).join(appDataDirectory(where), 'Block', 'goose') : pathsFor(where.platform).join(xdgConfigHome(where), 'goose'),
  ],
  newFileText: '',
  stdio: (launch) => ({ type: 'stdio', cmd: launch.command, args: launch.args, envs: launch.env, enabled: true, timeout: 300 }),
  remote: (remote) => ({ type: remote.transport === 'sse' ? 'sse' : 'streamable_http', uri: remote.url, headers: remote.headers, enabled: true, timeout: 300 }),
  read: (value) => {
    if (!value || typeof value !== 'object') return undefined
    const record = value as Record<string, unknown>
    if (typeof record.cmd === 'string') return { kind: 'stdio', command: record.cmd, args: strings(record.args), env: stringRecord(record.envs) }
    if (typeof record.uri === 'string') return { kind: 'remote', url: record.uri, headers: stringRecord(record.headers) }
    return undefined
  },
}

/** Cline keeps its settings in VS Code's extension storage. */
function clineDirectory(where: Where): string {
  return pathsFor(where.platform).join(vscodeUser(where), 'globalStorage', 'saoudrizwan.claude-dev')
}

export const cline: ClientDefinition = {
  id: 'cline',
  displayName: 'Cline',
  format: jsonFormat,
  collection: mcpServers,
  user: (where) => pathsFor(where.platform).join(clineDirectory(where), 'settings', 'cline_mcp_settings.json'),
  detect: (where) => [clineDirectory(where)],
  stdio: commandShape,
  remote: (remote) => remoteWithHeaders({ type: remote.transport === 'sse' ? 'sse' : 'streamableHttp', url: remote.url }, remote.headers),
  read: (value) => readCommandShape(value),
}

export const opencode: ClientDefinition = {
  id: 'opencode',
  displayName: 'OpenCode',
  format: jsonFormat,
  collection: { kind: 'map', path: ['mcp'] },
  user: (where) => pathsFor(where.platform).join(xdgConfigHome(where), 'opencode', 'opencode.json'),
  project: (where) => pathsFor(where.platform).join(where.cwd, 'opencode.json'),
  detect: (where) => [pathsFor(where.platform).join(xdgConfigHome(where), 'opencode')],
  // One array holds the command and its arguments.
  stdio: (launch) => ({ type: 'local', command: [launch.command, ...launch.args], ...(nonEmpty(launch.env) ? { environment: launch.env } : {}), enabled: true }),
  remote: (remote) => remoteWithHeaders({ type: 'remote', url: remote.url, enabled: true }, remote.headers),
  read: (value) => {
    if (!value || typeof value !== 'object') return undefined
    const record = value as Record<string, unknown>
    const command = strings(record.command)
    if (Array.isArray(record.command) && command.length > 0) return { kind: 'stdio', command: command[0]!, args: command.slice(1), env: stringRecord(record.environment) }
    if (typeof record.url === 'string') return { kind: 'remote', url: record.url, headers: stringRecord(record.headers) }
    return undefined
  },
}

export const kiro: ClientDefinition = {
  id: 'kiro',
  displayName: 'Kiro',
  format: jsonFormat,
  collection: mcpServers,
  user: (where) => pathsFor(where.platform).join(where.home, '.kiro', 'settings', 'mcp.json'),
  project: (where) => pathsFor(where.platform).join(where.cwd, '.kiro', 'settings', 'mcp.json'),
  detect: (where) => [pathsFor(where.platform).join(where.home, '.kiro')],
  stdio: commandShape,
  remote: (remote) => remoteWithHeaders({ url: remote.url }, remote.headers),
  read: (value) => readCommandShape(value),
}

/** Every client this package writes, in the order `clients` lists them. */
export const clientDefinitions: readonly ClientDefinition[] = [claudeDesktop, claudeCode, cursor, vscode, windsurf, geminiCli, codex, zed, continueDev, goose, cline, opencode, kiro]
