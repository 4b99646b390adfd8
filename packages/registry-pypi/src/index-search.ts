/**
 * Matching a query against the in-memory name index. The index holds only names that look like
 * MCP servers (thousands out of ~700,000), each prepared once (normalised, split into tokens),
 * so a search is one pass over small strings: well under a few milliseconds.
 */
import { normalizePypiName } from '@tekton/mcp-discovery'
import { classifyName } from './classify'

/** A name prepared for matching. */
export interface IndexEntry {
  /** As the index lists it (the registered spelling). */
  name: string
  /** PEP 503 normalised. */
  normalized: string
  /** `normalized` split at `-`. */
  tokens: string[]
  /** Why the name was kept (`name:mcp-server-*`, ...). */
  reason: string
  /** 2 when the name alone says MCP, 1 when metadata has to confirm it. */
  strength: 1 | 2
}

export interface IndexMatch {
  name: string
  normalized: string
  /** Higher is better; only meaningful within one search. */
  score: number
  reason: string
  strength: 1 | 2
}

/**
 * Words that say "MCP server" and nothing about which one: every name in the index matches them,
 * so they only break ties, unless the query has nothing else.
 */
const genericTerms: ReadonlySet<string> = new Set(['mcp', 'server', 'servers', 'model', 'context', 'protocol', 'modelcontextprotocol', 'python', 'py'])

/** Prepares names for matching; names that do not look like MCP servers and duplicates (after normalisation) are dropped. */
export function toEntries(names: Iterable<string>): IndexEntry[] {
  const entries: IndexEntry[] = []
  const seen = new Set<string>()
  for (const name of names) {
    const classified = classifyName(name)
    if (!classified) continue
    const normalized = normalizePypiName(name)
    if (seen.has(normalized)) continue
    seen.add(normalized)
    entries.push({ name, normalized, tokens: normalized.split('-'), reason: classified.reason, strength: classified.strength })
  }
  return entries
}

/** Query terms: lower case, split at anything that is not a letter or digit. */
export function queryTerms(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean)
}

function termScore(entry: IndexEntry, term: string): number {
  if (entry.tokens.includes(term)) return 10
  if (entry.tokens.some((token) => token.startsWith(term))) return 6
  return entry.normalized.includes(term) ? 3 : 0
}

/**
 * Matches `text` against the entries, best first. Every significant term must occur in the name
 * (as a token 10, a token's prefix 6, anywhere 3); the exact name scores above everything; the
 * whole query as a prefix or a phrase of the name adds to the score; generic terms (`mcp`,
 * `server`, ...) only add a little, unless they are all there is. Ties go to names that say MCP
 * on their own, then to shorter names. An empty query lists every entry.
 */
export function searchEntries(entries: readonly IndexEntry[], text: string, limit = Number.POSITIVE_INFINITY): { matches: IndexMatch[]; total: number } {
  const terms = queryTerms(text)
  const phrase = terms.join('-')
  const significant = terms.filter((term) => !genericTerms.has(term))
  const required = significant.length > 0 ? significant : terms
  const optional = significant.length > 0 ? terms.filter((term) => genericTerms.has(term)) : []
  const matches: Array<IndexMatch & { tokenCount: number }> = []
  for (const entry of entries) {
    let score = 0
    if (phrase !== '' && entry.normalized === phrase) {
      score = 1000
    } else {
      let matched = true
      for (const term of required) {
        const value = termScore(entry, term)
        if (value === 0) {
          matched = false
          break
        }
        score += value
      }
      if (!matched) continue
      for (const term of optional) if (entry.tokens.includes(term)) score += 1
      if (terms.length > 1 && entry.normalized.includes(phrase)) score += 5
      if (phrase !== '' && entry.normalized.startsWith(phrase)) score += 4
    }
    matches.push({ name: entry.name, normalized: entry.normalized, score: score + entry.strength, reason: entry.reason, strength: entry.strength, tokenCount: entry.tokens.length })
  }
  matches.sort((a, b) => b.score - a.score || a.tokenCount - b.tokenCount || a.normalized.length - b.normalized.length || (a.normalized < b.normalized ? -1 : 1))
  return { matches: matches.slice(0, limit).map(({ tokenCount: _, ...match }) => match), total: matches.length }
}
