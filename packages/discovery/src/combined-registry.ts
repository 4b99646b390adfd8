/**
 * Queries every source at once, each under its own timeout and abort signal, and returns what
 * arrived with a status per source: one slow or broken registry never fails or stalls a search.
 */
import { createHash } from 'node:crypto'
import { RegistryHttpError, TektonError, toTektonError, type ErrorCode } from './errors'
import { mergeServers } from './merge'
import { rankServers } from './rank'
import {
  defaultSearchLimit,
  maxSearchLimit,
  type SearchPage,
  type SearchQuery,
  type SearchResult,
  type ServerMetadata,
  type ServerVersion,
  type SourceStatus,
} from './spec/metadata'
import { createRequestTrace, type RegistrySource, type RequestContext, type RequestTrace } from './spec/source'
import { isUnreachableError, type UnreachableSource, type UnreachableSources } from './unreachable-sources'


/** Options of `createCombinedRegistry()`. */
export interface CombinedRegistryOptions {
  sources: RegistrySource[]
  /** Time each source gets per call, in ms. @default 10000 */
  timeoutMs?: number
  now?: () => number
  /**
   * The memory of unreachable sources (see `createUnreachableSources`): a source that could not
   * be reached is skipped at once by the calls of the next minutes. @default none (always asked)
   */
  unreachable?: UnreachableSources
}

/** Per-call options: the caller's abort signal, which fails the whole call. */
export interface CallOptions {
  signal?: AbortSignal
  /** Ask the sources remembered as unreachable too, rather than skipping them. @default false */
  retryUnreachable?: boolean
}

/** The outcome of asking one source: its value (when it answered), its status, and why it failed. */
export interface SourceOutcome<T> {
  value: T | undefined
  status: SourceStatus
  /** The source's own error when it failed, with its code, message, hint and cause. */
  error?: TektonError
}

/**
 * How many matches every source is asked for, on every page of a search. The window must be the
 * same for all pages: a source cuts its list in its own order before we rank it, so asking for
 * more on later pages would change the set being paged through (results repeated or never shown).
 * A search therefore covers each source's top `searchWindow` matches; it equals the largest page.
 */
export const searchWindow = maxSearchLimit

/** The status of a source that answered: fresh, from cache, or stale and why; data only, no sentences. */
function statusFromTrace(source: string, trace: RequestTrace, durationMs: number): SourceStatus {
  const status: SourceStatus = { source, state: 'ok', durationMs }
  if (trace.stale > 0) {
    status.state = 'stale'
    status.fromCache = true
    status.ageMs = trace.oldestAgeMs ?? 0
    status.stale = true
    status.staleReason = trace.staleReason ?? (trace.staleBecause === undefined ? 'refreshing' : 'failed')
    if (trace.staleCode !== undefined) status.code = trace.staleCode
    if (trace.staleBecause !== undefined) status.message = trace.staleBecause
  } else if (trace.cached > 0 && trace.network === 0) {
    status.fromCache = true
    status.ageMs = trace.oldestAgeMs ?? 0
  }
  return status
}

/** The status of a source that failed: its state, code and the error's own message. */
export function statusFromError(source: string, error: unknown, durationMs: number): SourceStatus {
  const failure = toTektonError(error, 'E_SOURCE_FAILED')
  const status: SourceStatus = { source, state: 'error', code: failure.code, message: failure.message, durationMs }
  if (failure.code === 'E_TIMEOUT') status.state = 'timeout'
  if (failure.code === 'E_RATE_LIMITED') {
    status.state = 'rate-limited'
    const retryAt = RegistryHttpError.isInstance(failure) ? failure.retryAt : undefined
    if (retryAt) status.retryAt = new Date(retryAt).toISOString()
  }
  if (failure.code === 'E_SEARCH_UNSUPPORTED') status.state = 'unavailable'
  return status
}

/**
 * The outcome of a source skipped because it could not be reached a moment ago: its last
 * failure, when that was, and when it will be asked again. No time is spent on it.
 */
