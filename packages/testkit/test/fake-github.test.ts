/**
 * The fake GitHub must answer as GitHub does, or the source's tests prove nothing: shapes, search
 * qualifiers, contents encoding, errors, rate-limit headers and budgets, ETags and 304s.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { buildGithubRepo, gitBlobSha, githubFixtureRepos, parseGithubSearchQuery, startFakeGithub } from '@tekton/mcp-testkit'
import type { FakeGithub } from '@tekton/mcp-testkit'

/** Real time that a test can move forward (self-contained, so this file can live in the testkit too). */
const clock = (() => {
  let offset = 0
  return { now: () => Date.now() + offset, advance: (ms: number) => void (offset += ms) }
})()
let github: FakeGithub

beforeAll(async () => {
  github = await startFakeGithub({ repos: githubFixtureRepos, now: clock.now, budgets: { search: { anonymous: 100 }, core: { anonymous: 1000 } } })
})
afterAll(async () => {
  await github.close()
})
afterEach(() => {
  github.requests.length = 0
  github.resetRateLimits()
})

async function get(path: string, headers: Record<string, string> = {}, base = github.apiUrl) {
  const response = await fetch(`${base}${path}`, { headers })
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as any) : undefined }
}

describe('search', () => {
  it('answers in the real shape, applying topic qualifiers and matching text on name, description and topics', async () => {
    const { status, body, headers } = await get('/search/repositories?q=postgres+topic:mcp')
    expect(status).toBe(200)
    expect(headers.get('x-ratelimit-resource')).toBe('search')
    expect(body).toMatchObject({ total_count: 2, incomplete_results: false })
    expect(body.items.map((item: { full_name: string }) => item.full_name)).toEqual(['example/postgres-mcp', 'legacy/old-mcp-server'])
    expect(body.items[0]).toMatchObject({
      id: expect.any(Number),
      name: 'postgres-mcp',
      full_name: 'example/postgres-mcp',
      owner: { login: 'example', type: 'Organization' },
      html_url: 'https://github.com/example/postgres-mcp',
      url: `${github.apiUrl}/repos/example/postgres-mcp`,
      stargazers_count: 1280,
      license: { key: 'mit', spdx_id: 'MIT' },
      topics: ['mcp', 'mcp-server', 'postgres', 'postgresql'],
      archived: false,
      default_branch: 'main',
      score: 1,
    })
    // By topic only (the description does not say "weather").
    expect((await get('/search/repositories?q=python+topic:mcp-server')).body.items.map((item: { name: string }) => item.name)).toEqual(['weather-mcp-py'])
  })

  it('applies in:, archived:, user:, -topic:, fork:, language:, sort and paging', async () => {
    const names = async (q: string, extra = '') => (await get(`/search/repositories?q=${encodeURIComponent(q)}${extra}`)).body.items.map((item: { full_name: string }) => item.full_name)
    expect(await names('postgres in:name')).toEqual(['example/postgres-tools', 'example/postgres-mcp'])
    expect(await names('postgres archived:false topic:mcp')).toEqual(['example/postgres-mcp'])
    expect(await names('user:LEGACY')).toEqual(['legacy/old-mcp-server'])
    expect(await names('topic:mcp -topic:docker language:go')).toEqual([])
    expect(await names('topic:mcp fork:only')).toEqual([])
    expect(await names('"postgres-mcp"')).toEqual(['example/postgres-mcp'])
    expect(await names('topic:mcp', '&sort=stars&order=asc')).toEqual(['legacy/old-mcp-server', 'octo/fetch-mcp', 'example/postgres-mcp'])
    const page = await get('/search/repositories?q=topic:mcp&sort=stars&per_page=1&page=2')
    expect(page.body.items.map((item: { full_name: string }) => item.full_name)).toEqual(['octo/fetch-mcp'])
    expect(page.headers.get('link')).toMatch(/page=1.*rel="prev".*page=3.*rel="next".*rel="last".*rel="first"/)
    expect(parseGithubSearchQuery('a "b c" topic:X in:name,topics')).toMatchObject({ terms: ['a', 'b c'], topics: ['x'], fields: new Set(['name', 'topics']) })
  })

  it('refuses a missing or overlong query and pages past 1000 results with 422', async () => {
    expect(await get('/search/repositories')).toMatchObject({ status: 422, body: { message: 'Validation Failed', errors: [{ field: 'q', code: 'missing' }] } })
    expect((await get(`/search/repositories?q=${'x'.repeat(257)}`)).status).toBe(422)
    expect((await get('/search/repositories?q=mcp&per_page=100&page=11')).status).toBe(422)
  })
})

