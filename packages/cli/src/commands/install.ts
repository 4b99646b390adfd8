import { requirementsError } from '@tekton/mcp-installation'
import type { Command } from '../command'
import type { InstallOutput } from '../output/install'
import { confirm, interruptible, readAssignments, readTarget, readValues, showPlans, stepReporter } from './installing'

/**
 * `install <ref>[@version]`: plan (what will run, where, with which variables), confirm, then
 * install with a line per finished step on stderr. Prints the installed server and what its
 * handshake found.
 */
export const installCommand: Command<InstallOutput> = {
  async run(args, context) {
    const target = readTarget(args.ref)
    const env = readAssignments(args.env)
    const extraArgs = readValues(args.arg)
    const allowScripts = args.allowScripts === true
    const handshake = args.handshake !== false
    const options = { env, args: extraArgs, allowScripts, handshake }

    const { service } = await context.installation()
    context.progress.update(`resolving ${target.ref}${target.version ? `@${target.version}` : ''}`)
    const plan = await service.planInstall(target.ref, { ...options, ...(target.version === undefined ? {} : { version: target.version }) })
    context.progress.stop()

    let version = target.version
    if (plan.installedVersion === undefined) {
      // Asking is pointless when the install would fail on requirements: say so now.
      const unmet = requirementsError(plan.requirements, plan.name)
      if (unmet) throw unmet
      showPlans([{ action: 'install', plan }], args, context)
      await confirm('Install?', args, context, `Installing ${plan.name} ${plan.version}`)
      // What was shown is what gets installed, even if a newer version appears in between.
      if (plan.exact) version = plan.version
    }
    // Installed already: the service answers "already installed", or E_ALREADY_INSTALLED for another version.
    const steps = stepReporter(args, context)
    try {
      return await interruptible(context, (signal) =>
        service.installServer(plan.ref, { ...options, ...(version === undefined ? {} : { version }), progress: steps.listener, signal }),
      )
    } catch (error) {
      steps.fail()
      throw error
    }
  },
}
