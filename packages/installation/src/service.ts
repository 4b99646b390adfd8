/**
 * MCPInstallationService: install, update, configure, verify and uninstall MCP servers.
 *
 * Every install runs the same steps: resolve the metadata → check requirements → the installer
 * downloads, verifies and installs into a staging directory → handshake (in staging) → the
 * staging directory is renamed into `servers/<slug>/versions/<version>` → the `current` pointer
 * is switched → the state file records it. A failure at any step removes what that install
 * wrote and leaves the previous state as it was; a killed run is cleaned up by the next one.
 *
 * This module checks the options and is the public face; each operation lives in its own
 * module (`install-server`, `update-server`, `verify-server`, ...) as a function of the
 * checked settings (`ServiceContext`).
 */
import { TektonError } from '@tekton/mcp-discovery'
import type { ServerMetadata } from '@tekton/mcp-discovery'
import { tektonPaths } from '@tekton/mcp-discovery/paths'
import type { LaunchSpec, MCPServerInstaller } from './spec/installer'
import { installationLayout } from './layout'
import { checkSandboxMode, createSandboxProbe } from './sandbox/probe'
import type { SandboxMode, SandboxProbe } from './sandbox/probe'
import type { InstallationLayout } from './layout'
import { secretStoreFile } from './secret-store'
import { createStateStore } from './state'
import type { StateStore } from './state'
import { sweep } from './cleanup'
import { configureServer } from './configure-server'
import type { ConfigureServerOptions } from './configure-server'
import { configureSandbox } from './configure-sandbox'
import type { ConfigureSandboxOptions, ConfigureSandboxOutcome } from './configure-sandbox'
import { installServer } from './install-server'
import type { InstallOutcome, InstallServerOptions } from './install-server'
import { planInstall } from './plan-install'
import type { InstallPlan, PlanInstallOptions } from './plan-install'
import { getInstalledServer, getInstalledServers, getLaunchSpec } from './server-view'
import type { InstalledServerView } from './server-view'
import type { InstallationPolicy, MetadataResolver, ProgressListener, ServiceContext, TrustDefaults } from './service-context'
import { uninstallServer } from './uninstall-server'
import type { UninstallOutcome } from './uninstall-server'
import { updateServer } from './update-server'
import type { UpdateServerOptions } from './update-server'
import { verifyServer } from './verify-server'
import { auditServers } from './trust/audit'
import type { AuditOutcome } from './trust/audit'
import type { VerifyOutcome, VerifyServerOptions } from './verify-server'
import type { RepositoryIdLookup } from './repository-identity'

// The operations' option and outcome types are part of the service's API: exported from here, so
// the package index needs no entry per operation module (which also export internals).
export type { MetadataResolver, ProgressListener } from './service-context'
export type { ConfigureServerOptions } from './configure-server'
export type { ConfigureSandboxOptions, ConfigureSandboxOutcome } from './configure-sandbox'
export type { InstallOutcome, InstallServerOptions } from './install-server'
export type { InstallPlan, PlanInstallOptions } from './plan-install'
export type { InstalledServerView } from './server-view'
export type { UninstallOutcome } from './uninstall-server'
export type { UpdateServerOptions } from './update-server'
export type { VerifyOutcome, VerifyServerOptions } from './verify-server'
export type { AuditFailure, AuditOutcome } from './trust/audit'

/** Options of `createInstallationService`. */
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
  /** Whether a new install runs install scripts when the call does not say (a setting). @default false */
  allowScriptsByDefault?: boolean
  /**
   * The permission policy, asked once the package is chosen and before anything is downloaded
   * (plan, install, update); it refuses by throwing.
   */
  policy?: InstallationPolicy
  /**
   * The sandbox for Node and Python servers when an install does not choose: `mode` (settings'
   * `install.sandbox`) and whether the network is granted (policy `network: 'allow'`), and the
   * probe that finds what this machine offers. @default { mode: 'off', network: false, probe: createSandboxProbe() }
   */
  sandbox?: { mode?: SandboxMode; network?: boolean; probe?: SandboxProbe }
  /**
   * Trust rules for every install and update (the policy file's `requireSignatures`,
   * `requireProvenance` and `lint`, with `origin` its file): a call may add to them, never drop them.
   * @default none
   */
  trustDefaults?: TrustDefaults
  /**
   * Asks GitHub for a repository's current id: before a server from the official MCP Registry is
   * installed or updated, the repository id its entry was published with is compared with it (a
   * different id is `E_OWNERSHIP_MISMATCH`: the repository was deleted and recreated). Without it
   * the check is a note in the plan and outcome. @default none
   */
  repositoryIdLookup?: RepositoryIdLookup
}

