import type { Style } from './style'
import { clean, formatDuration } from './text'

/** One source's sync, exactly as `--json` prints it. */
export interface SyncSourceOutput {
  source: string
  ok: boolean
  durationMs: number
  /** The local catalogue file. */
  location?: string
  /** The official registry: what changed in the catalogue. */
  registry?: { added: number; updated: number; removed: number; total: number; full: boolean; syncedAt: string }
  /** PyPI: names kept in the index (those that look like MCP servers) out of all projects. */
  pypi?: { names: number; projects: number; fetchedAt: string | null }
  error?: { code: string; message: string }
}

/** What `sync` returns. */
export interface SyncOutput {
  sources: SyncSourceOutput[]
}

/** `sync` for people: a line per source. */
export function renderSync(output: SyncOutput, style: Style): string {
  const lines = output.sources.map((outcome) => {
    const took = style.dim(`(${formatDuration(outcome.durationMs)})`)
    if (!outcome.ok) return `${style.red('failed')} ${outcome.source}: ${clean(outcome.error?.message ?? 'unknown error')} ${took}`
    if (outcome.registry) {
      const { added, updated, removed, total, full } = outcome.registry
      return `${style.green('synced')} registry: ${total} servers (${added} added, ${updated} updated, ${removed} removed${full ? ', full sync' : ''}) ${took}`
    }
    return `${style.green('synced')} pypi: ${outcome.pypi?.names ?? 0} MCP-like names of ${outcome.pypi?.projects ?? 0} projects ${took}`
  })
  return `${lines.join('\n')}\n`
}
