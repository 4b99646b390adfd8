/**
 * Installing a remote server: fill its URL and headers from the inputs, prove it with a handshake
 * over HTTP (unless skipped) and record it (`installer: 'remote'`). Nothing is written under
 * `servers/`; the record's one version stands for the server.json version it was recorded from.
 */
import type { ServerMetadata, Transport } from '@tekton/mcp-discovery'
import type { ProgressEvent } from './spec/installer'
import type { HandshakeResult } from './handshake'
import { missingInputsError } from './package-inputs'
import type { InputValues } from './package-inputs'
import { remoteHandshake, resolveRemote } from './remote-server'
import { maskSecretInputs } from './secret-inputs'
import { findRecord, recordedSource, viewServer } from './server-view'
import { checkInputValues } from './package-inputs'
import { timed, withServerLock } from './service-context'
import type { ProgressListener, ServiceContext } from './service-context'
import type { InstalledServer } from './state'
import type { InstallOutcome } from './install-server'
import type { InstallPlan } from './plan-install'
import { mcpSignsOf } from './mcp-signs'
import { redactEnvironment } from './environment'
import { buildTrustReport } from './trust/report'
import type { TrustInputs } from './trust/report'

/** The installer type and registry type of remote records. */
export const remoteInstallerType = 'remote'

/** What a remote install needs from the install options. */
export interface RemoteInstallInput {
  server: ServerMetadata
  ref: string
  slug: string
  remote: Transport
  inputs: InputValues | undefined
  handshake: boolean
  reinstall: boolean
  timeoutMs: number
  signal?: AbortSignal
  progress: ProgressListener
  started: number
}

/** The plan of a remote install: where it connects, which inputs are missing; nothing is installed. */
export function planRemote(
  context: ServiceContext,
  input: Pick<RemoteInstallInput, 'server' | 'ref' | 'slug' | 'remote' | 'inputs' | 'handshake'>,
  installedVersion: string | undefined,
  installed: Pick<TrustInputs, 'otherServers' | 'installedPackages'>,
): InstallPlan {
  const resolved = resolveRemote(input.remote, input.inputs === undefined ? {} : checkInputValues(input.inputs))
  // A secret URL variable shows as its placeholder, as in the state file.
  const shownUrl = maskSecretInputs(resolved.url, resolved.secretUrlInputs)
  // Nothing runs here, so no signature, provenance, scripts or sandbox: the report says what it can
  // (source, ownership, look-alikes); the lint reads the handshake over HTTP.
  const trust = buildTrustReport({
    server: input.server.name,
    version: input.server.version,
    ref: input.ref,
    registryType: remoteInstallerType,
    identifier: shownUrl,
    ...(input.server.registryName ? { registryName: input.server.registryName } : {}),
    ...(input.server.repository?.url ? { repository: input.server.repository.url } : {}),
    installer: remoteInstallerType,
    ownershipFacts: input.server.verified ?? [],
    allowScripts: false,
    handshake: input.handshake ? 'pending' : null,
    lintPolicy: 'warn',
    ...installed,
    now: context.now,
  })
  return {
    trust,
    name: input.server.name,
    ref: input.ref,
    slug: input.slug,
    version: input.server.version,
    exact: true,
    installer: remoteInstallerType,
    package: { registryType: remoteInstallerType, identifier: shownUrl },
    packageChoice: `the remote ${resolved.transport} endpoint ${shownUrl}: nothing is downloaded or run here`,
    directory: context.layout.serverDir(input.slug),
    envNames: [],
    requirements: { ok: true, checks: [] },
    allowScripts: false,
    handshake: input.handshake,
    ...(installedVersion === undefined ? {} : { installedVersion, versionChange: installedVersion === input.server.version ? 'same' : 'unknown' }),
    mcpSigns: mcpSignsOf(input.server),
    notes: [`Connects to ${shownUrl} over ${resolved.transport}${Object.keys(resolved.headers).length > 0 ? ` with the headers ${Object.keys(resolved.headers).join(', ')}` : ''}`],
    missingInputs: resolved.missing,
    remote: { transport: resolved.transport, url: shownUrl, headers: redactEnvironment(resolved.headers, resolved.secretHeaders) },
  }
}

