import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { TektonError, createCacheManager, createHttpClient, createRequestTrace, memoryCache, officialMetaKey } from '@tekton/mcp-discovery'
import { generateOfficialServers, officialFixtureServers, startFakeOfficialRegistry, startFakeServer } from '@tekton/mcp-testkit'
import type { FakeOfficialRegistry } from '@tekton/mcp-testkit'
import { createOfficialRegistry } from '../src/index'
import { quickHttp, testSource } from './helpers'

let registry: FakeOfficialRegistry

beforeAll(async () => {
  registry = await startFakeOfficialRegistry({ servers: [...officialFixtureServers, ...generateOfficialServers(150)] })
})
afterAll(async () => {
  await registry.close()
})

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<TektonError> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  )
  expect(TektonError.isInstance(error)).toBe(true)
  expect((error as TektonError).code).toBe(code)
  return error as TektonError
}

describe('createOfficialRegistry', () => {
  it('declares itself as the registry source and names the host of any other registry', () => {
    const official = createOfficialRegistry({ env: {} })
    expect(official).toMatchObject({ specVersion: 'v1', id: 'registry', displayName: 'MCP Registry', refKinds: ['registry'], baseUrl: 'https://registry.modelcontextprotocol.io' })
    const mirror = createOfficialRegistry({ env: { TEKTON_MCP_REGISTRY_URL: 'https://mcp.corp.example/mirror/' } })
    expect(mirror.baseUrl).toBe('https://mcp.corp.example/mirror')
    expect(mirror.displayName).toBe('MCP Registry (mcp.corp.example/mirror)')
    expect(createOfficialRegistry({ baseUrl: 'https://registry.modelcontextprotocol.io/', env: { TEKTON_MCP_REGISTRY_URL: 'https://ignored.example' } }).displayName).toBe('MCP Registry')
  })

  it('refuses bad options up front with E_CONFIG', () => {
    const bad: Array<Record<string, unknown>> = [
      { baseUrl: 'ftp://registry.example' },
      { baseUrl: 'not a url' },
      { baseUrl: 'https://registry.example/?token=x' },
      { token: '  ' },
      { http: {} },
      { catalogDir: '' },
      { catalogTtlMs: -1 },
      { syncMarginMs: Number.NaN },
      { maxSyncPages: 0 },
      { now: 5 },
      { onBackgroundError: 'log' },
    ]
    for (const options of bad) {
      expect(() => createOfficialRegistry({ env: {}, ...options })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }) as unknown as Error)
    }
    expect(() => createOfficialRegistry(null as never)).toThrow(expect.objectContaining({ code: 'E_CONFIG' }) as unknown as Error)
    expect(() => createOfficialRegistry({ env: { TEKTON_MCP_REGISTRY_URL: 'registry.example' } })).toThrow(/TEKTON_MCP_REGISTRY_URL/)
  })

  it('has no catalogue to sync when created with catalog: false', async () => {
    await rejectsWithCode(testSource(registry.baseUrl, { catalog: false }).sync(), 'E_CONFIG')
    expect(registry.countRequests()).toBe(0)
  })
})

