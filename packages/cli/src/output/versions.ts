import type { ServerVersion, SourceStatus } from '@tekton/mcp-discovery'
import { sourceNotes } from './notes'
import type { Style } from './style'
import { clean, formatDate, renderColumns } from './text'

/** What `versions` returns, and exactly what `--json` prints. */
export interface VersionsOutput {
  /** The canonical ref asked about. */
  ref: string
  /** Newest first, after `--all` and `--limit`. */
  versions: ServerVersion[]
  /** How many versions the source knows, before filtering. */
  total: number
  sources: SourceStatus[]
}

/** A table newest first: version, tags, publish date, marks. */
export function renderVersions(output: VersionsOutput, style: Style, now?: number): string {
  const lines: string[] = []
  if (output.versions.length === 0) {
    lines.push(`No versions to show for ${clean(output.ref)}.`)
  } else {
    const table = [['VERSION', 'TAGS', 'PUBLISHED', ''].map((heading) => style.bold(heading))]
    for (const version of output.versions) {
      table.push([
        version.tags.includes('latest') ? style.green(clean(version.version)) : clean(version.version),
        style.green(version.tags.map(clean).join(', ')),
        style.dim(formatDate(version.publishedAt)),
        marks(version, style),
      ])
    }
    lines.push(...renderColumns(table))
  }
  const hidden = output.total - output.versions.length
  if (hidden > 0) lines.push(style.dim(`${hidden} more not shown (--all, --limit)`))
  const notes = sourceNotes(output.sources, style, now)
  if (notes.length > 0) lines.push('', ...notes)
  return `${lines.join('\n')}\n`
}

function marks(version: ServerVersion, style: Style): string {
  const parts: string[] = []
  if (version.prerelease) parts.push(style.yellow('prerelease'))
  if (version.yanked) parts.push(style.red(version.yankedReason ? `yanked: ${clean(version.yankedReason)}` : 'yanked'))
  if (version.deprecated) {
    parts.push(style.red(typeof version.deprecated === 'string' && version.deprecated ? `deprecated: ${clean(version.deprecated)}` : 'deprecated'))
  }
  return parts.join(' ')
}
