/**
 * Search and lookups as a front end answers them: one page with a status per source, the
 * rule that a search every source failed is a failure (not "nothing found"), and a server's card
 * (metadata, versions and how each source answered) in one call.
 */
import { TektonError, isErrorCode } from '@tekton/mcp-discovery'
import type { SearchQuery, SearchResult, ServerDescription, ServerVersionList, SourceStatus } from '@tekton/mcp-discovery'
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

export type { ServerDescription } from '@tekton/mcp-discovery'

/** The versions of one server, with the ref asked about (as given). */
export interface VersionList extends ServerVersionList {
  ref: string
}

/** How a lookup may be asked. */
export interface LookupOptions {
  signal?: AbortSignal
  /** Ask sources remembered as unreachable again instead of skipping them (a user's "refresh"). */
  retryUnreachable?: boolean
}

/** States in which a source gave no answer at all (skipped: remembered as unreachable). */
const failedStates = new Set<SourceStatus['state']>(['error', 'timeout', 'rate-limited', 'skipped'])

/**
 * One page of results. When no source answered (every one failed outright, or was skipped as
 * unreachable a moment ago) it rejects with the first failure's code: "nothing found" would be a
 * lie. Sources skipped by the query's own filter do not count.
 */
export async function search(core: TektonMcpCore, query: SearchQuery, options: LookupOptions = {}): Promise<SearchAnswer> {
  const page = await core.discovery().search(query, options)
  const asked = page.sources.filter((status) => status.state !== 'skipped' || status.lastTriedAt !== undefined)
  const first = asked[0]
  if (page.results.length === 0 && first && asked.every((status) => failedStates.has(status.state))) {
    const message = first.message ?? first.state
    // Source errors usually name their source already ("[npm] GET ... failed").
    const named = message.toLowerCase().startsWith(`[${first.source}]`) ? message : `${first.source}: ${message}`
    throw new TektonError(isErrorCode(first.code) ? first.code : 'E_SOURCE_FAILED', named, {
      hint:
        first.state === 'rate-limited'
          ? 'Wait and try again, or search other sources'
          : first.state === 'skipped'
            ? 'Not asked again: it could not be reached a moment ago. Check the network, then ask again with a refresh'
            : "Check the network and the registries' addresses; cached results are used when there are any",
    })
  }
  return { results: await markInstalledDeleted(core, page.results), sources: page.sources, nextCursor: page.nextCursor ?? null }
}

/**
 * Marks results deleted upstream that are installed here (`installedHere`): the copy still runs,
 * and its user should know the source is gone. The installation state is read only when a page
 * holds a deleted server, so an ordinary search loads no installer. An unreadable state is not a
 * reason to fail a search: the results keep their plain `deleted` status.
 */
async function markInstalledDeleted(core: TektonMcpCore, results: SearchResult[]): Promise<SearchResult[]> {
  if (!results.some((result) => result.server.status === 'deleted')) return results
  let installed: Array<{ ref: string; registryType: string; identifier: string }>
  try {
    installed = await (await core.installation()).getInstalledServers()
  } catch {
    return results
  }
  if (installed.length === 0) return results
  const installedRefs = new Set(installed.map((server) => server.ref.toLowerCase()))
  const installedPackages = new Set(installed.map((server) => `${server.registryType}:${server.identifier}`.toLowerCase()))
  return results.map((result) => {
    if (result.server.status !== 'deleted') return result
    const refs = [result.ref, ...(result.mergedRefs ?? [])].map((ref) => ref.toLowerCase())
    const packages = result.server.packages.map((entry) => `${entry.registryType}:${entry.identifier}`.toLowerCase())
    const here = refs.some((ref) => installedRefs.has(ref)) || packages.some((key) => installedPackages.has(key))
    return here ? { ...result, installedHere: true } : result
  })
}

/** A server's card: metadata merged across sources, versions, and how each source answered. */
export function describe(core: TektonMcpCore, ref: string, options: LookupOptions = {}): Promise<ServerDescription> {
  return core.discovery().describeServer(ref, options)
}

/** Every version of `ref` (or of the server a bare name finds), newest first, with the statuses. */
export async function listVersions(core: TektonMcpCore, ref: string, options: LookupOptions = {}): Promise<VersionList> {
  return { ref, ...(await core.discovery().listServerVersions(ref, options)) }
}
