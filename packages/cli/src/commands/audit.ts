import type { Command } from '../command'
import type { AuditOutput } from '../output/trust'

/**
 * `audit`: every installed server's trust report, computed from its record (nothing is started
 * or fetched), then the tool names more than one installed server offers.
 */
export const auditCommand: Command<AuditOutput> = {
  async run(_args, context) {
    const app = await context.app()
    context.progress.update('reading the installed servers')
    return app.audit()
  },
}
