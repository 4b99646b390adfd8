import type { SourceStatus } from '@tekton/mcp-discovery'
import type { Style } from './style'
import { clean, formatAge } from './text'

/**
 * One line per source worth mentioning: failures, unavailable endpoints, answers from cache.
 * A source that answered fresh from the network says nothing; silence means all is well.
 */
export function sourceNotes(statuses: readonly SourceStatus[], style: Style, now?: number): string[] {
  const notes: string[] = []
  for (const status of statuses) {
    const note = describeStatus(status, now)
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

/**
 * A sentence for one status, or undefined when there is nothing to say. Statuses are data
 * (`fromCache`, `ageMs`, `stale`, `staleReason`, `retryAt`, `needsSync`, `lastTriedAt`); this is
 * where they become words. `now` (epoch ms) words times relative to it ("in 3 min"); without it
 * they are shown as ISO times.
 */
export function describeStatus(status: SourceStatus, now?: number): string | undefined {
  const message = clean(status.message)
  const age = status.ageMs === undefined ? '' : `, ${formatAge(status.ageMs)} old`
  switch (status.state) {
    case 'ok': {
      const parts: string[] = []
      if (status.fromCache) parts.push(`served from cache${age}`)
      if (status.stale) parts.push(`its local data is out of date (${staleCause(status)})`)
      if (parts.length > 0 && message) parts.push(message)
      return parts.length > 0 ? parts.join('; ') : undefined
    }
    case 'stale':
      return `served from cache${age} (${staleCause(status)})`
    case 'unavailable':
      // The CLI exits right after printing, so a first index build started by this search would
      // not finish in the background: say how to build it once.
      if (status.code === 'E_INDEX_BUILDING') return `its name index is not built yet (a one-time download): ${syncCommand(status.source)}`
      if (status.needsSync) return `nothing to search yet: ${syncCommand(status.source)}`
      return message || 'search endpoint unavailable'
    case 'skipped':
      if (status.lastTriedAt) return describeSkippedUnreachable(status, message, now)
      return message ? `skipped: ${message}` : 'skipped'
    case 'timeout':
      return withCode(message || 'timed out', status.code)
    case 'rate-limited': {
      const until = status.retryAt ? (now === undefined ? ` until ${status.retryAt}` : `; retry ${inTime(status.retryAt, now)}`) : ''
      return withCode(message || `rate limited${until}`, status.code)
    }
    case 'error':
      return withCode(message || 'failed', status.code)
  }
}

function syncCommand(source: string): string {
  return `run tekton-mcp sync --source ${source}`
}

/** Why a stale answer was served: `stale; refreshing in the background`, `stale: could not reach it (…)`. */
function staleCause(status: SourceStatus): string {
  const message = clean(status.message)
  const detail = message ? `: ${message}` : ''
  switch (status.staleReason) {
    case 'refreshing':
      return 'stale; refreshing in the background'
    case 'unreachable':
      return `stale; the source could not be reached${detail}`
    case 'rate-limited':
      return `stale; the source is rate limiting${detail}`
    case 'failed':
      return `stale; the refresh failed${detail}`
    case 'needs-sync':
      return `stale; ${syncCommand(status.source)} to refresh it`
    default:
      return message ? `stale${detail}` : 'stale'
  }
}

/**
 * `skipped: not reachable 2 min ago ([pypi] GET … ENOTFOUND …); asked again in 3 min, or now
 * with --refresh`: why no time was spent on the source, and how to ask it anyway.
 */
function describeSkippedUnreachable(status: SourceStatus, message: string, now: number | undefined): string {
  const lastTriedAt = status.lastTriedAt as string
  const when = now === undefined ? `at ${lastTriedAt}` : agoTime(lastTriedAt, now)
  const why = message ? ` (${message})` : ''
  const again = status.retryAt ? `asked again ${now === undefined ? `after ${status.retryAt}` : inTime(status.retryAt, now)}, or now with --refresh` : 'ask it now with --refresh'
  return `skipped: not reachable ${when}${why}; ${again}`
}

/** `2 min ago`, from an ISO time; `just now` for a time at or after `now`. */
function agoTime(iso: string, now: number): string {
  const time = Date.parse(iso)
  if (Number.isNaN(time)) return `at ${iso}`
  return time >= now ? 'just now' : `${formatAge(now - time)} ago`
}

/** `in 3 min`, from an ISO time; `now` once it has passed. */
function inTime(iso: string, now: number): string {
  const time = Date.parse(iso)
  if (Number.isNaN(time)) return `after ${iso}`
  return time <= now ? 'now' : `in ${formatAge(time - now)}`
}

function withCode(message: string, code: string | undefined): string {
  return code && !message.includes(code) ? `${message} (${code})` : message
}