/** Install, update, configure, verify and uninstall MCP servers (see the module comment). */
export class MCPInstallationService {
  /** Where everything lives. */
  readonly layout: InstallationLayout
  readonly state: StateStore
  private readonly context: ServiceContext

  constructor(options: InstallationServiceOptions) {
    this.context = createServiceContext(options)
    this.layout = this.context.layout
    this.state = this.context.state
  }

  // ---------------------------------------------------------------- reading

  /** Every installed server, sorted by name, secrets redacted. */
  async getInstalledServers(): Promise<InstalledServerView[]> {
    return getInstalledServers(this.context)
  }

  /** One installed server by name (or by the ref it was installed from), or `null`. */
  async getInstalledServer(name: string): Promise<InstalledServerView | null> {
    return getInstalledServer(this.context, name)
  }

  /**
   * The launch spec of the active version with configuration applied: `env` holds the declared
   * and configured variables (the allow-listed parent variables are added at spawn time, see
   * `buildServerEnvironment`). Secret values are `••••` unless `revealSecrets`.
   */
  async getLaunchSpec(name: string, options: { revealSecrets?: boolean } = {}): Promise<LaunchSpec> {
    return getLaunchSpec(this.context, name, options)
  }

  // ---------------------------------------------------------------- changing

  /**
   * What `installServer` would do, without writing anything: the version, the package and
   * installer, the final directory, the command line (from the installer's `plan`, when it has
   * one), the variables the server gets and the requirements report. For confirmation prompts.
   */
  async planInstall(target: string | ServerMetadata, options: PlanInstallOptions = {}): Promise<InstallPlan> {
    return planInstall(this.context, target, options)
  }

  /**
   * Installs a server from a ref (`npm:@scope/name@1.2.3`, resolved with `resolve`) or from its
   * metadata. Installing a server that is installed is a no-op (`changed: false`) when no other
   * version is asked for; another version is `E_ALREADY_INSTALLED` (use `updateServer`).
   */
  async installServer(target: string | ServerMetadata, options: InstallServerOptions = {}): Promise<InstallOutcome> {
    return installServer(this.context, target, options)
  }

  /**
   * Installs another version beside the active one, handshakes it and switches to it. Any
   * failure (the server exits, hangs or does not speak MCP) leaves the old version active and
   * removes the new one's files. When the tools differ from the recorded ones, the update is
   * refused with `E_TOOLS_CHANGED` (carrying the diff) unless `approveToolChanges`.
   */
  async updateServer(name: string, options: UpdateServerOptions = {}): Promise<InstallOutcome> {
    return updateServer(this.context, name, options)
  }

  /**
   * Removes a server: its record, then its directory (every version, the pointer, the
   * manifests) and, through the installer's `uninstall`, what it created elsewhere (an image).
   * Nothing outside `servers/<slug>` is touched.
   */
  async uninstallServer(name: string, options: { signal?: AbortSignal; progress?: ProgressListener } = {}): Promise<UninstallOutcome> {
    return uninstallServer(this.context, name, options)
  }

  /**
   * Sets a server's variables and extra arguments. Values of variables the metadata marks secret
   * (and of variables named like secrets) are stored in the state file (mode 0600) and shown as
   * `••••` in every return value. Forbidden variables (NODE_OPTIONS, ...) are `E_FORBIDDEN_ENV`.
   */
  async configureServer(name: string, options: ConfigureServerOptions): Promise<InstalledServerView> {
    return configureServer(this.context, name, options)
  }

  // ---------------------------------------------------------------- checking

