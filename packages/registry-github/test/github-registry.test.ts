import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { createCacheManager, memoryCache, ServerMetadataSchema, TektonError } from '@tekton/mcp-discovery'
import { buildGithubRepo, githubFixtureRepos, githubGithubFork, githubPostgresMcp, startFakeGithub, startFakeServer } from '@tekton/mcp-testkit'
import type { FakeGithub } from '@tekton/mcp-testkit'
import { createGithubRegistry, resolveGithubToken } from '../src/index'
import { normalizeApiUrl } from '../src/github-registry'
import { context, fileCacheManager, githubSource, memoryCacheManager, tempDir, testClock } from './helpers'

let github: FakeGithub

beforeAll(async () => {
  github = await startFakeGithub({ repos: [...githubFixtureRepos, githubGithubFork] })
})
afterAll(async () => {
  await github.close()
})
afterEach(() => {
  github.setFault(null)
  github.requests.length = 0
  github.resetRateLimits()
})

const source = (overrides: Parameters<typeof githubSource>[1] = {}) => githubSource(github.apiUrl, overrides)

/** What each request asked for: path and decoded query. */
function sent(fake: FakeGithub = github): Array<{ path: string; params: URLSearchParams }> {
  return fake.requests.map((request) => {
    const url = new URL(request.path, fake.url)
    return { path: url.pathname, params: url.searchParams }
  })
}

async function caught(promise: Promise<unknown>): Promise<TektonError> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  )
  if (!TektonError.isInstance(error)) throw new Error(`expected a TektonError, got ${String(error)}`)
  return error
}

