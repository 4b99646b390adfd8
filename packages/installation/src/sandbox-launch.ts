/**
 * Applying the sandbox an operation asks for: decide it on this machine (once per operation,
 * before anything is downloaded, so `bubblewrap` where none works fails first), then wrap the
 * installer's launch spec in it (see `sandbox/bubblewrap.ts`).
 */
import { mkdir } from 'node:fs/promises'
import type { LaunchSpec, MCPServerInstaller } from './spec/installer'
import { bubblewrapLaunch } from './sandbox/bubblewrap'
import { checkSandboxMode, decideSandbox } from './sandbox/probe'
import type { SandboxDecision, SandboxMode } from './sandbox/probe'
import type { InstalledServer } from './state'
import type { ServiceContext } from './service-context'

/** What an operation asks for: a mode and whether the network is granted (each defaulting to the service's). */
export interface SandboxRequest {
  mode?: SandboxMode
  network?: boolean
}

/** The decision, and what to record on the server so updates ask for the same. */
export interface ChosenSandbox {
  decision: SandboxDecision
  recorded: InstalledServer['sandbox'] | undefined
  /** Whether the network is granted (handed to installers that isolate servers themselves). */
  network: boolean
}

/**
 * Decides the sandbox for one install: `off` is none; a container installer's servers already
 * run in a container sandbox (bubblewrap is for Node and Python servers); otherwise the probe's
 * answer read by `decideSandbox` (`E_SANDBOX_UNAVAILABLE` for `bubblewrap` where none works).
 */
export async function chooseSandbox(context: ServiceContext, request: SandboxRequest, installer: Pick<MCPServerInstaller, 'type'> | { type: string }, signal?: AbortSignal): Promise<ChosenSandbox> {
  const mode = checkSandboxMode(request.mode ?? context.sandboxDefaults.mode, 'sandbox')
  const network = request.network ?? context.sandboxDefaults.network
  // A network grant is remembered even without a sandbox: a container's installer applies it itself.
  const grant = network ? { mode, network } : undefined
  if (mode === 'off') return { decision: { use: 'none' }, recorded: grant, network }
  if (installer.type === 'docker') {
    return { decision: { use: 'none', note: 'Runs in its container sandbox (the docker flags); bubblewrap is for Node and Python servers' }, recorded: grant, network }
  }
  const availability = await context.sandboxProbe({ env: context.env, ...(signal ? { signal } : {}) })
  return { decision: decideSandbox(mode, network, availability), recorded: { mode, network }, network }
}

/**
 * `launch` inside the decided sandbox, with `installDirectory` read-only and the server's data
 * directory (made here unless `create: false`, as for a plan) writable as HOME.
 */
export async function sandboxLaunch(
  context: ServiceContext,
  launch: LaunchSpec,
  decision: SandboxDecision,
  target: { slug: string; installDirectory: string; create?: boolean },
): Promise<LaunchSpec> {
  if (decision.use === 'none') return launch
  const dataDirectory = context.layout.dataDir(target.slug)
  if (target.create !== false) await mkdir(dataDirectory, { recursive: true, mode: 0o700 })
  return bubblewrapLaunch(launch, {
    bubblewrapPath: decision.path,
    network: decision.network,
    installDirectory: target.installDirectory,
    dataDirectory,
    ...(typeof context.env['HOME'] === 'string' ? { home: context.env['HOME'] } : {}),
  })
}

/** The sandbox an install asks for: its options, else (a reinstall) what is recorded, else the service's default. */
export function sandboxRequestOf(options: { sandbox?: SandboxMode; sandboxNetwork?: boolean }, existing: InstalledServer | null | undefined): SandboxRequest {
  const mode = options.sandbox ?? (existing ? (existing.sandbox?.mode ?? 'off') : undefined)
  const network = options.sandboxNetwork ?? existing?.sandbox?.network
  return { ...(mode === undefined ? {} : { mode }), ...(network === undefined ? {} : { network }) }
}
