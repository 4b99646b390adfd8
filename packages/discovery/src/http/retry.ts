/** Retry policy for idempotent requests: which answers are worth another try, and how long to wait. */
import { setMaxListeners } from 'node:events'
import { setTimeout as delay } from 'node:timers/promises'
import { parseRetryAfter } from '../kit/retry-after'

/** Statuses that say "try again": the server is busy, restarting or rate limiting. */
export const retryableStatuses: ReadonlySet<number> = new Set([408, 425, 429, 500, 502, 503, 504])

/**
 * Full-jitter exponential backoff: a random wait in [0, base × 2^attempt). Random rather than fixed
 * so that many clients failing together do not come back together.
 */
export function backoffDelay(attempt: number, baseMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * baseMs * 2 ** attempt)
}

/**
 * How long a rate-limited or unavailable server asked us to wait, in ms from `now`: `Retry-After`
 * on 429/503, else GitHub's `x-ratelimit-reset` (epoch seconds) once `x-ratelimit-remaining` is 0,
 * which GitHub sends with 403 as well as 429.
 */
export function serverRequestedWait(status: number, headers: Headers, now: number): number | undefined {
  if (status === 429 || status === 503) {
    const retryAfter = parseRetryAfter(headers.get('retry-after'), now)
    if (retryAfter !== undefined) return retryAfter
  }
  if ((status === 403 || status === 429) && headers.get('x-ratelimit-remaining')?.trim() === '0') {
    const reset = headers.get('x-ratelimit-reset')?.trim()
    if (reset !== undefined && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1000 - now)
  }
  return undefined
}

/** True when a 403 is GitHub's way of saying "rate limited", not "forbidden". */
export function isRateLimitedForbidden(status: number, headers: Headers): boolean {
  return status === 403 && headers.get('x-ratelimit-remaining')?.trim() === '0'
}

/** The default sleep: a real timer that stops early (rejecting) when the signal aborts. */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  // Many requests of one operation (a dependency tree's tarballs) wait for a host's rate limit at
  // once under the caller's one signal, each with a listener removed when it wakes: not a leak, so
  // Node's warning past ten listeners (printed on the user's terminal) is lifted for that signal.
  if (signal) setMaxListeners(0, signal)
  await delay(ms, undefined, signal ? { signal } : undefined)
}
