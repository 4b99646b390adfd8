// The manager's freshness rules, tiering and failure handling, driven by an injected clock.
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { TektonError } from '../src/errors'
import { fileCache } from '../src/cache/file'
import { createCacheManager, defaultCacheTtl } from '../src/cache/manager'
import { memoryCache } from '../src/cache/memory'
import type { CacheDriver, CacheEntry } from '../src/cache/types'

const second = 1_000
const minute = 60 * second
const hour = 60 * minute
const day = 24 * hour

const directories: string[] = []
afterAll(async () => {
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })))
})

function manualClock(start = 1_700_000_000_000) {
  const clock = { time: start, now: () => clock.time }
  return clock
}

/** A driver that never expires anything, so the manager's own age limits are what is tested. */
function mapDriver(name = 'map'): CacheDriver & { data: Map<string, { entry: CacheEntry; ttlMs: number }>; flushes: number } {
  const data = new Map<string, { entry: CacheEntry; ttlMs: number }>()
  const driver = {
    name,
    data,
    flushes: 0,
    async get(key: string) {
      return data.get(key)?.entry
    },
    async set(key: string, entry: CacheEntry, ttlMs: number) {
      data.set(key, { entry, ttlMs })
    },
    async delete(key: string) {
      data.delete(key)
    },
    async keys() {
      return [...data.keys()]
    },
    async clear() {
      data.clear()
    },
    async flush() {
      driver.flushes += 1
    },
  }
  return driver
}

/** A driver whose every operation fails, like a cache directory on a full or read-only disk. */
function brokenDriver(): CacheDriver {
  const fail = async (): Promise<never> => {
    throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })
  }
  return { name: 'broken', location: '/nowhere/cache.json', get: fail, set: fail, delete: fail, keys: fail, clear: fail, flush: fail }
}

/** A loader that counts its calls and answers with the next value, stamped with the clock. */
function counter(clock: { now: () => number }, values: unknown[] = ['v1', 'v2', 'v3']) {
  const calls: Array<CacheEntry | undefined> = []
  const load = async (previous: CacheEntry | undefined): Promise<CacheEntry> => {
    calls.push(previous)
    return { value: values[calls.length - 1], storedAt: clock.now(), etag: `"${calls.length}"` }
  }
  return { load, calls }
}

function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((resolvePromise, rejectPromise) => {
    resolve = resolvePromise
    reject = rejectPromise
  })
  return { promise, resolve, reject }
}

describe('fetch freshness', () => {
  it('loads a missing entry once, then answers from cache with its age until the ttl passes', async () => {
    const clock = manualClock()
    const cache = createCacheManager({ drivers: [memoryCache()], now: clock.now })
    const { load, calls } = counter(clock)

    await expect(cache.fetch('npm:search:fs', 'search', load)).resolves.toEqual({ value: 'v1', fromCache: false, stale: false, ageMs: 0 })
    clock.time += 9 * minute
    await expect(cache.fetch('npm:search:fs', 'search', load)).resolves.toEqual({ value: 'v1', fromCache: true, stale: false, ageMs: 9 * minute })
    expect(calls).toHaveLength(1)
  })

  it('gives each kind its own freshness, with overrides and a default for other kinds', async () => {
    const clock = manualClock()
    const cache = createCacheManager({ drivers: [mapDriver()], now: clock.now, ttl: { search: 30 * second } })
    for (const kind of ['search', 'metadata', 'index', 'readme']) {
      await cache.fetch(`key-${kind}`, kind, counter(clock).load)
    }
    clock.time += 45 * second
    const stale = async (kind: string) => (await cache.fetch(`key-${kind}`, kind, counter(clock).load)).stale
    expect(await stale('search')).toBe(true)
    expect(await stale('metadata')).toBe(false)
    clock.time += 20 * minute
    expect(await stale('readme')).toBe(true)
    expect(await stale('metadata')).toBe(false)
    expect(await stale('index')).toBe(false)
    expect(defaultCacheTtl).toEqual({ search: 10 * minute, metadata: hour, versions: hour, index: day, config: day })
  })

  it('tells drivers to keep an entry for its freshness plus maxStale', async () => {
    const clock = manualClock()
    const driver = mapDriver()
    const cache = createCacheManager({ drivers: [driver], now: clock.now })
    await cache.fetch('a', 'metadata', counter(clock).load)
    expect(driver.data.get('a')?.ttlMs).toBe(hour + 7 * day)
  })
})

