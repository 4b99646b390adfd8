/** `Retry-After`, read one way by the HTTP client and by every source that looks at a response. */

/**
 * Parses `Retry-After` (a delay in seconds, or an HTTP date) into milliseconds from `now`
 * (epoch ms, injected so tests need no clock). A date in the past is 0. Returns undefined when
 * the header is absent or unreadable, so the caller falls back to its own backoff.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  // An HTTP date always names its day and month; without letters, Date.parse would read '-5' as a year.
  if (!/[a-z]/i.test(trimmed)) return undefined
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}
