import type { Command } from '../command'
import type { UninstallOutput } from '../output/install'
import { readName, stepReporter } from './installing'

/** `uninstall <name>`: the record, then every file of the server; prints what was removed. */
export const uninstallCommand: Command<UninstallOutput> = {
  async run(args, context) {
    const name = readName(args.name)
    const { service } = await context.installation()
    const steps = stepReporter(args, context)
    let outcome
    try {
      outcome = await service.uninstallServer(name, { progress: steps.listener })
    } catch (error) {
      steps.fail()
      throw error
    }
    // With TEKTON_MCP_ERGON_REGISTER=1, Ergon follows: the server and its tools are soft-deleted.
    const ergon = await (await context.app()).followInstallation(outcome.name, 'uninstall')
    return ergon ? { ...outcome, ergon } : outcome
  },
}
