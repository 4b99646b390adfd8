/**
 * What must hold before a server is installed, whichever front end asks: the runtimes it needs
 * are here, and it shows some sign of being an MCP server. A package without any sign would be
 * downloaded and installed only to time out in its handshake, so it is refused unless the caller
 * says explicitly that it is one (the CLI's `--force`, the API's `approvals.notMcpServer`).
 */
import { TektonError } from '@tekton/mcp-discovery'
import { requirementsError } from '@tekton/mcp-installation'
import type { InstallPlan } from '@tekton/mcp-installation'

/** E_NOT_MCP_SERVER for a plan whose package shows no sign of being an MCP server, else undefined. */
export function notMcpServerError(plan: InstallPlan): TektonError | undefined {
  if (plan.mcpSigns.length > 0) return undefined
  return new TektonError('E_NOT_MCP_SERVER', `${plan.name} shows no sign of being an MCP server: no MCP registry listing, keyword, name or SDK dependency`, {
    hint: 'Check the name; if it is an MCP server, approve installing it anyway',
  })
}

export interface InstallCheckOptions {
  /** The caller confirmed the package is an MCP server although it shows no sign of it. */
  approveNotMcpServer?: boolean
}

/**
 * Throws what makes installing `plan` pointless or unwanted: unmet requirements (E_REQUIREMENTS),
 * then a package that is no MCP server by any sign, unless approved (E_NOT_MCP_SERVER).
 */
export function checkInstallPlan(plan: InstallPlan, options: InstallCheckOptions = {}): void {
  const unmet = requirementsError(plan.requirements, plan.name)
  if (unmet) throw unmet
  if (options.approveNotMcpServer === true) return
  const notMcp = notMcpServerError(plan)
  if (notMcp) throw notMcp
}
