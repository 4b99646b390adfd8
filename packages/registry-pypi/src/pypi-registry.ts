/** PyPI (or any index speaking the Simple and JSON APIs) as a RegistrySource. */
import path from 'node:path'
import { RegistryHttpError, TektonError, createHttpClient, isErrorCode, parseRef, parseSearchQuery, redact, tektonPaths } from '@tekton/mcp-discovery'
import type { CacheManager, HttpClient, RegistrySource, SourceConfiguration, SourceSyncOptions, SourceSyncReport, RequestContext, SearchPage, SearchQuery, SearchResult, ServerMetadata, ServerVersion, SourceStatus } from '@tekton/mcp-discovery'
import { hasCredentials, withoutCredentials } from '@tekton/mcp-discovery/kit'
import { valid } from '@renovatebot/pep440'
import { metadataReasons } from './classify'
import { normalizeIndexUrl, normalizeJsonApiUrl, resolvePypiIndex } from './config'
import type { ResolvedPypiIndex } from './config'
import type { IndexMatch } from './index-search'
import { nameOnlyMetadata, projectToMetadata, projectToVersions, pypiSourceId, splitKeywords, toReleaseFiles } from './mapping'
import type { MappingContext, PypiReleaseFile } from './mapping'
import { createPypiNameIndex, defaultIndexTtlMs } from './name-index'
import type { PypiIndexInfo, PypiNameIndex } from './name-index'
import { PypiProjectSchema } from './schemas'
import type { PypiProjectData } from './schemas'

export interface PypiRegistryOptions {
  /** Simple index URL. @default pip's configuration (see `resolvePypiIndex`), else `https://pypi.org/simple/` */
  indexUrl?: string
  /** JSON API base (`<base>/<name>/json`). @default beside the index: `.../simple/` → `.../pypi` */
  jsonApiUrl?: string
  /** Where the name index is stored. @default `<tektonPaths(env).cache>/pypi` */
  indexDir?: string
  /** HTTP client for the JSON API. @default `createHttpClient({ cache, fetch })` */
  http?: HttpClient
  /** Cache for JSON API responses (through the default client). @default none */
  cache?: CacheManager
  /** Fetch for the streamed index download (and the default HTTP client). @default globalThis.fetch */
  fetch?: typeof globalThis.fetch
  /** User-Agent of the index download. @default the shared client's */
  userAgent?: string
  /** Environment for pip's configuration and the cache directory. @default process.env */
  env?: NodeJS.ProcessEnv
  /** @default os.homedir() */
  homedir?: string
  /** Whose conventions locate pip's files. @default process.platform */
  platform?: NodeJS.Platform
  /** pip's global configuration files, lowest priority first. @default the platform's (`/etc/pip.conf`, ...) */
  globalConfigFiles?: readonly string[]
  /** Age after which the name index is revalidated in the background. @default 24 h */
  indexTtlMs?: number
  /** Limit for one index download. @default 180 000 */
  indexTimeoutMs?: number
  /** Size cap for the index body, after decompression. @default 128 MiB */
  maxIndexBytes?: number
  /** Wait after a failed index download before trying again. @default 60 000 */
  indexRetryDelayMs?: number
  /** JSON API requests a search runs at once for result details (within the per-host rate limit). @default 16 */
  detailConcurrency?: number
  /**
   * How long a search waits for a name index being built before answering without PyPI (state
   * `unavailable`, code `E_INDEX_BUILDING`) while the build goes on. @default 1000
   */
  indexWaitMs?: number
  now?: () => number
}

/** What `resolveIndex()` tells: the index, its JSON API and where they came from, without credentials. */
export interface PypiIndexDescription extends Omit<ResolvedPypiIndex, 'indexUrl' | 'jsonApiUrl'> {
  indexUrl: string
  jsonApiUrl: string
  /** A URL carried `user:password@` (sent as Basic authentication, never shown). */
  authenticated: boolean
  /** Where the name index is stored. */
  indexDir: string
}

