/**
 * Installing a server: resolve the metadata → choose the package → check requirements → stage
 * and commit (see `activation`). Installing what is installed is a no-op; a reinstall gives the
 * active version fresh files and keeps its configuration.
 */
import { TektonError } from '@tekton/mcp-discovery'
import type { ServerMetadata } from '@tekton/mcp-discovery'
import type { ProgressEvent } from './spec/installer'
import type { TrustOptions, VerificationResult } from './spec/verification'
import { baselineFromRecord, trustRulesOf } from './verification'
import { checkEnvironmentVariables, declaredEnvironment } from './environment'
import { AlreadyInstalledError, ToolChangesError } from './errors'
import type { HandshakeResult } from './handshake'
import type { InstalledServer } from './state'
import { serverSlug } from './names'
import { requirementsError } from './requirements'
import { describeToolDiff, diffTools, hasToolChanges } from './tools'
import type { ToolDiff } from './tools'
import { commitCandidate, stageCandidate } from './activation'
import { reconcileServer, sweep } from './cleanup'
import { hasInstallablePackage, installerFailure, pickPackage } from './package-choice'
import { installRemote } from './install-remote'
import { chooseRemote } from './remote-server'
import { resolveTarget } from './resolve-target'
import { checkArguments, checkChoices, declaredVariables } from './server-configuration'
import { checkInputValues, missingInputsError, packageInputs, resolvePackageLaunch, stillMissing } from './package-inputs'
import type { InputValues } from './package-inputs'
import { findRecord, viewServer } from './server-view'
import type { InstalledServerView } from './server-view'
import { checkPackagePolicy, progressFor, timed, withServerLock, withTrustDefaults } from './service-context'
import { chooseSandbox, sandboxRequestOf } from './sandbox-launch'
import type { SandboxMode } from './sandbox/probe'
import type { ProgressListener, ServiceContext } from './service-context'
import type { TrustReport } from './trust/report'
import { reviewCandidate } from './trust/review'
import { checkRepositoryIdentity, repositoryIdentityRefusal } from './repository-identity'
import type { TrustReviewOptions } from './trust/review'

/**
 * Options of `installServer`. The trust rules (`requireSignatures`, `requireProvenance`,
 * `allowTrustDowngrade`) judge what the installer verified; see `verificationRefusal`.
 */
export interface InstallServerOptions extends TrustOptions, TrustReviewOptions {
  /** Version, range or tag; default: the one in the ref (`npm:x@1.2.3`), else the latest. */
  version?: string
  /** Install from this registry type (`npm`, `pypi`, `oci`) rather than the first one an installer handles. */
  registryType?: string
  /** Run the package's install scripts. Recorded per server and reused by updates. @default false */
  allowScripts?: boolean
  /**
   * Install although the runtime does not satisfy the package's engines and npm's \`engine-strict\`
   * makes that a refusal (without it a mismatch is only a warning). Not recorded. @default false
   */
  ignoreEngines?: boolean
  /** Start the server and complete an MCP handshake before recording it. @default true */
  handshake?: boolean
  /** Configuration to start with (also used for the handshake): see `configureServer`. */
  env?: Record<string, string>
  /**
   * Variables whose values are secret whatever their declaration says (`--secret`): kept in the
   * secret store, never in the state file, shown as `••••`. Variables the metadata marks
   * `isSecret` (or named like secrets) given in `env` are kept there too.
   */
  secrets?: Record<string, string>
  args?: string[]
  /**
   * Values for the arguments and `{placeholders}` the package's server.json declares, by flag
   * (`--schema`), `valueHint` (`database_name`) or placeholder name; a repeated argument takes a
   * list. A required one without a value is `E_MISSING_INPUT` (variables keep their old rule:
   * a missing one is a note, since the server may read it elsewhere).
   */
  inputs?: InputValues
  /**
   * Record the server's remote endpoint (streamable HTTP, else SSE) rather than install a package.
   * A server none of whose packages an installer handles, and that has remotes, is recorded as a
   * remote without it. URL variables and header values come from `inputs`. @default false
   */
  remote?: boolean
  /** Install again when this version is already installed (fresh files, same version). @default false */
  reinstall?: boolean
  /** Allow dependencies from outside the registry (git, URLs, files) for this install. @default false */
  allowNonRegistryDependencies?: boolean
  /** Stop the installer's tool (npm) when it makes no progress for this long, in ms. @default the installer's */
  inactivityTimeoutMs?: number
  handshakeTimeoutMs?: number
  /**
   * Run the server in a sandbox (Node and Python servers; see `sandbox/bubblewrap.ts`): `bubblewrap`
   * or `E_SANDBOX_UNAVAILABLE`, `auto` where one works (else a note says there is none), `off`.
   * Recorded and reused by updates. @default the service's `sandbox.mode` (a reinstall: as recorded)
   */
  sandbox?: SandboxMode
  /** Grant the sandboxed server the network. @default the service's `sandbox.network` (a reinstall: as recorded) */
  sandboxNetwork?: boolean
  signal?: AbortSignal
  progress?: ProgressListener
}

