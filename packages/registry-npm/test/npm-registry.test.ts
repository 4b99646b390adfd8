import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { createCacheManager, createHttpClient, createRequestTrace, fileCache, memoryCache, ServerMetadataSchema, TektonError } from '@tekton/mcp-discovery'
import { buildNpmPackage, npmFixturePackages, startFakeNpmRegistry, startFakeServer } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { createNpmRegistry } from '../src/index'
import { mcpNameDetail } from '../src/mapping'
import type { NpmExec, NpmPackageEntry, NpmRegistryOptions } from '../src/index'
import { isolatedEnv, memoryCacheManager, quickHttp, tempTree } from './helpers'

let registry: FakeNpmRegistry
let root: string
let cleanup: () => Promise<void>

beforeAll(async () => {
  registry = await startFakeNpmRegistry({ packages: npmFixturePackages })
  ;({ root, cleanup } = await tempTree())
})
afterAll(async () => {
  await registry.close()
  await cleanup()
})
afterEach(() => {
  registry.setFault(null)
  registry.requests.length = 0
})

const neverExec: NpmExec = async () => {
  throw new Error('npm must not be spawned in this test')
}

function source(overrides: NpmRegistryOptions = {}) {
  return createNpmRegistry({ baseUrl: registry.url, http: quickHttp(), env: isolatedEnv(root), cwd: root, homedir: root, exec: neverExec, ...overrides })
}

const context = () => ({ trace: createRequestTrace() })

