/**
 * MCPDiscoveryService: the entry point the CLI, the API and Ergon use to find servers
 * (`search`), inspect one (`getServerMetadata`) and list its versions (`getServerVersions`).
 */
import { createCombinedRegistry, type CombinedRegistry, type SourceOutcome } from './combined-registry'
import { lookupMergedMetadata } from './related-servers'
import { TektonError } from './errors'
import { isErrorCode } from './error-catalog'
import { formatRef, looksLikeRef, parseRef, tryParseRef, type ServerRef } from './refs'
import {
  SearchQuerySchema,
  type SearchPage,
  type SearchQuery,
  type ServerMetadata,
  type ServerVersion,
  type SourceStatus,
} from './spec/metadata'
import type { RegistrySource } from './spec/source'
import type { CacheManager } from './cache/types'
import type { UnreachableSources } from './unreachable-sources'

/** Options of `new MCPDiscoveryService()`. */
export interface MCPDiscoveryServiceOptions {
  /** The registries to search, e.g. `[createNpmRegistry()]`. */
  sources: RegistrySource[]
  /** The cache the sources share, kept so callers can inspect or clear it. */
  cache?: CacheManager
  /** Time each source gets per call, in ms. @default 10000 */
  timeoutMs?: number
  now?: () => number
  /**
   * The memory of unreachable sources, e.g. `createUnreachableSources({ file })`: a source that
   * could not be reached is skipped at once for a few minutes. @default none (always asked)
   */
  unreachable?: UnreachableSources
}

/** Options of `search()`. */
export interface SearchOptions {
  signal?: AbortSignal
  /** Ask the sources remembered as unreachable too, rather than skipping them. @default false */
  retryUnreachable?: boolean
}

/** Options of a single lookup (`getServerMetadata`, `getServerVersions`). */
export interface LookupOptions {
  /** Ask this source (by id) rather than the one the ref's kind maps to. */
  source?: string
  signal?: AbortSignal
  /** Ask the sources remembered as unreachable too, rather than skipping them. @default false */
  retryUnreachable?: boolean
  /** Told how each source answered (from cache, stale, failed), for notes under the output. */
  onSourceStatus?: (status: SourceStatus) => void
}

/** A server described for a card: its metadata merged across sources, its versions, and how each source answered. */
export interface ServerDescription {
  server: ServerMetadata
  /** The versions of the ref the server was found under, newest first. */
  versions: ServerVersion[]
  /** One status per source asked, the least healthy when a source was asked several times. */
  sources: SourceStatus[]
}

/** The versions of a server and how each source answered. */
export interface ServerVersionList {
  versions: ServerVersion[]
  sources: SourceStatus[]
}

/** How bad a state is, to keep the worst one when a source was asked several times. */
const stateSeverity: Record<SourceStatus['state'], number> = { ok: 0, unavailable: 1, stale: 2, skipped: 3, 'rate-limited': 4, timeout: 4, error: 4 }

/**
 * Merges the statuses of several calls into one per source (in the order sources first appear):
 * the least healthy wins, so a source that answered the search but failed the metadata lookup
 * reports its failure; among equals the first is kept.
 */
export function mergeSourceStatuses(statuses: readonly SourceStatus[]): SourceStatus[] {
  const bySource = new Map<string, SourceStatus>()
  for (const status of statuses) {
    const previous = bySource.get(status.source)
    if (!previous || stateSeverity[status.state] > stateSeverity[previous.state]) bySource.set(status.source, status)
  }
  return [...bySource.values()]
}

/** Turns zod issues into one readable sentence with dotted paths. */
function describeIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  return issues.map((issue) => (issue.path.length ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message)).join('; ')
}

/** Finds servers across every configured source and describes one (metadata, versions). */
export class MCPDiscoveryService {
  readonly registry: CombinedRegistry
  readonly cache: CacheManager | undefined

  constructor(options: MCPDiscoveryServiceOptions) {
    this.registry = createCombinedRegistry(options)
    this.cache = options.cache
  }

  /** The configured sources. */
  get sources(): readonly RegistrySource[] {
    return this.registry.sources
  }

  /**
   * Searches every source at once. Results are ranked best first; `sources` says how each
   * source answered. Throws only for a bad query (`E_INVALID_QUERY`), an unknown source in
   * `filters.sources` (`E_UNKNOWN_SOURCE`) or the caller's abort, never because a source failed.
   * A search covers each source's top `searchWindow` (100) matches.
   */
  async search(query: SearchQuery | string, options: SearchOptions = {}): Promise<SearchPage> {
    const parsed = SearchQuerySchema.safeParse(typeof query === 'string' ? { text: query } : query)
    if (!parsed.success) {
      throw new TektonError('E_INVALID_QUERY', `Invalid search: ${describeIssues(parsed.error.issues)}`, {
        hint: 'A search is up to 200 characters of plain text (no control characters) with optional filters and a limit of 1 to 100.',
      })
    }
    return this.registry.search(parsed.data, options)
  }

