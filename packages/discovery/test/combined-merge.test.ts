import { describe, expect, it } from '@jest/globals'
import { createCombinedRegistry, createStaticRegistry, SearchPageSchema, type RegistrySource, type SearchQuery, type ServerMetadata } from '../src/index'
import { githubServer, npmServer, pypiServer, registryServer } from './fixtures/source-servers'

const now = () => Date.UTC(2026, 5, 1)
const officialName = 'io.github.example/postgres'

// An npm search hit carries no `mcpName` (only the packument does): the registry's package list joins it.
const npmPostgres = npmServer('@example/postgres-mcp', {
  description: 'MCP server for Postgres',
  repository: { url: 'git+https://github.com/example/postgres-mcp.git', source: 'github' },
  popularity: { downloads: 5_000, period: 'week' },
})
const registryPostgres = registryServer(officialName, {
  title: 'Postgres',
  description: 'Query Postgres databases',
  packages: [{ registryType: 'npm', identifier: '@example/postgres-mcp' }, { registryType: 'oci', identifier: 'ghcr.io/example/postgres-mcp:1.2.0' }],
  remotes: [{ type: 'streamable-http', url: 'https://pg.example.com/mcp' }],
  repository: { url: 'https://github.com/example/postgres-mcp', source: 'github' },
})
const githubPostgres = githubServer('example/postgres-mcp', { description: 'Postgres MCP server', popularity: { stars: 1_200 }, keywords: ['sql'] })
// A popular, loosely matching server on npm, and a deprecated one.
const npmPopular = npmServer('db-toolbox', { description: 'Many databases: postgres, mysql, sqlite', popularity: { downloads: 900_000, period: 'week' } })
const npmDeprecated = npmServer('pg-old', { description: 'Postgres access', status: 'deprecated', popularity: { downloads: 80_000, period: 'week' } })
// A monorepo: two npm packages and the repository, none of which are the same server.
const monorepo = { url: 'https://github.com/modelcontextprotocol/servers', source: 'github' }
const npmFilesystem = npmServer('@modelcontextprotocol/server-filesystem', { description: 'Filesystem access', repository: monorepo })
const npmMemory = npmServer('@modelcontextprotocol/server-memory', { description: 'Knowledge graph memory', repository: monorepo })
const githubServers = githubServer('modelcontextprotocol/servers', { description: 'Model Context Protocol servers', popularity: { stars: 70_000 } })

function sources(): RegistrySource[] {
  return [
    createStaticRegistry({ id: 'npm', displayName: 'npm registry', servers: [npmPostgres, npmPopular, npmDeprecated, npmFilesystem, npmMemory] }),
    createStaticRegistry({ id: 'registry', displayName: 'MCP Registry', servers: [registryPostgres] }),
    createStaticRegistry({ id: 'github', displayName: 'GitHub', servers: [githubPostgres, githubServers] }),
  ]
}

async function search(query: SearchQuery, from: RegistrySource[] = sources()) {
  const page = await createCombinedRegistry({ sources: from, now }).search(query)
  SearchPageSchema.parse(page)
  return page
}

