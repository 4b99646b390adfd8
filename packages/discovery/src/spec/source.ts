/**
 * The contract every registry source implements (npm, PyPI, GitHub, the official MCP Registry, ...).
 * Sources are factories (`createNpmRegistry(options)`) returning a plain object; all I/O is
 * injected through their options. A change here is a breaking change for every source.
 */
import type { RefKind } from '../refs'
import type { SearchPage, SearchQuery, ServerMetadata, ServerVersion, StaleReason } from './metadata'

/**
 * What a request observed, filled in by the HTTP client as it works: how many requests went to
 * the network and how many answers came from cache (and how old). The combined registry turns it
 * into a per-source status (`fromCache`, `ageMs`, `stale`, `staleReason`).
 */
export interface RequestTrace {
  /** Requests sent over the network (retries included). */
  network: number
  /** Answers served from cache without a request (fresh or stale). */
  cached: number
  /** Answers served from cache after their freshness ran out (stale-while-revalidate or offline). */
  stale: number
  /** Age in ms of the oldest cached answer used. */
  oldestAgeMs?: number
  /** The message of the error that made a stale answer necessary, when one did. */
  staleBecause?: string
  /** Why a stale answer was served; without it, `staleBecause` means `failed` and its absence `refreshing`. */
  staleReason?: StaleReason
  /** The code of the error that made a stale answer necessary, when one did. */
  staleCode?: string
}

export function createRequestTrace(): RequestTrace {
  return { network: 0, cached: 0, stale: 0 }
}

/** Per-call context: cancellation, an optional trace, and when the caller stops waiting. */
export interface RequestContext {
  signal?: AbortSignal
  trace?: RequestTrace
  /**
   * When the caller gives up on this call (epoch ms), if it does. Pass it to the HTTP client
   * (`deadline`) so a wait that cannot end in time fails at once with its real reason (e.g.
   * rate limited until a given time) instead of being cut off as a timeout.
   */
  deadline?: number
  /**
   * For a search: how many results the caller shows at most (the end of the page asked for).
   * The window of candidates every source is asked for is larger (see `searchWindow`); a source
   * that pays a request per candidate's details (PyPI) fetches them only for the candidates that
   * can reach the page, and lists the others by name. @default the query's limit
   */
  shown?: number
}

export interface RegistrySource {
  readonly specVersion: 'v1'
  /** Stable id used in refs' sources, statuses and `--source`: `npm`, `pypi`, `github`, `registry`. */
  readonly id: string
  /** A name for people: "npm registry", "PyPI". */
  readonly displayName: string
  /** Ref kinds whose ids this source resolves (`npm:` refs go to the source that lists `npm`). */
  readonly refKinds: readonly RefKind[]
  /**
   * Searches the source. Returns this source's matches (each `ref` unique) and exactly one status
   * for itself; a source that cannot search (e.g. a mirror without a search endpoint) returns no
   * results with state `unavailable`, rather than throwing.
   */
  search(query: SearchQuery, context: RequestContext): Promise<SearchPage>
  /** Metadata for an id of one of `refKinds` (without the `kind:` prefix); null when not found. */
  getMetadata(id: string, context: RequestContext): Promise<ServerMetadata | null>
  /** Every version, newest first; null when not found. */
  getVersions(id: string, context: RequestContext): Promise<ServerVersion[] | null>

  // Optional capabilities. A front end asks for them by presence, never by a source's id or
  // concrete type, so a new source gets `sync`, `doctor` and the answer cache by implementing them.

  /**
   * Brings a local catalogue up to date (the official registry's servers, PyPI's name index), so
   * searches answer from it and keep answering offline. Sources that search live omit it.
   */
  sync?(context?: RequestContext, options?: SourceSyncOptions): Promise<SourceSyncReport>
  /**
   * Waits, at most `timeoutMs`, for background work this source started (a catalogue sync, an
   * index build). A short-lived process calls it before exiting; work cut short costs a request
   * next time, nothing else.
   */
  settle?(options: { timeoutMs: number }): Promise<void>
  /**
   * The cheapest request that proves the source answers (`doctor`). Resolves when it answered,
   * even with "not found"; rejects with the reason when it did not.
   */
  probe?(context: RequestContext): Promise<void>
  /**
   * What this source's answers depend on besides the query: the configuration files it consulted
   * (present or not) and the environment variables it read. A cache of whole answers (the CLI's)
   * is valid only while all of these are unchanged.
   */
  configuration?(): Promise<SourceConfiguration>
}

/** Options of `RegistrySource.sync`. */
export interface SourceSyncOptions {
  /** Fetch everything again instead of only what changed since the last sync. */
  full?: boolean
}

/** What a sync left behind. */
export interface SourceSyncReport {
  /** The local catalogue file. */
  location: string
  /** Entries the catalogue holds now. */
  entries: number
  /** Entries looked at to choose them, when the source keeps only some (PyPI: every project). */
  scanned?: number
  /** What changed, when the source can tell. */
  changes?: { added: number; updated: number; removed: number }
  /** Everything was fetched again (first sync, or `full`). */
  full: boolean
  /** When the catalogue's data was fetched (ISO 8601); null when unknown. */
  syncedAt: string | null
}

/** What `RegistrySource.configuration` declares. */
export interface SourceConfiguration {
  /** Absolute paths of configuration files consulted, present or not. */
  files: string[]
  /** Names of environment variables read (by exact name). */
  variables: string[]
  /**
   * Prefixes of environment variables read, compared without regard to case (`npm_config_`,
   * `PIP_`): any variable starting with one may change an answer.
   */
  variablePrefixes?: string[]
}
