/**
 * Installed servers in MCP clients' own files: writing a server's entry for the clients asked
 * for, listing what each detected client has (and whether our entries still match the installed
 * launch), removing our entries when a server is uninstalled, and rewriting them when it is
 * updated. The writers (@tekton/mcp-clients) are loaded only by these operations.
 */
import path from 'node:path'
import { TektonError } from '@tekton/mcp-discovery'
import type { ClientEntry, ClientScope, ClientWriter, LaunchWithSecrets, OwnedEntryStatus, RemoteBridge, WriteOutcome } from '@tekton/mcp-clients'
import { redactedValue } from '@tekton/mcp-installation'
import { homedirOf } from '../sources'
import type { TektonMcpCore } from '../tekton-mcp'

/** How the app writes client files (settings `clients.*` once the integrator wires them). */
export interface ClientsSettings {
  /** Client ids `install --client` / `configure --client` use when none are given. @default [] */
  default?: string[]
  /** A client's user file path, by client id. */
  paths?: Record<string, string>
  /** The secret launcher's command for a server with secrets (clients without indirection). */
  launchWithSecrets?: LaunchWithSecrets
  /** A stdio bridge for remote servers in clients that start stdio servers only. */
  remoteBridge?: RemoteBridge
  /** Writers for other targets (Ergon), listed after the clients. */
  extraWriters?: readonly ClientWriter[]
  /** @default process.platform */
  platform?: NodeJS.Platform
}

export interface ConfigureClientsOptions {
  /** Client ids; `clients.default` when empty. */
  clients: readonly string[]
  /** @default 'user' */
  scope?: ClientScope
  /** Overwrite an entry that is not ours or was edited by hand. */
  force?: boolean
  /** Write secret values in plain text where the client has no indirection. */
  plainSecrets?: boolean
  /** Compute the entries without writing (secret values `••••`). */
  print?: boolean
}

/** What happened in one client's file. */
export interface ClientWriteResult {
  client: string
  file: string
  name: string
  action: WriteOutcome['action'] | 'printed' | 'failed'
  backup?: string
  /** The entry as written (or as it would be, for `print`); secret values never appear. */
  entry?: Record<string, unknown>
  inputs?: Record<string, unknown>[]
  notes?: string[]
  error?: { code: string; message: string; hint?: string }
}

export interface ConfigureClientsResult {
  server: string
  results: ClientWriteResult[]
}

/** A client as `clients` lists it. */
export interface ClientListing {
  id: string
  name: string
  detected: boolean
  evidence: string
  files: { scope: ClientScope; file: string; exists: boolean; servers: string[]; error?: string }[]
  /** Our entries, with drift: `outdated` when the installed server now launches differently, `orphaned` when it is gone. */
  ours: (Omit<OwnedEntryStatus, 'launch' | 'status'> & { status: OwnedEntryStatus['status'] | 'outdated' | 'orphaned' })[]
}

/** The writers, over the app's data dir, environment and settings. */
export async function clientWriters(core: TektonMcpCore, settings: ClientsSettings, options: { plainSecrets?: boolean } = {}): Promise<ClientWriter[]> {
  const { createClientWriters } = await import('@tekton/mcp-clients')
  return createClientWriters({
    stateFile: path.join(core.paths.data, 'client-entries.json'),
    platform: settings.platform ?? process.platform,
    home: homedirOf(core.env),
    env: core.env,
    cwd: core.cwd,
    now: core.now,
    ...(settings.paths ? { paths: settings.paths } : {}),
    ...(settings.launchWithSecrets ? { launchWithSecrets: settings.launchWithSecrets } : {}),
    ...(settings.remoteBridge ? { remoteBridge: settings.remoteBridge } : {}),
    ...(settings.extraWriters ? { extraWriters: settings.extraWriters } : {}),
    ...(options.plainSecrets ? { plainSecrets: true } : {}),
  })
}

/**
 * The neutral entry of an installed server: its active version's absolute launch with the
 * configuration applied. Secret variables are named in `secrets`; their values stay in `env`
 * only for a writer told to write them (`plainSecrets`), the others leave them out.
 */
