import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { SearchPageSchema, ServerMetadataSchema, createRequestTrace, parseRef } from '@tekton/mcp-discovery'
import { buildPypiProject, generatePypiNames, pypiFixtureProjects, startFakePypi } from '@tekton/mcp-testkit'
import type { FakePypi } from '@tekton/mcp-testkit'
import { createPypiRegistry } from '../src/index'
import { isolatedEnv, memoryCacheManager, pypiWithSource, quickHttp, tempTree } from './helpers'

type Setup = Awaited<ReturnType<typeof pypiWithSource>>

describe('createPypiRegistry: options', () => {
  it('refuses bad options up front with E_CONFIG', () => {
    const bad: Array<Record<string, unknown>> = [
      { indexUrl: 'not a url' },
      { indexUrl: 'file:///srv/simple' },
      { jsonApiUrl: 'ftp://x/pypi' },
      { indexDir: '' },
      { http: {} },
      { fetch: 'fetch' },
      { now: 1 },
      { indexTtlMs: 0 },
      { maxIndexBytes: -1 },
      { indexRetryDelayMs: -1 },
      { detailConcurrency: 1.5 },
    ]
    for (const options of bad) expect(() => createPypiRegistry(options as never)).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
    expect(() => createPypiRegistry(null as never)).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
  })

  it('declares itself as the PyPI source for pypi: refs', () => {
    const source = createPypiRegistry()
    expect(source).toMatchObject({ specVersion: 'v1', id: 'pypi', displayName: 'PyPI', refKinds: ['pypi'] })
  })
})

