/**
 * Ranking: text relevance first, quality signals second, `score = relevance + quality`.
 *
 * Relevance (0..100) comes from a MiniSearch index over the candidates of one search, with
 * words compared by stem (see text-match.ts), field boosts (name above title above keywords
 * above description), prefix matching for words of 3+ letters and fuzzy matching (one typo, two
 * for long words) for words of 5+ letters, combined with OR: a server matching some of the
 * words still appears, below those matching more of them.
 * - up to 60 for the text match: 9/10 coverage (each query word scored by the best field it
 *   matched and how: exact or same stem, prefix, typo), 1/10 the BM25 score relative to the
 *   best candidate, which separates candidates of equal coverage by term frequency and length;
 * - 40 more when the query is a server's exact name (its name, a package's, the part after `/`).
 * The official registry's namespace (`io.github.owner/`) is not part of the matched name: it
 * says who publishes, and would make every server published from GitHub match "github".
 *
 * A word in the name counts only a little more than one in the description (1 against 0.85):
 * the gap between a weak name match (a package merely named after the word) and a strong
 * description match (a server whose description says exactly that) is about 9 points, which
 * quality can close.
 *
 * Quality (-60..30) is a sum of bounded components: verified ownership 8, listed in the official
 * registry 6, downloads 6 and stars 4 (both log-scaled), recency 3, more than one source
 * agreeing 3, and -35/-60 for deprecated and deleted servers. Its positive range (30) is smaller
 * than the exact-name bonus (40), so popularity never lifts a loose match above a server named
 * exactly what was typed; and it is smaller than the deprecation penalty, so a deprecated server
 * sinks below every active one of the same relevance however popular it is, and a deleted one
 * below that.
 */
import MiniSearch from 'minisearch'
import type { QualityComponents, RankSignals, ServerMetadata, TermMatch } from './spec/metadata'
import { editDistance, fuzzyDistance, matchableName, prefixAllowed, stem, tokenize } from './text-match'

export { tokenize } from './text-match'

/** Options of the ranking functions. */
export interface RankOptions {
  /** The time recency is measured from (epoch ms). @default Date.now() */
  now?: number
}

/** A server's rank: `score = signals.relevance + signals.quality`. */
export interface ServerRank {
  score: number
  signals: RankSignals
}

type Field = 'name' | 'title' | 'keywords' | 'description'
const fields: readonly Field[] = ['name', 'title', 'keywords', 'description']
/**
 * MiniSearch boosts: a word in the name counts twice one in the description. Not more: a server
 * is found by what it does as often as by what it is called ("browser automation" for
 * Playwright), and a package named after the query word is often a stub nobody uses.
 */
const fieldBoosts: Record<Field, number> = { name: 3, title: 2.5, keywords: 2, description: 1.5 }
/** Coverage weight of a query word by the best field it matched in. */
const fieldWeights: Record<Field, number> = { name: 1, title: 0.95, keywords: 0.9, description: 0.85 }
/** Coverage factor by how a word matched: `file` for `filesystem` counts less than `filesystem`. */
const kindFactors: Record<TermMatch['kind'], number> = { exact: 1, prefix: 0.8, fuzzy: 0.6 }

const textShare = 60
const exactBonus = 40
const coverageShare = 0.9

const dayMs = 86_400_000

function round(value: number): number {
  return Math.round(value * 1000) / 1000
}

/**
 * How an indexed word (a stem) matched a query word's stem, as MiniSearch matched it: the same
 * stem (`automation` and `automate`), a prefix, or a typo away.
 */
function matchKind(queryStem: string, word: string): TermMatch['kind'] | undefined {
  if (word === queryStem) return 'exact'
  if (prefixAllowed(queryStem) && word.startsWith(queryStem)) return 'prefix'
  const distance = fuzzyDistance(queryStem)
  if (distance > 0 && editDistance(queryStem, word, distance) <= distance) return 'fuzzy'
  return undefined
}

