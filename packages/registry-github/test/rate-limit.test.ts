import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createCacheManager, createHttpClient, createRequestTrace, memoryCache, RegistryHttpError, TektonError } from '@tekton/mcp-discovery'
import { githubFixtureRepos, githubSecondaryRateLimitFault, startFakeGithub } from '@tekton/mcp-testkit'
import type { FakeGithub, FakeGithubOptions } from '@tekton/mcp-testkit'
import { createRateLimitTracker, formatResetTime, mentionsSecondaryLimit, rateLimitCacheKey, resourceOf } from '../src/rate-limit'
import { context, fileCacheManager, githubSource, memoryCacheManager, tempDir, testClock } from './helpers'
import type { TestClock } from './helpers'

// Reset times are shown in local time: fix it, so "12:01" means the same everywhere.
process.env.TZ = 'UTC'

/** 11:59:30 UTC: a search window (a minute) resets at 12:00:3x, shown as 12:01; a core window at 13:00. */
const start = Date.UTC(2025, 5, 1, 11, 59, 30)

let github: FakeGithub
let clock: TestClock
let dir: string
let cleanup: () => Promise<void>

async function fake(options: FakeGithubOptions = {}): Promise<FakeGithub> {
  github = await startFakeGithub({ repos: githubFixtureRepos, now: clock.now, ...options })
  return github
}

beforeEach(async () => {
  clock = testClock(start)
  ;({ dir, cleanup } = await tempDir())
})
afterEach(async () => {
  await github?.close()
  await cleanup()
})

async function caught(promise: Promise<unknown>): Promise<RegistryHttpError> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  )
  if (!TektonError.isInstance(error)) throw new Error(`expected a TektonError, got ${String(error)}`)
  return error as RegistryHttpError
}

