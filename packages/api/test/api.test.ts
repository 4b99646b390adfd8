/**
 * The API end to end without a port (`app.request()`): a real npm (from PATH) installs the fixture
 * MCP server from a loopback registry, a real handshake runs, and every route answers with what
 * the CLI's command would show. Installs take seconds on a loaded machine, so one install is
 * shared by the tests that only read.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { buildFixtureServerPackage, fixtureNpmPackages, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { createMcpApi } from '../src/index'
import type { JobRecord, McpApi } from '../src/index'
import { applicationFor, auth, jsonHeaders, parseSse, removeHomes, token } from './helpers'

const ref = 'npm:@fixture/mcp-server'
const encoded = encodeURIComponent(ref)

let registry: FakeNpmRegistry

beforeAll(async () => {
  registry = await startFakeNpmRegistry({
    packages: [
      ...Object.values(fixtureNpmPackages()),
      buildFixtureServerPackage({ name: 'plain-tool', description: 'A command-line tool', keywords: ['cli'], versions: [{ version: '1.0.0' }] }),
    ],
  })
})

afterAll(async () => {
  await registry?.close()
  await removeHomes()
})

async function newApi(): Promise<{ api: McpApi; home: string }> {
  const { app, home } = await applicationFor(registry.url)
  return { api: createMcpApi(app, { token }), home }
}

/** Follows a job's events to its end; the final record and every event. */
async function follow(api: McpApi, events: string, headers: Record<string, string> = auth) {
  const response = await api.request(events, { headers })
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
  const parsed = parseSse(await response.text())
  const end = parsed.at(-1)
  expect(end?.event).toBe('end')
  return { events: parsed, job: JSON.parse(end?.data ?? '{}') as JobRecord }
}

