/**
 * Search, server details and plans, versions, the installed list, its audit and configuration,
 * and the POSTs that start install, update, uninstall and verify jobs. Every route calls the same
 * `@tekton/mcp-app` operation the CLI calls; what the CLI asks at a prompt, a client says in the
 * request (`approvals`), after showing the plan from `GET /servers/{id}?plan=install`.
 */
import { checkInstallPlan, planUpdate, requireInstalled } from '@tekton/mcp-app'
import type { TektonMcp } from '@tekton/mcp-app'
import { TektonError, formatRef, looksLikeRef, parseRef } from '@tekton/mcp-discovery'
import type { ErrorCode, SearchFilters, ServerDescription } from '@tekton/mcp-discovery'
import type { InstallPlan, InstalledServerView, TrustReport } from '@tekton/mcp-installation'
import { createRoute } from '@hono/zod-openapi'
import type { OpenAPIHono } from '@hono/zod-openapi'
import type { JobRecord, JobRunner } from '../jobs'
import {
  AuditSchema,
  ConfigurationBodySchema,
  ConfigurationSchema,
  ErrorSchema,
  InstallBodySchema,
  InstalledListSchema,
  JobAcceptedSchema,
  SearchAnswerSchema,
  SearchParamsSchema,
  ServerDetailsParamsSchema,
  ServerDetailsSchema,
  ServerIdParamSchema,
  UpdateBodySchema,
  VerifyBodySchema,
  VersionListSchema,
} from '../schemas'

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description })
const errors = {
  400: json(ErrorSchema, 'Invalid input'),
  404: json(ErrorSchema, 'Not found'),
  502: json(ErrorSchema, 'A registry failed'),
}
const mutationErrors = {
  ...errors,
  401: json(ErrorSchema, 'The token is missing or wrong'),
  403: json(ErrorSchema, 'A foreign Origin, Host or cross-site request'),
  409: json(ErrorSchema, 'Conflicts with what is installed'),
  415: json(ErrorSchema, 'The body is not JSON'),
  422: json(ErrorSchema, 'This host cannot install the server'),
  429: json(ErrorSchema, 'Too many changing requests; see Retry-After'),
}
const bearer = [{ bearer: [] }]
const jsonBody = <T>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } })

/** `ref[@version]` split as the CLI splits it; a bare name stays whole (search resolves it). */
function readTarget(id: string): { ref: string; version?: string } {
  const text = id.trim()
  if (!looksLikeRef(text)) return { ref: text }
  const parsed = parseRef(text)
  return { ref: formatRef(parsed, { withVersion: false }), ...(parsed.version === undefined ? {} : { version: parsed.version }) }
}

/**
 * The trust options of an install or update body as the service takes them: rules the request
 * adds to the policy's (the service keeps the policy's whatever the request says) and the two
 * approvals that loosen a rule for this request only.
 */
function trustOptionsOf(body: { requireSignatures?: boolean | undefined; requireProvenance?: boolean | undefined; lintPolicy?: 'warn' | 'refuse' | undefined; approvals?: { trustDowngrade?: boolean | undefined } | undefined }) {
  return {
    ...(body.requireSignatures === true ? { requireSignatures: true } : {}),
    ...(body.requireProvenance === true ? { requireProvenance: true } : {}),
    ...(body.approvals?.trustDowngrade === true ? { allowTrustDowngrade: true } : {}),
    ...(body.lintPolicy === undefined ? {} : { lintPolicy: body.lintPolicy }),
    trustOrigin: 'request',
  }
}

/**
 * What the CLI asks after the handshake ("Install anyway?") when description lint finds text
 * aimed at the model: over HTTP nothing is assumed, so without `approvals.lintFindings` the job
 * fails before anything is put in place, naming the findings.
 */
function lintReviewOf(approvals: { lintFindings?: boolean | undefined }): { reviewTrust?: (report: TrustReport) => void } {
  if (approvals.lintFindings === true) return {}
  return {
    reviewTrust(report) {
      if (report.lint.status !== 'findings') return
      const findings = report.lint.findings
      const listed = findings.slice(0, 5).map((finding) => `${finding.rule} (${finding.where})`).join(', ')
      throw new TektonError('E_CONFIRMATION_REQUIRED', `${report.server} ${report.version} has ${findings.length} description-lint ${findings.length === 1 ? 'finding' : 'findings'}: ${listed}${findings.length > 5 ? ', …' : ''}`, {
        hint: "Read the findings (the job's error and the server's description), then send approvals.lintFindings: true to install it anyway",
      })
    },
  }
}