/** The names a server is known by: its name, registry name, packages and ref id (deduplicated). */
function namesOf(server: ServerMetadata): string[] {
  const colon = server.ref.indexOf(':')
  const names = [server.name, server.registryName, ...server.packages.map((pkg) => pkg.identifier), colon > 0 ? server.ref.slice(colon + 1) : undefined]
  return [...new Set(names.filter((name): name is string => typeof name === 'string' && name.trim() !== ''))]
}

/** Whether the query is one of the server's names, whole or after its last `/`, word for word. */
export function isExactName(text: string, server: ServerMetadata): boolean {
  const phrase = tokenize(text).join(' ')
  if (!phrase) return false
  return namesOf(server).some((name) => {
    const slash = name.lastIndexOf('/')
    return tokenize(name).join(' ') === phrase || (slash >= 0 && tokenize(name.slice(slash + 1)).join(' ') === phrase)
  })
}

/** The bounded quality components of a server, each already weighted. */
export function qualityComponents(server: ServerMetadata, options: RankOptions = {}): QualityComponents {
  const now = options.now ?? Date.now()
  const popularity = server.popularity
  // Monthly counts are brought to weekly ones so sources reporting either compare fairly.
  const weeklyDownloads = (popularity?.downloads ?? 0) / (popularity?.period === 'month' ? 30 / 7 : 1)
  const stars = popularity?.stars ?? 0
  const dates = [server.updatedAt, server.publishedAt].map((value) => (value ? Date.parse(value) : Number.NaN)).filter((time) => !Number.isNaN(time))
  let recency = 0
  if (dates.length > 0) {
    const ageDays = Math.max(0, (now - Math.max(...dates)) / dayMs)
    // Coarse steps rather than a slope: a result must not move between two pages of one search.
    recency = ageDays <= 90 ? 3 : ageDays <= 365 ? 1.5 : ageDays <= 730 ? 0.75 : 0
  }
  const sourceCount = new Set(server.sources.map((record) => record.source)).size
  return {
    verified: server.verified.some((fact) => fact.verified) ? 8 : 0,
    registry: server.sources.some((record) => record.source === 'registry') ? 6 : 0,
    // 100 000 a week earns the full 6; 1 000 earns 3.6.
    downloads: round(Math.min(6, (6 * Math.log10(1 + weeklyDownloads)) / 5)),
    // 10 000 stars earn the full 4; 100 earn 2.
    stars: round(Math.min(4, Math.log10(1 + stars))),
    recency,
    status: statusPenalty(server),
    sources: Math.min(3, Math.max(0, sourceCount - 1) * 1.5),
  }
}

/**
 * What a server's standing costs: more than the whole positive quality range, so a deprecated or
 * archived server sinks below every active one of the same relevance however popular it is, and
 * a deleted one below that.
 */
function statusPenalty(server: ServerMetadata): number {
  switch (server.status) {
    case 'deleted':
      return -60
    case 'deprecated':
    case 'archived':
      return -35
    default:
      return 0
  }
}

/** Quality in [-60, 30]: verified ownership, registry listing, downloads, stars, recency, sources, and status. */
export function quality(server: ServerMetadata, options: RankOptions = {}): number {
  const components = qualityComponents(server, options)
  const sum = Object.values(components).reduce((total, value) => total + value, 0)
  return round(Math.max(-60, Math.min(30, sum)))
}

interface TextMatch {
  relevance: number
  coverage: number
  textScore: number
  exact: boolean
  matched: string[]
  terms: TermMatch[]
}

/**
 * The text match of every server for `text`, computed over this set of servers (BM25 needs the
 * whole set: a word found in every candidate tells little).
 */
