/**
 * The official MCP Registry (or any registry speaking its v0.1 API: a sub-registry, a company
 * mirror) as a RegistrySource, with a local catalogue kept up to date by incremental syncs so
 * search is fast, matches titles and descriptions too, and keeps working offline.
 */
import path from 'node:path'
import {
  RegistryHttpError,
  TektonError,
  createHttpClient,
  matchesFilters,
  maxSearchLimit,
  parseRef,
  parseSearchQuery,
  staleReasonOf,
  toTektonError,
} from '@tekton/mcp-discovery'
import type { CacheManager, HttpClient, SourceConfiguration, SourceSyncReport, HttpRequestOptions, RegistrySource, RequestContext, SearchPage, SearchQuery, SearchResult, ServerMetadata, ServerVersion, SourceStatus } from '@tekton/mcp-discovery'
import { withoutCredentials } from '@tekton/mcp-discovery/kit'
import { buildCatalog, catalogFileName, catalogStamp, readCatalog, searchCatalog, searchWords, matchScore, toCatalogEntry, toServerEntry, writeCatalog } from './catalog'
import type { Catalog, CatalogEntry } from './catalog'
import { defaultCatalogDir, isOfficialRegistry, registryDisplayName, registryTokenVariable, registryUrlVariable, resolveRegistryUrl } from './config'
import { entriesToVersions, entryToMetadata, isRegistryName, officialMetaOf, registrySourceId, statusOf } from './mapping'
import type { MappingContext } from './mapping'
import { OfficialServerEntrySchema, OfficialServerListSchema, nextCursorOf } from './schemas'
import type { OfficialServerEntry, OfficialServerList } from './schemas'

const minute = 60_000
const hour = 60 * minute

export interface OfficialRegistryOptions {
  /** Registry base URL; API paths (`/v0.1/servers`) are appended to it, so a sub-path works. @default `TEKTON_MCP_REGISTRY_URL`, else https://registry.modelcontextprotocol.io */
  baseUrl?: string
  /** Bearer token, for registries that want one (the official registry does not). @default `TEKTON_MCP_REGISTRY_TOKEN` */
  token?: string
  /** HTTP client. @default `createHttpClient({ cache })` */
  http?: HttpClient
  /** Cache for responses of live requests (through the default client). @default none */
  cache?: CacheManager
  /** Environment for the URL, the token and the cache directory. @default process.env */
  env?: NodeJS.ProcessEnv
  /** Keep a local catalogue and search it when present. @default true */
  catalog?: boolean
  /** Where the catalogue is kept. @default `<tektonPaths().cache>/registry/<host>[/<path>]` */
  catalogDir?: string
  /** A catalogue older than this is refreshed in the background by search. @default 1 hour */
  catalogTtlMs?: number
  /** Let search refresh an outdated catalogue in the background. @default true */
  backgroundSync?: boolean
  /** Let search start the first (full) sync in the background when there is no catalogue. @default true */
  initialSync?: boolean
  /** How far before the last sync's start an incremental sync asks for changes (clock skew, late writes). @default 5 minutes */
  syncMarginMs?: number
  /** Pages a sync may read before it stops as a runaway (100 servers each). @default 1000 */
  maxSyncPages?: number
  /** Called with the error of a background sync (search has already answered). @default ignored */
  onBackgroundError?: (error: TektonError) => void
  now?: () => number
}

/** What a sync did: the spec's report (`location`, `entries`, `changes`, ...) and the registry's own counts. */
export interface SyncStats extends SourceSyncReport {
  /** Servers new in the catalogue. */
  added: number
  /** Servers whose entry changed (a new latest version, a new status, an edit). */
  updated: number
  /** Servers taken out: deleted in the registry (or, in a full sync, no longer listed). */
  removed: number
  /** Servers in the catalogue afterwards. */
  total: number
  /** Pages read. */
  pages: number
  durationMs: number
  /** A full sync (everything listed) rather than changes since the last one. */
  full: boolean
  /** When this sync started (ISO): the next one asks for changes since then, minus the margin. */
  syncedAt: string
  changes: { added: number; updated: number; removed: number }
}

/** The catalogue's state, for `sync` commands and diagnostics. */
export interface CatalogInfo {
  /** The catalogue file. */
  file: string
  exists: boolean
  /** When the last successful sync started (ISO). */
  syncedAt?: string
  ageMs?: number
  /** Servers in it. */
  total?: number
  /** A sync is running. */
  syncing: boolean
  /** The last sync's failure in this process, if it failed. */
  lastSyncError?: string
}

