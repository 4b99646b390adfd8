/**
 * Audit: every installed server's trust report from its record (see the installation package's
 * trust module), and the tool names more than one installed server offers. Nothing is started or
 * fetched, so it is cheap enough to run whenever the set of servers changes. Ergon's registered
 * tools are named `<server>:<tool>` and so never collide there: only installed servers are compared.
 */
import type { AuditOutcome } from '@tekton/mcp-installation'
import type { TektonMcpCore } from '../tekton-mcp'

/** The trust report of every installed server, and their tool-name collisions. */
export async function audit(core: TektonMcpCore): Promise<AuditOutcome> {
  const service = await core.installation()
  return service.audit()
}
