/**
 * Scale-out over Redis (TEKTON_MCP_REDIS_URL): several API instances behind a load balancer share
 * what one process would keep to itself.
 *
 * - `redisCache` is a discovery cache driver: a search cached through instance A answers on B,
 *   and the GitHub source's learned rate limit (kept in the cache by its tracker) holds on all.
 * - `redisJobStore` keeps job records and events: a job's events are a Redis stream, so a client
 *   connected to B follows a job running on A (resuming by stream id), and a cancel asked on B is
 *   published to A, which owns the job's processes.
 *
 * - `redisRateLimiter` keeps the per-client rate limit on changing requests, so a client that
 *   spreads its requests over instances meets one limit, not one per instance.
 *
 * Installs themselves stay on the host owning the install directory; a job's record names it.
 */
import { Redis } from 'ioredis'
import type { CacheDriver, CacheEntry } from '@tekton/mcp-discovery'
import type { ProgressEvent } from '@tekton/mcp-installation'
import type { JobEvent, JobRecord, JobStore } from './jobs'
import { secondsUntilToken } from './security'
import type { RateLimiter } from './security'

/** A Redis client for `url`, failing commands (instead of queueing forever) while it is down. */
export function connectRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 2, connectTimeout: 5_000, lazyConnect: false })
}

export interface RedisCacheOptions {
  client: Redis
  /** Prefix of every key. @default 'tekton-mcp:cache:' */
  prefix?: string
  /** The clock entries expire by. @default Date.now */
  now?: () => number
}

interface StoredEntry {
  entry: CacheEntry
  expiresAt: number
}

/**
 * A cache driver over Redis. Entries expire by the injected clock (as the other drivers' do) and,
 * a minute later, by Redis itself, so a forgotten key does not stay forever.
 */
export function redisCache(options: RedisCacheOptions): CacheDriver {
  const { client } = options
  const prefix = options.prefix ?? 'tekton-mcp:cache:'
  const now = options.now ?? Date.now

  async function scanKeys(): Promise<string[]> {
    const keys: string[] = []
    let cursor = '0'
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 500)
      cursor = next
      keys.push(...batch)
    } while (cursor !== '0')
    return keys
  }

  return {
    name: 'redis',
    async get(key) {
      const text = await client.get(prefix + key)
      if (text === null) return undefined
      let stored: StoredEntry
      try {
        stored = JSON.parse(text) as StoredEntry
      } catch {
        return undefined
      }
      if (typeof stored?.expiresAt !== 'number' || stored.expiresAt <= now()) return undefined
      return stored.entry
    },
    async set(key, entry, ttlMs) {
      const stored: StoredEntry = { entry, expiresAt: now() + ttlMs }
      await client.set(prefix + key, JSON.stringify(stored), 'PX', Math.max(1, Math.ceil(ttlMs)) + 60_000)
    },
    async delete(key) {
      await client.del(prefix + key)
    },
    async keys() {
      return (await scanKeys()).map((key) => key.slice(prefix.length))
    },
    async clear() {
      const keys = await scanKeys()
      for (let index = 0; index < keys.length; index += 500) await client.del(...keys.slice(index, index + 500))
    },
    location: `redis ${redactUrl(client.options.host, client.options.port)}`,
  }
}

export interface RedisJobStoreOptions {
  client: Redis
  /** Prefix of every key and channel. @default 'tekton-mcp:' */
  prefix?: string
  /** How long a job's record and events are kept after it was created, in seconds. @default 86400 */
  keepSeconds?: number
  /** How long one blocking read of a job's events waits before checking the caller's signal, in ms. @default 1000 */
  blockMs?: number
}