describe('search', () => {
  it('keeps MCP servers matching the text, with the reasons, and drops noise', async () => {
    const page = await source().search({ text: 'filesystem' }, context())
    const refs = page.results.map((result) => result.ref)
    expect(refs).toEqual(expect.arrayContaining(['npm:@modelcontextprotocol/server-filesystem', 'npm:watchdog-tools', 'npm:mcp-server-legacy-fs']))
    expect(refs).not.toContain('npm:filesystem-utils')
    expect(refs).not.toContain('npm:memfs')
    expect(new Set(refs).size).toBe(refs.length)
    expect(page.sources).toEqual([{ source: 'npm', state: 'ok', resultCount: refs.length }])

    const byRef = new Map(page.results.map((result) => [result.ref, result]))
    expect(byRef.get('npm:@modelcontextprotocol/server-filesystem')?.server.sources[0]?.reasons).toEqual(['name:@modelcontextprotocol/server-*'])
    expect(byRef.get('npm:watchdog-tools')?.server.sources[0]?.reasons).toEqual(['keyword:mcp'])
    expect(byRef.get('npm:mcp-server-legacy-fs')?.server.sources[0]?.reasons).toEqual(['keyword:mcp-server', 'name:mcp-server-*'])
    for (const result of page.results) ServerMetadataSchema.parse(result.server)
  })

  it('maps a hit to metadata: name, version, popularity, package entry, deprecation', async () => {
    const page = await source().search({ text: 'filesystem' }, context())
    const official = page.results.find((result) => result.ref === 'npm:@modelcontextprotocol/server-filesystem')
    expect(official?.server).toMatchObject({
      name: '@modelcontextprotocol/server-filesystem',
      version: '2025.7.1',
      description: 'MCP server for filesystem access',
      license: 'MIT',
      status: 'active',
      publishedAt: '2025-07-01T12:00:51.532Z',
      repository: { url: 'https://github.com/modelcontextprotocol/servers', source: 'github' },
      websiteUrl: 'https://modelcontextprotocol.io',
      popularity: { downloads: 152_340, period: 'week', sourceScore: expect.any(Number) },
      packages: [{ registryType: 'npm', identifier: '@modelcontextprotocol/server-filesystem', version: '2025.7.1', transport: { type: 'stdio' }, registryBaseUrl: registry.url }],
    })
    expect(official?.server.sources[0]?.url).toBe(`${registry.url}/package/@modelcontextprotocol/server-filesystem`)
    const legacy = page.results.find((result) => result.ref === 'npm:mcp-server-legacy-fs')
    expect(legacy?.server).toMatchObject({ status: 'deprecated', statusMessage: 'Moved to @modelcontextprotocol/server-filesystem' })
    expect(official && legacy && official.score > 0 && official.score <= 1).toBe(true)
  })

  it('sends the plain text and the text restricted to MCP keywords', async () => {
    await source().search({ text: 'filesystem', limit: 10 }, context())
    const sent = registry.requests.map((request) => new URL(request.path, registry.url).searchParams)
    expect(sent.map((params) => params.get('text')).sort()).toEqual(['filesystem', 'filesystem keywords:mcp,mcp-server,modelcontextprotocol,model-context-protocol'])
    expect(sent.every((params) => Number(params.get('size')) >= 10)).toBe(true)
  })

  it('lists MCP-tagged packages when the text is empty, and never the SDK', async () => {
    const page = await source().search({ text: '' }, context())
    expect(registry.countRequests('/-/v1/search')).toBe(1)
    const refs = page.results.map((result) => result.ref).sort()
    expect(refs).toEqual(['npm:mcp-server-kubernetes', 'npm:mcp-server-legacy-fs', 'npm:watchdog-tools'])
  })

  it('honours the limit', async () => {
    const page = await source().search({ text: 'mcp', limit: 2 }, context())
    expect(page.results).toHaveLength(2)
  })

  it('rejects an invalid query with E_INVALID_QUERY', async () => {
    await expect(source().search({ text: 'x'.repeat(201) }, context())).rejects.toMatchObject({ code: 'E_INVALID_QUERY' })
    expect(registry.countRequests()).toBe(0)
  })

  it('reports a registry without a search endpoint as unavailable, not as a failure', async () => {
    const mirror = await startFakeNpmRegistry({ packages: npmFixturePackages, searchUnsupported: true })
    try {
      const page = await source({ baseUrl: `${mirror.url}/` }).search({ text: 'filesystem' }, context())
      expect(page).toEqual({
        results: [],
        sources: [{ source: 'npm', state: 'unavailable', code: 'E_SEARCH_UNSUPPORTED', message: `search endpoint unavailable at ${mirror.url}` }],
      })
    } finally {
      await mirror.close()
    }
  })

  it('treats 501 the same way', async () => {
    registry.setFault({ kind: 'status', status: 501, path: '/-/v1/search' })
    const page = await source().search({ text: 'filesystem' }, context())
    expect(page.sources[0]).toMatchObject({ state: 'unavailable', code: 'E_SEARCH_UNSUPPORTED' })
  })

  it('answers a second identical search from cache without a request', async () => {
    const cache = memoryCacheManager()
    const npm = source({ http: quickHttp(cache), cache })
    const first = await npm.search({ text: 'filesystem' }, context())
    const requestsAfterFirst = registry.countRequests()
    expect(requestsAfterFirst).toBe(2)
    const trace = createRequestTrace()
    const second = await npm.search({ text: 'filesystem' }, { trace })
    expect(registry.countRequests()).toBe(requestsAfterFirst)
    expect(second.results).toEqual(first.results)
    expect(second.sources[0]).toMatchObject({ state: 'ok', fromCache: true })
    expect(trace).toMatchObject({ network: 0, cached: 2 })
  })

  it('retries a 500 and succeeds', async () => {
    registry.setFault({ kind: 'status', status: 500, times: 1, path: '/-/v1/search' })
    const page = await source().search({ text: 'kubernetes' }, context())
    expect(page.results.map((result) => result.ref)).toEqual(['npm:mcp-server-kubernetes'])
    expect(registry.requests.filter((request) => request.fault === 'status')).toHaveLength(1)
  })

  it('fails with E_BAD_RESPONSE on invalid JSON, and with a coded error when 500 persists', async () => {
    registry.setFault({ kind: 'invalid-json' })
    await expect(source().search({ text: 'filesystem' }, context())).rejects.toMatchObject({ code: 'E_BAD_RESPONSE' })
    registry.setFault({ kind: 'status', status: 500 })
    const error = await source().search({ text: 'filesystem' }, context()).catch((caught: unknown) => caught)
    expect(TektonError.isInstance(error) && error.code).toBe('E_HTTP')
  })

  it('fails with E_BAD_RESPONSE when the body has the wrong shape', async () => {
    // A search answer without `objects`: a server that is not an npm registry.
    const server = await startFakeServer(() => ({ json: { results: [] } }))
    try {
      await expect(source({ baseUrl: server.url }).search({ text: 'x' }, context())).rejects.toMatchObject({ code: 'E_BAD_RESPONSE' })
    } finally {
      await server.close()
    }
  })

  it('skips malformed hits instead of failing the page', async () => {
    const server = await startFakeServer(() => ({ json: { objects: [{ nonsense: true }, { package: { name: 'mcp-server-ok', version: '1.0.0' } }], total: 2 } }))
    try {
      const page = await source({ baseUrl: server.url }).search({ text: 'ok' }, context())
      expect(page.results.map((result) => result.ref)).toEqual(['npm:mcp-server-ok'])
    } finally {
      await server.close()
    }
  })
})

