import { describe, expect, it } from '@jest/globals'
import { quality, tokenize, type ServerMetadata } from '../src/index'
import { isExactName, qualityComponents, rankServers } from '../src/rank'
import { server } from './fixtures/servers'

const now = Date.UTC(2026, 5, 1)
const daysAgo = (days: number) => new Date(now - days * 86_400_000).toISOString()

/** Refs best first, as the combined registry orders them. */
function order(text: string, servers: ServerMetadata[]): string[] {
  const ranks = rankServers(text, servers, { now })
  return servers
    .map((entry, index) => ({ ref: entry.ref, score: (ranks[index] as { score: number }).score }))
    .sort((a, b) => b.score - a.score || (a.ref < b.ref ? -1 : 1))
    .map((entry) => entry.ref)
}

const popular = {
  popularity: { downloads: 2_000_000, stars: 30_000 },
  verified: [{ kind: 'npm-mcp-name' as const, value: 'io.github.big/db', verified: true }],
  updatedAt: daysAgo(3),
  sources: [{ source: 'npm', id: 'x' }, { source: 'registry', id: 'y' }, { source: 'github', id: 'z' }],
}

describe('rankServers', () => {
  it('puts an exact name above a popular loose match', () => {
    const exact = server({ ref: 'npm:pg-query', description: 'Runs SQL' })
    const loose = server({ ref: 'npm:pg-query-builder-mcp', title: 'PG query', keywords: ['pg', 'query'], description: 'pg query pg query', ...popular })
    expect(order('pg-query', [loose, exact])).toEqual(['npm:pg-query', 'npm:pg-query-builder-mcp'])
    const [exactRank] = rankServers('pg-query', [exact, loose], { now })
    expect(exactRank?.signals).toMatchObject({ exact: true, matched: expect.arrayContaining(['name:exact', 'name']) })
  })

  it('puts an exact name above a popular typo match', () => {
    const exact = server({ ref: 'npm:postgres', description: 'A database client' })
    const typo = server({ ref: 'npm:postgress-mcp', description: 'Postgress tools', ...popular })
    expect(order('postgres', [typo, exact])).toEqual(['npm:postgres', 'npm:postgress-mcp'])
  })

  it('weighs name above title above keywords above description', () => {
    const inName = server({ ref: 'npm:weather-a', description: 'Forecasts' })
    const inTitle = server({ ref: 'npm:b-mcp', title: 'Weather', description: 'Forecasts' })
    const inKeywords = server({ ref: 'npm:c-mcp', keywords: ['weather'], description: 'Forecasts' })
    const inDescription = server({ ref: 'npm:d-mcp', description: 'Weather forecasts' })
    expect(order('weather', [inDescription, inKeywords, inTitle, inName])).toEqual(['npm:weather-a', 'npm:b-mcp', 'npm:c-mcp', 'npm:d-mcp'])
  })

  it('finds prefixes and typos, and says how each query word matched', () => {
    const [prefix, typo, none] = rankServers('file', [server({ ref: 'npm:filesystem-mcp' }), server({ ref: 'npm:fil-mcp' }), server({ ref: 'npm:x', description: 'nothing' })], { now })
    expect(prefix?.signals.matched).toContain('name:prefix')
    expect(prefix?.signals.terms).toEqual([{ term: 'file', matchedAs: 'filesystem', kind: 'prefix', fields: ['name', 'description'] }])
    // Four letters is too short for a typo: `fil` is not `file`.
    expect(typo?.signals.relevance).toBe(0)
    expect(none?.signals).toMatchObject({ relevance: 0, matched: [], terms: [] })
    // Words are compared by stem (`postgr`), so a typo is measured against the stem.
    const [fuzzy] = rankServers('postgrez', [server({ ref: 'npm:postgres-mcp', description: 'SQL' })], { now })
    expect(fuzzy?.signals.terms).toEqual([{ term: 'postgrez', matchedAs: 'postgr', kind: 'fuzzy', fields: ['name'] }])
    expect(fuzzy?.signals.matched).toEqual(['name:fuzzy'])
  })

  it('matches words by stem, so "browser automation" finds a server that automates web browsers', () => {
    const [playwright, unrelated] = rankServers('browser automation', [server({ ref: 'npm:@playwright/mcp', description: 'Automate web browsers' }), server({ ref: 'npm:x', description: 'Weather' })], { now })
    expect(playwright?.signals.terms?.map((term) => [term.term, term.kind])).toEqual([['browser', 'exact'], ['automation', 'exact']])
    expect(playwright?.signals.coverage).toBeGreaterThan(0.8)
    expect(unrelated?.signals.relevance).toBe(0)
  })

  it('ranks a server matching more of the query higher, and still shows one matching part of it', () => {
    const both = server({ ref: 'npm:a-mcp', description: 'Weather forecasts' })
    const one = server({ ref: 'npm:b-mcp', description: 'Weather alerts' })
    expect(order('weather forecast', [one, both])).toEqual(['npm:a-mcp', 'npm:b-mcp'])
    expect(rankServers('weather forecast', [one], { now })[0]?.signals.relevance).toBeGreaterThan(0)
  })

  it('leaves the official registry namespace out of the matched name', () => {
    const namespaced = server({ ref: 'registry:io.github.example/postgres', name: 'io.github.example/postgres', description: 'PostgreSQL', packages: [] })
    const own = server({ ref: 'registry:io.github.github/github-mcp-server', name: 'io.github.github/github-mcp-server', description: 'Issues', packages: [] })
    const [first, second] = rankServers('github', [namespaced, own], { now })
    expect(first?.signals.relevance).toBe(0)
    expect(second?.signals.matched).toContain('name')
  })

  it('lets quality lift a verified, listed server matched in its description over an unknown package named after the word', () => {
    const verified = server({
      ref: 'registry:io.github.motherduckdb/mcp-server-motherduck',
      name: 'io.github.motherduckdb/mcp-server-motherduck',
      description: 'SQL analytics on DuckDB databases',
      verified: [{ kind: 'registry-package', value: 'mcp-server-motherduck', verified: true }],
      sources: [{ source: 'registry', id: 'io.github.motherduckdb/mcp-server-motherduck' }],
    })
    const stub = server({ ref: 'pypi:duckdb-mcp', description: 'duckdb mcp' })
    expect(order('duckdb', [stub, verified])).toEqual(['registry:io.github.motherduckdb/mcp-server-motherduck', 'pypi:duckdb-mcp'])
  })

  it('lets popularity reorder matches of equal relevance', () => {
    const quiet = server({ ref: 'npm:a-weather' })
    const loud = server({ ref: 'npm:b-weather', popularity: { downloads: 50_000 } })
    expect(order('weather', [quiet, loud])).toEqual(['npm:b-weather', 'npm:a-weather'])
  })

  it('sinks deprecated and deleted servers below active ones of the same relevance', () => {
    const active = server({ ref: 'npm:c-weather' })
    const deprecated = server({ ref: 'npm:a-weather', status: 'deprecated', ...popular })
    const deleted = server({ ref: 'npm:b-weather', status: 'deleted', ...popular })
    expect(order('weather', [deprecated, deleted, active])).toEqual(['npm:c-weather', 'npm:a-weather', 'npm:b-weather'])
  })

  it('explains every quality component and keeps quality within bounds', () => {
    const [rank] = rankServers('db', [server({ ref: 'npm:db', ...popular })], { now })
    expect(rank?.signals.components).toEqual({ verified: 8, registry: 6, downloads: 6, stars: 4, recency: 3, status: 0, sources: 3 })
    expect(rank?.signals.quality).toBe(30)
    expect(rank?.score).toBe((rank?.signals.relevance ?? 0) + 30)
    expect(rank?.signals.coverage).toBe(1)
    expect(rank?.signals.textScore).toBeGreaterThan(0)
  })

  it('scores recency in steps and counts monthly downloads as weekly', () => {
    const recency = (days: number) => qualityComponents(server({ ref: 'npm:x', publishedAt: daysAgo(days) }), { now }).recency
    expect([recency(-1), recency(10), recency(200), recency(500), recency(1000)]).toEqual([3, 3, 1.5, 0.75, 0])
    const weekly = qualityComponents(server({ ref: 'npm:x', popularity: { downloads: 1_000, period: 'week' } }), { now }).downloads
    const monthly = qualityComponents(server({ ref: 'npm:x', popularity: { downloads: 1_000, period: 'month' } }), { now }).downloads
    expect(monthly).toBeLessThan(weekly)
    expect(quality(server({ ref: 'npm:x', status: 'deleted', ...popular }), { now })).toBe(-30)
    expect(quality(server({ ref: 'npm:x', status: 'deprecated', ...popular }), { now })).toBe(-5)
  })

  it('ranks every server equally on text when the query has no words', () => {
    const ranks = rankServers('  -- ', [server({ ref: 'npm:a' }), server({ ref: 'npm:b' })], { now })
    expect(ranks.map((rank) => rank.signals.relevance)).toEqual([1, 1])
  })

  it('gives the same ranks whatever order the candidates come in', () => {
    const servers = Array.from({ length: 12 }, (_, index) => server({ ref: `npm:tool-${index}`, description: index % 2 ? 'weather tool' : 'tool', popularity: { downloads: index * 10 } }))
    const forward = rankServers('weather tool', servers, { now })
    const backward = rankServers('weather tool', [...servers].reverse(), { now }).reverse()
    expect(backward).toEqual(forward)
  })
})

describe('isExactName and tokenize', () => {
  it('matches a name, a package, or the part after the slash, word for word', () => {
    const entry = server({ ref: 'registry:io.github.acme/pg_tools', name: 'io.github.acme/pg_tools', registryName: 'io.github.acme/pg_tools' })
    expect(isExactName('pg-tools', entry)).toBe(true)
    expect(isExactName('io.github.acme/pg_tools', entry)).toBe(true)
    expect(isExactName('pg', entry)).toBe(false)
    expect(isExactName('  ', entry)).toBe(false)
  })

  it('splits on anything but letters and digits, in any script', () => {
    expect(tokenize('Météo-Server_v2 東京')).toEqual(['météo', 'server', 'v2', '東京'])
  })
})
