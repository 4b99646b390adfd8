/**
 * `createMcpApi(app, options)`: the HTTP API over one `@tekton/mcp-app` application, as a Hono
 * app that can be mounted under any prefix (Ergon mounts it at `/api/v1/mcp`; `tekton-mcp serve`
 * serves it alone). Routes and their bodies are zod schemas, from which `/openapi.json` (OpenAPI
 * 3.1) is generated; `/docs` is Swagger UI, its files served from here so it works offline.
 */
import { createRequire } from 'node:module'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { TektonMcp } from '@tekton/mcp-app'
import { OpenAPIHono, createRoute } from '@hono/zod-openapi'
import { swaggerUI } from '@hono/swagger-ui'
import type { Context } from 'hono'
import { apiError, onApiError } from './errors'
import { createJobRunner, memoryJobStore } from './jobs'
import type { JobRunner, JobStore } from './jobs'
import { ergonRoutes } from './routes/ergon'
import { jobRoutes } from './routes/jobs'
import { registryRoutes } from './routes/registry'
import { serverRoutes } from './routes/servers'
import { HealthSchema } from './schemas'
import { mutationGuard, requestOriginGuard, requireToken } from './security'
import type { ApiSecurityOptions } from './security'

export interface McpApiOptions extends ApiSecurityOptions {
  /** Where job records and events live; `memoryJobStore()` for one instance, a Redis store for several. @default memoryJobStore() */
  jobStore?: JobStore
  /** Runs the jobs (built over `jobStore` when not given). */
  jobs?: JobRunner
  /** Who a request comes from, for the rate limit. @default the peer address under @hono/node-server, else 'local' */
  clientOf?: (context: Context) => string
  /** How often a quiet event stream gets a keep-alive comment, in ms. @default 15000 */
  keepAliveMs?: number
  /** How long identical searches share one answer, in ms (0: never). @default 1000 */
  searchMemoMs?: number
}

/** The API as a Hono app; `jobs` is exposed so a server can drain it on shutdown. */
export type McpApi = OpenAPIHono & { readonly jobs: JobRunner }

/** The peer's address under @hono/node-server (`c.env.incoming`), else one shared key. */
function defaultClientOf(context: Context): string {
  const incoming = (context.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming
  return incoming?.socket?.remoteAddress ?? 'local'
}

const swaggerFiles = new Map([
  ['swagger-ui.css', 'text/css; charset=utf-8'],
  ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
])

export function createMcpApi(app: TektonMcp, options: McpApiOptions): McpApi {
  if (typeof options?.token !== 'string' || options.token.length < 32) {
    throw new TypeError('createMcpApi: options.token must be a string of at least 32 characters (see loadOrCreateToken)')
  }
  const now = options.now ?? Date.now
  const jobs = options.jobs ?? createJobRunner({ store: options.jobStore ?? memoryJobStore(), now })
  const api = new OpenAPIHono({
    // A request that does not match its schema: 400 with the first problem and where it is.
    defaultHook: (result) => {
      if (result.success) return
      const issue = result.error.issues[0]
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
      throw apiError('E_INVALID_INPUT', `${where}${issue?.message ?? 'invalid request'}`, 'See the request schema in /openapi.json')
    },
  })
  api.onError(onApiError(now))
  api.notFound((context) => {
    throw apiError('E_NOT_FOUND', `No route ${context.req.method} ${context.req.path}`, 'See the routes in /openapi.json or /docs')
  })

  for (const guard of requestOriginGuard(options)) api.use('*', guard)
  api.use('*', mutationGuard(options, options.clientOf ?? defaultClientOf))
  // Job state and streams, and configuration values, are readable with the token only.
  const token = requireToken(options)
  api.use('/jobs/*', token)
  api.on('GET', '/servers/:id/config', token)

  api.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'The token from the file `tekton-mcp serve` prints (0600, made on first start)' })

  api.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      tags: ['service'],
      summary: 'Whether the API is up',
      responses: { 200: { content: { 'application/json': { schema: HealthSchema } }, description: 'Up' } },
    }),
    (context) => context.json({ status: 'ok' as const, version: __PACKAGE_VERSION__, instance: jobs.instance, jobsRunning: jobs.running(), jobStore: jobs.store.name }, 200),
  )

  serverRoutes(api, app, jobs, { memoMs: options.searchMemoMs ?? 1000, now })
  jobRoutes(api, jobs, { keepAliveMs: options.keepAliveMs ?? 15_000 })
  ergonRoutes(api, app)
  registryRoutes(api, app)

  api.doc31('/openapi.json', (context) => ({
    openapi: '3.1.0',
    info: {
      title: 'tekton-mcp API',
      version: __PACKAGE_VERSION__,
      description: 'Find, install, update, verify and configure MCP servers. Changing requests and job streams need `Authorization: Bearer <token>`. Long operations are jobs: follow `GET /jobs/{id}/events`.',
    },
    // Wherever the API is mounted, the document names that prefix.
    servers: [{ url: context.req.path.replace(/\/openapi\.json$/, '') || '/' }],
  }))

  api.get('/docs', swaggerUI({ url: './openapi.json', baseUrl: './docs/assets', persistAuthorization: true }))
  const require = createRequire(import.meta.url)
  const swaggerDirectory = path.dirname(require.resolve('swagger-ui-dist/package.json'))
  api.get('/docs/assets/swagger-ui-dist/:file', async (context) => {
    const file = context.req.param('file')
    const type = swaggerFiles.get(file)
    if (!type) throw apiError('E_NOT_FOUND', `No file ${JSON.stringify(file.slice(0, 60))}`)
    return context.body(await readFile(path.join(swaggerDirectory, file)), 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' })
  })

  return Object.assign(api, { jobs })
}
