import type { SearchResult, SourceStatus } from '@tekton/mcp-discovery'
import { sourceNotes } from './notes'
import type { Style } from './style'
import { clean, formatCount, renderColumns, truncate } from './text'

/** What `search` returns, and exactly what `--json` prints. */
export interface SearchOutput {
  /** Best first. */
  results: SearchResult[]
  /** One status per source asked. */
  sources: SourceStatus[]
  /** Pass to `--cursor` for the next page; null on the last page. */
  nextCursor: string | null
}

const minimumDescriptionWidth = 16

/**
 * A borderless table (ref, version, the sources that know the server, description fitted to the
 * width, popularity), then notes. A ✓ after the ref: ownership confirmed by the official registry;
 * `[deprecated]`, `[archived]`, `[deleted]` after it: the server's standing (the reason is in `info`);
 * `[deleted, installed here]` when a server deleted upstream is installed on this machine.
 */
export function renderSearch(output: SearchOutput, style: Style, width: number, now?: number): string {
  const lines: string[] = []
  if (output.results.length === 0) {
    lines.push('No MCP servers found.')
  } else {
    const rows = output.results.map((result) => [
      `${clean(result.ref)}${result.server.verified.some((fact) => fact.verified) ? ' ✓' : ''}${standingMark(result)}`,
      clean(result.server.version),
      sourcesOf(result),
      clean(result.server.description),
      popularity(result),
    ] as const)
    const gap = 2
    const headings = ['SERVER', 'VERSION', 'SOURCES', 'DESCRIPTION', 'POPULARITY'] as const
    const widthOf = (column: number) => Math.max(headings[column]!.length, ...rows.map((row) => Array.from(row[column]!).length))
    const fixed = widthOf(0) + widthOf(1) + widthOf(2) + widthOf(4) + gap * 4
    const descriptionWidth = Math.max(minimumDescriptionWidth, width - fixed)
    const table = [headings.map((heading) => style.bold(heading))]
    for (const [ref, version, sources, description, popular] of rows) {
      table.push([style.cyan(ref), version, sources, truncate(description, descriptionWidth), style.dim(popular)])
    }
    lines.push(...renderColumns(table, gap))
  }
  if (output.nextCursor) lines.push(style.dim(`more: --cursor ${output.nextCursor}`))
  const notes = sourceNotes(output.sources, style, now)
  if (notes.length > 0) lines.push('', ...notes)
  return `${lines.join('\n')}\n`
}

/**
 * ` [deprecated]`, ` [archived]`, ` [deleted]`: the server's standing, when it is not active;
 * ` [deleted, installed here]` for a deleted server this machine still runs.
 */
function standingMark(result: SearchResult): string {
  if (result.server.status === 'active') return ''
  return result.server.status === 'deleted' && result.installedHere ? ' [deleted, installed here]' : ` [${result.server.status}]`
}

/** `registry,npm,github`: each source that knows the server, once, in the order they answered. */
function sourcesOf(result: SearchResult): string {
  return [...new Set(result.server.sources.map((source) => clean(source.source)))].join(',')
}

/** Downloads and stars, as the sources report them; empty when none does. */
function popularity(result: SearchResult): string {
  const popular = result.server.popularity
  const parts: string[] = []
  if (popular?.downloads !== undefined) parts.push(`${formatCount(popular.downloads)}/${popular.period === 'month' ? 'mo' : 'wk'}`)
  if (popular?.stars !== undefined) parts.push(`${formatCount(popular.stars)} ★`)
  return parts.join(' ')
}
