/**
 * GitHub's rate limits, remembered. The shared HTTP client already turns one rate-limited answer
 * into `E_RATE_LIMITED` with `retryAt`; this module makes the source hold off afterwards: once
 * GitHub says "no more until 12:04" for a resource class (`core`, `search`), nothing more is sent
 * for that class until then — by this source, by another source sharing its cache manager, and by
 * another process sharing its cache directory. Sending anyway would only be refused again, and
 * GitHub may ban integrations that keep trying.
 *
 * The source runs it through the shared client's hooks, so it sees what the client does not pass
 * on: the `x-ratelimit-*` headers of successful answers (a budget at 0 is held off before GitHub
 * has to refuse), and the body of a 403, which is the only place a secondary rate limit without
 * `retry-after` shows. A request it holds back fails in the client's `onRequest` hook, before
 * anything is sent, with a typed `E_RATE_LIMITED` and the reset time; since that happens inside
 * the client's load, a fresh cached answer is still served and a stale one is served marked stale.
 */
import type { CacheManager } from '@tekton/mcp-discovery'
import { parseRetryAfter } from '@tekton/mcp-discovery/kit'
import { RateLimitBlockSchema } from './schemas'
import type { RateLimitBlock } from './schemas'

/** Why requests are held back: GitHub's primary limit, a secondary limit, or a budget seen at 0. */
export type RateLimitReason = RateLimitBlock['reason']

/** What is known of one resource class's limit. */
export interface GithubRateLimitState {
  /** `core`, `search`, ... as GitHub names it in `x-ratelimit-resource`. */
  resource: string
  /** Requests allowed per window, from the last answer's headers. */
  limit?: number
  /** Requests left in the window, from the last answer's headers. */
  remaining?: number
  /** When the window resets (epoch ms), from the last answer's headers. */
  resetAt?: number
  /** Requests for this class are held back until then (epoch ms), when they are. */
  blockedUntil?: number
  /** Why they are held back. */
  reason?: RateLimitReason
}

/** GitHub asks for at least a minute when a secondary limit names no time. */
export const secondaryLimitFallbackMs = 60_000
/** The cache kind of persisted blocks; kept as long as the cache keeps any kind it has no TTL for. */
export const rateLimitCacheKind = 'rate-limit'

/**
 * The resource class a URL counts against, from its path below the API root: `/search/code` is
 * `code_search`, other `/search/` endpoints `search`, `/graphql` `graphql`, the rest `core`.
 * `/rate_limit` counts against nothing (undefined).
 */
export function resourceOf(url: string, apiBase: string): string | undefined {
  let path: string
  try {
    path = new URL(url).pathname
  } catch {
    return 'core'
  }
  const basePath = new URL(apiBase).pathname.replace(/\/+$/, '')
  if (basePath !== '' && path.startsWith(basePath)) path = path.slice(basePath.length)
  if (path === '/rate_limit') return undefined
  if (path.startsWith('/search/code')) return 'code_search'
  if (path.startsWith('/search/')) return 'search'
  if (path.startsWith('/graphql')) return 'graphql'
  return 'core'
}

function headerNumber(headers: Headers, name: string): number | undefined {
  const value = headers.get(name)?.trim()
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined
}

/** True when a 403/429 body is GitHub's secondary rate limit message (or its older "abuse" wording). */
export function mentionsSecondaryLimit(body: string): boolean {
  return /secondary rate limit|abuse detection/i.test(body)
}

export interface RateLimitTrackerOptions {
  now: () => number
  cache?: CacheManager | undefined
  /** The API base URL without credentials: blocks of one GitHub do not hold off another. */
  apiBase: string
  /** Whether requests carry a token: the anonymous and the token's budgets are separate. */
  authenticated: boolean
}

/** Remembers blocks per resource class, in memory and (when given) in the cache manager. */
export interface RateLimitTracker {
  /** Until when requests for `resource` are held back (epoch ms), or undefined when they may go. */
  blockedUntil(resource: string): Promise<{ until: number; reason: RateLimitReason } | undefined>
  /** Holds requests for `resource` back until `until` (a later block wins). */
  block(resource: string, until: number, reason: RateLimitReason): Promise<void>
  /** Learns from an answer: its rate-limit headers, and whether it refuses for a rate limit. */
  observe(resource: string, response: Response): Promise<void>
  /** What is known, per resource class seen so far. */
  snapshot(): GithubRateLimitState[]
}

/** The cache key of a persisted block: per API, resource class and kind of caller, never the token. */
export function rateLimitCacheKey(apiBase: string, resource: string, authenticated: boolean): string {
  return `github:rate-limit:${apiBase}:${resource}:${authenticated ? 'authenticated' : 'anonymous'}`
}

