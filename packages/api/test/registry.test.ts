/**
 * The registry-compatible endpoint: the official registry source (`@tekton/mcp-registry-official`)
 * pointed at this API, through a real listener, passes the source conformance suite, so a client
 * that can point at a registry can use the API as a mirror of the merged catalogue.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { serve } from '@hono/node-server'
import { createHttpClient, serverJsonName } from '@tekton/mcp-discovery'
import { registrySourceConformance } from '@tekton/mcp-discovery/testing'
import { createOfficialRegistry } from '@tekton/mcp-registry-official'
import { fixtureNpmPackages, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { createMcpApi } from '../src/index'
import { applicationFor, removeHomes, token } from './helpers'

/** The API over a fake npm registry, on a loopback port; its base URL and a way to stop both. */
async function startMirror(): Promise<{ baseUrl: string; npm: FakeNpmRegistry; close: () => Promise<void> }> {
  const npm = await startFakeNpmRegistry({ packages: Object.values(fixtureNpmPackages()) })
  const { app } = await applicationFor(npm.url)
  const api = createMcpApi(app, { token })
  const server = serve({ fetch: api.fetch, hostname: '127.0.0.1', port: 0 })
  await new Promise((resolve) => server.once('listening', resolve))
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    baseUrl,
    npm,
    close: async () => {
      await new Promise((resolve) => server.close(resolve))
      await npm.close()
      await removeHomes()
    },
  }
}

function sourceFor(baseUrl: string) {
  return createOfficialRegistry({
    baseUrl,
    http: createHttpClient({ backoffMs: 1, retries: 1, timeoutMs: 60_000 }),
    env: { TEKTON_MCP_HOME: path.join('/tmp', 'tekton-mcp-api-registry-never-used') },
    catalog: false,
    initialSync: false,
    backgroundSync: false,
  })
}

registrySourceConformance(
  { describe, it, beforeAll, afterAll },
  {
    name: 'registry pointed at the tekton-mcp API',
    async setup() {
      const mirror = await startMirror()
      return {
        source: sourceFor(mirror.baseUrl),
        knownId: 'dev.tekton.discovered/fixture-mcp-server',
        missingId: 'io.github.example/does-not-exist',
        searchText: 'fixture',
        teardown: mirror.close,
      }
    },
  },
)

describe('GET /v0.1/servers', () => {
  let mirror: Awaited<ReturnType<typeof startMirror>>
  beforeAll(async () => {
    mirror = await startMirror()
  })
  afterAll(() => mirror.close())

  it('answers in the registry’s shape, with versions and problem+json for a missing server', async () => {
    const list = (await (await fetch(`${mirror.baseUrl}/v0.1/servers?search=fixture&limit=5`)).json()) as {
      servers: Array<{ server: { name: string; version: string }; _meta: Record<string, { isLatest: boolean }> }>
      metadata: { count: number }
    }
    expect(list.metadata.count).toBe(list.servers.length)
    const entry = list.servers.find((candidate) => candidate.server.name === 'dev.tekton.discovered/fixture-mcp-server')
    expect(entry?.server.version).toBe('2.0.0')
    expect(entry?._meta['io.modelcontextprotocol.registry/official']?.isLatest).toBe(true)
    const name = encodeURIComponent('dev.tekton.discovered/fixture-mcp-server')
    const versions = (await (await fetch(`${mirror.baseUrl}/v0.1/servers/${name}/versions`)).json()) as { servers: Array<{ server: { version: string } }> }
    expect(versions.servers.map((item) => item.server.version)).toEqual(['2.0.0', '1.3.0', '1.2.0', '1.1.0', '1.0.0'])
    const old = (await (await fetch(`${mirror.baseUrl}/v0.1/servers/${name}/versions/1.0.0`)).json()) as { server: { version: string; packages: Array<{ version: string }> } }
    expect(old.server).toMatchObject({ version: '1.0.0', packages: [{ version: '1.0.0' }] })
    const missing = await fetch(`${mirror.baseUrl}/v0.1/servers/${encodeURIComponent('io.github.example/nothing')}/versions/latest`)
    expect(missing.status).toBe(404)
    expect(missing.headers.get('content-type')).toBe('application/problem+json')
    expect(await missing.json()).toEqual({ title: 'Not Found', status: 404, detail: 'Server not found' })
    const bad = await fetch(`${mirror.baseUrl}/v0.1/servers?updated_since=yesterday`)
    expect(bad.status).toBe(400)
    expect(serverJsonName({ name: '@fixture/mcp-server' } as never)).toBe('dev.tekton.discovered/fixture-mcp-server')
  })
})