describe('stale-while-revalidate', () => {
  it('serves a stale entry at once and refreshes it in the background with the previous entry', async () => {
    const clock = manualClock()
    const cache = createCacheManager({ drivers: [memoryCache()], now: clock.now })
    const { load, calls } = counter(clock)
    await cache.fetch('npm:meta:fs', 'search', load)

    clock.time += 30 * minute // past 10 min freshness, inside the 1 h window
    await expect(cache.fetch('npm:meta:fs', 'search', load)).resolves.toEqual({ value: 'v1', fromCache: true, stale: true, ageMs: 30 * minute })
    await cache.settle()
    expect(calls).toHaveLength(2)
    expect(calls[1]).toMatchObject({ value: 'v1', etag: '"1"' })
    await expect(cache.fetch('npm:meta:fs', 'search', load)).resolves.toEqual({ value: 'v2', fromCache: true, stale: false, ageMs: 0 })
    expect((await cache.stats()).revalidations).toBe(1)
  })

  it('starts only one revalidation for concurrent requests of the same stale key', async () => {
    const clock = manualClock()
    const cache = createCacheManager({ drivers: [memoryCache()], now: clock.now })
    await cache.fetch('key', 'search', counter(clock).load)
    clock.time += 15 * minute
    const gate = deferred<CacheEntry>()
    let loads = 0
    const slow = () => {
      loads += 1
      return gate.promise
    }
    const answers = await Promise.all([cache.fetch('key', 'search', slow), cache.fetch('key', 'search', slow), cache.fetch('key', 'search', slow)])
    expect(answers.map((answer) => answer.stale)).toEqual([true, true, true])
    expect(loads).toBe(1)
    gate.resolve({ value: 'new', storedAt: clock.now() })
    await cache.settle()
    expect((await cache.fetch('key', 'search', slow)).value).toBe('new')
    expect(loads).toBe(1)
    const stats = await cache.stats()
    expect(stats).toMatchObject({ hits: 4, misses: 1, staleServed: 3, revalidations: 1 })
  })

  it('reports a failed background revalidation without an unhandled rejection and keeps the old entry', async () => {
    const clock = manualClock()
    const reported: unknown[] = []
    const cache = createCacheManager({ drivers: [memoryCache()], now: clock.now, onError: (error) => reported.push(error) })
    await cache.fetch('key', 'search', counter(clock).load)
    clock.time += 20 * minute
    const failing = async (): Promise<CacheEntry> => {
      throw new Error('ECONNRESET')
    }
    await expect(cache.fetch('key', 'search', failing)).resolves.toMatchObject({ value: 'v1', stale: true })
    await cache.settle()
    expect(reported).toHaveLength(1)
    expect(String((reported[0] as Error).message)).toContain('ECONNRESET')
    expect((await cache.get('key'))?.value).toBe('v1')
    expect((await cache.stats()).errors).toBe(1)
  })

  it('forgets an entry whose background revalidation says it no longer exists', async () => {
    const clock = manualClock()
    const cache = createCacheManager({ drivers: [memoryCache()], now: clock.now, onError: () => undefined })
    await cache.fetch('npm:meta:gone', 'search', counter(clock).load)
    clock.time += 20 * minute
    const gone = async (): Promise<CacheEntry> => {
      throw Object.assign(new Error('Not Found'), { status: 404 })
    }
    await cache.fetch('npm:meta:gone', 'search', gone)
    await cache.settle()
    await expect(cache.get('npm:meta:gone')).resolves.toBeUndefined()
  })
})

