/**
 * The persistent tier: one JSON file (through flat-cache) in the platform cache directory, shared
 * by every process on the machine, so a repeated CLI search is answered from disk.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { FlatCache } from 'flat-cache'
import type { LockOptions } from 'proper-lockfile'
import { TektonError } from '../errors'
import { tektonPaths } from '../paths'
import type { CacheDriver, CacheEntry } from './types'

/** Options of `fileCache()`. */
export interface FileCacheOptions {
  /**
   * Directory holding the cache file; created on the first write.
   * @default tektonPaths().cache (the platform cache directory, or `$TEKTON_MCP_HOME/cache`)
   */
  dir?: string
  /**
   * File name without extension: the cache lives in `<dir>/<name>.json`.
   * @default 'discovery'
   */
  name?: string
  /**
   * Clock for the hard expiry (epoch ms). Tests inject one so expiry needs no sleeping.
   * @default Date.now
   */
  now?: () => number
  /**
   * Told about problems the driver recovers from by itself (an unreadable or corrupt cache file,
   * which is then treated as empty). Never called for errors that reach the caller.
   */
  onError?: (error: unknown) => void
  /**
   * How long a write waits for another process to release the cache file's lock before it gives
   * up with an `E_CACHE` error (the changes stay in memory and are written on a later flush).
   * Writes happen inside requests, so a stuck lock must cost little. @default 1000
   */
  lockTimeoutMs?: number
}

/** What one cache key holds in the file: the entry and when the driver may drop it. */
interface StoredItem {
  entry: CacheEntry
  expiresAt: number
}

type FlatCacheConstructor = typeof import('flat-cache').FlatCache
type LockFunction = typeof import('proper-lockfile').lock

const validName = /^[\w-][\w.-]*$/

/**
 * A lock whose holder has not refreshed it for this long belongs to a process that died (or hung)
 * while writing, and is taken over. A write holds the lock for milliseconds, so this is generous.
 */
const lockStaleMs = 4_000
/** How often a held lock's mtime is refreshed so a slow write is not mistaken for a dead one. */
const lockUpdateMs = 1_000

/** Loaded on the first write only: reading the cache must not pay for it (CLI start-up is timed). */
let lockFunction: Promise<LockFunction> | undefined

function loadLockFunction(): Promise<LockFunction> {
  lockFunction ??= import('proper-lockfile').then(
    (module) => module.lock,
    (error: unknown) => {
      lockFunction = undefined
      throw error
    },
  )
  return lockFunction
}

/**
 * A cache driver persisted to `<dir>/<name>.json`. Nothing is read until first use.
 *
 * Every `set`, `delete` and `clear` resolves once the file on disk reflects it; changes made in the
 * same tick share one write. The file is replaced atomically (temporary file, then rename), so a
 * process that dies mid-write leaves the previous file intact. Writers on the machine take turns
 * through a lock (`<name>.json.lock`, a directory): holding it, a writer that finds the file changed
 * since it last read or wrote it merges the other process's entries in rather than overwriting
 * them. A lock left by a killed process is taken over once stale (10 s); a write that cannot get
 * the lock within `lockTimeoutMs` rejects with `E_CACHE` and is retried on the next write or flush.
 * A corrupt file is treated as empty (reported through `onError`) and replaced on the next write.
 * Entries are stored by reference in memory: treat what `get` returns as read-only.
 */
