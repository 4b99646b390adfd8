/**
 * A registry-compatible endpoint: `GET /v0.1/servers` and `/v0.1/servers/{name}/versions[/{version}]`
 * in the official MCP Registry's API shape (`{ servers: [{ server, _meta }], metadata: { count,
 * nextCursor } }`, problem+json errors), served from the merged, ranked catalogue the search
 * route answers from. Anything that can point at a registry (an editor's gallery setting, another
 * tekton-mcp with TEKTON_MCP_REGISTRY_URL) can use this service as a mirror.
 *
 * Names are the server.json names `toServerJson` gives (the official name when a server claims
 * one, else one from its GitHub repository, else `dev.tekton.discovered/<name>`); a name is
 * looked up by searching for the words of its last part and keeping the result that carries that name.
 */
import type { TektonMcp } from '@tekton/mcp-app'
import { officialMetaKey, serverJsonName, toServerJson } from '@tekton/mcp-discovery'
import type { ServerMetadata } from '@tekton/mcp-discovery'
import { createRoute, z } from '@hono/zod-openapi'
import type { OpenAPIHono } from '@hono/zod-openapi'

const ServerEntrySchema = z
  .object({ server: z.record(z.string(), z.unknown()).openapi({ description: 'A server.json document' }), _meta: z.record(z.string(), z.unknown()) })
  .openapi('RegistryServerEntry')
const ServerListSchema = z
  .object({ servers: z.array(ServerEntrySchema), metadata: z.object({ count: z.number().int(), nextCursor: z.string().optional() }) })
  .openapi('RegistryServerList')
const ProblemSchema = z.object({ title: z.string(), status: z.number().int(), detail: z.string() }).openapi('Problem')
const NameParamSchema = z.object({ name: z.string().min(1).max(300).openapi({ param: { name: 'name', in: 'path' }, description: 'The server.json name, URL-encoded', example: 'io.github.example/postgres' }) })

const problemContent = { 'application/problem+json': { schema: ProblemSchema } }

interface OfficialEntry {
  server: Record<string, unknown>
  _meta: Record<string, unknown>
}

/** The entry of one version of `metadata` as the registry would list it. */
function entryOf(metadata: ServerMetadata, version: { version: string; publishedAt?: string | undefined }, isLatest: boolean): OfficialEntry {
  const document = toServerJson(metadata) as unknown as Record<string, unknown>
  if (version.version !== metadata.version) {
    document['version'] = version.version
    // Each package is the same package at the version listed.
    const packages = document['packages'] as Array<Record<string, unknown>> | undefined
    if (packages) document['packages'] = packages.map((pkg) => ({ ...pkg, version: version.version }))
  }
  const publishedAt = version.publishedAt ?? metadata.publishedAt
  const updatedAt = metadata.updatedAt ?? publishedAt
  const official = { status: metadata.status, ...(publishedAt ? { publishedAt } : {}), ...(updatedAt ? { updatedAt } : {}), isLatest }
  return { server: document, _meta: { [officialMetaKey]: official } }
}

function problem(status: 400 | 404, detail: string): Response {
  const title = status === 404 ? 'Not Found' : 'Bad Request'
  return new Response(JSON.stringify({ title, status, detail }), { status, headers: { 'content-type': 'application/problem+json' } })
}

export function registryRoutes(api: OpenAPIHono, app: TektonMcp): void {
  /** The server whose server.json name is `name`, from a search for its last part; null when none. */
  async function findByName(name: string, signal: AbortSignal): Promise<ServerMetadata | null> {
    const slash = name.lastIndexOf('/')
    const text = name.slice(slash + 1).slice(0, 200)
    if (slash < 1 || !text) return null
    // Derived names join words with '-' (`fixture-mcp-server`); search finds the words.
    for (const query of new Set([text.replace(/[-_.]+/g, ' ').trim(), text])) {
      if (!query) continue
      const answer = await app.search({ text: query, limit: 50 }, { signal }).catch(() => null)
      const found = answer?.results.find((result) => serverJsonName(result.server) === name)?.server
      if (found) return found
    }
    return null
  }

  api.openapi(
    createRoute({
      method: 'get',
      path: '/v0.1/servers',
      tags: ['registry'],
      summary: 'The merged catalogue in the official registry’s shape',
      request: {
        query: z.object({
          search: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(100).optional(),
          cursor: z.string().max(2000).optional(),
          updated_since: z.string().max(40).optional().openapi({ description: 'RFC 3339: only servers updated since then' }),
        }),
      },
      responses: { 200: { content: { 'application/json': { schema: ServerListSchema } }, description: 'One page' }, 400: { content: problemContent, description: 'Bad request' } },
    }),
    async (context) => {
      const query = context.req.valid('query')
      let since: number | undefined
      if (query.updated_since !== undefined) {
        since = Date.parse(query.updated_since)
        if (Number.isNaN(since)) return problem(400, 'Invalid updated_since format: expected RFC3339 timestamp (e.g., 2025-08-07T13:15:04.280Z)') as never
      }
      const answer = await app.search({ text: query.search ?? '', limit: query.limit ?? 30, ...(query.cursor ? { cursor: query.cursor } : {}) }, { signal: context.req.raw.signal })
      const servers = answer.results
        .map((result) => result.server)
        .filter((server) => since === undefined || Date.parse(server.updatedAt ?? server.publishedAt ?? '') >= since)
        .map((server) => entryOf(server, { version: server.version }, true))
      return context.json({ servers, metadata: { count: servers.length, ...(answer.nextCursor ? { nextCursor: answer.nextCursor } : {}) } }, 200)
    },
  )

  api.openapi(
    createRoute({
      method: 'get',
      path: '/v0.1/servers/{name}/versions',
      tags: ['registry'],
      summary: 'Every version of a server, in the official registry’s shape',
      request: { params: NameParamSchema },
      responses: { 200: { content: { 'application/json': { schema: ServerListSchema } }, description: 'The versions, newest first' }, 404: { content: problemContent, description: 'Server not found' } },
    }),
    async (context) => {
      const { name } = context.req.valid('param')
      const found = await findByName(name, context.req.raw.signal)
      if (!found) return problem(404, 'Server not found') as never
      const { versions } = await app.versions(found.ref, { signal: context.req.raw.signal })
      const listed = versions.length > 0 ? versions : [{ version: found.version }]
      const servers = listed.map((version) => entryOf(found, version, version.version === found.version))
      return context.json({ servers, metadata: { count: servers.length } }, 200)
    },
  )

  api.openapi(
    createRoute({
      method: 'get',
      path: '/v0.1/servers/{name}/versions/{version}',
      tags: ['registry'],
      summary: 'One version (or `latest`) of a server, in the official registry’s shape',
      request: { params: NameParamSchema.extend({ version: z.string().min(1).max(200).openapi({ param: { name: 'version', in: 'path' }, example: 'latest' }) }) },
      responses: { 200: { content: { 'application/json': { schema: ServerEntrySchema } }, description: 'The version' }, 404: { content: problemContent, description: 'Server or version not found' } },
    }),
    async (context) => {
      const { name, version } = context.req.valid('param')
      const found = await findByName(name, context.req.raw.signal)
      if (!found) return problem(404, 'Server not found') as never
      if (version === 'latest' || version === found.version) return context.json(entryOf(found, { version: found.version }, true), 200)
      const { versions } = await app.versions(found.ref, { signal: context.req.raw.signal })
      const match = versions.find((entry) => entry.version === version)
      if (!match) return problem(404, 'Server not found') as never
      return context.json(entryOf(found, match, false), 200)
    },
  )
}