describe('live search (no catalogue)', () => {
  it("uses the registry's name search and returns registry refs", async () => {
    const source = testSource(registry.baseUrl)
    registry.requests.length = 0
    const page = await source.search({ text: 'postgres', limit: 10 }, {})
    expect(page.results.map((result) => result.ref)).toEqual(['registry:io.github.example/postgres'])
    expect(page.results[0]?.server.version).toBe('1.1.0')
    expect(page.sources).toEqual([{ source: 'registry', state: 'ok', resultCount: 1 }])
    const [url] = registry.requestUrls('/v0.1/servers')
    expect(Object.fromEntries(url?.searchParams ?? [])).toEqual({ search: 'postgres', version: 'latest', limit: '10' })
  })

  it('sends each word as a search and keeps servers matching any word in name, title or description', async () => {
    const source = testSource(registry.baseUrl)
    registry.requests.length = 0
    const page = await source.search({ text: 'read-only postgres', limit: 10 }, {})
    expect(page.results.map((result) => result.ref)).toEqual(['registry:io.github.example/postgres'])
    expect(registry.requestUrls('/v0.1/servers').map((url) => url.searchParams.get('search')).sort()).toEqual(['postgres', 'read-only'])
    // A server matching part of the query is still found; one matching none of it is not.
    expect((await source.search({ text: 'postgres kubernetes', limit: 10 }, {})).results.map((result) => result.ref)).toEqual(['registry:io.github.example/postgres'])
    expect((await source.search({ text: 'kubernetes', limit: 10 }, {})).results).toEqual([])
  })

  it('hides deleted servers and flags deprecated ones', async () => {
    const source = testSource(registry.baseUrl)
    expect((await source.search({ text: 'free-gpt', limit: 10 }, {})).results).toEqual([])
    const [deprecated] = (await source.search({ text: 'legacy-search', limit: 10 }, {})).results
    expect(deprecated?.server).toMatchObject({ status: 'deprecated', statusMessage: 'Superseded by io.github.example/search' })
  })

  it('lists servers without search text', async () => {
    const page = await testSource(registry.baseUrl).search({ text: '', limit: 5 }, {})
    expect(page.results).toHaveLength(5)
  })

  it('refuses an invalid query with E_INVALID_QUERY and an aborted one with E_ABORTED', async () => {
    const source = testSource(registry.baseUrl)
    await rejectsWithCode(source.search({ text: 'x', limit: 1000 }, {}), 'E_INVALID_QUERY')
    await rejectsWithCode(source.search({ text: 'x\u202e' }, {}), 'E_INVALID_QUERY')
    await rejectsWithCode(source.search({ text: 'x', limit: 5 }, { signal: AbortSignal.abort() }), 'E_ABORTED')
  })

  it('applies filters, reading further pages only while results are missing', async () => {
    const source = testSource(registry.baseUrl)
    registry.requests.length = 0
    const page = await source.search({ text: 'io.github', limit: 10, filters: { registryTypes: ['pypi'] } }, {})
    expect(page.results.map((result) => result.ref)).toEqual(['registry:io.github.modelcontextprotocol/server-fetch'])
    // 150 bulk servers come first by name: every page of them is read, none is kept.
    expect(registry.countRequests('/v0.1/servers')).toBe(2)
    expect(registry.requestUrls('/v0.1/servers')[1]?.searchParams.get('cursor')).toBeTruthy()
  })
})

describe('paging against a registry with small pages', () => {
  let capped: FakeOfficialRegistry
  beforeAll(async () => {
    capped = await startFakeOfficialRegistry({ servers: generateOfficialServers(150), pageCap: 30 })
  })
  afterAll(async () => {
    await capped.close()
  })

  it("follows the registry's cursor only as far as the limit needs", async () => {
    const source = testSource(capped.baseUrl)
    const forty = await source.search({ text: 'bulk', limit: 40 }, {})
    expect(forty.results).toHaveLength(40)
    expect(capped.countRequests('/v0.1/servers')).toBe(2)
    capped.requests.length = 0
    const hundred = await source.search({ text: 'bulk', limit: 100 }, {})
    expect(hundred.results).toHaveLength(100)
    expect(new Set(hundred.results.map((result) => result.ref)).size).toBe(100)
    expect(capped.countRequests('/v0.1/servers')).toBe(4)
  })
})

describe('getMetadata and getVersions', () => {
  it('reads the latest version of a server, encoding the slash of its name', async () => {
    const source = testSource(registry.baseUrl)
    registry.requests.length = 0
    const metadata = await source.getMetadata('io.github.example/postgres', { trace: createRequestTrace() })
    expect(metadata).toMatchObject({ ref: 'registry:io.github.example/postgres', version: '1.1.0', status: 'active' })
    expect(metadata?.verified).toEqual([expect.objectContaining({ kind: 'registry-package', value: 'npm:@example/postgres-mcp', verified: true })])
    expect(registry.requests[0]?.path).toBe('/v0.1/servers/io.github.example%2Fpostgres/versions/latest')
  })

  it('returns null for unknown and deleted servers', async () => {
    const source = testSource(registry.baseUrl)
    expect(await source.getMetadata('io.github.example/does-not-exist', {})).toBeNull()
    expect(await source.getMetadata('io.github.spam-account/free-gpt-credits', {})).toBeNull()
    expect(await source.getVersions('io.github.example/does-not-exist', {})).toBeNull()
    expect(await source.getVersions('io.github.spam-account/free-gpt-credits', {})).toBeNull()
  })

  it('lists versions newest first with the latest tagged and deprecated ones flagged', async () => {
    const versions = await testSource(registry.baseUrl).getVersions('io.github.example/postgres', {})
    expect(versions?.map((version) => [version.version, version.tags, version.deprecated])).toEqual([
      ['1.1.0', ['latest'], undefined],
      ['1.0.0', [], undefined],
      ['0.9.0', [], 'Logs the connection string; upgrade to 1.0.0 or later'],
    ])
  })

  it('refuses names that break the registry name rule, or carry a version, before any request', async () => {
    const source = testSource(registry.baseUrl)
    registry.requests.length = 0
    for (const id of ['../../etc/passwd', 'postgres', 'io.github.example/postgres/extra', 'io.github.example/postgres@1.0.0', 'a b/c']) {
      await rejectsWithCode(source.getMetadata(id, {}), 'E_INVALID_REF')
      await rejectsWithCode(source.getVersions(id, {}), 'E_INVALID_REF')
    }
    expect(registry.requests).toHaveLength(0)
  })
})