describe('past the revalidation window', () => {
  it('treats an entry stored in the future (beyond a minute of clock skew) as expired', async () => {
    const clock = manualClock()
    const driver = mapDriver()
    const cache = createCacheManager({ drivers: [driver], now: clock.now })
    await driver.set('ahead', { value: 'from a clock two hours fast', storedAt: clock.time + 2 * hour }, day)
    await driver.set('skewed', { value: 'from a clock 30 s fast', storedAt: clock.time + 30 * second }, day)
    const { load, calls } = counter(clock)

    await expect(cache.fetch('ahead', 'metadata', load)).resolves.toMatchObject({ value: 'v1', fromCache: false })
    await expect(cache.fetch('skewed', 'metadata', load)).resolves.toMatchObject({ value: 'from a clock 30 s fast', fromCache: true, stale: false })
    expect(calls).toHaveLength(1)
    expect(driver.data.get('ahead')?.entry.storedAt).toBe(clock.time)
  })

  it('does not serve an entry from the future as a stale fallback', async () => {
    const clock = manualClock()
    const driver = mapDriver()
    const cache = createCacheManager({ drivers: [driver], now: clock.now })
    await driver.set('ahead', { value: 'old', storedAt: clock.time + 2 * hour }, day)
    const offline = async (): Promise<CacheEntry> => {
      throw new TektonError('E_NETWORK', 'offline')
    }
    await expect(cache.fetch('ahead', 'metadata', offline)).rejects.toMatchObject({ code: 'E_NETWORK' })
  })

  it('waits for a load, passing the previous entry so the request can be conditional', async () => {
    const clock = manualClock()
    const cache = createCacheManager({ drivers: [mapDriver()], now: clock.now })
    const { load, calls } = counter(clock)
    await cache.fetch('key', 'search', load)
    clock.time += 2 * hour
    const notModified = async (previous: CacheEntry | undefined): Promise<CacheEntry> => {
      calls.push(previous)
      if (!previous) throw new Error('expected the previous entry')
      return { ...previous, storedAt: clock.now() }
    }
    await expect(cache.fetch('key', 'search', notModified)).resolves.toEqual({ value: 'v1', fromCache: false, stale: false, ageMs: 0 })
    expect(calls[1]?.etag).toBe('"1"')
    await expect(cache.fetch('key', 'search', load)).resolves.toMatchObject({ fromCache: true, stale: false })
  })

  it('serves the previous entry, marked stale with its age and the reason, when the network fails', async () => {
    const clock = manualClock()
    const cache = createCacheManager({ drivers: [mapDriver()], now: clock.now })
    await cache.fetch('key', 'search', counter(clock).load)
    clock.time += 3 * hour
    const offline = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'E_NETWORK' })
    const result = await cache.fetch('key', 'search', async () => {
      throw offline
    })
    expect(result).toEqual({ value: 'v1', fromCache: true, stale: true, ageMs: 3 * hour, staleBecause: offline })
    expect((await cache.stats()).staleServed).toBe(1)
  })

  it('does not serve stale when the server answers "not found", and drops the entry', async () => {
    const clock = manualClock()
    const cache = createCacheManager({ drivers: [mapDriver()], now: clock.now })
    await cache.fetch('a', 'search', counter(clock).load)
    await cache.fetch('b', 'search', counter(clock).load)
    clock.time += 3 * hour
    const http404 = Object.assign(new Error('GET /a 404'), { status: 404 })
    await expect(cache.fetch('a', 'search', async () => Promise.reject(http404))).rejects.toBe(http404)
    await expect(cache.get('a')).resolves.toBeUndefined()
    const coded = new TektonError('E_NOT_FOUND', 'no such server')
    await expect(cache.fetch('b', 'search', async () => Promise.reject(coded))).rejects.toBe(coded)
  })

  it('rethrows once the previous entry is older than freshness plus maxStale', async () => {
    const clock = manualClock()
    const cache = createCacheManager({ drivers: [mapDriver()], now: clock.now, maxStaleMs: day })
    await cache.fetch('key', 'search', counter(clock).load)
    clock.time += 10 * minute + day
    const offline = new Error('offline')
    await expect(cache.fetch('key', 'search', async () => Promise.reject(offline))).rejects.toBe(offline)
  })

  it('rethrows when nothing was cached', async () => {
    const cache = createCacheManager({ drivers: [memoryCache()] })
    await expect(cache.fetch('key', 'search', async () => Promise.reject(new Error('offline')))).rejects.toThrow('offline')
  })

  it('shares one load between concurrent requests for a missing key, success or failure', async () => {
    const clock = manualClock()
    const cache = createCacheManager({ drivers: [memoryCache()], now: clock.now })
    const gate = deferred<CacheEntry>()
    let loads = 0
    const slow = () => {
      loads += 1
      return gate.promise
    }
    const pending = [cache.fetch('k', 'search', slow), cache.fetch('k', 'search', slow)]
    gate.resolve({ value: 'once', storedAt: clock.now() })
    expect((await Promise.all(pending)).map((answer) => answer.value)).toEqual(['once', 'once'])
    expect(loads).toBe(1)

    const failure = deferred<CacheEntry>()
    const failing = [cache.fetch('f', 'search', () => failure.promise), cache.fetch('f', 'search', () => failure.promise)]
    failure.reject(new Error('down'))
    await expect(Promise.all(failing)).rejects.toThrow('down')
    await expect(failing[1]).rejects.toThrow('down')
  })
})