describe('search', () => {
  it('asks for the text with each MCP topic, and merges the hits with the topics that matched', async () => {
    const page = await source().search({ text: 'postgres', limit: 10 }, context())
    const searches = sent().filter((request) => request.path === '/search/repositories')
    expect(searches.map((request) => request.params.get('q')).sort()).toEqual(['postgres topic:mcp', 'postgres topic:mcp-server'])
    expect(searches.every((request) => request.params.get('per_page') === '10' && !request.params.has('sort'))).toBe(true)

    // The PostgreSQL tools repository matches the text but carries no MCP topic.
    expect(page.results.map((result) => result.ref)).toEqual(['github:example/postgres-mcp', 'github:legacy/old-mcp-server'])
    expect(page.sources).toEqual([{ source: 'github', state: 'ok', resultCount: 2 }])
    const [postgres, archived] = page.results
    expect(postgres?.server).toMatchObject({
      name: 'example/postgres-mcp',
      description: 'MCP server for PostgreSQL: read-only queries and schema inspection',
      repository: { url: 'https://github.com/example/postgres-mcp', source: 'github', id: String(githubPostgresMcp.id) },
      license: 'MIT',
      keywords: ['mcp', 'mcp-server', 'postgres', 'postgresql'],
      popularity: { stars: 1280 },
      status: 'active',
      updatedAt: '2025-06-20T08:30:00Z',
      websiteUrl: 'https://example.com/postgres-mcp',
      sources: [{ source: 'github', id: 'example/postgres-mcp', url: 'https://github.com/example/postgres-mcp', reasons: ['topic:mcp-server', 'topic:mcp'] }],
    })
    // Archived repositories are listed, marked archived; GitHub's NOASSERTION is no license.
    expect(archived?.server).toMatchObject({ status: 'archived', statusMessage: 'archived on GitHub', sources: [{ reasons: ['topic:mcp'] }] })
    expect(archived?.server.license).toBeUndefined()
    expect(postgres && archived && postgres.score > archived.score).toBe(true)
    for (const result of page.results) ServerMetadataSchema.parse(result.server)
  })

  it('lists MCP-tagged repositories for an empty text, honours the limit and the sort option', async () => {
    const page = await source({ sort: 'stars' }).search({ text: '', limit: 2 }, context())
    expect(sent().map((request) => request.params.get('q')).sort()).toEqual(['topic:mcp', 'topic:mcp-server'])
    expect(sent().every((request) => request.params.get('sort') === 'stars')).toBe(true)
    expect(page.results).toHaveLength(2)
    // Interleaved: the top hit of each topic search first.
    expect(page.results.map((result) => result.ref)).toEqual(['github:example/postgres-mcp', 'github:acme/weather-mcp-py'])
  })

  it('keeps GitHub case for display, one lower-case ref per repository', async () => {
    const mixed = buildGithubRepo({ owner: 'Example', name: 'Cased-MCP', topics: ['MCP-Server', 'mcp'], description: 'casing test' })
    github.setRepo(mixed)
    try {
      const page = await source().search({ text: 'casing' }, context())
      expect(page.results).toHaveLength(1)
      expect(page.results[0]).toMatchObject({ ref: 'github:example/cased-mcp', server: { name: 'Example/Cased-MCP', sources: [{ id: 'Example/Cased-MCP', reasons: ['topic:mcp-server', 'topic:mcp'] }] } })
      expect(await source().getMetadata('EXAMPLE/cased-mcp', context())).toMatchObject({ ref: 'github:example/cased-mcp', name: 'Example/Cased-MCP' })
    } finally {
      github.removeRepo('Example/Cased-MCP')
    }
  })

  it('says when GitHub returned incomplete results, and when answers came from cache', async () => {
    const incomplete = await startFakeGithub({ repos: githubFixtureRepos, incompleteResults: true })
    try {
      const cache = memoryCacheManager()
      const weather = githubSource(incomplete.apiUrl, { cache })
      const first = await weather.search({ text: 'weather' }, context())
      expect(first.sources[0]).toMatchObject({ state: 'ok', message: 'GitHub search timed out: results may be incomplete' })
      const second = await weather.search({ text: 'weather' }, context())
      expect(second.sources[0]).toMatchObject({ state: 'ok', fromCache: true, ageMs: expect.any(Number) })
      expect(second.results).toEqual(first.results)
      expect(incomplete.countRequests('/search')).toBe(2)
    } finally {
      await incomplete.close()
    }
  })

  it('skips items that are malformed or not owner/repo, without failing the page', async () => {
    const item = (fullName: string) => ({ id: 1, name: fullName.split('/')[1], full_name: fullName, html_url: `https://github.com/${fullName}`, topics: ['mcp'] })
    const odd = await startFakeServer(() => ({ json: { total_count: 4, incomplete_results: false, items: [{ id: 'nope' }, item('../etc'), item('ok/fine-mcp'), 'text'] } }))
    try {
      const page = await githubSource(odd.url).search({ text: 'x' }, context())
      expect(page.results.map((result) => result.ref)).toEqual(['github:ok/fine-mcp'])
    } finally {
      await odd.close()
    }
  })

  it('refuses an invalid query before sending anything', async () => {
    expect((await caught(source().search({ text: 'x'.repeat(201) }, context()))).code).toBe('E_INVALID_QUERY')
    expect((await caught(source().search({ text: 'x', limit: 0 }, context()))).code).toBe('E_INVALID_QUERY')
    expect(github.requests).toHaveLength(0)
  })

  it('fails with the error of a broken search, for the combined registry to report', async () => {
    github.setFault({ kind: 'status', status: 502, path: '/search' })
    const error = await caught(source().search({ text: 'postgres' }, context()))
    expect(error.code).toBe('E_HTTP')
    expect(error.message).toMatch(/^\[github\] GET http:\/\/127\.0\.0\.1:\d+\/search\/repositories\?q=postgres.* 502/)
  })
})

