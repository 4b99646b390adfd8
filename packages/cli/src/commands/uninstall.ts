import type { Command } from '../command'
import type { UninstallOutput } from '../output/install'
import { readName, stepReporter } from './installing'

/** `uninstall <name>`: the record, every file of the server, then our entries in client files; prints what was removed. */
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
    const app = await context.app()
    // Our entries in client files go with it; one edited by hand since is kept and reported.
    const clients = await app.removeFromClients(outcome.name)
    // With TEKTON_MCP_ERGON_REGISTER=1, Ergon follows: the server and its tools are soft-deleted.
    const ergon = await app.followInstallation(outcome.name, 'uninstall')
    return { ...outcome, ...(ergon ? { ergon } : {}), ...(clients.length > 0 ? { clients } : {}) }
  },
}