describe('lenient reading of registries that differ from the official one', () => {
  it('reads next_cursor, skips malformed, misnamed and deleted entries, and hides a deleted server answered with 200', async () => {
    const meta = (status: string) => ({ [officialMetaKey]: { status, isLatest: true } })
    const fake = await startFakeServer((request) => {
      const cursor = request.url.searchParams.get('cursor')
      if (request.url.pathname === '/v0.1/servers' && !cursor) {
        return {
          json: {
            servers: [
              null,
              { nope: true },
              { server: { name: '../evil', description: 'x', version: '1.0.0' }, _meta: meta('active') },
              { server: { name: 'io.github.acme/gone', description: 'tools gone', version: '1.0.0' }, _meta: meta('deleted') },
              { server: { name: 'io.github.acme/tools', description: 'acme tools', version: '1.0.0' }, _meta: meta('active') },
            ],
            metadata: { next_cursor: 'page-2' },
          },
        }
      }
      if (request.url.pathname === '/v0.1/servers') return { json: { servers: [{ server: { name: 'io.github.acme/more-tools', description: 'more', version: '2.0.0' } }], metadata: { count: 1 } } }
      if (request.url.pathname.endsWith('/versions/latest')) return { json: { server: { name: 'io.github.acme/gone', description: 'x', version: '1.0.0' }, _meta: meta('deleted') } }
      return { status: 404, json: { title: 'Not Found', status: 404, detail: 'Server not found' } }
    })
    try {
      const source = testSource(fake.url)
      const page = await source.search({ text: 'tools', limit: 10 }, {})
      expect(page.results.map((result) => result.ref).sort()).toEqual(['registry:io.github.acme/more-tools', 'registry:io.github.acme/tools'])
      expect(await source.getMetadata('io.github.acme/gone', {})).toBeNull()
    } finally {
      await fake.close()
    }
  })

  it('refuses a list answer without a servers array as E_BAD_RESPONSE', async () => {
    const fake = await startFakeServer(() => ({ json: { items: [] } }))
    try {
      await rejectsWithCode(testSource(fake.url).search({ text: 'x' }, {}), 'E_BAD_RESPONSE')
    } finally {
      await fake.close()
    }
  })
})

