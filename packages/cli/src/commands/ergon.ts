import type { Command } from '../command'
import type { ErgonListOutput, ErgonSearchOutput, RegistrationOutput } from '../output/ergon'
import { readInteger } from './arguments'
import { readName } from './installing'

/** `ergon register <name>`: the installed server and its tools into Ergon's repository. */
export const ergonRegisterCommand: Command<RegistrationOutput> = {
  async run(args, context) {
    const name = readName(args.name)
    context.progress.update(`registering ${name} in Ergon`)
    return (await context.app()).ergonRegister(name)
  },
}

/** `ergon unregister <name>`: the server and its tools marked inactive. */
export const ergonUnregisterCommand: Command<RegistrationOutput> = {
  async run(args, context) {
    const name = readName(args.name)
    return (await context.app()).ergonUnregister(name)
  },
}

/** `ergon list [--tools]`: what Ergon's repository holds, read from the store. */
export const ergonListCommand: Command<ErgonListOutput> = {
  async run(args, context) {
    return (await context.app()).ergonList({ includeTools: args.tools === true })
  },
}

/** `ergon search <query..>`: Ergon's repository searched as Ergon indexes it. */
export const ergonSearchCommand: Command<ErgonSearchOutput> = {
  async run(args, context) {
    const query = (Array.isArray(args.query) ? args.query : [args.query ?? '']).map(String).join(' ')
    const limit = readInteger(args.limit, 'limit', { min: 1, max: 100 })
    return (await context.app()).ergonSearch(query, limit === undefined ? {} : { limit })
  },
}
