/**
 * Does a PyPI project look like an MCP server? PyPI has no such flag and no search API, so the
 * name index keeps projects by name, and the JSON API's metadata confirms or adds reasons (a
 * dependency on the SDK, the official registry's `mcp-name:` marker, keywords).
 *
 * The name rule, on the PEP 503 normalised name split into tokens at `-`:
 * - strong: a token is `mcp` (`mcp-server-fetch`, `weather-mcp`, `mcp_tools`, `acme.mcp.db`), or
 *   `modelcontextprotocol` / the tokens `model-context-protocol`;
 * - weak: a token starts or ends with `mcp` (`fastmcp-slack`, `pymcp`, `mcpserver`). Mostly MCP
 *   tools, but also `mcpi` (Minecraft Pi): search keeps a weak match only when its metadata
 *   confirms it (see `metadataReasons`).
 * The SDKs themselves (`mcp`, `fastmcp`) are libraries, not servers, and are never listed.
 */
import { normalizePypiName } from '@tekton/mcp-discovery'

/** Libraries every server depends on; they carry the MCP name but are not servers. */
export const notServers: ReadonlySet<string> = new Set(['mcp', 'fastmcp'])

/** Dependencies that mark a project as built on MCP. */
export const mcpDependencies: ReadonlySet<string> = new Set(['mcp', 'fastmcp'])

/**
 * Bumped whenever the name rule changes: an index stored under another rule version was reduced
 * differently and is rebuilt rather than read.
 */
export const nameRuleVersion = 1

/** How strongly a name alone says "MCP server": 2 strong, 1 weak, 0 not at all. */
export type NameStrength = 0 | 1 | 2

const namePatterns: ReadonlyArray<{ reason: string; strength: 1 | 2; test: (normalized: string, tokens: readonly string[]) => boolean }> = [
  { reason: 'name:mcp-server-*', strength: 2, test: (name) => name.startsWith('mcp-server-') },
  { reason: 'name:*-mcp-server', strength: 2, test: (name) => name.endsWith('-mcp-server') },
  { reason: 'name:*-mcp', strength: 2, test: (name) => name.endsWith('-mcp') },
  { reason: 'name:mcp-*', strength: 2, test: (name) => name.startsWith('mcp-') },
  { reason: 'name:mcp', strength: 2, test: (_, tokens) => tokens.includes('mcp') },
  { reason: 'name:modelcontextprotocol', strength: 2, test: (name) => name.includes('modelcontextprotocol') || name.includes('model-context-protocol') },
  { reason: 'name:fastmcp-*', strength: 1, test: (name) => name.startsWith('fastmcp-') },
  { reason: 'name:*mcp*', strength: 1, test: (_, tokens) => tokens.some((token) => token.startsWith('mcp') || token.endsWith('mcp')) },
]

/** What the name says: the first matching pattern and its strength; `undefined` when nothing matches. */
export function classifyName(name: string): { reason: string; strength: 1 | 2 } | undefined {
  const normalized = normalizePypiName(name)
  // Most of the ~700,000 names have no "mcp" at all: one substring test settles them.
  if (!normalized.includes('mcp') && !normalized.includes('modelcontextprotocol') && !normalized.includes('model-context-protocol')) return undefined
  if (notServers.has(normalized)) return undefined
  const tokens = normalized.split('-')
  const pattern = namePatterns.find((candidate) => candidate.test(normalized, tokens))
  return pattern && { reason: pattern.reason, strength: pattern.strength }
}

/** Whether the name index keeps this project. */
export function looksLikeMcpName(name: string): boolean {
  return classifyName(name) !== undefined
}

/** The name's reason (`name:<pattern>`) as a list, empty when the name says nothing. */
export function nameReasons(name: string): string[] {
  const classified = classifyName(name)
  return classified ? [classified.reason] : []
}

/** The project name of a PEP 508 requirement (`mcp[cli]>=1.2; python_version>"3.9"` → `mcp`), normalised. */
export function requirementName(requirement: string): string | undefined {
  const match = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/.exec(requirement)
  return match?.[1] ? normalizePypiName(match[1]) : undefined
}

/** Whether a requirement applies only with an extra (`; extra == 'test'`): optional, not what the server runs on. */
function isExtraOnly(requirement: string): boolean {
  const marker = requirement.slice(requirement.indexOf(';') + 1)
  return requirement.includes(';') && /\bextra\s*==/.test(marker)
}

/** What metadata adds to the name: `dependency:<mcp|fastmcp>`, `mcp-name:<name>`, `keyword:mcp`, `summary:mcp`. */
export interface McpMetadataSignals {
  requiresDist?: readonly string[] | undefined
  mcpName?: string | undefined
  keywords?: readonly string[] | undefined
  summary?: string | undefined
}

/**
 * Reasons from metadata, most specific first. A dependency on the SDK only counts when it is not
 * behind an extra: `pip install x[mcp]` adds an optional MCP server to a library, which is not
 * what `uvx x` runs.
 */
export function metadataReasons(signals: McpMetadataSignals): string[] {
  const reasons: string[] = []
  const dependencies = new Set((signals.requiresDist ?? []).filter((requirement) => !isExtraOnly(requirement)).map(requirementName))
  for (const dependency of mcpDependencies) if (dependencies.has(dependency)) reasons.push(`dependency:${dependency}`)
  if (signals.mcpName) reasons.push(`mcp-name:${signals.mcpName}`)
  const keywords = new Set((signals.keywords ?? []).map((keyword) => keyword.toLowerCase()))
  if (keywords.has('mcp') || keywords.has('mcp-server') || keywords.has('model-context-protocol') || keywords.has('modelcontextprotocol')) reasons.push('keyword:mcp')
  if (signals.summary && /\bmcp\b|model context protocol/i.test(signals.summary)) reasons.push('summary:mcp')
  return reasons
}