function skippedOutcome<T>(source: RegistrySource, remembered: UnreachableSource, skipForMs: number): SourceOutcome<T> {
  const lastTriedAt = new Date(remembered.lastTriedAt).toISOString()
  const retryAt = new Date(remembered.lastTriedAt + skipForMs).toISOString()
  const status: SourceStatus = { source: source.id, state: 'skipped', code: remembered.code, message: remembered.message, lastTriedAt, retryAt, durationMs: 0 }
  const error = new TektonError(remembered.code as ErrorCode, `${source.displayName} was skipped: it could not be reached at ${lastTriedAt} (${remembered.message})`, {
    hint: `Check the network; the source is asked again after ${retryAt}, or at once: ask again with a refresh`,
  })
  return { value: undefined, status, error }
}

/**
 * What a call taught about reachability: a failure that never reached the host is remembered,
 * any answer (an HTTP error included) proves the source reachable. A stale answer served because
 * the network failed teaches nothing: skipping its source would hide the cached results it gives.
 */
function reachabilityOf(outcome: SourceOutcome<unknown>, startedAt: number): { unreachable?: UnreachableSource; reached?: true } {
  if (outcome.status.state === 'skipped') return {}
  if (outcome.value !== undefined) return outcome.status.staleReason === 'unreachable' ? {} : { reached: true }
  if (outcome.error && isUnreachableError(outcome.error)) {
    return { unreachable: { lastTriedAt: startedAt, code: outcome.error.code, message: outcome.error.message } }
  }
  return { reached: true }
}

/**
 * Runs `call` against one source under its own deadline. The deadline aborts the source's
 * requests through the signal and, should a source ignore the signal, stops waiting for it.
 */
async function callSource<T>(
  source: RegistrySource,
  timeoutMs: number,
  options: CallOptions,
  now: () => number,
  call: (context: RequestContext) => Promise<T>,
): Promise<SourceOutcome<T>> {
  const started = now()
  const trace = createRequestTrace()
  const deadline = new AbortController()
  const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal
  // Told to the source so that a wait it cannot finish in time (a long Retry-After) fails at once
  // with its real reason, rather than being cut off here as a timeout.
  const context: RequestContext = { signal, trace, deadline: started + timeoutMs }
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new TektonError('E_TIMEOUT', `${source.displayName} did not answer within ${timeoutMs} ms`, {
        hint: 'The source is slow or unreachable; try again, or raise the timeout.',
      })
      deadline.abort(error)
      reject(error)
    }, timeoutMs)
  })
  try {
    const value = await Promise.race([call(context), timedOut])
    return { value, status: statusFromTrace(source.id, trace, now() - started) }
  } catch (error) {
    if (options.signal?.aborted) throw toTektonError(options.signal.reason ?? error, 'E_ABORTED')
    const failure = toTektonError(error, 'E_SOURCE_FAILED')
    return { value: undefined, status: statusFromError(source.id, failure, now() - started), error: failure }
  } finally {
    clearTimeout(timer)
  }
}

/**
 * What a source that answered "ok" adds to the status built from its trace: that its local copy
 * is old (and why), or that it needs a sync. Its own `fromCache` and `ageMs` are already in the
 * trace, which also counts the requests the status would otherwise miss.
 */
function ownFlags(own: SourceStatus | undefined): Partial<SourceStatus> {
  if (!own) return {}
  const flags: Partial<SourceStatus> = {}
  if (own.stale !== undefined) flags.stale = own.stale
  if (own.staleReason !== undefined) flags.staleReason = own.staleReason
  if (own.needsSync !== undefined) flags.needsSync = own.needsSync
  return flags
}

interface Cursor {
  offset: number
  query: string
}

function queryFingerprint(query: SearchQuery): string {
  return createHash('sha256').update(JSON.stringify([query.text, query.filters ?? {}])).digest('base64url').slice(0, 12)
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url')
}

function decodeCursor(value: string, query: SearchQuery): Cursor {
  try {
    const cursor = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Cursor>
    if (typeof cursor.offset === 'number' && Number.isInteger(cursor.offset) && cursor.offset >= 0 && cursor.query === queryFingerprint(query)) {
      return { offset: cursor.offset, query: cursor.query }
    }
  } catch {
    // fall through to the error below
  }
  throw new TektonError('E_INVALID_QUERY', 'The cursor does not belong to this search', {
    hint: 'Pass the nextCursor of a page of the same search, with the same text and filters.',
  })
}

