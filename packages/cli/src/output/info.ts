import type { Package, ServerMetadata, ServerVersion, SourceStatus } from '@tekton/mcp-discovery'
import { sourceNotes } from './notes'
import type { Style } from './style'
import { clean, formatCount, formatDate, padEnd, renderFields } from './text'

/** What `info` returns, and exactly what `--json` prints. */
export interface InfoOutput {
  server: ServerMetadata
  /** Every version, newest first. */
  versions: ServerVersion[]
  sources: SourceStatus[]
}

/** How many versions the card lists; `versions <ref>` shows the rest. */
const cardVersionCount = 5

const runners: Record<string, string> = { npm: 'npx -y', pypi: 'uvx', oci: 'docker run -i --rm' }

/** A card: title line, description, aligned fields, recent versions, then source notes. */
export function renderInfo(output: InfoOutput, style: Style, now?: number): string {
  const { server } = output
  const title = clean(server.title) || clean(server.name)
  const lines = [`${style.bold(title)} ${style.green(clean(server.version))}`]
  const description = clean(server.description)
  if (description) lines.push(description)
  lines.push('')
  const card = renderFields([
    ['ref', style.cyan(clean(server.ref))],
    ['name', clean(server.name) !== title ? clean(server.name) : undefined],
    ['status', status(server, style)],
    ['fork of', server.forkOf ? style.yellow(server.forkOf === 'unknown' ? 'another repository (not named by GitHub)' : clean(server.forkOf)) : undefined],
    ['license', clean(server.license)],
    ['repository', clean(server.repository?.url)],
    ['homepage', clean(server.websiteUrl)],
    ['launch', server.packages.map(launchLine).join('; ')],
    ['bin', server.packages.flatMap(binEntries).join(', ')],
    ['remote', server.remotes.map((remote) => `${remote.type} ${clean(remote.url)}`).join('; ')],
    ['requires', server.requirements.map((requirement) => {
      const range = requirement.range ? ` ${clean(requirement.range)}` : ''
      const flags = [requirement.optional ? 'optional' : '', requirement.secret ? 'secret' : ''].filter(Boolean)
      return `${requirement.kind === 'env' ? 'env ' : ''}${clean(requirement.name)}${range}${flags.length ? ` (${flags.join(', ')})` : ''}`
    }).join(', ')],
    ['registry name', registryName(server, style)],
    ['capabilities', server.capabilities.map((capability) => clean(capability.name ? `${capability.kind}:${capability.name}` : capability.kind)).join(', ')],
    ['keywords', server.keywords.map(clean).join(', ')],
    ['popularity', server.popularity?.downloads === undefined ? undefined : `${formatCount(server.popularity.downloads)} downloads/${server.popularity.period ?? 'week'}`],
    ['published', formatDate(server.publishedAt)],
    ['updated', formatDate(server.updatedAt)],
    ['sources', server.sources.map((record) => `${clean(record.source)}${record.url ? ` ${style.dim(clean(record.url))}` : ''}`).join(', ')],
  ], style.dim)
  lines.push(card.trimEnd())
  if (output.versions.length > 0) {
    lines.push('', style.bold('Versions'))
    const shown = output.versions.slice(0, cardVersionCount)
    const widths = {
      version: Math.max(...shown.map((version) => clean(version.version).length)),
      tags: Math.max(0, ...shown.map((version) => version.tags.map(clean).join(', ').length)),
    }
    for (const version of shown) lines.push(`  ${versionLine(version, style, widths)}`.trimEnd())
    if (output.versions.length > cardVersionCount) {
      lines.push(style.dim(`  … ${output.versions.length - cardVersionCount} more: tekton-mcp versions ${clean(server.ref)}`))
    }
  }
  const notes = sourceNotes(output.sources, style, now)
  if (notes.length > 0) lines.push('', ...notes)
  return `${lines.join('\n')}\n`
}

/** `npx -y @scope/name@1.2.3 (stdio)`: how the server is started. */
function launchLine(entry: Package): string {
  const runner = clean(entry.runtimeHint) || runners[entry.registryType] || entry.registryType
  const version = entry.version ? `@${clean(entry.version)}` : ''
  const runtimeArguments = (entry.runtimeArguments ?? []).map(argumentText).filter(Boolean)
  const packageArguments = (entry.packageArguments ?? []).map(argumentText).filter(Boolean)
  return [runner, ...runtimeArguments, `${clean(entry.identifier)}${version}`, ...packageArguments].join(' ') + ` (${entry.transport.type})`
}

/** `mcp-server-filesystem → dist/index.js`: the commands the npm package installs. */
function binEntries(entry: Package): string[] {
  // npm entries carry the package's `bin` map beyond server.json's Package shape.
  const bin = (entry as Package & { bin?: unknown }).bin
  if (!bin || typeof bin !== 'object') return []
  return Object.entries(bin as Record<string, unknown>).map(([command, file]) => `${clean(command)} → ${clean(String(file))}`)
}

function argumentText(argument: NonNullable<Package['packageArguments']>[number]): string {
  const value = clean(argument.value ?? argument.default ?? argument.valueHint ?? '')
  if (argument.type === 'named') return [clean(argument.name), value].filter(Boolean).join(' ')
  return value || (argument.name ? `<${clean(argument.name)}>` : '')
}

function status(server: ServerMetadata, style: Style): string {
  if (server.status === 'active') return style.green('active')
  const message = clean(server.statusMessage)
  return style.red(message ? `${server.status}: ${message}` : server.status)
}

function registryName(server: ServerMetadata, style: Style): string | undefined {
  if (!server.registryName) return undefined
  const name = clean(server.registryName)
  const fact = server.verified.find((verification) => verification.value === server.registryName)
  if (!fact) return `${name} ${style.dim('(claimed)')}`
  if (fact.verified) return `${name} ${style.green('✓ verified')}`
  return `${name} ${style.yellow(`(not verified${fact.detail ? `: ${clean(fact.detail)}` : ''})`)}`
}

/** `1.2.3  latest  2025-03-01  deprecated: use x`: one version on one line, columns padded to `widths`. */
function versionLine(version: ServerVersion, style: Style, widths: { version: number; tags: number }): string {
  const parts = [padEnd(style.bold(clean(version.version)), widths.version)]
  if (widths.tags > 0) parts.push(padEnd(style.green(version.tags.map(clean).join(', ')), widths.tags))
  parts.push(style.dim(formatDate(version.publishedAt).padEnd(10)))
  if (version.prerelease) parts.push(style.yellow('prerelease'))
  if (version.yanked) parts.push(style.red(version.yankedReason ? `yanked: ${clean(version.yankedReason)}` : 'yanked'))
  if (version.deprecated) parts.push(style.red(typeof version.deprecated === 'string' && version.deprecated ? `deprecated: ${clean(version.deprecated)}` : 'deprecated'))
  return parts.join('  ')
}
