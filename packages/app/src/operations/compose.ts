/**
 * The compose file (`tekton-mcp apply <file.yml>`, the plan's `mcp_compose_example.yml`): the
 * MCP servers a project declares, each with its version, variables, inputs and the clients that
 * should start it, installed and configured so that a second run changes nothing. `export`
 * writes the current installation in the same form. Secret values are never part of the file:
 * it names the variables (`secretEnv`) whose values `apply` reads from its own environment.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { TektonError, toTektonError } from '@tekton/mcp-discovery'
import type { InstallOutcome, InstalledServer } from '@tekton/mcp-installation'
import { z } from 'zod'
import type { TektonMcpCore } from '../tekton-mcp'
import { followInstallation } from './ergon'
import { checkInstallPlan } from './install'

const variableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name (letters, digits and _)')

/** One server a project declares. */
export const ComposeServerSchema = z.strictObject({
  /** What to install: `npm:@scope/name`, `pypi:name`, `docker:image`, `registry:io.github.owner/name`. */
  ref: z.string().min(1).max(400),
  /** A version or range; absent: whatever is installed, else the latest. */
  version: z.string().min(1).max(100).optional(),
  /** Which package of a server with several (`npm`, `pypi`, `oci`). */
  type: z.enum(['npm', 'pypi', 'oci']).optional(),
  /** Record its remote endpoint rather than install a package. */
  remote: z.boolean().optional(),
  /** Variables, in the clear: nothing secret belongs here (a declared secret is still kept in the secret store). */
  env: z.record(variableName, z.string()).optional(),
  /** A dotenv file, relative to the compose file. */
  envFile: z.string().min(1).optional(),
  /** Secret variables whose values `apply` reads from its own environment. */
  secretEnv: z.array(variableName).optional(),
  /** Values for the arguments, placeholders and remote headers server.json declares. */
  inputs: z.record(z.string().min(1), z.union([z.string(), z.array(z.string())])).optional(),
  /** Secret inputs (a remote's `X-API-Key` header), by input name → the variable of `apply`'s environment holding the value. */
  secretInputs: z.record(z.string().min(1), variableName).optional(),
  /** Extra arguments, after the package's own. */
  args: z.array(z.string()).optional(),
  allowScripts: z.boolean().optional(),
  /** @default true */
  handshake: z.boolean().optional(),
  /** Client ids to write the server's entry for (`claude-desktop`, `vscode`, ...). */
  clients: z.array(z.string().min(1)).optional(),
  /** Register the server and its tools in Ergon's repository. */
  ergon: z.boolean().optional(),
})

export const ComposeFileSchema = z.strictObject({
  /** The format's version. */
  version: z.literal(1),
  servers: z.array(ComposeServerSchema),
})

export type ComposeServer = z.infer<typeof ComposeServerSchema>
export type ComposeFile = z.infer<typeof ComposeFileSchema>