/** Registry types people type for the same thing: `docker` images are `oci` packages in server.json. */
const registryTypeAliases: Record<string, string> = { docker: 'oci' }

/**
 * Whether a server passes the cross-source filters of a query. Applied after merging, so a
 * server matches when any of its install options does: `registryTypes` looks at every package
 * (a remote counts as `remote`), `transports` at every package and remote.
 */
export function matchesFilters(server: ServerMetadata, query: SearchQuery): boolean {
  const filters = query.filters
  if (!filters) return true
  if (filters.registryTypes?.length) {
    const wanted = new Set(filters.registryTypes.map((type) => registryTypeAliases[type.toLowerCase()] ?? type.toLowerCase()))
    const offered = new Set(server.packages.map((pkg) => registryTypeAliases[pkg.registryType.toLowerCase()] ?? pkg.registryType.toLowerCase()))
    if (server.remotes.length > 0) offered.add('remote')
    if (![...wanted].some((type) => offered.has(type))) return false
  }
  if (filters.transports?.length) {
    const offered = new Set([...server.packages.map((pkg) => pkg.transport.type), ...server.remotes.map((remote) => remote.type)])
    if (!filters.transports.some((transport) => offered.has(transport))) return false
  }
  if (filters.capabilities?.length) {
    const wanted = filters.capabilities.map((capability) => capability.toLowerCase())
    const offered = new Set([
      ...server.capabilities.flatMap((capability) => [capability.kind, capability.name ?? ''].map((value) => value.toLowerCase())),
      ...server.keywords.map((keyword) => keyword.toLowerCase()),
    ])
    if (!wanted.some((capability) => offered.has(capability))) return false
  }
  if (filters.verifiedOnly && !server.verified.some((fact) => fact.verified)) return false
  return true
}

/**
 * Merges what the sources found (one result per server, see merge.ts), ranks the merged
 * candidates together, then applies the filters. Ranking before filtering keeps a result's
 * score the same with or without filters; ties go to the ref, so the order is total.
 */