describe('one install, then the routes that read it', () => {
  let api: McpApi
  let home: string

  beforeAll(async () => {
    ;({ api, home } = await newApi())
  })

  it('installs as a job: 202 with a Location, step events to the end, the server listed', async () => {
    const planned = await api.request(`/servers/${encoded}?plan=install`)
    expect(planned.status).toBe(200)
    const details = (await planned.json()) as { installed: unknown; plan: { version: string; mcpSigns: string[] }; description: { server: { name: string } } }
    expect(details.installed).toBeNull()
    expect(details.plan.version).toBe('2.0.0')
    expect(details.plan.mcpSigns.length).toBeGreaterThan(0)

    const started = await api.request(`/servers/${encoded}`, { method: 'POST', headers: jsonHeaders, body: JSON.stringify({ version: '1.0.0', env: { API_TOKEN: 'secret-value-1' } }) })
    expect(started.status).toBe(202)
    const accepted = (await started.json()) as { job: JobRecord; events: string }
    expect(accepted.job.state).toBe('running')
    expect(started.headers.get('location')).toBe(`/jobs/${accepted.job.id}`)
    expect(accepted.events).toBe(`/jobs/${accepted.job.id}/events`)

    const { events, job } = await follow(api, accepted.events)
    expect(job).toMatchObject({ state: 'succeeded', kind: 'install', result: { version: '1.0.0', changed: true } })
    const steps = events.filter((event) => event.event === 'step').map((event) => JSON.parse(event.data) as { step: string; phase: string })
    expect(steps).toEqual(expect.arrayContaining([expect.objectContaining({ step: 'install', phase: 'done' }), expect.objectContaining({ step: 'handshake', phase: 'done' })]))
    // Event ids increase, so a client can resume.
    const ids = events.map((event) => Number(event.id))
    expect(ids).toEqual([...ids].sort((left, right) => left - right))

    // Resuming after the third event gives only what came after it.
    const resumed = await follow(api, accepted.events, { ...auth, 'last-event-id': '3' })
    expect(resumed.events.map((event) => event.id)).toEqual(events.slice(3).map((event) => event.id))

    const state = await api.request(`/jobs/${accepted.job.id}`, { headers: auth })
    expect(((await state.json()) as JobRecord).state).toBe('succeeded')

    const list = (await (await api.request('/servers')).json()) as { servers: Array<{ name: string; activeVersion: string; configuration: { env: Record<string, string> } }> }
    expect(list.servers.map((server) => [server.name, server.activeVersion])).toEqual([['@fixture/mcp-server', '1.0.0']])
    expect(JSON.stringify(list)).not.toContain('secret-value-1')
  })

  it('reads and changes the configuration; secrets never come back, forbidden variables are 400', async () => {
    const read = await api.request('/servers/mcp-server/config', { headers: auth })
    expect(read.status).toBe(200)
    expect(await read.json()).toEqual({ name: '@fixture/mcp-server', env: { API_TOKEN: '••••' }, args: [], missingEnv: [] })

    const changed = await api.request('/servers/mcp-server/config', { method: 'PUT', headers: jsonHeaders, body: JSON.stringify({ env: { LOG_LEVEL: 'debug' }, args: ['--verbose'] }) })
    expect(changed.status).toBe(200)
    expect(await changed.json()).toMatchObject({ env: { API_TOKEN: '••••', LOG_LEVEL: 'debug' }, args: ['--verbose'] })

    const forbidden = await api.request('/servers/mcp-server/config', { method: 'PUT', headers: jsonHeaders, body: JSON.stringify({ env: { NODE_OPTIONS: '--require /tmp/x.js' } }) })
    expect(forbidden.status).toBe(400)
    expect(((await forbidden.json()) as { error: { code: string } }).error.code).toBe('E_FORBIDDEN_ENV')
  })

  it('describes an installed server by name, with its versions', async () => {
    const details = (await (await api.request('/servers/mcp-server')).json()) as { installed: { name: string }; description: { versions: unknown[] } | null }
    expect(details.installed.name).toBe('@fixture/mcp-server')
    const versions = (await (await api.request('/servers/mcp-server/versions')).json()) as { versions: Array<{ version: string }> }
    expect(versions.versions.map((version) => version.version)).toEqual(['2.0.0', '1.3.0', '1.2.0', '1.1.0', '1.0.0'])
  })

  it('answers a plan for an update; an update with unapproved tool changes fails its job and the old version stays', async () => {
    const details = (await (await api.request('/servers/mcp-server?plan=update')).json()) as { plan: { version: string; versionChange: string } }
    expect(details.plan).toMatchObject({ version: '2.0.0', versionChange: 'upgrade' })
    // An update whose tools changed, not approved: the job fails and 1.0.0 stays active.
    const started = await api.request('/servers/mcp-server/update', { method: 'POST', headers: jsonHeaders, body: '{}' })
    expect(started.status).toBe(202)
    const { job } = await follow(api, ((await started.json()) as { events: string }).events)
    expect(job).toMatchObject({ state: 'failed', error: { code: 'E_TOOLS_CHANGED' } })
    const downgrade = await api.request('/servers/mcp-server?plan=update&version=1.0.0')
    expect(((await downgrade.json()) as { plan: { versionChange: string } }).plan.versionChange).toBe('same')
    const server = (await (await api.request('/servers/mcp-server')).json()) as { installed: { activeVersion: string } }
    expect(server.installed.activeVersion).toBe('1.0.0')
  })

  it('verifies as a job', async () => {
    const started = await api.request('/servers/mcp-server/verify', { method: 'POST', headers: jsonHeaders, body: JSON.stringify({ handshake: false }) })
    expect(started.status).toBe(202)
    const { job } = await follow(api, ((await started.json()) as { events: string }).events)
    expect(job).toMatchObject({ state: 'succeeded', result: { ok: true, version: '1.0.0' } })
  })

  it('uninstalls as a job, leaving nothing of the server', async () => {
    const started = await api.request('/servers/mcp-server', { method: 'DELETE', headers: auth })
    expect(started.status).toBe(202)
    const { job } = await follow(api, ((await started.json()) as { events: string }).events)
    expect(job.state).toBe('succeeded')
    expect(((await (await api.request('/servers')).json()) as { servers: unknown[] }).servers).toEqual([])
    expect(await readdir(path.join(home, 'data', 'servers'))).toEqual([])
    const gone = await api.request('/servers/mcp-server', { method: 'DELETE', headers: auth })
    expect(gone.status).toBe(404)
    expect(await gone.json()).toEqual({ error: { code: 'E_NOT_INSTALLED', message: '"mcp-server" is not installed', hint: 'List the installed servers to see their names' } })
  })
})