describe('getMetadata', () => {
  it('maps the packument: latest dist-tag (not the highest version), bin, engines, mcpName', async () => {
    const metadata = await source().getMetadata('@modelcontextprotocol/server-filesystem', context())
    expect(metadata).not.toBeNull()
    ServerMetadataSchema.parse(metadata)
    expect(metadata).toMatchObject({
      ref: 'npm:@modelcontextprotocol/server-filesystem',
      name: '@modelcontextprotocol/server-filesystem',
      version: '2025.7.1',
      description: 'MCP server for filesystem access',
      license: 'MIT',
      status: 'active',
      websiteUrl: 'https://modelcontextprotocol.io',
      repository: { url: 'https://github.com/modelcontextprotocol/servers', source: 'github', subfolder: 'src/filesystem' },
      registryName: 'io.github.modelcontextprotocol/server-filesystem',
      verified: [{ kind: 'npm-mcp-name', value: 'io.github.modelcontextprotocol/server-filesystem', verified: false, detail: mcpNameDetail }],
      requirements: [{ kind: 'runtime', name: 'node', range: '>=18' }],
      publishedAt: '2025-07-01T12:00:51.532Z',
      updatedAt: '2025-08-02T10:31:07.660Z',
      sources: [{ source: 'npm', id: '@modelcontextprotocol/server-filesystem', reasons: ['name:@modelcontextprotocol/server-*', 'mcpName:io.github.modelcontextprotocol/server-filesystem', 'dependency:@modelcontextprotocol/sdk'] }],
    })
    const entry = metadata?.packages[0] as NpmPackageEntry
    expect(entry).toEqual({
      registryType: 'npm',
      identifier: '@modelcontextprotocol/server-filesystem',
      version: '2025.7.1',
      registryBaseUrl: registry.url,
      transport: { type: 'stdio' },
      runtimeHint: 'npx',
      bin: { 'mcp-server-filesystem': 'dist/index.js' },
    })
    expect(metadata?.popularity).toBeUndefined()
  })

  it('requests scoped names with an encoded slash', async () => {
    await source().getMetadata('@modelcontextprotocol/server-memory', context())
    expect(registry.requests.map((request) => request.path)).toEqual(['/@modelcontextprotocol%2fserver-memory'])
  })

  it('marks a package whose latest version is deprecated, with the message', async () => {
    const metadata = await source().getMetadata('mcp-server-legacy-fs', context())
    expect(metadata).toMatchObject({ status: 'deprecated', statusMessage: 'Moved to @modelcontextprotocol/server-filesystem', version: '1.0.1' })
    expect(metadata?.registryName).toBeUndefined()
    expect(metadata?.verified).toEqual([])
  })

  it('maps a string bin to the unscoped package name and ssh repositories to https', async () => {
    const kubernetes = await source().getMetadata('mcp-server-kubernetes', context())
    expect((kubernetes?.packages[0] as NpmPackageEntry).bin).toEqual({ 'mcp-server-kubernetes': 'dist/index.js' })
    expect(kubernetes?.repository).toEqual({ url: 'https://github.com/Flux159/mcp-server-kubernetes', source: 'github' })
    const figma = await source().getMetadata('figma-developer-mcp', context())
    expect(figma?.repository).toEqual({ url: 'https://github.com/GLips/Figma-Context-MCP', source: 'github' })
    expect(figma?.requirements).toEqual([{ kind: 'runtime', name: 'node', range: '>=20.17.0' }])
  })

  it('returns null for an unknown package', async () => {
    expect(await source().getMetadata('no-such-mcp-server', context())).toBeNull()
    expect(await source().getVersions('@nobody/nothing', context())).toBeNull()
  })

  it('rejects invalid names with E_INVALID_REF before any request', async () => {
    for (const id of ['../../etc/passwd', 'UPPER CASE', '', 'name@1.0.0', '@scope/name/extra', 'a\u0000b']) {
      await expect(source().getMetadata(id, context())).rejects.toMatchObject({ code: 'E_INVALID_REF' })
    }
    await expect(source().getVersions('../x', context())).rejects.toMatchObject({ code: 'E_INVALID_REF' })
    expect(registry.countRequests()).toBe(0)
  })

  it('fails with E_BAD_RESPONSE on invalid JSON and on a truncated body', async () => {
    registry.setFault({ kind: 'invalid-json' })
    await expect(source().getMetadata('mcp-remote', context())).rejects.toMatchObject({ code: 'E_BAD_RESPONSE' })
    registry.setFault({ kind: 'truncate' })
    const error = await source().getMetadata('mcp-remote', context()).catch((caught: unknown) => caught)
    expect(TektonError.isInstance(error) && error.code).toBe('E_BAD_RESPONSE')
    // Each attempt was cut short, so the client tried again before giving up.
    expect(registry.requests.filter((request) => request.fault === 'truncate').length).toBeGreaterThan(1)
  })

  it('shares one cached packument between metadata and versions', async () => {
    const cache = memoryCacheManager()
    const npm = source({ http: quickHttp(cache), cache })
    await npm.getMetadata('mcp-remote', context())
    await npm.getVersions('mcp-remote', context())
    expect(registry.countRequests()).toBe(1)
  })
})

