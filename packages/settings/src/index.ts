/**
 * @tekton/mcp-settings: tekton-mcp's layered settings and its permission policy. Three files
 * (administrator, user, project; JSON or YAML) are read, checked with zod (errors and warnings with
 * dotted paths) and merged with the origin of every value kept; the `policy` key is merged with the
 * administrator's layer as a ceiling. `setSetting`/`unsetSetting` edit one key in place, keeping
 * the file's comments, after checking the result.
 *
 * ```ts
 * const settings = loadSettings({ env: process.env, cwd: process.cwd() })
 * settings.value.install.handshakeTimeoutMs // 30000 unless a layer sets it
 * settings.origins['install.handshakeTimeoutMs'] // { scope: 'user', file: '~/.config/tekton-mcp/config.json' }
 * checkPolicySubject(settings.policy, { name: '@acme/server', ref: 'npm:@acme/server', package: { registryType: 'npm', identifier: '@acme/server' } })
 * ```
 */
export { locateSettingsFiles, readLayerFile, checkLayerValue, systemConfigDir, systemConfigDirVariable, settingsScopes, formatOf } from './files'
export type { SettingsFormat, SettingsIssue, SettingsLayerFile, SettingsLocationOptions, SettingsScope } from './files'
export { loadSettings, settingsInvalid, settingsVariables } from './load'
export type { LoadedSettings } from './load'
export { parseSettingValue, setSetting, unsetSetting, writeAtomically } from './edit'
export type { EditSettingsOptions, SettingsEdit } from './edit'
export { describeOrigin } from './origin'
export type { Origin } from './origin'
export {
  checkInstallScripts,
  checkNonRegistryDependencies,
  checkPolicySubject,
  mergePolicy,
  policyDenied,
  policyRuleNames,
  publisherIdentities,
  publisherPatternMatches,
} from './policy'
export type { EffectivePolicy, PolicyRule, PolicySubject } from './policy'
export { defaultSettings, discoverySourceIds, isSettingKey, PolicyLayerSchema, publisherKinds, registryTypes, settingKeys, SettingsLayerSchema, sourceIds } from './schema'
export type { PolicyLayer, PolicyRuleName, Settings, SettingsLayer } from './schema'
