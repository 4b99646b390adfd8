/**
 * A RegistrySource over a fixed list of servers: a curated or company catalogue shipped as data,
 * an offline fallback, or a source for tests and examples.
 */
import { TektonError } from './errors'
import { formatRef, parseRef, refKinds, type RefKind } from './refs'
import { rankServers } from './rank'
import { defaultSearchLimit, ServerMetadataSchema, type ServerMetadata, type ServerVersion } from './spec/metadata'
import type { RegistrySource, RequestContext } from './spec/source'

export interface StaticRegistryOptions {
  /** Source id. @default 'static' */
  id?: string
  /** @default 'static catalogue' */
  displayName?: string
  servers: ServerMetadata[]
  /** Versions per server ref; a server without an entry has one version, its own. */
  versions?: Record<string, ServerVersion[]>
}

function checkSignal(context: RequestContext): void {
  if (context.signal?.aborted) {
    throw new TektonError('E_ABORTED', 'The request was aborted', { cause: context.signal.reason })
  }
}

export function createStaticRegistry(options: StaticRegistryOptions): RegistrySource {
  const servers = options.servers.map((server) => ServerMetadataSchema.parse(server))
  const kinds = new Set<RefKind>()
  const byRef = new Map<string, ServerMetadata>()
  for (const server of servers) {
    const ref = parseRef(server.ref)
    kinds.add(ref.kind)
    byRef.set(formatRef(ref, { withVersion: false }), server)
  }
  const lookup = (id: string, context: RequestContext): ServerMetadata | null => {
    checkSignal(context)
    for (const kind of kinds.size ? kinds : new Set(refKinds)) {
      // Validates the id the way its ecosystem would before looking it up.
      const server = byRef.get(formatRef(parseRef(`${kind}:${id}`), { withVersion: false }))
      if (server) return server
    }
    return null
  }
  return {
    specVersion: 'v1',
    id: options.id ?? 'static',
    displayName: options.displayName ?? 'static catalogue',
    refKinds: [...kinds],
    async search(query, context) {
      checkSignal(context)
      const limit = query.limit ?? defaultSearchLimit
      // Ranked in one call, so relevance is computed over the whole catalogue at once.
      const ranks = rankServers(query.text, servers)
      const results = servers
        .map((server, index) => ({ ref: server.ref, server, ...ranks[index]! }))
        .filter((result) => !query.text.trim() || (result.signals.relevance > 0))
        .sort((a, b) => b.score - a.score)
        .slice(0, limit)
      return { results, sources: [{ source: this.id, state: 'ok', resultCount: results.length }] }
    },
    async getMetadata(id, context) {
      return lookup(id, context)
    },
    async getVersions(id, context) {
      const server = lookup(id, context)
      if (!server) return null
      return options.versions?.[server.ref] ?? [{ version: server.version, prerelease: false, tags: ['latest'] }]
    },
  }
}
