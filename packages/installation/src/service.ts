/**
 * MCPInstallationService: install, update, configure, verify and uninstall MCP servers.
 *
 * Every install runs the same steps: resolve the metadata → check requirements → the installer
 * downloads, verifies and installs into a staging directory → handshake (in staging) → the
 * staging directory is renamed into `servers/<slug>/versions/<version>` → the `current` pointer
 * is switched → the state file records it. A failure at any step removes what that install
 * wrote and leaves the previous state as it was; a killed run is cleaned up by the next one.
 */
import { randomBytes } from 'node:crypto'
import { access, mkdir, readFile, readdir, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { ServerMetadataSchema, TektonError, formatRef, looksLikeRef, parseRef, toTektonError } from '@tekton/mcp-discovery'
import type { Package, RefKind, ServerMetadata } from '@tekton/mcp-discovery'
import { tektonPaths } from '@tekton/mcp-discovery/paths'
import type { InstallResult, InstallStep, LaunchSpec, MCPServerInstaller, ProgressEvent, RequirementReport } from './spec/installer'
import { HandshakeError, ToolChangesError } from './errors'
import { buildServerEnvironment, checkEnvironmentVariables, declaredEnvironment, isSecretVariable, redactEnvironment, redactedValue } from './environment'
import { handshake as runHandshake } from './handshake'
import type { HandshakeResult } from './handshake'
import { createStaging, installationLayout, readPointer, sweepStaging, switchPointer } from './layout'
import type { InstallationLayout, Staging } from './layout'
import { acquireLock, withLock } from './lock'
import type { LockSettings } from './lock'
import { checkLaunchSpec, relocateLaunchSpec } from './launch'
import { assertValidServerName, serverSlug, versionDirectoryName } from './names'
import { requirementsError } from './requirements'
import { createStateStore, writeFileAtomic } from './state'
import type { DeclaredVariable, InstalledServer, InstalledVersion, StateStore } from './state'
import { compareTrees, hashTree, manifestDigest } from './tree-digest'
import type { TreeEntry, TreeManifest } from './tree-digest'
import { describeToolDiff, diffTools, hasToolChanges } from './tools'
import type { ToolDiff } from './tools'

/** Resolves a ref (or a bare name) to metadata: a function, or the discovery service itself. */
export type MetadataResolver =
  | ((ref: string, context: { signal?: AbortSignal }) => Promise<ServerMetadata>)
  | { getServerMetadata(ref: string, options?: { signal?: AbortSignal }): Promise<ServerMetadata> }

/** A progress event from the service: the installer's events pass through with `server` set. */
export type ProgressListener = (event: ProgressEvent) => void

export interface InstallationServiceOptions {
  /** The installers to choose from by the package's `registryType`. */
  installers: readonly MCPServerInstaller[]
  /**
   * Turns a ref into metadata (an `MCPDiscoveryService` works as it is). Needed to install from
   * a ref and to update; installing from a `ServerMetadata` object needs none.
   */
  resolve?: MetadataResolver
  /** The data directory. @default tektonPaths(env).data (honours TEKTON_MCP_HOME) */
  home?: string
  /** The parent environment: allow-listed for servers, passed to installers. @default process.env */
  env?: NodeJS.ProcessEnv
  /** Time a handshake gets, in ms (a server fetched by npx on first start can be slow). @default 30000 */
  handshakeTimeoutMs?: number
  /** Clock (epoch ms) for records and durations. @default Date.now */
  now?: () => number
  /** Told when each step starts and ends. */
  progress?: ProgressListener
  /** A lock not refreshed for this long belongs to a dead process and is taken over. @default 10000 */
  lockStaleMs?: number
  /** How long a state write waits for another process. @default 15000 */
  lockTimeoutMs?: number
  /** How long an operation on a server waits for another process working on the same server. @default 600000 */
  serverLockTimeoutMs?: number
  /** Previous versions kept after an update (for a rollback). @default 1 */
  keepPreviousVersions?: number
}

export interface InstallServerOptions {
  /** Version, range or tag; default: the one in the ref (`npm:x@1.2.3`), else the latest. */
  version?: string
  /** Install from this registry type (`npm`, `pypi`, `oci`) rather than the first one an installer handles. */
  registryType?: string
  /** Run the package's install scripts. Recorded per server and reused by updates. @default false */
  allowScripts?: boolean
  /** Start the server and complete an MCP handshake before recording it. @default true */
  handshake?: boolean
  /** Configuration to start with (also used for the handshake): see `configureServer`. */
  env?: Record<string, string>
  args?: string[]
  /** Install again when this version is already installed (fresh files, same version). @default false */
  reinstall?: boolean
  handshakeTimeoutMs?: number
  signal?: AbortSignal
  progress?: ProgressListener
}

export interface UpdateServerOptions {
  /** Version, range or tag to update to. @default the latest */
  to?: string
  /** Accept a new version whose tools differ from the recorded ones. @default false */
  approveToolChanges?: boolean
  /** @default the value recorded at install */
  allowScripts?: boolean
  /** @default true */
  handshake?: boolean
  /** Use this metadata instead of resolving the recorded ref. */
  metadata?: ServerMetadata
  /** Install again even when the resolved version is the active one. @default false */
  reinstall?: boolean
  handshakeTimeoutMs?: number
  signal?: AbortSignal
  progress?: ProgressListener
}

export interface ConfigureServerOptions {
  /** Variables to set; `null` removes one. Merged into the existing ones unless `replaceEnv`. */
  env?: Record<string, string | null>
  /** Extra arguments appended to the launch arguments; replaces the previous list. */
  args?: string[]
  /** Names of variables to remove. */
  unset?: string[]
  /** Replace all configured variables by `env`. @default false */
  replaceEnv?: boolean
}

export interface VerifyServerOptions {
  /** Also start the server and compare its tools with the recorded ones. @default true */
  handshake?: boolean
  handshakeTimeoutMs?: number
  signal?: AbortSignal
}

export interface PlanInstallOptions {
  version?: string
  registryType?: string
  allowScripts?: boolean
  handshake?: boolean
  env?: Record<string, string>
  args?: string[]
  signal?: AbortSignal
}

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
  /** Sentences worth showing: handshake skipped, no baseline to compare tools against, ... */
  notes: string[]
  durationMs: number
}

export interface UninstallOutcome {
  name: string
  /** The versions whose files were removed. */
  versions: string[]
  /** The directory removed (the server's whole directory). */
  removed: string
  notes: string[]
}

export interface VerifyOutcome {
  name: string
  version: string
  directory: string
  /** Files intact and, when checked, the handshake succeeded with unchanged tools. */
  ok: boolean
  files: {
    ok: boolean
    /** The digest recorded at install time. */
    expected: string
    actual: string
    changed: string[]
    missing: string[]
    added: string[]
    /** False when the manifest file beside the version no longer matches the recorded digest (the lists are then unreliable). */
    manifestIntact: boolean
  }
  /** `null` when skipped. */
  handshake:
    | { ok: true; result: HandshakeResult; toolDiff: ToolDiff | null }
    | { ok: false; error: { code: string; message: string; hint?: string; stderr?: string; exitCode?: number } }
    | null
  notes: string[]
}