describe('getVersions', () => {
  it('lists every version newest first by semver, with tags, times, deprecation and prerelease', async () => {
    const versions = await source().getVersions('@modelcontextprotocol/server-filesystem', context())
    expect(versions?.map((entry) => entry.version)).toEqual(['2025.8.0-beta.1', '2025.7.1', '2025.3.28', '0.6.3', '0.6.2', '0.6.0', '0.5.0'])
    expect(versions?.[0]).toEqual({ version: '2025.8.0-beta.1', prerelease: true, tags: ['next'], publishedAt: '2025-08-02T10:31:07.660Z' })
    expect(versions?.[1]).toEqual({ version: '2025.7.1', prerelease: false, tags: ['latest'], publishedAt: '2025-07-01T12:00:51.532Z' })
    expect(versions?.find((entry) => entry.version === '0.6.3')?.tags).toEqual(['legacy-0.6'])
    expect(versions?.find((entry) => entry.version === '0.6.0')?.deprecated).toMatch(/upgrade to 0.6.2/)
    expect(versions?.filter((entry) => entry.deprecated)).toHaveLength(1)
  })
})

describe('registry resolution and auth through the source', () => {
  it('uses npm_config_registry and sends the token configured for that registry only', async () => {
    const other = await startFakeNpmRegistry({ packages: npmFixturePackages })
    try {
      const home = path.join(root, 'auth-home')
      await mkdir(home, { recursive: true })
      const registryPath = registry.url.replace(/^http:/, '')
      const otherPath = other.url.replace(/^http:/, '')
      await writeFile(path.join(home, '.npmrc'), `${registryPath}/:_authToken=\${REGISTRY_TOKEN}\n${otherPath}/:_authToken=token-for-the-other-registry\n`)
      const env = { ...isolatedEnv(root), npm_config_userconfig: path.join(home, '.npmrc'), npm_config_registry: `${registry.url}/`, REGISTRY_TOKEN: 'token-for-this-registry' }
      const npm = createNpmRegistry({ http: quickHttp(), env, cwd: root, homedir: home, exec: neverExec })
      expect(await npm.resolveRegistry()).toEqual({ baseUrl: registry.url, origin: 'env', authenticated: true, authenticatedScopes: [], scopes: {}, variables: ['REGISTRY_TOKEN'], consulted: expect.arrayContaining([path.join(home, '.npmrc')]) })
      await npm.getMetadata('mcp-remote', context())
      await npm.search({ text: 'remote' }, context())
      expect(registry.requests.length).toBeGreaterThan(1)
      for (const request of registry.requests) expect(request.headers.authorization).toBe('Bearer token-for-this-registry')
      expect(other.requests).toHaveLength(0)

      // The same configuration pointed at another registry sends that registry's token, not ours.
      const otherNpm = createNpmRegistry({ http: quickHttp(), env: { ...env, npm_config_registry: other.url }, cwd: root, homedir: home, exec: neverExec })
      await otherNpm.getMetadata('mcp-remote', context())
      expect(other.requests[0]?.headers.authorization).toBe('Bearer token-for-the-other-registry')
    } finally {
      await other.close()
    }
  })

  it('sends no Authorization header without a token', async () => {
    await source().getMetadata('mcp-remote', context())
    expect(registry.requests[0]?.headers.authorization).toBeUndefined()
    expect(await source().resolveRegistry()).toEqual({ baseUrl: registry.url, origin: 'options', authenticated: false, authenticatedScopes: [], scopes: {}, variables: [], consulted: expect.any(Array) })
  })

  it('resolves lazily and retries resolution after a failure', async () => {
    let calls = 0
    const exec: NpmExec = async () => {
      calls += 1
      if (calls === 1) throw new Error('npm is not installed')
      return `${registry.url}/`
    }
    const npm = createNpmRegistry({ http: quickHttp(), env: isolatedEnv(root), cwd: root, homedir: root, exec })
    expect(calls).toBe(0)
    await expect(npm.getMetadata('mcp-remote', context())).rejects.toMatchObject({ code: 'E_CONFIG' })
    expect(await npm.getMetadata('mcp-remote', context())).toMatchObject({ version: '0.1.18' })
    expect(await npm.getVersions('mcp-remote', context())).toHaveLength(2)
    expect(calls).toBe(2)
  })

  it('checks options up front', () => {
    expect(() => createNpmRegistry({ baseUrl: 'ftp://127.0.0.1/' })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
    expect(() => createNpmRegistry({ token: '' })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
    expect(() => createNpmRegistry({ http: {} as never })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
    expect(() => createNpmRegistry({ exec: 'npm' as never })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
    expect(() => createNpmRegistry(null as never)).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
    const npm = createNpmRegistry()
    expect(npm).toMatchObject({ specVersion: 'v1', id: 'npm', displayName: 'npm registry', refKinds: ['npm'] })
  })
})

describe('registry credentials in URLs', () => {
  it('writes no user:password from the registry URL to the cache on disk', async () => {
    const dir = path.join(root, 'credentials-cache')
    const cache = createCacheManager({ drivers: [fileCache({ dir })] })
    const credentialed = registry.url.replace('http://', 'http://alice:s3cretPass@')
    const fromEnv = createNpmRegistry({ http: quickHttp(cache), cache, env: { ...isolatedEnv(root), npm_config_registry: `${credentialed}/` }, cwd: root, homedir: root, exec: neverExec })
    await fromEnv.search({ text: 'filesystem' }, context())
    await fromEnv.getMetadata('mcp-remote', context())
    // The same registry named by `npm config get registry`, whose answer is usually cached too.
    const fromNpm = createNpmRegistry({ http: quickHttp(cache), cache, env: isolatedEnv(root), cwd: root, homedir: root, exec: async () => `${credentialed}/\n` })
    expect(await fromNpm.getMetadata('mcp-server-kubernetes', context())).toMatchObject({ packages: [{ registryBaseUrl: registry.url }] })
    await cache.settle()

    // The credentials were used (as Basic authentication), and what was cached is on disk.
    const basic = `Basic ${Buffer.from('alice:s3cretPass').toString('base64')}`
    expect(registry.requests.length).toBeGreaterThanOrEqual(4)
    for (const request of registry.requests) expect(request.headers.authorization).toBe(basic)
    const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile())
    const written = (await Promise.all(files.map((entry) => readFile(path.join(entry.parentPath, entry.name), 'utf8')))).join('\n')
    expect(written).toContain('mcp-remote')
    expect(written).toContain('mcp-server-kubernetes')
    expect(written).not.toContain('s3cretPass')
    expect(written).not.toContain('alice')
    expect(written).not.toContain(basic.slice('Basic '.length))
  })

  it('keeps credentials out of what resolveRegistry() tells', async () => {
    const credentialed = registry.url.replace('http://', 'http://alice:s3cretPass@')
    const npm = createNpmRegistry({ http: quickHttp(), env: { ...isolatedEnv(root), npm_config_registry: credentialed, 'npm_config_@corp:registry': credentialed }, cwd: root, homedir: root, exec: neverExec })
    expect(await npm.resolveRegistry()).toMatchObject({ baseUrl: registry.url, scopes: { '@corp': registry.url } })
  })
})

describe('search hits the registry sends', () => {
  it('drops hits whose name is not a valid npm package name', async () => {
    const hit = (name: string) => ({ package: { name, version: '1.0.0', keywords: ['mcp'] } })
    const server = await startFakeServer(() => ({ json: { objects: [hit('../../evil-mcp'), hit('Evil MCP'), hit('@scope/name/extra-mcp'), hit('mcp-server-ok'), hit('x@1.0.0')], total: 5 } }))
    try {
      const page = await source({ baseUrl: server.url }).search({ text: 'mcp' }, context())
      expect(page.results.map((result) => result.ref)).toEqual(['npm:mcp-server-ok'])
    } finally {
      await server.close()
    }
  })

  it('caches only the fields it reads, of MCP hits only, and one odd hit does not fail the page', async () => {
    const driver = memoryCache()
    const cache = createCacheManager({ drivers: [driver] })
    const page = await source({ http: quickHttp(cache), cache }).search({ text: 'filesystem' }, context())
    expect(page.results.map((result) => result.ref)).toContain('npm:@modelcontextprotocol/server-filesystem')
    const keys = (await driver.keys()).filter((key) => key.startsWith('npm:search:'))
    expect(keys).toHaveLength(2)
    for (const key of keys) {
      const stored = JSON.stringify((await driver.get(key))?.value)
      // Maintainers' e-mail addresses, publishers and score details are not read, so not kept.
      for (const dropped of ['@example.com', 'maintainers', 'publisher', 'author', 'detail', 'searchScore', 'bugs']) expect(stored).not.toContain(dropped)
    }
    const plain = (await driver.get(keys.find((key) => !key.includes('keywords')) ?? ''))?.value as { objects: unknown[] }
    // Packages that are not MCP servers keep their place (relevance counts positions) but nothing else.
    expect(plain.objects).toContain(null)
    expect(JSON.stringify(plain)).not.toContain('filesystem-utils')

    const odd = await startFakeServer(() => ({ json: { objects: [{ package: { name: 42 } }, 'text', null, { package: { name: 'mcp-server-ok', links: 'nope' } }, { package: { name: 'mcp-server-fine', keywords: ['mcp'] } }], total: 5 } }))
    try {
      const oddPage = await source({ baseUrl: odd.url }).search({ text: 'ok' }, context())
      expect(oddPage.results.map((result) => result.ref)).toEqual(['npm:mcp-server-fine'])
    } finally {
      await odd.close()
    }
  })
})

describe('scoped registries', () => {
  const corpTools = (description: string) =>
    buildNpmPackage({ name: '@corp/mcp-server-tools', description, keywords: ['mcp'], versions: [{ version: description === 'the real one' ? '3.0.0' : '99.0.0', publishedAt: '2025-07-01T00:00:00.000Z' }] })
  let publicRegistry: FakeNpmRegistry
  let corpRegistry: FakeNpmRegistry
  let project: string

  beforeAll(async () => {
    // A squatter published the company's package name on the public registry.
    publicRegistry = await startFakeNpmRegistry({ packages: [...npmFixturePackages, corpTools('a squatter')] })
    corpRegistry = await startFakeNpmRegistry({ packages: [corpTools('the real one')] })
    project = path.join(root, 'scoped', 'project')
    await mkdir(project, { recursive: true })
  })
  afterAll(async () => {
    await publicRegistry.close()
    await corpRegistry.close()
  })
  afterEach(() => {
    publicRegistry.requests.length = 0
    corpRegistry.requests.length = 0
  })

  const dart = (url: string) => url.replace(/^http:/, '')
  async function scopedSource(lines: string[], env: Record<string, string> = {}) {
    await writeFile(path.join(project, '.npmrc'), `${lines.join('\n')}\n`)
    return createNpmRegistry({ http: quickHttp(), env: { ...isolatedEnv(root), ...env }, cwd: project, homedir: path.join(root, 'scoped'), exec: neverExec })
  }

  it("looks a scope's packages up on the registry the project .npmrc names for it", async () => {
    const npm = await scopedSource([`registry=${publicRegistry.url}/`, `@corp:registry=${corpRegistry.url}/`])
    const metadata = await npm.getMetadata('@corp/mcp-server-tools', context())
    expect(metadata).toMatchObject({ description: 'the real one', version: '3.0.0', packages: [{ registryBaseUrl: corpRegistry.url }] })
    expect((await npm.getVersions('@corp/mcp-server-tools', context()))?.map((entry) => entry.version)).toEqual(['3.0.0'])
    expect(await npm.getMetadata('mcp-remote', context())).toMatchObject({ packages: [{ registryBaseUrl: publicRegistry.url }] })
    expect(publicRegistry.requests.map((request) => request.path)).toEqual(['/mcp-remote'])
    expect(await npm.resolveRegistry()).toMatchObject({ baseUrl: publicRegistry.url, scopes: { '@corp': corpRegistry.url }, authenticatedScopes: [] })
  })

  it('reads the scope registry from npm_config_@scope:registry too', async () => {
    const npm = await scopedSource([`registry=${publicRegistry.url}/`], { 'npm_config_@corp:registry': corpRegistry.url })
    expect(await npm.getMetadata('@corp/mcp-server-tools', context())).toMatchObject({ description: 'the real one' })
    expect(publicRegistry.requests).toHaveLength(0)
  })

  it('sends each registry its own token', async () => {
    const npm = await scopedSource([
      `registry=${publicRegistry.url}/`,
      `@corp:registry=${corpRegistry.url}/`,
      `${dart(publicRegistry.url)}/:_authToken=public-token`,
      `${dart(corpRegistry.url)}/:_authToken=\${CORP_TOKEN}`,
    ], { CORP_TOKEN: 'corp-token' })
    await npm.getMetadata('@corp/mcp-server-tools', context())
    await npm.getMetadata('mcp-remote', context())
    await npm.search({ text: 'tools' }, context())
    expect(corpRegistry.requests.map((request) => request.headers.authorization)).toEqual(['Bearer corp-token'])
    expect(publicRegistry.requests.length).toBeGreaterThan(1)
    for (const request of publicRegistry.requests) expect(request.headers.authorization).toBe('Bearer public-token')
    expect(await npm.resolveRegistry()).toMatchObject({ authenticated: true, authenticatedScopes: ['@corp'], variables: ['CORP_TOKEN'] })
  })

  it("never sends the default registry's token to a scope registry", async () => {
    const npm = await scopedSource([`registry=${publicRegistry.url}/`, `@corp:registry=${corpRegistry.url}/`, `${dart(publicRegistry.url)}/:_authToken=public-token`])
    await npm.getMetadata('@corp/mcp-server-tools', context())
    expect(corpRegistry.requests).toHaveLength(1)
    expect(corpRegistry.requests[0]?.headers.authorization).toBeUndefined()
  })

  it("never sends a scope registry's token to the default registry", async () => {
    const npm = await scopedSource([`registry=${publicRegistry.url}/`, `@corp:registry=${corpRegistry.url}/`, `${dart(corpRegistry.url)}/:_authToken=corp-token`])
    await npm.getMetadata('mcp-remote', context())
    await npm.search({ text: 'tools' }, context())
    expect(publicRegistry.requests.length).toBeGreaterThan(1)
    for (const request of publicRegistry.requests) expect(request.headers.authorization).toBeUndefined()
  })

  it('searches the default registry but drops hits in a scope that has its own registry', async () => {
    const unscoped = await scopedSource([`registry=${publicRegistry.url}/`])
    expect((await unscoped.search({ text: 'tools' }, context())).results.map((result) => result.ref)).toContain('npm:@corp/mcp-server-tools')
    const npm = await scopedSource([`registry=${publicRegistry.url}/`, `@corp:registry=${corpRegistry.url}/`])
    const page = await npm.search({ text: 'tools' }, context())
    const refs = page.results.map((result) => result.ref)
    expect(refs).not.toContain('npm:@corp/mcp-server-tools')
    expect(refs).toContain('npm:watchdog-tools')
    expect(corpRegistry.requests).toHaveLength(0)
    // A scope configured to the default registry itself is looked up where it was found: kept.
    const same = await scopedSource([`registry=${publicRegistry.url}/`, `@corp:registry=${publicRegistry.url}/`])
    expect((await same.search({ text: 'tools' }, context())).results.map((result) => result.ref)).toContain('npm:@corp/mcp-server-tools')
  })
})

describe('deadline', () => {
  it("passes the caller's deadline to the HTTP client: a Retry-After past it fails at once", async () => {
    // The client would wait out a 20 s Retry-After (under its 30 s cap) but for the caller's
    // deadline; its sleeps are recorded, so "at once" is checked without a stopwatch.
    registry.setFault({ kind: 'status', status: 429, retryAfter: 20, times: 1 })
    const sleeps: number[] = []
    const http = createHttpClient({ backoffMs: 1, retries: 2, timeoutMs: 60_000, sleep: async (ms) => void sleeps.push(ms) })
    const error = await source({ http })
      .getMetadata('mcp-remote', { ...context(), deadline: Date.now() + 10_000 })
      .catch((caught: unknown) => caught)
    expect(TektonError.isInstance(error) && error.code).toBe('E_RATE_LIMITED')
    expect(sleeps).toEqual([])
    expect(registry.countRequests()).toBe(1)
  })
})
