/**
 * The request and response bodies of the API as zod schemas; the OpenAPI document is generated
 * from them. Search results and source statuses are the spec's own schemas (`@tekton/mcp-discovery`);
 * the installation service's views are described by their documented fields and typed as the
 * service's types, so a route cannot answer with something else.
 */
import { SearchResultSchema, SourceStatusSchema } from '@tekton/mcp-discovery'
import type { ServerDescription } from '@tekton/mcp-discovery'
import type { AuditOutcome, InstallPlan, InstalledServerView, TrustReport } from '@tekton/mcp-installation'
import type { ErgonListing, ErgonSearchAnswer, RegistrationResult } from '@tekton/mcp-app'
import { z } from '@hono/zod-openapi'
import type { JobRecord } from './jobs'

/** A variable name as a shell accepts it. */
const variableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name is letters, digits and _, not starting with a digit').max(200)

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'E_NOT_INSTALLED' }),
      message: z.string().openapi({ example: '"server-memory" is not installed' }),
      hint: z.string().optional().openapi({ example: 'List the installed servers to see their names' }),
    }),
  })
  .openapi('Error')

export const ServerIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(300)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'A ref (`npm:@scope/name`, URL-encoded: `npm%3A%40scope%2Fname`) or an installed name', example: 'npm:@modelcontextprotocol/server-memory' }),
})

export const JobIdParamSchema = z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' }, example: '0b7c6d1e-8a53-4cf0-9d0a-1f0f3c3b2a11' }) })

const list = z
  .string()
  .max(1000)
  .transform((text) => text.split(',').map((item) => item.trim()).filter((item) => item !== ''))

export const SearchParamsSchema = z.object({
  q: z.string().max(200).default('').openapi({ description: 'What to look for', example: 'filesystem' }),
  limit: z.coerce.number().int().min(1).max(100).optional().openapi({ example: 10 }),
  cursor: z.string().max(2000).optional().openapi({ description: 'The previous page’s `nextCursor`' }),
  sources: list.optional().openapi({ type: 'string', description: 'Only these sources, comma-separated (`registry,npm,pypi,github`)' }),
  registryTypes: list.optional().openapi({ type: 'string', description: 'Only servers installable as these types (`npm,pypi,oci`)' }),
  transports: list.optional().openapi({ type: 'string', description: 'Only servers offering these transports (`stdio,streamable-http,sse`)' }),
  capabilities: list.optional().openapi({ type: 'string', description: 'Only servers declaring these capabilities or tags' }),
  verifiedOnly: z.enum(['true', 'false']).optional().openapi({ description: 'Only servers with verified ownership' }),
  refresh: z.enum(['true', 'false']).optional().openapi({ description: 'Ask sources remembered as unreachable again' }),
})

export const SearchAnswerSchema = z
  .object({
    results: z.array(SearchResultSchema),
    sources: z.array(SourceStatusSchema),
    nextCursor: z.string().nullable(),
  })
  .openapi('SearchAnswer')

export const InstalledServerSchema = z.custom<InstalledServerView>(() => true).openapi('InstalledServer', {
  type: 'object',
  description: 'An installed server, secrets redacted (`••••`)',
  properties: {
    name: { type: 'string' },
    ref: { type: 'string' },
    activeVersion: { type: 'string' },
    registryType: { type: 'string' },
    directory: { type: 'string' },
    launch: { type: 'object' },
    configuration: { type: 'object', properties: { env: { type: 'object' }, args: { type: 'array', items: { type: 'string' } } } },
    handshake: { type: ['object', 'null'] },
    missingEnv: { type: 'array', items: { type: 'string' } },
  },
})

export const InstalledListSchema = z.object({ servers: z.array(InstalledServerSchema) }).openapi('InstalledServers')

