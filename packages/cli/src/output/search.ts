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

/** A borderless table (ref, version, description fitted to the width, popularity), then notes. */
export function renderSearch(output: SearchOutput, style: Style, width: number): string {
  const lines: string[] = []
  if (output.results.length === 0) {
    lines.push('No MCP servers found.')
  } else {
    const rows = output.results.map((result) => [
      clean(result.ref),
      clean(result.server.version),
      clean(result.server.description),
      popularity(result),
    ] as const)
    const gap = 2
    const refWidth = Math.max('SERVER'.length, ...rows.map((row) => row[0].length))
    const versionWidth = Math.max('VERSION'.length, ...rows.map((row) => row[1].length))
    const popularityWidth = Math.max('POPULARITY'.length, ...rows.map((row) => row[3].length))
    const descriptionWidth = Math.max(minimumDescriptionWidth, width - refWidth - versionWidth - popularityWidth - gap * 3)
    const table = [['SERVER', 'VERSION', 'DESCRIPTION', 'POPULARITY'].map((heading) => style.bold(heading))]
    for (const [ref, version, description, popular] of rows) {
      table.push([style.cyan(ref), version, truncate(description, descriptionWidth), style.dim(popular)])
    }
    lines.push(...renderColumns(table, gap))
  }
  if (output.nextCursor) lines.push(style.dim(`more: --cursor ${output.nextCursor}`))
  const notes = sourceNotes(output.sources, style)
  if (notes.length > 0) lines.push('', ...notes)
  return `${lines.join('\n')}\n`
}

function popularity(result: SearchResult): string {
  const popular = result.server.popularity
  if (popular?.downloads !== undefined) return `${formatCount(popular.downloads)}/${popular.period === 'month' ? 'mo' : 'wk'}`
  if (popular?.stars !== undefined) return `${formatCount(popular.stars)} ★`
  return `score ${result.score.toFixed(2)}`
}
