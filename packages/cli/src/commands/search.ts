import { TektonError, maxSearchLimit, transportTypes } from '@tekton/mcp-discovery'
import type { SearchFilters, SearchQuery, SourceStatus, TransportType } from '@tekton/mcp-discovery'
import type { Command } from '../command'
import { namedBySource } from '../output/notes'
import type { SearchOutput } from '../output/search'
import { readInteger, readList, readString } from './arguments'

const failedStates = new Set<SourceStatus['state']>(['error', 'timeout', 'rate-limited', 'skipped'])

/** `search <query..>`: one page of results best first, with a status per source. */
export const searchCommand: Command<SearchOutput> = {
  async run(args, context) {
    const text = (readList(args.query) ?? []).join(' ').trim()
    if (!text) {
      throw new TektonError('E_INVALID_QUERY', 'The search is empty', { hint: 'Give words to search for, e.g. tekton-mcp search filesystem' })
    }
    const query: SearchQuery = { text, filters: readFilters(args) }
    const limit = readInteger(args.limit, 'limit', { min: 1, max: maxSearchLimit })
    if (limit !== undefined) query.limit = limit
    const cursor = readString(args.cursor)
    if (cursor) query.cursor = cursor

    const { service, sourceIds } = await context.discovery()
    context.progress.update(`searching ${(query.filters?.sources ?? sourceIds).join(', ')} for "${text}"`)
    // --refresh asks the sources remembered as unreachable again, instead of skipping them.
    const page = await service.search(query, { retryUnreachable: args.refresh === true })
    context.progress.stop()

    // Every source failed outright (or was skipped as unreachable): that is a failed command, not
    // an empty result.
    const asked = page.sources.filter((status: SourceStatus) => status.state !== 'skipped' || status.lastTriedAt !== undefined)
    const firstFailure = asked[0]
    if (page.results.length === 0 && firstFailure && asked.every((status: SourceStatus) => failedStates.has(status.state))) {
      const message = namedBySource(firstFailure.source, firstFailure.message ?? firstFailure.state)
      throw new TektonError(firstFailure.code ?? 'E_SOURCE_FAILED', message, {
        hint: firstFailure.state === 'rate-limited'
          ? 'Wait and try again, or narrow the search to another --source'
          : firstFailure.state === 'skipped'
            ? 'Not asked again: it could not be reached a moment ago. Check the network, then retry with --refresh'
            : 'Check the network and the registry (npm config get registry); cached results are used when there are any',
      })
    }
    return { results: page.results, sources: page.sources, nextCursor: page.nextCursor ?? null }
  },
}

function readFilters(args: Readonly<Record<string, unknown>>): SearchFilters | undefined {
  const filters: SearchFilters = {}
  const sources = readList(args.source)
  if (sources) filters.sources = sources
  const registryTypes = readList(args.registryType)
  if (registryTypes) filters.registryTypes = registryTypes
  const transports = readList(args.transport)
  if (transports) {
    const unknown = transports.filter((transport) => !(transportTypes as readonly string[]).includes(transport))
    if (unknown.length > 0) {
      throw new TektonError('E_INVALID_INPUT', `Unknown transport ${unknown.map((name) => JSON.stringify(name)).join(', ')}`, {
        hint: `Use one or more of ${transportTypes.join(', ')}`,
      })
    }
    filters.transports = transports as TransportType[]
  }
  const capabilities = readList(args.capability)
  if (capabilities) filters.capabilities = capabilities
  if (args.verified === true) filters.verifiedOnly = true
  return Object.keys(filters).length > 0 ? filters : undefined
}
