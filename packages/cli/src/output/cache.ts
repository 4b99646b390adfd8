import type { CacheStats } from '@tekton/mcp-discovery'
import type { Style } from './style'

/** What `cache stats` returns, and exactly what `--json` prints. */
export interface CacheStatsOutput {
  /** The cache directory (under TEKTON_MCP_HOME when set). */
  directory: string
  stats: CacheStats
  /** Printed answers kept for repeated commands (see `--refresh`). */
  answers: { directory: string; entries: number }
}

/** What `cache clear` returns, and exactly what `--json` prints. */
export interface CacheClearOutput {
  directory: string
  /** The source whose entries were dropped, or null for everything. */
  source: string | null
  /** Entries removed (counted per tier), saved answers included. */
  removed: number
}

/** `cache stats` for people: one line per tier, then the saved answers. */
export function renderCacheStats(output: CacheStatsOutput, style: Style): string {
  const lines = [`${style.bold('cache')} ${output.directory}`]
  for (const driver of output.stats.drivers) {
    const location = driver.location ? style.dim(`  ${driver.location}`) : ''
    lines.push(`  ${driver.name.padEnd(8)} ${String(driver.entries).padStart(6)} ${driver.entries === 1 ? 'entry' : 'entries'}${location}`)
  }
  const { answers } = output
  lines.push(`  ${'answers'.padEnd(8)} ${String(answers.entries).padStart(6)} ${answers.entries === 1 ? 'entry' : 'entries'}${style.dim(`  ${answers.directory}`)}`)
  return `${lines.join('\n')}\n`
}

/** `cache clear` for people: one line. */
export function renderCacheClear(output: CacheClearOutput, style: Style): string {
  const scope = output.source ? `${output.source} entries` : 'all entries'
  return `${style.green('cleared')} ${scope}: ${output.removed} removed ${style.dim(`(${output.directory})`)}\n`
}
