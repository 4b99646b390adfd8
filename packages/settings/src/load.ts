/**
 * Loading: the three layers read, checked, and merged with the origin of every value kept.
 *
 * Precedence, lowest first: defaults, global (administrator), user, project, then a few
 * `TEKTON_MCP_*` variables for one run. Objects merge key by key; a list or a single value is
 * replaced as a whole by the higher layer. The policy is merged differently (see `policy.ts`):
 * the global layer is a ceiling, denials add up, and no variable changes it, because a policy one
 * variable can switch off protects nobody.
 */
import { TektonError } from '@tekton/mcp-discovery'
import { locateSettingsFiles, readLayerFile, settingsScopes } from './files'
import type { SettingsIssue, SettingsLayerFile, SettingsLocationOptions } from './files'
import type { Origin } from './origin'
import { mergePolicy } from './policy'
import type { EffectivePolicy } from './policy'
import { defaultSettings, discoverySourceIds } from './schema'
import type { Settings, SettingsLayer } from './schema'

/** The settings of one place and time: merged value, origins, layers and what was wrong with them. */
export interface LoadedSettings {
  /** The merged value, defaults filled in. */
  value: Settings
  /** The origin of each leaf value, by dotted path (`install.allowScripts`, `clients.paths.vscode`). */
  origins: Record<string, Origin>
  /** The effective policy, each rule with its origin. */
  policy: EffectivePolicy
  /** The three layers, lowest precedence first: where each file is (or would be) and what it holds. */
  layers: SettingsLayerFile[]
  /** Warnings of every layer and of the merge (unknown keys, a lower layer loosening the policy). */
  warnings: SettingsIssue[]
}

/** The variables that override a setting for one run, with how each is read. */
export const settingsVariables = {
  TEKTON_MCP_SOURCES: 'sources',
  TEKTON_MCP_CLIENTS: 'clients.default',
  TEKTON_MCP_ALLOW_SCRIPTS: 'install.allowScripts',
  TEKTON_MCP_HANDSHAKE_TIMEOUT_MS: 'install.handshakeTimeoutMs',
  TEKTON_MCP_SANDBOX: 'install.sandbox',
} as const

/**
 * Reads, checks and merges the layers. Throws E_SETTINGS_INVALID listing every error (file and
 * dotted path) when a layer or a variable is invalid: nothing is taken from a file half-read.
 */
export function loadSettings(options: SettingsLocationOptions = {}): LoadedSettings {
  const env = options.env ?? process.env
  const located = locateSettingsFiles(options)
  const layers = settingsScopes.map((scope) => readLayerFile(scope, located[scope]))
  const environment = environmentLayer(env)
  const issues = [...layers.flatMap((layer) => layer.issues), ...environment.issues]
  const errors = issues.filter((issue) => issue.severity === 'error')
  if (errors.length > 0) throw settingsInvalid(errors)

  const value = structuredClone(defaultSettings)
  const origins: Record<string, Origin> = {}
  const apply = (data: SettingsLayer, origin: Origin) => {
    if (data.sources !== undefined) {
      value.sources = [...data.sources]
      origins.sources = origin
    }
    if (data.clients?.default !== undefined) {
      value.clients.default = [...data.clients.default]
      origins['clients.default'] = origin
    }
    for (const [client, file] of Object.entries(data.clients?.paths ?? {})) {
      value.clients.paths[client] = file
      origins[`clients.paths.${client}`] = origin
    }
    for (const key of ['allowScripts', 'handshakeTimeoutMs', 'sandbox'] as const) {
      const given = data.install?.[key]
      if (given === undefined) continue
      Object.assign(value.install, { [key]: given })
      origins[`install.${key}`] = origin
    }
  }
  for (const key of ['clients.default', 'install.allowScripts', 'install.handshakeTimeoutMs', 'install.sandbox']) origins[key] = { scope: 'default' }
  for (const layer of layers) apply(layer.data, { scope: layer.scope, file: layer.file })
  for (const [variable, data] of environment.layers) apply(data, { scope: 'env', variable })

  const merged = mergePolicy(layers)
  value.policy = Object.fromEntries(
    Object.entries(merged.policy).map(([rule, effective]) => [rule, Array.isArray(effective) ? effective.map((entry) => entry.value) : effective.value]),
  )
  for (const [rule, effective] of Object.entries(merged.policy)) {
    if (!Array.isArray(effective)) origins[`policy.${rule}`] = effective.origin
    else effective.forEach((entry, index) => (origins[`policy.${rule}.${index}`] = entry.origin))
  }
  const warnings = [...issues, ...merged.issues]
  return { value, origins, policy: merged.policy, layers, warnings }
}

