/**
 * Reading installed servers: finding a record by name or ref, and the views the service returns,
 * with secret values `••••` everywhere and the active version spelled out.
 */
import { maskSecretInputs, secretInputsOf } from './secret-inputs'
import { TektonError, looksLikeRef } from '@tekton/mcp-discovery'
import type { ServerMetadata } from '@tekton/mcp-discovery'
import type { LaunchSpec } from './spec/installer'
import { redactEnvironment } from './environment'
import type { HandshakeResult } from './handshake'
import type { InstalledServer, InstalledVersion } from './state'
import { safeFormatRef } from './resolve-target'
import { effectiveLaunch, secretDeclarationsOf, secretNamesOf } from './server-configuration'
import type { ServiceContext } from './service-context'

/** An installed server as returned to callers: secrets redacted, the active version spelled out. */
export interface InstalledServerView extends InstalledServer {
  /** The active version's directory. */
  directory: string
  /** The `current` pointer (follows updates). */
  currentDirectory: string
  /** What runs: the active version's launch with configured arguments and variables (secrets `••••`). */
  launch: LaunchSpec
  /** The active version's handshake; `null` when it was skipped. */
  handshake: HandshakeResult | null
  /** Required variables that have neither a configured value nor a default. */
  missingEnv: string[]
}

/** Every installed server, sorted by name, secrets redacted. */
export async function getInstalledServers(context: ServiceContext): Promise<InstalledServerView[]> {
  const state = await context.state.read()
  return Object.values(state.servers)
    .sort((left, right) => left.name.localeCompare(right.name))
    .map((record) => viewServer(context, record))
}

/**
 * One installed server by name, by the ref it was installed from, or by its short name when only
 * one server has it (see `lookupRecord`), or `null`.
 */
export async function getInstalledServer(context: ServiceContext, name: string): Promise<InstalledServerView | null> {
  const record = lookupRecord(await context.state.read(), name)
  return record ? viewServer(context, record) : null
}

/** The active version's launch spec with configuration applied; secret values `••••` unless `revealSecrets`. */
export async function getLaunchSpec(context: ServiceContext, name: string, options: { revealSecrets?: boolean }): Promise<LaunchSpec> {
  const record = requireRecord(await context.state.read(), name)
  const launch = effectiveLaunch(record, record.activeVersion)
  if (options.revealSecrets) return launch
  return maskSecretInputs({ ...launch, env: redactEnvironment(launch.env, secretNamesOf(secretDeclarationsOf(record), launch.env)) }, secretInputsOf(record.configuration))
}

/** What callers see: secrets redacted everywhere, the active version spelled out. */
export function viewServer(context: ServiceContext, record: InstalledServer): InstalledServerView {
  const launch = effectiveLaunch(record, record.activeVersion)
  const declared = secretDeclarationsOf(record)
  const secrets = new Set([...secretNamesOf(declared, launch.env), ...secretNamesOf(declared, record.configuration.env)])
  const versions: Record<string, InstalledVersion> = {}
  for (const [version, installed] of Object.entries(record.versions)) {
    versions[version] = { ...installed, launch: { ...installed.launch, env: redactEnvironment(installed.launch.env, secrets) } }
  }
  const active = record.versions[record.activeVersion]!
  const missingEnv = record.environmentVariables
    .filter((variable) => variable.isRequired && variable.default === undefined && launch.env[variable.name] === undefined)
    .map((variable) => variable.name)
  // Secret inputs (arguments, a remote URL's variables) show as their placeholders, as in the file.
  return maskSecretInputs<InstalledServerView>({
    ...record,
    versions,
    configuration: {
      env: redactEnvironment(record.configuration.env, secrets),
      args: [...record.configuration.args],
      ...(record.configuration.secrets ? { secrets: [...record.configuration.secrets] } : {}),
    },
    ...(record.remote ? { remote: { ...record.remote, headers: redactEnvironment(record.remote.headers, record.remote.secretHeaders ?? []) } } : {}),
    directory: active.directory,
    currentDirectory: context.layout.currentLink(record.slug),
    launch: { ...launch, env: redactEnvironment(launch.env, secrets) },
    handshake: active.handshake,
    missingEnv,
  }, secretInputsOf(record.configuration))
}

