/**
 * The persistent tier: one JSON file in the platform cache directory, shared by every process on
 * the machine, so a repeated CLI search is answered from disk. The file is an array of
 * `{ key, value }` and only this module writes it, so it is read with `JSON.parse`, not a library.
 */
import { mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises'
import path from 'node:path'
import { TektonError } from '../errors'
import { temporaryFileSuffix, writeFileAtomic } from '../kit/atomic-write'
import { acquireFileLock } from '../kit/file-lock'
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

const validName = /^[\w-][\w.-]*$/

/**
 * A lock whose holder has not refreshed it for this long belongs to a process that died (or hung)
 * while writing, and is taken over. A write holds the lock for milliseconds, so this is generous.
 */
const lockStaleMs = 4_000
/** How often a held lock's mtime is refreshed so a slow write is not mistaken for a dead one. */
const lockUpdateMs = 1_000

/**
 * A cache driver persisted to `<dir>/<name>.json`. Nothing is read until first use.
 *
 * Every `set`, `delete` and `clear` resolves once the file on disk reflects it; changes made in the
 * same tick share one write. The file is replaced atomically (temporary file, fsync, rename), so
 * a process that dies mid-write leaves the previous file intact. Writers on the machine take turns
 * through a lock (`<name>.json.lock`, a directory): holding it, a writer that finds the file changed
 * since it last read or wrote it merges the other process's entries in rather than overwriting
 * them. A lock left by a killed process is taken over once stale (4 s); a write that cannot get
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

  let store: Map<string, StoredItem> | undefined
  let opening: Promise<Map<string, StoredItem>> | undefined
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

  async function signatureOf(): Promise<string | undefined> {
    try {
      const info = await stat(filePath)
      return `${info.ino}:${info.size}:${info.mtimeMs}`
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }

  /** Reads the file into a new map, dropping anything malformed or expired. */
  async function readDisk(): Promise<{ cache: Map<string, StoredItem>; signature: string | undefined; readable: boolean }> {
    const cache = new Map<string, StoredItem>()
    // Stat before reading: if the file is replaced in between, the next write merges once more,
    // which is harmless; the other order could overwrite another process's entries.
    let signature: string | undefined
    let readable = true
    try {
      signature = await signatureOf()
      if (signature !== undefined) {
        const items: unknown = JSON.parse(await readFile(filePath, 'utf8'))
        if (!Array.isArray(items)) throw new Error('the file does not hold a list of entries')
        for (const item of items as unknown[]) {
          if (typeof item !== 'object' || item === null) continue
          const { key, value } = item as { key?: unknown; value?: unknown }
          if (typeof key === 'string' && isStoredItem(value)) cache.set(key, value)
        }
      }
    } catch (error) {
      readable = false
      cache.clear()
      report(
        new TektonError('E_CACHE', `[cache] ignoring unreadable cache file ${filePath}: ${messageOf(error)}`, {
          cause: error,
          hint: 'It is replaced on the next write; delete it to start afresh.',
        }),
      )
    }
    const time = now()
    for (const [key, item] of cache) if (item.expiresAt <= time) cache.delete(key)
    return { cache, signature, readable }
  }

  async function open(): Promise<Map<string, StoredItem>> {
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
    // Short randomised waits: a write holds the lock for milliseconds, and waiters should not wake in step.
    const held = await acquireFileLock(lockPath, { staleMs: lockStaleMs, updateMs: lockUpdateMs, timeoutMs: lockTimeoutMs, retryWait: { minMs: 5, maxMs: 100 } })
    try {
      await action(() => {
        const lost = held.lost()
        if (lost) throw lost
      })
    } finally {
      // Failing to remove the lock does not undo the write; a leftover lock goes stale by itself.
      await held.release()
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
        .filter((entry) => entry.startsWith(`${fileName}.`) && entry.endsWith(temporaryFileSuffix))
        .map(async (entry) => {
          const file = path.join(directory, entry)
          const info = await stat(file).catch(() => undefined)
          if (info && info.mtimeMs < cutoff) await unlink(file).catch(() => undefined)
        }),
    )
  }

  /** Holding the lock: merges another process's changes if the file moved on, then replaces it. */
  async function commit(
    cache: Map<string, StoredItem>,
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
      for (const key of disk.readable ? [...cache.keys()] : []) {
        if (!decidedHere(key) && !disk.cache.has(key)) cache.delete(key)
      }
      for (const [key, value] of disk.cache) {
        if (!decidedHere(key)) cache.set(key, value)
      }
    }
    const time = now()
    const items: Array<{ key: string; value: StoredItem }> = []
    for (const [key, value] of cache) if (value.expiresAt > time) items.push({ key, value })
    await writeFileAtomic(filePath, JSON.stringify(items), { mode: 0o600, beforeRename: assertStillHeld })
    diskSignature = await signatureOf()
  }

  return {
    name: 'file',
    location: filePath,
    async get(key) {
      const cache = await open()
      const item = cache.get(key)
      if (item === undefined) return undefined
      if (item.expiresAt <= now()) {
        // Dropped from memory only: a read should not cost a write; the next write leaves it out.
        cache.delete(key)
        return undefined
      }
      return item.entry
    },
    async set(key, entry, ttlMs) {
      const cache = await open()
      if (!(ttlMs > 0)) {
        cache.delete(key)
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
      cache.delete(key)
      pending.set(key, null)
      return scheduleWrite()
    },
    async keys() {
      const cache = await open()
      const time = now()
      const keys: string[] = []
      for (const [key, value] of cache) if (value.expiresAt > time) keys.push(key)
      return keys
    },
    async clear() {
      const cache = await open()
      cache.clear()
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