describe('search', () => {
  let setup: Setup
  beforeAll(async () => {
    // Many names that are not MCP servers, and one MCP-looking name whose project is gone.
    setup = await pypiWithSource({ indexNames: [...generatePypiNames(5000, { mcpShare: 0 }), 'mcp-server-gone'] })
  })
  afterAll(async () => {
    await setup.close()
  })

  it('finds servers by name through the index, with metadata from the JSON API', async () => {
    const trace = createRequestTrace()
    const page = await setup.source.search({ text: 'postgres' }, { trace })
    SearchPageSchema.parse(page)
    expect(page.results.map((result) => result.ref)).toEqual(['pypi:mcp-server-postgres'])
    expect(page.results[0]?.server).toMatchObject({ registryName: 'io.github.example/postgres', license: 'Apache-2.0', requirements: [{ kind: 'runtime', name: 'python', range: '>=3.11' }] })
    expect(page.results[0]?.signals?.matched).toEqual(['name:mcp-server-*', 'dependency:mcp', 'mcp-name:io.github.example/postgres', 'keyword:mcp', 'summary:mcp'])
    expect(page.sources).toEqual([{ source: 'pypi', state: 'ok', resultCount: 1 }])
    expect(page.total).toBe(1)
    expect(trace.network).toBe(1)
  })

  it('lists servers best first for a generic query, never the SDK or a name that only looks like MCP', async () => {
    const page = await setup.source.search({ text: 'mcp', limit: 10 }, {})
    const refs = page.results.map((result) => result.ref)
    expect(refs).toEqual(expect.arrayContaining(['pypi:mcp-server-fetch', 'pypi:mcp-server-postgres', 'pypi:weather-mcp']))
    expect(refs).not.toContain('pypi:mcp')
    expect(refs).not.toContain('pypi:mcpi')
    expect(refs).not.toContain('pypi:requests')
    for (const ref of refs) expect(parseRef(ref).kind).toBe('pypi')
    const scores = page.results.map((result) => result.score)
    expect([...scores].sort((a, b) => b - a)).toEqual(scores)
    expect(page.total).toBeGreaterThan(refs.length)
  })

  it('drops a weak name match its metadata does not confirm, and keeps one it does', async () => {
    expect((await setup.source.search({ text: 'mcpi' }, {})).results).toEqual([])
    setup.pypi.setProject(buildPypiProject({ name: 'pymcp-tools', summary: 'Tools for MCP servers', requiresDist: ['mcp>=1.0'], versions: ['1.0.0'] }))
    await setup.source.refreshIndex()
    expect((await setup.source.search({ text: 'pymcp' }, {})).results.map((result) => result.ref)).toEqual(['pypi:pymcp-tools'])
  })

  it('asks for the registered spelling, so no redirect is needed', async () => {
    const before = setup.pypi.requests.length
    const page = await setup.source.search({ text: 'weather' }, {})
    expect(page.results[0]?.server).toMatchObject({ ref: 'pypi:weather-mcp', name: 'Weather_MCP', packages: [{ identifier: 'Weather_MCP' }] })
    expect(setup.pypi.requests.slice(before).map((request) => request.path)).toEqual(['/pypi/Weather_MCP/json'])
  })

  it('shows deprecated servers with the reason', async () => {
    const page = await setup.source.search({ text: 'leaky' }, {})
    expect(page.results[0]?.server).toMatchObject({ status: 'deprecated', statusMessage: 'latest release 0.1.1 is yanked: Leaked credentials in the build' })
    const legacy = await setup.source.search({ text: 'sqlite legacy' }, {})
    expect(legacy.results[0]?.server).toMatchObject({ status: 'deprecated', statusMessage: expect.stringContaining('Inactive') })
  })

  it('honours the limit, and skips projects listed in the index but gone from the JSON API', async () => {
    const page = await setup.source.search({ text: 'mcp', limit: 2 }, {})
    expect(page.results).toHaveLength(2)
    // Listed in the index, but its lookup answers 404.
    expect(await setup.source.search({ text: 'gone' }, {})).toMatchObject({ results: [], total: 1, sources: [{ state: 'ok', resultCount: 0 }] })
    const server = await setup.source.search({ text: 'server', limit: 3 }, {})
    expect(server.results.every((result) => ServerMetadataSchema.safeParse(result.server).success)).toBe(true)
  })

  it('lists a strong match by name when its document fails, and says so', async () => {
    setup.pypi.setFault({ kind: 'status', status: 500, path: '/pypi/mcp-server-fetch/', times: 3 })
    const page = await setup.source.search({ text: 'server', limit: 5 }, {})
    expect(page.results.length).toBeGreaterThan(1)
    expect(page.results.find((result) => result.ref === 'pypi:mcp-server-fetch')?.server).toMatchObject({ ref: 'pypi:mcp-server-fetch', version: '', packages: [], sources: [{ reasons: ['name:mcp-server-*'] }] })
    expect(page.sources[0]).toMatchObject({ state: 'ok', message: 'details unavailable for 1 project' })
  })

  it('fails when every lookup fails, so the status tells why', async () => {
    setup.pypi.setFault({ kind: 'status', status: 429, retryAfter: 120, path: '/pypi/' })
    await expect(setup.source.search({ text: 'postgres' }, {})).rejects.toMatchObject({ code: 'E_RATE_LIMITED' })
    setup.pypi.setFault(null)
  })

  it('refuses an invalid query with E_INVALID_QUERY', async () => {
    await expect(setup.source.search({ text: 'x'.repeat(201) }, {})).rejects.toMatchObject({ code: 'E_INVALID_QUERY' })
    await expect(setup.source.search({ text: 'a\u202eb' }, {})).rejects.toMatchObject({ code: 'E_INVALID_QUERY' })
  })

  it('searches the index alone without any JSON API request', async () => {
    const before = setup.pypi.requests.length
    const { matches, total } = await setup.source.searchIndex('fetch', 5)
    expect(matches[0]).toMatchObject({ name: 'mcp-server-fetch', normalized: 'mcp-server-fetch', reason: 'name:mcp-server-*', strength: 2 })
    expect(total).toBeGreaterThanOrEqual(matches.length)
    expect(setup.pypi.requests.length).toBe(before)
  })
})

