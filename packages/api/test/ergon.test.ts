/**
 * Ergon's routes against a real SQLite repository (TEKTON_ROOT in a temp directory): an install
 * with `register: true` leaves the server and its tools registered, the read routes show them,
 * an uninstall under TEKTON_MCP_ERGON_REGISTER=1 soft-deletes them, and failures answer with the
 * catalogue's statuses (404 not registered / not installed, 503 store unreachable).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createServer } from 'node:net'
import path from 'node:path'
import { createTektonMcp } from '@tekton/mcp-app'
import { fixtureNpmPackages, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { createMcpApi } from '../src/index'
import type { JobRecord, McpApi } from '../src/index'
import { auth, installEnvironment, jsonHeaders, parseSse, removeHomes, temporaryHome, token } from './helpers'

const fixture = '@fixture/mcp-server'
const encoded = encodeURIComponent(`npm:${fixture}`)

let registry: FakeNpmRegistry
let home: string

beforeAll(async () => {
  registry = await startFakeNpmRegistry({ packages: Object.values(fixtureNpmPackages()) })
  home = await temporaryHome()
})

afterAll(async () => {
  await registry?.close()
  await removeHomes()
})

function apiWith(extra: NodeJS.ProcessEnv = {}): McpApi {
  const env = installEnvironment(registry.url, home, { TEKTON_ROOT: path.join(home, 'Tekton'), ...extra })
  return createMcpApi(createTektonMcp({ env, cwd: home }), { token })
}

async function finished(api: McpApi, events: string): Promise<JobRecord> {
  const parsed = parseSse(await (await api.request(events, { headers: auth })).text())
  return JSON.parse(parsed.at(-1)?.data ?? '{}') as JobRecord
}

interface Listing {
  store: string
  servers: Array<{ server: { id: number; name: string; type: string }; tools?: Array<{ name: string; entry_point: string }> }>
}

describe("Ergon's routes", () => {
  it(
    'registers on install when asked, lists, searches, unregisters and re-registers through the routes',
    async () => {
      const api = apiWith()
      const started = await api.request(`/servers/${encoded}`, { method: 'POST', headers: jsonHeaders, body: JSON.stringify({ version: '1.0.0', register: true }) })
      expect(started.status).toBe(202)
      const job = await finished(api, ((await started.json()) as { events: string }).events)
      expect(job.state).toBe('succeeded')
      const ergon = (job.result as { ergon: { success: boolean; action: string; component_id: number; capabilities: string[] } }).ergon
      expect(ergon).toMatchObject({ success: true, action: 'register', capabilities: ['echo', 'report_env'] })

      const listed = (await (await api.request('/ergon/servers?tools=true')).json()) as Listing
      expect(listed.store).toBe(`sqlite ${path.join(home, 'Tekton', 'Ergon', 'ergon.db')}`)
      expect(listed.servers).toHaveLength(1)
      expect(listed.servers[0]?.server).toMatchObject({ id: ergon.component_id, type: 'mcp_server', name: fixture })
      expect(listed.servers[0]?.tools?.map((tool) => tool.entry_point)).toEqual(['echo', 'report_env'])
      const withoutTools = (await (await api.request('/ergon/servers')).json()) as Listing
      expect(withoutTools.servers[0]?.tools).toBeUndefined()

      const searched = (await (await api.request('/ergon/search?q=environment&limit=5')).json()) as { query: string; results: Array<{ component: { name: string; type: string } }> }
      expect(searched.query).toBe('environment')
      expect(searched.results.map((result) => result.component.name)).toContain(`${fixture}:report_env`)
      const empty = await api.request('/ergon/search?q=')
      expect(empty.status).toBe(400)
      expect(((await empty.json()) as { error: { code: string } }).error.code).toBe('E_INVALID_QUERY')

      // Changing the registration needs the token, like every other change.
      const anonymous = await api.request('/servers/mcp-server/registration', { method: 'DELETE' })
      expect(anonymous.status).toBe(401)

      const unregistered = await api.request('/servers/mcp-server/registration', { method: 'DELETE', headers: auth })
      expect(unregistered.status).toBe(200)
      expect(await unregistered.json()).toMatchObject({ success: true, action: 'unregister', component_id: ergon.component_id })
      expect(((await (await api.request('/ergon/servers')).json()) as Listing).servers).toEqual([])

      // The body may be left out.
      const registered = await api.request('/servers/mcp-server/registration', { method: 'POST', headers: auth })
      expect(registered.status).toBe(200)
      expect(await registered.json()).toMatchObject({ success: true, action: 'register', component_id: ergon.component_id, capabilities: ['echo', 'report_env'] })
      const withBody = await api.request('/servers/mcp-server/registration', { method: 'POST', headers: jsonHeaders, body: '{}' })
      expect(withBody.status).toBe(200)
      const asForm = await api.request('/servers/mcp-server/registration', { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: 'x' })
      expect(asForm.status).toBe(415)
    },
    180_000,
  )

  it(
    'follows an uninstall job into Ergon under TEKTON_MCP_ERGON_REGISTER=1',
    async () => {
      const api = apiWith({ TEKTON_MCP_ERGON_REGISTER: '1' })
      const started = await api.request('/servers/mcp-server', { method: 'DELETE', headers: auth })
      expect(started.status).toBe(202)
      const job = await finished(api, ((await started.json()) as { events: string }).events)
      expect(job).toMatchObject({ state: 'succeeded', result: { ergon: { success: true, action: 'unregister', tools: { removed: ['echo', 'report_env'] } } } })
      expect(((await (await api.request('/ergon/servers')).json()) as Listing).servers).toEqual([])
    },
    180_000,
  )

  it('answers with the catalogue: 404 not registered or not installed, 503 when the store is unreachable', async () => {
    const api = apiWith()
    const missing = await api.request('/servers/never-registered/registration', { method: 'DELETE', headers: auth })
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('E_NOT_REGISTERED')
    const notInstalled = await api.request('/servers/not-installed/registration', { method: 'POST', headers: auth })
    expect(notInstalled.status).toBe(404)
    expect(((await notInstalled.json()) as { error: { code: string } }).error.code).toBe('E_NOT_INSTALLED')

    // A port nothing listens on: PostgreSQL cannot be reached.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address() as { port: number }
        server.close(() => resolve(address.port))
      })
    })
    const unreachable = apiWith({ DATABASE_URL: `postgresql://tekton:secret@127.0.0.1:${port}/ergon` })
    const failed = await unreachable.request('/ergon/servers')
    expect(failed.status).toBe(503)
    const body = (await failed.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('E_ERGON_STORE')
    expect(body.error.message).not.toContain('secret')
  })
})
