/**
 * Whether a package shows any sign of being an MCP server, from the metadata known before
 * anything is downloaded. A ref names any package (`npm:cowsay` resolves like a server), and
 * installing one that is not a server ends, after the download and the npm install, in a
 * handshake that waits out its whole timeout: the plan says so first, so the caller can ask.
 * No sign is not proof (a new server may have none yet), so this informs and never refuses.
 */
import type { ServerMetadata } from '@tekton/mcp-discovery'

/** The official MCP registry's source id in discovery. */
const officialRegistrySource = 'registry'

/** Keywords (and PyPI classifiers' words) that only MCP projects use. */
const mcpKeywords = new Set(['mcp', 'mcp-server', 'model-context-protocol', 'modelcontextprotocol', 'mcp-servers', 'mcpserver'])

/** `mcp` as a word of a name: `mcp-server-x`, `x-mcp`, `@x/mcp`, `fastmcp` does not count (a library). */
const mcpWordPattern = /(^|[^a-z0-9])mcp([^a-z0-9]|$)/i

/**
 * The signs, each a short phrase (`listed in the official MCP registry`, `npm: dependency:@modelcontextprotocol/sdk`):
 * the official registry lists it, it claims a registry name (`mcpName`), a source found it by its
 * MCP signals (the npm source's keywords, name patterns, `mcpName` and SDK dependency; GitHub's
 * topics and `server.json`), its keywords or name say MCP, it declares MCP capabilities or
 * remote endpoints. Empty when there is none.
 */
export function mcpSignsOf(server: ServerMetadata): string[] {
  const signs: string[] = []
  if (server.sources.some((record) => record.source === officialRegistrySource)) signs.push('listed in the official MCP registry')
  if (server.registryName) signs.push(`claims the MCP registry name ${server.registryName}`)
  for (const record of server.sources) {
    for (const reason of record.reasons ?? []) signs.push(`${record.source}: ${reason}`)
  }
  const keywords = server.keywords.filter((keyword) => mcpKeywords.has(keyword.toLowerCase()))
  if (keywords.length > 0) signs.push(`keywords: ${keywords.join(', ')}`)
  if (mcpWordPattern.test(server.name)) signs.push(`its name ${server.name}`)
  if (server.capabilities.length > 0) signs.push('declares MCP capabilities')
  if (server.remotes.length > 0) signs.push('declares remote MCP endpoints')
  return [...new Set(signs)]
}
