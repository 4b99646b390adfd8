/**
 * The PyPI name index: PyPI has no search API, so the Simple API's list of every project is
 * fetched once (streamed), reduced to names that look like MCP servers, kept in memory and on
 * disk, and revalidated in the background with `If-None-Match` once it is older than its TTL.
 *
 * Lifecycle, per index URL:
 * - first use in a process: the stored index is read from disk (a few ms), if there is one;
 * - none stored: it is built; a caller may wait up to a time of its choosing, and the build goes
 *   on in the background when the caller stops waiting, so a later call finds it;
 * - stale (older than `ttlMs`): served as is while one background revalidation runs (a 304
 *   only refreshes the fetch time; a 200 replaces the index);
 * - a failed build or revalidation is not retried for `retryDelayMs`, so a broken index is not
 *   downloaded again by every search.
 */
import { TektonError, createHttpClient, toTektonError } from '@tekton/mcp-discovery'
import type { HttpClient } from '@tekton/mcp-discovery'
import { withoutCredentials } from '@tekton/mcp-discovery/kit'
import { looksLikeMcpName, nameRuleVersion } from './classify'
import { completeMeta, indexFiles, readStoredIndex, storeFormat, writeStoredIndex, writeStoredMeta } from './index-store'
import type { StoredIndexMeta } from './index-store'
import { searchEntries, toEntries } from './index-search'
import type { IndexEntry, IndexMatch } from './index-search'
import { fetchSimpleIndex } from './simple-index'

export interface PypiNameIndexOptions {
  /** The simple index URL; `user:password@` is sent as Basic authentication and kept out of files and messages. */
  indexUrl: string
  /** Where the index files live. */
  directory: string
  /** The HTTP client of the streamed download. @default `createHttpClient({ fetch, userAgent })` */
  http?: HttpClient
  /** Fetch of the default client. @default the shared keep-alive transport */
  fetch?: typeof globalThis.fetch
  /** User-Agent of the default client. @default the shared client's `tekton-mcp/<version> (+...)` */
  userAgent?: string
  /** Age after which the index is revalidated in the background. @default 24 h */
  ttlMs?: number
  /** Limit for one download, body included. @default 180 000 (3 min) */
  timeoutMs?: number
  /** Size cap for the index body, after decompression. @default 128 MiB (PyPI's is tens of MB) */
  maxBytes?: number
  /** Wait after a failed build or revalidation before trying again. @default 60 000 */
  retryDelayMs?: number
  now?: () => number
  /** Source id for messages. @default 'pypi' */
  source?: string
}

/** The index as loaded: its meta and its prepared entries. */
export interface LoadedNameIndex {
  meta: StoredIndexMeta
  entries: readonly IndexEntry[]
}

/** Where the index stands, for status output and `info` commands. */
export interface PypiIndexInfo {
  /** `ready` (fresh), `stale` (older than the TTL), `building` (none yet, one on its way), `failed` (none, the last try failed), `missing`. */
  state: 'ready' | 'stale' | 'building' | 'failed' | 'missing'
  /** The index URL without credentials. */
  indexUrl: string
  files: { names: string; meta: string }
  /** A download or revalidation is running. */
  updating: boolean
  fetchedAt?: string
  ageMs?: number
  /** Names kept (those that look like MCP servers). */
  nameCount?: number
  /** Projects in the full index. */
  projectCount?: number
  etag?: string
  apiVersion?: string
  /** The last failure, until a later try succeeds. */
  lastError?: { code: string; message: string; at: string }
  /** Why the index could not be written to disk (it is still used from memory). */
  writeError?: string
}

export interface PypiNameIndex {
  /** The index URL without credentials. */
  readonly indexUrl: string
  readonly files: { names: string; meta: string }
  /**
   * The index, loading it from disk or building it when needed. Resolves `undefined` when none is
   * ready by `waitUntil` (epoch ms); the build goes on. Without `waitUntil`, waits for the build.
   * Rejects with the build's error, or at once with the last one within `retryDelayMs` of it.
   */
  get(options?: { waitUntil?: number; signal?: AbortSignal }): Promise<LoadedNameIndex | undefined>
  /** Matches `text` against a loaded index, best first (see `searchEntries`). */
  search(index: LoadedNameIndex, text: string, limit?: number): { matches: IndexMatch[]; total: number }
  /**
   * Revalidates (or with `force`, downloads) now and waits for it; joins an update in flight.
   * Rejects with the failure.
   */
  refresh(options?: { force?: boolean }): Promise<LoadedNameIndex>
  info(): Promise<PypiIndexInfo>
  /** Waits for background work (at most `timeoutMs`), e.g. before a CLI exits. */
  settle(options?: { timeoutMs?: number }): Promise<void>
}