describe('search while the index is being built', () => {
  let setup: Setup
  afterEach(async () => {
    await setup.close()
  })

  it('answers unavailable when the index cannot be ready before the deadline, and keeps building', async () => {
    setup = await pypiWithSource({}, {})
    setup.pypi.setFault({ kind: 'delay', ms: 500, path: '/simple/', times: 1 })
    const page = await setup.source.search({ text: 'fetch' }, { deadline: Date.now() + 150 })
    expect(page).toEqual({
      results: [],
      // Data only: the front end says how to build the index once.
      sources: [{ source: 'pypi', state: 'unavailable', code: 'E_INDEX_BUILDING', needsSync: true }],
    })
    expect((await setup.source.indexInfo()).state).toBe('building')
    await setup.source.settle()
    const later = await setup.source.search({ text: 'fetch' }, { deadline: Date.now() + 60_000 })
    expect(later.results.map((result) => result.ref)).toEqual(['pypi:mcp-server-fetch'])
    expect(setup.pypi.countRequests('/simple/')).toBe(1)
  })

  it('waits a bounded time for an index being built, whatever the deadline, and keeps building', async () => {
    setup = await pypiWithSource({}, { indexWaitMs: 0 })
    setup.pypi.setFault({ kind: 'delay', ms: 1000, path: '/simple/', times: 1 })
    const page = await setup.source.search({ text: 'fetch' }, { deadline: Date.now() + 60_000 })
    expect(page.sources[0]).toMatchObject({ state: 'unavailable', code: 'E_INDEX_BUILDING' })
    await setup.source.settle()
    const later = await setup.source.search({ text: 'fetch' }, {})
    expect(later.results.map((result) => result.ref)).toEqual(['pypi:mcp-server-fetch'])
  })

  it('fetches details only for the results that can reach the page shown, and lists the other strong matches by name', async () => {
    const many = Array.from({ length: 30 }, (_, index) => buildPypiProject({ name: `memory-mcp-${index}`, summary: `Memory store ${index}`, requiresDist: ['mcp>=1.0'], versions: ['0.1.0'] }))
    setup = await pypiWithSource({ projects: [...pypiFixtureProjects, ...many] })
    await setup.source.refreshIndex()
    setup.pypi.requests.length = 0
    const page = await setup.source.search({ text: 'memory', limit: 30 }, { shown: 5 })
    // The window is the same whichever page is shown: 30 candidates, 5 of them with details.
    expect(page.results).toHaveLength(30)
    expect(setup.pypi.countRequests('/pypi/')).toBe(5)
    expect(page.results.filter((result) => result.server.description.startsWith('Memory store'))).toHaveLength(5)
  })

  it('answers unavailable at once when the deadline has passed', async () => {
    setup = await pypiWithSource()
    const page = await setup.source.search({ text: 'fetch' }, { deadline: Date.now() - 1 })
    expect(page.sources[0]).toMatchObject({ state: 'unavailable', code: 'E_INDEX_BUILDING' })
  })

  it('fails with the build error when it waits for a broken index, and writes nothing', async () => {
    setup = await pypiWithSource()
    setup.pypi.setFault({ kind: 'truncate', path: '/simple/', times: 1 })
    await expect(setup.source.search({ text: 'fetch' }, {})).rejects.toMatchObject({ code: 'E_BAD_RESPONSE' })
    await expect(readdir(setup.indexDir)).rejects.toMatchObject({ code: 'ENOENT' })
    expect(await setup.source.indexInfo()).toMatchObject({ state: 'failed', lastError: { code: 'E_BAD_RESPONSE' } })
  })

  it('says when the index is older than its TTL while it refreshes in the background', async () => {
    let clock = Date.parse('2026-01-10T12:00:00Z')
    setup = await pypiWithSource({}, { now: () => clock, indexTtlMs: 60 * 60 * 1000 })
    await setup.source.search({ text: 'fetch' }, {})
    clock += 3 * 60 * 60 * 1000
    const page = await setup.source.search({ text: 'fetch' }, {})
    expect(page.sources[0]).toMatchObject({ state: 'ok', stale: true, staleReason: 'refreshing' })
    expect(page.sources[0]).not.toHaveProperty('message')
    await setup.source.settle()
    expect(setup.pypi.requests.filter((request) => request.path === '/simple/').at(-1)?.headers['if-none-match']).toEqual(expect.any(String))
    expect(await setup.source.refreshIndex({ force: true })).toMatchObject({ state: 'ready', nameCount: expect.any(Number) })
  })

  it('reports answers served from the cache', async () => {
    setup = await pypiWithSource({}, { http: quickHttp(memoryCacheManager()) })
    expect((await setup.source.search({ text: 'postgres' }, {})).sources[0]?.fromCache).toBeUndefined()
    expect((await setup.source.search({ text: 'postgres' }, {})).sources[0]).toMatchObject({ state: 'ok', fromCache: true, ageMs: expect.any(Number) })
  })
})