  /**
   * Turns the sandbox of an installed server on (`bubblewrap`, `auto`) or off, or changes its
   * network grant: the active version's launch is re-wrapped, started for a handshake in that
   * form, and only then recorded (updates keep the choice). `E_SANDBOX_UNAVAILABLE` where asked
   * for bubblewrap and there is none.
   */
  async configureSandbox(name: string, options: ConfigureSandboxOptions): Promise<ConfigureSandboxOutcome> {
    return configureSandbox(this.context, name, options)
  }

  /**
   * Checks the active version: its files against the digest recorded at install time (listing
   * changed, missing and added files), then (unless `handshake: false`) starts it and compares
   * its tools with the recorded ones. Changes nothing.
   */
  async verifyServer(name: string, options: VerifyServerOptions = {}): Promise<VerifyOutcome> {
    return verifyServer(this.context, name, options)
  }

  /**
   * Every installed server's trust report, from the records (nothing is started or fetched):
   * ownership, signature, provenance, scripts, dependencies, sandbox, the lint of the recorded
   * handshake, look-alikes and tool-name collisions between installed servers; `ok` is false
   * and `failures` names each failed check (signature, provenance, ownership, lint findings the
   * lint policy refuses).
   */
  async audit(): Promise<AuditOutcome> {
    return auditServers(this.context)
  }

  /**
   * Removes what killed runs left: staging directories whose owner process is gone, and server
   * directories no record points to (an install killed between the rename and the record).
   * Runs before every install, update and uninstall; never touches a live install's files.
   */
  async cleanup(): Promise<{ removed: string[] }> {
    return { removed: await sweep(this.context) }
  }
}

/** Creates the installation service (see `MCPInstallationService`). */
export function createInstallationService(options: InstallationServiceOptions): MCPInstallationService {
  return new MCPInstallationService(options)
}

/** Checks the options up front (`E_CONFIG`) and fills in the defaults. */
function createServiceContext(options: InstallationServiceOptions): ServiceContext {
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
  const env = options.env ?? process.env
  const home = options.home ?? tektonPaths(env).data
  if (typeof home !== 'string' || home.trim() === '') throw new TektonError('E_CONFIG', 'MCPInstallationService: home must be a directory path')
  const layout = installationLayout(home)
  const handshakeTimeoutMs = nonNegative('handshakeTimeoutMs', options.handshakeTimeoutMs, 30_000) || 30_000
  const lockStaleMs = Math.max(2000, nonNegative('lockStaleMs', options.lockStaleMs, 10_000))
  const serverLockSettings = { staleMs: lockStaleMs, timeoutMs: nonNegative('serverLockTimeoutMs', options.serverLockTimeoutMs, 600_000) }
  const keepPreviousVersions = Math.floor(nonNegative('keepPreviousVersions', options.keepPreviousVersions, 1))
  const state = createStateStore({
    file: layout.stateFile,
    secretsFile: secretStoreFile(layout.root),
    lockStaleMs,
    lockTimeoutMs: nonNegative('lockTimeoutMs', options.lockTimeoutMs, 15_000),
  })
  return {
    layout,
    state,
    installers: options.installers,
    resolver: options.resolve,
    env,
    handshakeTimeoutMs,
    now: options.now ?? Date.now,
    progress: options.progress,
    lockStaleMs,
    serverLockSettings,
    keepPreviousVersions,
    allowScriptsByDefault: options.allowScriptsByDefault === true,
    policy: options.policy,
    trustDefaults: { ...options.trustDefaults },
    sandboxProbe: options.sandbox?.probe ?? createSandboxProbe(),
    repositoryIdLookup: options.repositoryIdLookup,
    sandboxDefaults: { mode: checkSandboxMode(options.sandbox?.mode ?? 'off', 'MCPInstallationService: sandbox.mode'), network: options.sandbox?.network === true },
  }
}

/** A numeric option: `fallback` when absent, `E_CONFIG` when negative or not a number. */
function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value < 0) throw new TektonError('E_CONFIG', `MCPInstallationService: ${name} must be a non-negative number, got ${value}`)
  return value
}
