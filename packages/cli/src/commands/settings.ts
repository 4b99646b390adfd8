import type { SettingsScope } from '@tekton/mcp-app'
import type { Command } from '../command'
import type { ConfigPathOutput, ConfigShowOutput, PolicyShowOutput, SettingsChangeOutput } from '../output/settings'
import { readString } from './arguments'

/** `config show [--origin]`: the merged settings; the origins are always in `--json`, shown in text with --origin. */
export const configShowCommand: Command<ConfigShowOutput> = {
  async run(args, context) {
    const view = await (await context.app()).showSettings()
    return { ...view, showOrigins: args.origin === true }
  },
}

/** `config set <key> <value> [--scope]`: one key in one file, checked before it is written. */
export const configSetCommand: Command<SettingsChangeOutput> = {
  async run(args, context) {
    const change = await (await context.app()).setSetting(String(args.key), String(args.value), scopeOf(args.scope))
    return { action: 'set', ...change }
  },
}

/** `config unset <key> [--scope]`: removes one key from one file. */
export const configUnsetCommand: Command<SettingsChangeOutput> = {
  async run(args, context) {
    const change = await (await context.app()).unsetSetting(String(args.key), scopeOf(args.scope))
    return { action: 'unset', ...change }
  },
}

/** `config path`: the three files, and which exist. */
export const configPathCommand: Command<ConfigPathOutput> = {
  async run(_args, context) {
    return { layers: await (await context.app()).settingsPaths() }
  },
}

/** `policy show`: each rule, its value and its file. */
export const policyShowCommand: Command<PolicyShowOutput> = {
  async run(_args, context) {
    return (await context.app()).showPolicy()
  },
}

function scopeOf(value: unknown): SettingsScope {
  // The parser already checked the choices.
  return (readString(value) ?? 'user') as SettingsScope
}