describe('getMetadata', () => {
  it('merges server.json and package.json of example/postgres-mcp into the result', async () => {
    const metadata = await source().getMetadata('example/postgres-mcp', context())
    expect(metadata).not.toBeNull()
    ServerMetadataSchema.parse(metadata)
    expect(metadata).toMatchObject({
      ref: 'github:example/postgres-mcp',
      // The registry name server.json and package.json claim.
      name: 'io.github.example/postgres',
      registryName: 'io.github.example/postgres',
      title: 'PostgreSQL',
      version: '1.4.0',
      publishedAt: '2025-06-10T09:15:00Z',
      updatedAt: '2025-06-20T08:30:00Z',
      license: 'MIT',
      popularity: { stars: 1280 },
      status: 'active',
      packages: [
        {
          registryType: 'npm',
          identifier: '@example/postgres-mcp',
          version: '1.4.0',
          transport: { type: 'stdio' },
          runtimeHint: 'npx',
          bin: { 'postgres-mcp': 'dist/index.js' },
          environmentVariables: [{ name: 'DATABASE_URL', isRequired: true, isSecret: true }],
        },
      ],
      remotes: [],
      requirements: [
        { kind: 'runtime', name: 'node', range: '>=20' },
        { kind: 'env', name: 'DATABASE_URL', optional: false, secret: true, description: 'PostgreSQL connection string' },
      ],
      sources: [{ source: 'github', id: 'example/postgres-mcp', url: 'https://github.com/example/postgres-mcp', reasons: ['topic:mcp-server', 'topic:mcp', 'server.json', 'mcpName:io.github.example/postgres'] }],
    })
  })

  it('reads the repository, its releases, the root listing and only the install files present', async () => {
    await source().getMetadata('example/postgres-mcp', context())
    expect(sent().map((request) => `${request.path}${request.params.size ? `?${request.params}` : ''}`).sort()).toEqual([
      '/repos/example/postgres-mcp',
      '/repos/example/postgres-mcp/contents/?ref=main',
      '/repos/example/postgres-mcp/contents/package.json?ref=main',
      '/repos/example/postgres-mcp/contents/server.json?ref=main',
      '/repos/example/postgres-mcp/releases?per_page=100',
    ])
  })

  it('describes a Python server from pyproject.toml, with its Dockerfile as an optional requirement', async () => {
    const metadata = await source().getMetadata('acme/weather-mcp-py', context())
    expect(metadata).toMatchObject({
      name: 'acme/weather-mcp-py',
      version: '0.3.0',
      packages: [{ registryType: 'pypi', identifier: 'mcp-weather', transport: { type: 'stdio' }, runtimeHint: 'uvx' }],
      requirements: [
        { kind: 'runtime', name: 'python', range: '>=3.10' },
        { kind: 'docker', name: 'dockerfile', optional: true },
      ],
    })
    expect(metadata?.registryName).toBeUndefined()
    expect(metadata?.publishedAt).toBeUndefined()
  })

  it('takes the registry name from a Dockerfile label but names no image it cannot know', async () => {
    const metadata = await source().getMetadata('octo/fetch-mcp', context())
    expect(metadata).toMatchObject({ name: 'io.github.octo/fetch', registryName: 'io.github.octo/fetch', version: '', packages: [], requirements: [{ kind: 'docker', name: 'dockerfile', optional: true }] })
    expect(metadata?.sources[0]?.reasons).toEqual(['topic:mcp', 'label:io.modelcontextprotocol.server.name=io.github.octo/fetch'])
  })

  it('marks an archived repository archived and reads a string bin', async () => {
    expect(await source().getMetadata('legacy/old-mcp-server', context())).toMatchObject({
      status: 'archived',
      statusMessage: 'archived on GitHub',
      version: '0.1.0',
      packages: [{ registryType: 'npm', identifier: 'old-mcp-server', bin: { 'old-mcp-server': 'index.js' } }],
    })
  })

  it('says a fork is a fork of what, without taking the upstream\'s registry name or packages from its files', async () => {
    const metadata = await source().getMetadata('someone/github-mcp', context())
    expect(metadata).toMatchObject({ name: 'someone/github-mcp', forkOf: 'github/github-mcp-server', packages: [], remotes: [], requirements: [], version: '', verified: [] })
    expect(metadata?.registryName).toBeUndefined()
  })

  it('takes an OCI package and remotes from server.json, and ignores what its _meta claims', async () => {
    github.setRepo(
      buildGithubRepo({
        owner: 'octo',
        name: 'image-mcp',
        topics: ['mcp'],
        defaultBranch: 'trunk',
        files: {
          'server.json': {
            name: 'io.github.octo/image',
            description: 'From server.json',
            version: '2.0.0',
            packages: [{ registryType: 'oci', identifier: 'ghcr.io/octo/image-mcp:2.0.0', transport: { type: 'stdio' } }, { registryType: 'npm' }],
            remotes: [{ type: 'streamable-http', url: 'https://mcp.octo.example/mcp' }],
            _meta: { 'dev.tekton.mcp/discovery': { verified: [{ kind: 'registry-package', value: 'npm:x', verified: true }], registryName: 'io.github.someone/else', status: 'active' } },
          },
          // A private package is never published: no npm option from it.
          'package.json': { name: 'image-mcp-workspace', private: true, mcpName: 'io.github.octo/image' },
        },
      }),
    )
    try {
      const metadata = await source().getMetadata('octo/image-mcp', context())
      expect(metadata).toMatchObject({
        name: 'io.github.octo/image',
        registryName: 'io.github.octo/image',
        // No description on the repository: server.json's; no releases or tags: the declared version.
        description: 'From server.json',
        version: '2.0.0',
        packages: [{ registryType: 'oci', identifier: 'ghcr.io/octo/image-mcp:2.0.0' }],
        remotes: [{ type: 'streamable-http', url: 'https://mcp.octo.example/mcp' }],
        requirements: [{ kind: 'docker', name: 'docker' }],
        verified: [],
      })
      expect(sent().filter((request) => request.path.includes('/contents')).every((request) => request.params.get('ref') === 'trunk')).toBe(true)
    } finally {
      github.removeRepo('octo/image-mcp')
    }
  })

  it('ignores files it cannot read and files too big to be a manifest', async () => {
    github.setRepo(
      buildGithubRepo({
        owner: 'broken',
        name: 'files-mcp',
        topics: ['mcp'],
        files: { 'server.json': '{ not json', 'package.json': { name: '../../evil' }, 'pyproject.toml': '[project\nname = ', Dockerfile: `FROM scratch\n# ${'x'.repeat(300 * 1024)}\n` },
      }),
    )
    try {
      const metadata = await source().getMetadata('broken/files-mcp', context())
      expect(metadata).toMatchObject({ packages: [], requirements: [], version: '' })
      expect(sent().some((request) => request.path.endsWith('/Dockerfile'))).toBe(false)
    } finally {
      github.removeRepo('broken/files-mcp')
    }
  })

  it('handles an empty repository (its root answers 404) as one without files', async () => {
    github.setRepo(buildGithubRepo({ owner: 'empty', name: 'new-mcp', topics: ['mcp'] }))
    try {
      expect(await source().getMetadata('empty/new-mcp', context())).toMatchObject({ packages: [], requirements: [], version: '' })
      expect(await source().getVersions('empty/new-mcp', context())).toEqual([])
    } finally {
      github.removeRepo('empty/new-mcp')
    }
  })

  it('answers null for an unknown repository and refuses ids that are not owner/repo', async () => {
    expect(await source().getMetadata('example/nothing', context())).toBeNull()
    expect(await source().getVersions('example/nothing', context())).toBeNull()
    for (const id of ['example', 'a/b/c', '../../etc/passwd', 'example/postgres-mcp@1.0.0']) {
      expect((await caught(source().getMetadata(id, context()))).code).toBe('E_INVALID_REF')
    }
    expect(sent().map((request) => request.path)).toEqual(['/repos/example/nothing', '/repos/example/nothing/releases'])
  })
})