/** The registry source, plus its catalogue. */
export interface OfficialRegistrySource extends RegistrySource {
  /** The registry's base URL, without credentials. */
  readonly baseUrl: string
  /**
   * Brings the local catalogue up to date: everything the first time (or with `full`), then only
   * what changed since the last sync (`updated_since`). Concurrent calls share one sync.
   */
  sync(context?: RequestContext, options?: { full?: boolean }): Promise<SyncStats>
  catalogInfo(): Promise<CatalogInfo>
  /** Waits for a running sync (background ones included), at most `timeoutMs` when given. */
  settle(options?: { timeoutMs?: number }): Promise<void>
  probe(context: RequestContext): Promise<void>
  /** TEKTON_MCP_REGISTRY_URL and TEKTON_MCP_REGISTRY_TOKEN. */
  configuration(): Promise<SourceConfiguration>
}

/** Entries per page: the registry's maximum. */
const pageSize = maxSearchLimit
/** Pages a live search follows at most, per word, to fill its limit. */
const maxLivePages = 5
/** Words of a live search sent to the registry, longest first. */
const maxLiveTerms = 3
/** The server `probe` asks for: one that surely does not exist, so any answer is "not found". */
const probeServerName = 'io.github.tekton-mcp/doctor-probe'
/** Background syncs are not retried more often than this after one started (offline, broken registry). */
const backgroundRetryMs = minute

function statusCodeOf(error: unknown): number | undefined {
  return RegistryHttpError.isInstance(error) ? error.status : undefined
}

/** Failures an older answer can stand in for: the registry is unreachable or broken right now. */
function isUnavailable(error: unknown): boolean {
  if (!TektonError.isInstance(error)) return false
  if (['E_NETWORK', 'E_TIMEOUT', 'E_RATE_LIMITED', 'E_BAD_RESPONSE'].includes(error.code)) return true
  const status = statusCodeOf(error)
  return error.code === 'E_HTTP' && status !== undefined && status >= 500
}

function checkDuration(name: string, value: number | undefined): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
    throw new TektonError('E_CONFIG', `[registry] the ${name} option must be a number of milliseconds ≥ 0, got ${String(value)}`)
  }
}

function checkOptions(options: OfficialRegistryOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TektonError('E_CONFIG', '[registry] createOfficialRegistry expects an options object')
  }
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token.trim() === '')) {
    throw new TektonError('E_CONFIG', '[registry] the token option must be a non-empty string', { hint: `Leave it out to use ${registryTokenVariable}, or none` })
  }
  if (options.http !== undefined && typeof options.http?.getJson !== 'function') {
    throw new TektonError('E_CONFIG', '[registry] the http option must be an HttpClient (createHttpClient())')
  }
  if (options.catalogDir !== undefined && (typeof options.catalogDir !== 'string' || options.catalogDir.trim() === '')) {
    throw new TektonError('E_CONFIG', '[registry] the catalogDir option must be a non-empty path')
  }
  checkDuration('catalogTtlMs', options.catalogTtlMs)
  checkDuration('syncMarginMs', options.syncMarginMs)
  if (options.maxSyncPages !== undefined && (!Number.isInteger(options.maxSyncPages) || options.maxSyncPages < 1)) {
    throw new TektonError('E_CONFIG', `[registry] the maxSyncPages option must be a whole number ≥ 1, got ${String(options.maxSyncPages)}`)
  }
  for (const name of ['now', 'onBackgroundError'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TektonError('E_CONFIG', `[registry] the ${name} option must be a function`)
    }
  }
}

/** Validates a server name the way refs do, before it reaches a URL. */
function serverName(id: string): string {
  const ref = parseRef(`registry:${id}`)
  if (ref.version !== undefined) {
    throw new TektonError('E_INVALID_REF', `Invalid MCP Registry server name "${id}": it carries a version`, {
      hint: 'Pass the name alone, e.g. io.github.owner/server',
    })
  }
  return ref.id
}

