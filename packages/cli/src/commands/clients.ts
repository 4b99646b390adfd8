import type { ClientListing } from '@tekton/mcp-app'
import type { Command } from '../command'

/** `clients`: every client tekton-mcp writes, whether it is here, its files, and our entries with drift. */
export const clientsCommand: Command<ClientListing[]> = {
  async run(_args, context) {
    return (await context.app()).listClients()
  },
}