export async function clientEntryFor(core: TektonMcpCore, name: string, options: { revealSecrets?: boolean } = { revealSecrets: true }): Promise<{ server: string; entry: ClientEntry }> {
  const service = await core.installation()
  const view = await service.getInstalledServer(name)
  if (!view) throw new TektonError('E_NOT_INSTALLED', `${JSON.stringify(name.slice(0, 100))} is not installed`, { hint: 'Install it first (the client entry launches the installed files)' })
  const { clientEntryName } = await import('@tekton/mcp-clients')
  const entryName = clientEntryName(view.name)
  const remote = (view as { remote?: { transport?: string; url?: string; headers?: Record<string, string>; secretHeaders?: string[] } }).remote
  if (remote?.url) {
    // Secret header values live in the secret store; the view shows them redacted, so they are
    // named (for a client's own prompt) and never written as the redaction mark.
    const secretHeaders = [...new Set(remote.secretHeaders ?? [])].sort()
    const headers = Object.fromEntries(Object.entries(remote.headers ?? {}).filter(([header]) => !secretHeaders.includes(header)))
    return {
      server: view.name,
      entry: {
        name: entryName,
        server: view.name,
        kind: 'remote',
        transport: remote.transport === 'sse' ? 'sse' : 'streamable-http',
        url: remote.url,
        headers,
        secretHeaders: secretHeaders.map((header) => ({ name: header })),
        // The view shows secret URL variables as placeholders: the bridge fills them in at launch.
        ...(remote.url.includes('{tekton-secret') ? { urlHasSecrets: true } : {}),
      },
    }
  }
  const revealed = await service.getLaunchSpec(view.name, { revealSecrets: true })
  const redacted = view.launch
  const secretNames = new Set(Object.keys(revealed.env).filter((variable) => redacted.env[variable] !== revealed.env[variable] || redacted.env[variable] === redactedValue))
  for (const variable of view.environmentVariables) if (variable.isSecret && variable.isRequired) secretNames.add(variable.name)
  const secrets = [...secretNames].sort().map((variable) => {
    const description = view.environmentVariables.find((declared) => declared.name === variable)?.description
    return description ? { name: variable, description } : { name: variable }
  })
  return {
    server: view.name,
    entry: {
      name: entryName,
      server: view.name,
      kind: 'stdio',
      command: revealed.command,
      args: options.revealSecrets === false ? [...redacted.args] : [...revealed.args],
      env: options.revealSecrets === false ? redacted.env : { ...revealed.env },
      secrets,
      // Secret arguments show as placeholders in the view: the entry needs the launcher (or plainSecrets).
      ...(redacted.args.join('\0') !== revealed.args.join('\0') ? { maskedArgs: [...redacted.args] } : {}),
    },
  }
}

function failure(error: unknown): ClientWriteResult['error'] {
  if (TektonError.isInstance(error)) return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) }
  return { code: 'E_INTERNAL', message: (error as Error)?.message ?? String(error) }
}

/** The client ids a write will use (`clients.default` when none given); `E_CLIENT_UNKNOWN` for one that is none. Checked before an install, so a typo fails first. */
export async function resolveClientIds(core: TektonMcpCore, settings: ClientsSettings, ids: readonly string[]): Promise<string[]> {
  const chosen = ids.length > 0 ? [...ids] : [...(settings.default ?? [])]
  const { pickClientWriters } = await import('@tekton/mcp-clients')
  pickClientWriters(await clientWriters(core, settings), chosen.filter((id) => id !== ergonClientId))
  return chosen
}

/**
 * `ergon`, among client ids: Ergon's repository (its SQL store) rather than a file. Writing to it
 * registers the server and its tools, as `tekton-mcp ergon register` does.
 */
export const ergonClientId = 'ergon'

async function writeToErgon(core: TektonMcpCore, server: string, print: boolean): Promise<ClientWriteResult> {
  const { describeLocation, ergonDatabaseLocation } = await import('@tekton/mcp-ergon')
  const file = describeLocation(ergonDatabaseLocation(core.env, core.cwd))
  if (print) return { client: ergonClientId, file, name: server, action: 'printed', notes: ["registered in Ergon's repository as an mcp_server component, each tool a component of its own"] }
  const ergon = await core.ergon()
  const before = (await ergon.repository.getMcpServers()).some((registered: { name?: string }) => registered.name === server)
  const registration = await ergon.integration.registerInstalledServer(server)
  if (!registration.success) {
    return { client: ergonClientId, file, name: server, action: 'failed', error: { code: registration.code ?? 'E_INTERNAL', message: registration.error ?? 'registration failed' } }
  }
  return { client: ergonClientId, file, name: server, action: before ? 'updated' : 'added', notes: [`${registration.capabilities.length} tools registered`] }
}

