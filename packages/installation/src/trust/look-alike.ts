/**
 * Look-alike names: a package named one typo, one confusable letter or one scope away from a
 * server people trust is how typosquatting reaches an install (`server-memroy` for
 * `server-memory`, `@modelcontext-protocol/...` for `@modelcontextprotocol/...`). Before an
 * install the name is compared with a built-in list of well-known servers and with what is
 * installed; a resemblance is a warning that names the server it resembles, never a refusal
 * (forks and honest near-names exist).
 */

/** A server a name is compared with. */
export interface KnownServer {
  /** `npm`, `pypi`, `oci`. */
  registryType: string
  identifier: string
  /** Why it is known: `well-known` (the built-in list) or `installed`. */
  origin: 'well-known' | 'installed'
}

/** What a name resembles, and how. */
export interface LookAlikeWarning {
  /** The name checked. */
  identifier: string
  /** The server it resembles. */
  resembles: string
  registryType: string
  origin: KnownServer['origin']
  /** How: one or two edits apart, the same after swapping confusable characters, the same name under a similar scope. */
  kind: 'edit-distance' | 'homoglyph' | 'scope-swap'
  /** Edit distance of the compared forms (`edit-distance`). */
  distance?: number
}

/**
 * The well-known servers: the MCP reference servers (maintained and archived) and widely used
 * vendor servers, by registry type. Short on purpose: every entry is a name squatters copy.
 */
export const wellKnownServers: readonly KnownServer[] = [
  ...[
    '@modelcontextprotocol/server-everything',
    '@modelcontextprotocol/server-filesystem',
    '@modelcontextprotocol/server-memory',
    '@modelcontextprotocol/server-sequential-thinking',
    '@modelcontextprotocol/server-github',
    '@modelcontextprotocol/server-gitlab',
    '@modelcontextprotocol/server-postgres',
    '@modelcontextprotocol/server-puppeteer',
    '@modelcontextprotocol/server-brave-search',
    '@modelcontextprotocol/server-google-maps',
    '@modelcontextprotocol/server-slack',
    '@modelcontextprotocol/server-redis',
    '@modelcontextprotocol/server-gdrive',
    '@modelcontextprotocol/server-everart',
    '@modelcontextprotocol/server-aws-kb-retrieval',
    '@modelcontextprotocol/inspector',
    '@playwright/mcp',
    '@upstash/context7-mcp',
    '@notionhq/notion-mcp-server',
    '@supabase/mcp-server-supabase',
    '@sentry/mcp-server',
    '@cloudflare/mcp-server-cloudflare',
    '@stripe/mcp',
    '@browsermcp/mcp',
    'mcp-remote',
    'firecrawl-mcp',
    'exa-mcp-server',
    'tavily-mcp',
    'figma-developer-mcp',
  ].map((identifier) => ({ registryType: 'npm', identifier, origin: 'well-known' as const })),
  ...['mcp-server-fetch', 'mcp-server-git', 'mcp-server-time', 'mcp-server-sqlite', 'mcp-server-sentry', 'mcp', 'fastmcp', 'awslabs.aws-documentation-mcp-server'].map(
    (identifier) => ({ registryType: 'pypi', identifier, origin: 'well-known' as const }),
  ),
  ...['mcp/fetch', 'mcp/filesystem', 'mcp/memory', 'mcp/git', 'mcp/time', 'mcp/github', 'mcp/postgres', 'mcp/puppeteer', 'ghcr.io/github/github-mcp-server'].map(
    (identifier) => ({ registryType: 'oci', identifier, origin: 'well-known' as const }),
  ),
]

/**
 * Characters (and pairs) that read alike, mapped to one form. Latin look-alikes first (`rn` reads
 * as `m`, `0` as `o`), then the Cyrillic and Greek letters that are drawn like Latin ones.
 */
const confusableSequences: ReadonlyArray<[string, string]> = [
  ['rn', 'm'],
  ['vv', 'w'],
  ['cl', 'd'],
  ['0', 'o'],
  ['1', 'l'],
  ['i', 'l'],
  ['|', 'l'],
  ['5', 's'],
  ['_', '-'],
  ['.', '-'],
]
const confusableLetters: Record<string, string> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', і: 'l', ї: 'l', ј: 'j', ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w', ɡ: 'g',
  α: 'a', β: 'b', ε: 'e', ι: 'l', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ℓ: 'l',
}

/** The form two names share when they only differ by confusable characters. */
export function confusableSkeleton(name: string): string {
  let text = ''
  for (const character of name.normalize('NFKC').toLowerCase()) text += confusableLetters[character] ?? character
  for (const [from, to] of confusableSequences) text = text.split(from).join(to)
  return text
}

/**
 * Damerau-Levenshtein distance (optimal string alignment: a transposition of two neighbours is
 * one edit, as in `memroy`), stopping early once it exceeds `limit`.
 */
