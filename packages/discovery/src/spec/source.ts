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
}