export function createRateLimitTracker(options: RateLimitTrackerOptions): RateLimitTracker {
  const { now, cache, apiBase, authenticated } = options
  const states = new Map<string, GithubRateLimitState>()

  function stateOf(resource: string): GithubRateLimitState {
    let state = states.get(resource)
    if (!state) {
      state = { resource }
      states.set(resource, state)
    }
    return state
  }

  async function block(resource: string, until: number, reason: RateLimitReason): Promise<void> {
    const state = stateOf(resource)
    if (state.blockedUntil !== undefined && state.blockedUntil >= until && state.blockedUntil > now()) return
    state.blockedUntil = until
    state.reason = reason
    if (!cache) return
    const value: RateLimitBlock = { resource, blockedUntil: until, reason }
    // The cache manager absorbs driver failures: a block that cannot be persisted still holds here.
    await cache.set(rateLimitCacheKey(apiBase, resource, authenticated), rateLimitCacheKind, { value, storedAt: now() })
  }

  async function blockedUntil(resource: string): Promise<{ until: number; reason: RateLimitReason } | undefined> {
    const time = now()
    const state = states.get(resource)
    if (state?.blockedUntil !== undefined && state.blockedUntil > time) return { until: state.blockedUntil, reason: state.reason ?? 'primary' }
    if (!cache) return undefined
    // Another source or process may have been refused meanwhile: the cache is where it says so.
    const entry = await cache.get(rateLimitCacheKey(apiBase, resource, authenticated))
    const parsed = RateLimitBlockSchema.safeParse(entry?.value)
    if (!parsed.success || parsed.data.blockedUntil <= time) return undefined
    const known = stateOf(resource)
    known.blockedUntil = parsed.data.blockedUntil
    known.reason = parsed.data.reason
    return { until: parsed.data.blockedUntil, reason: parsed.data.reason }
  }

  async function observe(resource: string, response: Response): Promise<void> {
    const { headers, status } = response
    const time = now()
    const named = headers.get('x-ratelimit-resource')?.trim() || resource
    const limit = headerNumber(headers, 'x-ratelimit-limit')
    const remaining = headerNumber(headers, 'x-ratelimit-remaining')
    const reset = headerNumber(headers, 'x-ratelimit-reset')
    if (limit !== undefined || remaining !== undefined || reset !== undefined) {
      const state = stateOf(named)
      if (limit !== undefined) state.limit = limit
      if (remaining !== undefined) state.remaining = remaining
      if (reset !== undefined) state.resetAt = reset * 1000
    }
    const resetAt = reset === undefined ? undefined : reset * 1000
    const refused = status === 403 || status === 429
    if (refused) {
      // A reset already past means this machine's clock runs ahead of GitHub's: the real reset is
      // later by an unknown amount, so hold off a minute rather than not at all.
      if (remaining === 0 && resetAt !== undefined) return block(named, resetAt > time ? resetAt : time + secondaryLimitFallbackMs, 'primary')
      const wait = parseRetryAfter(headers.get('retry-after'), time)
      if (wait !== undefined) return block(named, time + wait, 'secondary')
      let body = ''
      try {
        // A copy: the client still reads (and discards) the original.
        body = await response.clone().text()
      } catch {
        // An unreadable body cannot say "secondary rate limit"; a plain 403 it stays.
      }
      if (mentionsSecondaryLimit(body)) return block(named, time + secondaryLimitFallbackMs, 'secondary')
      if (status === 429) return block(named, time + secondaryLimitFallbackMs, 'secondary')
      return
    }
    // The last request of the window succeeded: the next one would be refused, so do not send it.
    if (status < 400 && remaining === 0 && resetAt !== undefined && resetAt > time) await block(named, resetAt, 'exhausted')
  }

  return {
    blockedUntil,
    block,
    observe,
    snapshot() {
      const time = now()
      return [...states.values()]
        .map((state) => {
          const { blockedUntil: until, reason, ...rest } = state
          return until !== undefined && until > time ? { ...rest, blockedUntil: until, ...(reason ? { reason } : {}) } : rest
        })
        .sort((a, b) => a.resource.localeCompare(b.resource))
    },
  }
}

/**
 * A reset time for people: `12:04` (local time, rounded up to the minute so that by then it has
 * reset), with the date when it is not within the next day.
 */
export function formatResetTime(until: number, now: number): string {
  const rounded = new Date(Math.ceil(until / 60_000) * 60_000)
  const time = `${String(rounded.getHours()).padStart(2, '0')}:${String(rounded.getMinutes()).padStart(2, '0')}`
  if (until - now < 20 * 60 * 60_000) return time
  const date = `${rounded.getFullYear()}-${String(rounded.getMonth() + 1).padStart(2, '0')}-${String(rounded.getDate()).padStart(2, '0')}`
  return `${date} ${time}`
}

/** Why requests wait, for messages: `unauthenticated: set GITHUB_TOKEN for a higher limit`. */
export function rateLimitExplanation(reason: RateLimitReason, resource: string, authenticated: boolean): string {
  if (reason === 'secondary') return 'GitHub secondary rate limit: too many requests in a short time'
  if (!authenticated) return 'unauthenticated: set GITHUB_TOKEN for a higher limit'
  return `the token's ${resource} rate limit is used up`
}

/** What to do about it, for hints. */
export function rateLimitHint(reason: RateLimitReason, resource: string, authenticated: boolean, resetTime: string): string {
  if (reason === 'secondary') return `GitHub asked for a pause; requests resume after ${resetTime}. Fewer searches at once avoid it.`
  if (!authenticated) {
    const limits = resource === 'search' ? '10 searches a minute without a token, 30 with one' : '60 requests an hour without a token, 5,000 with one'
    return `GitHub allows ${limits}. Set GITHUB_TOKEN or GH_TOKEN (a token without any scopes will do), or wait until ${resetTime}.`
  }
  return `Requests to GitHub are held back until ${resetTime}, when the limit resets.`
}
