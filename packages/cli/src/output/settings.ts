import type { PolicyView, SettingsChange, SettingsIssue, SettingsLayerView, SettingsView } from '@tekton/mcp-app'
import type { Style } from './style'
import { clean } from './text'

/** What `config show` returns, and exactly what `--json` prints. */
export type ConfigShowOutput = SettingsView & { showOrigins?: boolean }

/** What `config set` and `config unset` return. */
export type SettingsChangeOutput = SettingsChange & { action: 'set' | 'unset' }

/** What `config path` returns. */
export interface ConfigPathOutput {
  layers: SettingsLayerView[]
}

/** What `policy show` returns. */
export type PolicyShowOutput = PolicyView

/** Leaves of a value as dotted keys, in order (lists and empty objects are leaves). */
function leaves(value: unknown, prefix = ''): Array<[string, unknown]> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length === 0) return [[prefix, value]]
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => leaves(child, prefix ? `${prefix}.${key}` : key))
}

function shown(value: unknown): string {
  return clean(typeof value === 'string' ? value : JSON.stringify(value))
}

function renderIssues(issues: readonly SettingsIssue[], style: Style): string[] {
  return issues.map((issue) => style.yellow(`warning: ${clean(issue.file)}${issue.path ? `: ${clean(issue.path)}` : ''}: ${clean(issue.message)}`))
}

/** `config show`: one `key = value` line per setting, with `# origin` under --origin. */
export function renderConfigShow(output: ConfigShowOutput, style: Style): string {
  const lines: string[] = []
  for (const [key, value] of leaves(output.value)) {
    if (key.startsWith('policy') && (value === undefined || (typeof value === 'object' && value !== null && Object.keys(value).length === 0))) continue
    const origin = output.origins[key] ?? (Array.isArray(value) && key.startsWith('policy.deniedPublishers') ? output.origins[`${key}.0`] : undefined)
    lines.push(`${style.bold(key)} = ${shown(value)}${output.showOrigins ? style.dim(`  # ${clean(origin ?? 'default')}`) : ''}`)
  }
  if (output.value.sources === undefined) lines.push(`${style.bold('sources')} = ${style.dim('(all)')}${output.showOrigins ? style.dim('  # default') : ''}`)
  lines.push(...renderIssues(output.warnings, style))
  return `${lines.join('\n')}\n`
}

/** `config set`/`unset`: what changed where, and any warning about it. */
export function renderSettingsChange(output: SettingsChangeOutput, style: Style): string {
  const where = `${output.scope} settings ${style.dim(clean(output.file))}`
  const line = !output.changed
    ? `${clean(output.key)} is not set in the ${where}: nothing changed`
    : output.action === 'set'
      ? `${style.green('set')} ${style.bold(clean(output.key))} = ${shown(output.value)} in the ${where}${output.created ? ' (created)' : ''}`
      : `${style.green('unset')} ${style.bold(clean(output.key))} in the ${where}`
  return `${[line, ...renderIssues(output.warnings, style)].join('\n')}\n`
}

/** `config path`: one line per scope. */
export function renderConfigPath(output: ConfigPathOutput, style: Style): string {
  return `${output.layers.map((layer) => `${layer.scope.padEnd(8)} ${clean(layer.file)}${layer.exists ? '' : style.dim('  (not present)')}`).join('\n')}\n`
}

/** `policy show`: one line per rule (unset rules say so), then the warnings. */
export function renderPolicyShow(output: PolicyShowOutput, style: Style): string {
  const width = Math.max(...output.rules.map((rule) => rule.rule.length))
  const lines = output.rules.map((rule) =>
    rule.value === null
      ? `${rule.rule.padEnd(width)}  ${style.dim('(not set: unrestricted)')}`
      : `${style.bold(rule.rule.padEnd(width))}  ${shown(rule.value)}  ${style.dim(`from ${clean(rule.origin ?? '')}`)}${rule.enforcedAt === 'plan' ? '' : style.dim(` (read by the ${rule.enforcedAt} step)`)}`,
  )
  return `${[...lines, ...renderIssues(output.warnings, style)].join('\n')}\n`
}
