import Table from 'cli-table3'
import type { SearchResult, SourceStatus } from '@tekton/mcp-discovery'
import { sourceNotes } from './notes'
import type { Style } from './style'
import { clean, formatCount, truncate } from './text'

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
    const table = new Table({
      head: ['SERVER', 'VERSION', 'DESCRIPTION', 'POPULARITY'].map((heading) => style.bold(heading)),
      chars: borderless,
      style: { head: [], border: [], 'padding-left': 0, 'padding-right': gap },
    })
    for (const [ref, version, description, popular] of rows) {
      table.push([style.cyan(ref), version, truncate(description, descriptionWidth), style.dim(popular)])
    }
    lines.push(...table.toString().split('\n').map((line) => line.trimEnd()))
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

/** cli-table3 without any border characters: columns separated by padding only. */
export const borderless = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '',
  right: '', 'right-mid': '', middle: '',
}
