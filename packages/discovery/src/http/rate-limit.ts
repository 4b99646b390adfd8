/** A token bucket per host, so a burst of requests from one process does not trip a registry's limits. */

/** Options of `createHostRateLimiter`; the clock and sleep are the HTTP client's, so tests control both. */
export interface RateLimitOptions {
  requestsPerSecond: number
  burst: number
  now: () => number
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>
}

/** Hands out permission to send, one request at a time, per host. */
export interface HostRateLimiter {
  /** Resolves when a request to `host` may be sent; rejects if `signal` aborts while waiting. */
  acquire(host: string, signal?: AbortSignal): Promise<void>
}

interface Bucket {
  tokens: number
  updatedAt: number
}

/**
 * Creates a limiter holding one bucket per host, each starting full with `burst` tokens and
 * refilling at `requestsPerSecond`. A request that finds the bucket empty reserves a token anyway
 * (the balance goes negative) and waits for its turn: concurrent callers then queue up at evenly
 * spaced times instead of all waking together and racing again.
 */
export function createHostRateLimiter(options: RateLimitOptions): HostRateLimiter {
  const buckets = new Map<string, Bucket>()
  const { requestsPerSecond, burst, now, sleep } = options

  return {
    async acquire(host, signal) {
      const time = now()
      let bucket = buckets.get(host)
      if (bucket === undefined) {
        bucket = { tokens: burst, updatedAt: time }
        buckets.set(host, bucket)
      }
      const elapsedSeconds = Math.max(0, time - bucket.updatedAt) / 1000
      bucket.tokens = Math.min(burst, bucket.tokens + elapsedSeconds * requestsPerSecond)
      bucket.updatedAt = time
      bucket.tokens -= 1
      if (bucket.tokens >= 0) return
      const waitMs = Math.ceil((-bucket.tokens / requestsPerSecond) * 1000)
      try {
        await sleep(waitMs, signal)
      } catch (error) {
        // The caller gave up: its reserved token goes back to whoever comes next.
        bucket.tokens += 1
        throw error
      }
    },
  }
}