export function editDistance(left: string, right: string, limit = Number.POSITIVE_INFINITY): number {
  const a = [...left]
  const b = [...right]
  if (Math.abs(a.length - b.length) > limit) return limit + 1
  let previousPrevious: number[] = []
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i]
    let rowMinimum = i
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let value = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, (previousPrevious[j - 2] as number) + 1)
      current.push(value)
      rowMinimum = Math.min(rowMinimum, value)
    }
    if (rowMinimum > limit) return limit + 1
    previousPrevious = previous
    previous = current
  }
  return previous[b.length] as number
}

/** `{ scope: 'modelcontextprotocol', bare: 'server-memory' }` (`scope` undefined when unscoped; images split at the last `/`). */
function splitName(identifier: string): { scope: string | undefined; bare: string } {
  const name = identifier.toLowerCase()
  const slash = name.lastIndexOf('/')
  if (slash < 0) return { scope: undefined, bare: name }
  return { scope: name.slice(0, slash).replace(/^@/, ''), bare: name.slice(slash + 1) }
}

/**
 * How many edits a name of this length may be from a known one and still look like it: none
 * for very short names (every short name is two edits from another), one up to nine characters,
 * two beyond.
 */
export function allowedDistance(bareLength: number): number {
  if (bareLength <= 4) return 0
  if (bareLength <= 9) return 1
  return 2
}

/** Scopes a user would take for one another: the same letters, a couple of edits apart, or MCP's initials. */
function similarScopes(left: string | undefined, right: string | undefined): boolean {
  if (left === undefined || right === undefined) return left !== right
  const letters = (scope: string) => scope.replace(/[^a-z0-9]/g, '')
  if (letters(left) === letters(right)) return true
  if (editDistance(left, right, 2) <= 2) return true
  const mcpish = (scope: string) => /mcp|modelcontext|model-context/.test(scope)
  return mcpish(left) && mcpish(right)
}

/** The comparison of one name with one known server, or `undefined` when they do not look alike. */
function compare(identifier: string, known: KnownServer): LookAlikeWarning | undefined {
  const name = identifier.toLowerCase()
  const other = known.identifier.toLowerCase()
  if (name === other) return undefined
  const base = { identifier, resembles: known.identifier, registryType: known.registryType, origin: known.origin }
  if (confusableSkeleton(name) === confusableSkeleton(other)) return { ...base, kind: 'homoglyph' }
  const mine = splitName(name)
  const theirs = splitName(other)
  if (mine.bare === theirs.bare && mine.scope !== theirs.scope && theirs.scope !== undefined && similarScopes(mine.scope, theirs.scope)) {
    return { ...base, kind: 'scope-swap' }
  }
  // Typos: in the name under the same scope, or anywhere in an unscoped name.
  if (mine.scope !== theirs.scope && !(mine.scope !== undefined && theirs.scope !== undefined && similarScopes(mine.scope, theirs.scope))) return undefined
  const allowed = allowedDistance(Math.min([...mine.bare].length, [...theirs.bare].length))
  if (allowed === 0) return undefined
  const distance = editDistance(confusableSkeleton(name), confusableSkeleton(other), allowed)
  if (distance <= allowed) return { ...base, kind: 'edit-distance', distance: editDistance(name, other) }
  return undefined
}

/**
 * The known servers `identifier` looks like (see the module comment): none when it is one of
 * them. Only servers of the same registry type are compared; installed ones first.
 */
export function findLookAlikes(registryType: string, identifier: string, known: readonly KnownServer[]): LookAlikeWarning[] {
  const sameType = known.filter((server) => server.registryType === registryType)
  if (sameType.some((server) => server.identifier.toLowerCase() === identifier.toLowerCase())) return []
  const warnings: LookAlikeWarning[] = []
  const seen = new Set<string>()
  for (const server of [...sameType.filter((entry) => entry.origin === 'installed'), ...sameType.filter((entry) => entry.origin === 'well-known')]) {
    if (seen.has(server.identifier)) continue
    const warning = compare(identifier, server)
    if (warning) {
      seen.add(server.identifier)
      warnings.push(warning)
    }
  }
  return warnings
}

/** `resembles @modelcontextprotocol/server-memory (a well-known server): one edit apart`. */
export function describeLookAlike(warning: LookAlikeWarning): string {
  const how =
    warning.kind === 'homoglyph'
      ? 'the same once look-alike characters are swapped'
      : warning.kind === 'scope-swap'
        ? 'the same name under a similar scope'
        : `${warning.distance === 1 ? 'one edit' : `${warning.distance ?? 2} edits`} apart`
  return `${warning.identifier} resembles ${warning.resembles} (${warning.origin === 'installed' ? 'installed here' : 'a well-known server'}): ${how}`
}