describe('after GitHub says "rate limited"', () => {
  it('sends nothing more for that class until the reset, across two processes sharing a file cache, then resumes', async () => {
    await fake()
    // Process A.
    const cacheA = fileCacheManager(dir, clock.now)
    const a = githubSource(github.apiUrl, { cache: cacheA, now: clock.now })
    expect((await a.search({ text: 'postgres' }, context())).sources[0]?.state).toBe('ok')
    expect(github.countRequests()).toBe(2)

    // Something else on this machine spends the budget: GitHub answers both searches 403 with
    // x-ratelimit-remaining: 0.
    github.exhaust('search')
    const limited = await a.search({ text: 'weather' }, context())
    expect(github.countRequests()).toBe(4)
    expect(github.requests.slice(2).every((request) => request.headers['x-github-api-version'] === '2022-11-28')).toBe(true)
    const reset = github.rateLimit('search').reset * 1000
    expect(limited).toEqual({
      results: [],
      sources: [{ source: 'github', state: 'rate-limited', code: 'E_RATE_LIMITED', retryAt: new Date(reset).toISOString(), message: 'rate limited until 12:01 (unauthenticated: set GITHUB_TOKEN for a higher limit)', resultCount: 0 }],
    })

    // Nothing more goes to GitHub for searches...
    expect((await a.search({ text: 'filesystem' }, context())).sources[0]).toMatchObject({ state: 'rate-limited', retryAt: new Date(reset).toISOString() })
    // ...but what is cached still answers.
    const cachedAnswer = await a.search({ text: 'postgres' }, context())
    expect(cachedAnswer.sources[0]).toMatchObject({ state: 'ok', fromCache: true })
    expect(cachedAnswer.results.map((result) => result.ref)).toContain('github:example/postgres-mcp')
    expect(github.countRequests()).toBe(4)
    await cacheA.settle()

    // Process B: its own cache manager over the same directory, its own source.
    const cacheB = fileCacheManager(dir, clock.now)
    const b = githubSource(github.apiUrl, { cache: cacheB, now: clock.now })
    expect((await b.search({ text: 'memory' }, context())).sources[0]).toMatchObject({ state: 'rate-limited', code: 'E_RATE_LIMITED', retryAt: new Date(reset).toISOString() })
    expect(github.countRequests()).toBe(4)
    expect(await b.rateLimits()).toEqual([expect.objectContaining({ resource: 'search', blockedUntil: reset, reason: 'primary' })])

    // The core class has its own budget: metadata still works meanwhile.
    expect(await b.getMetadata('example/postgres-mcp', context())).toMatchObject({ version: '1.4.0' })
    expect(github.countRequests('/search')).toBe(4)

    // After the reset, searches go out again.
    clock.advance(reset - clock.now() + 1000)
    const resumed = await b.search({ text: 'memory' }, context())
    expect(resumed.sources[0]).toMatchObject({ state: 'ok' })
    expect(github.countRequests('/search')).toBe(6)
  })

  it('throws E_RATE_LIMITED from getMetadata and getVersions with the reset time and a hint, sending nothing more', async () => {
    await fake()
    github.exhaust('core')
    const source = githubSource(github.apiUrl, { now: clock.now })
    const error = await caught(source.getMetadata('example/postgres-mcp', context()))
    const reset = github.rateLimit('core').reset * 1000
    expect(error).toBeInstanceOf(RegistryHttpError)
    expect(error).toMatchObject({ code: 'E_RATE_LIMITED', retryAt: reset, retryable: true })
    expect(error.message).toMatch(/^\[github\] GET http:\/\/127\.0\.0\.1:\d+\/repos\/example\/postgres-mcp rate limited until 13:00 \(unauthenticated: set GITHUB_TOKEN for a higher limit\)$/)
    expect(github.requests).toHaveLength(1)
    expect(error.hint).toBe('GitHub allows 60 requests an hour without a token, 5,000 with one. Set GITHUB_TOKEN or GH_TOKEN (a token without any scopes will do), or wait until 13:00.')
    const sentBefore = github.countRequests()

    const versions = await caught(source.getVersions('acme/weather-mcp-py', context()))
    expect(versions).toMatchObject({ code: 'E_RATE_LIMITED', retryAt: reset })
    expect(versions.message).toContain('/repos/acme/weather-mcp-py/releases?per_page=100 rate limited until 13:00')
    expect(github.countRequests()).toBe(sentBefore)

    clock.advance(61 * 60_000)
    expect(await source.getVersions('acme/weather-mcp-py', context())).toHaveLength(4)
    expect((await source.rateLimits()).find((state) => state.resource === 'core')?.blockedUntil).toBeUndefined()
  })

  it('holds off a minute when the reset GitHub names has already passed on this clock (clocks disagree)', async () => {
    await fake()
    github.exhaust('core')
    // This machine's clock runs two hours ahead of the fake GitHub's.
    const ahead = () => clock.now() + 2 * 60 * 60_000
    const source = githubSource(github.apiUrl, { now: ahead })
    const asked = ahead()
    const error = await caught(source.getVersions('example/postgres-mcp', context()))
    const answered = ahead()
    expect(error.code).toBe('E_RATE_LIMITED')
    // A minute from when the refusal arrived (up to the next whole second), however long the request took.
    expect(error.retryAt).toBeGreaterThanOrEqual(asked + 60_000)
    expect(error.retryAt).toBeLessThanOrEqual(Math.ceil((answered + 60_000) / 1000) * 1000)
    await caught(source.getVersions('example/postgres-mcp', context()))
    // Neither the client's retries nor the next call reached GitHub.
    expect(github.requests).toHaveLength(1)
  })

  it('serves a stale cached answer, marked stale, instead of asking GitHub while blocked', async () => {
    await fake()
    const cache = createCacheManager({ drivers: [memoryCache()], now: clock.now, ttl: { versions: 60_000 }, staleWhileRevalidateMs: 0 })
    const source = githubSource(github.apiUrl, { cache, now: clock.now })
    const versions = await source.getVersions('example/postgres-mcp', context())
    github.exhaust('core')
    expect((await caught(source.getVersions('acme/weather-mcp-py', context()))).code).toBe('E_RATE_LIMITED')
    const sentBefore = github.countRequests()

    clock.advance(2 * 60_000)
    const trace = createRequestTrace()
    expect(await source.getVersions('example/postgres-mcp', { trace })).toEqual(versions)
    // Both the release list and which release GitHub calls latest come from cache.
    expect(trace).toMatchObject({ stale: 2, staleBecause: expect.stringMatching(/\/repos\/example\/postgres-mcp\/releases(\?per_page=100|\/latest) rate limited until 13:00/) })
    expect(github.countRequests()).toBe(sentBefore)
  })

  it('holds off proactively once a successful answer reports no requests remaining', async () => {
    await fake({ budgets: { core: { anonymous: 1 } } })
    const source = githubSource(github.apiUrl, { now: clock.now })
    expect(await source.getVersions('legacy/old-mcp-server', context())).toHaveLength(1)
    expect(await source.rateLimits()).toEqual([expect.objectContaining({ resource: 'core', limit: 1, remaining: 0, reason: 'exhausted' })])
    const error = await caught(source.getVersions('example/postgres-mcp', context()))
    expect(error.code).toBe('E_RATE_LIMITED')
    // GitHub never had to refuse anything.
    expect(github.requests).toHaveLength(1)
  })

  it('honours a 429 carrying x-ratelimit-remaining: 0 the same way', async () => {
    await fake({ budgets: { core: { anonymous: 0 } }, rateLimitStatus: 429 })
    const source = githubSource(github.apiUrl, { now: clock.now })
    expect((await caught(source.getVersions('example/postgres-mcp', context()))).code).toBe('E_RATE_LIMITED')
    expect((await caught(source.getVersions('example/postgres-mcp', context()))).code).toBe('E_RATE_LIMITED')
    expect(github.requests).toHaveLength(1)
  })

  it('tells an authenticated caller its token limit is used up, and keeps the anonymous budget separate', async () => {
    await fake({ budgets: { search: { authenticated: 0 } } })
    const cache = memoryCacheManager(clock.now)
    const withToken = githubSource(github.apiUrl, { token: 'ghp_tokenWithItsOwnBudget', cache, now: clock.now })
    const page = await withToken.search({ text: 'postgres' }, context())
    expect(page.sources[0]).toMatchObject({ state: 'rate-limited', message: "rate limited until 12:01 (the token's search rate limit is used up)" })
    const anonymous = githubSource(github.apiUrl, { cache, now: clock.now })
    expect((await anonymous.search({ text: 'postgres' }, context())).sources[0]).toMatchObject({ state: 'ok' })
    expect(await cache.get(rateLimitCacheKey(github.apiUrl, 'search', true))).toBeDefined()
    expect(await cache.get(rateLimitCacheKey(github.apiUrl, 'search', false))).toBeUndefined()
  })
})

