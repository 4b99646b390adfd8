/**
 * Search and lookups as a front end answers them: one page with a status per source, the
 * rule that a search every source failed is a failure (not "nothing found"), and a server's card
 * (metadata, versions and how each source answered) in one call.
 */
import { TektonError, isErrorCode, looksLikeRef } from '@tekton/mcp-discovery'
import type { SearchQuery, SearchResult, ServerMetadata, ServerVersion, SourceStatus } from '@tekton/mcp-discovery'
import type { TektonMcpCore } from '../tekton-mcp'

/** One page of a search. */
export interface SearchAnswer {
  /** Best first. */
  results: SearchResult[]
  /** One status per source asked. */
  sources: SourceStatus[]
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null
}

/** A server's card. */
export interface ServerDescription {
  /** Merged from every source that knows the server. */
  server: ServerMetadata
  /** Every version of the ref asked for (or found), newest first. */
  versions: ServerVersion[]
  /** How each source asked answered; the least healthy answer per source. */
  sources: SourceStatus[]
}

/** The versions of one server. */
export interface VersionList {
  /** The ref asked about, as given. */
  ref: string
  /** Every version, newest first. */
  versions: ServerVersion[]
  sources: SourceStatus[]
}

/** States in which a source gave no answer at all. */
const failedStates = new Set<SourceStatus['state']>(['error', 'timeout', 'rate-limited'])

/**
 * One page of results. When no source answered (every one failed outright, none skipped) it
 * rejects with the first failure's code, because "nothing found" would be a lie.
 */
export async function search(core: TektonMcpCore, query: SearchQuery): Promise<SearchAnswer> {
  const page = await core.discovery().search(query)
  const asked = page.sources.filter((status) => status.state !== 'skipped')
  const first = asked[0]
  if (page.results.length === 0 && first && asked.every((status) => failedStates.has(status.state))) {
    const message = first.message ?? first.state
    // Source errors usually name their source already ("[npm] GET ... failed").
    const named = message.toLowerCase().startsWith(`[${first.source}]`) ? message : `${first.source}: ${message}`
    throw new TektonError(isErrorCode(first.code) ? first.code : 'E_SOURCE_FAILED', named, {
      hint:
        first.state === 'rate-limited'
          ? 'Wait and try again, or search other sources'
          : 'Check the network and the registries\' addresses; cached results are used when there are any',
    })
  }
  return { results: page.results, sources: page.sources, nextCursor: page.nextCursor ?? null }
}

/**
 * A server's metadata merged across sources, with its versions. A full ref is fetched in
 * parallel; a bare name is resolved once (by search), then its versions are those of the ref found.
 */
export async function describe(core: TektonMcpCore, ref: string, options: { signal?: AbortSignal } = {}): Promise<ServerDescription> {
  const service = core.discovery()
  const statuses: SourceStatus[] = []
  const lookup = { onSourceStatus: (status: SourceStatus) => void statuses.push(status), ...(options.signal ? { signal: options.signal } : {}) }
  const [server, versions] = looksLikeRef(ref)
    ? await Promise.all([service.getMergedServerMetadata(ref, lookup), service.getServerVersions(ref, lookup)])
    : await service.getMergedServerMetadata(ref, lookup).then(async (found) => [found, await service.getServerVersions(found.ref, lookup)] as const)
  return { server, versions, sources: mergeStatuses(statuses) }
}

/** Every version of `ref` (or of the server a bare name finds), newest first. */
export async function listVersions(core: TektonMcpCore, ref: string, options: { signal?: AbortSignal } = {}): Promise<VersionList> {
  const statuses: SourceStatus[] = []
  const versions = await core.discovery().getServerVersions(ref, {
    onSourceStatus: (status: SourceStatus) => void statuses.push(status),
    ...(options.signal ? { signal: options.signal } : {}),
  })
  return { ref, versions, sources: mergeStatuses(statuses) }
}

/** Merges per-source statuses reported by several calls: the least healthy one per source wins. */
export function mergeStatuses<Status extends { source: string; state: string }>(statuses: readonly Status[]): Status[] {
  const bySource = new Map<string, Status>()
  for (const status of statuses) {
    const previous = bySource.get(status.source)
    if (!previous || (previous.state === 'ok' && status.state !== 'ok')) bySource.set(status.source, status)
  }
  return [...bySource.values()]
}
