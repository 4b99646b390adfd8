import type { Command } from '../command'
import type { InfoOutput } from '../output/info'
import { readString } from './arguments'

/** `info <ref>`: the server's metadata merged across sources, and its versions. */
export const infoCommand: Command<InfoOutput> = {
  async run(args, context) {
    const ref = readString(args.ref) ?? ''
    const app = await context.app()
    context.progress.update(`looking up ${ref}`)
    // --refresh asks the sources remembered as unreachable again.
    return app.describe(ref, { retryUnreachable: args.refresh === true })
  },
}