/** A record by server name or by the ref it was installed from, or `undefined`. */
export function findRecord(state: { servers: Record<string, InstalledServer> }, name: string): InstalledServer | undefined {
  const direct = Object.hasOwn(state.servers, name) ? state.servers[name] : undefined
  if (direct) return direct
  // Also by the ref it was installed from (`npm:@scope/name`), with or without a version.
  const ref = looksLikeRef(name) ? safeFormatRef(name) : undefined
  return Object.values(state.servers).find((record) => record.ref === name || (ref !== undefined && record.ref === ref))
}

/**
 * The short names of a server: the last path segment of its name and of its package, without a
 * scope (`@modelcontextprotocol/server-memory` and `io.github.owner/server-memory` →
 * `server-memory`), lower-cased. The docs and people call servers that.
 */
export function shortNamesOf(record: Pick<InstalledServer, 'name' | 'identifier'>): Set<string> {
  const lastSegment = (text: string) => text.slice(text.lastIndexOf('/') + 1).toLowerCase()
  return new Set([lastSegment(record.name), lastSegment(record.identifier)])
}

/**
 * What a person typed to name an installed server: its name, the ref it was installed from, or
 * (a plain word, without `/` or `:`) its short name when exactly one installed server has that
 * short name. Several is `E_AMBIGUOUS_NAME` listing them, since guessing could remove or change
 * the wrong server. Only for names a person types: an install compares full names (`findRecord`),
 * so installing `cowsay` is never taken for an installed `@other/cowsay`.
 */
export function lookupRecord(state: { servers: Record<string, InstalledServer> }, name: string): InstalledServer | undefined {
  const exact = findRecord(state, name)
  if (exact || name.includes('/') || name.includes(':')) return exact
  const wanted = name.toLowerCase()
  const matches = Object.values(state.servers).filter((record) => shortNamesOf(record).has(wanted))
  if (matches.length <= 1) return matches[0]
  const names = matches.map((record) => record.name).sort()
  throw new TektonError('E_AMBIGUOUS_NAME', `${JSON.stringify(name.slice(0, 100))} is the short name of ${matches.length} installed servers: ${names.join(', ')}`, {
    hint: `Name one in full, e.g. ${names[0]}`,
  })
}

/** Like `lookupRecord`, but a missing server is `E_NOT_INSTALLED` naming what is installed. */
export function requireRecord(state: { servers: Record<string, InstalledServer> }, name: string): InstalledServer {
  if (typeof name !== 'string' || name.length === 0 || name.length > 400) throw new TektonError('E_INVALID_NAME', 'A server name is required')
  const record = lookupRecord(state, name)
  if (!record) {
    const installed = Object.keys(state.servers)
    throw new TektonError('E_NOT_INSTALLED', `${JSON.stringify(name.slice(0, 100))} is not installed`, {
      hint: installed.length > 0 ? `Installed: ${installed.slice(0, 10).join(', ')}${installed.length > 10 ? ', …' : ''}` : 'Nothing is installed yet',
    })
  }
  return record
}

/** What a record keeps of the metadata it was installed from (`InstalledServer.source`). */
export function recordedSource(server: ServerMetadata): InstalledServer['source'] {
  return {
    name: server.name,
    ...(server.title ? { title: server.title } : {}),
    description: server.description,
    ...(server.registryName ? { registryName: server.registryName } : {}),
    ...(server.repository ? { repository: { url: server.repository.url, source: server.repository.source } } : {}),
    ...(server.websiteUrl ? { websiteUrl: server.websiteUrl } : {}),
  }
}