describe('secondary rate limits', () => {
  it('honours a 403 with retry-after', async () => {
    await fake()
    github.setFault({ ...githubSecondaryRateLimitFault(120), path: '/search' })
    const source = githubSource(github.apiUrl, { now: clock.now })
    const before = clock.now()
    const page = await source.search({ text: 'postgres' }, context())
    const after = clock.now()
    expect(page.sources[0]).toMatchObject({ state: 'rate-limited', code: 'E_RATE_LIMITED', message: expect.stringContaining('(GitHub secondary rate limit: too many requests in a short time)') })
    // The 120 s GitHub asked for, counted from the answer (somewhere between asking and returning).
    const retryAt = Date.parse(page.sources[0]?.retryAt ?? '')
    expect(retryAt).toBeGreaterThanOrEqual(before + 120_000)
    expect(retryAt).toBeLessThanOrEqual(Math.ceil((after + 120_000) / 1000) * 1000)
    github.setFault(null)
    await source.search({ text: 'weather' }, context())
    expect(github.countRequests('/search')).toBe(2)
  })

  it('honours a 403 whose body alone says "secondary rate limit", for at least a minute', async () => {
    await fake()
    github.setFault({ ...githubSecondaryRateLimitFault(), path: '/repos/', times: 1 })
    const source = githubSource(github.apiUrl, { now: clock.now })
    const error = await caught(source.getVersions('example/postgres-mcp', context()))
    expect(error).toMatchObject({ code: 'E_RATE_LIMITED', status: 403 })
    expect(error.hint).toMatch(/^GitHub asked for a pause; requests resume after \d\d:\d\d\./)
    // The client does not retry a plain 403, and the source sends nothing more for a minute.
    expect((await caught(source.getMetadata('example/postgres-mcp', context()))).code).toBe('E_RATE_LIMITED')
    expect(github.requests).toHaveLength(1)
    clock.advance(61_000)
    expect(await source.getVersions('example/postgres-mcp', context())).toHaveLength(3)
  })

  it('takes a 429 without any header as a secondary limit, without a retry storm', async () => {
    await fake()
    github.setFault({ kind: 'status', status: 429, path: '/repos/' })
    const source = githubSource(github.apiUrl, { now: clock.now })
    expect((await caught(source.getVersions('example/postgres-mcp', context()))).code).toBe('E_RATE_LIMITED')
    expect((await caught(source.getVersions('example/postgres-mcp', context()))).code).toBe('E_RATE_LIMITED')
    expect(github.requests).toHaveLength(1)
  })

  it('does not mistake a plain 403 for a rate limit', async () => {
    await fake()
    github.setFault({ kind: 'status', status: 403, body: { message: 'Repository access blocked' }, path: '/repos/', times: 1 })
    const source = githubSource(github.apiUrl, { now: clock.now })
    expect((await caught(source.getVersions('example/postgres-mcp', context()))).code).toBe('E_HTTP')
    expect(await source.getVersions('example/postgres-mcp', context())).toHaveLength(3)
  })
})