describe('metadata, versions and release files', () => {
  let setup: Setup
  beforeAll(async () => {
    setup = await pypiWithSource()
  })
  afterAll(async () => {
    await setup.close()
  })

  it('describes a project by its normalised name, following PyPI to the registered one', async () => {
    const metadata = await setup.source.getMetadata('WEATHER.mcp', {})
    expect(metadata).toMatchObject({ ref: 'pypi:weather-mcp', name: 'Weather_MCP', version: '1.1.0', license: 'BSD-3-Clause', repository: { url: 'https://gitlab.com/acme/weather-mcp', source: 'gitlab' } })
    expect(metadata?.sources[0]?.reasons).toContain('dependency:fastmcp')
  })

  it('lists versions newest first by PEP 440, yanked and prerelease flags, latest tagged', async () => {
    const versions = await setup.source.getVersions('mcp-server-fetch', {})
    expect(versions?.map((entry) => entry.version)).toEqual(['2025.5.0rc1', '2025.4.7', '2025.1.14', '0.6.3', '0.6.2', '0.6.1', '0.6.0', '0.1.0'])
    expect(versions?.find((entry) => entry.version === '2025.4.7')?.tags).toEqual(['latest'])
    expect(versions?.find((entry) => entry.version === '0.6.1')).toMatchObject({ yanked: true, yankedReason: 'Broken entry point; use 0.6.2' })
    expect(versions?.find((entry) => entry.version === '0.6.1')?.deprecated).toBeUndefined()
    expect(versions?.[0]?.prerelease).toBe(true)
  })

  it('returns null for unknown projects and refuses invalid names with E_INVALID_REF', async () => {
    expect(await setup.source.getMetadata('mcp-server-does-not-exist', {})).toBeNull()
    expect(await setup.source.getVersions('mcp-server-does-not-exist', {})).toBeNull()
    expect(await setup.source.getReleaseFiles('mcp-server-does-not-exist')).toBeNull()
    for (const id of ['../../etc/passwd', 'name with spaces', 'mcp-server-fetch@1.0', '-leading']) {
      await expect(setup.source.getMetadata(id, {})).rejects.toMatchObject({ code: 'E_INVALID_REF' })
    }
  })

  it('gives the release files with their sha256, for the latest or a given version', async () => {
    const latest = await setup.source.getReleaseFiles('mcp-server-fetch')
    expect(latest?.map((file) => file.filename)).toEqual(['mcp_server_fetch-2025.4.7-py3-none-any.whl', 'mcp_server_fetch-2025.4.7.tar.gz'])
    expect(latest?.[0]).toMatchObject({ packagetype: 'bdist_wheel', sha256: expect.stringMatching(/^[a-f0-9]{64}$/), requiresPython: '>=3.10', yanked: false, size: expect.any(Number) })
    const yanked = await setup.source.getReleaseFiles('mcp-server-fetch', '0.6.1', {})
    expect(yanked?.every((file) => file.yanked && file.yankedReason === 'Broken entry point; use 0.6.2')).toBe(true)
    // The digest is the file's: what an installer will check.
    const file = latest?.[1]
    const bytes = new Uint8Array(await (await fetch(file?.url ?? '')).arrayBuffer())
    const { createHash } = await import('node:crypto')
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(file?.sha256)
    expect(await setup.source.getReleaseFiles('mcp-server-fetch', '9.9.9')).toBeNull()
    await expect(setup.source.getReleaseFiles('mcp-server-fetch', '../1.0')).rejects.toMatchObject({ code: 'E_INVALID_REF' })
  })
})

