import { TektonError, looksLikeRef } from '@tekton/mcp-discovery'
import { requirementsError } from '@tekton/mcp-installation'
import type { InstallPlan, InstallServerOptions, MCPInstallationService } from '@tekton/mcp-installation'
import type { Command, CommandContext, ParsedArguments } from '../command'
import type { InstallOutput } from '../output/install'
import type { ClientWriteResult } from '@tekton/mcp-app'
import type { InstallTarget } from './installing'
import { askMissingInputs, confirm, interruptible, mcpQuestion, readAssignments, readClientIds, readEnvironmentOptions, readHandshakeTimeout, readInactivityTimeout, readInputs, readLintPolicy, readSandbox, readTarget, readTrustOptions, readValues, showPlans, stepReporter, trustRefusalError, trustReviewer, withHandshakeTimeoutHint } from './installing'

/**
 * `install <ref>[@version]`: plan (what will run, where, with which variables), confirm, then
 * install with a line per finished step on stderr. Prints the installed server and what its
 * handshake found. `--force` on an installed server reinstalls its version (a repair).
 */
export const installCommand: Command<InstallOutput> = {
  async run(args, context) {
    let target = readTarget(args.ref)
    // A client id that is none fails before anything is downloaded.
    const clientIds = args.client === undefined ? [] : await (await context.app()).resolveClientIds(readClientIds(args.client))
    const { env, secrets } = await readEnvironmentOptions(args, context)
    const extraArgs = readValues(args.arg)
    const inputs = readInputs(args.input)
    const handshake = args.handshake !== false
    const registryType = typeof args.type === 'string' ? args.type : undefined
    const options = {
      env,
      ...(Object.keys(secrets).length > 0 ? { secrets } : {}),
      ...(args.remote === true ? { remote: true } : {}),
      args: extraArgs,
      // Absent, the settings decide (install.allowScripts), within the policy.
      ...(args.allowScripts === true ? { allowScripts: true } : {}),
      handshake,
      ...(Object.keys(inputs).length > 0 ? { inputs } : {}),
      ...(registryType === undefined ? {} : { registryType }),
      ...(args.ignoreEngines === true ? { ignoreEngines: true } : {}),
      ...(args.allowNonRegistryDependencies === true ? { allowNonRegistryDependencies: true } : {}),
      ...readTrustOptions(args),
      ...readSandbox(args),
      ...readLintPolicy(args),
    }

    const { service } = await context.installation()
    if (args.force === true && !looksLikeRef(target.ref)) {
      // A repair names the installed server as the other commands do (`install server-memory --force`);
      // the plan shows its full name before anything happens.
      const installed = await service.getInstalledServer(target.ref)
      if (installed) target = { ...target, ref: installed.ref }
    }
    context.progress.update(`resolving ${target.ref}${target.version ? `@${target.version}` : ''}`)
    const planOptions = { ...options, ...(target.version === undefined ? {} : { version: target.version }) }
    let plan = await service.planInstall(target.ref, planOptions)
    context.progress.stop()
    if (plan.installedVersion === undefined) {
      // Required inputs without a value are asked for now (or fail under --yes), so the plan shown is the command that will run.
      const typed = await askMissingInputs(plan, args, context)
      if (typed) {
        Object.assign(env, typed.env)
        options.inputs = { ...options.inputs, ...typed.inputs }
        plan = await service.planInstall(target.ref, { ...planOptions, env, inputs: options.inputs })
      }
    }

    let install: InstallServerOptions & { ref: string }
    if (plan.installedVersion !== undefined && args.force === true) {
      install = await planReinstall(service, plan, target, args, context)
    } else {
      let version = target.version
      if (plan.installedVersion === undefined) {
        // Asking is pointless when the install would fail on requirements: say so now.
        const unmet = requirementsError(plan.requirements, plan.name)
        if (unmet) throw unmet
        showPlans([{ action: 'install', plan }], args, context)
        // The plan shows why; asking would be pointless.
        const refused = trustRefusalError(plan)
        if (refused) throw refused
        await confirm(mcpQuestion(plan, args, context, 'Install?'), args, context, `Installing ${plan.name} ${plan.version}`)
        // What was shown is what gets installed, even if a newer version appears in between.
        if (plan.exact) version = plan.version
      }
      // Installed already: the service answers "already installed", or E_ALREADY_INSTALLED for another version.
      install = { ref: plan.ref, ...options, ...(version === undefined ? {} : { version }) }
    }
    const handshakeTimeoutMs = readHandshakeTimeout(args)
    const steps = stepReporter(args, context)
    let outcome
    try {
      const { ref, ...installOptions } = install
      outcome = await interruptible(context, (signal) =>
        service.installServer(ref, {
          ...installOptions,
          ...(handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs }),
          ...readInactivityTimeout(args),
          ...readLintPolicy(args),
          reviewTrust: trustReviewer(args, context, 'Install'),
          progress: steps.listener,
          signal,
        }),
      )
    } catch (error) {
      steps.fail()
      throw withHandshakeTimeoutHint(error, args)
    }
    // Ergon follows the installed record (with --register, or TEKTON_MCP_ERGON_REGISTER=1).
    context.progress.update(`registering ${outcome.server.name} in Ergon`)
    const app = await context.app()
    const ergon = await app.followInstallation(outcome.server.name, 'install', { register: args.register === true })
    // --client: the installed server goes into those clients' files, with its absolute launch.
    let clients: ClientWriteResult[] | undefined
    if (clientIds.length > 0) {
      context.progress.update(`writing ${outcome.server.name} into ${clientIds.join(', ')}`)
      clients = (await app.configureClients(outcome.server.name, { clients: clientIds, scope: args.scope === 'project' ? 'project' : 'user', plainSecrets: args.plainSecrets === true })).results
    }
    context.progress.stop()
    return { ...outcome, ...(ergon ? { ergon } : {}), ...(clients ? { clients } : {}) }
  },
}