const InstallPlanSchema = z.custom<InstallPlan>(() => true).openapi('InstallPlan', {
  type: 'object',
  description: 'What an install or update would do: version, package, directory, command line, variables, requirements, signs of being an MCP server',
  properties: {
    name: { type: 'string' },
    ref: { type: 'string' },
    version: { type: 'string' },
    exact: { type: 'boolean' },
    installer: { type: 'string' },
    directory: { type: 'string' },
    envNames: { type: 'array', items: { type: 'string' } },
    requirements: { type: 'object' },
    installedVersion: { type: 'string' },
    versionChange: { type: 'string', enum: ['same', 'upgrade', 'downgrade', 'unknown'] },
    mcpSigns: { type: 'array', items: { type: 'string' } },
    trust: { $ref: '#/components/schemas/TrustReport' },
    trustRefusal: { type: 'object', description: 'The refusal the install would meet under the trust rules (a failed check, a downgrade), with its code', properties: { code: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' } } },
    notes: { type: 'array', items: { type: 'string' } },
  },
})

const DescriptionSchema = z.custom<ServerDescription>(() => true).openapi('ServerDescription', {
  type: 'object',
  description: "A server's card: merged metadata, versions and how each source answered",
  properties: { server: { type: 'object' }, versions: { type: 'array', items: { type: 'object' } }, sources: { type: 'array', items: { type: 'object' } } },
})

export const ServerDetailsParamsSchema = z.object({
  plan: z.enum(['install', 'update']).optional().openapi({ description: 'Also answer what installing (or updating) would do, for the confirmation a client shows before it POSTs' }),
  version: z.string().max(200).optional().openapi({ description: 'With plan=install: the version, range or tag; with plan=update: the version to update to' }),
})

export const ServerDetailsSchema = z
  .object({
    installed: InstalledServerSchema.nullable(),
    description: DescriptionSchema.nullable(),
    plan: InstallPlanSchema.optional(),
  })
  .openapi('ServerDetails')

export const VersionListSchema = z.custom<Record<string, unknown>>(() => true).openapi('VersionList', {
  type: 'object',
  properties: { ref: { type: 'string' }, versions: { type: 'array', items: { type: 'object' } }, sources: { type: 'array', items: { type: 'object' } } },
})

export const ApprovalsSchema = z
  .strictObject({
    scripts: z.boolean().optional().openapi({ description: "Let the package's install scripts run" }),
    notMcpServer: z.boolean().optional().openapi({ description: 'Install a package that shows no sign of being an MCP server' }),
    reinstall: z.boolean().optional().openapi({ description: 'Reinstall the installed version with fresh files (a repair)' }),
    toolChanges: z.boolean().optional().openapi({ description: 'Accept a new version whose tools differ from the recorded ones' }),
    downgrade: z.boolean().optional().openapi({ description: 'Accept an update to an older version' }),
    trustDowngrade: z
      .boolean()
      .optional()
      .openapi({ description: 'Accept a version without the registry signatures or provenance its predecessor had (else E_PROVENANCE_DOWNGRADE), as --allow-trust-downgrade' }),
    lintFindings: z
      .boolean()
      .optional()
      .openapi({ description: 'Install or update even when description lint finds text aimed at the model (the CLI asks "Install anyway?"); without it such a job fails with E_CONFIRMATION_REQUIRED and nothing is put in place. A lint policy that refuses still refuses' }),
    nonRegistryDependencies: z
      .boolean()
      .optional()
      .openapi({ description: 'Allow dependencies from outside the registry (git, URLs, files) for this install, as --allow-non-registry-dependencies; the policy may still refuse it' }),
  })
  .openapi('Approvals')

/**
 * Trust rules a request may add to the policy's (never take away): a rule the policy sets holds
 * whatever the request says, as on the command line.
 */
const trustRules = {
  requireSignatures: z.boolean().optional().openapi({ description: 'Refuse a version whose registry signatures cannot be checked (E_SIGNATURE_REQUIRED), in addition to the policy' }),
  requireProvenance: z.boolean().optional().openapi({ description: 'Refuse a version without a provenance attestation (E_PROVENANCE_REQUIRED), in addition to the policy' }),
  lintPolicy: z
    .enum(['warn', 'refuse'])
    .optional()
    .openapi({ description: "What description-lint findings do: `refuse` fails the job with E_LINT_REFUSED; `warn` (default) records them. A policy that refuses them wins over `warn`" }),
}

const handshakeTimeoutMs = z.number().int().min(1000).max(600_000).optional().openapi({ description: 'Time the MCP handshake gets, in ms (default 30000)' })

export const InstallBodySchema = z
  .strictObject({
    version: z.string().max(200).optional().openapi({ description: 'Version, range or tag (default: the latest)', example: '1.0.0' }),
    env: z.record(variableName, z.string().max(10_000)).optional().openapi({ description: "The server's variables", example: { API_TOKEN: '…' } }),
    args: z.array(z.string().max(10_000)).max(100).optional(),
    handshake: z.boolean().optional().openapi({ description: 'Start the server and check it speaks MCP (default true)' }),
    handshakeTimeoutMs,
    secrets: z
      .record(variableName, z.string().min(1).max(10_000))
      .optional()
      .openapi({ description: 'Variables whose values are secret whatever the metadata says (as --secret): kept in the secret store, never in the state file, never answered back. Only in the body: the API reads no secret from a query string', example: { API_TOKEN: '…' } }),
    inputs: z
      .record(z.string().min(1).max(200), z.union([z.string().max(10_000), z.array(z.string().max(10_000)).max(100)]))
      .optional()
      .openapi({ description: "Values for the arguments and {placeholders} the package's server.json declares, by flag, valueHint or placeholder name (as --input)" }),
    registryType: z.string().max(50).optional().openapi({ description: 'Install this registry type (`npm`, `pypi`, `oci`) rather than the first one an installer handles (as --type)' }),
    sandbox: z.enum(['off', 'auto', 'bubblewrap']).optional().openapi({ description: 'Run a Node or Python server in a bubblewrap sandbox (as --sandbox): `bubblewrap` or E_SANDBOX_UNAVAILABLE, `auto` where one works, `off`. Default: the settings' }),
    sandboxNetwork: z.boolean().optional().openapi({ description: 'Let the sandboxed server use the network (as --sandbox-network)' }),
    ...trustRules,
    approvals: ApprovalsSchema.optional(),
    register: z.boolean().optional().openapi({ description: "Register the installed server in Ergon's repository (as TEKTON_MCP_ERGON_REGISTER=1 does for every install)" }),
  })
  .openapi('InstallRequest')

export const UpdateBodySchema = z
  .strictObject({
    to: z.string().max(200).optional().openapi({ description: 'Version, range or tag to update to (default: the latest)' }),
    handshakeTimeoutMs,
    ...trustRules,
    approvals: ApprovalsSchema.optional(),
  })
  .openapi('UpdateRequest')

export const VerifyBodySchema = z.strictObject({ handshake: z.boolean().optional(), handshakeTimeoutMs }).openapi('VerifyRequest')

export const ConfigurationSchema = z
  .object({
    name: z.string(),
    env: z.record(z.string(), z.string()).openapi({ description: 'Configured variables; secret values are `••••`' }),
    args: z.array(z.string()),
    missingEnv: z.array(z.string()).openapi({ description: 'Variables the server needs that have no value' }),
  })
  .openapi('ServerConfiguration')

export const ConfigurationBodySchema = z
  .strictObject({
    env: z.record(variableName, z.string().max(10_000).nullable()).optional().openapi({ description: 'Variables to set; null removes one' }),
    args: z.array(z.string().max(10_000)).max(100).optional().openapi({ description: 'Replaces the extra arguments' }),
    unset: z.array(variableName).max(100).optional(),
    replaceEnv: z.boolean().optional().openapi({ description: 'Replace every variable instead of merging' }),
  })
  .openapi('ConfigurationRequest')

export const JobSchema = z.custom<JobRecord>(() => true).openapi('Job', {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: ['install', 'update', 'uninstall', 'verify'] },
    server: { type: 'string' },
    state: { type: 'string', enum: ['running', 'succeeded', 'failed', 'cancelled'] },
    host: { type: 'string' },
    instance: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: 'string', format: 'date-time' },
    result: { description: "The operation's outcome" },
    error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' } } },
  },
})

