import { TektonError, maxSearchLimit, transportTypes } from '@tekton/mcp-discovery'
import type { SearchFilters, SearchQuery, TransportType } from '@tekton/mcp-discovery'
import type { Command } from '../command'
import type { SearchOutput } from '../output/search'
import { readInteger, readList, readString } from './arguments'

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

    const app = await context.app()
    context.progress.update(`searching ${(query.filters?.sources ?? app.sources().map((source) => source.id)).join(', ')} for "${text}"`)
    // --refresh asks the sources remembered as unreachable again, instead of skipping them.
    return app.search(query, { retryUnreachable: args.refresh === true })
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
