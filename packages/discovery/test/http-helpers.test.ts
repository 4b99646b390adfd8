import { describe, expect, it } from '@jest/globals'
import { formatBytes, readBodyWithLimit } from '../src/http/body'
import { describeStatus, describeTransportFailure } from '../src/http/http-error'
import { createHostRateLimiter } from '../src/http/rate-limit'
import { parseRetryAfter } from '../src/kit/retry-after'
import { abortableSleep, backoffDelay, serverRequestedWait } from '../src/http/retry'

const now = Date.UTC(2025, 0, 15, 12, 0, 0)

describe('parseRetryAfter', () => {
  it.each([
    ['0', 0],
    ['7', 7000],
    [' 30 ', 30_000],
    [new Date(now + 90_000).toUTCString(), 90_000],
    [new Date(now - 90_000).toUTCString(), 0],
  ])('reads %j', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected)
  })

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined()
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter('-5', now)).toBeUndefined()
  })
})

describe('serverRequestedWait', () => {
  const headers = (values: Record<string, string>) => new Headers(values)

  it('honours Retry-After only where it means "come back later"', () => {
    expect(serverRequestedWait(429, headers({ 'retry-after': '3' }), now)).toBe(3000)
    expect(serverRequestedWait(503, headers({ 'retry-after': '3' }), now)).toBe(3000)
    expect(serverRequestedWait(500, headers({ 'retry-after': '3' }), now)).toBeUndefined()
  })

  it("reads GitHub's reset time once the remaining quota is 0", () => {
    const reset = String(now / 1000 + 60)
    expect(serverRequestedWait(403, headers({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }), now)).toBe(60_000)
    expect(serverRequestedWait(429, headers({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }), now)).toBe(60_000)
    expect(serverRequestedWait(403, headers({ 'x-ratelimit-remaining': '12', 'x-ratelimit-reset': reset }), now)).toBeUndefined()
    expect(serverRequestedWait(403, headers({ 'x-ratelimit-remaining': '0' }), now)).toBeUndefined()
  })
})

describe('backoffDelay', () => {
  it('spreads waits over [0, base × 2^attempt)', () => {
    expect(backoffDelay(0, 250, () => 0)).toBe(0)
    expect(backoffDelay(0, 250, () => 0.999)).toBe(249)
    expect(backoffDelay(3, 250, () => 0.5)).toBe(1000)
  })
})

describe('abortableSleep', () => {
  it('waits, and rejects as soon as the signal aborts', async () => {
    await expect(abortableSleep(1)).resolves.toBeUndefined()
    const controller = new AbortController()
    const sleeping = abortableSleep(60_000, controller.signal)
    controller.abort()
    await expect(sleeping).rejects.toThrow()
  })
})

describe('createHostRateLimiter', () => {
  function limiter(requestsPerSecond: number, burst: number) {
    const clock = { now }
    const sleeps: number[] = []
    const rateLimiter = createHostRateLimiter({
      requestsPerSecond,
      burst,
      now: () => clock.now,
      sleep: async (ms, signal) => {
        sleeps.push(ms)
        if (signal?.aborted) throw new Error('aborted')
      },
    })
    return { rateLimiter, clock, sleeps }
  }

  it('keeps one bucket per host', async () => {
    const { rateLimiter, sleeps } = limiter(1, 1)
    await rateLimiter.acquire('a.example.com')
    await rateLimiter.acquire('b.example.com')
    expect(sleeps).toEqual([])
    await rateLimiter.acquire('a.example.com')
    expect(sleeps).toEqual([1000])
  })

  it('never stores more than the burst', async () => {
    const { rateLimiter, clock, sleeps } = limiter(10, 2)
    await rateLimiter.acquire('host')
    clock.now += 60_000
    await rateLimiter.acquire('host')
    await rateLimiter.acquire('host')
    await rateLimiter.acquire('host')
    expect(sleeps).toEqual([100])
  })

  it('gives the token back when the caller stops waiting', async () => {
    const { rateLimiter, sleeps } = limiter(10, 1)
    await rateLimiter.acquire('host')
    await expect(rateLimiter.acquire('host', AbortSignal.abort())).rejects.toThrow('aborted')
    await rateLimiter.acquire('host')
    // Had the abandoned token been kept, this wait would be 200 ms.
    expect(sleeps).toEqual([100, 100])
  })
})

describe('readBodyWithLimit', () => {
  const stream = (...chunks: string[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk))
        controller.close()
      },
    })

  it('joins chunks up to the limit', async () => {
    expect(new TextDecoder().decode(await readBodyWithLimit(stream('ab', 'cd', 'e'), 5))).toBe('abcde')
    expect(await readBodyWithLimit(null, 5)).toEqual(new Uint8Array(0))
  })

  it('refuses one byte more', async () => {
    await expect(readBodyWithLimit(stream('abc', 'def'), 5)).rejects.toThrow('body exceeds 5 bytes')
  })
})

describe('messages', () => {
  it('formats sizes for people', () => {
    expect(formatBytes(12)).toBe('12 bytes')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(32 * 1024 * 1024)).toBe('32 MiB')
    expect(formatBytes(3 * 1024 ** 3)).toBe('3 GiB')
  })

  it('fills in a missing reason phrase', () => {
    expect(describeStatus(404, '')).toBe('404 Not Found')
    expect(describeStatus(404, 'Nope')).toBe('404 Nope')
    expect(describeStatus(599, '')).toBe('599')
  })

  it('digs out the useful part of a transport failure', () => {
    const root = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })
    expect(describeTransportFailure(new TypeError('fetch failed', { cause: root }))).toEqual({ detail: 'connect ECONNREFUSED 127.0.0.1:9', cause: root })
    const coded = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
    expect(describeTransportFailure(coded).detail).toBe('ECONNRESET: socket hang up')
    expect(describeTransportFailure('plain').detail).toBe('plain')
  })
})