  /**
   * Metadata for a ref (`npm:name`) or a bare name resolved by search. Throws E_NOT_FOUND, and
   * E_INVALID_REF for a ref with a version: metadata describes the whole server.
   */
  async getServerMetadata(reference: string, options: LookupOptions = {}): Promise<ServerMetadata> {
    const { source, ref } = await this.resolve(reference, options)
    const outcome = await this.registry.getMetadata(source, ref.id, options)
    return this.unwrap(outcome, ref, options)
  }

  /**
   * Metadata for a ref or bare name, completed with what the other sources know about the same
   * server: its official registry entry (by name or claim), the packages that entry lists, and
   * its GitHub repository, asked in parallel, each source on its own deadline. The result lists
   * every source that knows the server and every install option, with name claims checked
   * against the registry; it keeps the ref asked for. Only the first lookup can fail the call
   * (as in `getServerMetadata`); the others report their status through `onSourceStatus`.
   */
  async getMergedServerMetadata(reference: string, options: LookupOptions = {}): Promise<ServerMetadata> {
    const primary = await this.getServerMetadata(reference, options)
    return lookupMergedMetadata(this.registry, primary, options)
  }

  /**
   * A server's card: its merged metadata (`getMergedServerMetadata`) and the versions of the ref
   * it was found under, with one status per source asked. A full ref is looked up in parallel; a
   * bare name is resolved once (by search), then its ref reused. Fails only when the server's own
   * source cannot answer; any other source's failure is in `sources`.
   */
  async describeServer(reference: string, options: LookupOptions = {}): Promise<ServerDescription> {
    const statuses: SourceStatus[] = []
    const lookup: LookupOptions = {
      ...options,
      onSourceStatus: (status) => {
        statuses.push(status)
        options.onSourceStatus?.(status)
      },
    }
    const [server, versions] = looksLikeRef(reference)
      ? await Promise.all([this.getMergedServerMetadata(reference, lookup), this.getServerVersions(reference, lookup)])
      : await this.getMergedServerMetadata(reference, lookup).then(async (found) => [found, await this.getServerVersions(found.ref, lookup)] as const)
    return { server, versions, sources: mergeSourceStatuses(statuses) }
  }

  /** Every version of a server, newest first, with how each source answered (see `getServerVersions`). */
  async listServerVersions(reference: string, options: LookupOptions = {}): Promise<ServerVersionList> {
    const statuses: SourceStatus[] = []
    const versions = await this.getServerVersions(reference, {
      ...options,
      onSourceStatus: (status) => {
        statuses.push(status)
        options.onSourceStatus?.(status)
      },
    })
    return { versions, sources: mergeSourceStatuses(statuses) }
  }

  /** Every version of a server, newest first. Throws E_NOT_FOUND, and E_INVALID_REF for a ref with a version. */
  async getServerVersions(reference: string, options: LookupOptions = {}): Promise<ServerVersion[]> {
    const { source, ref } = await this.resolve(reference, options)
    const outcome = await this.registry.getVersions(source, ref.id, options)
    return this.unwrap(outcome, ref, options)
  }

  private unwrap<T>(outcome: SourceOutcome<T | null>, ref: ServerRef, options: LookupOptions): T {
    options.onSourceStatus?.(outcome.status)
    if (outcome.value === undefined) throw failureOf(outcome)
    if (outcome.value === null) {
      throw new TektonError('E_NOT_FOUND', `No server ${formatRef(ref, { withVersion: false })} on ${outcome.status.source}`, {
        hint: `Check the spelling, or search for ${ref.id.split('/').pop() ?? ref.id} to find its full reference`,
      })
    }
    return outcome.value
  }

