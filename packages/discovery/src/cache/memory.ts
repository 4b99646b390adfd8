/** The fast tier: an in-process LRU that forgets everything when the process ends. */
import { LRUCache } from 'lru-cache'
import type { CacheDriver, CacheEntry } from './types'

/** Options of `memoryCache()`. */
export interface MemoryCacheOptions {
  /**
   * How many entries to keep; the least recently used one is dropped to make room.
   * @default 500
   */
  maxEntries?: number
  /**
   * Clock for the hard expiry (epoch ms). Tests inject one so expiry needs no sleeping.
   * @default Date.now
   */
  now?: () => number
}

/**
 * An LRU cache driver. Each entry is dropped once the `ttlMs` given to `set` has passed.
 * Entries are stored by reference: treat what `get` returns as read-only.
 */
export function memoryCache(options: MemoryCacheOptions = {}): CacheDriver {
  const maxEntries = options.maxEntries ?? 500
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError(`[cache] memoryCache: maxEntries must be a positive integer, got ${String(maxEntries)}`)
  }
  const now = options.now
  const entries = new LRUCache<string, CacheEntry>({
    max: maxEntries,
    // lru-cache rounds "now" to ttlResolution; with an injected clock every tick must count.
    ...(now ? { perf: { now }, ttlResolution: 0 } : {}),
  })

  return {
    name: 'memory',
    async get(key) {
      return entries.get(key)
    },
    async set(key, entry, ttlMs) {
      // A non-positive ttl means "already expired": storing it would only evict a live entry.
      if (!(ttlMs > 0)) {
        entries.delete(key)
        return
      }
      entries.set(key, entry, { ttl: ttlMs })
    },
    async delete(key) {
      entries.delete(key)
    },
    async keys() {
      entries.purgeStale()
      return [...entries.keys()]
    },
    async clear() {
      entries.clear()
    },
  }
}
