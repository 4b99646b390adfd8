/**
 * Does an npm package look like an MCP server? npm has no such flag, so we read the signals
 * publishers leave (keywords, naming conventions, `mcpName`, the SDK dependency) and keep the
 * reasons, so a person can see why a package was listed.
 */
import { tryParseRef } from '@tekton/mcp-discovery'

/** Keywords MCP server authors use. */
export const mcpKeywords: readonly string[] = ['mcp', 'mcp-server', 'modelcontextprotocol', 'model-context-protocol']

/** The MCP SDK and similar libraries carry the MCP keywords but are not servers. */
const notServers: ReadonlySet<string> = new Set(['@modelcontextprotocol/sdk'])

const namePatterns: ReadonlyArray<{ reason: string; test: (name: string, unscoped: string) => boolean }> = [
  { reason: 'name:@modelcontextprotocol/server-*', test: (name) => name.startsWith('@modelcontextprotocol/server-') },
  { reason: 'name:mcp-server-*', test: (_, unscoped) => unscoped.startsWith('mcp-server-') },
  { reason: 'name:*-mcp-server', test: (_, unscoped) => unscoped.endsWith('-mcp-server') },
  { reason: 'name:*-mcp', test: (_, unscoped) => unscoped.endsWith('-mcp') },
  { reason: 'name:mcp-*', test: (_, unscoped) => unscoped.startsWith('mcp-') },
  // "mcp" as a whole word anywhere in the name (`@scope/mcp`, `foo.mcp.bar`), never inside a word.
  { reason: 'name:mcp', test: (name) => name.split(/[@/._-]+/).includes('mcp') },
]

/** What can be known about a package; search results lack the last two. */
export interface McpSignals {
  name: string
  keywords?: readonly string[]
  /** From a packument only. */
  mcpName?: string
  /** From a packument only. */
  dependencies?: Readonly<Record<string, string>>
}

/**
 * The reasons a package looks like an MCP server, most specific first: `keyword:<keyword>`,
 * the first matching `name:<pattern>`, `mcpName:<name>`, `dependency:@modelcontextprotocol/sdk`.
 * Empty when it does not look like one.
 */
export function mcpReasons(signals: McpSignals): string[] {
  const name = signals.name.toLowerCase()
  if (notServers.has(name)) return []
  const reasons: string[] = []
  const keywords = new Set((signals.keywords ?? []).map((keyword) => keyword.toLowerCase()))
  for (const keyword of mcpKeywords) {
    if (keywords.has(keyword)) reasons.push(`keyword:${keyword}`)
  }
  const unscoped = name.slice(name.indexOf('/') + 1)
  const pattern = namePatterns.find((candidate) => candidate.test(name, unscoped))
  if (pattern) reasons.push(pattern.reason)
  if (signals.mcpName) reasons.push(`mcpName:${signals.mcpName}`)
  if (signals.dependencies?.['@modelcontextprotocol/sdk'] !== undefined) reasons.push('dependency:@modelcontextprotocol/sdk')
  return reasons
}

/** Keywords as a list: an array, or the comma/space separated string some old packages publish. */
export function normalizeKeywords(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[,\s]+/) : []
  return [...new Set(list.filter((keyword): keyword is string => typeof keyword === 'string').map((keyword) => keyword.trim()).filter(Boolean))]
}

/**
 * The reasons a search hit is listed, from what a hit shows (name and keywords); empty when it
 * does not look like an MCP server, or when its name is not a valid npm name (`../../x`): a
 * registry's answer is data, and a name that is not one must not become a ref.
 */
export function searchHitReasons(hit: { name: string; keywords?: unknown }): string[] {
  const ref = tryParseRef(`npm:${hit.name}`)
  if (ref === undefined || ref.version !== undefined || ref.id !== hit.name) return []
  return mcpReasons({ name: hit.name, keywords: normalizeKeywords(hit.keywords) })
}