describe('with an HTTP client of your own', () => {
  it('remembers the limit through the client\'s hooks, and sends nothing more for that class', async () => {
    await fake({ budgets: { core: { anonymous: 0 } } })
    const http = createHttpClient({ now: clock.now, retries: 0, timeoutMs: 60_000 })
    const cache = createCacheManager({ drivers: [memoryCache()], now: clock.now })
    const source = githubSource(github.apiUrl, { http, cache, now: clock.now })
    const first = await caught(source.getVersions('example/postgres-mcp', context()))
    expect(first).toMatchObject({ code: 'E_RATE_LIMITED', retryAt: github.rateLimit('core').reset * 1000 })
    expect((await caught(source.getMetadata('example/postgres-mcp', context()))).message).toMatch(/rate limited until 13:00/)
    expect(github.requests).toHaveLength(1)
    // Searches are another class: they are still asked.
    expect((await source.search({ text: 'postgres' }, context())).sources[0]?.state).toBe('ok')
  })
})

describe('rate-limit helpers', () => {
  it('classifies URLs by resource', () => {
    expect(resourceOf('https://api.github.com/search/repositories?q=x', 'https://api.github.com')).toBe('search')
    expect(resourceOf('https://api.github.com/search/code?q=x', 'https://api.github.com')).toBe('code_search')
    expect(resourceOf('https://ghe.example.com/api/v3/search/repositories', 'https://ghe.example.com/api/v3')).toBe('search')
    expect(resourceOf('https://ghe.example.com/api/v3/repos/a/b', 'https://ghe.example.com/api/v3')).toBe('core')
    expect(resourceOf('https://api.github.com/graphql', 'https://api.github.com')).toBe('graphql')
    expect(resourceOf('https://api.github.com/rate_limit', 'https://api.github.com')).toBeUndefined()
    expect(resourceOf('not a url', 'https://api.github.com')).toBe('core')
  })

  it('formats reset times for people, rounded up to the minute', () => {
    const now = Date.UTC(2025, 5, 1, 12, 0, 0)
    expect(formatResetTime(Date.UTC(2025, 5, 1, 12, 3, 1), now)).toBe('12:04')
    expect(formatResetTime(Date.UTC(2025, 5, 1, 12, 4, 0), now)).toBe('12:04')
    expect(formatResetTime(Date.UTC(2025, 5, 3, 9, 0, 0), now)).toBe('2025-06-03 09:00')
  })

  it('recognises the secondary limit wordings', () => {
    expect(mentionsSecondaryLimit('You have exceeded a secondary rate limit. Please wait')).toBe(true)
    expect(mentionsSecondaryLimit('You have triggered an abuse detection mechanism.')).toBe(true)
    expect(mentionsSecondaryLimit('Resource not accessible by integration')).toBe(false)
  })

  it('ignores a persisted block that is over or damaged', async () => {
    const cache = createCacheManager({ drivers: [memoryCache()], now: clock.now })
    const tracker = createRateLimitTracker({ now: clock.now, cache, apiBase: 'https://api.github.com', authenticated: false })
    await cache.set(rateLimitCacheKey('https://api.github.com', 'core', false), 'rate-limit', { value: { resource: 'core', blockedUntil: 'soon' }, storedAt: clock.now() })
    expect(await tracker.blockedUntil('core')).toBeUndefined()
    const blockedAt = clock.now()
    await tracker.block('core', blockedAt + 1000, 'primary')
    // A shorter block does not shorten a longer one.
    await tracker.block('core', blockedAt + 500, 'secondary')
    expect(await tracker.blockedUntil('core')).toEqual({ until: blockedAt + 1000, reason: 'primary' })
    // Another process sharing the cache reads the persisted block...
    const otherProcess = () => createRateLimitTracker({ now: clock.now, cache, apiBase: 'https://api.github.com', authenticated: false })
    expect(await otherProcess().blockedUntil('core')).toEqual({ until: blockedAt + 1000, reason: 'primary' })
    clock.advance(2000)
    expect(await tracker.blockedUntil('core')).toBeUndefined()
    // ...and ignores it once it is over.
    expect(await otherProcess().blockedUntil('core')).toBeUndefined()
  })
})