describe('tiers', () => {
  it('writes to every tier and copies a hit from a slower tier into the faster ones', async () => {
    const clock = manualClock()
    const fast = mapDriver('fast')
    const slow = mapDriver('slow')
    const cache = createCacheManager({ drivers: [fast, slow], now: clock.now })
    await cache.set('both', 'search', { value: 1, storedAt: clock.now() })
    expect([fast.data.has('both'), slow.data.has('both')]).toEqual([true, true])

    slow.data.set('only-slow', { entry: { value: 2, storedAt: clock.now() - minute }, ttlMs: day })
    await expect(cache.fetch('only-slow', 'search', counter(clock).load)).resolves.toMatchObject({ value: 2, fromCache: true, ageMs: minute })
    expect(fast.data.get('only-slow')?.ttlMs).toBe(10 * minute + 7 * day - minute)

    slow.data.set('for-get', { entry: { value: 3, storedAt: clock.now() }, ttlMs: day })
    await expect(cache.get('for-get')).resolves.toEqual({ value: 3, storedAt: clock.now(), ageMs: 0 })
    expect(fast.data.get('for-get')?.entry.value).toBe(3)
  })

  it('answers a repeated request from disk in a new manager, as a second CLI process does', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tekton-cache-manager-'))
    directories.push(dir)
    const first = createCacheManager({ drivers: [memoryCache(), fileCache({ dir })] })
    await first.fetch('npm:search:filesystem', 'search', async () => ({ value: ['server-filesystem'], storedAt: Date.now() }))
    await first.settle()

    const second = createCacheManager({ drivers: [memoryCache(), fileCache({ dir })] })
    const neverCalled = async (): Promise<CacheEntry> => {
      throw new Error('the registry was asked again')
    }
    await expect(second.fetch('npm:search:filesystem', 'search', neverCalled)).resolves.toMatchObject({ value: ['server-filesystem'], fromCache: true, stale: false })
  })

  it('with writeBehind answers once the fastest tier holds the entry; settle waits for the slower tier', async () => {
    const clock = manualClock()
    const fast = mapDriver('fast')
    const slow = mapDriver('slow')
    const gate = deferred<void>()
    const slowSet = slow.set
    slow.set = async (key, entry, ttlMs) => {
      await gate.promise
      await slowSet(key, entry, ttlMs)
    }
    const cache = createCacheManager({ drivers: [fast, slow], now: clock.now })
    await expect(cache.fetch('detail', 'metadata', counter(clock).load, { writeBehind: true })).resolves.toMatchObject({ value: 'v1', fromCache: false })
    expect([fast.data.has('detail'), slow.data.has('detail')]).toEqual([true, false])
    // Asked again meanwhile, the fast tier answers: nothing is loaded twice.
    await expect(cache.fetch('detail', 'metadata', counter(clock).load)).resolves.toMatchObject({ value: 'v1', fromCache: true })
    const settled = cache.settle()
    gate.resolve()
    await settled
    expect(slow.data.get('detail')?.entry.value).toBe('v1')
    expect(slow.flushes).toBe(1)
    expect((await cache.stats()).writes).toBe(1)
  })

  it('with writeBehind the file is complete on disk after settle, for the next process', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tekton-cache-manager-'))
    directories.push(dir)
    const first = createCacheManager({ drivers: [memoryCache(), fileCache({ dir })] })
    const load = (name: string) => async () => ({ value: { name }, storedAt: Date.now() })
    await Promise.all(['a', 'b', 'c'].map((name) => first.fetch(`pypi:project:${name}`, 'metadata', load(name), { writeBehind: true })))
    await first.settle({ timeoutMs: 60_000 })

    const second = createCacheManager({ drivers: [fileCache({ dir })] })
    const neverCalled = async (): Promise<CacheEntry> => {
      throw new Error('the registry was asked again')
    }
    for (const name of ['a', 'b', 'c']) {
      await expect(second.fetch(`pypi:project:${name}`, 'metadata', neverCalled)).resolves.toMatchObject({ value: { name }, fromCache: true })
    }
  })

  it('does not store an entry already older than it could ever be served', async () => {
    const clock = manualClock()
    const driver = mapDriver()
    const cache = createCacheManager({ drivers: [driver], now: clock.now, maxStaleMs: hour })
    await cache.set('old', 'search', { value: 1, storedAt: clock.now() - 2 * hour })
    expect(driver.data.size).toBe(0)
    expect((await cache.stats()).writes).toBe(0)
  })
})

