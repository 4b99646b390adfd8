/**
 * Ergon's repository over HTTP: register and unregister an installed server (the same operations
 * `tekton-mcp ergon register|unregister` calls), and read what the repository holds, the
 * registered servers and a search across every component. Where the repository is comes from the
 * application's environment (DATABASE_URL, else TEKTON_ROOT), as for the CLI.
 */
import { requireInstalled } from '@tekton/mcp-app'
import type { TektonMcp } from '@tekton/mcp-app'
import { createRoute } from '@hono/zod-openapi'
import type { OpenAPIHono } from '@hono/zod-openapi'
import { ErgonListParamsSchema, ErgonListingSchema, ErgonSearchAnswerSchema, ErgonSearchParamsSchema, ErrorSchema, RegistrationBodySchema, RegistrationResultSchema, ServerIdParamSchema } from '../schemas'

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description })
const storeErrors = {
  500: json(ErrorSchema, "Ergon's database location is not configured (E_CONFIG)"),
  503: json(ErrorSchema, "Ergon's database could not be opened or written (E_ERGON_STORE)"),
}
const mutationErrors = {
  ...storeErrors,
  400: json(ErrorSchema, 'Invalid input'),
  401: json(ErrorSchema, 'The token is missing or wrong'),
  403: json(ErrorSchema, 'A foreign Origin, Host or cross-site request'),
  415: json(ErrorSchema, 'The body is not JSON'),
  429: json(ErrorSchema, 'Too many changing requests; see Retry-After'),
}
const bearer = [{ bearer: [] }]
// The body may be left out; when sent, it is JSON (`{}`).
const optionalJsonBody = <T>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: false } })

export function ergonRoutes(api: OpenAPIHono, app: TektonMcp): void {
  api.openapi(
    createRoute({
      method: 'post',
      path: '/servers/{id}/registration',
      tags: ['ergon'],
      summary: "Registers an installed server and its tools in Ergon's repository",
      description: 'Registers the server (or brings its registration up to date: version, tools, configuration). The tools are those its last handshake listed.',
      security: bearer,
      request: { params: ServerIdParamSchema, ...optionalJsonBody(RegistrationBodySchema) },
      responses: { 200: json(RegistrationResultSchema, 'Registered'), ...mutationErrors, 404: json(ErrorSchema, 'Not installed (E_NOT_INSTALLED)') },
    }),
    async (context) => {
      const { id } = context.req.valid('param')
      const service = await app.installation()
      const server = await requireInstalled(service, id)
      return context.json(await app.ergonRegister(server.name), 200)
    },
  )

  api.openapi(
    createRoute({
      method: 'delete',
      path: '/servers/{id}/registration',
      tags: ['ergon'],
      summary: "Unregisters a server: it and its tools are marked inactive in Ergon's repository",
      security: bearer,
      request: { params: ServerIdParamSchema },
      responses: { 200: json(RegistrationResultSchema, 'Unregistered'), ...mutationErrors, 404: json(ErrorSchema, 'Not registered (E_NOT_REGISTERED)') },
    }),
    async (context) => {
      const { id } = context.req.valid('param')
      // An uninstalled server may still be registered: its installed name is enough.
      const service = await app.installation()
      const installed = await service.getInstalledServer(id)
      return context.json(await app.ergonUnregister(installed?.name ?? id), 200)
    },
  )

  api.openapi(
    createRoute({
      method: 'get',
      path: '/ergon/servers',
      tags: ['ergon'],
      summary: "The MCP servers registered in Ergon's repository",
      request: { query: ErgonListParamsSchema },
      responses: { 200: json(ErgonListingSchema, 'Active registrations, with their tools when asked'), ...storeErrors },
    }),
    async (context) => {
      const query = context.req.valid('query')
      return context.json(await app.ergonList({ includeTools: query.tools === 'true' }), 200)
    },
  )

  api.openapi(
    createRoute({
      method: 'get',
      path: '/ergon/search',
      tags: ['ergon'],
      summary: "Searches Ergon's repository (servers, tools and every other component)",
      request: { query: ErgonSearchParamsSchema },
      responses: { 200: json(ErgonSearchAnswerSchema, 'Best first'), 400: json(ErrorSchema, 'No words to search for'), ...storeErrors },
    }),
    async (context) => {
      const query = context.req.valid('query')
      return context.json(await app.ergonSearch(query.q, query.limit === undefined ? {} : { limit: query.limit }), 200)
    },
  )
}