/** What an install or an update did. */
export interface InstallOutcome {
  /** False when nothing was done (already installed, already up to date). */
  changed: boolean
  server: InstalledServerView
  /** The version now active. */
  version: string
  /** The version active before (updates and reinstalls). */
  previousVersion?: string
  /** Tool changes against the previous version (updates), when both handshakes exist. */
  toolDiff?: ToolDiff
  handshake: HandshakeResult | null
  /** What was verified about the installed version (signature, provenance, ownership), when its installer verifies. */
  verification?: VerificationResult
  /** The trust report of the version now active (stored with it); absent when nothing was done. */
  trust?: TrustReport
  /** Sentences worth showing: handshake skipped, no baseline to compare tools against, ... */
  notes: string[]
  durationMs: number
}

/**
 * Installs a server from a ref (resolved with `resolve`) or from its metadata. Another version
 * of an installed server is `E_ALREADY_INSTALLED`: that is an update, with its tool check.
 */
export async function installServer(context: ServiceContext, target: string | ServerMetadata, callOptions: InstallServerOptions): Promise<InstallOutcome> {
  const options = withTrustDefaults(context, callOptions)
  const started = context.now()
  const progress = progressFor(context, options.progress)
  const resolved = await timed(context, progress, 'resolve', undefined, () => resolveTarget(context, target, options.version, options.signal), (result) => `${result.server.name}`)
  const { server, ref, requestedVersion, preferredKind } = resolved
  const slug = serverSlug(server.name)
  // `registryType: 'remote'` is what a remote record says it was installed from (updates pass it back).
  const wantsRemote = options.remote === true || options.registryType === 'remote'
  const remote = options.registryType === undefined || wantsRemote ? chooseRemote(server, { ...(wantsRemote ? { remote: true } : {}), installable: hasInstallablePackage(context.installers, server) }) : undefined
  if (remote) {
    await sweep(context)
    return installRemote(context, {
      server,
      ref,
      slug,
      remote,
      inputs: options.inputs,
      handshake: options.handshake ?? true,
      reinstall: options.reinstall ?? false,
      timeoutMs: options.handshakeTimeoutMs ?? context.handshakeTimeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      progress,
      started,
    })
  }
  const { pkg, installer } = await pickPackage(context.installers, server, preferredKind, options.registryType, { env: context.env, ...(options.signal ? { signal: options.signal } : {}) })
  const inputs = options.inputs === undefined ? undefined : checkInputValues(options.inputs)
  const givenSecrets = checkEnvironmentVariables(options.secrets ?? {}, 'secret')
  // Secret arguments given as inputs: the state store keeps their values in the secret store.
  const secretInputs = packageInputs(pkg)
    .filter((declared) => declared.isSecret && declared.kind !== 'environment' && inputs?.[declared.key] !== undefined)
    .map((declared) => declared.key)
  const configuration: InstalledServer['configuration'] = {
    env: { ...checkEnvironmentVariables(options.env ?? {}, 'configured environment'), ...givenSecrets },
    args: checkArguments(options.args ?? []),
    ...(inputs === undefined ? {} : { inputs }),
    ...(Object.keys(givenSecrets).length > 0 ? { secrets: Object.keys(givenSecrets).sort() } : {}),
    ...(secretInputs.length > 0 ? { secretInputs: secretInputs.sort() } : {}),
  }
  checkEnvironmentVariables(declaredEnvironment(pkg.environmentVariables), `${server.name} metadata`)
  checkChoices(declaredVariables(pkg), configuration.env)
  const emit = (event: ProgressEvent) => progress({ ...event, server: server.name })

  await sweep(context)
  return withServerLock(context, slug, `install ${server.name}`, async () => {
    await reconcileServer(context, slug, server.name)
    const existing = findRecord(await context.state.read(), server.name)
    if (existing && options.reinstall && requestedVersion !== undefined && requestedVersion !== existing.activeVersion) {
      // A reinstall gives the active version fresh files; another version is an update, with its tool check.
      throw new AlreadyInstalledError(
        `${server.name} is installed (${existing.activeVersion}); reinstall only reinstalls that version`,
        { server: server.name, installedVersion: existing.activeVersion, requestedVersion },
        { hint: `Update it to ${requestedVersion} instead` },
      )
    }
    if (existing && !options.reinstall) {
      if (requestedVersion === undefined || requestedVersion === existing.activeVersion) {
        return {
          changed: false,
          server: viewServer(context, existing),
          version: existing.activeVersion,
          handshake: existing.versions[existing.activeVersion]?.handshake ?? null,
          notes: [`${server.name} ${existing.activeVersion} is already installed`],
          durationMs: context.now() - started,
        }
      }
      throw new AlreadyInstalledError(
        `${server.name} is installed (${existing.activeVersion}); ${requestedVersion} was asked for`,
        { server: server.name, installedVersion: existing.activeVersion, requestedVersion },
        { hint: `Update it to ${requestedVersion} instead` },
      )
    }
    const report = await timed(context, emit, 'requirements', undefined, () =>
      installer.checkRequirements(pkg, { env: context.env, ...(options.ignoreEngines ? { ignoreEngines: true } : {}), ...(options.signal ? { signal: options.signal } : {}) }).catch(installerFailure(installer, pkg)),
    )
    const unmet = requirementsError(report, server.name)
    if (unmet) throw unmet
    // A reinstall keeps the configuration, with what these options set on top.
    const effectiveConfiguration = existing
      ? {
          ...existing.configuration,
          env: { ...existing.configuration.env, ...configuration.env },
          ...(existing.configuration.secrets || configuration.secrets ? { secrets: [...new Set([...(existing.configuration.secrets ?? []), ...(configuration.secrets ?? [])])].sort() } : {}),
          args: options.args === undefined ? existing.configuration.args : configuration.args,
          ...(inputs === undefined ? {} : { inputs: { ...existing.configuration.inputs, ...inputs } }),
          ...(existing.configuration.secretInputs || configuration.secretInputs
            ? { secretInputs: [...new Set([...(existing.configuration.secretInputs ?? []), ...(configuration.secretInputs ?? [])])].sort() }
            : {}),
        }
      : configuration
    const missingArguments = stillMissing(resolvePackageLaunch(pkg, { ...effectiveConfiguration.env, ...effectiveConfiguration.inputs }).missing, effectiveConfiguration.args).filter(
      (input) => input.kind !== 'environment',
    )
    if (missingArguments.length > 0) throw missingInputsError(server.name, missingArguments)
    const allowScripts = options.allowScripts ?? existing?.allowScripts ?? context.allowScriptsByDefault
    await checkPackagePolicy(context, { operation: 'install', server, ref, package: pkg, allowScripts, allowNonRegistryDependencies: options.allowNonRegistryDependencies === true })
    // A registry entry whose repository was deleted and recreated is refused before anything is downloaded.
    const repositoryIdentity = await checkRepositoryIdentity(context.repositoryIdLookup, server, options.signal)
    const takenOver = repositoryIdentityRefusal(server.name, repositoryIdentity)
    if (takenOver) throw takenOver
    const sandbox = await chooseSandbox(context, sandboxRequestOf(options, existing), installer, options.signal)
    const candidate = await stageCandidate(context, {
      sandbox: sandbox.decision,
      network: sandbox.network,
      server,
      slug,
      pkg,
      installer,
      ...(existing ? { version: existing.activeVersion } : requestedVersion === undefined ? {} : { version: requestedVersion }),
      allowScripts,
      ...(options.ignoreEngines ? { ignoreEngines: true } : {}),
      ...(options.allowNonRegistryDependencies ? { allowNonRegistryDependencies: true } : {}),
      ...(options.inactivityTimeoutMs === undefined ? {} : { inactivityTimeoutMs: options.inactivityTimeoutMs }),
      configuration: effectiveConfiguration,
      handshake: options.handshake ?? true,
      timeoutMs: options.handshakeTimeoutMs ?? context.handshakeTimeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      emit,
      trust: { rules: trustRulesOf(options), baseline: existing ? baselineFromRecord(existing.activeVersion, existing.versions[existing.activeVersion]?.verification) : undefined },
      checkTools: (result, version) => {
        const baseline = existing?.versions[existing.activeVersion]?.handshake?.tools
        if (!baseline) return undefined
        const diff = diffTools(baseline, result.tools)
        if (hasToolChanges(diff)) {
          throw new ToolChangesError(
            `${server.name} ${version} reinstalled lists other tools than when it was installed (${describeToolDiff(diff).join('; ')}); the installed files stay`,
            { diff, fromVersion: existing!.activeVersion, toVersion: version },
            { hint: 'The same version should not change: check where it comes from. To accept it, uninstall and install again' },
          )
        }
        return diff
      },
    })
    if ('unchanged' in candidate) throw new TektonError('E_INTERNAL', 'unexpected unchanged candidate on install')
    const trust = await reviewCandidate(context, {
      server,
      ref,
      pkg,
      installer,
      candidate,
      allowScripts,
      ...(options.allowNonRegistryDependencies ? { allowNonRegistryDependencies: true } : {}),
      repositoryIdentity,
      options,
    })
    const record = await commitCandidate(context, {
      server,
      ref,
      slug,
      pkg,
      installer,
      candidate,
      allowScripts,
      configuration: effectiveConfiguration,
      sandbox: sandbox.recorded ?? null,
      emit,
      previous: existing ?? undefined,
      trust,
    })
    return {
      changed: true,
      server: viewServer(context, record),
      version: candidate.version,
      ...(existing ? { previousVersion: existing.activeVersion } : {}),
      handshake: candidate.handshake,
      ...(candidate.result.verification ? { verification: candidate.result.verification } : {}),
      trust,
      notes: candidate.notes,
      durationMs: context.now() - started,
    }
  })
}