export function fileCache(options: FileCacheOptions = {}): CacheDriver {
  const name = options.name ?? 'discovery'
  if (!validName.test(name) || name.length > 200) {
    throw new TektonError('E_INVALID_INPUT', `[cache] fileCache: invalid cache name ${JSON.stringify(name)}`, {
      hint: 'Use a plain file name of letters, digits, ".", "_" and "-", without a directory.',
    })
  }
  const directory = path.resolve(options.dir ?? tektonPaths().cache)
  const fileName = `${name}.json`
  const filePath = path.join(directory, fileName)
  const lockPath = `${filePath}.lock`
  const now = options.now ?? Date.now
  const lockTimeoutMs = Math.max(0, options.lockTimeoutMs ?? 1_000)
  /**
   * After a write gave up on a held lock, later writes until this time fail at once instead of
   * each waiting `lockTimeoutMs` again: queued behind one another, the waits would add up.
   */
  let lockedUntil = 0
  /** Leftover temporary files of killed writers are swept once per process, on the first write. */
  let swept = false

  let flatCacheClass: FlatCacheConstructor | undefined
  let store: FlatCache | undefined
  let opening: Promise<FlatCache> | undefined
  /** Identity of the file as this process last read or wrote it; a change means another writer. */
  let diskSignature: string | undefined
  /** Changes not yet written: an item, or `null` for a deletion. */
  let pending = new Map<string, StoredItem | null>()
  let clearedSinceWrite = false
  /** A write that has not yet taken its snapshot of `pending`; later changes join it. */
  let scheduledWrite: Promise<void> | undefined
  /** Writes run one at a time so two renames never race inside one process. */
  let writeChain: Promise<void> = Promise.resolve()

  function report(error: unknown): void {
    try {
      options.onError?.(error)
    } catch {
      // A faulty listener must not turn a recoverable cache problem into a failed request.
    }
  }

  async function newFlatCache(): Promise<FlatCache> {
    // flat-cache and its dependencies cost ~20 ms to import: only pay that when the cache is used.
    flatCacheClass ??= (await import('flat-cache')).FlatCache
    return new flatCacheClass({
      cacheDir: directory,
      cacheId: fileName,
      // Entries are plain JSON; cloning every read would only cost time.
      useClone: false,
      serialize: JSON.stringify,
      deserialize: JSON.parse,
    })
  }

  async function signatureOf(): Promise<string | undefined> {
    try {
      const info = await stat(filePath)
      return `${info.ino}:${info.size}:${info.mtimeMs}`
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }

  /** Reads the file into a new flat-cache, dropping anything malformed or expired. */
  async function readDisk(): Promise<{ cache: FlatCache; signature: string | undefined; readable: boolean }> {
    const cache = await newFlatCache()
    // Stat before reading: if the file is replaced in between, the next write merges once more,
    // which is harmless; the other order could overwrite another process's entries.
    let signature: string | undefined
    let readable = true
    try {
      signature = await signatureOf()
      if (signature !== undefined) cache.loadFile(filePath)
    } catch (error) {
      readable = false
      cache.cache.clear()
      report(
        new TektonError('E_CACHE', `[cache] ignoring unreadable cache file ${filePath}: ${messageOf(error)}`, {
          cause: error,
          hint: 'It is replaced on the next write; delete it to start afresh.',
        }),
      )
    }
    const time = now()
    for (const key of cache.keys()) {
      const item: unknown = cache.get(key)
      if (!isStoredItem(item) || item.expiresAt <= time) cache.cache.delete(key)
    }
    return { cache, signature, readable }
  }

  async function open(): Promise<FlatCache> {
    if (store) return store
    opening ??= readDisk().then(
      (result) => {
        diskSignature = result.signature
        store = result.cache
        return result.cache
      },
      (error: unknown) => {
        opening = undefined
        throw error
      },
    )
    return opening
  }

  function scheduleWrite(): Promise<void> {
    if (scheduledWrite) return scheduledWrite
    const run = writeChain
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => {
        scheduledWrite = undefined
        return write()
      })
    scheduledWrite = run
    writeChain = run.catch(() => undefined)
    return run
  }

  /**
   * Runs `action` holding the cross-process lock on the cache file. Without it two processes could
   * both find the file unchanged, both rename, and the second would erase the first one's entries.
   * `action` is given a check to call just before committing: if the lock was lost meanwhile (this
   * process stalled past the stale time and another took over), committing could erase the other
   * writer's entries, so the check throws instead.
   */
  async function withLock(action: (assertStillHeld: () => void) => Promise<void>): Promise<void> {
    const lock = await loadLockFunction()
    let lost: Error | undefined
    const lockOptions: LockOptions = {
      // The cache file may not exist yet, and realpath would fail on it; the lock is a sibling path.
      realpath: false,
      lockfilePath: lockPath,
      stale: lockStaleMs,
      update: lockUpdateMs,
      // Short randomised waits: a write holds the lock for milliseconds, and waiters should not
      // wake in step. `retry` reads a maxRetryTime of 0 as "no limit", hence no retries then.
      retries:
        lockTimeoutMs > 0
          ? { retries: 1_000, minTimeout: 5, maxTimeout: 100, factor: 1.5, randomize: true, maxRetryTime: lockTimeoutMs }
          : 0,
      // The default throws from a timer, which would crash the process over a cache write.
      onCompromised: (error) => {
        lost = error
      },
    }
    const release = await lock(filePath, lockOptions)
    try {
      await action(() => {
        if (lost) throw lost
      })
    } finally {
      // Failing to remove the lock does not undo the write; a leftover lock goes stale by itself.
      await release().catch((error: unknown) => {
        report(new TektonError('E_CACHE', `[cache] could not release ${lockPath}: ${messageOf(error)}`, { cause: error }))
      })
    }
  }

  async function write(): Promise<void> {
    const cache = await open()
    const changes = pending
    const cleared = clearedSinceWrite
    pending = new Map()
    clearedSinceWrite = false
    try {
      // The lock lives beside the file, so the directory must exist before the first write locks.
      await mkdir(directory, { recursive: true })
      if (!swept) {
        swept = true
        await sweepTemporaryFiles()
      }
      if (Date.now() < lockedUntil) {
        throw Object.assign(new Error(`${lockPath} was held by another process moments ago`), { code: 'ELOCKED' })
      }
      await withLock((assertStillHeld) => commit(cache, changes, cleared, assertStillHeld))
    } catch (error) {
      // Keep what was not written so a later write (or flush) tries again.
      clearedSinceWrite ||= cleared
      for (const [key, change] of changes) if (!pending.has(key)) pending.set(key, change)
      const locked = (error as NodeJS.ErrnoException | undefined)?.code === 'ELOCKED'
      if (locked && Date.now() >= lockedUntil) lockedUntil = Date.now() + lockTimeoutMs
      throw new TektonError('E_CACHE', `[cache] could not write ${filePath}: ${messageOf(error)}`, {
        cause: error,
        ...(locked
          ? { hint: `Another process kept ${lockPath} locked for ${lockTimeoutMs} ms; the entries are written on the next flush.` }
          : {}),
      })
    }
  }

  /** Removes `<name>.json.*.tmp` files older than a minute: a writer killed between write and rename. */
  async function sweepTemporaryFiles(): Promise<void> {
    const names = await readdir(directory).catch(() => [] as string[])
    const cutoff = Date.now() - 60_000
    await Promise.all(
      names
        .filter((entry) => entry.startsWith(`${fileName}.`) && entry.endsWith('.tmp'))
        .map(async (entry) => {
          const file = path.join(directory, entry)
          const info = await stat(file).catch(() => undefined)
          if (info && info.mtimeMs < cutoff) await unlink(file).catch(() => undefined)
        }),
    )
  }

  /** Holding the lock: merges another process's changes if the file moved on, then replaces it. */
  async function commit(
    cache: FlatCache,
    changes: Map<string, StoredItem | null>,
    cleared: boolean,
    assertStillHeld: () => void,
  ): Promise<void> {
    const signature = await signatureOf()
    if (!cleared && signature !== undefined && signature !== diskSignature) {
      // Another process wrote since we last looked: keep its entries except where we decided.
      const disk = await readDisk()
      const decidedHere = (key: string) => changes.has(key) || pending.has(key)
      // An unreadable file has nothing worth keeping; it must not erase what this process holds.
      for (const key of disk.readable ? cache.keys() : []) {
        if (!decidedHere(key) && disk.cache.get(key) === undefined) cache.cache.delete(key)
      }
      for (const item of disk.cache.items) {
        if (!decidedHere(item.key)) cache.set(item.key, item.value)
      }
    }
    const time = now()
    const items: Array<{ key: string; value: StoredItem }> = []
    for (const item of cache.items) {
      const value: unknown = item.value
      if (isStoredItem(value) && value.expiresAt > time) items.push({ key: item.key, value })
    }
    const temporaryPath = `${filePath}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
    try {
      await writeFile(temporaryPath, JSON.stringify(items), { mode: 0o600 })
      assertStillHeld()
      await rename(temporaryPath, filePath)
    } catch (error) {
      await unlink(temporaryPath).catch(() => undefined)
      throw error
    }
    diskSignature = await signatureOf()
  }

  return {
    name: 'file',
    location: filePath,
    async get(key) {
      const cache = await open()
      const item: unknown = cache.get(key)
      if (item === undefined) return undefined
      if (!isStoredItem(item) || item.expiresAt <= now()) {
        // Dropped from memory only: a read should not cost a write; the next write leaves it out.
        cache.cache.delete(key)
        return undefined
      }
      return item.entry
    },
    async set(key, entry, ttlMs) {
      const cache = await open()
      if (!(ttlMs > 0)) {
        cache.cache.delete(key)
        pending.set(key, null)
        return scheduleWrite()
      }
      // JSON has no Infinity: cap far in the future instead.
      const item: StoredItem = { entry, expiresAt: Math.min(now() + ttlMs, Number.MAX_SAFE_INTEGER) }
      cache.set(key, item)
      pending.set(key, item)
      return scheduleWrite()
    },
    async delete(key) {
      const cache = await open()
      cache.cache.delete(key)
      pending.set(key, null)
      return scheduleWrite()
    },
    async keys() {
      const cache = await open()
      const time = now()
      const keys: string[] = []
      for (const item of cache.items) {
        const value: unknown = item.value
        if (isStoredItem(value) && value.expiresAt > time) keys.push(item.key)
      }
      return keys
    },
    async clear() {
      const cache = await open()
      // Not FlatCache#clear(): it saves straight over the file, which is not atomic.
      cache.cache.clear()
      pending = new Map()
      clearedSinceWrite = true
      return scheduleWrite()
    },
    async flush() {
      // An explicit flush is worth one more wait for the lock.
      lockedUntil = 0
      if (scheduledWrite) return scheduledWrite
      if (pending.size > 0 || clearedSinceWrite) return scheduleWrite()
      await writeChain
    },
  }
}

function isStoredItem(value: unknown): value is StoredItem {
  if (typeof value !== 'object' || value === null) return false
  const { entry, expiresAt } = value as Partial<StoredItem>
  return (
    typeof expiresAt === 'number' &&
    typeof entry === 'object' &&
    entry !== null &&
    typeof entry.storedAt === 'number' &&
    'value' in entry
  )
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
