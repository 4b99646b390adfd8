/**
 * The cache manager: composes driver tiers and owns freshness, so every source gets the same
 * stale-while-revalidate, serve-stale-when-offline and invalidation behaviour.
 */
import { TektonError } from '../errors'
import type { CacheDriver, CacheEntry, CacheFetchOptions, CacheKind, CacheLoader, CacheManager, CacheStats, CachedValue } from './types'

const minute = 60_000
const hour = 60 * minute

/** How long each kind of entry stays fresh (ms) unless `createCacheManager` is told otherwise. */
export const defaultCacheTtl: Readonly<Record<'search' | 'metadata' | 'versions' | 'index' | 'config', number>> =
  Object.freeze({
    search: 10 * minute,
    metadata: hour,
    versions: hour,
    index: 24 * hour,
    config: 24 * hour,
  })

/** Freshness for kinds without their own entry in `defaultCacheTtl` or the `ttl` option. */
const otherKindTtl = 10 * minute

/**
 * How far in the future an entry's `storedAt` may be before it is distrusted: clocks of machines
 * sharing a cache directory disagree a little, but an entry from hours ahead would otherwise
 * stay fresh until the clock caught up.
 */
const allowedClockSkewMs = minute

/** Options of `createCacheManager()`. */
export interface CacheManagerOptions {
  /** Storage tiers, fastest first (e.g. `[memoryCache(), fileCache()]`). May be empty: nothing is cached. */
  drivers: CacheDriver[]
  /**
   * Freshness per kind of entry (ms); merged over the defaults.
   * @default { search: 10 min, metadata: 1 h, versions: 1 h, index: 24 h, config: 24 h }, others 10 min
   */
  ttl?: Partial<Record<CacheKind, number>>
  /**
   * How long past its freshness an entry is still served at once while a fresh copy loads behind it.
   * @default 1 hour
   */
  staleWhileRevalidateMs?: number
  /**
   * How long past its freshness an entry may be served when loading fails (offline, registry down).
   * Drivers are told to drop an entry after its freshness plus this.
   * @default 7 days
   */
  maxStaleMs?: number
  /** Clock (epoch ms), injected by tests. @default Date.now */
  now?: () => number
  /**
   * Told about every failure the cache absorbs instead of failing the request: a driver that
   * throws (disk full, permission denied) and background revalidations that fail.
   */
  onError?: (error: unknown) => void
}

/** A load in progress, shared by every caller asking for the same key meanwhile. */
interface LoadInFlight {
  promise: Promise<CacheEntry>
  /** `discarded` is set when the key is deleted or invalidated meanwhile: the result is not stored. */
  control: { discarded: boolean }
}

/**
 * Creates a cache manager over `drivers`.
 *
 * `fetch` answers fresh entries from cache; serves entries up to `staleWhileRevalidateMs` past
 * freshness at once while revalidating in the background; otherwise waits for `load`, and when that
 * fails with anything but "not found" (`status` 404 or `code` 'E_NOT_FOUND') serves the previous
 * entry up to `maxStaleMs` past freshness, marked stale with the reason. A failing driver never
 * fails a request: it is counted in `stats().errors`, reported to `onError`, and skipped.
 *
 * Counters in `stats()`: `hits` answered from cache without waiting for a load (fresh, or stale
 * while revalidating); `misses` had to wait for a load; `staleServed` returned a stale value (while
 * revalidating or because the load failed); `revalidations` background loads started; `writes`
 * entries stored; `errors` failures absorbed (see `onError`).
 */