describe('repositories, releases, tags and contents', () => {
  it('finds repositories case-insensitively and answers unknown ones with GitHub 404 JSON', async () => {
    expect((await get('/repos/EXAMPLE/Postgres-MCP')).body).toMatchObject({ full_name: 'example/postgres-mcp', subscribers_count: expect.any(Number) })
    expect(await get('/repos/example/nothing')).toMatchObject({ status: 404, body: { message: 'Not Found', documentation_url: expect.stringContaining('docs.github.com') } })
    expect((await get('/unknown/route')).status).toBe(404)
    expect((await fetch(`${github.apiUrl}/repos/example/postgres-mcp`, { method: 'POST' })).status).toBe(404)
  })

  it('lists releases newest first with drafts, and tags, paginated', async () => {
    const releases = await get('/repos/example/postgres-mcp/releases?per_page=2')
    expect(releases.body.map((release: { tag_name: string }) => release.tag_name)).toEqual(['v2.0.0', 'v1.5.0-beta.1'])
    expect(releases.body[0]).toMatchObject({ draft: true, published_at: null, html_url: 'https://github.com/example/postgres-mcp/releases/tag/v2.0.0' })
    expect(releases.body[1]).toMatchObject({ prerelease: true, published_at: '2025-06-18T12:00:00Z' })
    expect(releases.headers.get('link')).toContain('rel="next"')
    const tags = await get('/repos/acme/weather-mcp-py/tags')
    expect(tags.body.map((tag: { name: string }) => tag.name)).toEqual(['v0.3.0', 'v0.2.1', 'v0.2.0', 'nightly'])
    expect(tags.body[0]).toMatchObject({ commit: { sha: expect.stringMatching(/^[0-9a-f]{40}$/) } })
    expect((await get('/repos/example/postgres-mcp/tags')).body.map((tag: { name: string }) => tag.name)).toEqual(['v1.5.0-beta.1', 'v1.4.0', 'v1.3.0'])
  })

  it('serves files base64-encoded as GitHub does, directory listings, and 404s', async () => {
    const file = await get('/repos/example/postgres-mcp/contents/package.json?ref=main')
    expect(file.body).toMatchObject({ type: 'file', encoding: 'base64', name: 'package.json', path: 'package.json', size: expect.any(Number) })
    const text = Buffer.from(file.body.content, 'base64').toString('utf8')
    expect(JSON.parse(text)).toMatchObject({ mcpName: 'io.github.example/postgres' })
    expect(file.body.sha).toBe(gitBlobSha(text))
    expect(file.body.content.split('\n').every((line: string) => line.length <= 60)).toBe(true)

    const root = await get('/repos/example/postgres-mcp/contents/')
    expect(root.body.map((entry: { name: string; type: string }) => `${entry.type}:${entry.name}`)).toEqual(['file:package.json', 'file:README.md', 'file:server.json', 'dir:src'])
    expect(root.body[0].content).toBeUndefined()
    expect((await get('/repos/example/postgres-mcp/contents/src')).body.map((entry: { path: string }) => entry.path)).toEqual(['src/index.ts'])
    expect((await get('/repos/example/postgres-mcp/contents')).body).toHaveLength(4)
    expect(await get('/repos/example/postgres-mcp/contents/pyproject.toml')).toMatchObject({ status: 404, body: { message: 'Not Found' } })
    expect(await get('/repos/example/postgres-mcp/contents/package.json?ref=no-such-branch')).toMatchObject({ status: 404, body: { message: 'No commit found for the ref no-such-branch' } })
    expect((await get('/repos/example/postgres-mcp/contents/package.json?ref=v1.4.0')).status).toBe(200)
  })

  it('serves large files without content, and says an empty repository is empty', async () => {
    github.setRepo(buildGithubRepo({ owner: 'big', name: 'files', files: { 'data.json': 'x'.repeat(1024 * 1024 + 1) } }))
    github.setRepo(buildGithubRepo({ owner: 'empty', name: 'repo' }))
    try {
      expect((await get('/repos/big/files/contents/data.json')).body).toMatchObject({ encoding: 'none', content: '' })
      expect(await get('/repos/empty/repo/contents/')).toMatchObject({ status: 404, body: { message: 'This repository is empty.' } })
    } finally {
      github.removeRepo('big/files')
      github.removeRepo('empty/repo')
    }
  })
})