export interface InstallPlan {
  name: string
  ref: string
  slug: string
  /** The exact version when the installer could tell (it has `plan`), else what was asked for or the latest known. */
  version: string
  exact: boolean
  installer: MCPServerInstaller['type']
  package: { registryType: string; identifier: string; version?: string }
  /** Where it will be installed. */
  directory: string
  /** What will run (paths final, arguments untruncated, secret values `••••`); absent when the installer cannot plan. */
  launch?: LaunchSpec
  /** Names of the variables the server will get besides the allow-list. */
  envNames: string[]
  requirements: RequirementReport
  allowScripts: boolean
  handshake: boolean
  /** The version installed now, when the server is installed. */
  installedVersion?: string
  notes: string[]
}

const registryTypeOfKind: Partial<Record<RefKind, string>> = { npm: 'npm', pypi: 'pypi', docker: 'oci' }

/** What a finished staging produced: installed and handshaken in staging, not yet in place. */
interface Candidate {
  version: string
  staging: Staging
  result: InstallResult
  /** The launch spec with staging paths. */
  stagedLaunch: LaunchSpec
  handshake: HandshakeResult | null
  toolDiff?: ToolDiff
  notes: string[]
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function abortedError(operation: string, cause?: unknown): TektonError {
  return new TektonError('E_ABORTED', `${operation} was aborted`, cause === undefined ? {} : { cause })
}

/** Install, update, configure, verify and uninstall MCP servers (see the module comment). */
export class MCPInstallationService {
  /** Where everything lives. */
  readonly layout: InstallationLayout
  readonly state: StateStore
  private readonly installers: readonly MCPServerInstaller[]
  private readonly resolver: MetadataResolver | undefined
  private readonly env: NodeJS.ProcessEnv
  private readonly handshakeTimeoutMs: number
  private readonly now: () => number
  private readonly progress: ProgressListener | undefined
  private readonly lockStaleMs: number
  private readonly serverLockSettings: LockSettings
  private readonly keepPreviousVersions: number

  constructor(options: InstallationServiceOptions) {
    if (!options || !Array.isArray(options.installers)) {
      throw new TektonError('E_CONFIG', 'MCPInstallationService: installers must be an array of installers')
    }
    for (const installer of options.installers) {
      if (!installer || installer.specVersion !== 'v1' || !Array.isArray(installer.registryTypes) || typeof installer.install !== 'function') {
        throw new TektonError('E_CONFIG', `MCPInstallationService: ${String((installer as { type?: string } | undefined)?.type ?? installer)} is not a v1 installer`, {
          hint: 'Installers implement MCPServerInstaller (specVersion v1, type, registryTypes, checkRequirements, install)',
        })
      }
    }
    const positive = (name: string, value: number | undefined, fallback: number) => {
      if (value === undefined) return fallback
      if (!Number.isFinite(value) || value < 0) throw new TektonError('E_CONFIG', `MCPInstallationService: ${name} must be a non-negative number, got ${value}`)
      return value
    }
    this.env = options.env ?? process.env
    const home = options.home ?? tektonPaths(this.env).data
    if (typeof home !== 'string' || home.trim() === '') throw new TektonError('E_CONFIG', 'MCPInstallationService: home must be a directory path')
    this.layout = installationLayout(home)
    this.installers = options.installers
    this.resolver = options.resolve
    this.handshakeTimeoutMs = positive('handshakeTimeoutMs', options.handshakeTimeoutMs, 30_000) || 30_000
    this.now = options.now ?? Date.now
    this.progress = options.progress
    this.lockStaleMs = Math.max(2000, positive('lockStaleMs', options.lockStaleMs, 10_000))
    this.serverLockSettings = { staleMs: this.lockStaleMs, timeoutMs: positive('serverLockTimeoutMs', options.serverLockTimeoutMs, 600_000) }
    this.keepPreviousVersions = Math.floor(positive('keepPreviousVersions', options.keepPreviousVersions, 1))
    this.state = createStateStore({
      file: this.layout.stateFile,
      lockStaleMs: this.lockStaleMs,
      lockTimeoutMs: positive('lockTimeoutMs', options.lockTimeoutMs, 15_000),
    })
  }

  // ---------------------------------------------------------------- reading

  /** Every installed server, sorted by name, secrets redacted. */
  async getInstalledServers(): Promise<InstalledServerView[]> {
    const state = await this.state.read()
    return Object.values(state.servers)
      .sort((left, right) => left.name.localeCompare(right.name))
      .map((record) => this.view(record))
  }

  /** One installed server by name (or by the ref it was installed from), or `null`. */
  async getInstalledServer(name: string): Promise<InstalledServerView | null> {
    const record = this.findRecord(await this.state.read(), name)
    return record ? this.view(record) : null
  }

  /**
   * The launch spec of the active version with configuration applied: `env` holds the declared
   * and configured variables (the allow-listed parent variables are added at spawn time, see
   * `buildServerEnvironment`). Secret values are `••••` unless `revealSecrets`.
   */
  async getLaunchSpec(name: string, options: { revealSecrets?: boolean } = {}): Promise<LaunchSpec> {
    const record = this.requireRecord(await this.state.read(), name)
    const launch = this.effectiveLaunch(record, record.activeVersion)
    return options.revealSecrets ? launch : { ...launch, env: redactEnvironment(launch.env, this.secretNames(record, launch.env)) }
  }

  // ---------------------------------------------------------------- planning