/** The PyPI source, plus the name index and release files an installer needs. */
export interface PypiRegistrySource extends RegistrySource {
  /** The index in use and where it was configured (credentials removed). */
  resolveIndex(): Promise<PypiIndexDescription>
  /**
   * Files of a release with their SHA-256 digests (for `pip install --require-hashes`): of
   * `version`, else of the latest release. `null` when the project or version does not exist.
   */
  getReleaseFiles(id: string, version?: string, context?: RequestContext): Promise<PypiReleaseFile[] | null>
  /** Matches against the name index alone (no JSON API requests), waiting for it to be built when needed. */
  searchIndex(text: string, limit?: number): Promise<{ matches: IndexMatch[]; total: number }>
  /** Revalidates the name index now (downloads it with `force`) and waits for it. */
  refreshIndex(options?: { force?: boolean }): Promise<PypiIndexInfo>
  /** Where the name index stands (age, counts, last error). */
  indexInfo(): Promise<PypiIndexInfo>
  /** Waits for background index work, at most `timeoutMs`: a CLI calls it before exiting so a first build can finish. */
  settle(options?: { timeoutMs?: number }): Promise<void>
  /** Refreshes the name index now (everything again with `full`) and waits for it; rejects when none could be built. */
  sync(context?: RequestContext, options?: SourceSyncOptions): Promise<SourceSyncReport>
  probe(context: RequestContext): Promise<void>
  /** pip's configuration files consulted and the variables that place or override them (`PIP_*`). */
  configuration(): Promise<SourceConfiguration>
}

/** The project `probe` asks for: one that surely does not exist, so any answer is "not found". */
const probeProjectName = 'tekton-mcp-doctor-probe'
/** Variables that decide which pip configuration files exist (see `pipConfigFiles`). */
const pipLocationVariables = ['HOME', 'USERPROFILE', 'VIRTUAL_ENV', 'XDG_CONFIG_HOME', 'XDG_CONFIG_DIRS', 'APPDATA', 'PROGRAMDATA', 'ProgramData']

/** Candidates looked up per result wanted, at most: weak name matches may turn out not to be servers. */
const candidateFactor = 2
/** Share of the time left before a deadline kept for the JSON API requests after the index is ready. */
const detailReserve = 0.2
const maxDetailReserveMs = 1500
/**
 * The JSON API's per-host limit. PyPI serves it from its CDN and documents no request limit for
 * it, asking clients to cache and not to flood it: 20 a second (40 at once after a pause) is a
 * page of details without waiting, and far below what a CDN edge notices.
 */
const jsonApiRateLimit = { requestsPerSecond: 20, burst: 40 }
/** A search waits this long at most for a name index being built (the `indexWaitMs` default). */
const defaultIndexWaitMs = 1000

function checkOptions(options: PypiRegistryOptions): void {
  if (typeof options !== 'object' || options === null) throw new TektonError('E_CONFIG', '[pypi] createPypiRegistry expects an options object')
  if (options.indexUrl !== undefined) normalizeIndexUrl(options.indexUrl, 'the indexUrl option')
  if (options.jsonApiUrl !== undefined) normalizeJsonApiUrl(options.jsonApiUrl, 'the jsonApiUrl option')
  if (options.indexDir !== undefined && (typeof options.indexDir !== 'string' || options.indexDir.trim() === '')) {
    throw new TektonError('E_CONFIG', '[pypi] the indexDir option must be a non-empty path')
  }
  if (options.http !== undefined && typeof options.http.getJson !== 'function') {
    throw new TektonError('E_CONFIG', '[pypi] the http option must be an HttpClient (createHttpClient())')
  }
  for (const name of ['fetch', 'now'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TektonError('E_CONFIG', `[pypi] the ${name} option must be a function`)
  }
  for (const name of ['indexTtlMs', 'indexTimeoutMs', 'maxIndexBytes'] as const) {
    const value = options[name]
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) throw new TektonError('E_CONFIG', `[pypi] the ${name} option must be a positive number, got ${String(value)}`)
  }
  for (const name of ['indexRetryDelayMs', 'indexWaitMs'] as const) {
    const value = options[name]
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
      throw new TektonError('E_CONFIG', `[pypi] the ${name} option must be a number ≥ 0, got ${String(value)}`)
    }
  }
  if (options.detailConcurrency !== undefined && !(Number.isInteger(options.detailConcurrency) && options.detailConcurrency >= 1)) {
    throw new TektonError('E_CONFIG', `[pypi] the detailConcurrency option must be a whole number ≥ 1, got ${String(options.detailConcurrency)}`)
  }
}

/** Validates a project name the way refs do, before it reaches a URL; returns it PEP 503 normalised. */
function projectName(id: string): string {
  const ref = parseRef(`pypi:${id}`)
  if (ref.version !== undefined) {
    throw new TektonError('E_INVALID_REF', `Invalid PyPI project name "${id}": it carries a version`, { hint: 'Pass the project name alone, e.g. mcp-server-fetch' })
  }
  return ref.id
}

