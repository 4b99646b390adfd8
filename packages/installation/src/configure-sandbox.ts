/**
 * Turning the sandbox of an installed server on or off (or granting it the network) without
 * reinstalling: the active version's command line is unwrapped to the server's own, wrapped again
 * as asked, and started for a handshake in that form before anything is recorded, so a server that
 * does not run sandboxed keeps its old launch. Updates then keep the new choice.
 */
import { TektonError } from '@tekton/mcp-discovery'
import { buildServerEnvironment } from './environment'
import { handshake as runHandshake } from './handshake'
import type { HandshakeResult } from './handshake'
import { unwrapLaunch } from './sandbox/bubblewrap'
import { checkSandboxMode } from './sandbox/probe'
import type { SandboxMode } from './sandbox/probe'
import { chooseSandbox, sandboxLaunch } from './sandbox-launch'
import { effectiveLaunch, secretValues } from './server-configuration'
import { requireRecord, viewServer } from './server-view'
import type { InstalledServerView } from './server-view'
import { withServerLock } from './service-context'
import type { ServiceContext } from './service-context'

/** Options of `configureSandbox`. */
export interface ConfigureSandboxOptions {
  /** `bubblewrap` (or `E_SANDBOX_UNAVAILABLE`), `auto`, `off`. */
  sandbox: SandboxMode
  /** Grant the network. @default what is recorded, else false */
  network?: boolean
  /** Start the server in its new form before recording it. @default true */
  handshake?: boolean
  handshakeTimeoutMs?: number
  signal?: AbortSignal
}

/** What `configureSandbox` did: the server as it now starts, the handshake that proved it, notes. */
export interface ConfigureSandboxOutcome {
  server: InstalledServerView
  handshake: HandshakeResult | null
  notes: string[]
}

/** Re-wraps the active version's launch as asked and records it after a handshake in that form. */
export async function configureSandbox(context: ServiceContext, name: string, options: ConfigureSandboxOptions): Promise<ConfigureSandboxOutcome> {
  const mode = checkSandboxMode(options?.sandbox, 'sandbox')
  const known = requireRecord(await context.state.read(), name)
  return withServerLock(context, known.slug, `configure the sandbox of ${known.name}`, async () => {
    const record = requireRecord(await context.state.read(), known.name)
    const version = record.versions[record.activeVersion]
    if (!version) throw new TektonError('E_STATE_CORRUPT', `${record.name}: the active version ${record.activeVersion} has no record`)
    const network = options.network ?? record.sandbox?.network ?? false
    const chosen = await chooseSandbox(context, { mode, network }, { type: record.installer }, options.signal)
    const launch = await sandboxLaunch(context, unwrapLaunch(version.launch), chosen.decision, { slug: record.slug, installDirectory: version.directory })
    const notes = chosen.decision.note ? [chosen.decision.note] : []
    let result: HandshakeResult | null = null
    if (options.handshake !== false) {
      const effective = effectiveLaunch({ ...record, versions: { ...record.versions, [record.activeVersion]: { ...version, launch } } }, record.activeVersion)
      result = await runHandshake(effective, {
        timeoutMs: options.handshakeTimeoutMs ?? context.handshakeTimeoutMs,
        env: buildServerEnvironment(context.env, {}, effective.env),
        secrets: secretValues(record.environmentVariables, effective.env),
        now: context.now,
        ...(options.signal ? { signal: options.signal } : {}),
      })
    } else {
      notes.push('Handshake skipped: the server was not started in its new form')
    }
    const updated = await context.state.update((state) => {
      const current = requireRecord(state, record.name)
      const active = current.versions[current.activeVersion]
      if (!active) throw new TektonError('E_STATE_CORRUPT', `${current.name}: the active version ${current.activeVersion} has no record`)
      active.launch = launch
      if (result) active.handshake = result
      if (chosen.recorded) current.sandbox = chosen.recorded
      else delete current.sandbox
      current.updatedAt = new Date(context.now()).toISOString()
      return current
    })
    return { server: viewServer(context, updated), handshake: result, notes }
  })
}