describe('refusals before a job starts', () => {
  let api: McpApi
  beforeAll(async () => {
    ;({ api } = await newApi())
  })

  it('refuses a package that is no MCP server unless approved, as the CLI does', async () => {
    const refused = await api.request(`/servers/${encodeURIComponent('npm:plain-tool')}`, { method: 'POST', headers: jsonHeaders, body: '{}' })
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('E_NOT_MCP_SERVER')
  })

  it('answers 404 for an unknown package, 400 for a malformed body, never a stack trace', async () => {
    const missing = await api.request(`/servers/${encodeURIComponent('npm:no-such-package')}`, { method: 'POST', headers: jsonHeaders, body: '{}' })
    expect(missing.status).toBe(404)
    const invalid = await api.request(`/servers/${encoded}`, { method: 'POST', headers: jsonHeaders, body: JSON.stringify({ version: 5 }) })
    expect(invalid.status).toBe(400)
    const body = (await invalid.json()) as { error: { code: string; message: string } }
    expect(body.error).toMatchObject({ code: 'E_INVALID_INPUT', message: expect.stringContaining('version') })
    const unknown = await api.request(`/servers/${encoded}`, { method: 'POST', headers: jsonHeaders, body: JSON.stringify({ approvals: { everything: true } }) })
    expect(unknown.status).toBe(400)
    const route = await api.request('/nowhere')
    expect(route.status).toBe(404)
    for (const response of [missing, route]) expect(await response.text()).not.toMatch(/\n\s+at /)
  })

  it('searches with a status per source', async () => {
    const response = await api.request('/search?q=fixture&limit=5')
    expect(response.status).toBe(200)
    const answer = (await response.json()) as { results: Array<{ server: { name: string } }>; sources: Array<{ source: string; state: string }> }
    expect(answer.sources.map((status) => status.source)).toEqual(['npm'])
    expect(answer.results.length).toBeGreaterThan(0)
    const bad = await api.request('/search?q=x&limit=500')
    expect(bad.status).toBe(400)
  })

  it('shares one answer between identical searches for searchMemoMs, then asks the app again', async () => {
    const { app } = await applicationFor(registry.url)
    const asked: string[] = []
    const search = app.search
    app.search = (query, lookup) => {
      asked.push(query.text)
      return search(query, lookup)
    }
    let clock = Date.parse('2026-01-01T00:00:00Z')
    const memoized = createMcpApi(app, { token, searchMemoMs: 1000, now: () => clock })
    const first = await (await memoized.request('/search?q=fixture&limit=5')).text()
    // The same query string, and the same query spelled another way: one answer, no second search.
    expect(await (await memoized.request('/search?q=fixture&limit=5')).text()).toBe(first)
    expect(await (await memoized.request('/search?limit=5&q=fixture')).text()).toBe(first)
    expect(asked).toEqual(['fixture'])
    // A refresh is never shared, and a shared answer ends with the memo window.
    expect((await memoized.request('/search?q=fixture&limit=5&refresh=true')).status).toBe(200)
    clock += 1000
    expect((await memoized.request('/search?q=fixture&limit=5')).status).toBe(200)
    expect(asked).toEqual(['fixture', 'fixture', 'fixture'])
    // Invalid input is still refused, memo or not.
    expect((await memoized.request('/search?q=x&limit=500')).status).toBe(400)
  })

  it('answers 502 with the upstream failure when no source answered', async () => {
    const { app } = await applicationFor('http://127.0.0.1:9')
    const offline = createMcpApi(app, { token })
    const response = await offline.request('/search?q=fixture')
    expect([502, 504]).toContain(response.status)
    expect(((await response.json()) as { error: { code: string } }).error.code).toMatch(/^E_(NETWORK|TIMEOUT|SOURCE_FAILED)$/)
  })
})

describe('cancelling a job', () => {
  it('stops a hanging handshake, removes what was staged and records nothing', async () => {
    const { api, home } = await newApi()
    const started = await api.request(`/servers/${encoded}`, { method: 'POST', headers: jsonHeaders, body: JSON.stringify({ version: '1.2.0', handshakeTimeoutMs: 600_000 }) })
    expect(started.status).toBe(202)
    const accepted = (await started.json()) as { job: JobRecord; events: string }
    // Cancel once the handshake has started: the events say so.
    const stream = await api.request(accepted.events, { headers: auth })
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    let text = ''
    while (!text.includes('"step":"handshake","phase":"start"')) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`stream ended before the handshake: ${text}`)
      text += decoder.decode(value, { stream: true })
    }
    const cancelled = await api.request(`/jobs/${accepted.job.id}`, { method: 'DELETE', headers: auth })
    expect(cancelled.status).toBe(202)
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
    const end = parseSse(text).at(-1)
    expect(end?.event).toBe('end')
    expect(JSON.parse(end?.data ?? '{}')).toMatchObject({ state: 'cancelled', error: { code: 'E_ABORTED' } })
    expect(((await (await api.request('/servers')).json()) as { servers: unknown[] }).servers).toEqual([])
    // The install was staged (the directory exists) and its staging is gone.
    expect(await readdir(path.join(home, 'data', 'staging'))).toEqual([])
    const again = await api.request(`/jobs/${accepted.job.id}`, { method: 'DELETE', headers: auth })
    expect(again.status).toBe(409)
    const unknown = await api.request('/jobs/no-such-job', { headers: auth })
    expect(unknown.status).toBe(404)
  })
})