/** A version as a URL segment: PEP 440, or at least made of the characters versions use. */
function releaseVersion(version: string): string {
  const trimmed = typeof version === 'string' ? version.trim() : ''
  if (valid(trimmed) === null && !/^[A-Za-z0-9][A-Za-z0-9.+!_-]{0,99}$/.test(trimmed)) {
    throw new TektonError('E_INVALID_REF', `Invalid version ${JSON.stringify(String(version).slice(0, 80))}: not a PEP 440 version`, { hint: 'Write a version as PyPI lists it, e.g. 1.2.0 or 2025.4.7' })
  }
  return trimmed
}

function errorCode(error: unknown): string | undefined {
  return TektonError.isInstance(error) ? error.code : undefined
}

function httpStatusOf(error: unknown): number | undefined {
  return RegistryHttpError.isInstance(error) ? error.status : undefined
}

/** Runs `task` over `items`, at most `concurrency` at a time, results in input order. */
async function mapWithConcurrency<T, R>(items: readonly T[], concurrency: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await task(items[index] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  return results
}

/**
 * Creates the PyPI source. pip's configuration is read on the first request and the name index
 * is loaded or built on the first search, so creating a source costs nothing.
 */
export function createPypiRegistry(options: PypiRegistryOptions = {}): PypiRegistrySource {
  checkOptions(options)
  const env = options.env ?? process.env
  const now = options.now ?? Date.now
  const http = options.http ?? createHttpClient({ rateLimit: jsonApiRateLimit, ...(options.cache ? { cache: options.cache } : {}), ...(options.fetch ? { fetch: options.fetch } : {}) })
  const indexDir = options.indexDir ?? path.join(tektonPaths(env).cache, 'pypi')
  const detailConcurrency = options.detailConcurrency ?? 16
  const indexWaitMs = options.indexWaitMs ?? defaultIndexWaitMs
  let resolving: Promise<ResolvedPypiIndex> | undefined
  let names: PypiNameIndex | undefined

  function index(): Promise<ResolvedPypiIndex> {
    resolving ??= resolvePypiIndex(options).catch((error: unknown) => {
      resolving = undefined // a later call may succeed once the configuration is fixed
      throw error
    })
    return resolving
  }

  async function nameIndex(): Promise<PypiNameIndex> {
    const resolved = await index()
    names ??= createPypiNameIndex({
      indexUrl: resolved.indexUrl,
      directory: indexDir,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
      ...(options.indexTtlMs !== undefined ? { ttlMs: options.indexTtlMs } : {}),
      ...(options.indexTimeoutMs !== undefined ? { timeoutMs: options.indexTimeoutMs } : {}),
      ...(options.maxIndexBytes !== undefined ? { maxBytes: options.maxIndexBytes } : {}),
      ...(options.indexRetryDelayMs !== undefined ? { retryDelayMs: options.indexRetryDelayMs } : {}),
      now,
      source: pypiSourceId,
    })
    return names
  }

  function requestOptions(context: RequestContext) {
    return {
      source: pypiSourceId,
      schema: PypiProjectSchema,
      ...(context.signal ? { signal: context.signal } : {}),
      ...(context.trace ? { trace: context.trace } : {}),
      ...(context.deadline !== undefined ? { deadline: context.deadline } : {}),
    }
  }

  /** `/pypi/<name>/json` (or `/pypi/<name>/<version>/json`), null on 404. `name` may be the registered spelling. */
  async function getDocument(resolved: ResolvedPypiIndex, name: string, version: string | undefined, context: RequestContext): Promise<{ data: PypiProjectData; fromCache: boolean; ageMs: number } | null> {
    const normalized = projectName(name)
    const segment = encodeURIComponent(name)
    const url = version === undefined ? `${resolved.jsonApiUrl}/${segment}/json` : `${resolved.jsonApiUrl}/${segment}/${encodeURIComponent(version)}/json`
    // Keys are written to disk: no credentials. One entry serves metadata, versions and files.
    const apiKey = withoutCredentials(resolved.jsonApiUrl)
    const key = version === undefined ? `pypi:project:${apiKey}:${normalized}` : `pypi:release:${apiKey}:${normalized}:${version}`
    try {
      // Written behind the answer: a page of details arrives at once, and each answer waiting for
      // its turn at the whole-file cache rewrite (lock, write, fsync) made broad searches slow.
      const response = await http.getJson<PypiProjectData>(url, { ...requestOptions(context), cache: { key, kind: 'metadata', writeBehind: true } })
      return { data: response.data, fromCache: response.fromCache, ageMs: response.ageMs }
    } catch (error) {
      if (httpStatusOf(error) === 404) return null
      throw error
    }
  }

  function mappingContext(resolved: ResolvedPypiIndex): MappingContext {
    return { jsonApiUrl: resolved.jsonApiUrl }
  }

  /**
   * Details for the best index matches, in their order, for as many results as can reach the
   * page shown (`shown`); the other strong matches, up to `limit`, are listed by name without a
   * request, so the window of candidates stays the same whichever page is asked for. A weak
   * name match (`mcpi`) is kept only when its metadata says MCP, so it is only kept within the
   * budget; a project gone since the index was built is skipped; a strong match whose document
   * cannot be read is listed by name. Throws when every request failed (the network or a rate
   * limit, not one project), so the status says why.
   */
  async function details(resolved: ResolvedPypiIndex, matches: readonly IndexMatch[], limit: number, shown: number, context: RequestContext): Promise<{ results: ServerMetadata[]; allFromCache: boolean; oldestMs: number; failures: number }> {
    const results: ServerMetadata[] = []
    const errors: unknown[] = []
    const budget = Math.max(1, Math.min(limit, shown))
    let requested = 0
    let allFromCache = true
    let oldestMs = 0
    let cursor = 0
    const maxCandidates = Math.min(matches.length, budget * candidateFactor)
    while (results.length < budget && cursor < maxCandidates) {
      const batch = matches.slice(cursor, Math.min(maxCandidates, cursor + budget - results.length))
      cursor += batch.length
      const answers = await mapWithConcurrency(batch, detailConcurrency, (match) =>
        getDocument(resolved, match.name, undefined, context).then(
          (document) => ({ match, document, error: undefined as unknown }),
          (error: unknown) => ({ match, document: null, error }),
        ),
      )
      for (const { match, document, error } of answers) {
        requested += 1
        if (error !== undefined) {
          if (errorCode(error) === 'E_ABORTED' || context.signal?.aborted) throw error
          errors.push(error)
          allFromCache = false
          if (match.strength === 2 && results.length < limit) results.push(nameOnlyMetadata(match.name, mappingContext(resolved)))
          continue
        }
        if (!document) continue
        allFromCache &&= document.fromCache
        oldestMs = Math.max(oldestMs, document.ageMs)
        const metadata = projectToMetadata(document.data, mappingContext(resolved))
        const { info } = document.data
        const confirmed = metadataReasons({ requiresDist: info.requires_dist ?? undefined, mcpName: info.mcpName ?? undefined, keywords: splitKeywords(info.keywords), summary: info.summary ?? undefined }).length > 0
        if (match.strength === 1 && !confirmed) continue
        if (results.length < limit) results.push(metadata)
      }
    }
    // Beyond the page: strong matches by name only, no request.
    for (const match of matches.slice(cursor)) {
      if (results.length >= limit) break
      if (match.strength === 2) results.push(nameOnlyMetadata(match.name, mappingContext(resolved)))
    }
    if (requested > 0 && errors.length === requested) throw errors[0]
    return { results, allFromCache: allFromCache && requested > 0, oldestMs, failures: errors.length }
  }

  const source: PypiRegistrySource = {
    specVersion: 'v1',
    id: pypiSourceId,
    displayName: 'PyPI',
    refKinds: ['pypi'],

    /**
     * Matches the query against the local name index (built from the Simple API on first use),
     * then reads the best matches' metadata from the JSON API. While the index is being built
     * and cannot be ready before `context.deadline`, answers no results with the state
     * `unavailable` and goes on building, so a later search works. Cursors are not used: the
     * combined registry pages by asking for a larger `limit`.
     */
    async search(query: SearchQuery, context: RequestContext): Promise<SearchPage> {
      const { limit, text } = parseSearchQuery(query, 'pypi')
      const resolved = await index()
      const names = await nameIndex()
      // A search waits a little for an index being built, never the whole build: the build goes
      // on (and `sync` runs it on purpose), the search answers without PyPI meanwhile.
      let waitUntil = now() + indexWaitMs
      if (context.deadline !== undefined) {
        const left = context.deadline - now()
        // Stop waiting for the index early enough to answer "building" (and to fetch details) before the caller's deadline.
        waitUntil = Math.min(waitUntil, context.deadline - Math.min(maxDetailReserveMs, Math.max(0, left) * detailReserve))
      }
      const loaded = await names.get({ waitUntil, ...(context.signal ? { signal: context.signal } : {}) })
      if (!loaded) {
        return {
          results: [],
          // Data only: the front end words it ("its name index is not built yet: sync first").
          sources: [{ source: pypiSourceId, state: 'unavailable', code: 'E_INDEX_BUILDING', needsSync: true }],
        }
      }
      const { matches, total } = names.search(loaded, text)
      const found = await details(resolved, matches, limit, context.shown ?? limit, context)
      const count = found.results.length
      const results: SearchResult[] = found.results.map((server, position) => {
        // The index's order is the relevance, in (0, 1].
        const relevance = (count - position) / count
        return { ref: server.ref, server, score: relevance, signals: { relevance, quality: 0, matched: server.sources[0]?.reasons ?? [] } }
      })
      const indexAgeMs = Math.max(0, now() - loaded.meta.fetchedAt)
      const status: SourceStatus = { source: pypiSourceId, state: 'ok', resultCount: count }
      if (found.allFromCache) {
        status.fromCache = true
        status.ageMs = found.oldestMs
      }
      // An old name index still answers while a fresh one is built in the background.
      if (indexAgeMs >= (options.indexTtlMs ?? defaultIndexTtlMs)) Object.assign(status, { stale: true, staleReason: 'refreshing' })
      if (found.failures > 0) status.message = `details unavailable for ${found.failures} ${found.failures === 1 ? 'project' : 'projects'}`
      return { results, sources: [status], total }
    },

    async getMetadata(id: string, context: RequestContext): Promise<ServerMetadata | null> {
      const name = projectName(id)
      const resolved = await index()
      const document = await getDocument(resolved, name, undefined, context)
      return document && projectToMetadata(document.data, mappingContext(resolved))
    },

    async getVersions(id: string, context: RequestContext): Promise<ServerVersion[] | null> {
      const name = projectName(id)
      const resolved = await index()
      const document = await getDocument(resolved, name, undefined, context)
      return document && projectToVersions(document.data)
    },

    async getReleaseFiles(id: string, version?: string, context: RequestContext = {}): Promise<PypiReleaseFile[] | null> {
      const name = projectName(id)
      const wanted = version === undefined ? undefined : releaseVersion(version)
      const resolved = await index()
      const document = await getDocument(resolved, name, wanted, context)
      if (!document) return null
      const files = wanted === undefined ? (document.data.releases?.[document.data.info.version] ?? document.data.urls ?? []) : (document.data.urls ?? [])
      return toReleaseFiles(files)
    },

    async searchIndex(text: string, limit?: number) {
      const names = await nameIndex()
      const loaded = await names.get()
      // Without a deadline `get` waits for the build, so an index is there or the build threw.
      return names.search(loaded as NonNullable<typeof loaded>, text, limit)
    },

    async refreshIndex(refreshOptions = {}) {
      const names = await nameIndex()
      await names.refresh(refreshOptions)
      return names.info()
    },

    async indexInfo() {
      return (await nameIndex()).info()
    },

    async settle(settleOptions = {}) {
      await names?.settle(settleOptions)
    },

    async sync(_context, syncOptions = {}): Promise<SourceSyncReport> {
      const names = await nameIndex()
      await names.refresh({ force: syncOptions.full === true })
      const info = await names.info()
      if (info.state === 'failed' || info.state === 'missing') {
        throw new TektonError(isErrorCode(info.lastError?.code) ? info.lastError.code : 'E_INDEX_FAILED', info.lastError?.message ?? 'The PyPI name index could not be built', {
          hint: 'Check the network and the index address (PIP_INDEX_URL or pip\'s configuration); searches keep using the last index built',
        })
      }
      return {
        location: info.files.names,
        entries: info.nameCount ?? 0,
        ...(info.projectCount === undefined ? {} : { scanned: info.projectCount }),
        full: syncOptions.full === true,
        syncedAt: info.fetchedAt ?? null,
      }
    },

    async probe(context) {
      // A project no one publishes: "not found" proves the index answers.
      await source.getMetadata(probeProjectName, context)
    },

    async configuration(): Promise<SourceConfiguration> {
      const resolved = await index()
      // pip reads every PIP_<OPTION> (any case) and these to find its files; the key watches them all.
      return { files: [...resolved.consulted], variables: [...pipLocationVariables], variablePrefixes: ['PIP_'] }
    },

    async resolveIndex() {
      const resolved = await index()
      const authenticated = [resolved.indexUrl, resolved.jsonApiUrl].some(hasCredentials)
      return { ...resolved, indexUrl: withoutCredentials(resolved.indexUrl), jsonApiUrl: withoutCredentials(resolved.jsonApiUrl), authenticated, indexDir }
    },
  }
  return source
}