/** Records a remote server after a handshake over HTTP (see the module comment). */
export async function installRemote(context: ServiceContext, input: RemoteInstallInput): Promise<InstallOutcome> {
  const { server, slug } = input
  const emit = (event: ProgressEvent) => input.progress({ ...event, server: server.name })
  const resolved = resolveRemote(input.remote, input.inputs === undefined ? {} : checkInputValues(input.inputs))
  if (resolved.missing.length > 0) throw missingInputsError(server.name, resolved.missing)
  return withServerLock(context, slug, `install ${server.name}`, async () => {
    const existing = findRecord(await context.state.read(), server.name)
    if (existing && !input.reinstall) {
      return {
        changed: false,
        server: viewServer(context, existing),
        version: existing.activeVersion,
        handshake: existing.versions[existing.activeVersion]?.handshake ?? null,
        notes: [`${server.name} ${existing.activeVersion} is already installed`],
        durationMs: context.now() - input.started,
      }
    }
    const notes: string[] = []
    let handshake: HandshakeResult | null = null
    if (input.handshake) {
      handshake = await timed(
        context,
        emit,
        'handshake',
        `${resolved.transport} ${resolved.url}`,
        () => remoteHandshake(resolved, { timeoutMs: input.timeoutMs, secrets: resolved.secretValues, now: context.now, ...(input.signal ? { signal: input.signal } : {}) }),
        (found) => `${found.serverInfo.name} ${found.serverInfo.version}: ${found.tools.length} ${found.tools.length === 1 ? 'tool' : 'tools'}`,
      )
    } else {
      notes.push('Handshake skipped: the server was not contacted, so it is not known to answer and its tools are not recorded')
    }
    const record = await timed(context, emit, 'record', 'installed.json', () =>
      context.state.update((state) => {
        const timestamp = new Date(context.now()).toISOString()
        const updated: InstalledServer = {
          name: server.name,
          slug,
          ref: input.ref,
          source: recordedSource(server),
          installer: remoteInstallerType,
          registryType: remoteInstallerType,
          identifier: resolved.url,
          activeVersion: server.version,
          versions: {
            [server.version]: {
              version: server.version,
              // Nothing is installed: the server's directory is named for layout's sake and never created.
              directory: context.layout.serverDir(slug),
              installedAt: timestamp,
              integrity: { value: resolved.url, source: 'remote' },
              treeDigest: 'remote',
              fileCount: 0,
              launch: { command: '', args: [], env: {} },
              handshake,
            },
          },
          configuration: {
            env: {},
            args: [],
            ...(Object.keys(resolved.secretUrlInputs).length > 0 ? { inputs: { ...resolved.secretUrlInputs }, secretInputs: Object.keys(resolved.secretUrlInputs).sort() } : {}),
          },
          environmentVariables: [],
          allowScripts: false,
          installedAt: existing?.installedAt ?? timestamp,
          updatedAt: timestamp,
          remote: {
            transport: resolved.transport,
            url: resolved.url,
            headers: { ...resolved.headers },
            ...(resolved.secretHeaders.length > 0 ? { secretHeaders: [...resolved.secretHeaders] } : {}),
          },
        }
        state.servers[server.name] = updated
        return updated
      }),
    )
    return {
      changed: true,
      server: viewServer(context, record),
      version: server.version,
      ...(existing ? { previousVersion: existing.activeVersion } : {}),
      handshake,
      notes,
      durationMs: context.now() - input.started,
    }
  })
}

/** A handshake with a recorded remote (verify). */
export function handshakeRecordedRemote(context: ServiceContext, record: InstalledServer, timeoutMs: number, signal: AbortSignal | undefined): Promise<HandshakeResult> {
  const remote = record.remote!
  const secrets = (remote.secretHeaders ?? []).map((name) => remote.headers[name] ?? '')
  return remoteHandshake({ transport: remote.transport, url: remote.url, headers: remote.headers }, { timeoutMs, secrets, now: context.now, ...(signal ? { signal } : {}) })
}
