import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createCacheManager, createRequestTrace, fileCache, memoryCache } from '@tekton/mcp-discovery'
import type { CacheManager } from '@tekton/mcp-discovery'
import { createGithubRegistry } from '../src/index'
import type { GithubRegistryOptions } from '../src/index'

/**
 * A clock that runs with real time (the HTTP client's token bucket needs time to pass) but can be
 * moved forward, so a rate limit's reset an hour away is reached without waiting.
 */
export interface TestClock {
  now: () => number
  advance: (ms: number) => void
}

/** 2025-06-01T12:00:00Z: times in messages are then predictable (tests run with TZ=UTC). */
export const clockStart = Date.UTC(2025, 5, 1, 12, 0, 0)

export function testClock(start = clockStart): TestClock {
  const realStart = Date.now()
  let offset = 0
  return {
    now: () => start + (Date.now() - realStart) + offset,
    advance: (ms) => {
      offset += ms
    },
  }
}

/**
 * A source against the fake with quick retries and no environment token, unless overridden. Each
 * attempt may take a minute: the loopback fake answers at once, but a loaded machine can stall
 * for seconds; tests about timeouts pass their own limit against a fake that never answers.
 */
export function githubSource(baseUrl: string, overrides: GithubRegistryOptions = {}) {
  return createGithubRegistry({ baseUrl, env: {}, httpClientOptions: { retries: 2, backoffMs: 1, timeoutMs: 60_000 }, ...overrides })
}

export const context = () => ({ trace: createRequestTrace() })

export function memoryCacheManager(now?: () => number): CacheManager {
  return createCacheManager({ drivers: [memoryCache()], ...(now ? { now } : {}) })
}

/** A cache manager over a file in `dir`, as one CLI process would open it. */
export function fileCacheManager(dir: string, now: () => number): CacheManager {
  return createCacheManager({ drivers: [fileCache({ dir, now })], now })
}

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tekton-github-'))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}
