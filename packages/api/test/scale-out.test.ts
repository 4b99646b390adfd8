/**
 * Two API instances sharing one real Redis (Debian's redis-server, started here) and, where it
 * can be started, one real PostgreSQL holding the job records: a search
 * cached through A is served by B without a request to the registry; a GitHub rate limit met
 * through A stops B before it sends anything; a job started on A is read by B from PostgreSQL,
 * followed to its end through B's event stream (Redis), and cancelled through B.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createTektonMcp } from '@tekton/mcp-app'
import type { TektonMcp } from '@tekton/mcp-app'
import { createCacheManager, memoryCache } from '@tekton/mcp-discovery'
import { fixtureNpmPackages, githubFixtureRepos, startFakeGithub, startFakeNpmRegistry, startPostgres, startRedis } from '@tekton/mcp-testkit'
import type { FakeGithub, FakeNpmRegistry, RedisService } from '@tekton/mcp-testkit'
import pg from 'pg'
import type { Redis } from 'ioredis'
import { connectRedis, createMcpApi, postgresJobStore, redisCache, redisJobStore, redisRateLimiter } from '../src/index'
import type { JobRecord, JobStore, McpApi } from '../src/index'
import { auth, installEnvironment, jsonHeaders, parseSse, removeHomes, temporaryHome, token } from './helpers'

const redis = await startRedis()
const describeWithRedis = 'unavailable' in redis ? describe.skip : describe
// Job records in PostgreSQL when one can be started here (`.ci/run` requires it).
const postgres = 'unavailable' in redis ? 'no Redis' : await startPostgres()
const postgresUrl = typeof postgres === 'string' ? undefined : await postgres.createDatabase('scale_out_jobs')

describeWithRedis('two instances over one Redis', () => {
  let service: RedisService
  let npm: FakeNpmRegistry
  let github: FakeGithub
  const clients: Redis[] = []
  const stores: JobStore[] = []
  let home: string

  beforeAll(async () => {
    service = redis as RedisService
    ;[npm, github] = await Promise.all([
      startFakeNpmRegistry({ packages: Object.values(fixtureNpmPackages()) }),
      // No search budget at all: the first search is refused with the reset time.
      startFakeGithub({ repos: githubFixtureRepos, budgets: { search: { anonymous: 0 } } }),
    ])
    // One install directory, as two instances on one host behind a load balancer would share.
    home = await temporaryHome()
  })

  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close?.()))
    for (const client of clients) client.disconnect()
    await Promise.all([npm?.close(), github?.close()])
    await service?.stop()
    if (typeof postgres !== 'string') await postgres.stop()
    await removeHomes()
  })

  /** One instance: its own memory tier over the shared Redis tier, and the shared job store. */
  function instance(extra: NodeJS.ProcessEnv = {}): { api: McpApi; app: TektonMcp } {
    const client = connectRedis(service.url)
    clients.push(client)
    const cache = createCacheManager({ drivers: [memoryCache(), redisCache({ client })] })
    const app = createTektonMcp({ env: installEnvironment(npm.url, home, { GITHUB_API_URL: github.apiUrl, ...extra }), cwd: home, cache })
    const events = redisJobStore({ client, blockMs: 200 })
    const jobStore = postgresUrl ? postgresJobStore({ url: postgresUrl, events }) : events
    stores.push(jobStore)
    return { api: createMcpApi(app, { token, jobStore }), app }
  }

  it('serves a search cached through A from B without asking the registry', async () => {
    const a = instance()
    const b = instance()
    const first = await a.api.request('/search?q=fixture')
    expect(first.status).toBe(200)
    await a.app.settle({ timeoutMs: 5_000 })
    const asked = npm.countRequests('/-/v1/search')
    expect(asked).toBeGreaterThan(0)
    const second = await b.api.request('/search?q=fixture')
    expect(second.status).toBe(200)
    const answer = (await second.json()) as { results: Array<{ ref: string }>; sources: Array<{ fromCache?: boolean }> }
    expect(answer.results.map((result) => result.ref)).toContain('npm:@fixture/mcp-server')
    expect(npm.countRequests('/-/v1/search')).toBe(asked)
  })

  it('stops B at a GitHub rate limit A met, without a request', async () => {
    const a = instance({ TEKTON_MCP_SOURCES: 'github' })
    const b = instance({ TEKTON_MCP_SOURCES: 'github' })
    const limited = await a.api.request('/search?q=filesystem')
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    await a.app.settle({ timeoutMs: 5_000 })
    const asked = github.countRequests('/search')
    expect(asked).toBeGreaterThan(0)
    // Another query, so no cached answer: only the shared rate-limit state can stop it.
    const also = await b.api.request('/search?q=postgres')
    expect(also.status).toBe(429)
    expect(((await also.json()) as { error: { code: string } }).error.code).toBe('E_RATE_LIMITED')
    expect(github.countRequests('/search')).toBe(asked)
  })

  it("holds a client's rate limit on changing requests across instances", async () => {
    const client = connectRedis(service.url)
    clients.push(client)
    const time = Date.parse('2026-12-07T12:00:00Z')
    const limited = () =>
      createMcpApi(createTektonMcp({ env: installEnvironment(npm.url, home), cwd: home }), {
        token,
        mutationsPerMinute: 2,
        now: () => time,
        clientOf: () => 'agent-1',
        rateLimiter: redisRateLimiter({ client, prefix: 'test-rate:' }),
      })
    const [a, b] = [limited(), limited()]
    const change = (api: McpApi) => api.request('/servers/not-installed/config', { method: 'PUT', headers: jsonHeaders, body: '{}' })
    // Two through A use the client's two; the third, through B, is refused with when to retry.
    expect((await change(a)).status).toBe(404)
    expect((await change(a)).status).toBe(404)
    const refused = await change(b)
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('30')
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('E_TOO_MANY_REQUESTS')
  })

  it("follows a job running on A to its end through B's event stream", async () => {
    const a = instance()
    const b = instance()
    const started = await a.api.request(`/servers/${encodeURIComponent('npm:@fixture/mcp-server')}`, { method: 'POST', headers: jsonHeaders, body: JSON.stringify({ version: '1.0.0' }) })
    expect(started.status).toBe(202)
    const { job, events } = (await started.json()) as { job: JobRecord; events: string }
    const stream = await b.api.request(events, { headers: auth })
    expect(stream.status).toBe(200)
    const parsed = parseSse(await stream.text())
    const end = JSON.parse(parsed.at(-1)?.data ?? '{}') as JobRecord
    expect(end).toMatchObject({ id: job.id, state: 'succeeded', instance: a.api.jobs.instance })
    expect(parsed.filter((event) => event.event === 'step').map((event) => JSON.parse(event.data).step)).toEqual(expect.arrayContaining(['install', 'handshake', 'activate']))
    // Resuming through B from a stream id gives what came after it.
    const resumed = parseSse(await (await b.api.request(events, { headers: { ...auth, 'last-event-id': parsed[1]?.id ?? '' } })).text())
    expect(resumed.map((event) => event.id)).toEqual(parsed.slice(2).map((event) => event.id))
    const state = (await (await b.api.request(`/jobs/${job.id}`, { headers: auth })).json()) as JobRecord
    expect(state).toMatchObject({ state: 'succeeded', instance: a.api.jobs.instance, result: { version: '1.0.0' } })
    if (postgresUrl) {
      // The record B answered with is PostgreSQL's: the row says who ran it and how it ended.
      expect(((await (await b.api.request('/health')).json()) as { jobStore: string }).jobStore).toBe('postgresql+redis')
      const client = new pg.Client({ connectionString: postgresUrl })
      await client.connect()
      try {
        const { rows } = await client.query<{ state: string; instance: string; host: string; finished_at: Date | null; result: { version: string } }>('SELECT * FROM tekton_mcp_jobs WHERE id = $1', [job.id])
        expect(rows).toHaveLength(1)
        expect(rows[0]).toMatchObject({ state: 'succeeded', instance: a.api.jobs.instance, host: job.host, result: { version: '1.0.0' } })
        expect(rows[0]?.finished_at).toBeInstanceOf(Date)
      } finally {
        await client.end()
      }
    }
  })

  it('cancels through B a job running on A', async () => {
    const a = instance()
    const b = instance()
    // 1.2.0 hangs in its handshake until cancelled.
    const started = await a.api.request(`/servers/${encodeURIComponent('npm:@fixture/mcp-server')}/update`, {
      method: 'POST',
      headers: jsonHeaders,
      body: JSON.stringify({ to: '1.2.0', handshakeTimeoutMs: 600_000, approvals: { toolChanges: true } }),
    })
    expect(started.status).toBe(202)
    const { job, events } = (await started.json()) as { job: JobRecord; events: string }
    const stream = await b.api.request(events, { headers: auth })
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    let text = ''
    while (!text.includes('"step":"handshake","phase":"start"')) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`ended before the handshake: ${text}`)
      text += decoder.decode(value, { stream: true })
    }
    expect((await b.api.request(`/jobs/${job.id}`, { method: 'DELETE', headers: auth })).status).toBe(202)
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
    expect(JSON.parse(parseSse(text).at(-1)?.data ?? '{}')).toMatchObject({ state: 'cancelled', error: { code: 'E_ABORTED' } })
    const server = (await (await b.api.request('/servers/mcp-server')).json()) as { installed: { activeVersion: string } }
    expect(server.installed.activeVersion).toBe('1.0.0')
  })
})