describe('base URL variants', () => {
  it('works under a sub-path (a company mirror)', async () => {
    const mirror = await startFakeOfficialRegistry({ servers: officialFixtureServers, basePath: '/mirror' })
    try {
      const source = testSource(`${mirror.url}/mirror/`)
      expect(source.baseUrl).toBe(`${mirror.url}/mirror`)
      expect(source.displayName).toBe(`MCP Registry (127.0.0.1:${mirror.port}/mirror)`)
      expect((await source.search({ text: 'filesystem', limit: 5 }, {})).results[0]?.ref).toBe('registry:io.github.modelcontextprotocol/server-filesystem')
      const metadata = await source.getMetadata('io.github.example/postgres', {})
      expect(metadata?.sources[0]?.url).toBe(`${mirror.url}/mirror/v0.1/servers/io.github.example%2Fpostgres/versions/1.1.0`)
      expect(metadata?.verified[0]?.detail).toBe(`listed by the MCP Registry at 127.0.0.1:${mirror.port}`)
      expect(await source.getVersions('io.github.example/postgres', {})).toHaveLength(3)
      expect(mirror.countRequests('/v0.1/servers')).toBe(mirror.countRequests())
    } finally {
      await mirror.close()
    }
  })

  it('reads the URL from TEKTON_MCP_REGISTRY_URL', async () => {
    const source = createOfficialRegistry({ env: { TEKTON_MCP_REGISTRY_URL: registry.baseUrl }, http: quickHttp(), catalog: false })
    expect(await source.getMetadata('io.github.example/postgres', {})).not.toBeNull()
  })

  it('sends a configured token as a bearer token, and URL credentials as Basic, never showing them', async () => {
    registry.requests.length = 0
    await testSource(registry.baseUrl, { token: 'secret-token-123' }).getMetadata('io.github.example/postgres', {})
    expect(registry.requests[0]?.headers.authorization).toBe('Bearer secret-token-123')
    await testSource(registry.baseUrl, { env: { TEKTON_MCP_REGISTRY_TOKEN: 'env-token-456', TEKTON_MCP_HOME: '/nonexistent' } }).getMetadata('io.github.example/postgres', {})
    expect(registry.requests[1]?.headers.authorization).toBe('Bearer env-token-456')

    const withCredentials = registry.baseUrl.replace('http://', 'http://reader:p4ss@')
    const source = testSource(withCredentials)
    expect(source.baseUrl).toBe(registry.baseUrl)
    const metadata = await source.getMetadata('io.github.example/postgres', {})
    expect(registry.requests[2]?.headers.authorization).toBe(`Basic ${Buffer.from('reader:p4ss').toString('base64')}`)
    expect(JSON.stringify(metadata)).not.toContain('p4ss')
  })
})

describe('faults', () => {
  it('retries a 503 and a truncated body, then answers', async () => {
    const source = testSource(registry.baseUrl)
    registry.setFault({ kind: 'status', status: 503, times: 1 })
    expect(await source.getMetadata('io.github.example/postgres', {})).not.toBeNull()
    registry.setFault({ kind: 'truncate', times: 1 })
    expect((await source.search({ text: 'postgres' }, {})).results).toHaveLength(1)
    registry.setFault(null)
  })

  it('reports a long rate limit, invalid JSON and a dead registry with their codes', async () => {
    const source = testSource(registry.baseUrl)
    registry.setFault({ kind: 'status', status: 429, retryAfter: 3600, times: 1 })
    const limited = await rejectsWithCode(source.search({ text: 'postgres' }, {}), 'E_RATE_LIMITED')
    expect(limited.message).toContain('[registry] GET')
    registry.setFault({ kind: 'invalid-json', times: 1 })
    await rejectsWithCode(source.getVersions('io.github.example/postgres', {}), 'E_BAD_RESPONSE')
    registry.setFault(null)
    await rejectsWithCode(testSource('http://127.0.0.1:9').getMetadata('io.github.example/postgres', {}), 'E_NETWORK')
  })

  it('times out on a registry that never answers, and stops when aborted', async () => {
    const source = testSource(registry.baseUrl, { http: createHttpClient({ timeoutMs: 100, retries: 0 }) })
    registry.setFault({ kind: 'hang' })
    try {
      await rejectsWithCode(source.getMetadata('io.github.example/postgres', {}), 'E_TIMEOUT')
      const controller = new AbortController()
      const pending = testSource(registry.baseUrl).getVersions('io.github.example/postgres', { signal: controller.signal })
      setTimeout(() => controller.abort(), 20)
      await rejectsWithCode(pending, 'E_ABORTED')
    } finally {
      registry.setFault(null)
    }
  })

  it('serves repeated live answers from the cache manager when one is given', async () => {
    const cache = createCacheManager({ drivers: [memoryCache()] })
    const source = testSource(registry.baseUrl, { http: quickHttp(cache) })
    await source.search({ text: 'postgres', limit: 5 }, {})
    registry.requests.length = 0
    const again = await source.search({ text: 'postgres', limit: 5 }, { trace: createRequestTrace() })
    expect(registry.requests).toHaveLength(0)
    expect(again.sources[0]).toMatchObject({ state: 'ok', fromCache: true })
  })
})