/** The refusal a plan says the install would meet (a failed check, a trust downgrade): answered at once, as the CLI stops before asking. */
function refuseUntrusted(plan: InstallPlan): void {
  const refusal = plan.trustRefusal
  if (refusal) throw new TektonError(refusal.code as ErrorCode, refusal.message, refusal.hint === undefined ? {} : { hint: refusal.hint })
}

function configurationOf(server: InstalledServerView) {
  return { name: server.name, env: server.configuration.env, args: server.configuration.args, missingEnv: server.missingEnv }
}

/** How identical searches share one answer: for `memoMs` after it was made, on the clock `now`. */
export interface SearchMemoOptions {
  memoMs: number
  now: () => number
}

export function serverRoutes(api: OpenAPIHono, app: TektonMcp, jobs: JobRunner, memo: SearchMemoOptions): void {
  // Identical searches within `memoMs` share one answer, serialized once, and concurrent ones one
  // lookup: under load a search costs what a static route does, and statuses are at most that old.
  const answers = new Map<string, { at: number; body: Promise<string> }>()
  // The same answers by the request's query string as sent: a repeated request is answered before
  // its query is parsed and validated again, which under load costs more than the answer itself.
  const answersByQueryString = new Map<string, { at: number; body: Promise<string> }>()
  const queryStringOf = (url: string) => {
    const start = url.indexOf('?')
    return start === -1 ? '' : url.slice(start)
  }
  // 202 with the job, `Location` naming it and where its events stream, under the mount prefix
  // (the route's own path has `routeSegments` segments).
  const accepted = <C extends { req: { path: string }; header(name: string, value: string): void; json: (body: { job: JobRecord; events: string; trust?: TrustReport }, status: 202) => R }, R>(
    context: C,
    job: JobRecord,
    routeSegments: number,
    trust?: TrustReport,
  ): R => {
    const location = under(context, routeSegments)(`jobs/${job.id}`)
    context.header('location', location)
    return context.json({ job, events: `${location}/events`, ...(trust ? { trust } : {}) }, 202)
  }

  api.use('/search', async (context, next) => {
    const shared = context.req.method === 'GET' ? answersByQueryString.get(queryStringOf(context.req.url)) : undefined
    if (shared && memo.now() - shared.at < memo.memoMs) return new Response(await shared.body, { status: 200, headers: { 'content-type': 'application/json' } })
    await next()
  })

  api.openapi(
    createRoute({
      method: 'get',
      path: '/search',
      tags: ['discovery'],
      summary: 'Search every source',
      description: 'One page of results, best first, with a status per source (fresh, cached, stale, failed). Fails (502/429) only when no source answered.',
      request: { query: SearchParamsSchema },
      responses: { 200: json(SearchAnswerSchema, 'One page of results'), ...errors, 429: json(ErrorSchema, 'Every source is rate limited') },
    }),
    async (context) => {
      const query = context.req.valid('query')
      const filters: SearchFilters = {
        ...(query.sources?.length ? { sources: query.sources } : {}),
        ...(query.registryTypes?.length ? { registryTypes: query.registryTypes } : {}),
        ...(query.transports?.length ? { transports: query.transports as NonNullable<SearchFilters['transports']> } : {}),
        ...(query.capabilities?.length ? { capabilities: query.capabilities } : {}),
        ...(query.verifiedOnly === 'true' ? { verifiedOnly: true } : {}),
      }
      const searchQuery = { text: query.q, ...(Object.keys(filters).length ? { filters } : {}), ...(query.limit ? { limit: query.limit } : {}), ...(query.cursor ? { cursor: query.cursor } : {}) }
      const refresh = query.refresh === 'true'
      const key = JSON.stringify(searchQuery)
      const time = memo.now()
      let shared = refresh ? undefined : answers.get(key)
      if (!shared || time - shared.at >= memo.memoMs) {
        // Not under this request's signal: other requests may wait on the same answer.
        const body = app.search(searchQuery, refresh ? { retryUnreachable: true } : {}).then((answer) => JSON.stringify(answer))
        shared = { at: time, body }
        if (memo.memoMs > 0 && !refresh) {
          if (answers.size >= 1000) answers.clear()
          answers.set(key, shared)
          // A failure is not shared with later requests.
          body.catch(() => answers.get(key) === shared && answers.delete(key))
        }
      }
      if (memo.memoMs > 0 && !refresh) {
        const queryString = queryStringOf(context.req.url)
        if (answersByQueryString.size >= 1000) answersByQueryString.clear()
        answersByQueryString.set(queryString, shared)
        shared.body.catch(() => answersByQueryString.get(queryString) === shared && answersByQueryString.delete(queryString))
      }
      return new Response(await shared.body, { status: 200, headers: { 'content-type': 'application/json' } }) as never
    },
  )

  api.openapi(
    createRoute({
      method: 'get',
      path: '/servers',
      tags: ['installed'],
      summary: 'The installed servers',
      responses: { 200: json(InstalledListSchema, 'Every installed server, sorted by name, secrets redacted') },
    }),
    async (context) => {
      const service = await app.installation()
      return context.json({ servers: await service.getInstalledServers() }, 200)
    },
  )

  api.openapi(
    createRoute({
      method: 'get',
      path: '/audit',
      tags: ['installed'],
      summary: "Every installed server's trust report, and the verdict",
      description:
        'What `tekton-mcp audit --json` prints, from the records (nothing is started or fetched): one trust report per installed server, the tool names two servers share, and `ok` / `failures` (a failed signature, provenance or ownership check, or lint findings the lint policy refuses). The status is 200 either way: `ok` is the verdict.',
      responses: { 200: json(AuditSchema, 'The reports, the shared tool names and the verdict') },
    }),
    async (context) => context.json(await app.audit(), 200),
  )

  api.openapi(
    createRoute({
      method: 'get',
      path: '/servers/{id}',
      tags: ['discovery'],
      summary: 'A server: installed view, card, and optionally the install or update plan',
      description:
        'By ref or installed name. `?plan=install` (with `version`) answers what `POST /servers/{id}` would do; `?plan=update` (with `version` as the target) what `POST /servers/{id}/update` would. Show it to the user, then send the approvals it needs.',
      request: { params: ServerIdParamSchema, query: ServerDetailsParamsSchema },
      responses: { 200: json(ServerDetailsSchema, 'The server'), ...errors },
    }),
    async (context) => {
      const { id } = context.req.valid('param')
      const query = context.req.valid('query')
      const service = await app.installation()
      const installed = await service.getInstalledServer(id)
      let description: ServerDescription | null = null
      if (installed) {
        // An installed server stays describable while its sources are down.
        description = await app.describe(installed.ref, { signal: context.req.raw.signal }).catch(() => null)
      } else if (query.plan !== 'update') {
        description = await app.describe(readTarget(id).ref, { signal: context.req.raw.signal })
      }
      let plan: InstallPlan | undefined
      if (query.plan === 'update') {
        plan = await planUpdate(service, await requireInstalled(service, id), query.version)
      } else if (query.plan === 'install') {
        const target = readTarget(id)
        const version = query.version ?? target.version
        plan = await service.planInstall(target.ref, version === undefined ? {} : { version })
      }
      return context.json({ installed, description, ...(plan ? { plan } : {}) }, 200)
    },
  )

  api.openapi(
    createRoute({
      method: 'get',
      path: '/servers/{id}/versions',
      tags: ['discovery'],
      summary: 'Every version of a server, newest first',
      request: { params: ServerIdParamSchema },
      responses: { 200: json(VersionListSchema, 'The versions, with how each source answered'), ...errors },
    }),
    async (context) => {
      const { id } = context.req.valid('param')
      const service = await app.installation()
      const installed = await service.getInstalledServer(id)
      const versions = await app.versions(installed?.ref ?? readTarget(id).ref, { signal: context.req.raw.signal })
      return context.json(versions as unknown as Record<string, unknown>, 200)
    },
  )

  api.openapi(
    createRoute({
      method: 'post',
      path: '/servers/{id}',
      tags: ['jobs'],
      summary: 'Install a server (a job)',
      description:
        'Plans first (answering 4xx at once for unmet requirements, a package that is no MCP server without `approvals.notMcpServer`, an unknown ref), then starts the install as a job: 202 with its id, `Location: jobs/{id}`, and where its events stream. The version shown by the plan is the one installed.',
      security: bearer,
      request: { params: ServerIdParamSchema, ...jsonBody(InstallBodySchema) },
      responses: { 202: json(JobAcceptedSchema, 'The install runs as a job'), ...mutationErrors },
    }),
    async (context) => {
      const { id } = context.req.valid('param')
      const body = context.req.valid('json')
      const approvals = body.approvals ?? {}
      const service = await app.installation()
      const target = readTarget(id)
      const requested = body.version ?? target.version
      const options = {
        ...(body.env ? { env: body.env } : {}),
        ...(body.secrets ? { secrets: body.secrets } : {}),
        ...(body.args ? { args: body.args } : {}),
        ...(body.inputs ? { inputs: body.inputs } : {}),
        ...(body.registryType === undefined ? {} : { registryType: body.registryType }),
        allowScripts: approvals.scripts === true,
        ...(approvals.nonRegistryDependencies === true ? { allowNonRegistryDependencies: true } : {}),
        handshake: body.handshake !== false,
        ...(body.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: body.handshakeTimeoutMs }),
        ...(body.sandbox === undefined ? {} : { sandbox: body.sandbox }),
        ...(body.sandboxNetwork === true ? { sandboxNetwork: true } : {}),
        ...trustOptionsOf(body),
      }
      const review = lintReviewOf(approvals)
      const plan = await service.planInstall(target.ref, { ...options, ...(requested === undefined ? {} : { version: requested }), signal: context.req.raw.signal })
      const reinstall = plan.installedVersion !== undefined && approvals.reinstall === true
      if (plan.installedVersion === undefined || reinstall) {
        checkInstallPlan(plan, { approveNotMcpServer: approvals.notMcpServer === true })
        refuseUntrusted(plan)
      }
      // What the plan showed is what gets installed, even if a newer version appears meanwhile.
      const version = reinstall ? plan.installedVersion : plan.exact ? plan.version : requested
      const job = await jobs.start('install', plan.name, async ({ signal, progress }) => {
        const outcome = await service.installServer(plan.ref, { ...options, ...review, ...(version === undefined ? {} : { version }), ...(reinstall ? { reinstall: true } : {}), signal, progress })
        // Ergon follows the installed record (with `register`, or TEKTON_MCP_ERGON_REGISTER=1), as after the CLI's install.
        const ergon = await app.followInstallation(outcome.server.name, 'install', { register: body.register === true })
        return ergon ? { ...outcome, ergon } : outcome
      })
      return accepted(context, job, 2, plan.trust)
    },
  )

  api.openapi(
    createRoute({
      method: 'post',
      path: '/servers/{id}/update',
      tags: ['jobs'],
      summary: 'Update an installed server (a job)',
      description:
        'The new version is installed beside the active one, handshaken, and switched to only when it works. A downgrade needs `approvals.downgrade`; changed tools need `approvals.toolChanges` (else the job fails with E_TOOLS_CHANGED and the old version stays).',
      security: bearer,
      request: { params: ServerIdParamSchema, ...jsonBody(UpdateBodySchema) },
      responses: { 202: json(JobAcceptedSchema, 'The update runs as a job'), ...mutationErrors },
    }),
    async (context) => {
      const { id } = context.req.valid('param')
      const body = context.req.valid('json')
      const approvals = body.approvals ?? {}
      const service = await app.installation()
      const server = await requireInstalled(service, id)
      const { lintPolicy, ...trustRules } = trustOptionsOf(body)
      const plan = await planUpdate(service, server, body.to, trustRules)
      if (plan.version !== server.activeVersion) refuseUntrusted(plan)
      if (plan.versionChange === 'downgrade' && approvals.downgrade !== true) {
        throw new TektonError('E_CONFIRMATION_REQUIRED', `Updating ${server.name} to ${plan.version} is a downgrade from ${server.activeVersion}`, {
          hint: 'Show the plan (GET /servers/{id}?plan=update), then send approvals.downgrade: true',
        })
      }
      const to = plan.version !== server.activeVersion && plan.exact ? plan.version : body.to
      const job = await jobs.start('update', server.name, async ({ signal, progress }) => {
        const outcome = await service.updateServer(server.name, {
          ...(to === undefined ? {} : { to }),
          approveToolChanges: approvals.toolChanges === true,
          ...(approvals.nonRegistryDependencies === true ? { allowNonRegistryDependencies: true } : {}),
          ...(body.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: body.handshakeTimeoutMs }),
          ...trustRules,
          ...(lintPolicy === undefined ? {} : { lintPolicy }),
          ...lintReviewOf(approvals),
          signal,
          progress,
        })
        // With TEKTON_MCP_ERGON_REGISTER=1, Ergon follows the new version's tools.
        const ergon = outcome.changed ? await app.followInstallation(server.name, 'update') : undefined
        return ergon ? { ...outcome, ergon } : outcome
      })
      return accepted(context, job, 3, plan.trust)
    },
  )

  api.openapi(
    createRoute({
      method: 'post',
      path: '/servers/{id}/verify',
      tags: ['jobs'],
      summary: "Check an installed server's files and handshake (a job)",
      security: bearer,
      request: { params: ServerIdParamSchema, ...jsonBody(VerifyBodySchema) },
      responses: { 202: json(JobAcceptedSchema, 'The check runs as a job'), ...mutationErrors },
    }),
    async (context) => {
      const { id } = context.req.valid('param')
      const body = context.req.valid('json')
      const service = await app.installation()
      const server = await requireInstalled(service, id)
      const job = await jobs.start('verify', server.name, ({ signal }) =>
        service.verifyServer(server.name, {
          ...(body.handshake === undefined ? {} : { handshake: body.handshake }),
          ...(body.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: body.handshakeTimeoutMs }),
          signal,
        }),
      )
      return accepted(context, job, 3)
    },
  )

  api.openapi(
    createRoute({
      method: 'delete',
      path: '/servers/{id}',
      tags: ['jobs'],
      summary: 'Uninstall a server (a job)',
      security: bearer,
      request: { params: ServerIdParamSchema },
      responses: { 202: json(JobAcceptedSchema, 'The uninstall runs as a job'), ...mutationErrors },
    }),
    async (context) => {
      const { id } = context.req.valid('param')
      const service = await app.installation()
      const server = await requireInstalled(service, id)
      const job = await jobs.start('uninstall', server.name, async ({ signal, progress }) => {
        const outcome = await service.uninstallServer(server.name, { signal, progress })
        // With TEKTON_MCP_ERGON_REGISTER=1, the server and its tools are soft-deleted in Ergon.
        const ergon = await app.followInstallation(outcome.name, 'uninstall')
        return ergon ? { ...outcome, ergon } : outcome
      })
      return accepted(context, job, 2)
    },
  )

  api.openapi(
    createRoute({
      method: 'get',
      path: '/servers/{id}/config',
      tags: ['installed'],
      summary: "An installed server's variables and arguments",
      security: bearer,
      request: { params: ServerIdParamSchema },
      responses: { 200: json(ConfigurationSchema, 'Secret values are ••••'), 401: json(ErrorSchema, 'The token is missing or wrong'), 404: json(ErrorSchema, 'Not installed') },
    }),
    async (context) => {
      const { id } = context.req.valid('param')
      const service = await app.installation()
      return context.json(configurationOf(await requireInstalled(service, id)), 200)
    },
  )

  api.openapi(
    createRoute({
      method: 'put',
      path: '/servers/{id}/config',
      tags: ['installed'],
      summary: "Sets an installed server's variables and arguments",
      description: 'Merges `env` into the configured variables (null removes one; `replaceEnv` replaces them all); `args` replaces the extra arguments. Variables that load code (NODE_OPTIONS, LD_PRELOAD, ...) are refused with E_FORBIDDEN_ENV.',
      security: bearer,
      request: { params: ServerIdParamSchema, ...jsonBody(ConfigurationBodySchema) },
      responses: { 200: json(ConfigurationSchema, 'The configuration now; secret values are ••••'), ...mutationErrors },
    }),
    async (context) => {
      const { id } = context.req.valid('param')
      const body = context.req.valid('json')
      const service = await app.installation()
      const server = await requireInstalled(service, id)
      const configured = await service.configureServer(server.name, {
        ...(body.env ? { env: body.env } : {}),
        ...(body.args ? { args: body.args } : {}),
        ...(body.unset ? { unset: body.unset } : {}),
        ...(body.replaceEnv === undefined ? {} : { replaceEnv: body.replaceEnv }),
      })
      return context.json(configurationOf(configured), 200)
    },
  )
}

/**
 * A path under the API's mount point, from the current request's path and how many segments the
 * route itself has (`servers/{id}` is 2): the API does not know where it is mounted.
 */
function under(context: { req: { path: string } }, routeSegments: number): (path: string) => string {
  const segments = context.req.path.split('/').filter(Boolean)
  const base = segments.slice(0, Math.max(0, segments.length - routeSegments)).join('/')
  return (path) => `${base ? `/${base}` : ''}/${path}`
}

