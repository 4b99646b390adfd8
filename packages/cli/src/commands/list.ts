import type { Command } from '../command'
import type { ListOutput } from '../output/install'

/** `list`: every installed server, as the service shows them (secrets redacted). */
export const listCommand: Command<ListOutput> = {
  async run(_args, context) {
    const { service } = await context.installation()
    return { servers: await service.getInstalledServers() }
  },
}