  /** Picks the source for a ref, or resolves a bare name through search. */
  private async resolve(reference: string, options: LookupOptions): Promise<{ source: RegistrySource; ref: ServerRef }> {
    const ref = looksLikeRef(reference) ? parseRef(reference) : await this.resolveBareName(reference, options)
    if (ref.version !== undefined) {
      // Answering with the latest instead would look like an answer about the version asked for.
      throw new TektonError('E_INVALID_REF', `${formatRef(ref)} names version ${ref.version}; use ${formatRef(ref, { withVersion: false })}`, {
        hint: "A server's description and version list cover every version: drop @<version>",
      })
    }
    const candidates = options.source
      ? this.sources.filter((source) => source.id === options.source)
      : this.sources.filter((source) => source.refKinds.includes(ref.kind))
    const source = candidates[0]
    if (!source) {
      const configured = this.sources.map((known) => known.id).join(', ')
      throw new TektonError(
        'E_UNKNOWN_SOURCE',
        options.source ? `No source "${options.source}" is configured` : `No configured source resolves ${ref.kind}: refs`,
        { hint: `Configured sources: ${configured}` },
      )
    }
    return { source, ref }
  }

  private async resolveBareName(name: string, options: LookupOptions): Promise<ServerRef> {
    // Validate as an npm-style name first so junk never reaches a search.
    if (!/^[@a-zA-Z0-9][a-zA-Z0-9._~/@-]{0,213}$/.test(name.trim())) parseRef(name.includes(':') ? name : `npm:${name}`)
    const wanted = name.trim().toLowerCase()
    const page = await this.search({ text: wanted, limit: 50 }, options)
    for (const status of page.sources) options.onSourceStatus?.(status)
    const exact = page.results.filter((result) => {
      // A merged result is named after its official name: its packages' names count too.
      const names = [result.server.name, result.server.registryName ?? '', ...result.server.packages.map((pkg) => pkg.identifier)].map((value) => value.toLowerCase())
      return names.some((candidate) => candidate === wanted || candidate.endsWith(`/${wanted}`))
    })
    const [first] = exact
    if (first && exact.length === 1) return parseRef(first.ref)
    if (exact.length > 1) {
      throw new TektonError('E_AMBIGUOUS_REF', `"${name}" matches ${exact.length} servers: ${exact.map((result) => result.ref).join(', ')}`, {
        hint: 'Pass one of them as a full reference.',
      })
    }
    const unsearchable = page.sources.filter((status) => status.state === 'unavailable').map((status) => status.source)
    if (unsearchable.length === 0) {
      throw new TektonError('E_NOT_FOUND', `No server named "${name}" was found`, {
        hint: `Search for ${name}, then pass the full reference of the one you mean, such as npm:<name>`,
      })
    }
    // A source that cannot search (a mirror without a search endpoint) may still have the server
    // under exactly that name, so ask each source for it directly before giving up.
    return this.probeBareName(name.trim(), unsearchable, options)
  }

  /** Asks every source for `name` as an id of each of its ref kinds; the first that has it wins. */
  private async probeBareName(name: string, unsearchable: string[], options: LookupOptions): Promise<ServerRef> {
    const sources = options.source ? this.sources.filter((source) => source.id === options.source) : this.sources
    let failure: TektonError | undefined
    const unasked: string[] = []
    const tried: string[] = []
    for (const source of sources) {
      for (const kind of source.refKinds) {
        const ref = tryParseRef(`${kind}:${name}`)
        if (!ref || ref.version !== undefined) continue
        const outcome = await this.registry.getMetadata(source, ref.id, options)
        if (outcome.value) return ref
        if (outcome.value === undefined) {
          failure ??= failureOf(outcome)
          unasked.push(`${source.id} (${outcome.status.code ?? outcome.status.state})`)
        } else {
          tried.push(formatRef(ref))
        }
      }
    }
    // "Not found" would be wrong when no source could be asked: say why none could.
    if (failure && tried.length === 0) throw failure
    const example = tried[0] ?? `npm:${name}`
    const notAsked = unasked.length > 0 ? `; could not ask ${unasked.join(', ')}` : ''
    throw new TektonError('E_NOT_FOUND', `No server named "${name}" was found (${unsearchable.join(', ')} cannot search; tried ${tried.join(', ')}${notAsked})`, {
      hint: `Pass a full reference such as ${example}, or search a source that supports it.`,
    })
  }
}

/**
 * The error a failed source call is reported with: the source's own error (its code, message,
 * hint and cause), given a general hint only when it has none of its own.
 */
function failureOf(outcome: SourceOutcome<unknown>): TektonError {
  const { status } = outcome
  const error = outcome.error ?? new TektonError(isErrorCode(status.code) ? status.code : 'E_SOURCE_FAILED', status.message ?? `${status.source} failed`)
  if (error.hint === undefined) {
    const hint = status.state === 'timeout' ? 'Try again, or raise the timeout.' : 'Check the registry URL and your connection.'
    // Set in place rather than wrapped, so the error keeps its class and data (status, retryAt).
    Object.defineProperty(error, 'hint', { value: hint, enumerable: true, configurable: true, writable: false })
  }
  return error
}
