/**
 * Updating a server: the new version is installed beside the active one and handshaken, and
 * only then switched to. Its tools are compared with the recorded ones, since a server that
 * starts offering other tools is a change its user should see before it runs.
 */
import { TektonError } from '@tekton/mcp-discovery'
import type { ServerMetadata } from '@tekton/mcp-discovery'
import type { ProgressEvent } from './spec/installer'
import type { TrustOptions } from './spec/verification'
import { baselineFromRecord, trustRulesOf } from './verification'
import { checkEnvironmentVariables, declaredEnvironment } from './environment'
import { ToolChangesError } from './errors'
import { versionDirectoryName } from './names'
import { requirementsError } from './requirements'
import { describeToolDiff, diffTools, hasToolChanges } from './tools'
import { commitCandidate, stageCandidate } from './activation'
import { reconcileServer, sweep } from './cleanup'
import type { InstallOutcome } from './install-server'
import { choosePackage, installerFailure, installerFor } from './package-choice'
import { checkMetadata, checkRequestedVersion, resolveMetadata } from './resolve-target'
import { requireRecord, viewServer } from './server-view'
import { checkPackagePolicy, progressFor, timed, withServerLock, withTrustDefaults } from './service-context'
import { chooseSandbox } from './sandbox-launch'
import type { ProgressListener, ServiceContext } from './service-context'
import { reviewCandidate } from './trust/review'
import { checkRepositoryIdentity, repositoryIdentityRefusal } from './repository-identity'
import type { TrustReviewOptions } from './trust/review'

/** Options of `updateServer`. */
export interface UpdateServerOptions extends TrustOptions, TrustReviewOptions {
  /** Version, range or tag to update to. @default the latest */
  to?: string
  /** Accept a new version whose tools differ from the recorded ones. @default false */
  approveToolChanges?: boolean
  /** @default the value recorded at install */
  allowScripts?: boolean
  /**
   * Install although the runtime does not satisfy the package's engines and npm's \`engine-strict\`
   * makes that a refusal (without it a mismatch is only a warning). Not recorded. @default false
   */
  ignoreEngines?: boolean
  /** @default true */
  handshake?: boolean
  /** Use this metadata instead of resolving the recorded ref. */
  metadata?: ServerMetadata
  /** Install again even when the resolved version is the active one. @default false */
  reinstall?: boolean
  /** Allow dependencies from outside the registry (git, URLs, files) for this install. @default false */
  allowNonRegistryDependencies?: boolean
  /** Stop the installer's tool (npm) when it makes no progress for this long, in ms. @default the installer's */
  inactivityTimeoutMs?: number
  handshakeTimeoutMs?: number
  signal?: AbortSignal
  progress?: ProgressListener
}

/**
 * Installs another version beside the active one, handshakes it and switches to it. Any failure
 * leaves the old version active and removes the new one's files; changed tools are
 * `E_TOOLS_CHANGED` unless `approveToolChanges`.
 */