/**
 * `install --force` of an installed server: its active version again, with fresh files, as it is
 * configured (options given now on top). The new files are staged and handshaken beside the
 * installed ones, which stay in use until the switch: a repair that fails changes nothing.
 */
async function planReinstall(
  service: MCPInstallationService,
  planned: InstallPlan,
  target: InstallTarget,
  args: ParsedArguments,
  context: CommandContext,
): Promise<InstallServerOptions & { ref: string }> {
  const installedVersion = planned.installedVersion as string
  if (target.version !== undefined && planned.version !== installedVersion) {
    throw new TektonError('E_ALREADY_INSTALLED', `${planned.name} is installed (${installedVersion}); --force reinstalls that version, not ${target.version}`, {
      hint: `Update it instead: tekton-mcp update ${planned.name} --to ${target.version}`,
    })
  }
  const server = await service.getInstalledServer(planned.name)
  if (!server) throw new TektonError('E_NOT_INSTALLED', `${planned.name} was uninstalled meanwhile`, { hint: `Install it: tekton-mcp install ${planned.ref}` })
  const { env, secrets } = await readEnvironmentOptions(args, context)
  const extraArgs = readValues(args.arg)
  // Only what was given on this command line changes; the rest stays as recorded.
  const changes = {
    env,
    ...(Object.keys(secrets).length > 0 ? { secrets } : {}),
    ...(extraArgs.length > 0 ? { args: extraArgs } : {}),
    ...(args.allowScripts === true ? { allowScripts: true } : {}),
    ...(args.ignoreEngines === true ? { ignoreEngines: true } : {}),
    ...(args.allowNonRegistryDependencies === true ? { allowNonRegistryDependencies: true } : {}),
    ...readTrustOptions(args),
    ...readSandbox(args),
    handshake: args.handshake !== false,
  }
  context.progress.update(`resolving ${planned.ref}@${installedVersion}`)
  const plan = await service.planInstall(planned.ref, {
    version: installedVersion,
    registryType: server.registryType,
    allowScripts: changes.allowScripts ?? server.allowScripts,
    ...(changes.ignoreEngines ? { ignoreEngines: true } : {}),
    ...(changes.allowNonRegistryDependencies ? { allowNonRegistryDependencies: true } : {}),
    ...readTrustOptions(args),
    args: changes.args ?? server.configuration.args,
    // Only the names are shown; secret values are already redacted here.
    env: { ...server.configuration.env, ...env },
    handshake: changes.handshake,
    ...(changes.sandbox === undefined ? {} : { sandbox: changes.sandbox }),
    ...(changes.sandboxNetwork === undefined ? {} : { sandboxNetwork: changes.sandboxNetwork }),
  })
  context.progress.stop()
  const unmet = requirementsError(plan.requirements, plan.name)
  if (unmet) throw unmet
  showPlans([{ action: 'reinstall', plan }], args, context)
  await confirm('Reinstall?', args, context, `Reinstalling ${plan.name} ${installedVersion}`)
  return { ref: plan.ref, ...changes, version: installedVersion, reinstall: true }
}