/** How long a name index is used before it is revalidated: 24 h. */
export const defaultIndexTtlMs = 24 * 60 * 60 * 1000

const defaults = { ttlMs: defaultIndexTtlMs, timeoutMs: 180_000, maxBytes: 128 * 1024 * 1024, retryDelayMs: 60_000 }

/** A project name as PEP 508 allows it: registry data is untrusted, and each name becomes a line of a file. */
const projectNamePattern = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,198}[A-Za-z0-9])?$/

function requirePositive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) throw new TektonError('E_CONFIG', `[pypi] ${name} must be a positive number of ms or bytes, got ${value}`)
}

/** Creates the name index for one index URL. Nothing is read or fetched until the first call. */
export function createPypiNameIndex(options: PypiNameIndexOptions): PypiNameIndex {
  const source = options.source ?? 'pypi'
  const ttlMs = options.ttlMs ?? defaults.ttlMs
  const timeoutMs = options.timeoutMs ?? defaults.timeoutMs
  const maxBytes = options.maxBytes ?? defaults.maxBytes
  const retryDelayMs = options.retryDelayMs ?? defaults.retryDelayMs
  for (const [name, value] of Object.entries({ ttlMs, timeoutMs, maxBytes })) requirePositive(name, value)
  if (!(Number.isFinite(retryDelayMs) && retryDelayMs >= 0)) throw new TektonError('E_CONFIG', `[pypi] retryDelayMs must be ≥ 0, got ${retryDelayMs}`)
  const now = options.now ?? Date.now
  const http = options.http ?? createHttpClient({ ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.userAgent ? { userAgent: options.userAgent } : {}) })
  const safeUrl = withoutCredentials(options.indexUrl)
  const files = indexFiles(options.directory, safeUrl)

  let memory: LoadedNameIndex | undefined
  let diskLoad: Promise<LoadedNameIndex | undefined> | undefined
  let updating: Promise<LoadedNameIndex> | undefined
  let lastFailure: { error: TektonError; at: number } | undefined
  let writeError: string | undefined
  const background = new Set<Promise<void>>()

  function loadFromDisk(): Promise<LoadedNameIndex | undefined> {
    diskLoad ??= readStoredIndex(options.directory, safeUrl, nameRuleVersion).then((stored) => stored && { meta: stored.meta, entries: toEntries(stored.names) })
    return diskLoad
  }

  async function current(): Promise<LoadedNameIndex | undefined> {
    if (!memory) {
      const loaded = await loadFromDisk()
      // A build may have finished while the file was read; the newer one stays.
      if (loaded && !memory) memory = loaded
    }
    return memory
  }

  async function update(previous: LoadedNameIndex | undefined): Promise<LoadedNameIndex> {
    const kept: string[] = []
    const result = await fetchSimpleIndex({
      url: options.indexUrl,
      http,
      now,
      timeoutMs,
      maxBytes,
      etag: previous?.meta.etag,
      lastModified: previous?.meta.lastModified,
      source,
      onName: (name) => {
        if (projectNamePattern.test(name) && looksLikeMcpName(name)) kept.push(name)
      },
    })
    let loaded: LoadedNameIndex
    let persist: () => Promise<void>
    if (result.notModified) {
      // Only sent with validators, so there is a previous index.
      const base = previous as LoadedNameIndex
      const meta: StoredIndexMeta = { ...base.meta, fetchedAt: now(), ...(result.etag ? { etag: result.etag } : {}), ...(result.lastModified ? { lastModified: result.lastModified } : {}) }
      loaded = { meta, entries: base.entries }
      persist = () => writeStoredMeta(options.directory, meta)
    } else {
      const entries = toEntries(kept)
      const names = entries.map((entry) => entry.name)
      const meta = completeMeta(
        {
          format: storeFormat,
          rule: nameRuleVersion,
          indexUrl: safeUrl,
          fetchedAt: now(),
          ...(result.etag ? { etag: result.etag } : {}),
          ...(result.lastModified ? { lastModified: result.lastModified } : {}),
          ...(result.apiVersion ? { apiVersion: result.apiVersion } : {}),
          projectCount: result.projectCount,
        },
        names,
      )
      loaded = { meta, entries }
      persist = () => writeStoredIndex(options.directory, meta, names)
    }
    try {
      await persist()
      writeError = undefined
    } catch (error) {
      // The disk is a cache: a read-only or full one costs the next process a download, not this search.
      writeError = `cannot write ${files.meta}: ${(error as Error).message}`
    }
    memory = loaded
    lastFailure = undefined
    return loaded
  }

  function startUpdate(previous: LoadedNameIndex | undefined): Promise<LoadedNameIndex> {
    if (updating) return updating
    const task = update(previous)
      .catch((error: unknown) => {
        const failure = toTektonError(error, 'E_PYPI_INDEX')
        lastFailure = { error: failure, at: now() }
        throw failure
      })
      .finally(() => {
        updating = undefined
      })
    updating = task
    // Tracked for `settle`, and handled, so a build nobody waits for never becomes an unhandled rejection.
    const settled = task.then(
      () => undefined,
      () => undefined,
    )
    background.add(settled)
    void settled.then(() => background.delete(settled))
    return task
  }

  function recentlyFailed(): boolean {
    return lastFailure !== undefined && now() - lastFailure.at < retryDelayMs
  }

  function revalidateIfStale(index: LoadedNameIndex): void {
    if (updating || recentlyFailed() || now() - index.meta.fetchedAt < ttlMs) return
    void startUpdate(index).catch(() => undefined)
  }

  async function waitFor(task: Promise<LoadedNameIndex>, waitUntil: number | undefined, signal: AbortSignal | undefined): Promise<LoadedNameIndex | undefined> {
    if (waitUntil === undefined && signal === undefined) return task
    let timer: NodeJS.Timeout | undefined
    let onAbort: (() => void) | undefined
    const contenders: Array<Promise<LoadedNameIndex | undefined>> = [task]
    if (waitUntil !== undefined) contenders.push(new Promise((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, waitUntil - now())))))
    if (signal !== undefined) {
      contenders.push(
        new Promise((_, reject) => {
          onAbort = () => reject(new TektonError('E_ABORTED', `[${source}] stopped waiting for the name index of ${safeUrl}: aborted`, { cause: signal.reason }))
          if (signal.aborted) onAbort()
          else signal.addEventListener('abort', onAbort, { once: true })
        }),
      )
    }
    try {
      return await Promise.race(contenders)
    } finally {
      clearTimeout(timer)
      if (onAbort) signal?.removeEventListener('abort', onAbort)
    }
  }

  return {
    indexUrl: safeUrl,
    files,

    async get(getOptions = {}) {
      const loaded = await current()
      if (loaded) {
        revalidateIfStale(loaded)
        return loaded
      }
      if (!updating && recentlyFailed()) throw (lastFailure as { error: TektonError }).error
      return waitFor(startUpdate(undefined), getOptions.waitUntil, getOptions.signal)
    },

    search(index, text, limit) {
      return searchEntries(index.entries, text, limit)
    },

    async refresh(refreshOptions = {}) {
      if (updating) return updating
      return startUpdate(refreshOptions.force ? undefined : await current())
    },

    async info() {
      const loaded = await current()
      const info: PypiIndexInfo = {
        state: loaded ? (now() - loaded.meta.fetchedAt >= ttlMs ? 'stale' : 'ready') : updating ? 'building' : lastFailure ? 'failed' : 'missing',
        indexUrl: safeUrl,
        files,
        updating: updating !== undefined,
      }
      if (loaded) {
        info.fetchedAt = new Date(loaded.meta.fetchedAt).toISOString()
        info.ageMs = Math.max(0, now() - loaded.meta.fetchedAt)
        info.nameCount = loaded.meta.nameCount
        info.projectCount = loaded.meta.projectCount
        if (loaded.meta.etag) info.etag = loaded.meta.etag
        if (loaded.meta.apiVersion) info.apiVersion = loaded.meta.apiVersion
      }
      if (lastFailure) info.lastError = { code: lastFailure.error.code, message: lastFailure.error.message, at: new Date(lastFailure.at).toISOString() }
      if (writeError) info.writeError = writeError
      return info
    },

    async settle(settleOptions = {}) {
      const all = (async () => {
        while (background.size > 0) await Promise.all([...background])
      })()
      if (settleOptions.timeoutMs === undefined) return all
      let timer: NodeJS.Timeout | undefined
      await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, settleOptions.timeoutMs)))])
      clearTimeout(timer)
    },
  }
}
