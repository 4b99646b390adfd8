/**
 * Updates: what an update would install (a plan with the server's recorded settings), and
 * update-all as plan → confirm → apply, the confirmation left to the front end (a prompt, an
 * API's explicit flag). One server failing leaves the others to update.
 */
import type { RegistrationResult } from '@tekton/mcp-ergon'
import { followInstallation } from './ergon'
import { TektonError, redact, toTektonError } from '@tekton/mcp-discovery'
import type { InstallOutcome, InstallPlan, InstalledServerView, LintPolicy, MCPInstallationService, ProgressListener, TrustOptions, TrustReport } from '@tekton/mcp-installation'
import type { TektonMcpCore } from '../tekton-mcp'
import { rewriteClients } from './clients'
import type { ClientWriteResult } from './clients'

/** An update about to happen: the plan and the version it replaces. */
export interface UpdatePlan {
  server: InstalledServerView
  plan: InstallPlan
}

/** One server's update, as update-all reports it. */
export type UpdateResult =
  | {
      name: string
      ok: true
      outcome: InstallOutcome
      /** The Ergon registration that followed, when automatic registration is on. */
      ergon?: RegistrationResult
      /** Our entries in client files, rewritten to the new version's launch. */
      clients?: ClientWriteResult[]
    }
  | { name: string; ok: false; error: { code: string; message: string; hint?: string } }

export interface UpdateAllOptions {
  /**
   * Called once with every planned update (never when there is none). Resolve to go ahead;
   * reject (e.g. E_CANCELLED) to stop before anything changes.
   */
  confirm(plans: readonly UpdatePlan[]): Promise<void>
  /** Told when each server's planning starts, for progress. */
  onPlanning?: (server: InstalledServerView) => void
  /** A progress listener for one server's update (its step lines); `count` is how many are updated. */
  progressFor?: (server: InstalledServerView, count: number) => ProgressListener | undefined
  /** Told when a server's update failed (before the next one starts), e.g. to show why. */
  onFailure?: (server: InstalledServerView, error: unknown) => void
  /** Accept changed tool lists (otherwise such an update is refused and rolled back). */
  approveToolChanges?: boolean
  /** Time each server's handshake gets, in ms. @default the installation service's */
  handshakeTimeoutMs?: number | undefined
  /**
   * Update although the runtime does not satisfy a package's engines and npm's `engine-strict`
   * makes that a refusal (as install's `ignoreEngines`), for planning and installing. @default false
   */
  ignoreEngines?: boolean
  /** Stop the installer's tool (npm) when it makes no progress for this long, in ms. @default the installer's */
  inactivityTimeoutMs?: number | undefined
  /** The trust rules each update is judged by (require signatures or provenance, allow a trust downgrade). */
  requireSignatures?: boolean
  requireProvenance?: boolean
  allowTrustDowngrade?: boolean
  trustOrigin?: string
  /** Whether description-lint findings only warn or refuse a server's update (`E_LINT_REFUSED`). @default 'warn' */
  lintPolicy?: LintPolicy
  /** Called with each server's finished trust report before it is switched to; throwing stops that update. */
  reviewTrust?: (report: TrustReport) => void | Promise<void>
  signal?: AbortSignal
}

/** Only the trust rules that are set, to pass on. */
function trustRulesOptions(options: TrustOptions): TrustOptions {
  return {
    ...(options.requireSignatures ? { requireSignatures: true } : {}),
    ...(options.requireProvenance ? { requireProvenance: true } : {}),
    ...(options.allowTrustDowngrade ? { allowTrustDowngrade: true } : {}),
    ...(options.trustOrigin ? { trustOrigin: options.trustOrigin } : {}),
  }
}

/** What an update is planned with beside the server's recorded settings (and the trust rules, see `TrustOptions`). */
export interface PlanUpdateOptions extends TrustOptions {
  /** Plan although the runtime does not satisfy the package's engines under npm's `engine-strict`. @default false */
  ignoreEngines?: boolean
}

/** The installed server by name or ref; E_NOT_INSTALLED when there is none. */
export async function requireInstalled(service: MCPInstallationService, name: string): Promise<InstalledServerView> {
  const server = await service.getInstalledServer(name)
  if (server) return server
  throw new TektonError('E_NOT_INSTALLED', `${JSON.stringify(name.slice(0, 100))} is not installed`, { hint: 'List the installed servers to see their names' })
}

/** What updating `server` (to `to`, else its newest matching version) would install and run. */
export function planUpdate(service: MCPInstallationService, server: InstalledServerView, to?: string, options: PlanUpdateOptions = {}): Promise<InstallPlan> {
  return service.planInstall(server.ref, {
    ...(to === undefined ? {} : { version: to }),
    ...(options.ignoreEngines ? { ignoreEngines: true } : {}),
    ...trustRulesOptions(options),
    registryType: server.registryType,
    allowScripts: server.allowScripts,
    args: server.configuration.args,
    // Only the names are shown; secret values are already redacted here.
    env: server.configuration.env,
  })
}

/** Plans every installed server's update, asks once, then updates them one by one. */
export async function updateAll(core: TektonMcpCore, options: UpdateAllOptions): Promise<UpdateResult[]> {
  const service = await core.installation()
  const servers = await service.getInstalledServers()
  const results = new Map<string, UpdateResult>()
  const plans: UpdatePlan[] = []
  for (const server of servers) {
    options.onPlanning?.(server)
    try {
      const plan = await planUpdate(service, server, undefined, { ignoreEngines: options.ignoreEngines === true, ...trustRulesOptions(options) })
      if (plan.version !== server.activeVersion) plans.push({ server, plan })
    } catch (error) {
      results.set(server.name, failed(server.name, error))
    }
  }
  if (plans.length > 0) await options.confirm(plans)
  const planned = new Map(plans.map(({ plan }) => [plan.name, plan]))
  const count = servers.filter((server) => !results.has(server.name)).length
  for (const server of servers) {
    if (results.has(server.name)) continue
    const plan = planned.get(server.name)
    try {
      const progress = options.progressFor?.(server, count)
      const outcome = await service.updateServer(server.name, {
        ...(plan?.exact ? { to: plan.version } : {}),
        approveToolChanges: options.approveToolChanges === true,
        ...(options.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: options.handshakeTimeoutMs }),
        ...(options.ignoreEngines ? { ignoreEngines: true } : {}),
        ...trustRulesOptions(options),
        ...(options.inactivityTimeoutMs === undefined ? {} : { inactivityTimeoutMs: options.inactivityTimeoutMs }),
        ...(options.lintPolicy ? { lintPolicy: options.lintPolicy } : {}),
        ...(options.reviewTrust ? { reviewTrust: options.reviewTrust } : {}),
        ...(progress ? { progress } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      })
      // With automatic registration on, Ergon follows each server as it is updated.
      const ergon = outcome.changed ? await followInstallation(core, server.name, 'update') : undefined
      // Client entries launch a version's files by absolute path: point them at the new version.
      const clients = outcome.changed ? await rewriteClients(core, core.clientsSettings, server.name) : []
      results.set(server.name, { name: server.name, ok: true, outcome, ...(ergon ? { ergon } : {}), ...(clients.length > 0 ? { clients } : {}) })
    } catch (error) {
      options.onFailure?.(server, error)
      results.set(server.name, failed(server.name, error))
    }
  }
  return servers.flatMap((server) => results.get(server.name) ?? [])
}

function failed(name: string, error: unknown): UpdateResult {
  const failure = toTektonError(error)
  return { name, ok: false, error: { code: failure.code, message: redact(failure.message), ...(failure.hint ? { hint: failure.hint } : {}) } }
}