function textMatches(text: string, servers: readonly ServerMetadata[]): TextMatch[] {
  const queryTerms = [...new Set(tokenize(text))]
  if (queryTerms.length === 0) {
    // Nothing to match: every server is equally relevant and quality alone orders them.
    return servers.map(() => ({ relevance: 1, coverage: 0, textScore: 0, exact: false, matched: [], terms: [] }))
  }
  // Stemming both sides (MiniSearch applies `processTerm` to the query too) lets `automation`
  // find `Automate`; prefix and fuzzy search then work on stems.
  const index = new MiniSearch<{ id: number } & Record<Field, string>>({
    fields: [...fields],
    storeFields: [],
    tokenize,
    processTerm: stem,
  })
  index.addAll(
    servers.map((server, id) => ({
      id,
      name: namesOf(server).map(matchableName).join(' '),
      title: server.title ?? '',
      keywords: server.keywords.join(' '),
      description: server.description,
    })),
  )
  const hits = index.search(queryTerms.join(' '), {
    boost: fieldBoosts,
    prefix: prefixAllowed,
    fuzzy: (term) => fuzzyDistance(term) || false,
    combineWith: 'OR',
  })
  const best = Math.max(0, ...hits.map((hit) => hit.score))
  const matches: TextMatch[] = servers.map(() => ({ relevance: 0, coverage: 0, textScore: 0, exact: false, matched: [], terms: [] }))
  for (const hit of hits) {
    const server = servers[hit.id as number] as ServerMetadata
    const labels = new Set<string>()
    const terms: TermMatch[] = []
    let covered = 0
    for (const queryTerm of queryTerms) {
      let chosen: { term: TermMatch; weight: number } | undefined
      const queryStem = stem(queryTerm)
      for (const word of hit.terms) {
        const kind = matchKind(queryStem, word)
        if (!kind) continue
        const matchedFields = fields.filter((field) => (hit.match[word] ?? []).includes(field))
        for (const field of matchedFields) labels.add(kind === 'exact' ? field : `${field}:${kind}`)
        const weight = kindFactors[kind] * Math.max(0, ...matchedFields.map((field) => fieldWeights[field]))
        // Ties go to the earlier word, so the explanation is stable.
        if (!chosen || weight > chosen.weight) chosen = { term: { term: queryTerm, matchedAs: word, kind, fields: matchedFields }, weight }
      }
      if (chosen) {
        covered += chosen.weight
        terms.push(chosen.term)
      }
    }
    const coverage = covered / queryTerms.length
    const exact = isExactName(text, server)
    const text01 = coverageShare * coverage + (1 - coverageShare) * (best > 0 ? hit.score / best : 0)
    const matched = [...(exact ? ['name:exact'] : []), ...orderLabels(labels)]
    matches[hit.id as number] = {
      relevance: round(textShare * text01 + (exact ? exactBonus : 0)),
      coverage: round(coverage),
      textScore: round(hit.score),
      exact,
      matched,
      terms,
    }
  }
  return matches
}

/** Field labels in field order, then exact before prefix before fuzzy. */
function orderLabels(labels: Set<string>): string[] {
  const order = fields.flatMap((field) => [field, `${field}:prefix`, `${field}:fuzzy`])
  return order.filter((label) => labels.has(label))
}

/**
 * Ranks a set of servers for one query: the rank of each, in input order. Relevance is computed
 * over the whole set, so rank the candidates of one search together.
 */
export function rankServers(text: string, servers: readonly ServerMetadata[], options: RankOptions = {}): ServerRank[] {
  const now = options.now ?? Date.now()
  return textMatches(text, servers).map((match, index) => {
    const server = servers[index] as ServerMetadata
    const components = qualityComponents(server, { now })
    const qualityScore = quality(server, { now })
    return {
      score: round(match.relevance + qualityScore),
      signals: {
        relevance: match.relevance,
        quality: qualityScore,
        matched: match.matched,
        exact: match.exact,
        coverage: match.coverage,
        textScore: match.textScore,
        terms: match.terms,
        components,
      },
    }
  })
}

/** How well one server matches `text`, on its own: 0 when no query word matches anywhere. */
export function relevance(text: string, server: ServerMetadata): { score: number; matched: string[] } {
  const [match] = textMatches(text, [server]) as [TextMatch]
  return { score: match.relevance, matched: match.matched }
}

/** Scores one server for a query on its own; the higher the better. Rank a search's candidates together with `rankServers`. */
export function rankServer(text: string, server: ServerMetadata, options: RankOptions = {}): ServerRank {
  return (rankServers(text, [server], options) as [ServerRank])[0]
}
