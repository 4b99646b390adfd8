import type { Command } from '../command'
import { exitCodes } from '../exit-codes'
import type { VerifyOutput } from '../output/install'
import { readHandshakeTimeout, readName } from './installing'

/**
 * `verify <name>`: the files against the digest recorded at install, then a handshake compared
 * with the recorded tools. Prints what changed; exit 1 when anything did.
 */
export const verifyCommand: Command<VerifyOutput> = {
  async run(args, context) {
    const name = readName(args.name)
    const handshakeTimeoutMs = readHandshakeTimeout(args)
    const { service } = await context.installation()
    context.progress.update(`verifying ${name}`)
    return service.verifyServer(name, { handshake: args.handshake !== false, ...(handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs }) })
  },
  exitCode: (output) => (output.ok ? exitCodes.ok : exitCodes.failure),
}
