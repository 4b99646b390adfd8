import type { Command } from '../command'
import { exitCodes } from '../exit-codes'
import type { AuditOutput } from '../output/trust'

/**
 * `audit`: every installed server's trust report, computed from its record (nothing is started
 * or fetched), then the tool names more than one installed server offers. It exits 1, as
 * `verify` does, when a server has a failed check (the app's verdict, `ok` and `failures` in the
 * JSON), so a CI step can run it as is.
 */
export const auditCommand: Command<AuditOutput> = {
  async run(_args, context) {
    const app = await context.app()
    context.progress.update('reading the installed servers')
    return app.audit()
  },
  exitCode: (output) => (output.ok ? exitCodes.ok : exitCodes.failure),
}