describe('driver failures', () => {
  it('never fail a request: they are counted, reported and skipped', async () => {
    const clock = manualClock()
    const reported: unknown[] = []
    const working = mapDriver()
    const cache = createCacheManager({ drivers: [brokenDriver(), working], now: clock.now, onError: (error) => reported.push(error) })
    const { load, calls } = counter(clock)

    await expect(cache.fetch('key', 'search', load)).resolves.toMatchObject({ value: 'v1', fromCache: false })
    await expect(cache.fetch('key', 'search', load)).resolves.toMatchObject({ value: 'v1', fromCache: true })
    expect(calls).toHaveLength(1)
    await expect(cache.invalidate({ prefix: 'k' })).resolves.toBe(1)
    await cache.delete('key')
    await cache.clear()
    await cache.settle()
    const stats = await cache.stats()
    expect(stats.drivers).toEqual([
      { name: 'broken', entries: 0, location: '/nowhere/cache.json' },
      { name: 'map', entries: 0 },
    ])
    expect(stats.errors).toBeGreaterThanOrEqual(9)
    expect(reported).toHaveLength(stats.errors)
    const first = reported[0]
    expect(TektonError.isInstance(first) && first.code).toBe('E_CACHE')
    expect(TektonError.isInstance(first) && first.message).toMatch(/broken get key failed: ENOSPC/)
  })

  it('are tolerated even when the onError listener itself throws', async () => {
    const cache = createCacheManager({
      drivers: [brokenDriver()],
      onError: () => {
        throw new Error('listener bug')
      },
    })
    await expect(cache.fetch('key', 'search', async () => ({ value: 1, storedAt: Date.now() }))).resolves.toMatchObject({ value: 1 })
  })

  it('reports one failure per driver when invalidating many keys', async () => {
    const reported: unknown[] = []
    const failingDeletes = { ...mapDriver('flaky'), delete: async () => Promise.reject(new Error('EACCES')) }
    await failingDeletes.set('npm:a', { value: 1, storedAt: Date.now() }, minute)
    await failingDeletes.set('npm:b', { value: 1, storedAt: Date.now() }, minute)
    const cache = createCacheManager({ drivers: [failingDeletes], onError: (error) => reported.push(error) })
    await expect(cache.invalidate({ prefix: 'npm:' })).resolves.toBe(0)
    expect(reported).toHaveLength(1)
  })
})

