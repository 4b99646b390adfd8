/**
 * The settings and the policy as front ends show and change them (`config show/set/unset/path`,
 * `policy show`). Each reads the files afresh rather than the core's cached copy: a command that
 * just changed a file shows what is in it now.
 */
import type { LoadedSettings, Settings, SettingsIssue, SettingsScope } from '@tekton/mcp-settings'
import type { TektonMcpCore } from '../tekton-mcp'

/** One layer's file: where it is (or would be created) and whether it exists. */
export interface SettingsLayerView {
  scope: SettingsScope
  file: string
  exists: boolean
}

/** The merged settings, with where each value came from. */
export interface SettingsView {
  value: Settings
  /** Dotted key → the file, `$VARIABLE` or `default` it came from. */
  origins: Record<string, string>
  layers: SettingsLayerView[]
  warnings: SettingsIssue[]
}

/** What `config set` or `config unset` did. */
export interface SettingsChange {
  key: string
  scope: SettingsScope
  file: string
  changed: boolean
  created: boolean
  /** The value written, for a set. */
  value?: unknown
  warnings: SettingsIssue[]
}

/** One rule of the effective policy: its value (null when unset: unrestricted) and its origin. */
export interface PolicyRuleView {
  rule: string
  value: unknown
  /** The file (or files, for denials) it came from; null when no layer sets it. */
  origin: string | null
  /** Whether tekton-mcp enforces it itself when planning an install or update, or leaves it to a step that reads it. */
  enforcedAt: 'plan' | 'verification' | 'sandbox' | 'lint'
}

export interface PolicyView {
  rules: PolicyRuleView[]
  layers: SettingsLayerView[]
  warnings: SettingsIssue[]
}

const enforcedAt: Record<string, PolicyRuleView['enforcedAt']> = {
  requireSignatures: 'verification',
  requireProvenance: 'verification',
  network: 'sandbox',
  lint: 'lint',
}

async function load(core: TektonMcpCore): Promise<LoadedSettings> {
  const { loadSettings } = await import('@tekton/mcp-settings')
  return loadSettings({ env: core.env, cwd: core.cwd })
}

function layersOf(loaded: LoadedSettings): SettingsLayerView[] {
  return loaded.layers.map((layer) => ({ scope: layer.scope, file: layer.file, exists: layer.exists }))
}

/** The merged settings with origins (`config show`). */
export async function showSettings(core: TektonMcpCore): Promise<SettingsView> {
  const { describeOrigin } = await import('@tekton/mcp-settings')
  const loaded = await load(core)
  const origins = Object.fromEntries(Object.entries(loaded.origins).map(([key, origin]) => [key, describeOrigin(origin)]))
  return { value: loaded.value, origins, layers: layersOf(loaded), warnings: loaded.warnings }
}

/** Where the layers' files are (`config path`). */
export async function settingsPaths(core: TektonMcpCore): Promise<SettingsLayerView[]> {
  const { locateSettingsFiles, settingsScopes } = await import('@tekton/mcp-settings')
  const located = locateSettingsFiles({ env: core.env, cwd: core.cwd })
  return settingsScopes.map((scope) => ({ scope, file: located[scope].file, exists: located[scope].exists }))
}

/**
 * Sets one key in one layer (`config set`): `text` is a JSON literal when it parses as one, else a
 * string. The result is checked before anything is written.
 */
export async function setSettingValue(core: TektonMcpCore, key: string, text: string, scope: SettingsScope = 'user'): Promise<SettingsChange> {
  const { parseSettingValue, setSetting } = await import('@tekton/mcp-settings')
  const value = parseSettingValue(text)
  const edit = await setSetting(key, value, { env: core.env, cwd: core.cwd, scope })
  return { key, scope, file: edit.file, changed: edit.changed, created: edit.created, value, warnings: edit.warnings }
}

/** Removes one key from one layer (`config unset`). */
export async function unsetSettingValue(core: TektonMcpCore, key: string, scope: SettingsScope = 'user'): Promise<SettingsChange> {
  const { unsetSetting } = await import('@tekton/mcp-settings')
  const edit = await unsetSetting(key, { env: core.env, cwd: core.cwd, scope })
  return { key, scope, file: edit.file, changed: edit.changed, created: edit.created, warnings: edit.warnings }
}

/** Every rule of the policy, its value and the file it came from (`policy show`). */
export async function showPolicy(core: TektonMcpCore): Promise<PolicyView> {
  const { describeOrigin, policyRuleNames } = await import('@tekton/mcp-settings')
  const loaded = await load(core)
  const rules = policyRuleNames.map((rule): PolicyRuleView => {
    const effective = loaded.policy[rule]
    const where = enforcedAt[rule] ?? 'plan'
    if (effective === undefined) return { rule, value: null, origin: null, enforcedAt: where }
    if (Array.isArray(effective)) {
      const files = [...new Set(effective.map((entry) => describeOrigin(entry.origin)))]
      return { rule, value: effective.map((entry) => entry.value), origin: files.join(', '), enforcedAt: where }
    }
    return { rule, value: effective.value, origin: describeOrigin(effective.origin), enforcedAt: where }
  })
  return { rules, layers: layersOf(loaded), warnings: loaded.warnings.filter((issue) => issue.path === '' || issue.path.startsWith('policy')) }
}