/** Creates the registry source. Nothing is read or requested until it is used. */
export function createOfficialRegistry(options: OfficialRegistryOptions = {}): OfficialRegistrySource {
  checkOptions(options)
  const env = options.env ?? process.env
  const requestBase = resolveRegistryUrl({ ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}), env })
  // Shown, stored and used in cache keys: never with credentials.
  const baseUrl = withoutCredentials(requestBase)
  const apiBase = `${requestBase}/v0.1`
  const token = options.token ?? (env[registryTokenVariable]?.trim() || undefined)
  const http = options.http ?? createHttpClient(options.cache ? { cache: options.cache } : {})
  const now = options.now ?? Date.now
  const useCatalog = options.catalog ?? true
  const catalogTtlMs = options.catalogTtlMs ?? hour
  const backgroundSync = options.backgroundSync ?? true
  const initialSync = options.initialSync ?? true
  const syncMarginMs = options.syncMarginMs ?? 5 * minute
  const maxSyncPages = options.maxSyncPages ?? 1000
  const catalogFile = path.join(options.catalogDir ?? defaultCatalogDir(requestBase, env), catalogFileName)
  const mapping: MappingContext = { baseUrl, official: isOfficialRegistry(requestBase) }
  const displayName = registryDisplayName(requestBase)

  let loaded: { stamp: string; catalog: Catalog } | undefined
  /** Mapped catalogue entries, so repeated searches map each server once. */
  let mapped = new WeakMap<CatalogEntry, ServerMetadata | null>()
  let running: Promise<SyncStats> | undefined
  let lastSyncStartedAt: number | undefined
  let lastSyncError: TektonError | undefined

  function requestOptions<T>(context: RequestContext): HttpRequestOptions<T> {
    return {
      source: registrySourceId,
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
      ...(context.signal ? { signal: context.signal } : {}),
      ...(context.trace ? { trace: context.trace } : {}),
      ...(context.deadline !== undefined ? { deadline: context.deadline } : {}),
    }
  }

  function listUrl(parameters: Record<string, string | undefined>): string {
    const query = new URLSearchParams()
    for (const [name, value] of Object.entries(parameters)) if (value !== undefined) query.set(name, value)
    return `${apiBase}/servers?${query}`
  }

  /** The catalogue, re-read only when the file changed (another process may have synced). */
  async function loadCatalog(): Promise<Catalog | undefined> {
    const stamp = await catalogStamp(catalogFile)
    if (stamp === undefined) {
      loaded = undefined
      return undefined
    }
    if (loaded?.stamp === stamp) return loaded.catalog
    const catalog = await readCatalog(catalogFile, baseUrl)
    if (!catalog) return undefined
    loaded = { stamp, catalog }
    mapped = new WeakMap()
    return catalog
  }

  function mapEntry(entry: CatalogEntry): ServerMetadata | null {
    let metadata = mapped.get(entry)
    if (metadata === undefined) {
      metadata = entryToMetadata(toServerEntry(entry), mapping) ?? null
      mapped.set(entry, metadata)
    }
    return metadata
  }

  async function runSync(context: RequestContext, full: boolean): Promise<SyncStats> {
    const started = now()
    lastSyncStartedAt = started
    const previous = await loadCatalog()
    const incremental = !full && previous !== undefined
    // A catalogue stamped in the future (another machine's clock) must not make us skip changes.
    const since = incremental ? new Date(Math.min(previous.syncedAtMs, started) - syncMarginMs).toISOString() : undefined
    const servers = new Map<string, CatalogEntry>(incremental ? previous.entries : [])
    let cursor: string | undefined
    let pages = 0
    for (;;) {
      if (pages >= maxSyncPages) {
        throw new TektonError('E_BAD_RESPONSE', `[registry] sync of ${baseUrl} stopped after ${pages} pages: the registry keeps returning cursors`, {
          hint: 'Raise the maxSyncPages option if the registry really lists that many servers',
        })
      }
      const url = listUrl({ version: 'latest', limit: String(pageSize), updated_since: since, cursor })
      const response = await http.getJson<OfficialServerList>(url, { ...requestOptions<OfficialServerList>(context), schema: OfficialServerListSchema })
      pages += 1
      for (const entry of response.data.servers) {
        if (!entry || !isRegistryName(entry.server.name)) continue
        const meta = officialMetaOf(entry)
        // A registry that ignores version=latest lists older versions too; only the latest counts.
        if (meta.isLatest === false) continue
        if (statusOf(meta) === 'deleted') servers.delete(entry.server.name)
        else servers.set(entry.server.name, toCatalogEntry(entry))
      }
      const next = nextCursorOf(response.data)
      if (!next || next === cursor || response.data.servers.length === 0) break
      cursor = next
    }
    const before = previous?.entries ?? new Map<string, CatalogEntry>()
    let added = 0
    let updated = 0
    for (const [name, entry] of servers) {
      const old = before.get(name)
      if (!old) added += 1
      else if (old !== entry && JSON.stringify(old) !== JSON.stringify(entry)) updated += 1
    }
    const removed = [...before.keys()].filter((name) => !servers.has(name)).length
    const syncedAt = new Date(started).toISOString()
    const catalog = buildCatalog(baseUrl, syncedAt, servers)
    await writeCatalog(catalogFile, catalog)
    const stamp = await catalogStamp(catalogFile)
    loaded = stamp === undefined ? undefined : { stamp, catalog }
    mapped = new WeakMap()
    lastSyncError = undefined
    return {
      location: catalogFile,
      entries: servers.size,
      changes: { added, updated, removed },
      added,
      updated,
      removed,
      total: servers.size,
      pages,
      durationMs: now() - started,
      full: !incremental,
      syncedAt,
    }
  }

  function sync(context: RequestContext = {}, syncOptions: { full?: boolean } = {}): Promise<SyncStats> {
    if (!useCatalog) {
      return Promise.reject(new TektonError('E_CONFIG', '[registry] there is no catalogue to sync: this source was created with catalog: false', { hint: 'Leave the catalog option out (or true) to keep one' }))
    }
    const full = syncOptions.full ?? false
    if (running && !full) return running
    const waitFor = running?.catch(() => undefined) ?? Promise.resolve()
    const current: Promise<SyncStats> = waitFor
      .then(() => runSync(context, full))
      .catch((error: unknown) => {
        const failure = toTektonError(error, 'E_SYNC_FAILED')
        lastSyncError = failure
        throw failure
      })
      .finally(() => {
        if (running === current) running = undefined
      })
    running = current
    return current
  }

  /** Starts a sync nobody waits for, unless one runs or one started a moment ago. */
  function startBackgroundSync(): void {
    if (running) return
    if (lastSyncStartedAt !== undefined && now() - lastSyncStartedAt < backgroundRetryMs) return
    // No caller signal or deadline: the sync outlives the search that started it.
    sync({}).catch((error: unknown) => options.onBackgroundError?.(toTektonError(error, 'E_SYNC_FAILED')))
  }

  function toResult(server: ServerMetadata, score: number, matched: string[]): SearchResult {
    return { ref: server.ref, server, score, signals: { relevance: score, quality: 0, matched } }
  }

  function searchFromCatalog(catalog: Catalog, query: SearchQuery, limit: number, context: RequestContext): SearchPage {
    const results: SearchResult[] = []
    const matches = searchCatalog(catalog, searchWords(query.text))
    // Without filters every match counts, so only the servers shown need mapping.
    let total = query.filters ? 0 : matches.length
    for (const match of matches) {
      if (!query.filters && results.length >= limit) break
      const server = mapEntry(match.entry)
      if (!server || !matchesFilters(server, query)) continue
      if (query.filters) total += 1
      if (results.length < limit) results.push(toResult(server, match.score, match.matched))
    }
    const ageMs = Math.max(0, now() - catalog.syncedAtMs)
    const outdated = ageMs > catalogTtlMs
    if (outdated && backgroundSync) startBackgroundSync()
    const status: SourceStatus = { source: registrySourceId, state: outdated ? 'stale' : 'ok', resultCount: results.length, fromCache: true, ageMs }
    if (outdated) {
      status.stale = true
      // Why an old catalogue is used: a refresh runs, the last one failed, or only a sync refreshes it.
      if (lastSyncError) {
        status.staleReason = staleReasonOf(lastSyncError)
        status.code = lastSyncError.code
        status.message = lastSyncError.message
      } else if (backgroundSync) {
        status.staleReason = 'refreshing'
      } else {
        status.staleReason = 'needs-sync'
        status.needsSync = true
      }
    }
    // Told to the trace too, so the combined registry reports the age whichever status it keeps.
    if (context.trace) {
      context.trace.cached += 1
      context.trace.oldestAgeMs = Math.max(context.trace.oldestAgeMs ?? 0, ageMs)
      if (outdated) {
        context.trace.stale += 1
        context.trace.staleReason = status.staleReason
        if (lastSyncError) {
          context.trace.staleBecause = lastSyncError.message
          context.trace.staleCode = lastSyncError.code
        }
      }
    }
    return { results, sources: [status], total }
  }

  /** One term sent as the registry's `search`, paged until `limit` servers pass `accept` (or the pages run out). */
  async function searchTerm(
    term: string | undefined,
    limit: number,
    size: number,
    context: RequestContext,
    accept: (entry: OfficialServerEntry) => boolean,
  ): Promise<{ fromCache: boolean; ageMs: number }> {
    let cursor: string | undefined
    let accepted = 0
    let fromCache = true
    let ageMs = 0
    for (let page = 0; page < maxLivePages && accepted < limit; page += 1) {
      const url = listUrl({ search: term, version: 'latest', limit: String(size), cursor })
      const response = await http.getJson<OfficialServerList>(url, {
        ...requestOptions<OfficialServerList>(context),
        schema: OfficialServerListSchema,
        cache: { key: `registry:search:${baseUrl}:${term ?? ''}:${size}:${cursor ?? ''}`, kind: 'search' },
      })
      fromCache &&= response.fromCache
      ageMs = Math.max(ageMs, response.ageMs)
      for (const entry of response.data.servers) if (entry && accept(entry)) accepted += 1
      const next = nextCursorOf(response.data)
      if (!next || next === cursor || response.data.servers.length === 0) break
      cursor = next
    }
    return { fromCache, ageMs }
  }

  /**
   * The registry's own search matches a case-insensitive substring of the name only. Each word
   * (the three longest, when there are more) is sent as a search of its own, in parallel, and a
   * server found by any of them is kept when a word matches its name, title, description or a
   * package identifier (see `matchScore`); matching more words scores higher.
   */
  async function searchLive(query: SearchQuery, limit: number, context: RequestContext): Promise<SearchPage> {
    const words = searchWords(query.text)
    const terms: Array<string | undefined> = words.length === 0 ? [undefined] : [...new Set(words)].sort((a, b) => b.length - a.length).slice(0, maxLiveTerms)
    const found = new Map<string, { server: ServerMetadata; score: number; matched: string[] }>()
    const accept = (entry: OfficialServerEntry): boolean => {
      const server = entryToMetadata(entry, mapping)
      if (!server || server.status === 'deleted' || !matchesFilters(server, query)) return false
      const match = matchScore(words, {
        name: server.name.toLowerCase(),
        title: (server.title ?? '').toLowerCase(),
        description: server.description.toLowerCase(),
        packages: server.packages.map((pkg) => pkg.identifier.toLowerCase()).join('\n'),
      })
      if (match.score === 0) return false
      found.set(server.ref, { server, ...match })
      return true
    }
    // With filters or several words, some hits are dropped here: ask for full pages then.
    const size = terms.length > 1 || query.filters ? pageSize : Math.min(pageSize, limit)
    const outcomes = await Promise.all(terms.map((term) => searchTerm(term, limit, size, context, accept)))
    const results = [...found.values()]
      .sort((a, b) => b.score - a.score || a.server.name.localeCompare(b.server.name))
      .slice(0, limit)
      .map((match) => toResult(match.server, match.score, match.matched))
    const status: SourceStatus = { source: registrySourceId, state: 'ok', resultCount: results.length }
    if (outcomes.every((outcome) => outcome.fromCache)) Object.assign(status, { fromCache: true, ageMs: Math.max(...outcomes.map((outcome) => outcome.ageMs)) })
    return { results, sources: [status] }
  }

  /** The catalogue's entry for `name`, as an older answer when the registry cannot be reached. */
  async function fromCatalog(name: string, error: unknown, context: RequestContext): Promise<ServerMetadata | undefined> {
    if (!useCatalog || !isUnavailable(error)) return undefined
    const catalog = await loadCatalog().catch(() => undefined)
    const entry = catalog?.entries.get(name)
    const server = entry ? mapEntry(entry) : null
    if (!catalog || !server) return undefined
    if (context.trace) {
      context.trace.stale += 1
      context.trace.oldestAgeMs = Math.max(context.trace.oldestAgeMs ?? 0, Math.max(0, now() - catalog.syncedAtMs))
      const failure = toTektonError(error)
      context.trace.staleBecause = failure.message
      context.trace.staleCode = failure.code
      context.trace.staleReason = staleReasonOf(error)
    }
    return server
  }

  async function fetchEntry(name: string, context: RequestContext): Promise<OfficialServerEntry | null> {
    try {
      const response = await http.getJson<OfficialServerEntry>(`${apiBase}/servers/${encodeURIComponent(name)}/versions/latest`, {
        ...requestOptions<OfficialServerEntry>(context),
        schema: OfficialServerEntrySchema,
        cache: { key: `registry:server:${baseUrl}:${name}`, kind: 'metadata' },
      })
      return response.data
    } catch (error) {
      if (statusCodeOf(error) === 404) return null
      throw error
    }
  }

  const source: OfficialRegistrySource = {
    specVersion: 'v1',
    id: registrySourceId,
    displayName,
    refKinds: ['registry'],
    baseUrl,

    /**
     * With a synced catalogue: matched locally on name, title, description and package names, and
     * refreshed in the background once older than `catalogTtlMs`; without one: the registry's
     * own name search (and a first sync started in the background). No cursor: the combined
     * registry asks for up to 100 results and pages itself.
     */
    async search(query: SearchQuery, context: RequestContext): Promise<SearchPage> {
      const request = parseSearchQuery(query, 'registry')
      const { limit } = request
      if (context.signal?.aborted) throw new TektonError('E_ABORTED', '[registry] search aborted', { cause: context.signal.reason })
      if (useCatalog) {
        const catalog = await loadCatalog()
        if (catalog) return searchFromCatalog(catalog, request, limit, context)
      }
      const page = await searchLive(request, limit, context)
      if (useCatalog && initialSync) startBackgroundSync()
      return page
    },

    /** The latest version's metadata; null when unknown or deleted. Offline, the catalogue's copy. */
    async getMetadata(id: string, context: RequestContext): Promise<ServerMetadata | null> {
      const name = serverName(id)
      let entry: OfficialServerEntry | null
      try {
        entry = await fetchEntry(name, context)
      } catch (error) {
        const fallback = await fromCatalog(name, error, context)
        if (fallback) return fallback
        throw error
      }
      const metadata = entry && entryToMetadata(entry, mapping)
      // A deleted server was withdrawn (usually by moderation: malware, spam): treated as unknown.
      return metadata && metadata.status !== 'deleted' ? metadata : null
    },

    /** Every version that is not deleted, newest first; null when unknown. Offline, the catalogue's latest only. */
    async getVersions(id: string, context: RequestContext): Promise<ServerVersion[] | null> {
      const name = serverName(id)
      let list: OfficialServerList
      try {
        const response = await http.getJson<OfficialServerList>(`${apiBase}/servers/${encodeURIComponent(name)}/versions`, {
          ...requestOptions<OfficialServerList>(context),
          schema: OfficialServerListSchema,
          cache: { key: `registry:versions:${baseUrl}:${name}`, kind: 'versions' },
        })
        list = response.data
      } catch (error) {
        if (statusCodeOf(error) === 404) return null
        const fallback = await fromCatalog(name, error, context)
        if (fallback) {
          const version: ServerVersion = { version: fallback.version, prerelease: false, tags: ['latest'] }
          if (fallback.publishedAt) version.publishedAt = fallback.publishedAt
          if (fallback.status === 'deprecated') version.deprecated = fallback.statusMessage ?? true
          return [version]
        }
        throw error
      }
      const versions = entriesToVersions(list.servers.filter((entry) => entry?.server.name === name))
      return versions.length > 0 ? versions : null
    },

    sync,

    async probe(context) {
      // A name no one publishes: "not found" proves the registry answers.
      await source.getMetadata(probeServerName, context)
    },

    async configuration(): Promise<SourceConfiguration> {
      return { files: [], variables: [registryUrlVariable, registryTokenVariable] }
    },

    async catalogInfo() {
      const catalog = await loadCatalog().catch(() => undefined)
      const info: CatalogInfo = { file: catalogFile, exists: catalog !== undefined, syncing: running !== undefined }
      if (catalog) {
        info.syncedAt = catalog.syncedAt
        info.ageMs = Math.max(0, now() - catalog.syncedAtMs)
        info.total = catalog.entries.size
      }
      if (lastSyncError) info.lastSyncError = lastSyncError.message
      return info
    },

    async settle(settleOptions = {}) {
      const pending = running
      if (!pending) return
      const finished = pending.then(
        () => undefined,
        () => undefined,
      )
      if (settleOptions.timeoutMs === undefined) return finished
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, settleOptions.timeoutMs)
      })
      await Promise.race([finished, timeout])
      clearTimeout(timer)
    },
  }
  return source
}