export function createCacheManager(options: CacheManagerOptions): CacheManager {
  if (!options || !Array.isArray(options.drivers)) {
    throw new TektonError('E_INVALID_INPUT', '[cache] createCacheManager: `drivers` must be an array of cache drivers')
  }
  const drivers = [...options.drivers]
  const ttl: Partial<Record<CacheKind, number>> = { ...defaultCacheTtl, ...options.ttl }
  for (const [kind, milliseconds] of Object.entries(ttl)) checkDuration(`ttl.${kind}`, milliseconds)
  const staleWhileRevalidateMs = checkDuration('staleWhileRevalidateMs', options.staleWhileRevalidateMs ?? hour)
  const maxStaleMs = checkDuration('maxStaleMs', options.maxStaleMs ?? 7 * 24 * hour)
  const clock = options.now ?? Date.now
  // `get` does not know the entry's kind: promote it for as long as the longest-lived kind allows.
  const longestHardTtl = Math.max(otherKindTtl, ...Object.values(ttl).map(Number)) + maxStaleMs

  const counters = { hits: 0, misses: 0, staleServed: 0, revalidations: 0, writes: 0, errors: 0 }
  const loads = new Map<string, LoadInFlight>()
  const background = new Set<Promise<void>>()

  const freshFor = (kind: CacheKind): number => ttl[kind] ?? otherKindTtl
  /** Age in ms; an entry stored further in the future than clock skew explains is expired (Infinity). */
  const ageOf = (entry: CacheEntry): number => {
    const age = clock() - entry.storedAt
    return age < -allowedClockSkewMs ? Number.POSITIVE_INFINITY : Math.max(0, age)
  }

  function report(error: unknown): void {
    counters.errors += 1
    try {
      options.onError?.(error)
    } catch {
      // The listener is for observation; its own failure must not fail the request either.
    }
  }

  function driverFailed(driver: CacheDriver, operation: string, key: string | undefined, error: unknown): void {
    const subject = key === undefined ? '' : ` ${key}`
    report(
      new TektonError('E_CACHE', `[cache] ${driver.name} ${operation}${subject} failed: ${messageOf(error)}`, {
        cause: error,
        hint: driver.location ? `Check that ${driver.location} is writable and the disk is not full.` : undefined,
      }),
    )
  }

  /** Finds `key` in the first tier that has it and copies it into the faster tiers before it. */
  async function lookup(key: string, hardTtl: number): Promise<CacheEntry | undefined> {
    for (const [index, driver] of drivers.entries()) {
      let entry: CacheEntry | undefined
      try {
        entry = await driver.get(key)
      } catch (error) {
        driverFailed(driver, 'get', key, error)
        continue
      }
      if (!entry) continue
      const remaining = hardTtl - ageOf(entry)
      if (index > 0 && remaining > 0) {
        const found = entry
        await Promise.all(
          drivers.slice(0, index).map((faster) =>
            faster.set(key, found, remaining).catch((error: unknown) => driverFailed(faster, 'set', key, error)),
          ),
        )
      }
      return entry
    }
    return undefined
  }

  async function store(key: string, kind: CacheKind, entry: CacheEntry): Promise<void> {
    const remaining = freshFor(kind) + maxStaleMs - ageOf(entry)
    // Already past the point where it could be served: storing it would only take room.
    if (remaining <= 0) return
    counters.writes += 1
    await Promise.all(
      drivers.map((driver) =>
        driver.set(key, entry, remaining).catch((error: unknown) => driverFailed(driver, 'set', key, error)),
      ),
    )
  }

  /**
   * Stores in the fastest tier before answering and in the others behind the answer, tracked as
   * background work so `settle()` waits for it (and then flushes the drivers).
   */
  async function storeBehind(key: string, kind: CacheKind, entry: CacheEntry): Promise<void> {
    const remaining = freshFor(kind) + maxStaleMs - ageOf(entry)
    if (remaining <= 0) return
    counters.writes += 1
    const [fastest, ...slower] = drivers
    if (fastest) await fastest.set(key, entry, remaining).catch((error: unknown) => driverFailed(fastest, 'set', key, error))
    if (slower.length === 0) return
    const task = Promise.all(
      slower.map((driver) => driver.set(key, entry, remaining).catch((error: unknown) => driverFailed(driver, 'set', key, error))),
    ).then(() => undefined)
    background.add(task)
    void task.then(() => background.delete(task))
  }

  async function deleteEverywhere(key: string): Promise<void> {
    await Promise.all(
      drivers.map((driver) => driver.delete(key).catch((error: unknown) => driverFailed(driver, 'delete', key, error))),
    )
  }

  function discardLoads(matches: (key: string) => boolean): void {
    for (const [key, load] of loads) {
      if (!matches(key)) continue
      load.control.discarded = true
      loads.delete(key)
    }
  }

  /** Runs `load` once per key at a time; later callers share the running load. */
  function loadShared<T>(
    key: string,
    kind: CacheKind,
    load: CacheLoader<T>,
    previous: CacheEntry<T> | undefined,
    background = false,
    writeBehind = false,
  ): Promise<CacheEntry<T>> {
    const running = loads.get(key)
    if (running) return running.promise as Promise<CacheEntry<T>>
    const control = { discarded: false }
    const run = async (): Promise<CacheEntry<T>> => {
      try {
        const entry = await load(previous, { background })
        if (!control.discarded) await (writeBehind ? storeBehind(key, kind, entry) : store(key, kind, entry))
        return entry
      } catch (error) {
        // The thing is gone: a stale copy must not be served for it later.
        if (isNotFound(error) && !control.discarded) await deleteEverywhere(key)
        throw error
      }
    }
    const promise = run()
    const inFlight: LoadInFlight = { promise, control }
    loads.set(key, inFlight)
    const forget = () => {
      if (loads.get(key) === inFlight) loads.delete(key)
    }
    promise.then(forget, forget)
    return promise
  }

  function revalidate<T>(
    key: string,
    kind: CacheKind,
    load: CacheLoader<T>,
    previous: CacheEntry<T>,
  ): void {
    if (loads.has(key)) return
    counters.revalidations += 1
    const task = loadShared(key, kind, load, previous, true).then(
      () => undefined,
      (error: unknown) =>
        report(
          new TektonError('E_CACHE', `[cache] background revalidation of ${key} failed: ${messageOf(error)}`, {
            cause: error,
          }),
        ),
    )
    background.add(task)
    void task.then(() => background.delete(task))
  }

  async function waitForBackground(): Promise<void> {
    // A revalidation may finish by starting nothing new, but loop in case one was added meanwhile.
    while (background.size > 0) await Promise.all([...background])
  }

  return {
    async fetch<T>(
      key: string,
      kind: CacheKind,
      load: CacheLoader<T>,
      fetchOptions: CacheFetchOptions = {},
    ): Promise<CachedValue<T>> {
      const freshMs = freshFor(kind)
      const hardTtl = freshMs + maxStaleMs
      const previous = (await lookup(key, hardTtl)) as CacheEntry<T> | undefined
      if (previous) {
        const ageMs = ageOf(previous)
        if (ageMs < freshMs) {
          counters.hits += 1
          return { value: previous.value, fromCache: true, stale: false, ageMs }
        }
        if (ageMs < freshMs + staleWhileRevalidateMs && ageMs < hardTtl) {
          counters.hits += 1
          counters.staleServed += 1
          revalidate(key, kind, load, previous)
          return { value: previous.value, fromCache: true, stale: true, ageMs }
        }
      }
      counters.misses += 1
      try {
        const entry = await loadShared(key, kind, load, previous, false, fetchOptions.writeBehind === true)
        return { value: entry.value, fromCache: false, stale: false, ageMs: 0 }
      } catch (error) {
        if (previous && !isNotFound(error)) {
          const ageMs = ageOf(previous)
          if (ageMs < hardTtl) {
            counters.staleServed += 1
            return { value: previous.value, fromCache: true, stale: true, ageMs, staleBecause: error }
          }
        }
        throw error
      }
    },

    async get<T>(key: string): Promise<(CacheEntry<T> & { ageMs: number }) | undefined> {
      const entry = (await lookup(key, longestHardTtl)) as CacheEntry<T> | undefined
      return entry ? { ...entry, ageMs: ageOf(entry) } : undefined
    },

    async set<T>(key: string, kind: CacheKind, entry: CacheEntry<T>): Promise<void> {
      await store(key, kind, entry)
    },

    async delete(key: string): Promise<void> {
      discardLoads((candidate) => candidate === key)
      await deleteEverywhere(key)
    },

    async invalidate({ prefix }: { prefix: string }): Promise<number> {
      if (typeof prefix !== 'string') {
        throw new TektonError('E_INVALID_INPUT', '[cache] invalidate: `prefix` must be a string')
      }
      discardLoads((key) => key.startsWith(prefix))
      const removed = new Set<string>()
      await Promise.all(
        drivers.map(async (driver) => {
          let keys: string[]
          try {
            keys = (await driver.keys()).filter((key) => key.startsWith(prefix))
          } catch (error) {
            driverFailed(driver, 'keys', undefined, error)
            return
          }
          // One report per driver: a broken disk would otherwise report once per key.
          const results = await Promise.allSettled(keys.map((key) => driver.delete(key)))
          const failure = results.find((result) => result.status === 'rejected')
          if (failure) driverFailed(driver, 'delete', `${prefix}*`, failure.reason)
          for (const [index, result] of results.entries()) {
            const key = keys[index]
            if (result.status === 'fulfilled' && key !== undefined) removed.add(key)
          }
        }),
      )
      return removed.size
    },

    async clear(): Promise<void> {
      discardLoads(() => true)
      await Promise.all(
        drivers.map((driver) => driver.clear().catch((error: unknown) => driverFailed(driver, 'clear', undefined, error))),
      )
    },

    async stats(): Promise<CacheStats> {
      const perDriver = await Promise.all(
        drivers.map(async (driver) => {
          let entries = 0
          try {
            entries = (await driver.keys()).length
          } catch (error) {
            driverFailed(driver, 'keys', undefined, error)
          }
          return { name: driver.name, entries, ...(driver.location === undefined ? {} : { location: driver.location }) }
        }),
      )
      return { ...counters, drivers: perDriver }
    },

    async settle(settleOptions: { timeoutMs?: number } = {}): Promise<void> {
      const { timeoutMs } = settleOptions
      const settleStarted = Date.now()
      if (timeoutMs === undefined) {
        await waitForBackground()
      } else {
        if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
          throw new TektonError('E_INVALID_INPUT', '[cache] settle: timeoutMs must be a number of ms ≥ 0')
        }
        // A refresh nobody waits for must not hold a finished command: stop waiting after
        // timeoutMs; the refresh carries on (and is stored) if the process lives on.
        let timer: NodeJS.Timeout | undefined
        const timedOut = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs)
        })
        try {
          await Promise.race([waitForBackground(), timedOut])
        } finally {
          clearTimeout(timer)
        }
      }
      const flushed = Promise.all(
        drivers.map((driver) =>
          driver.flush?.().catch((error: unknown) => driverFailed(driver, 'flush', undefined, error)),
        ),
      )
      if (timeoutMs === undefined) {
        await flushed
        return
      }
      // The bound covers the whole settle: a disk write stuck behind another process's lock must
      // not hold a finished command either (the entries are a cache: losing them costs a request).
      let flushTimer: NodeJS.Timeout | undefined
      const flushDeadline = new Promise<void>((resolve) => {
        flushTimer = setTimeout(resolve, Math.max(0, settleStarted + timeoutMs - Date.now()))
      })
      try {
        await Promise.race([flushed, flushDeadline])
      } finally {
        clearTimeout(flushTimer)
      }
    },
  }
}

/** "Not found" is an answer, not an outage: it must not be papered over with a stale copy. */
function isNotFound(error: unknown): boolean {
  // Loaders are any function, not only the HTTP client: a `status` of 404 counts whoever threw it.
  if (typeof error !== 'object' || error === null) return false
  const { status, code } = error as { status?: unknown; code?: unknown }
  return status === 404 || code === 'E_NOT_FOUND'
}

function checkDuration(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TektonError('E_INVALID_INPUT', `[cache] createCacheManager: ${name} must be a finite number of ms ≥ 0`)
  }
  return value
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