describe('getVersions', () => {
  it('lists published releases newest first: drafts skipped, v stripped, prereleases flagged, latest tagged', async () => {
    expect(await source().getVersions('example/postgres-mcp', context())).toEqual([
      { version: '1.5.0-beta.1', prerelease: true, tags: [], publishedAt: '2025-06-18T12:00:00Z' },
      { version: '1.4.0', prerelease: false, tags: ['latest'], publishedAt: '2025-06-10T09:15:00Z' },
      { version: '1.3.0', prerelease: false, tags: [], publishedAt: '2025-05-02T16:40:00Z' },
    ])
    // GitHub's own latest (the newest stable by date) is the same release: no second mark.
    expect(sent().map((request) => request.path)).toEqual(['/repos/example/postgres-mcp/releases', '/repos/example/postgres-mcp/releases/latest'])
  })

  it('shows both facts when the repository marks another release than the newest stable as latest', async () => {
    // A backport published after 2.1.0 is GitHub's latest by date; a maintainer's mark wins over dates.
    github.setRepo(buildGithubRepo({ owner: 'backport', name: 'lts-mcp', releases: [{ tag: 'v1.9.4', publishedAt: '2025-07-02T00:00:00Z' }, { tag: 'v2.1.0', publishedAt: '2025-07-01T00:00:00Z' }, { tag: 'v2.0.0', publishedAt: '2025-06-01T00:00:00Z' }] }))
    github.setRepo(buildGithubRepo({ owner: 'pinned', name: 'stable-mcp', releases: [{ tag: 'v3.0.0' }, { tag: 'v2.5.0', latest: true }, { tag: 'v2.4.0' }] }))
    try {
      const backport = await source().getVersions('backport/lts-mcp', context())
      expect(backport?.map((entry) => [entry.version, entry.tags])).toEqual([['2.1.0', ['latest']], ['2.0.0', []], ['1.9.4', ['github-latest']]])
      const pinned = await source().getVersions('pinned/stable-mcp', context())
      expect(pinned?.map((entry) => [entry.version, entry.tags])).toEqual([['3.0.0', ['latest']], ['2.5.0', ['github-latest']], ['2.4.0', []]])
    } finally {
      github.removeRepo('backport/lts-mcp')
      github.removeRepo('pinned/stable-mcp')
    }
  })

  it('lists the versions without the mark when GitHub will not say which release is latest', async () => {
    github.setFault({ kind: 'status', status: 500, path: '/repos/example/postgres-mcp/releases/latest' })
    const versions = await source({ httpClientOptions: { retries: 0 } }).getVersions('example/postgres-mcp', context())
    expect(versions?.find((entry) => entry.tags.includes('latest'))?.version).toBe('1.4.0')
    expect(versions?.some((entry) => entry.tags.includes('github-latest'))).toBe(false)
  })

  it('falls back to tags when there are no published releases', async () => {
    expect(await source().getVersions('acme/weather-mcp-py', context())).toEqual([
      { version: '0.3.0', prerelease: false, tags: ['latest'] },
      { version: '0.2.1', prerelease: false, tags: [] },
      { version: '0.2.0', prerelease: false, tags: [] },
      { version: 'nightly', prerelease: false, tags: [] },
    ])
    github.setRepo(buildGithubRepo({ owner: 'drafts', name: 'only-mcp', files: { 'README.md': 'x' }, releases: [{ tag: 'v1.0.0', draft: true }], tags: ['v0.9.0'] }))
    try {
      expect(await source().getVersions('drafts/only-mcp', context())).toEqual([{ version: '0.9.0', prerelease: false, tags: ['latest'] }])
    } finally {
      github.removeRepo('drafts/only-mcp')
    }
  })
})

