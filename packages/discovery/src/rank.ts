/**
 * Ranking: text relevance first, quality signals second. Relevance weighs where the query
 * matched (name above title above keywords above description); quality adds verified ownership,
 * popularity and status, bounded so it reorders servers of similar relevance but never lifts a
 * weak match over a strong one.
 */
import type { RankSignals, ServerMetadata } from './spec/metadata'

const fieldWeights = { name: 10, title: 6, keyword: 5, description: 2 } as const

/** Splits text into lower-case word tokens (`server-filesystem` → `server`, `filesystem`). */
export function tokenize(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean)
}

/** The part of a package name people type: `@scope/server-x` → `server-x`. */
function baseName(name: string): string {
  const slash = name.lastIndexOf('/')
  return (slash >= 0 ? name.slice(slash + 1) : name).toLowerCase()
}

/** How well `server` matches `text`: 0 when no query token matches anywhere. */
export function relevance(text: string, server: ServerMetadata): { score: number; matched: string[] } {
  const queryTokens = tokenize(text)
  if (queryTokens.length === 0) return { score: 1, matched: [] }
  const phrase = text.trim().toLowerCase()
  const names = [server.name, server.registryName ?? '', ...server.packages.map((pkg) => pkg.identifier)].filter(Boolean)
  const nameTokens = new Set(names.flatMap(tokenize))
  const titleTokens = new Set(tokenize(server.title ?? ''))
  const keywordTokens = new Set(server.keywords.flatMap(tokenize))
  const descriptionTokens = new Set(tokenize(server.description))
  const matched = new Set<string>()
  let score = 0
  // Typing a server's exact name is the strongest signal there is, however many words it has.
  const exactBonus = names.some((name) => name.toLowerCase() === phrase || baseName(name) === phrase) ? 50 : 0
  if (exactBonus) matched.add('name:exact')
  for (const token of queryTokens) {
    const prefixOf = (tokens: Set<string>) => [...tokens].some((candidate) => candidate.startsWith(token))
    if (nameTokens.has(token)) {
      score += fieldWeights.name
      matched.add('name')
    } else if (token.length >= 3 && prefixOf(nameTokens)) {
      score += fieldWeights.name / 2
      matched.add('name:prefix')
    }
    if (titleTokens.has(token)) {
      score += fieldWeights.title
      matched.add('title')
    }
    if (keywordTokens.has(token)) {
      score += fieldWeights.keyword
      matched.add('keywords')
    }
    if (descriptionTokens.has(token)) {
      score += fieldWeights.description
      matched.add('description')
    }
  }
  return { score: score / queryTokens.length + exactBonus, matched: [...matched] }
}

/** Quality in [-20, 10]: verified ownership, downloads, stars, and status. */
export function quality(server: ServerMetadata): number {
  let value = 0
  if (server.verified.some((fact) => fact.verified)) value += 3
  const downloads = server.popularity?.downloads ?? 0
  const stars = server.popularity?.stars ?? 0
  value += Math.min(4, Math.log10(1 + downloads) * 0.8)
  value += Math.min(3, Math.log10(1 + stars))
  if (server.status === 'deprecated') value -= 10
  if (server.status === 'deleted') value -= 20
  return Math.max(-20, Math.min(10, value))
}

/** Scores a server for a query; the higher the better. */
export function rankServer(text: string, server: ServerMetadata): { score: number; signals: RankSignals } {
  const match = relevance(text, server)
  const qualityScore = quality(server)
  const score = Math.round((match.score + qualityScore) * 1000) / 1000
  return { score, signals: { relevance: Math.round(match.score * 1000) / 1000, quality: Math.round(qualityScore * 1000) / 1000, matched: match.matched } }
}
