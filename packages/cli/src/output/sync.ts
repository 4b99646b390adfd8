import type { SyncOutcome, SyncResult } from '@tekton/mcp-app'
import type { Style } from './style'
import { clean, formatDuration } from './text'

/** One source's sync, exactly as `--json` prints it. */
export type SyncSourceOutput = SyncOutcome

/** What `sync` returns. */
export type SyncOutput = SyncResult

/** `sync` for people: a line per source. */
export function renderSync(output: SyncOutput, style: Style): string {
  const lines = output.sources.map((outcome) => {
    const took = style.dim(`(${formatDuration(outcome.durationMs)})`)
    if (!outcome.ok || !outcome.report) return `${style.red('failed')} ${outcome.source}: ${clean(outcome.error?.message ?? 'unknown error')} ${took}`
    const { entries, scanned, changes, full } = outcome.report
    const details = [
      ...(changes ? [`${changes.added} added, ${changes.updated} updated, ${changes.removed} removed`] : []),
      ...(full ? ['full sync'] : []),
    ]
    const counted = `${entries} ${entries === 1 ? 'entry' : 'entries'}${scanned === undefined ? '' : ` of ${scanned} scanned`}`
    return `${style.green('synced')} ${outcome.source}: ${counted}${details.length > 0 ? ` (${details.join(', ')})` : ''} ${took}`
  })
  return `${lines.join('\n')}\n`
}