describe('authentication', () => {
  it('reads the token from the option, else GITHUB_TOKEN, else GH_TOKEN', () => {
    expect(resolveGithubToken({ token: ' from-option ', env: { GITHUB_TOKEN: 'a', GH_TOKEN: 'b' } })).toEqual({ token: 'from-option', origin: 'option' })
    expect(resolveGithubToken({ env: { GITHUB_TOKEN: 'a', GH_TOKEN: 'b' } })).toEqual({ token: 'a', origin: 'GITHUB_TOKEN' })
    expect(resolveGithubToken({ env: { GITHUB_TOKEN: '  ', GH_TOKEN: 'b\n' } })).toEqual({ token: 'b', origin: 'GH_TOKEN' })
    expect(resolveGithubToken({ env: {} })).toEqual({ origin: 'none' })
    expect(() => resolveGithubToken({ env: { GITHUB_TOKEN: 'two words' } })).toThrow(expect.objectContaining({ code: 'E_CONFIG', message: expect.not.stringContaining('two words') }))
    expect(() => resolveGithubToken({ token: '' })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
  })

  it('sends the token from the environment with the API headers, and nothing without one', async () => {
    const withToken = source({ env: { GH_TOKEN: 'ghp_fromTheEnvironment123' } })
    expect(withToken.tokenOrigin).toBe('GH_TOKEN')
    await withToken.getVersions('example/postgres-mcp', context())
    await withToken.search({ text: 'postgres' }, context())
    expect(github.requests.length).toBe(4)
    for (const request of github.requests) {
      expect(request.headers).toMatchObject({ authorization: 'Bearer ghp_fromTheEnvironment123', accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' })
    }
    // The token's own, larger budget was used.
    expect(github.rateLimit('core', 'ghp_fromTheEnvironment123')).toMatchObject({ limit: 5000, used: 2 })

    github.requests.length = 0
    const anonymous = source()
    expect(anonymous.tokenOrigin).toBe('none')
    await anonymous.getVersions('example/postgres-mcp', context())
    expect(github.requests[0]?.headers.authorization).toBeUndefined()
    expect(github.rateLimit('core')).toMatchObject({ limit: 60, used: 2 })
  })

  it('keeps the token out of cache keys, cached values and errors', async () => {
    const token = 'ghp_SuperSecretToken0123456789'
    const { dir, cleanup } = await tempDir()
    try {
      const clock = testClock()
      const cache = fileCacheManager(dir, clock.now)
      const withToken = source({ token, cache, now: clock.now })
      await withToken.search({ text: 'postgres' }, context())
      await withToken.getMetadata('example/postgres-mcp', context())
      github.exhaust('core', token)
      const error = await caught(withToken.getMetadata('acme/weather-mcp-py', context()))
      await cache.settle()
      const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile())
      const written = (await Promise.all(files.map((entry) => readFile(path.join(entry.parentPath, entry.name), 'utf8')))).join('\n')
      expect(written).toContain('github:repo:')
      expect(written).toContain('github:rate-limit:')
      expect(written).not.toContain(token)
      expect(JSON.stringify({ message: error.message, hint: error.hint, cause: String(error.cause) })).not.toContain(token)
    } finally {
      await cleanup()
    }
  })

  it('says where a refused token came from, without showing it', async () => {
    const strict = await startFakeGithub({ repos: githubFixtureRepos, tokens: ['the-right-token'] })
    try {
      const error = await caught(githubSource(strict.apiUrl, { env: { GITHUB_TOKEN: 'ghp_wrongTokenValue42' } }).getMetadata('example/postgres-mcp', context()))
      expect(error).toMatchObject({ code: 'E_HTTP', status: 401, hint: 'GitHub refused the token from GITHUB_TOKEN: it is wrong, expired or revoked' })
      expect(`${error.message} ${error.hint}`).not.toContain('ghp_wrongTokenValue42')
      expect(await githubSource(strict.apiUrl, { token: 'the-right-token' }).getMetadata('example/postgres-mcp', context())).not.toBeNull()
    } finally {
      await strict.close()
    }
  })
})

describe('revalidation', () => {
  it('revalidates stale entries with If-None-Match; a 304 costs no rate-limit budget', async () => {
    const clock = testClock()
    const cache = createCacheManager({ drivers: [memoryCache()], now: clock.now, staleWhileRevalidateMs: 0 })
    const cached = source({ cache, now: clock.now })
    const first = await cached.getMetadata('example/postgres-mcp', context())
    const firstCount = github.requests.length
    expect(github.rateLimit('core')).toMatchObject({ used: firstCount })

    // Within the hour nothing is sent at all.
    expect(await cached.getMetadata('example/postgres-mcp', context())).toEqual(first)
    expect(github.requests).toHaveLength(firstCount)

    clock.advance(61 * 60_000)
    github.resetRateLimits()
    const again = await cached.getMetadata('example/postgres-mcp', context())
    expect(again).toEqual(first)
    const revalidations = github.requests.slice(firstCount)
    expect(revalidations).toHaveLength(firstCount)
    for (const request of revalidations) expect(request.headers['if-none-match']).toMatch(/^W\/"[0-9a-f]{40}"$/)
    expect(github.rateLimit('core')).toMatchObject({ used: 0, remaining: 60 })
  })
})

describe('faults', () => {
  it('retries a failing request and succeeds', async () => {
    github.setFault({ kind: 'status', status: 500, times: 1, path: '/repos/example/postgres-mcp/releases' })
    expect(await source().getVersions('example/postgres-mcp', context())).toHaveLength(3)
    expect(github.countRequests('/repos/example/postgres-mcp/releases')).toBe(3)
    expect(github.countRequests('/repos/example/postgres-mcp/releases/latest')).toBe(1)
  })

  it('reports a truncated or malformed answer as E_BAD_RESPONSE, naming the URL', async () => {
    github.setFault({ kind: 'invalid-json', path: '/repos/example/postgres-mcp' })
    const invalid = await caught(source().getMetadata('example/postgres-mcp', context()))
    expect(invalid.code).toBe('E_BAD_RESPONSE')
    expect(invalid.message).toContain('/repos/example/postgres-mcp')
    github.setFault({ kind: 'truncate', path: '/repos/' })
    expect((await caught(source({ httpClientOptions: { retries: 0, timeoutMs: 60_000 } }).getVersions('example/postgres-mcp', context()))).code).toBe('E_BAD_RESPONSE')
  })

  it('times out a hanging request', async () => {
    github.setFault({ kind: 'hang', path: '/repos/' })
    const error = await caught(source({ httpClientOptions: { retries: 0, timeoutMs: 100 } }).getVersions('example/postgres-mcp', context()))
    expect(error.code).toBe('E_TIMEOUT')
  })

  it('stops at once when aborted', async () => {
    const controller = new AbortController()
    controller.abort()
    expect((await caught(source().search({ text: 'postgres' }, { signal: controller.signal }))).code).toBe('E_ABORTED')
    expect(github.requests).toHaveLength(0)
  })
})

describe('configuration', () => {
  it('normalises the API URL and refuses what cannot be one', () => {
    expect(normalizeApiUrl('https://ghe.example.com/api/v3/')).toBe('https://ghe.example.com/api/v3')
    expect(createGithubRegistry({ env: {} }).baseUrl).toBe('https://api.github.com')
    for (const bad of ['ftp://ghe.example.com', 'not a url', 'https://user:pass@ghe.example.com/api/v3', 'https://github.com', 'https://api.github.com/?x=1']) {
      expect(() => normalizeApiUrl(bad)).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
    }
    expect(() => normalizeApiUrl('https://user:s3cret@ghe.example.com')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('s3cret') }))
  })

  it('checks options up front', () => {
    expect(() => createGithubRegistry(null as never)).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
    expect(() => createGithubRegistry({ http: {} as never })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
    expect(() => createGithubRegistry({ now: 5 as never })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
    expect(() => createGithubRegistry({ sort: 'forks' as never })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
    expect(() => createGithubRegistry({ httpClientOptions: 'fast' as never })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
    expect(() => createGithubRegistry({ env: 'x' as never })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
    expect(createGithubRegistry({ env: {} })).toMatchObject({ specVersion: 'v1', id: 'github', displayName: 'GitHub', refKinds: ['github'], tokenOrigin: 'none' })
  })

  it('works against GitHub Enterprise Server under /api/v3', async () => {
    const enterprise = await startFakeGithub({ repos: githubFixtureRepos, pathPrefix: '/api/v3', htmlUrl: 'https://ghe.example.com' })
    try {
      const ghes = githubSource(`${enterprise.apiUrl}/`)
      const metadata = await ghes.getMetadata('example/postgres-mcp', context())
      expect(metadata).toMatchObject({ repository: { url: 'https://ghe.example.com/example/postgres-mcp', source: 'github' }, version: '1.4.0' })
      expect(enterprise.requests.every((request) => request.path.startsWith('/api/v3/'))).toBe(true)
      expect(enterprise.countRequests('/repos/example/postgres-mcp')).toBe(enterprise.requests.length)
    } finally {
      await enterprise.close()
    }
  })
})

describe('repositoryId (the ownership check of registry entries)', () => {
  it("answers the repository's current id afresh, even with a cache, and null for a repository GitHub does not have", async () => {
    const cached = source({ cache: memoryCacheManager() })
    github.setRepo(buildGithubRepo({ owner: 'example', name: 'recreated', id: 4242 }))
    expect(await cached.repositoryId('example/recreated', context())).toBe('4242')
    // Deleted and created again under the same name: a new id, which a cached answer would hide.
    github.setRepo(buildGithubRepo({ owner: 'example', name: 'recreated', id: 999_001 }))
    expect(await cached.repositoryId('example/recreated', context())).toBe('999001')
    github.removeRepo('example/recreated')
    expect(await cached.repositoryId('example/recreated', context())).toBeNull()
  })
})