/** Writes (or, with `print`, shows) an installed server's entry in each client asked for. Throws on the first failure. */
export async function configureClients(core: TektonMcpCore, settings: ClientsSettings, name: string, options: ConfigureClientsOptions): Promise<ConfigureClientsResult> {
  const named = options.clients.length > 0 ? [...options.clients] : [...(settings.default ?? [])]
  if (named.length === 0) throw new TektonError('E_INVALID_INPUT', 'no client named', { hint: 'Name the clients to write (claude-desktop, vscode, codex, ...), or set default clients in the settings' })
  const ids = named.filter((id) => id !== ergonClientId)
  const { pickClientWriters } = await import('@tekton/mcp-clients')
  const writers = ids.length > 0 ? pickClientWriters(await clientWriters(core, settings, { plainSecrets: options.plainSecrets === true || options.print === true }), ids) : []
  const { server, entry } = await clientEntryFor(core, name, { revealSecrets: options.print !== true })
  const scope = options.scope ?? 'user'
  const results: ClientWriteResult[] = []
  for (const writer of writers) {
    const file = writer.locate(scope)
    if (!file) throw new TektonError('E_CLIENT_UNSUPPORTED', `${writer.displayName} has no ${scope} configuration file`, { hint: `Use the ${writer.scopes.join(' or ')} scope for ${writer.id}` })
    const rendered = writer.render(entry)
    if (options.print) {
      results.push({ client: writer.id, file, name: entry.name, action: 'printed', entry: rendered.value, ...(rendered.inputs ? { inputs: rendered.inputs } : {}), notes: rendered.notes })
      continue
    }
    const outcome = await writer.add(entry, { scope, server, ...(options.force ? { force: true } : {}) })
    results.push({ ...outcome, notes: rendered.notes.filter((note) => !note.includes('plain text') || options.plainSecrets === true) })
  }
  if (named.includes(ergonClientId)) results.push(await writeToErgon(core, server, options.print === true))
  return { server, results }
}

/** Every client: detected or not, its files and their servers, and our entries with drift. */
export async function listClients(core: TektonMcpCore, settings: ClientsSettings): Promise<ClientListing[]> {
  const writers = await clientWriters(core, settings)
  const service = await core.installation()
  const installed = new Set((await service.getInstalledServers()).map((server) => server.name))
  const expected = new Map<string, ClientEntry | undefined>()
  const listings: ClientListing[] = []
  for (const writer of writers) {
    const detection = await writer.detect()
    const files: ClientListing['files'] = []
    for (const scope of writer.scopes) {
      const file = writer.locate(scope)!
      try {
        const contents = await writer.read(scope)
        files.push({ scope, file, exists: contents.exists, servers: contents.entries.map((entry) => entry.name) })
      } catch (error) {
        files.push({ scope, file, exists: true, servers: [], error: (error as Error).message })
      }
    }
    const ours: ClientListing['ours'] = []
    for (const owned of await writer.listOurs()) {
      const { launch: _launch, ...rest } = owned
      let status: ClientListing['ours'][number]['status'] = owned.status
      if (!installed.has(owned.server)) status = 'orphaned'
      else if (owned.status === 'ok') {
        if (!expected.has(owned.server)) expected.set(owned.server, await clientEntryFor(core, owned.server).then((found) => found.entry, () => undefined))
        const entry = expected.get(owned.server)
        const contents = entry ? await writer.read(owned.scope).catch(() => undefined) : undefined
        const current = contents?.file === owned.file ? contents.entries.find((item) => item.name === owned.name)?.value : undefined
        if (entry && current !== undefined) {
          try {
            const { entryDigest } = await import('@tekton/mcp-clients')
            if (entryDigest(writer.render({ ...entry, name: owned.name }).value) !== entryDigest(current)) status = 'outdated'
          } catch {
            // An entry that cannot be rendered now (a secret without a launcher) is not called outdated.
          }
        }
      }
      ours.push({ ...rest, status })
    }
    listings.push({ id: writer.id, name: writer.displayName, detected: detection.installed, evidence: detection.evidence, files, ours })
  }
  return listings
}

/** Removes a server's entries from every client file we wrote them into; an entry edited by hand is kept unless `force`. */
export async function removeFromClients(core: TektonMcpCore, settings: ClientsSettings, server: string, options: { force?: boolean } = {}): Promise<ClientWriteResult[]> {
  const results: ClientWriteResult[] = []
  for (const writer of await clientWriters(core, settings)) {
    for (const owned of (await writer.listOurs()).filter((entry) => entry.server === server)) {
      try {
        results.push(await writer.remove(owned.name, { scope: owned.scope, file: owned.file, ...(options.force ? { force: true } : {}) }))
      } catch (error) {
        results.push({ client: writer.id, file: owned.file, name: owned.name, action: 'failed', error: failure(error) })
      }
    }
  }
  return results
}

/** Rewrites a server's entries (after an update) with its current launch. */
export async function rewriteClients(core: TektonMcpCore, settings: ClientsSettings, server: string, options: { force?: boolean } = {}): Promise<ClientWriteResult[]> {
  const results: ClientWriteResult[] = []
  let found: Awaited<ReturnType<typeof clientEntryFor>> | undefined
  for (const writer of await clientWriters(core, settings)) {
    for (const owned of (await writer.listOurs()).filter((entry) => entry.server === server)) {
      try {
        found ??= await clientEntryFor(core, server)
        results.push(await writer.update({ ...found.entry, name: owned.name }, { scope: owned.scope, file: owned.file, server: found.server, ...(options.force ? { force: true } : {}) }))
      } catch (error) {
        results.push({ client: writer.id, file: owned.file, name: owned.name, action: 'failed', error: failure(error) })
      }
    }
  }
  return results
}