export function mergeAndRank(found: readonly SearchResult[], query: SearchQuery, options: { now?: number } = {}): SearchResult[] {
  const merged = mergeServers(found.map((result) => result.server))
  const ranks = rankServers(query.text, merged.map((entry) => entry.server), options)
  return merged
    .map((entry, index): SearchResult => ({
      ref: entry.server.ref,
      server: entry.server,
      ...(ranks[index] as { score: number; signals: NonNullable<SearchResult['signals']> }),
      ...(entry.refs.length > 1 ? { mergedRefs: entry.refs } : {}),
    }))
    .filter((result) => matchesFilters(result.server, query))
    .sort((a, b) => b.score - a.score || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
}

/** Every configured source behind one search, each call with a status per source. */
export interface CombinedRegistry {
  readonly sources: readonly RegistrySource[]
  search(query: SearchQuery, options?: CallOptions): Promise<SearchPage>
  getMetadata(source: RegistrySource, id: string, options?: CallOptions): Promise<SourceOutcome<ServerMetadata | null>>
  getVersions(source: RegistrySource, id: string, options?: CallOptions): Promise<SourceOutcome<ServerVersion[] | null>>
}

/** Creates a combined registry; the sources are checked up front (at least one, unique ids, spec v1). */
export function createCombinedRegistry(options: CombinedRegistryOptions): CombinedRegistry {
  if (!Array.isArray(options.sources) || options.sources.length === 0) {
    throw new TektonError('E_CONFIG', 'A combined registry needs at least one source', { hint: 'Pass sources: [createNpmRegistry(), ...]' })
  }
  const ids = new Set<string>()
  for (const source of options.sources) {
    if (source.specVersion !== 'v1') throw new TektonError('E_CONFIG', `Source ${source.id} implements spec ${String(source.specVersion)}, not v1`)
    if (ids.has(source.id)) throw new TektonError('E_CONFIG', `Two sources share the id "${source.id}"`)
    ids.add(source.id)
  }
  const timeoutMs = options.timeoutMs ?? 10_000
  const now = options.now ?? Date.now
  const sources = options.sources
  const memory = options.unreachable

  /**
   * Calls each source under its deadline, except those the memory says could not be reached a
   * moment ago (unless the caller asks to retry them), then tells the memory what was learnt.
   */
  async function callSources<T>(
    selected: readonly RegistrySource[],
    callOptions: CallOptions,
    call: (source: RegistrySource, context: RequestContext) => Promise<T>,
  ): Promise<Array<SourceOutcome<T>>> {
    const remembered = memory && !callOptions.retryUnreachable ? await memory.recall() : new Map<string, UnreachableSource>()
    const startedAt = now()
    const outcomes = await Promise.all(
      selected.map((source) => {
        const skipped = remembered.get(source.id)
        if (skipped && memory) return skippedOutcome<T>(source, skipped, memory.skipForMs)
        return callSource(source, timeoutMs, callOptions, now, (context) => call(source, context))
      }),
    )
    if (memory) {
      const unreachable = new Map<string, UnreachableSource>()
      const reached: string[] = []
      outcomes.forEach((outcome, index) => {
        const id = (selected[index] as RegistrySource).id
        const learnt = reachabilityOf(outcome, startedAt)
        if (learnt.unreachable) unreachable.set(id, learnt.unreachable)
        if (learnt.reached) reached.push(id)
      })
      // Not waited for: a search must not pay the file's fsyncs. The memory runs its updates in
      // order and its next recall waits for this one; the front end settles it before exiting.
      void memory.update({ unreachable, reached }).catch(() => undefined)
    }
    return outcomes
  }

  return {
    sources,

    async search(query, callOptions = {}) {
      const limit = query.limit ?? defaultSearchLimit
      const offset = query.cursor ? decodeCursor(query.cursor, query).offset : 0
      const wanted = query.filters?.sources
      const selected = wanted?.length ? sources.filter((source) => wanted.includes(source.id)) : sources
      const unknown = wanted?.filter((id) => !ids.has(id)) ?? []
      if (unknown.length) {
        throw new TektonError('E_UNKNOWN_SOURCE', `Unknown source ${unknown.map((id) => `"${id}"`).join(', ')}`, {
          hint: `Configured sources: ${[...ids].join(', ')}`,
        })
      }
      const sourceQuery: SearchQuery = { text: query.text, limit: searchWindow, ...(query.filters ? { filters: query.filters } : {}) }
      const outcomes = await callSources(selected, callOptions, (source, context) => source.search(sourceQuery, { ...context, shown: offset + limit }))
      const statuses: SourceStatus[] = []
      const found: SearchResult[] = []
      outcomes.forEach((outcome, index) => {
        const source = selected[index] as RegistrySource
        // A source's own status (e.g. "search unsupported") is more precise than "ok".
        const own = outcome.value?.sources.find((status) => status.source === source.id)
        const status: SourceStatus = own && own.state !== 'ok' ? { ...outcome.status, ...own, durationMs: outcome.status.durationMs } : { ...outcome.status, ...ownFlags(own) }
        const results = outcome.value?.results ?? []
        status.resultCount = results.length
        statuses.push(status)
        found.push(...results)
      })
      const ranked = mergeAndRank(found, query, { now: now() })
      const page: SearchPage = { results: ranked.slice(offset, offset + limit), sources: statuses }
      // Only what the window holds is paged through: every page ranks the same set.
      if (ranked.length > offset + limit) {
        page.nextCursor = encodeCursor({ offset: offset + limit, query: queryFingerprint(query) })
      }
      return page
    },

    async getMetadata(source, id, callOptions = {}) {
      const [outcome] = await callSources([source], callOptions, (asked, context) => asked.getMetadata(id, context))
      return outcome as SourceOutcome<ServerMetadata | null>
    },

    async getVersions(source, id, callOptions = {}) {
      const [outcome] = await callSources([source], callOptions, (asked, context) => asked.getVersions(id, context))
      return outcome as SourceOutcome<ServerVersion[] | null>
    },
  }
}
