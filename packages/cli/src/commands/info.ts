import type { Command } from '../command'
import type { InfoOutput } from '../output/info'
import { readString } from './arguments'

/** `info <ref>`: the server's metadata and its versions, with how each source answered. */
export const infoCommand: Command<InfoOutput> = {
  async run(args, context) {
    const ref = readString(args.ref) ?? ''
    const { service } = await context.discovery()
    context.progress.update(`looking up ${ref}`)
    // The card shows every source that knows the server (registry, npm, PyPI, GitHub), merged;
    // versions are those of the ref asked for. --refresh asks unreachable sources again too.
    const description = await service.describeServer(ref, { retryUnreachable: args.refresh === true })
    context.progress.stop()
    return description
  },
}
