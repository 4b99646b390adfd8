import { describe, expect, it } from '@jest/globals'
import { generatePypiNames } from '@tekton/mcp-testkit'
import { searchEntries } from '../src/index'
import { queryTerms, toEntries } from '../src/index-search'

const entries = toEntries([
  'mcp-server-postgres',
  'postgres-mcp',
  'mcp-postgresql-tools',
  'Acme_MCP_Postgres_Server',
  'mcp-server-fetch',
  'fetch-mcp',
  'mcp-server-git',
  'mcp-gitlab',
  'fastmcp-github',
  'pymcp',
  'mcp-server-fetch', // listed twice (after normalisation too)
  'MCP_Server.Fetch',
  'requests', // not MCP: never an entry
])

const names = (text: string, limit?: number) => searchEntries(entries, text, limit).matches.map((match) => match.name)

describe('toEntries', () => {
  it('keeps MCP-looking names once each, prepared for matching', () => {
    expect(entries.map((entry) => entry.normalized)).toEqual([
      'mcp-server-postgres',
      'postgres-mcp',
      'mcp-postgresql-tools',
      'acme-mcp-postgres-server',
      'mcp-server-fetch',
      'fetch-mcp',
      'mcp-server-git',
      'mcp-gitlab',
      'fastmcp-github',
      'pymcp',
    ])
    expect(entries[0]).toEqual({ name: 'mcp-server-postgres', normalized: 'mcp-server-postgres', tokens: ['mcp', 'server', 'postgres'], reason: 'name:mcp-server-*', strength: 2 })
  })
})

describe('searchEntries: ranking against the index', () => {
  it('puts the exact name first, however it is typed', () => {
    expect(names('MCP_Server.Fetch')[0]).toBe('mcp-server-fetch')
    expect(names('mcp server fetch')[0]).toBe('mcp-server-fetch')
  })

  it('ranks a whole-token match above a prefix, and a prefix above a substring', () => {
    expect(names('postgres')).toEqual(['postgres-mcp', 'mcp-server-postgres', 'Acme_MCP_Postgres_Server', 'mcp-postgresql-tools'])
    expect(names('git')).toEqual(['mcp-server-git', 'mcp-gitlab', 'fastmcp-github'])
    expect(names('hub')).toEqual(['fastmcp-github'])
  })

  it('needs every significant term; generic words only break ties, the query as a phrase counts', () => {
    expect(names('postgres server')).toEqual(['Acme_MCP_Postgres_Server', 'mcp-server-postgres', 'postgres-mcp', 'mcp-postgresql-tools'])
    expect(names('postgres slack')).toEqual([])
    expect(names('fetch mcp')).toEqual(['fetch-mcp', 'mcp-server-fetch'])
  })

  it('lists everything for generic or empty queries, names that say MCP on their own before weak ones', () => {
    const all = names('')
    expect(all).toHaveLength(entries.length)
    expect(all.slice(-2)).toEqual(['pymcp', 'fastmcp-github'])
    expect(names('mcp').at(-1)).toBe('fastmcp-github')
  })

  it('honours the limit and reports how many matched', () => {
    expect(searchEntries(entries, 'mcp', 3)).toMatchObject({ matches: expect.any(Array), total: entries.length })
    expect(names('mcp', 3)).toHaveLength(3)
  })

  it('splits queries on anything that is not a letter or digit', () => {
    expect(queryTerms('  Fetch/Web_Pages.v2  ')).toEqual(['fetch', 'web', 'pages', 'v2'])
  })

  it('works over an index reduced from many generated names', () => {
    const generated = toEntries(generatePypiNames(20_000, { seed: 3 }))
    expect(generated.length).toBeGreaterThan(100)
    const { matches, total } = searchEntries(generated, 'weather', 10)
    expect(total).toBeGreaterThan(0)
    expect(matches.every((match) => match.normalized.includes('weather'))).toBe(true)
  })
})