  /**
   * What `installServer` would do, without writing anything: the version, the package and
   * installer, the final directory, the command line (from the installer's `plan`, when it has
   * one), the variables the server gets and the requirements report. For confirmation prompts.
   */
  async planInstall(target: string | ServerMetadata, options: PlanInstallOptions = {}): Promise<InstallPlan> {
    const { server, ref, requestedVersion, preferredKind } = await this.resolveTarget(target, options.version, options.signal)
    const slug = serverSlug(server.name)
    const { pkg, installer } = this.choosePackage(server, preferredKind, options.registryType)
    const configuredEnv = checkEnvironmentVariables(options.env ?? {}, 'configured environment')
    const extraArgs = this.checkArguments(options.args ?? [])
    const declared = declaredVariables(pkg)
    checkEnvironmentVariables(declaredEnvironment(pkg.environmentVariables), `${server.name} metadata`)
    const requirements = await installer.checkRequirements(pkg, { env: this.env, ...(options.signal ? { signal: options.signal } : {}) }).catch(installerFailure(installer, pkg))
    const allowScripts = options.allowScripts ?? false
    const spec = { server, package: pkg, ...(requestedVersion === undefined ? {} : { version: requestedVersion }), allowScripts }
    const notes: string[] = []
    let version = requestedVersion ?? pkg.version ?? server.version
    let exact = false
    let launch: LaunchSpec | undefined
    if (installer.plan) {
      const planned = await installer
        .plan(spec, {
          directoryFor: (candidate) => this.layout.versionDir(slug, versionDirectoryName(candidate)),
          env: this.env,
          ...(options.signal ? { signal: options.signal } : {}),
        })
        .catch(installerFailure(installer, pkg))
      versionDirectoryName(planned.version)
      version = planned.version
      exact = true
      const checked = checkLaunchSpec(planned.launch, `${installer.type} installer plan`)
      const env = { ...declaredEnvironment(pkg.environmentVariables), ...checked.env, ...configuredEnv }
      launch = { ...checked, args: [...checked.args, ...extraArgs], env: redactEnvironment(env, secretNamesOf(declared, env)) }
      notes.push(...(planned.notes ?? []))
    } else {
      notes.push(`The ${installer.type} installer cannot tell the command before installing; it is shown after the install`)
    }
    const envNames = [...new Set([...Object.keys(launch?.env ?? {}), ...declared.map((variable) => variable.name), ...Object.keys(configuredEnv)])].sort()
    const installed = this.findRecord(await this.state.read(), server.name)
    if (!requirements.ok) notes.push('The requirements are not met: the install would fail (see requirements)')
    const missing = declared.filter((variable) => variable.isRequired && variable.default === undefined && configuredEnv[variable.name] === undefined)
    if (missing.length > 0) notes.push(`Required variables not configured: ${missing.map((variable) => variable.name).join(', ')}`)
    return {
      name: server.name,
      ref,
      slug,
      version,
      exact,
      installer: installer.type,
      package: { registryType: pkg.registryType, identifier: pkg.identifier, ...(pkg.version === undefined ? {} : { version: pkg.version }) },
      directory: this.layout.versionDir(slug, versionDirectoryName(version)),
      ...(launch ? { launch } : {}),
      envNames,
      requirements,
      allowScripts,
      handshake: options.handshake ?? true,
      ...(installed ? { installedVersion: installed.activeVersion } : {}),
      notes,
    }
  }

  // ---------------------------------------------------------------- install