/** The trust report: each check's status as data (see docs/mcp/security.md, "The trust report"). */
export const TrustReportSchema = z.custom<TrustReport>(() => true).openapi('TrustReport', {
  type: 'object',
  description: "A server's trust report, as `tekton-mcp install --json` carries it in `trust`: each check with its status as data",
  properties: {
    server: { type: 'string' },
    version: { type: 'string' },
    source: { type: 'object' },
    ownership: { type: 'object', properties: { status: { type: 'string', enum: ['verified', 'unverified', 'mismatch', 'not-applicable', 'not-checked'] }, detail: { type: 'string' } } },
    signature: { type: 'object', properties: { status: { type: 'string', enum: ['verified', 'no-keys', 'failed', 'not-applicable', 'not-checked'] }, detail: { type: 'string' } } },
    provenance: { type: 'object', properties: { status: { type: 'string', enum: ['verified', 'absent', 'failed', 'not-applicable', 'not-checked'] }, detail: { type: 'string' } } },
    releaseAge: { type: 'object' },
    installScripts: { type: 'object' },
    dependencies: { type: 'object' },
    sandbox: { type: 'object', properties: { status: { type: 'string', enum: ['bubblewrap', 'container', 'none'] }, network: { type: 'string', enum: ['allowed', 'denied', 'unknown'] } } },
    lint: { type: 'object', properties: { status: { type: 'string', enum: ['clean', 'findings', 'pending', 'not-run'] }, policy: { type: 'string', enum: ['warn', 'refuse'] }, findings: { type: 'array', items: { type: 'object' } } } },
    lookAlikes: { type: 'array', items: { type: 'object' } },
    collisions: { type: 'array', items: { type: 'object' } },
  },
})