describe('authentication and API versions', () => {
  it('refuses unknown tokens and unsupported API versions', async () => {
    const strict = await startFakeGithub({ repos: githubFixtureRepos, tokens: ['good'] })
    try {
      expect(await get('/repos/example/postgres-mcp', { authorization: 'Bearer bad' }, strict.apiUrl)).toMatchObject({ status: 401, body: { message: 'Bad credentials' } })
      expect(await get('/repos/example/postgres-mcp', { authorization: 'Basic abc' }, strict.apiUrl)).toMatchObject({ status: 401 })
      expect((await get('/repos/example/postgres-mcp', { authorization: 'token good' }, strict.apiUrl)).status).toBe(200)
      expect((await get('/repos/example/postgres-mcp', { 'x-github-api-version': '1999-01-01' }, strict.apiUrl)).status).toBe(400)
    } finally {
      await strict.close()
    }
  })
})

describe('rate limits', () => {
  it('reports the budget on every answer and refuses with 403 once it is spent, until the window resets', async () => {
    const limited = await startFakeGithub({ repos: githubFixtureRepos, now: clock.now, budgets: { core: { anonymous: 2 } } })
    try {
      const first = await get('/repos/example/postgres-mcp', {}, limited.apiUrl)
      expect(Object.fromEntries(['limit', 'remaining', 'used', 'resource'].map((name) => [name, first.headers.get(`x-ratelimit-${name}`)]))).toEqual({ limit: '2', remaining: '1', used: '1', resource: 'core' })
      const reset = Number(first.headers.get('x-ratelimit-reset'))
      expect(reset * 1000).toBeGreaterThan(clock.now() + 59 * 60_000)
      await get('/repos/example/nothing', {}, limited.apiUrl)
      const refused = await get('/repos/example/postgres-mcp', {}, limited.apiUrl)
      expect(refused).toMatchObject({ status: 403, body: { message: expect.stringMatching(/^API rate limit exceeded for 127\.0\.0\.1\./) } })
      expect(refused.headers.get('x-ratelimit-remaining')).toBe('0')
      expect(Number(refused.headers.get('x-ratelimit-reset'))).toBe(reset)
      // Tokens have their own budget; /rate_limit is free.
      expect((await get('/repos/example/postgres-mcp', { authorization: 'Bearer t' }, limited.apiUrl)).status).toBe(200)
      expect((await get('/rate_limit', {}, limited.apiUrl)).body).toMatchObject({ resources: { core: { limit: 2, remaining: 0 }, search: { limit: 10, remaining: 10 } } })
      expect(limited.rateLimit('core')).toMatchObject({ remaining: 0, used: 2 })
      expect(limited.countRequests()).toBe(5)
      expect(limited.countRequests('/repos/')).toBe(4)

      clock.advance(61 * 60_000)
      expect((await get('/repos/example/postgres-mcp', {}, limited.apiUrl)).status).toBe(200)
    } finally {
      await limited.close()
    }
  })

  it('answers 304 to a matching If-None-Match without spending budget', async () => {
    const first = await get('/repos/example/postgres-mcp/releases')
    const etag = first.headers.get('etag') ?? ''
    expect(etag).toMatch(/^W\/"[0-9a-f]{40}"$/)
    const revalidated = await fetch(`${github.apiUrl}/repos/example/postgres-mcp/releases`, { headers: { 'if-none-match': etag } })
    expect(revalidated.status).toBe(304)
    expect(revalidated.headers.get('x-ratelimit-used')).toBe('1')
    expect(github.rateLimit('core')).toMatchObject({ used: 1 })
    // A strong form of the same tag matches too; a different one does not.
    expect((await fetch(`${github.apiUrl}/repos/example/postgres-mcp/releases`, { headers: { 'if-none-match': etag.slice(2) } })).status).toBe(304)
    expect((await fetch(`${github.apiUrl}/repos/example/postgres-mcp/releases`, { headers: { 'if-none-match': 'W/"other"' } })).status).toBe(200)
  })

  it('can answer exhausted budgets with 429 and serve the API under a path prefix', async () => {
    const enterprise = await startFakeGithub({ repos: githubFixtureRepos, pathPrefix: '/api/v3/', rateLimitStatus: 429, etags: false })
    try {
      expect(enterprise.apiUrl).toBe(`${enterprise.url}/api/v3`)
      expect((await get('/repos/example/postgres-mcp', {}, enterprise.url)).status).toBe(404)
      const ok = await get('/repos/example/postgres-mcp', {}, enterprise.apiUrl)
      expect(ok.headers.get('etag')).toBeNull()
      enterprise.exhaust('search')
      expect((await get('/search/repositories?q=mcp', {}, enterprise.apiUrl)).status).toBe(429)
      expect(enterprise.countRequests('/search')).toBe(1)
    } finally {
      await enterprise.close()
    }
  })
})