describe('faults in the JSON API', () => {
  let pypi: FakePypi
  let root: string
  let cleanup: () => Promise<void>
  beforeAll(async () => {
    pypi = await startFakePypi({ projects: pypiFixtureProjects })
    ;({ root, cleanup } = await tempTree())
  })
  afterAll(async () => {
    await pypi.close()
    await cleanup()
  })

  it.each([[{ kind: 'truncate' } as const], [{ kind: 'invalid-json' } as const]])('%j is E_BAD_RESPONSE and nothing is cached', async (fault) => {
    const cache = memoryCacheManager()
    const source = createPypiRegistry({ indexUrl: pypi.indexUrl, indexDir: path.join(root, 'index'), http: quickHttp(cache), env: isolatedEnv(root) })
    pypi.setFault({ ...fault, path: '/pypi/' })
    await expect(source.getMetadata('mcp-server-fetch', {})).rejects.toMatchObject({ code: 'E_BAD_RESPONSE' })
    expect((await cache.stats()).writes).toBe(0)
    pypi.setFault(null)
    expect(await source.getMetadata('mcp-server-fetch', {})).toMatchObject({ version: '2025.4.7' })
    expect((await cache.stats()).writes).toBe(1)
  })

  it('stops when the signal is aborted', async () => {
    const source = createPypiRegistry({ indexUrl: pypi.indexUrl, indexDir: path.join(root, 'index'), http: quickHttp(), env: isolatedEnv(root) })
    const controller = new AbortController()
    controller.abort()
    await expect(source.search({ text: 'fetch' }, { signal: controller.signal })).rejects.toMatchObject({ code: 'E_ABORTED' })
  })
})

describe('where the index is configured', () => {
  let pypi: FakePypi
  let root: string
  let cleanup: () => Promise<void>
  beforeAll(async () => {
    pypi = await startFakePypi({ projects: pypiFixtureProjects })
    ;({ root, cleanup } = await tempTree())
  })
  afterAll(async () => {
    await pypi.close()
    await cleanup()
  })

  it('follows PIP_INDEX_URL, with credentials sent but never shown or stored', async () => {
    const cache = memoryCacheManager()
    const indexUrl = pypi.indexUrl.replace('http://', 'http://alice:s3cret@')
    const source = createPypiRegistry({ env: isolatedEnv(root, { PIP_INDEX_URL: indexUrl }), homedir: path.join(root, 'home'), globalConfigFiles: [], http: quickHttp(cache) })
    const description = await source.resolveIndex()
    expect(description).toMatchObject({ indexUrl: pypi.indexUrl, jsonApiUrl: `${pypi.url}/pypi`, origin: 'env', authenticated: true, indexDir: path.join(root, 'tekton', 'cache', 'pypi') })
    const page = await source.search({ text: 'postgres' }, {})
    expect(page.results).toHaveLength(1)
    const authorization = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`
    expect(pypi.requests.filter((request) => request.headers.authorization === authorization).map((request) => request.path)).toEqual(expect.arrayContaining(['/simple/', '/pypi/mcp-server-postgres/json']))
    const keys = (await cache.stats()).drivers
    expect(JSON.stringify(keys)).not.toContain('s3cret')
    expect(JSON.stringify(page)).not.toContain('s3cret')
    expect(JSON.stringify(await source.indexInfo())).not.toContain('s3cret')
    const files = await readdir(path.join(root, 'tekton', 'cache', 'pypi'))
    expect(files).toHaveLength(2)
    await source.settle()
  })

  it('reports an index without credentials as unauthenticated', async () => {
    const source = createPypiRegistry({ indexUrl: pypi.indexUrl, jsonApiUrl: `${pypi.url}/pypi/`, env: isolatedEnv(root) })
    expect(await source.resolveIndex()).toMatchObject({ origin: 'options', authenticated: false })
  })

  it('turns a broken pip configuration into E_CONFIG on first use, and reads it again next time', async () => {
    const source = createPypiRegistry({ env: isolatedEnv(root, { PIP_INDEX_URL: 'not a url' }) })
    await expect(source.getMetadata('mcp-server-fetch', {})).rejects.toMatchObject({ code: 'E_CONFIG' })
    await expect(source.resolveIndex()).rejects.toMatchObject({ code: 'E_CONFIG' })
  })
})