  /**
   * Installs a server from a ref (`npm:@scope/name@1.2.3`, resolved with `resolve`) or from its
   * metadata. Installing a server that is installed is a no-op (`changed: false`) when no other
   * version is asked for; another version is `E_ALREADY_INSTALLED` (use `updateServer`).
   */
  async installServer(target: string | ServerMetadata, options: InstallServerOptions = {}): Promise<InstallOutcome> {
    const started = this.now()
    const progress = this.progressFor(options.progress)
    const resolved = await this.timed(progress, 'resolve', undefined, () => this.resolveTarget(target, options.version, options.signal), (result) => `${result.server.name}`)
    const { server, ref, requestedVersion, preferredKind } = resolved
    const slug = serverSlug(server.name)
    const { pkg, installer } = this.choosePackage(server, preferredKind, options.registryType)
    const configuration = { env: checkEnvironmentVariables(options.env ?? {}, 'configured environment'), args: this.checkArguments(options.args ?? []) }
    checkEnvironmentVariables(declaredEnvironment(pkg.environmentVariables), `${server.name} metadata`)
    this.checkChoices(declaredVariables(pkg), configuration.env)
    const emit = (event: ProgressEvent) => progress({ ...event, server: server.name })

    await this.sweep()
    return this.withServerLock(slug, `install ${server.name}`, async () => {
      await this.reconcileServer(slug, server.name)
      const existing = this.findRecord(await this.state.read(), server.name)
      if (existing && options.reinstall && requestedVersion !== undefined && requestedVersion !== existing.activeVersion) {
        // A reinstall gives the active version fresh files; another version is an update, with its tool check.
        throw new TektonError('E_ALREADY_INSTALLED', `${server.name} is installed (${existing.activeVersion}); reinstall only reinstalls that version`, {
          hint: `Update it instead: tekton-mcp update ${server.name} --to ${requestedVersion}`,
        })
      }
      if (existing && !options.reinstall) {
        if (requestedVersion === undefined || requestedVersion === existing.activeVersion) {
          return {
            changed: false,
            server: this.view(existing),
            version: existing.activeVersion,
            handshake: existing.versions[existing.activeVersion]?.handshake ?? null,
            notes: [`${server.name} ${existing.activeVersion} is already installed`],
            durationMs: this.now() - started,
          }
        }
        throw new TektonError('E_ALREADY_INSTALLED', `${server.name} is installed (${existing.activeVersion}); ${requestedVersion} was asked for`, {
          hint: `Update it instead: tekton-mcp update ${server.name} --to ${requestedVersion}`,
        })
      }
      const report = await this.timed(emit, 'requirements', undefined, () =>
        installer.checkRequirements(pkg, { env: this.env, ...(options.signal ? { signal: options.signal } : {}) }).catch(installerFailure(installer, pkg)),
      )
      const unmet = requirementsError(report, server.name)
      if (unmet) throw unmet
      // A reinstall keeps the configuration, with what these options set on top.
      const effectiveConfiguration = existing
        ? { env: { ...existing.configuration.env, ...configuration.env }, args: options.args === undefined ? existing.configuration.args : configuration.args }
        : configuration
      const allowScripts = options.allowScripts ?? existing?.allowScripts ?? false
      const candidate = await this.stageCandidate({
        server,
        slug,
        pkg,
        installer,
        ...(existing ? { version: existing.activeVersion } : requestedVersion === undefined ? {} : { version: requestedVersion }),
        allowScripts,
        configuration: effectiveConfiguration,
        handshake: options.handshake ?? true,
        timeoutMs: options.handshakeTimeoutMs ?? this.handshakeTimeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
        emit,
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
      const record = await this.commit({
        server,
        ref,
        slug,
        pkg,
        installer,
        candidate,
        allowScripts,
        configuration: effectiveConfiguration,
        emit,
        previous: existing ?? undefined,
      })
      return {
        changed: true,
        server: this.view(record),
        version: candidate.version,
        ...(existing ? { previousVersion: existing.activeVersion } : {}),
        handshake: candidate.handshake,
        notes: candidate.notes,
        durationMs: this.now() - started,
      }
    })
  }

  // ---------------------------------------------------------------- update

  /**
   * Installs another version beside the active one, handshakes it and switches to it. Any
   * failure (the server exits, hangs or does not speak MCP) leaves the old version active and
   * removes the new one's files. When the tools differ from the recorded ones, the update is
   * refused with `E_TOOLS_CHANGED` (carrying the diff) unless `approveToolChanges`.
   */
  async updateServer(name: string, options: UpdateServerOptions = {}): Promise<InstallOutcome> {
    const started = this.now()
    const progress = this.progressFor(options.progress)
    const to = checkRequestedVersion(options.to)
    if (options.metadata !== undefined) checkMetadata(options.metadata, 'E_INVALID_INPUT', 'the metadata given')
    const known = this.requireRecord(await this.state.read(), name)
    const emit = (event: ProgressEvent) => progress({ ...event, server: known.name })
    await this.sweep()
    return this.withServerLock(known.slug, `update ${known.name}`, async () => {
      await this.reconcileServer(known.slug, known.name)
      const record = this.requireRecord(await this.state.read(), known.name)
      const server =
        options.metadata ??
        (await this.timed(emit, 'resolve', record.ref, () => this.resolveMetadata(record.ref, options.signal), (metadata) => metadata.name))
      if (server.name !== record.name) {
        throw new TektonError('E_INVALID_INPUT', `${record.ref} now resolves to ${server.name}, not ${record.name}`, {
          hint: `Uninstall ${record.name} and install ${server.name} if that is what you want`,
        })
      }
      const pkg = server.packages.find((candidate) => candidate.registryType === record.registryType && candidate.identifier === record.identifier)
      const chosen = pkg ? { pkg, installer: this.installerFor(pkg.registryType) } : undefined
      const { pkg: target, installer } = chosen?.installer ? { pkg: chosen.pkg, installer: chosen.installer } : this.choosePackage(server, undefined, record.registryType)
      checkEnvironmentVariables(declaredEnvironment(target.environmentVariables), `${server.name} metadata`)
      const report = await this.timed(emit, 'requirements', undefined, () =>
        installer.checkRequirements(target, { env: this.env, ...(options.signal ? { signal: options.signal } : {}) }).catch(installerFailure(installer, target)),
      )
      const unmet = requirementsError(report, server.name)
      if (unmet) throw unmet
      const allowScripts = options.allowScripts ?? record.allowScripts
      const active = record.versions[record.activeVersion]
      const unchanged = (version: string): InstallOutcome => ({
        changed: false,
        server: this.view(record),
        version,
        handshake: active?.handshake ?? null,
        notes: [`${record.name} ${version} is installed and active: nothing to update`],
        durationMs: this.now() - started,
      })
      const spec = { server, package: target, ...(to === undefined ? {} : { version: to }), allowScripts }
      if (installer.plan && !options.reinstall) {
        // Ask for the exact version first: an up-to-date server then costs no download.
        const planned = await installer
          .plan(spec, {
            directoryFor: (version) => this.layout.versionDir(record.slug, versionDirectoryName(version)),
            env: this.env,
            ...(options.signal ? { signal: options.signal } : {}),
          })
          .catch(installerFailure(installer, target))
        if (planned.version === record.activeVersion) return unchanged(planned.version)
      }
      const baseline = active?.handshake?.tools
      const candidate = await this.stageCandidate({
        server,
        slug: record.slug,
        pkg: target,
        installer,
        ...(to === undefined ? {} : { version: to }),
        allowScripts,
        configuration: record.configuration,
        handshake: options.handshake ?? true,
        timeoutMs: options.handshakeTimeoutMs ?? this.handshakeTimeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
        emit,
        stopIfVersion: options.reinstall ? undefined : (version) => version === record.activeVersion,
        checkTools: (result, version) => {
          if (!baseline) return undefined
          const diff = diffTools(baseline, result.tools)
          if (hasToolChanges(diff) && !options.approveToolChanges) {
            throw new ToolChangesError(
              `${record.name} ${version} changes its tools (${describeToolDiff(diff).join('; ')}); ${record.activeVersion} stays active`,
              { diff, fromVersion: record.activeVersion, toVersion: version },
              { hint: `Review the changes, then update with approval (--approve-tool-changes / approveToolChanges: true)` },
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
      const updated = await this.commit({
        server,
        ref: record.ref,
        slug: record.slug,
        pkg: target,
        installer,
        candidate,
        allowScripts,
        emit,
        previous: record,
      })
      return {
        changed: true,
        server: this.view(updated),
        version: candidate.version,
        previousVersion: record.activeVersion,
        ...(candidate.toolDiff ? { toolDiff: candidate.toolDiff } : {}),
        handshake: candidate.handshake,
        notes: candidate.notes,
        durationMs: this.now() - started,
      }
    })
  }

  // ---------------------------------------------------------------- uninstall

  /**
   * Removes a server: its record, then its directory (every version, the pointer, the
   * manifests) and, through the installer's `uninstall`, what it created elsewhere (an image).
   * Nothing outside `servers/<slug>` is touched.
   */
  async uninstallServer(name: string, options: { signal?: AbortSignal; progress?: ProgressListener } = {}): Promise<UninstallOutcome> {
    const progress = this.progressFor(options.progress)
    const known = this.requireRecord(await this.state.read(), name)
    const emit = (event: ProgressEvent) => progress({ ...event, server: known.name })
    await this.sweep()
    return this.withServerLock(known.slug, `uninstall ${known.name}`, async () => {
      const record = this.requireRecord(await this.state.read(), known.name)
      const notes: string[] = []
      const installer = this.installers.find((candidate) => candidate.type === record.installer)
      if (installer?.uninstall) {
        for (const version of Object.values(record.versions)) {
          try {
            await installer.uninstall(
              { version: version.version, directory: version.directory, ...(version.details ? { details: version.details } : {}) },
              { env: this.env, ...(options.signal ? { signal: options.signal } : {}) },
            )
          } catch (error) {
            notes.push(`The ${record.installer} installer could not release ${version.version}: ${messageOf(error)}`)
          }
        }
      } else if (!installer) {
        notes.push(`No ${record.installer} installer is configured: only the files under ${this.layout.serverDir(record.slug)} were removed`)
      }
      // The record goes first: killed after it, the directory is an orphan the next run removes;
      // killed before, the server is still installed. Never a record pointing at missing files.
      await this.timed(emit, 'record', 'remove', () =>
        this.state.update((state) => {
          delete state.servers[record.name]
        }),
      )
      const directory = this.layout.serverDir(record.slug)
      await this.timed(emit, 'cleanup', directory, () => rm(directory, { recursive: true, force: true, maxRetries: 3 }))
      return { name: record.name, versions: Object.keys(record.versions), removed: directory, notes }
    })
  }

  // ---------------------------------------------------------------- configure

  /**
   * Sets a server's variables and extra arguments. Values of variables the metadata marks secret
   * (and of variables named like secrets) are stored in the state file (mode 0600) and shown as
   * `••••` in every return value. Forbidden variables (NODE_OPTIONS, ...) are `E_FORBIDDEN_ENV`.
   */
  async configureServer(name: string, options: ConfigureServerOptions): Promise<InstalledServerView> {
    if (!options || typeof options !== 'object') throw new TektonError('E_INVALID_INPUT', 'configureServer needs { env, args, unset }')
    const toSet: Record<string, string> = {}
    const toRemove = new Set<string>(options.unset ?? [])
    for (const [variable, value] of Object.entries(options.env ?? {})) {
      if (value === null) toRemove.add(variable)
      else toSet[variable] = value
    }
    const checkedSet = checkEnvironmentVariables(toSet, 'configured environment')
    checkEnvironmentVariables(Object.fromEntries([...toRemove].map((variable) => [variable, ''])), 'unset')
    const args = options.args === undefined ? undefined : this.checkArguments(options.args)
    const known = this.requireRecord(await this.state.read(), name)
    this.checkChoices(known.environmentVariables, checkedSet)
    const updated = await this.state.update((state) => {
      const record = this.requireRecord(state, known.name)
      const env = options.replaceEnv ? {} : { ...record.configuration.env }
      for (const variable of toRemove) delete env[variable]
      Object.assign(env, checkedSet)
      record.configuration = { env, args: args ?? record.configuration.args }
      record.updatedAt = new Date(this.now()).toISOString()
      return record
    })
    return this.view(updated)
  }

  // ---------------------------------------------------------------- verify

  /**
   * Checks the active version: its files against the digest recorded at install time (listing
   * changed, missing and added files), then (unless `handshake: false`) starts it and compares
   * its tools with the recorded ones. Changes nothing.
   */
  async verifyServer(name: string, options: VerifyServerOptions = {}): Promise<VerifyOutcome> {
    const known = this.requireRecord(await this.state.read(), name)
    return this.withServerLock(known.slug, `verify ${known.name}`, async () => {
      const record = this.requireRecord(await this.state.read(), known.name)
      const version = record.versions[record.activeVersion]
      if (!version) throw new TektonError('E_STATE_CORRUPT', `${record.name}: the active version ${record.activeVersion} has no record`)
      const notes: string[] = []
      const current = await hashTree(version.directory).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw error
      })
      let recordedFiles: Record<string, TreeEntry> = {}
      let manifestIntact = false
      const manifestPath = this.layout.manifestFile(record.slug, path.basename(version.directory))
      try {
        const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Pick<TreeManifest, 'files'>
        recordedFiles = manifest.files ?? {}
        manifestIntact = manifestDigest(recordedFiles) === version.treeDigest
      } catch {
        notes.push(`The file list ${manifestPath} is missing or unreadable: changed files cannot be named`)
      }
      if (!manifestIntact && Object.keys(recordedFiles).length > 0) notes.push(`The file list ${manifestPath} does not match the recorded digest: it was changed too`)
      const difference = current ? compareTrees(recordedFiles, current.files) : { changed: [], missing: Object.keys(recordedFiles), added: [] }
      if (!current) notes.push(`${version.directory} is missing`)
      const actual = current?.digest ?? 'missing'
      const filesOk = actual === version.treeDigest
      if (!filesOk && manifestIntact && difference.changed.length + difference.missing.length + difference.added.length === 0) {
        difference.changed.push('(the tree differs from the recorded digest)')
      }
      let handshakeOutcome: VerifyOutcome['handshake'] = null
      if (options.handshake !== false && current) {
        try {
          const result = await this.handshakeRecord(record, record.activeVersion, options.handshakeTimeoutMs ?? this.handshakeTimeoutMs, options.signal)
          const baseline = version.handshake?.tools
          const toolDiff = baseline ? diffTools(baseline, result.tools) : null
          if (!baseline) notes.push('No tools were recorded at install time (the handshake was skipped): nothing to compare with')
          handshakeOutcome = { ok: true, result, toolDiff }
        } catch (error) {
          const failure = toTektonError(error)
          handshakeOutcome = { ok: false, error: failure.toJSON() }
        }
      } else if (options.handshake === false) {
        notes.push('Handshake skipped: only the files were checked')
      }
      const handshakeOk =
        handshakeOutcome === null || (handshakeOutcome.ok && (handshakeOutcome.toolDiff === null || !hasToolChanges(handshakeOutcome.toolDiff)))
      return {
        name: record.name,
        version: record.activeVersion,
        directory: version.directory,
        ok: filesOk && handshakeOk,
        files: { ok: filesOk, expected: version.treeDigest, actual, ...difference, manifestIntact },
        handshake: handshakeOutcome,
        notes,
      }
    })
  }

  /**
   * Removes what killed runs left: staging directories whose owner process is gone, and server
   * directories no record points to (an install killed between the rename and the record).
   * Runs before every install, update and uninstall; never touches a live install's files.
   */
  async cleanup(): Promise<{ removed: string[] }> {
    return { removed: await this.sweep() }
  }

  // ---------------------------------------------------------------- internals

  private async sweep(): Promise<string[]> {
    const removed = await sweepStaging(this.layout, { lockStaleMs: this.lockStaleMs, now: this.now })
    const state = await this.state.read()
    const slugs = new Set(Object.values(state.servers).map((record) => record.slug))
    const entries = await readdir(this.layout.serversDir).catch(() => [] as string[])
    for (const slug of entries) {
      if (slugs.has(slug)) continue
      // The directory may be a live install's (renamed into place, record not yet written): only
      // its lock holder may be mid-install, so take the lock without waiting, then look again.
      const held = await acquireLock(this.layout.serverLock(slug), `cleanup ${slug}`, { staleMs: this.lockStaleMs, timeoutMs: 0 }).catch(() => undefined)
      if (!held) continue
      try {
        const fresh = await this.state.read()
        if (!Object.values(fresh.servers).some((record) => record.slug === slug)) {
          const directory = this.layout.serverDir(slug)
          await rm(directory, { recursive: true, force: true, maxRetries: 3 })
          removed.push(directory)
        }
      } finally {
        await held.release()
      }
    }
    return removed
  }

  /**
   * Holding the server's lock: makes its directory agree with its record. Version directories
   * and manifests no record names are removed (a run killed after the rename), and the pointer
   * is put back on the recorded active version (a run killed after switching it).
   */
  private async reconcileServer(slug: string, name: string): Promise<void> {
    const record = this.findRecord(await this.state.read(), name)
    const serverDir = this.layout.serverDir(slug)
    if (!record) {
      await rm(serverDir, { recursive: true, force: true, maxRetries: 3 })
      return
    }
    const kept = new Set(Object.values(record.versions).map((version) => path.basename(version.directory)))
    const versionsDir = this.layout.versionsDir(slug)
    for (const entry of await readdir(versionsDir).catch(() => [] as string[])) {
      if (!kept.has(entry)) await rm(path.join(versionsDir, entry), { recursive: true, force: true, maxRetries: 3 })
    }
    const manifestsDir = path.dirname(this.layout.manifestFile(slug, 'x'))
    for (const entry of await readdir(manifestsDir).catch(() => [] as string[])) {
      if (!kept.has(entry.replace(/\.json$/, ''))) await rm(path.join(manifestsDir, entry), { force: true })
    }
    for (const entry of await readdir(serverDir).catch(() => [] as string[])) {
      if (entry.startsWith('current.') && entry.endsWith('.tmp')) await rm(path.join(serverDir, entry), { force: true })
    }
    const active = record.versions[record.activeVersion]
    if (active && (await readPointer(this.layout.currentLink(slug))) !== path.basename(active.directory)) {
      await switchPointer(this.layout.currentLink(slug), active.directory)
    }
  }

  /**
   * Staging → install → handshake. The caller owns the returned staging (commit disposes of it);
   * on failure it is removed here.
   */
  private async stageCandidate(input: {
    server: ServerMetadata
    slug: string
    pkg: Package
    installer: MCPServerInstaller
    version?: string
    allowScripts: boolean
    configuration: InstalledServer['configuration']
    handshake: boolean
    timeoutMs: number
    signal?: AbortSignal
    emit: ProgressListener
    stopIfVersion?: ((version: string) => boolean) | undefined
    checkTools?: (result: HandshakeResult, version: string) => ToolDiff | undefined
  }): Promise<Candidate | { unchanged: true; version: string }> {
    const { server, slug, pkg, installer, emit, signal } = input
    const notes: string[] = []
    const staging: Staging = await createStaging(this.layout, slug, `${input.installer.type} ${server.name}`, this.now)
    try {
      signal?.throwIfAborted()
      const result: InstallResult = await this.timed(
        emit,
        'install',
        `${pkg.registryType}:${pkg.identifier}${input.version ? `@${input.version}` : ''}`,
        () =>
          installer
            .install(
              { server, package: pkg, ...(input.version === undefined ? {} : { version: input.version }), allowScripts: input.allowScripts },
              { stagingDir: staging.dir, env: this.env, progress: (event) => emit({ ...event, server: server.name }), ...(signal ? { signal } : {}) },
            )
            .catch(installerFailure(installer, pkg)),
        (installed) => installed.version,
      )
      const origin = `the ${installer.type} installer`
      if (!result || typeof result.version !== 'string') throw new TektonError('E_INSTALLER_RESULT', `${origin} returned no version`)
      versionDirectoryName(result.version)
      if (!result.integrity || typeof result.integrity.value !== 'string' || typeof result.integrity.source !== 'string') {
        throw new TektonError('E_INSTALLER_RESULT', `${origin} returned no integrity for ${result.version}`, { hint: 'Every install must verify what it downloaded' })
      }
      const stagedLaunch = checkLaunchSpec(result.launch, origin)
      if (input.stopIfVersion?.(result.version)) {
        await staging.dispose()
        return { unchanged: true, version: result.version }
      }
      signal?.throwIfAborted()

      let handshakeResult: HandshakeResult | null = null
      let toolDiff: ToolDiff | undefined
      if (input.handshake) {
        const launch = this.applyConfiguration(stagedLaunch, pkg, input.configuration)
        const environment = buildServerEnvironment(this.env, {}, launch.env)
        handshakeResult = await this.timed(
          emit,
          'handshake',
          undefined,
          () =>
            runHandshake(launch, {
              timeoutMs: input.timeoutMs,
              env: environment,
              secrets: this.secretValues(declaredVariables(pkg), launch.env),
              now: this.now,
              ...(signal ? { signal } : {}),
            }),
          (found) => `${found.serverInfo.name} ${found.serverInfo.version}: ${found.tools.length} ${found.tools.length === 1 ? 'tool' : 'tools'}`,
        )
        toolDiff = input.checkTools?.(handshakeResult, result.version)
      } else {
        notes.push('Handshake skipped: the server was not started, so it is not known to work and its tools are not recorded')
      }
      signal?.throwIfAborted()

      return { version: result.version, staging, result, stagedLaunch, handshake: handshakeResult, ...(toolDiff ? { toolDiff } : {}), notes }
    } catch (error) {
      await staging.dispose()
      if (signal?.aborted && !TektonError.isInstance(error)) throw abortedError(`Installing ${server.name}`, error)
      throw error
    }
  }

  /**
   * Digest the staged files, rename them into `versions/`, switch the pointer, write the record,
   * then remove what the record no longer names. Until the record is written, a failure undoes
   * the rename and the switch.
   */
  private async commit(input: {
    server: ServerMetadata
    ref: string
    slug: string
    pkg: Package
    installer: MCPServerInstaller
    candidate: Candidate
    allowScripts: boolean
    /** The configuration to record; absent: keep the recorded one (read fresh under the state lock). */
    configuration?: InstalledServer['configuration']
    emit: ProgressListener
    previous: InstalledServer | undefined
  }): Promise<InstalledServer> {
    const { server, slug, candidate, emit, previous } = input
    const link = this.layout.currentLink(slug)
    const previousDirectory = previous?.versions[previous.activeVersion]?.directory
    const directoryName = versionDirectoryName(candidate.version)
    let placed: { directory: string; directoryName: string; manifestFile: string } | undefined
    let switched = false
    let record: InstalledServer
    const removable: string[] = []
    try {
      const versionRecord = await this.timed(emit, 'activate', directoryName, async () => {
        // Digest after the handshake: anything the first start wrote (caches) is part of the install.
        const manifest = await hashTree(candidate.staging.dir)
        const versionsDir = this.layout.versionsDir(slug)
        await mkdir(versionsDir, { recursive: true })
        let finalName = directoryName
        // A reinstall of the active version gets a fresh directory: the old one stays in use until the switch.
        while (await pathExists(path.join(versionsDir, finalName))) finalName = `${directoryName}~${randomBytes(3).toString('hex')}`
        const directory = path.join(versionsDir, finalName)
        const manifestFile = this.layout.manifestFile(slug, finalName)
        await mkdir(path.dirname(manifestFile), { recursive: true })
        await writeFileAtomic(manifestFile, JSON.stringify({ digest: manifest.digest, files: manifest.files }), 0o644)
        placed = { directory, directoryName: finalName, manifestFile }
        await rename(candidate.staging.dir, directory)
        await switchPointer(link, directory)
        switched = true
        const { result } = candidate
        const installed: InstalledVersion = {
          version: candidate.version,
          directory,
          installedAt: new Date(this.now()).toISOString(),
          integrity: { value: result.integrity.value, source: result.integrity.source, ...(result.integrity.file ? { file: result.integrity.file } : {}) },
          treeDigest: manifest.digest,
          fileCount: manifest.fileCount,
          launch: relocateLaunchSpec(candidate.stagedLaunch, candidate.staging.dir, directory),
          ...(result.runtime ? { runtime: { name: result.runtime.name, path: result.runtime.path, version: result.runtime.version } } : {}),
          ...(result.details ? { details: JSON.parse(JSON.stringify(result.details)) as Record<string, unknown> } : {}),
          handshake: candidate.handshake,
        }
        return installed
      })
      record = await this.timed(emit, 'record', path.basename(this.layout.stateFile), () =>
        this.state.update((state) => {
          removable.length = 0
          const timestamp = new Date(this.now()).toISOString()
          const existing = state.servers[server.name]
          const versions = { ...(existing?.versions ?? {}) }
          const replaced = versions[candidate.version]
          if (replaced && replaced.directory !== versionRecord.directory) removable.push(replaced.directory)
          versions[candidate.version] = versionRecord
          // Keep the active version and the most recent previous ones; older ones go.
          const previousVersions = Object.values(versions)
            .filter((version) => version.version !== candidate.version)
            .sort((left, right) => right.installedAt.localeCompare(left.installedAt))
          for (const stale of previousVersions.slice(this.keepPreviousVersions)) {
            removable.push(stale.directory)
            delete versions[stale.version]
          }
          const updated: InstalledServer = {
            name: server.name,
            slug,
            ref: input.ref,
            source: {
              name: server.name,
              ...(server.title ? { title: server.title } : {}),
              description: server.description,
              ...(server.registryName ? { registryName: server.registryName } : {}),
              ...(server.repository ? { repository: { url: server.repository.url, source: server.repository.source } } : {}),
              ...(server.websiteUrl ? { websiteUrl: server.websiteUrl } : {}),
            },
            installer: input.installer.type,
            registryType: input.pkg.registryType,
            identifier: input.pkg.identifier,
            activeVersion: candidate.version,
            versions,
            configuration: input.configuration ?? existing?.configuration ?? { env: {}, args: [] },
            environmentVariables: declaredVariables(input.pkg),
            allowScripts: input.allowScripts,
            installedAt: existing?.installedAt ?? timestamp,
            updatedAt: timestamp,
          }
          state.servers[server.name] = updated
          return updated
        }),
      )
    } catch (error) {
      if (switched) {
        if (previousDirectory) await switchPointer(link, previousDirectory).catch(() => undefined)
        else await rm(link, { force: true }).catch(() => undefined)
      }
      const undo = placed as { directory: string; manifestFile: string } | undefined
      if (undo) {
        await rm(undo.directory, { recursive: true, force: true, maxRetries: 3 })
        await rm(undo.manifestFile, { force: true })
      }
      throw error
    } finally {
      await candidate.staging.dispose()
    }
    // Recorded: from here on nothing can fail the install; leftovers are the next run's to sweep.
    await this.timed(emit, 'cleanup', undefined, async () => {
      for (const directory of removable) {
        try {
          await rm(directory, { recursive: true, force: true, maxRetries: 3 })
          await rm(this.layout.manifestFile(slug, path.basename(directory)), { force: true })
        } catch (error) {
          candidate.notes.push(`Could not remove ${directory}: ${messageOf(error)}`)
        }
      }
    })
    return record
  }

  /** Handshake with an installed version, configured as it will run. */
  private handshakeRecord(record: InstalledServer, version: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<HandshakeResult> {
    const launch = this.effectiveLaunch(record, version)
    return runHandshake(launch, {
      timeoutMs,
      env: buildServerEnvironment(this.env, {}, launch.env),
      secrets: this.secretValues(record.environmentVariables, launch.env),
      now: this.now,
      ...(signal ? { signal } : {}),
    })
  }

  /** The installer's launch spec with the package's declared defaults and the configuration applied. */
  private applyConfiguration(launch: LaunchSpec, pkg: Package, configuration: InstalledServer['configuration']): LaunchSpec {
    return {
      ...launch,
      args: [...launch.args, ...configuration.args],
      env: { ...declaredEnvironment(pkg.environmentVariables), ...launch.env, ...configuration.env },
    }
  }

  private effectiveLaunch(record: InstalledServer, version: string): LaunchSpec {
    const installed = record.versions[version]
    if (!installed) throw new TektonError('E_NOT_INSTALLED', `${record.name} ${version} is not installed`)
    const declared: Record<string, string> = {}
    for (const variable of record.environmentVariables) if (variable.default !== undefined) declared[variable.name] = variable.default
    return {
      ...installed.launch,
      args: [...installed.launch.args, ...record.configuration.args],
      env: { ...declared, ...installed.launch.env, ...record.configuration.env },
    }
  }

  private secretNames(record: Pick<InstalledServer, 'environmentVariables'>, env: Record<string, string>): string[] {
    return secretNamesOf(record.environmentVariables, env)
  }

  private secretValues(declared: readonly DeclaredVariable[], env: Record<string, string>): string[] {
    return secretNamesOf(declared, env).map((name) => env[name] ?? '')
  }

  /** What callers see: secrets redacted everywhere, the active version spelled out. */
  private view(record: InstalledServer): InstalledServerView {
    const launch = this.effectiveLaunch(record, record.activeVersion)
    const secrets = new Set([...this.secretNames(record, launch.env), ...this.secretNames(record, record.configuration.env)])
    const versions: Record<string, InstalledVersion> = {}
    for (const [version, installed] of Object.entries(record.versions)) {
      versions[version] = { ...installed, launch: { ...installed.launch, env: redactEnvironment(installed.launch.env, secrets) } }
    }
    const active = record.versions[record.activeVersion]!
    const missingEnv = record.environmentVariables
      .filter((variable) => variable.isRequired && variable.default === undefined && launch.env[variable.name] === undefined)
      .map((variable) => variable.name)
    return {
      ...record,
      versions,
      configuration: { env: redactEnvironment(record.configuration.env, secrets), args: [...record.configuration.args] },
      directory: active.directory,
      currentDirectory: this.layout.currentLink(record.slug),
      launch: { ...launch, env: redactEnvironment(launch.env, secrets) },
      handshake: active.handshake,
      missingEnv,
    }
  }

  private findRecord(state: { servers: Record<string, InstalledServer> }, name: string): InstalledServer | undefined {
    const direct = Object.hasOwn(state.servers, name) ? state.servers[name] : undefined
    if (direct) return direct
    // Also by the ref it was installed from (`npm:@scope/name`), with or without a version.
    const ref = looksLikeRef(name) ? safeFormatRef(name) : undefined
    return Object.values(state.servers).find((record) => record.ref === name || (ref !== undefined && record.ref === ref))
  }

  private requireRecord(state: { servers: Record<string, InstalledServer> }, name: string): InstalledServer {
    if (typeof name !== 'string' || name.length === 0 || name.length > 400) throw new TektonError('E_INVALID_NAME', 'A server name is required')
    const record = this.findRecord(state, name)
    if (!record) {
      const installed = Object.keys(state.servers)
      throw new TektonError('E_NOT_INSTALLED', `${JSON.stringify(name.slice(0, 100))} is not installed`, {
        hint: installed.length > 0 ? `Installed: ${installed.slice(0, 10).join(', ')}${installed.length > 10 ? ', …' : ''}` : 'Nothing is installed yet',
      })
    }
    return record
  }

  private async resolveTarget(
    target: string | ServerMetadata,
    version: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ server: ServerMetadata; ref: string; requestedVersion: string | undefined; preferredKind: RefKind | undefined }> {
    if (typeof target === 'string') {
      const parsed = looksLikeRef(target) ? parseRef(target) : undefined
      if (!parsed) {
        if (target.length === 0 || target.length > 300) throw new TektonError('E_INVALID_REF', 'A server reference is required')
      }
      const bare = parsed ? formatRef(parsed, { withVersion: false }) : target.trim()
      const server = await this.resolveMetadata(bare, signal)
      assertValidServerName(server.name)
      return {
        server,
        ref: server.ref && looksLikeRef(server.ref) ? (safeFormatRef(server.ref) ?? bare) : bare,
        requestedVersion: checkRequestedVersion(version ?? parsed?.version),
        preferredKind: parsed?.kind,
      }
    }
    if (!target || typeof target !== 'object') throw new TektonError('E_INVALID_INPUT', 'installServer needs a ref or a ServerMetadata object')
    // The name is checked first, for its own code: it becomes a directory name.
    assertValidServerName(target.name)
    checkMetadata(target, 'E_INVALID_INPUT', 'the metadata given')
    const ref = target.ref && looksLikeRef(target.ref) ? safeFormatRef(target.ref) : undefined
    return {
      server: target,
      ref: ref ?? target.name,
      requestedVersion: checkRequestedVersion(version),
      preferredKind: ref ? parseRef(ref).kind : undefined,
    }
  }

  private async resolveMetadata(ref: string, signal: AbortSignal | undefined): Promise<ServerMetadata> {
    const resolver = this.resolver
    if (!resolver) {
      throw new TektonError('E_CONFIG', `Cannot resolve ${ref}: the installation service has no resolve option`, {
        hint: 'Pass resolve (e.g. the MCPDiscoveryService) to createInstallationService, or install from a ServerMetadata object',
      })
    }
    const context = signal ? { signal } : {}
    const metadata = typeof resolver === 'function' ? await resolver(ref, context) : await resolver.getServerMetadata(ref, context)
    checkMetadata(metadata, 'E_BAD_RESPONSE', `the metadata resolved for ${ref}`)
    return metadata
  }

  private installerFor(registryType: string): MCPServerInstaller | undefined {
    return this.installers.find((installer) => installer.registryTypes.includes(registryType))
  }

  /** The package to install: one an installer handles, the ref's own kind first. */
  private choosePackage(server: ServerMetadata, preferredKind: RefKind | undefined, registryType: string | undefined): { pkg: Package; installer: MCPServerInstaller } {
    const preferred = registryType ?? (preferredKind ? registryTypeOfKind[preferredKind] : undefined)
    const stdio = server.packages.filter((pkg) => (pkg.transport?.type ?? 'stdio') === 'stdio')
    const ordered = [...stdio.filter((pkg) => pkg.registryType === preferred), ...stdio.filter((pkg) => pkg.registryType !== preferred)]
    const candidates = registryType ? ordered.filter((pkg) => pkg.registryType === registryType) : ordered
    for (const pkg of candidates) {
      const installer = this.installerFor(pkg.registryType)
      if (installer) return { pkg, installer }
    }
    const offered = [...new Set(server.packages.map((pkg) => `${pkg.registryType} (${pkg.transport?.type ?? 'stdio'})`))]
    const handled = [...new Set(this.installers.flatMap((installer) => installer.registryTypes))]
    throw new TektonError(
      'E_NO_INSTALLER',
      registryType
        ? `${server.name} has no stdio ${registryType} package an installer handles`
        : `No installer handles any package of ${server.name}`,
      {
        hint: `Packages offered: ${offered.length > 0 ? offered.join(', ') : 'none'}; installers configured for: ${handled.length > 0 ? handled.join(', ') : 'none'}${server.remotes.length > 0 ? '; it also runs as a remote server, which needs no install' : ''}`,
      },
    )
  }

  private checkArguments(args: unknown): string[] {
    if (!Array.isArray(args) || args.length > 200 || args.some((argument) => typeof argument !== 'string' || argument.includes('\0') || argument.length > 8192)) {
      throw new TektonError('E_INVALID_INPUT', 'Arguments must be a list of at most 200 texts without NUL bytes')
    }
    return [...(args as string[])]
  }

  private checkChoices(declared: readonly DeclaredVariable[], env: Record<string, string>): void {
    for (const variable of declared) {
      const value = env[variable.name]
      if (value !== undefined && variable.choices && variable.choices.length > 0 && !variable.choices.includes(value)) {
        const shown = isSecretVariable(variable.name, declared) ? redactedValue : JSON.stringify(value)
        throw new TektonError('E_INVALID_INPUT', `${variable.name} must be one of ${variable.choices.join(', ')}, not ${shown}`)
      }
    }
  }

  private withServerLock<T>(slug: string, purpose: string, action: () => Promise<T>): Promise<T> {
    return (async () => {
      await mkdir(this.layout.locksDir, { recursive: true })
      return withLock(this.layout.serverLock(slug), purpose, this.serverLockSettings, action)
    })()
  }

  private progressFor(listener: ProgressListener | undefined): ProgressListener {
    const listeners = [this.progress, listener].filter((candidate): candidate is ProgressListener => typeof candidate === 'function')
    return (event) => {
      for (const notify of listeners) {
        try {
          notify(event)
        } catch {
          // A progress printer that throws must not fail an install.
        }
      }
    }
  }

  /** Runs one step between `start` and `done` events (with its duration). */
  private async timed<T>(emit: ProgressListener, step: InstallStep, detail: string | undefined, work: () => Promise<T>, describe?: (result: T) => string): Promise<T> {
    const started = this.now()
    emit({ step, phase: 'start', ...(detail === undefined ? {} : { detail }) })
    const result = await work()
    const doneDetail = describe ? describe(result) : detail
    emit({ step, phase: 'done', durationMs: this.now() - started, ...(doneDetail === undefined ? {} : { detail: doneDetail }) })
    return result
  }
}

/** Creates the installation service (see `MCPInstallationService`). */
export function createInstallationService(options: InstallationServiceOptions): MCPInstallationService {
  return new MCPInstallationService(options)
}

function declaredVariables(pkg: Package): DeclaredVariable[] {
  return (pkg.environmentVariables ?? [])
    .filter((variable): variable is typeof variable & { name: string } => typeof variable.name === 'string' && variable.name.length > 0)
    .map((variable) => ({
      name: variable.name,
      ...(variable.description === undefined ? {} : { description: variable.description }),
      ...(variable.isRequired === undefined ? {} : { isRequired: variable.isRequired }),
      ...(variable.isSecret === undefined ? {} : { isSecret: variable.isSecret }),
      ...((variable.value ?? variable.default) === undefined ? {} : { default: variable.value ?? variable.default }),
      ...(variable.choices === undefined ? {} : { choices: variable.choices }),
    }))
}

/** Installers are plugins: whatever they throw becomes a coded error naming them. */
function installerFailure(installer: MCPServerInstaller, pkg: Package): (error: unknown) => never {
  return (error) => {
    if (TektonError.isInstance(error)) throw error
    throw new TektonError('E_INSTALL_FAILED', `[${installer.type} installer] ${pkg.registryType}:${pkg.identifier}: ${messageOf(error)}`, { cause: error })
  }
}

function secretNamesOf(declared: readonly DeclaredVariable[], env: Record<string, string>): string[] {
  const names = new Set([...declared.map((variable) => variable.name), ...Object.keys(env)])
  return [...names].filter((name) => isSecretVariable(name, declared))
}

/** Validates metadata without replacing it (installers may read fields the schema does not name). */
function checkMetadata(metadata: unknown, code: 'E_INVALID_INPUT' | 'E_BAD_RESPONSE', what: string): asserts metadata is ServerMetadata {
  const parsed = ServerMetadataSchema.safeParse(metadata)
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`)
    throw new TektonError(code, `${what} is not valid server metadata: ${issues.join('; ')}`)
  }
}

function checkRequestedVersion(version: string | undefined): string | undefined {
  if (version === undefined) return undefined
  const trimmed = typeof version === 'string' ? version.trim() : ''
  if (!trimmed || trimmed.length > 100 || !/^[A-Za-z0-9.+~^<>=*|, :-]+$/.test(trimmed)) {
    throw new TektonError('E_INVALID_VERSION', `${JSON.stringify(String(version).slice(0, 80))} is not a version, range or tag`, {
      hint: 'Write a version such as 1.2.3, a range such as ^1.2 or a tag such as latest',
    })
  }
  return trimmed
}

function safeFormatRef(ref: string): string | undefined {
  try {
    return formatRef(parseRef(ref), { withVersion: false })
  } catch {
    return undefined
  }
}

async function pathExists(file: string): Promise<boolean> {
  try {
    await access(file)
    return true
  } catch {
    return false
  }
}
