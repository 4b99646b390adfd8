/**
 * How one query word matches one word of a server, shared by the ranking (rank.ts) and by the
 * sources that match text themselves (the official registry's catalogue, PyPI's name index), so
 * that what a source finds and how it is ranked agree.
 *
 * People type the words they think of, not the ones a description uses: "browser automation" for
 * "Automate web browsers". So words are compared by their stem (Porter's, which brings
 * `automation`, `automate` and `automating` to `autom`, `browsers` to `browser`), then as a
 * prefix (`file` finds `filesystem`; three letters at least, or every word would match), then
 * with a typo or two in longer words (`kubernets`, `playwrite`; none under five letters, where
 * too many unrelated words are one letter apart).
 */
import { stemmer } from 'stemmer'

/** How a server word matched a query word. */
export type WordMatchKind = 'exact' | 'stem' | 'prefix' | 'fuzzy'

/** Splits text into lower-case word tokens (`server-filesystem` → `server`, `filesystem`). */
export function tokenize(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean)
}

/**
 * A word's stem. Only plain latin words are stemmed: the stemmer is English, and `v2`, `k8s` or
 * a CJK word would come out mangled.
 */
export function stem(word: string): string {
  return /^[a-z]{3,}$/.test(word) ? stemmer(word) : word
}

/** Prefix search for words of 3+ letters: `file` finds `filesystem`, `fi` finds nothing. */
export function prefixAllowed(term: string): boolean {
  return term.length >= 3
}

/**
 * Typos tolerated in a stem: none under 5 letters (too many false friends), one up to 7, two
 * beyond (`playwrite` is the stem `playwrit`, two edits from `playwright`).
 */
export function fuzzyDistance(term: string): number {
  if (term.length < 5) return 0
  return term.length >= 8 ? 2 : 1
}

/** Levenshtein distance, giving up (returning `limit + 1`) once it exceeds `limit`. */
export function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i]
    let best = i
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      const value = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost)
      current.push(value)
      best = Math.min(best, value)
    }
    if (best > limit) return limit + 1
    previous = current
  }
  return previous[b.length] as number
}

/**
 * How `word` (a server's) matches `queryWord` (as typed), if it does: the same word, the same
 * stem, the query's stem a prefix of the word, or a typo away from it.
 */
export function matchWord(queryWord: string, word: string): WordMatchKind | undefined {
  if (word === queryWord) return 'exact'
  const queryStem = stem(queryWord)
  const wordStem = stem(word)
  if (queryStem === wordStem) return 'stem'
  if (prefixAllowed(queryStem) && (word.startsWith(queryStem) || wordStem.startsWith(queryStem))) return 'prefix'
  const distance = fuzzyDistance(queryStem)
  if (distance > 0 && editDistance(queryStem, wordStem, distance) <= distance) return 'fuzzy'
  return undefined
}

/** How much each kind of match counts: a typo less than a prefix, a prefix less than the word itself. */
export const wordMatchFactors: Record<WordMatchKind, number> = { exact: 1, stem: 0.95, prefix: 0.8, fuzzy: 0.6 }

/**
 * The best match of `queryWord` among `words`, and its factor; undefined when none matches.
 * Ties go to the earlier word, so explanations are stable.
 */
export function bestWordMatch(queryWord: string, words: Iterable<string>): { word: string; kind: WordMatchKind; factor: number } | undefined {
  let best: { word: string; kind: WordMatchKind; factor: number } | undefined
  for (const word of words) {
    const kind = matchWord(queryWord, word)
    if (!kind) continue
    const factor = wordMatchFactors[kind]
    if (!best || factor > best.factor) best = { word, kind, factor }
    if (factor === 1) break
  }
  return best
}

/**
 * The part of a name that names the server. The official registry's namespace (`io.github.owner/`,
 * `com.example/`: a reverse domain before the `/`) says who publishes, not what the server is:
 * every server published from a GitHub account would otherwise match "github"; so does the host
 * of an image or of a bundle's URL. An npm scope
 * (`@modelcontextprotocol/`) or a GitHub owner (`example/repo`) is kept: people search for them.
 */
export function matchableName(name: string): string {
  // A package given as a URL (an MCPB bundle) is named by its file, not by where it is hosted.
  if (name.includes('://')) return name.slice(name.lastIndexOf('/') + 1)
  const slash = name.indexOf('/')
  if (slash <= 0) return name
  const namespace = name.slice(0, slash)
  if (namespace.startsWith('@') || !namespace.includes('.')) return name
  return name.slice(name.lastIndexOf('/') + 1)
}

/** A word with its stem, computed once for text that is matched many times (a catalogue). */
export interface PreparedWord {
  word: string
  stem: string
}

/** The words of `text`, each with its stem, deduplicated. */
export function prepareWords(text: string): PreparedWord[] {
  return [...new Set(tokenize(text))].map((word) => ({ word, stem: stem(word) }))
}

/** `bestWordMatch` over prepared words: the same rules, without stemming the words again. */
export function bestPreparedMatch(query: PreparedWord, words: readonly PreparedWord[]): { word: string; kind: WordMatchKind; factor: number } | undefined {
  let best: { word: string; kind: WordMatchKind; factor: number } | undefined
  const distance = fuzzyDistance(query.stem)
  for (const candidate of words) {
    let kind: WordMatchKind | undefined
    if (candidate.word === query.word) kind = 'exact'
    else if (candidate.stem === query.stem) kind = 'stem'
    else if (prefixAllowed(query.stem) && (candidate.word.startsWith(query.stem) || candidate.stem.startsWith(query.stem))) kind = 'prefix'
    else if (distance > 0 && editDistance(query.stem, candidate.stem, distance) <= distance) kind = 'fuzzy'
    if (!kind) continue
    const factor = wordMatchFactors[kind]
    if (!best || factor > best.factor) best = { word: candidate.word, kind, factor }
    if (factor === 1) break
  }
  return best
}