/** E_SETTINGS_INVALID listing each error as `file: path: message`. */
export function settingsInvalid(errors: readonly SettingsIssue[]): TektonError {
  const lines = errors.slice(0, 10).map((issue) => `${issue.file}${issue.path ? `: ${issue.path}` : ''}: ${issue.message}`)
  return new TektonError('E_SETTINGS_INVALID', `Invalid settings: ${lines.join('; ')}${errors.length > 10 ? ` (and ${errors.length - 10} more)` : ''}`, {
    hint: 'Fix or remove the key named in that file (the settings reference lists every key and its type)',
  })
}

/** The overrides the environment makes, one layer per variable set, and what is wrong with them. */
function environmentLayer(env: NodeJS.ProcessEnv): { layers: Array<[string, SettingsLayer]>; issues: SettingsIssue[] } {
  const layers: Array<[string, SettingsLayer]> = []
  const issues: SettingsIssue[] = []
  const read = (variable: keyof typeof settingsVariables) => env[variable]?.trim() || undefined
  const invalid = (variable: string, message: string) => issues.push({ severity: 'error', file: `$${variable}`, path: '', message })

  const sources = read('TEKTON_MCP_SOURCES')
  if (sources) {
    const list = sources.split(',').map((entry) => entry.trim().toLowerCase()).filter(Boolean)
    // The sources read this variable themselves and report a bad one; here it is only shown.
    if (list.length > 0 && list.every((entry) => (discoverySourceIds as readonly string[]).includes(entry))) layers.push(['TEKTON_MCP_SOURCES', { sources: list as Settings['sources'] }])
  }
  const clients = read('TEKTON_MCP_CLIENTS')
  if (clients) layers.push(['TEKTON_MCP_CLIENTS', { clients: { default: clients.split(',').map((entry) => entry.trim()).filter(Boolean) } }])
  const scripts = read('TEKTON_MCP_ALLOW_SCRIPTS')
  if (scripts) {
    if (/^(1|true|yes|on)$/i.test(scripts)) layers.push(['TEKTON_MCP_ALLOW_SCRIPTS', { install: { allowScripts: true } }])
    else if (/^(0|false|no|off)$/i.test(scripts)) layers.push(['TEKTON_MCP_ALLOW_SCRIPTS', { install: { allowScripts: false } }])
    else invalid('TEKTON_MCP_ALLOW_SCRIPTS', `expected 1 or 0, got ${JSON.stringify(scripts)}`)
  }
  const timeout = read('TEKTON_MCP_HANDSHAKE_TIMEOUT_MS')
  if (timeout) {
    const ms = Number(timeout)
    if (Number.isInteger(ms) && ms >= 1_000 && ms <= 3_600_000) layers.push(['TEKTON_MCP_HANDSHAKE_TIMEOUT_MS', { install: { handshakeTimeoutMs: ms } }])
    else invalid('TEKTON_MCP_HANDSHAKE_TIMEOUT_MS', `expected whole milliseconds from 1000 to 3600000, got ${JSON.stringify(timeout)}`)
  }
  const sandbox = read('TEKTON_MCP_SANDBOX')
  if (sandbox) {
    if (sandbox === 'off' || sandbox === 'bubblewrap' || sandbox === 'auto') layers.push(['TEKTON_MCP_SANDBOX', { install: { sandbox } }])
    else invalid('TEKTON_MCP_SANDBOX', `expected off, bubblewrap or auto, got ${JSON.stringify(sandbox)}`)
  }
  return { layers, issues }
}