export async function updateServer(context: ServiceContext, name: string, callOptions: UpdateServerOptions): Promise<InstallOutcome> {
  const options = withTrustDefaults(context, callOptions)
  const started = context.now()
  const progress = progressFor(context, options.progress)
  const to = checkRequestedVersion(options.to)
  if (options.metadata !== undefined) checkMetadata(options.metadata, 'E_INVALID_INPUT', 'the metadata given')
  const known = requireRecord(await context.state.read(), name)
  if (known.remote) {
    // Nothing of a remote runs here: its version is the server's, updated where it runs.
    return {
      changed: false,
      server: viewServer(context, known),
      version: known.activeVersion,
      handshake: known.versions[known.activeVersion]?.handshake ?? null,
      notes: [`${known.name} is a remote server at ${known.remote.url}: there is nothing here to update (verify re-checks its tools)`],
      durationMs: context.now() - started,
    }
  }
  const emit = (event: ProgressEvent) => progress({ ...event, server: known.name })
  await sweep(context)
  return withServerLock(context, known.slug, `update ${known.name}`, async () => {
    await reconcileServer(context, known.slug, known.name)
    const record = requireRecord(await context.state.read(), known.name)
    const server =
      options.metadata ??
      (await timed(context, emit, 'resolve', record.ref, () => resolveMetadata(context, record.ref, options.signal), (metadata) => metadata.name))
    if (server.name !== record.name) {
      throw new TektonError('E_INVALID_INPUT', `${record.ref} now resolves to ${server.name}, not ${record.name}`, {
        hint: `Uninstall ${record.name} and install ${server.name} if that is what you want`,
      })
    }
    const pkg = server.packages.find((candidate) => candidate.registryType === record.registryType && candidate.identifier === record.identifier)
    const chosen = pkg ? { pkg, installer: installerFor(context.installers, pkg.registryType) } : undefined
    const { pkg: target, installer } = chosen?.installer
      ? { pkg: chosen.pkg, installer: chosen.installer }
      : choosePackage(context.installers, server, undefined, record.registryType)
    checkEnvironmentVariables(declaredEnvironment(target.environmentVariables), `${server.name} metadata`)
    const report = await timed(context, emit, 'requirements', undefined, () =>
      installer.checkRequirements(target, { env: context.env, ...(options.ignoreEngines ? { ignoreEngines: true } : {}), ...(options.signal ? { signal: options.signal } : {}) }).catch(installerFailure(installer, target)),
    )
    const unmet = requirementsError(report, server.name)
    if (unmet) throw unmet
    const allowScripts = options.allowScripts ?? record.allowScripts
    await checkPackagePolicy(context, { operation: 'update', server, ref: record.ref, package: target, allowScripts, allowNonRegistryDependencies: options.allowNonRegistryDependencies === true })
    const active = record.versions[record.activeVersion]
    const unchanged = (version: string): InstallOutcome => ({
      changed: false,
      server: viewServer(context, record),
      version,
      handshake: active?.handshake ?? null,
      notes: [`${record.name} ${version} is installed and active: nothing to update`],
      durationMs: context.now() - started,
    })
    const spec = { server, package: target, ...(to === undefined ? {} : { version: to }), allowScripts, ...(options.ignoreEngines ? { ignoreEngines: true } : {}) }
    if (installer.plan && !options.reinstall) {
      // Ask for the exact version first: an up-to-date server then costs no download.
      const planned = await installer
        .plan(spec, {
          directoryFor: (version) => context.layout.versionDir(record.slug, versionDirectoryName(version)),
          env: context.env,
          ...(options.signal ? { signal: options.signal } : {}),
        })
        .catch(installerFailure(installer, target))
      if (planned.version === record.activeVersion) return unchanged(planned.version)
    }
    // Checked once an update is due (an up-to-date server costs no GitHub request), before the download.
    const repositoryIdentity = await checkRepositoryIdentity(context.repositoryIdLookup, server, options.signal)
    const takenOver = repositoryIdentityRefusal(server.name, repositoryIdentity)
    if (takenOver) throw takenOver
    const baseline = active?.handshake?.tools
    const sandbox = await chooseSandbox(context, { mode: record.sandbox?.mode ?? 'off', network: record.sandbox?.network ?? false }, installer, options.signal)
    const candidate = await stageCandidate(context, {
      sandbox: sandbox.decision,
      network: sandbox.network,
      server,
      slug: record.slug,
      pkg: target,
      installer,
      ...(to === undefined ? {} : { version: to }),
      allowScripts,
      ...(options.ignoreEngines ? { ignoreEngines: true } : {}),
      ...(options.allowNonRegistryDependencies ? { allowNonRegistryDependencies: true } : {}),
      ...(options.inactivityTimeoutMs === undefined ? {} : { inactivityTimeoutMs: options.inactivityTimeoutMs }),
      configuration: record.configuration,
      handshake: options.handshake ?? true,
      timeoutMs: options.handshakeTimeoutMs ?? context.handshakeTimeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      emit,
      stopIfVersion: options.reinstall ? undefined : (version) => version === record.activeVersion,
      trust: { rules: trustRulesOf(options), baseline: baselineFromRecord(record.activeVersion, active?.verification) },
      checkTools: (result, version) => {
        if (!baseline) return undefined
        const diff = diffTools(baseline, result.tools)
        if (hasToolChanges(diff) && !options.approveToolChanges) {
          throw new ToolChangesError(
            `${record.name} ${version} changes its tools (${describeToolDiff(diff).join('; ')}); ${record.activeVersion} stays active`,
            { diff, fromVersion: record.activeVersion, toVersion: version },
            { hint: 'Review the changes, then update again with the tool changes approved' },
          )
        }
        return diff
      },
    })
    if ('unchanged' in candidate) return unchanged(candidate.version)
    if (!baseline) {
      candidate.notes.push(
        active?.handshake === null || !active
          ? `No tools were recorded for ${record.activeVersion} (its handshake was skipped), so there was nothing to compare the new tools with`
          : 'No tools to compare',
      )
    }
    const trust = await reviewCandidate(context, {
      server,
      ref: record.ref,
      pkg: target,
      installer,
      candidate,
      allowScripts,
      ...(options.allowNonRegistryDependencies ? { allowNonRegistryDependencies: true } : {}),
      repositoryIdentity,
      options,
    })
    const updated = await commitCandidate(context, {
      server,
      ref: record.ref,
      slug: record.slug,
      pkg: target,
      installer,
      candidate,
      allowScripts,
      emit,
      previous: record,
      trust,
    })
    return {
      changed: true,
      server: viewServer(context, updated),
      version: candidate.version,
      previousVersion: record.activeVersion,
      ...(candidate.toolDiff ? { toolDiff: candidate.toolDiff } : {}),
      handshake: candidate.handshake,
      ...(candidate.result.verification ? { verification: candidate.result.verification } : {}),
      trust,
      notes: candidate.notes,
      durationMs: context.now() - started,
    }
  })
}