export const JobAcceptedSchema = z
  .object({
    job: JobSchema,
    events: z.string().openapi({ description: 'Where its events stream' }),
    trust: TrustReportSchema.optional().openapi({
      description: "Install and update: the plan's trust report, as far as it is known before anything is downloaded (the lint is `pending`); the job's result carries the finished one",
    }),
  })
  .openapi('JobAccepted')

export const AuditSchema = z.custom<AuditOutcome>(() => true).openapi('Audit', {
  type: 'object',
  description: 'What `tekton-mcp audit --json` prints: every installed server\'s trust report from its record, the tool names two servers share, and the verdict',
  properties: {
    ok: { type: 'boolean', description: 'False when a server has a failed check (the CLI exits 1)' },
    failures: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          server: { type: 'string' },
          version: { type: 'string' },
          check: { type: 'string', enum: ['signature', 'provenance', 'ownership', 'lint'] },
          status: { type: 'string' },
          detail: { type: 'string' },
        },
      },
    },
    servers: { type: 'array', items: { $ref: '#/components/schemas/TrustReport' } },
    collisions: { type: 'array', items: { type: 'object', properties: { tool: { type: 'string' }, servers: { type: 'array', items: { type: 'string' } } } } },
    checkedAt: { type: 'string', format: 'date-time' },
  },
})

export const HealthSchema = z
  .object({
    status: z.literal('ok'),
    version: z.string(),
    instance: z.string(),
    jobsRunning: z.number().int(),
    jobStore: z.string(),
  })
  .openapi('Health')

export const RegistrationBodySchema = z.strictObject({}).openapi('RegistrationRequest')

export const RegistrationResultSchema = z.custom<RegistrationResult>(() => true).openapi('RegistrationResult', {
  type: 'object',
  description: "What a registration in Ergon's repository did (Ergon's `register_installed_server` answer)",
  properties: {
    success: { type: 'boolean' },
    action: { type: 'string', enum: ['register', 'unregister'] },
    component_id: { type: ['integer', 'null'] },
    capabilities: { type: 'array', items: { type: 'string' }, description: "The server's tools' names" },
    server: { type: 'string' },
    tools: { type: 'object', description: 'Tool names added, removed, changed and unchanged' },
    toolsKnown: { type: 'boolean', description: 'False when the install skipped the handshake: the tools were left as they were' },
    error: { type: 'string' },
    code: { type: 'string' },
  },
})

export const ErgonListParamsSchema = z.object({
  tools: z.enum(['true', 'false']).optional().openapi({ description: "Also each server's active tools" }),
})

export const ErgonListingSchema = z.custom<ErgonListing>(() => true).openapi('ErgonListing', {
  type: 'object',
  properties: {
    store: { type: 'string', description: '`sqlite <file>` or the PostgreSQL URL without its password' },
    servers: { type: 'array', items: { type: 'object', properties: { server: { type: 'object' }, tools: { type: 'array', items: { type: 'object' } } } } },
  },
})

export const ErgonSearchParamsSchema = z.object({
  q: z.string().max(200).default('').openapi({ description: 'Words to look for', example: 'memory' }),
  limit: z.coerce.number().int().min(1).max(100).optional().openapi({ example: 10 }),
})

export const ErgonSearchAnswerSchema = z.custom<ErgonSearchAnswer>(() => true).openapi('ErgonSearchAnswer', {
  type: 'object',
  properties: { store: { type: 'string' }, query: { type: 'string' }, results: { type: 'array', items: { type: 'object', properties: { component: { type: 'object' }, score: { type: 'number' } } } } },
})
