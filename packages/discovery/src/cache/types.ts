/** Cache contracts: small drivers (memory, file) composed by one manager that owns freshness. */

export interface CacheEntry<T = unknown> {
  value: T
  /** When the value was fetched or last revalidated (epoch ms). */
  storedAt: number
  /** HTTP validators kept for conditional revalidation. */
  etag?: string
  lastModified?: string
}

/**
 * A storage tier. Drivers only store; the manager decides what is fresh. `ttlMs` given to `set`
 * is the hard expiry after which the driver may drop the entry.
 */
export interface CacheDriver {
  readonly name: string
  get(key: string): Promise<CacheEntry | undefined>
  set(key: string, entry: CacheEntry, ttlMs: number): Promise<void>
  delete(key: string): Promise<void>
  keys(): Promise<string[]>
  clear(): Promise<void>
  /** Persists pending writes (file drivers); optional. */
  flush?(): Promise<void>
  /** Where the driver keeps its data, if on disk. */
  readonly location?: string
}

/** Kinds of entry, each with its own freshness. */
export type CacheKind = 'search' | 'metadata' | 'versions' | 'index' | 'config' | (string & {})

/**
 * Loads a value for the cache. `previous` is the entry held so far (for conditional requests);
 * `background` is true for a stale-while-revalidate refresh, which outlives the caller that
 * started it and so must not run under that caller's abort signal or deadline.
 */
export type CacheLoader<T> = (previous: CacheEntry<T> | undefined, context: { background: boolean }) => Promise<CacheEntry<T>>

export interface CachedValue<T> {
  value: T
  fromCache: boolean
  /** Past its freshness: served while revalidating, or because the network failed. */
  stale: boolean
  ageMs: number
  /** Why a stale value was served instead of a fresh one, when the network failed. */
  staleBecause?: unknown
}

/** Options of `CacheManager.fetch`. */
export interface CacheFetchOptions {
  /**
   * Answer once the fastest tier holds a loaded entry, and write the slower tiers (the file)
   * behind the answer; `settle()` waits for those writes and flushes them. For requests made many
   * at once (a page of PyPI details), where each answer would otherwise wait for a whole-file
   * rewrite queued behind the others. The writes stay atomic; one cut short by the process
   * ending only costs a request next time. @default false
   */
  writeBehind?: boolean
}

export interface CacheStats {
  hits: number
  misses: number
  staleServed: number
  revalidations: number
  writes: number
  errors: number
  drivers: Array<{ name: string; entries: number; location?: string }>
}

export interface CacheManager {
  /** Serves from cache when fresh; otherwise loads (with the previous entry for revalidation). */
  fetch<T>(key: string, kind: CacheKind, load: CacheLoader<T>, options?: CacheFetchOptions): Promise<CachedValue<T>>
  get<T>(key: string): Promise<(CacheEntry<T> & { ageMs: number }) | undefined>
  set<T>(key: string, kind: CacheKind, entry: CacheEntry<T>): Promise<void>
  delete(key: string): Promise<void>
  /** Drops entries whose key starts with `prefix` (a source's entries start with `<source>:`). */
  invalidate(options: { prefix: string }): Promise<number>
  clear(): Promise<void>
  stats(): Promise<CacheStats>
  /**
   * Waits for background revalidations, at most `timeoutMs` when given (default: until they
   * end), then flushes pending driver writes. A CLI calls it before exiting with a bound, so a
   * slow refresh nobody waits for cannot hold the command after it printed its answer.
   */
  settle(options?: { timeoutMs?: number }): Promise<void>
}