describe('invalidation', () => {
  it('deletes keys by prefix across all tiers and says how many', async () => {
    const clock = manualClock()
    const fast = mapDriver('fast')
    const slow = mapDriver('slow')
    const cache = createCacheManager({ drivers: [fast, slow], now: clock.now })
    for (const key of ['npm:search:a', 'npm:meta:b', 'pypi:meta:c']) await cache.set(key, 'search', { value: key, storedAt: clock.now() })
    slow.data.set('npm:only-on-disk', { entry: { value: 0, storedAt: clock.now() }, ttlMs: day })

    await expect(cache.invalidate({ prefix: 'npm:' })).resolves.toBe(3)
    expect([...fast.data.keys()]).toEqual(['pypi:meta:c'])
    expect([...slow.data.keys()]).toEqual(['pypi:meta:c'])
    await expect(cache.invalidate({ prefix: 'npm:' })).resolves.toBe(0)
    await expect(cache.invalidate({ prefix: 42 } as unknown as { prefix: string })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' })
  })

  it('delete and clear remove entries from every tier', async () => {
    const fast = mapDriver('fast')
    const slow = mapDriver('slow')
    const cache = createCacheManager({ drivers: [fast, slow] })
    await cache.set('a', 'search', { value: 1, storedAt: Date.now() })
    await cache.set('b', 'search', { value: 2, storedAt: Date.now() })
    await cache.delete('a')
    expect([fast.data.has('a'), slow.data.has('a'), slow.data.has('b')]).toEqual([false, false, true])
    await cache.clear()
    expect(fast.data.size + slow.data.size).toBe(0)
  })

  it('does not store the result of a load that was in flight when its key was invalidated', async () => {
    const clock = manualClock()
    const driver = mapDriver()
    const cache = createCacheManager({ drivers: [driver], now: clock.now })
    const gate = deferred<CacheEntry>()
    const started = deferred<void>()
    const pending = cache.fetch('npm:meta:x', 'metadata', () => {
      started.resolve()
      return gate.promise
    })
    await started.promise
    await cache.invalidate({ prefix: 'npm:' })
    gate.resolve({ value: 'from before the invalidation', storedAt: clock.now() })
    await expect(pending).resolves.toMatchObject({ value: 'from before the invalidation', fromCache: false })
    expect(driver.data.has('npm:meta:x')).toBe(false)

    const again = deferred<CacheEntry>()
    const againStarted = deferred<void>()
    const secondLoad = cache.fetch('npm:meta:y', 'metadata', () => {
      againStarted.resolve()
      return again.promise
    })
    await againStarted.promise
    await cache.clear()
    again.resolve({ value: 'y', storedAt: clock.now() })
    await secondLoad
    expect(driver.data.size).toBe(0)
  })
})

describe('stats, settle and options', () => {
  it('counts hits, misses, writes and reports entries and locations per driver', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tekton-cache-stats-'))
    directories.push(dir)
    const clock = manualClock()
    const cache = createCacheManager({ drivers: [memoryCache({ now: clock.now }), fileCache({ dir, now: clock.now })], now: clock.now })
    await cache.fetch('a', 'search', counter(clock).load)
    await cache.fetch('a', 'search', counter(clock).load)
    await cache.fetch('b', 'search', counter(clock).load)
    await expect(cache.stats()).resolves.toEqual({
      hits: 1,
      misses: 2,
      staleServed: 0,
      revalidations: 0,
      writes: 2,
      errors: 0,
      drivers: [
        { name: 'memory', entries: 2 },
        { name: 'file', entries: 2, location: path.join(dir, 'discovery.json') },
      ],
    })
  })

  it('settle flushes drivers that buffer writes', async () => {
    const driver = mapDriver()
    const cache = createCacheManager({ drivers: [driver, memoryCache()] })
    await cache.settle()
    expect(driver.flushes).toBe(1)
  })

  it('settle stops waiting for background refreshes after timeoutMs, and still flushes', async () => {
    const clock = manualClock()
    const driver = mapDriver()
    const cache = createCacheManager({ drivers: [driver], now: clock.now, ttl: { search: minute } })
    await cache.fetch('a', 'search', counter(clock).load)
    clock.time += 2 * minute
    const hanging = deferred<CacheEntry>()
    await expect(cache.fetch('a', 'search', () => hanging.promise)).resolves.toMatchObject({ stale: true })

    // Without the bound this would wait for the refresh, which never ends.
    await cache.settle({ timeoutMs: 20 })

    expect(driver.flushes).toBe(1)
    hanging.resolve({ value: 'late', storedAt: clock.now() })
    await cache.settle()
    expect(driver.data.get('a')?.entry.value).toBe('late')
  })

  it('settle with a timeout does not wait for a flush that is stuck either', async () => {
    const stuck = deferred<void>()
    const driver = { ...mapDriver(), flush: () => stuck.promise }
    const cache = createCacheManager({ drivers: [driver] })
    // A disk write behind another process's lock must not hold a finished command.
    await cache.settle({ timeoutMs: 20 })
    stuck.resolve()
  })

  it('settle without a timeout waits for the background refresh to finish', async () => {
    const clock = manualClock()
    const driver = mapDriver()
    const cache = createCacheManager({ drivers: [driver], now: clock.now, ttl: { search: minute } })
    await cache.fetch('a', 'search', counter(clock).load)
    clock.time += 2 * minute
    const slow = deferred<CacheEntry>()
    await cache.fetch('a', 'search', () => slow.promise)
    const settled = cache.settle({})
    slow.resolve({ value: 'refreshed', storedAt: clock.now() })
    await settled
    expect(driver.data.get('a')?.entry.value).toBe('refreshed')
    expect(driver.flushes).toBe(1)
  })

  it('settle refuses a timeout that is not a duration', async () => {
    const cache = createCacheManager({ drivers: [] })
    await expect(cache.settle({ timeoutMs: -1 })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' })
  })

  it('rejects options that cannot work', () => {
    expect(() => createCacheManager({} as never)).toThrow(/drivers/)
    expect(() => createCacheManager({ drivers: [], ttl: { search: -1 } })).toThrow(/ttl.search/)
    expect(() => createCacheManager({ drivers: [], maxStaleMs: Number.NaN })).toThrow(/maxStaleMs/)
  })

  it('works with no drivers at all, loading every time', async () => {
    const clock = manualClock()
    const cache = createCacheManager({ drivers: [], now: clock.now })
    const { load, calls } = counter(clock)
    await cache.fetch('a', 'search', load)
    await expect(cache.fetch('a', 'search', load)).resolves.toMatchObject({ value: 'v2', fromCache: false })
    expect(calls).toHaveLength(2)
  })
})