/** Parses a compose file's text: YAML (JSON is YAML too), then the schema; every problem by its dotted path. */
export async function parseComposeFile(text: string, file: string): Promise<ComposeFile> {
  const { parseDocument } = await import('yaml')
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true })
  if (document.errors.length > 0) {
    const problems = document.errors.slice(0, 3).map((error) => `line ${error.linePos?.[0]?.line ?? '?'}: ${error.message.split('\n')[0]}`)
    throw new TektonError('E_COMPOSE_INVALID', `${file} is not valid YAML: ${problems.join('; ')}`, { hint: 'Fix the YAML; see docs/mcp/configuration.md, "Compose file"' })
  }
  const parsed = ComposeFileSchema.safeParse(document.toJS())
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`)
    throw new TektonError('E_COMPOSE_INVALID', `${file} does not match the compose schema: ${problems.join('; ')}`, {
      hint: 'A compose file is `version: 1` and `servers:`, a list of { ref, version, env, secretEnv, inputs, args, clients, ergon, ... }; see docs/mcp/configuration.md',
    })
  }
  const names = new Map<string, number>()
  parsed.data.servers.forEach((server, index) => {
    const seen = names.get(server.ref)
    if (seen !== undefined) throw new TektonError('E_COMPOSE_INVALID', `${file}: servers.${index}.ref: ${server.ref} is declared twice (also servers.${seen}.ref)`)
    names.set(server.ref, index)
  })
  return parsed.data
}

/** Writes a server's client entries (the clients engineer's app operation; wired by the integrator). */
export type ConfigureClientsSeam = (name: string, clients: readonly string[]) => Promise<unknown>

export interface ApplyComposeOptions {
  /** The compose file. */
  file: string
  /**
   * Writes client entries for an entry's `clients`. Absent (no client writers in this build):
   * entries naming clients get a note saying nothing was written.
   */
  configureClients?: ConfigureClientsSeam
  signal?: AbortSignal
}

/** What `apply` did to one declared server. */
export interface AppliedServer {
  ref: string
  name: string
  /** `installed`, `updated` (to the declared version), `configured` (variables or arguments), or `unchanged`. */
  action: 'installed' | 'updated' | 'configured' | 'unchanged'
  version: string
  notes: string[]
  clients?: unknown
  ergon?: unknown
}

export interface ApplyComposeResult {
  file: string
  /** False when nothing was changed (a second `apply` of the same file). */
  changed: boolean
  servers: AppliedServer[]
}

function sameValues(left: readonly string[] | undefined, right: readonly string[] | undefined): boolean {
  return JSON.stringify(left ?? []) === JSON.stringify(right ?? [])
}

/**
 * Installs what the file declares and is missing, moves a server whose declared version differs
 * to it, and sets variables and arguments that differ; what matches is left alone, so a second
 * run changes nothing. Variables set by other means are kept (the file sets, it does not unset).
 */
export async function applyCompose(core: TektonMcpCore, options: ApplyComposeOptions): Promise<ApplyComposeResult> {
  const file = path.resolve(core.cwd, options.file)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new TektonError('E_COMPOSE_INVALID', `could not read ${file}: ${(error as NodeJS.ErrnoException).code ?? toTektonError(error).message}`, { hint: 'Give the path of a compose file (YAML)' })
  }
  const compose = await parseComposeFile(text, file)
  const { readEnvironmentFile } = await import('@tekton/mcp-installation')
  const service = await core.installation()
  // Every entry's values are read before anything is installed: a missing secret fails the run up front.
  const prepared = await Promise.all(
    compose.servers.map(async (entry, index) => {
      const fromFile = entry.envFile ? await readEnvironmentFile(path.resolve(path.dirname(file), entry.envFile)) : {}
      const secrets: Record<string, string> = {}
      for (const name of entry.secretEnv ?? []) {
        const value = core.env[name]
        if (value === undefined || value === '') {
          throw new TektonError('E_INVALID_INPUT', `servers.${index}.secretEnv: ${name} is not set in this environment`, { hint: `Export ${name} before running apply; its value is never written to the compose file` })
        }
        secrets[name] = value
      }
      const inputs: Record<string, string | string[]> = { ...entry.inputs }
      for (const [key, name] of Object.entries(entry.secretInputs ?? {})) {
        const value = core.env[name]
        if (value === undefined || value === '') {
          throw new TektonError('E_INVALID_INPUT', `servers.${index}.secretInputs.${key}: ${name} is not set in this environment`, { hint: `Export ${name} before running apply` })
        }
        inputs[key] = value
      }
      return { entry, env: { ...fromFile, ...entry.env }, secrets, inputs }
    }),
  )
  const results: AppliedServer[] = []
  for (const { entry, env, secrets, inputs } of prepared) {
    options.signal?.throwIfAborted()
    const common = {
      env,
      ...(Object.keys(secrets).length > 0 ? { secrets } : {}),
      ...(Object.keys(inputs).length > 0 ? { inputs } : {}),
      ...(entry.type ? { registryType: entry.type } : {}),
      ...(entry.remote ? { remote: true } : {}),
      ...(entry.allowScripts ? { allowScripts: true } : {}),
      handshake: entry.handshake ?? true,
    }
    const plan = await service.planInstall(entry.ref, { ...common, ...(entry.args ? { args: entry.args } : {}), ...(entry.version ? { version: entry.version } : {}), ...(options.signal ? { signal: options.signal } : {}) })
    const record = (await service.state.read()).servers[plan.name]
    let applied: AppliedServer
    if (!record) {
      if (plan.missingInputs && plan.missingInputs.length > 0) {
        const { missingInputsError } = await import('@tekton/mcp-installation')
        throw missingInputsError(plan.name, plan.missingInputs)
      }
      checkInstallPlan(plan)
      const outcome: InstallOutcome = await service.installServer(plan.ref, {
        ...common,
        ...(entry.args ? { args: entry.args } : {}),
        ...(plan.exact ? { version: plan.version } : entry.version ? { version: entry.version } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      })
      applied = { ref: entry.ref, name: outcome.server.name, action: 'installed', version: outcome.version, notes: outcome.notes }
    } else {
      applied = await reconcile(service, record, entry, env, secrets, plan.version, plan.exact)
    }
    if (entry.clients && entry.clients.length > 0) {
      if (options.configureClients) applied.clients = await options.configureClients(applied.name, entry.clients)
      else applied.notes.push(`clients ${entry.clients.join(', ')}: not written, this build has no client writers (ApplyComposeOptions.configureClients)`)
    }
    if (entry.ergon) {
      const registered = applied.action === 'unchanged' ? await registeredInErgon(core, applied.name, applied.version) : false
      if (!registered) applied.ergon = await followInstallation(core, applied.name, applied.action === 'updated' ? 'update' : 'install', { register: true })
    }
    results.push(applied)
  }
  return { file, changed: results.some((server) => server.action !== 'unchanged' || server.ergon !== undefined), servers: results }
}

/** An installed server against its entry: the declared version, then variables and arguments. */
async function reconcile(
  service: Awaited<ReturnType<TektonMcpCore['installation']>>,
  record: InstalledServer,
  entry: ComposeServer,
  env: Record<string, string>,
  secrets: Record<string, string>,
  plannedVersion: string,
  exact: boolean,
): Promise<AppliedServer> {
  const notes: string[] = []
  let action: AppliedServer['action'] = 'unchanged'
  let version = record.activeVersion
  if (entry.version && exact && plannedVersion !== record.activeVersion && !record.remote) {
    const outcome = await service.updateServer(record.name, { to: plannedVersion })
    action = outcome.changed ? 'updated' : action
    version = outcome.version
    notes.push(...outcome.notes)
  }
  const current = record.configuration.env
  const changedEnv = Object.fromEntries(Object.entries(env).filter(([name, value]) => current[name] !== value))
  const listed = new Set(record.configuration.secrets ?? [])
  const changedSecrets = Object.fromEntries(Object.entries(secrets).filter(([name, value]) => current[name] !== value || !listed.has(name)))
  const argsChanged = entry.args !== undefined && !sameValues(entry.args, record.configuration.args)
  if (Object.keys(changedEnv).length > 0 || Object.keys(changedSecrets).length > 0 || argsChanged) {
    await service.configureServer(record.name, { env: changedEnv, ...(Object.keys(changedSecrets).length > 0 ? { secrets: changedSecrets } : {}), ...(argsChanged ? { args: entry.args } : {}) })
    if (action === 'unchanged') action = 'configured'
    const names = [...Object.keys(changedEnv), ...Object.keys(changedSecrets)].sort()
    notes.push(`set ${[...(names.length > 0 ? [names.join(', ')] : []), ...(argsChanged ? ['the extra arguments'] : [])].join(' and ')}`)
  }
  return { ref: entry.ref, name: record.name, action, version, notes }
}

/** Whether Ergon holds this server at this version already (then registering again changes nothing). */
async function registeredInErgon(core: TektonMcpCore, name: string, version: string): Promise<boolean> {
  try {
    const ergon = await core.ergon()
    const listing = await ergon.integration.listRegistered()
    return listing.some((entry) => entry.server.name === name && entry.server.version === version)
  } catch {
    return false
  }
}

/** The installation as a compose file (no secret values: secret variables are listed in `secretEnv`). */
export async function exportCompose(core: TektonMcpCore): Promise<{ document: ComposeFile; yaml: string }> {
  const service = await core.installation()
  const { isSecretVariable } = await import('@tekton/mcp-installation')
  const state = await service.state.read()
  const servers: ComposeServer[] = Object.values(state.servers)
    .sort((left, right) => left.name.localeCompare(right.name))
    .map((record) => {
      const secretNames = new Set(record.configuration.secrets ?? [])
      const env = Object.fromEntries(Object.entries(record.configuration.env).filter(([name]) => !secretNames.has(name) && !isSecretVariable(name, record.environmentVariables)))
      const secretEnv = [...new Set([...secretNames, ...Object.keys(record.configuration.env).filter((name) => isSecretVariable(name, record.environmentVariables))])].sort()
      // An input named like a secret is left out: its value would be written in the clear.
      // So is one declared secret (`secretInputs`: a secret argument, a remote URL's secret variable).
      const listedSecretInputs = record.configuration.secretInputs ?? []
      const inputs = Object.fromEntries(
        Object.entries(record.configuration.inputs ?? {}).filter(([key]) => !listedSecretInputs.includes(key) && !isSecretVariable(key.replace(/^-+/, '').replace(/-/g, '_'))),
      )
      // A remote's secret headers and the secret inputs are given through variables of apply's environment (X-API-Key → X_API_KEY).
      const secretInputs = Object.fromEntries(
        [...(record.remote?.secretHeaders ?? []), ...listedSecretInputs].map((key) => [key, key.replace(/^-+/, '').toUpperCase().replace(/[^A-Z0-9_]/g, '_')]),
      )
      return {
        ref: record.ref,
        version: record.activeVersion,
        ...(record.remote ? { remote: true } : ['npm', 'pypi', 'oci'].includes(record.registryType) ? { type: record.registryType as 'npm' | 'pypi' | 'oci' } : {}),
        ...(Object.keys(env).length > 0 ? { env } : {}),
        ...(secretEnv.length > 0 ? { secretEnv } : {}),
        ...(Object.keys(inputs).length > 0 ? { inputs } : {}),
        ...(Object.keys(secretInputs).length > 0 ? { secretInputs } : {}),
        ...(record.configuration.args.length > 0 ? { args: [...record.configuration.args] } : {}),
        ...(record.allowScripts ? { allowScripts: true } : {}),
      }
    })
  const document: ComposeFile = { version: 1, servers }
  const { stringify } = await import('yaml')
  const header = '# tekton-mcp compose file: `tekton-mcp apply <this file>` installs and configures these servers.\n# Secret values are not written: export the variables named in secretEnv before applying.\n'
  return { document, yaml: `${header}${stringify(document)}` }
}
