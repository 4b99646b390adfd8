import { planUpdate, requireInstalled } from '@tekton/mcp-app'
import { TektonError } from '@tekton/mcp-discovery'
import type { ClientWriteResult, RegistrationResult } from '@tekton/mcp-app'
import type { InstallOutcome, InstalledServerView, MCPInstallationService } from '@tekton/mcp-installation'
import { ToolChangesError } from '@tekton/mcp-installation'
import type { Command, CommandContext, ParsedArguments } from '../command'
import { exitCodes } from '../exit-codes'
import { describeToolChanges } from '../output/install'
import type { UpdateOutput } from '../output/install'
import { clean } from '../output/text'
import { readString } from './arguments'
import { confirm, interruptible, readHandshakeTimeout, readInactivityTimeout, readLintPolicy, readName, readTrustOptions, showPlans, stepReporter, trustRefusalError, trustReviewer, withHandshakeTimeoutHint } from './installing'

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
    const server = await requireInstalled(service, name)
    context.progress.update(`resolving ${server.ref}`)
    const plan = await planUpdate(service, server, to, { ignoreEngines: args.ignoreEngines === true, ...readTrustOptions(args) })
    context.progress.stop()
    let version = to
    if (plan.version !== server.activeVersion) {
      showPlans([{ action: 'update', plan, fromVersion: server.activeVersion }], args, context)
      const refused = trustRefusalError(plan)
      if (refused) throw refused
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

/** Every installed server: the application plans, this asks once, then the application applies. */
async function updateAll(args: ParsedArguments, context: CommandContext): Promise<UpdateOutput> {
  const app = await context.app()
  const reporters = new Map<string, ReturnType<typeof stepReporter>>()
  // Ctrl-C stops the updates once they run (not the question before them), like `interruptible`.
  const controller = new AbortController()
  let release: (() => void) | undefined
  const results = await app
    .updateAll({
      signal: controller.signal,
      approveToolChanges: args.approveToolChanges === true,
      handshakeTimeoutMs: readHandshakeTimeout(args),
      ignoreEngines: args.ignoreEngines === true,
      ...readTrustOptions(args),
      ...readInactivityTimeout(args),
      ...readLintPolicy(args),
      reviewTrust: trustReviewer(args, context, 'Update'),
      onPlanning: (server) => context.progress.update(`resolving ${server.ref}`),
      confirm: async (plans) => {
        context.progress.stop()
        showPlans(plans.map(({ server, plan }) => ({ action: 'update', plan, fromVersion: server.activeVersion })), args, context)
        await confirm(plans.length === 1 ? 'Update?' : `Update these ${plans.length} servers?`, args, context, `Updating ${plans.map(({ plan }) => plan.name).join(', ')}`)
        // The plans say which are downgrades (the latest is older than a prerelease installed); --yes says it again.
        for (const { server, plan } of plans) {
          if (plan.versionChange === 'downgrade' && args.yes === true) context.io.stderr(`Downgrading ${clean(plan.name)} from ${clean(server.activeVersion)} to ${clean(plan.version)} (--yes)\n`)
        }
      },
      progressFor: (server, count) => {
        context.progress.stop()
        release ??= context.io.onInterrupt(() => {
          context.io.stderr('\nStopping: removing what was staged (Ctrl-C again to quit at once)\n')
          controller.abort()
        })
        const steps = stepReporter(args, context)
        if (count > 1) steps.heading(`update ${server.name}`)
        reporters.set(server.name, steps)
        return steps.listener
      },
      onFailure: (server, error) => {
        reporters.get(server.name)?.fail()
        if (!showToolChanges(error, context)) context.io.stderr(`${clean(server.name)} ${clean(server.activeVersion)} is still active: the update changed nothing\n`)
      },
    })
    .finally(() => release?.())
  context.progress.stop()
  return { results }
}

async function runUpdate(
  service: MCPInstallationService,
  server: InstalledServerView,
  version: string | undefined,
  args: ParsedArguments,
  context: CommandContext,
): Promise<InstallOutcome & { ergon?: RegistrationResult; clients?: ClientWriteResult[] }> {
  const steps = stepReporter(args, context)
  const handshakeTimeoutMs = readHandshakeTimeout(args)
  let outcome: InstallOutcome
  try {
    outcome = await interruptible(context, (signal) =>
      service.updateServer(server.name, {
        ...(version === undefined ? {} : { to: version }),
        approveToolChanges: args.approveToolChanges === true,
        ...(args.ignoreEngines === true ? { ignoreEngines: true } : {}),
        ...readTrustOptions(args),
        ...(handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs }),
        ...readInactivityTimeout(args),
        ...readLintPolicy(args),
        reviewTrust: trustReviewer(args, context, 'Update'),
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
  // With TEKTON_MCP_ERGON_REGISTER=1, Ergon follows the new version's tools.
  const app = await context.app()
  const ergon = outcome.changed ? await app.followInstallation(server.name, 'update') : undefined
  // Client entries launch a version's files by absolute path: point them at the new version.
  const clients = outcome.changed ? await app.rewriteClients(server.name) : []
  return { ...outcome, ...(ergon ? { ergon } : {}), ...(clients.length > 0 ? { clients } : {}) }
}

/** An update refused for changed tools: the changes, one per line, before the error line. */
function showToolChanges(error: unknown, context: CommandContext): boolean {
  if (!ToolChangesError.isInstance(error)) return false
  const lines = describeToolChanges(error.diff).map((line) => `  ${line}\n`)
  context.io.stderr(`Tools of ${clean(error.toVersion)} against ${clean(error.fromVersion)} (still active):\n${lines.join('')}`)
  return true
}