/** Job records and events in Redis: a JSON record per job, its events in a stream. */
export function redisJobStore(options: RedisJobStoreOptions): JobStore {
  const { client } = options
  const prefix = options.prefix ?? 'tekton-mcp:'
  const keep = options.keepSeconds ?? 86_400
  const blockMs = options.blockMs ?? 1_000
  const channel = `${prefix}job-cancel`
  const recordKey = (id: string) => `${prefix}job:${id}`
  const eventsKey = (id: string) => `${prefix}job:${id}:events`
  const listeners = new Set<(id: string) => void>()
  let subscriber: Redis | undefined
  let subscribed: Promise<unknown> = Promise.resolve()

  async function append(id: string, event: JobEvent['event'], data: JobEvent['data']): Promise<void> {
    await client.multi().xadd(eventsKey(id), 'MAXLEN', '~', '10000', '*', 'event', event, 'data', JSON.stringify(data)).expire(eventsKey(id), keep).exec()
  }

  function parse(entries: Array<[string, string[]]>): JobEvent[] {
    return entries.map(([id, fields]) => {
      const values: Record<string, string> = {}
      for (let index = 0; index + 1 < fields.length; index += 2) values[fields[index] as string] = fields[index + 1] as string
      return { id, event: values['event'] === 'end' ? 'end' : 'step', data: JSON.parse(values['data'] ?? 'null') as ProgressEvent | JobRecord }
    })
  }

  return {
    name: 'redis',
    async create(record) {
      // A job exists only once a cancel asked on another instance can reach it.
      await subscribed
      await client.set(recordKey(record.id), JSON.stringify(record), 'EX', keep)
    },
    async get(id) {
      const text = await client.get(recordKey(id))
      return text === null ? undefined : (JSON.parse(text) as JobRecord)
    },
    async appendStep(id, step) {
      await append(id, 'step', step)
    },
    async finish(record) {
      await client.set(recordKey(record.id), JSON.stringify(record), 'EX', keep)
      await append(record.id, 'end', record)
    },
    async *follow(id, afterId, signal) {
      // A blocking read holds its connection: each follower gets its own.
      const reader = client.duplicate()
      let last = afterId && /^\d+-\d+$/.test(afterId) ? afterId : '0'
      try {
        while (!signal.aborted) {
          const answer = (await reader.xread('COUNT', 100, 'BLOCK', blockMs, 'STREAMS', eventsKey(id), last)) as Array<[string, Array<[string, string[]]>]> | null
          if (!answer) continue
          for (const event of parse(answer[0]?.[1] ?? [])) {
            last = event.id
            yield event
            if (event.event === 'end') return
          }
        }
      } finally {
        reader.disconnect()
      }
    },
    async requestCancel(id) {
      await client.publish(channel, id)
    },
    onCancelRequest(listener) {
      if (!subscriber) {
        subscriber = client.duplicate()
        subscriber.on('message', (from: string, id: string) => {
          if (from === channel) for (const notify of listeners) notify(id)
        })
        subscribed = subscriber.subscribe(channel).catch(() => undefined)
      }
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    async close() {
      subscriber?.disconnect()
      subscriber = undefined
    },
  }
}

// One bucket per client, refilled and taken from in one step, so instances never race on it.
const takeScript = `
local rate = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or rate
local at = tonumber(state[2]) or now
tokens = math.min(rate, tokens + math.max(0, now - at) / 60000 * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], 120000)
return { allowed, tostring(tokens) }
`

export interface RedisRateLimiterOptions {
  client: Redis
  /** Prefix of every key. @default 'tekton-mcp:rate:' */
  prefix?: string
}

/** The per-client rate limit on changing requests, shared by every instance on one Redis. */
export function redisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const { client } = options
  const prefix = options.prefix ?? 'tekton-mcp:rate:'
  return {
    name: 'redis',
    async take(who, perMinute, now) {
      const [allowed, tokens] = (await client.eval(takeScript, 1, prefix + who, perMinute, now)) as [number, string]
      return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterSeconds: secondsUntilToken(Number(tokens), perMinute) }
    },
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}

function redactUrl(host: string | undefined, port: number | undefined): string {
  return `${host ?? 'localhost'}:${port ?? 6379}`
}