describe('combined search: one result per server', () => {
  it('merges an npm package, its official registry entry and its GitHub repository into one result', async () => {
    const page = await search({ text: 'postgres' })
    const merged = page.results.filter((result) => result.mergedRefs)
    expect(merged).toHaveLength(1)
    const [result] = merged
    expect(result?.ref).toBe(`registry:${officialName}`)
    expect(result?.mergedRefs).toEqual([`registry:${officialName}`, 'npm:@example/postgres-mcp', 'github:example/postgres-mcp'])
    expect(result?.server.name).toBe(officialName)
    expect(result?.server.sources.map((record) => record.source)).toEqual(['npm', 'registry', 'github'])
    expect(result?.server.packages.map((pkg) => `${pkg.registryType}:${pkg.identifier}`)).toEqual(['npm:@example/postgres-mcp', 'oci:ghcr.io/example/postgres-mcp:1.2.0'])
    expect(result?.server.remotes).toEqual([{ type: 'streamable-http', url: 'https://pg.example.com/mcp' }])
    expect(result?.server.popularity).toMatchObject({ downloads: 5_000, stars: 1_200 })
    // No result is left over for the entries merged into it.
    expect(page.results.map((entry) => entry.ref)).not.toContain('npm:@example/postgres-mcp')
    expect(page.results.map((entry) => entry.ref)).not.toContain('github:example/postgres-mcp')
  })

  it('ranks the exact official name first, then by relevance, and sinks the deprecated server', async () => {
    const page = await search({ text: 'postgres' })
    expect(page.results.map((result) => result.ref)).toEqual([`registry:${officialName}`, 'npm:db-toolbox', 'npm:pg-old'])
    const [first] = page.results
    expect(first?.signals).toMatchObject({ exact: true, matched: expect.arrayContaining(['name:exact']) })
    expect(first?.signals?.components).toMatchObject({ sources: 3, verified: 8, registry: 6, stars: expect.any(Number), downloads: expect.any(Number) })
    expect(first?.signals?.terms?.[0]).toMatchObject({ term: 'postgres', kind: 'exact' })
    expect(page.results[2]?.signals?.components?.status).toBe(-35)
  })

  it('keeps the servers of a monorepo apart, and its repository apart from them', async () => {
    const page = await search({ text: 'modelcontextprotocol' })
    expect(page.results.map((result) => result.ref).sort()).toEqual([
      'github:modelcontextprotocol/servers',
      'npm:@modelcontextprotocol/server-filesystem',
      'npm:@modelcontextprotocol/server-memory',
    ])
    expect(page.results.every((result) => result.mergedRefs === undefined)).toBe(true)
  })

  it('merges only what the sources asked for returned', async () => {
    const page = await search({ text: 'postgres', filters: { sources: ['npm', 'github'] } })
    const refs = page.results.map((result) => result.ref)
    // Without the registry entry, the npm package is primary and its repository joins it.
    expect(refs[0]).toBe('npm:@example/postgres-mcp')
    expect(page.results[0]?.mergedRefs).toEqual(['npm:@example/postgres-mcp', 'github:example/postgres-mcp'])
    expect(refs).not.toContain(`registry:${officialName}`)
  })

  it.each([
    ['an image only the registry lists', { registryTypes: ['oci'] }, [`registry:${officialName}`]],
    ['the alias docker for oci', { registryTypes: ['docker'] }, [`registry:${officialName}`]],
    ['a remote', { registryTypes: ['remote'] }, [`registry:${officialName}`]],
    ['a remote transport', { transports: ['streamable-http' as const] }, [`registry:${officialName}`]],
    ['a keyword only GitHub has', { capabilities: ['SQL'] }, [`registry:${officialName}`]],
    ['verified ownership', { verifiedOnly: true }, [`registry:${officialName}`]],
    ['npm packages, merged or not', { registryTypes: ['npm'] }, [`registry:${officialName}`, 'npm:db-toolbox', 'npm:pg-old']],
  ])('filters on %s across the merged sources', async (_name, filters, expected) => {
    const page = await search({ text: 'postgres', filters })
    expect(page.results.map((result) => result.ref)).toEqual(expected)
  })

  it('verifies an npm mcpName the registry entry confirms, so verifiedOnly finds the package', async () => {
    const claimed = npmServer('@example/postgres-mcp', { mcpName: officialName })
    const contradicted = npmServer('postgres-fork', { mcpName: officialName, description: 'Postgres fork' })
    const page = await search(
      { text: 'postgres' },
      [createStaticRegistry({ id: 'npm', servers: [claimed, contradicted] }), createStaticRegistry({ id: 'registry', servers: [registryPostgres] })],
    )
    const merged = page.results.find((result) => result.ref === `registry:${officialName}`)
    expect(merged?.server.verified).toContainEqual(expect.objectContaining({ kind: 'npm-mcp-name', value: officialName, verified: true }))
    const fork = page.results.find((result) => result.ref === 'npm:postgres-fork')
    expect(fork?.server.verified).toEqual([expect.objectContaining({ verified: false, detail: expect.stringContaining('contradicted') })])
    const verifiedOnly = await search(
      { text: 'postgres', filters: { verifiedOnly: true } },
      [createStaticRegistry({ id: 'npm', servers: [claimed, contradicted] }), createStaticRegistry({ id: 'registry', servers: [registryPostgres] })],
    )
    expect(verifiedOnly.results.map((result) => result.ref)).toEqual([`registry:${officialName}`])
  })

  it('merges PyPI projects under any spelling of their name', async () => {
    const pypi = pypiServer('Mcp_Server.Fetch', { description: 'Fetch web pages' })
    const entry = registryServer('io.github.example/fetch', { description: 'Fetch', packages: [{ registryType: 'pypi', identifier: 'mcp-server-fetch' }] })
    const page = await search({ text: 'fetch' }, [createStaticRegistry({ id: 'pypi', servers: [pypi] }), createStaticRegistry({ id: 'registry', servers: [entry] })])
    expect(page.results.map((result) => result.mergedRefs)).toEqual([['registry:io.github.example/fetch', 'pypi:mcp-server-fetch']])
  })

  it('returns the same page whatever order the sources are configured in', async () => {
    const forward = await search({ text: 'postgres databases' })
    const backward = await search({ text: 'postgres databases' }, sources().reverse())
    const shape = (page: typeof forward) => page.results.map((result) => [result.ref, result.score, result.mergedRefs, result.server.packages.length])
    expect(shape(backward)).toEqual(shape(forward))
    expect(forward.results.length).toBeGreaterThan(2)
  })

  it('pages through merged results exactly once each, in one stable order', async () => {
    const npm: ServerMetadata[] = []
    const official: ServerMetadata[] = []
    for (let index = 0; index < 25; index += 1) {
      const name = `weather-${String(index).padStart(2, '0')}`
      npm.push(npmServer(name, { description: 'Forecasts', popularity: { downloads: (index % 5) * 100 } }))
      official.push(registryServer(`io.github.acme/${name}`, { description: 'Forecasts', packages: [{ registryType: 'npm', identifier: name }] }))
    }
    const from = () => [createStaticRegistry({ id: 'npm', servers: npm }), createStaticRegistry({ id: 'registry', servers: official })]
    const seen: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const page = await search({ text: 'weather', limit: 10, ...(cursor ? { cursor } : {}) }, from())
      seen.push(...page.results.map((result) => result.ref))
      cursor = page.nextCursor
      pages += 1
    } while (cursor && pages < 10)
    expect(pages).toBe(3)
    expect(seen).toHaveLength(25)
    expect(new Set(seen).size).toBe(25)
    expect(seen.every((ref) => ref.startsWith('registry:'))).toBe(true)
    const whole = await search({ text: 'weather', limit: 100 }, from())
    expect(whole.results.map((result) => result.ref)).toEqual(seen)
  })
})
