/**
 * What every operation of the installation service shares: its checked settings (the context),
 * progress events with step durations, and the per-server lock. The operations are plain
 * functions over this context, so each lives in its own module and the service class stays thin.
 */
import { mkdir } from 'node:fs/promises'
import type { TrustOptions } from './spec/verification'
import type { Package, ServerMetadata } from '@tekton/mcp-discovery'
import type { InstallStep, MCPServerInstaller, ProgressEvent } from './spec/installer'
import type { InstallationLayout } from './layout'
import { withLock } from './lock'
import type { LockSettings } from './lock'
import type { StateStore } from './state'
import type { SandboxMode, SandboxProbe } from './sandbox/probe'
import type { RepositoryIdLookup } from './repository-identity'

/** Resolves a ref (or a bare name) to metadata: a function, or the discovery service itself. */
export type MetadataResolver =
  | ((ref: string, context: { signal?: AbortSignal }) => Promise<ServerMetadata>)
  | { getServerMetadata(ref: string, options?: { signal?: AbortSignal }): Promise<ServerMetadata> }

/** A progress event from the service: the installer's events pass through with `server` set. */
export type ProgressListener = (event: ProgressEvent) => void

/**
 * What a policy is asked about once the package to install is chosen and before anything is
 * downloaded: the server, the ref it came from, the package, and what the caller allows.
 */
export interface PackagePolicyRequest {
  operation: 'plan' | 'install' | 'update'
  server: ServerMetadata
  ref: string
  package: Package
  allowScripts: boolean
  allowNonRegistryDependencies: boolean
}

/**
 * A permission policy the service consults (the application builds it from its settings). It
 * refuses by throwing (E_POLICY_DENIED); the service knows no rule of its own.
 */
export interface InstallationPolicy {
  /** Throws when the package may not be installed, or not with what the caller allows. */
  checkPackage(request: PackagePolicyRequest): void | Promise<void>
}

/** The service's settings after its options were checked, handed to every operation. */
export interface ServiceContext {
  /** Where everything lives. */
  readonly layout: InstallationLayout
  readonly state: StateStore
  readonly installers: readonly MCPServerInstaller[]
  readonly resolver: MetadataResolver | undefined
  /** The parent environment: allow-listed for servers, passed to installers. */
  readonly env: NodeJS.ProcessEnv
  readonly handshakeTimeoutMs: number
  readonly now: () => number
  /** The service-wide listener; each call may add its own (see `progressFor`). */
  readonly progress: ProgressListener | undefined
  readonly lockStaleMs: number
  readonly serverLockSettings: LockSettings
  readonly keepPreviousVersions: number
  /** Whether install scripts run when a call does not say (a new install). */
  readonly allowScriptsByDefault: boolean
  readonly policy: InstallationPolicy | undefined
  /**
   * Trust rules every install and update gets on top of its own options (the policy file's
   * `requireSignatures`, `requireProvenance`, `lint`): a call can make them stricter, not looser.
   */
  readonly trustDefaults: TrustDefaults
  /** Finds out which sandbox this machine offers (tried once, then remembered). */
  readonly sandboxProbe: SandboxProbe
  /** The sandbox an install gets when it does not say (settings `install.sandbox`, policy `network`). */
  readonly sandboxDefaults: { mode: SandboxMode; network: boolean }
  /** Asks GitHub for a repository's current id (the ownership check of registry entries); none: the check is a note. */
  readonly repositoryIdLookup: RepositoryIdLookup | undefined
}

/** Trust rules set for every call (see `InstallationServiceOptions.trustDefaults`). */
export interface TrustDefaults {
  requireSignatures?: boolean
  requireProvenance?: boolean
  lintPolicy?: 'warn' | 'refuse'
  /** Where they come from, named in refusals (the policy file). */
  origin?: string
}

/** A call's trust options with the service-wide rules applied: a requirement set either way holds. */
export function withTrustDefaults<Options extends TrustOptions & { lintPolicy?: 'warn' | 'refuse' }>(context: ServiceContext, options: Options): Options {
  const defaults = context.trustDefaults
  const requireSignatures = options.requireSignatures === true || defaults.requireSignatures === true
  const requireProvenance = options.requireProvenance === true || defaults.requireProvenance === true
  const lintPolicy = options.lintPolicy === 'refuse' || defaults.lintPolicy === 'refuse' ? 'refuse' : options.lintPolicy
  const fromDefaults = (defaults.requireSignatures && !options.requireSignatures) || (defaults.requireProvenance && !options.requireProvenance)
  // A front end names its own origin (`command line`) whether or not it set a rule; a rule only the
  // policy sets must still be refused in the policy's name, so the call's origin joins it only when
  // the call set a rule of its own.
  const callSetRule = options.requireSignatures === true || options.requireProvenance === true || options.allowTrustDowngrade === true
  const trustOrigin = fromDefaults && defaults.origin ? (callSetRule && options.trustOrigin ? `${defaults.origin} and ${options.trustOrigin}` : defaults.origin) : options.trustOrigin
  return {
    ...options,
    ...(requireSignatures ? { requireSignatures } : {}),
    ...(requireProvenance ? { requireProvenance } : {}),
    ...(lintPolicy ? { lintPolicy } : {}),
    ...(trustOrigin ? { trustOrigin } : {}),
  }
}

/** Asks the policy, when there is one, about a package about to be installed. */
export async function checkPackagePolicy(context: ServiceContext, request: PackagePolicyRequest): Promise<void> {
  await context.policy?.checkPackage(request)
}

/** The message of anything thrown, for notes and error messages. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Runs `action` holding the server's lock, so two processes never work on one server at once. */
export function withServerLock<T>(context: ServiceContext, slug: string, purpose: string, action: () => Promise<T>): Promise<T> {
  return (async () => {
    await mkdir(context.layout.locksDir, { recursive: true })
    return withLock(context.layout.serverLock(slug), purpose, context.serverLockSettings, action)
  })()
}

/** One listener telling both the service-wide listener and the call's own. */
export function progressFor(context: ServiceContext, listener: ProgressListener | undefined): ProgressListener {
  const listeners = [context.progress, listener].filter((candidate): candidate is ProgressListener => typeof candidate === 'function')
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
export async function timed<T>(
  context: ServiceContext,
  emit: ProgressListener,
  step: InstallStep,
  detail: string | undefined,
  work: () => Promise<T>,
  describe?: (result: T) => string,
): Promise<T> {
  const started = context.now()
  emit({ step, phase: 'start', ...(detail === undefined ? {} : { detail }) })
  const result = await work()
  const doneDetail = describe ? describe(result) : detail
  emit({ step, phase: 'done', durationMs: context.now() - started, ...(doneDetail === undefined ? {} : { detail: doneDetail }) })
  return result
}
