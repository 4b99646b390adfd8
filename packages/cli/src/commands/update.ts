import { TektonError, redact, toTektonError } from '@tekton/mcp-discovery'
import type { InstallOutcome, InstallPlan, InstalledServerView, MCPInstallationService } from '@tekton/mcp-installation'
import type { Command, CommandContext, ParsedArguments } from '../command'
import { exitCodes } from '../exit-codes'
import { describeToolChanges } from '../output/install'
import type { PlanView, UpdateOutput, UpdateResult } from '../output/install'
import { clean } from '../output/text'
import { readString } from './arguments'
import { confirm, interruptible, readHandshakeTimeout, readName, showPlans, stepReporter, withHandshakeTimeoutHint } from './installing'

/**
 * `update [<name>] [--to v] [--all]`: plan, confirm, then install the new version beside the old
 * one and switch only when it works and its tools are unchanged (or approved). A failure leaves
 * the old version active and says so.
 */
export const updateCommand: Command<UpdateOutput> = {
  async run(args, context) {
    const to = readString(args.to)?.trim()
    if (args.all === true) {
      if (args.name !== undefined) throw new TektonError('E_USAGE', '--all conflicts with a server name', { hint: 'Name one server, or pass --all for every one' })
      if (to !== undefined) throw new TektonError('E_USAGE', '--to conflicts with --all', { hint: 'Each server has its own versions: update one at a time with --to' })
      return updateAll(args, context)
    }
    if (args.name === undefined) throw new TektonError('E_USAGE', 'Name the server to update, or pass --all', { hint: 'See the installed servers: tekton-mcp list' })
    const name = readName(args.name)
    const { service } = await context.installation()
    const server = await requireServer(service, name)
    context.progress.update(`resolving ${server.ref}`)
    const plan = await planUpdate(service, server, to)
    context.progress.stop()
    let version = to
    if (plan.version !== server.activeVersion) {
      showPlans([{ action: 'update', plan, fromVersion: server.activeVersion }], args, context)
      const downgrade = plan.versionChange === 'downgrade'
      await confirm(downgrade ? 'Downgrade?' : 'Update?', args, context, `${downgrade ? 'Downgrading' : 'Updating'} ${server.name} to ${plan.version}`)
      // Asked with --yes too would make scripts hang; said instead, so a log shows it was meant.
      if (downgrade && args.yes === true) context.io.stderr(`Downgrading ${clean(server.name)} from ${clean(server.activeVersion)} to ${clean(plan.version)} (--yes)\n`)
      if (plan.exact) version = plan.version
    }
    return runUpdate(service, server, version, args, context)
  },
  exitCode: (output) => ('results' in output && output.results.some((result) => !result.ok) ? exitCodes.failure : exitCodes.ok),
}

async function updateAll(args: ParsedArguments, context: CommandContext): Promise<UpdateOutput> {
  const { service } = await context.installation()
  const servers = await service.getInstalledServers()
  const results = new Map<string, UpdateResult>()
  const plans: PlanView[] = []
  for (const server of servers) {
    context.progress.update(`resolving ${server.ref}`)
    try {
      const plan = await planUpdate(service, server, undefined)
      if (plan.version !== server.activeVersion) plans.push({ action: 'update', plan, fromVersion: server.activeVersion })
    } catch (error) {
      results.set(server.name, failed(server.name, error))
    }
  }
  context.progress.stop()
  if (plans.length > 0) {
    showPlans(plans, args, context)
    await confirm(plans.length === 1 ? 'Update?' : `Update these ${plans.length} servers?`, args, context, `Updating ${plans.map((view) => view.plan.name).join(', ')}`)
    // The plans say which are downgrades (the latest is older than a prerelease installed); --yes says it again.
    for (const view of plans) {
      if (view.plan.versionChange === 'downgrade' && args.yes === true) context.io.stderr(`Downgrading ${clean(view.plan.name)} from ${clean(view.fromVersion)} to ${clean(view.plan.version)} (--yes)\n`)
    }
  }
  const planned = new Map(plans.map((view) => [view.plan.name, view.plan]))
  for (const server of servers) {
    if (results.has(server.name)) continue
    const plan = planned.get(server.name)
    try {
      const outcome = await runUpdate(service, server, plan?.exact ? plan.version : undefined, args, context, servers.length > 1)
      results.set(server.name, { name: server.name, ok: true, outcome })
    } catch (error) {
      // One server failing leaves the others to update; the exit code says something failed.
      results.set(server.name, failed(server.name, error))
    }
  }
  return { results: servers.flatMap((server) => results.get(server.name) ?? []) }
}

function failed(name: string, error: unknown): UpdateResult {
  const failure = toTektonError(error)
  return { name, ok: false, error: { code: failure.code, message: redact(failure.message), ...(failure.hint ? { hint: failure.hint } : {}) } }
}

async function requireServer(service: MCPInstallationService, name: string): Promise<InstalledServerView> {
  const server = await service.getInstalledServer(name)
  if (server) return server
  throw new TektonError('E_NOT_INSTALLED', `${JSON.stringify(name.slice(0, 100))} is not installed`, { hint: 'See the installed servers: tekton-mcp list' })
}

/** What the update would install and run, with the server's recorded settings. */
function planUpdate(service: MCPInstallationService, server: InstalledServerView, to: string | undefined): Promise<InstallPlan> {
  return service.planInstall(server.ref, {
    ...(to === undefined ? {} : { version: to }),
    registryType: server.registryType,
    allowScripts: server.allowScripts,
    args: server.configuration.args,
    // Only the names are shown; secret values are already redacted here.
    env: server.configuration.env,
  })
}

async function runUpdate(
  service: MCPInstallationService,
  server: InstalledServerView,
  version: string | undefined,
  args: ParsedArguments,
  context: CommandContext,
  withHeading = false,
): Promise<InstallOutcome> {
  const steps = stepReporter(args, context)
  if (withHeading) steps.heading(`update ${server.name}`)
  const handshakeTimeoutMs = readHandshakeTimeout(args)
  try {
    return await interruptible(context, (signal) =>
      service.updateServer(server.name, {
        ...(version === undefined ? {} : { to: version }),
        approveToolChanges: args.approveToolChanges === true,
        ...(handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs }),
        progress: steps.listener,
        signal,
      }),
    )
  } catch (error) {
    steps.fail()
    // The service rolls back whatever failed before the switch: say so, the error alone does not.
    if (!showToolChanges(error, context)) context.io.stderr(`${clean(server.name)} ${clean(server.activeVersion)} is still active: the update changed nothing\n`)
    throw withHandshakeTimeoutHint(error, args)
  }
}

/** An update refused for changed tools: the changes, one per line, before the error line. */
function showToolChanges(error: unknown, context: CommandContext): boolean {
  if (!TektonError.isInstance(error) || error.code !== 'E_TOOLS_CHANGED') return false
  const details = error as TektonError & { diff?: { added: string[]; removed: string[]; changed: Array<{ name: string; fields: string[] }> }; fromVersion?: string; toVersion?: string }
  if (!details.diff) return false
  const lines = describeToolChanges(details.diff).map((line) => `  ${line}\n`)
  context.io.stderr(`Tools of ${clean(details.toVersion)} against ${clean(details.fromVersion)} (still active):\n${lines.join('')}`)
  return true
}
