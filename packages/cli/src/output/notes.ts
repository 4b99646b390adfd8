import type { SourceStatus } from '@tekton/mcp-discovery'
import type { Style } from './style'
import { clean, formatAge } from './text'

/**
 * One line per source worth mentioning: failures, unavailable endpoints, answers from cache.
 * A source that answered fresh from the network says nothing; silence means all is well.
 */
export function sourceNotes(statuses: readonly SourceStatus[], style: Style): string[] {
  const notes: string[] = []
  for (const status of statuses) {
    const note = describeStatus(status)
    if (!note) continue
    const colour = status.state === 'ok' ? style.dim : status.state === 'stale' || status.state === 'skipped' ? style.yellow : style.red
    notes.push(colour(namedBySource(status.source, note)))
  }
  return notes
}

/**
 * `npm: <message>`, without naming the source twice: a message that already starts with the
 * source's name (`npm registry did not answer ...`, `[npm] GET ...`) stands as it is.
 */
export function namedBySource(source: string, message: string): string {
  const lower = message.toLowerCase()
  const name = source.toLowerCase()
  if (lower.startsWith(`[${name}]`)) return message
  if (lower.startsWith(name) && /^[\s:]/.test(message.slice(name.length))) return message
  return `${source}: ${message}`
}

/** A sentence for one status, or undefined when there is nothing to say. */
export function describeStatus(status: SourceStatus): string | undefined {
  const message = clean(status.message)
  const age = status.ageMs === undefined ? '' : `, ${formatAge(status.ageMs)} old`
  switch (status.state) {
    case 'ok':
      if (!status.fromCache) return undefined
      return message || `served from cache${age}`
    case 'stale':
      return message || `served from cache${age} (stale)`
    case 'unavailable':
      // The CLI exits right after printing, so a first index build started by this search would
      // not finish in the background: say how to build it once.
      if (status.code === 'E_INDEX_BUILDING') return 'its name index is not built yet (a one-time download): run tekton-mcp sync --source pypi'
      return message || 'search endpoint unavailable'
    case 'skipped':
      return message ? `skipped: ${message}` : 'skipped'
    case 'timeout':
      return withCode(message || 'timed out', status.code)
    case 'rate-limited': {
      const until = status.retryAt ? ` until ${status.retryAt}` : ''
      return withCode(message || `rate limited${until}`, status.code)
    }
    case 'error':
      return withCode(message || 'failed', status.code)
  }
}

function withCode(message: string, code: string | undefined): string {
  return code && !message.includes(code) ? `${message} (${code})` : message
}
