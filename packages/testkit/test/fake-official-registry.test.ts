/** The fake official registry behaves as the real API does, since every registry test relies on it. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { generateOfficialServers, officialFixtureServers, officialRegistryMetaKey, startFakeOfficialRegistry } from '@tekton/mcp-testkit'
import type { FakeOfficialRegistry } from '@tekton/mcp-testkit'

interface ListBody {
  servers: Array<{ server: { name: string; version: string }; _meta: Record<string, { status: string; isLatest: boolean; updatedAt: string; statusMessage?: string }> }>
  metadata: { nextCursor?: string; count: number }
}

let registry: FakeOfficialRegistry
let clock = Date.parse('2026-01-10T12:00:00Z')

beforeAll(async () => {
  registry = await startFakeOfficialRegistry({ servers: [...officialFixtureServers, ...generateOfficialServers(150)], now: () => clock })
})
afterAll(async () => {
  await registry.close()
})

async function get(path: string): Promise<{ status: number; type: string | null; body: unknown }> {
  const response = await fetch(`${registry.baseUrl}${path}`)
  const text = await response.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // plain-text 404 of the router
  }
  return { status: response.status, type: response.headers.get('content-type'), body }
}

async function list(query: string): Promise<ListBody> {
  const response = await get(`/v0.1/servers?${query}`)
  expect(response.status).toBe(200)
  return response.body as ListBody
}

const names = (body: ListBody) => body.servers.map((entry) => entry.server.name)

describe('fake official registry: list', () => {
  it('pages with opaque cursors until the last page, which has none', async () => {
    const seen: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const body = await list(`version=latest&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      expect(body.metadata.count).toBe(body.servers.length)
      seen.push(...names(body))
      cursor = body.metadata.nextCursor
      if (cursor) expect(cursor).not.toContain('io.github')
      pages += 1
    } while (cursor)
    expect(pages).toBe(2)
    // 150 bulk servers + 8 fixture servers listed (the deleted one is hidden).
    expect(seen).toHaveLength(158)
    expect(new Set(seen).size).toBe(seen.length)
    expect([...seen].sort()).toEqual(seen)
  })

  it('answers 30 by default and refuses a limit outside 1..100 with a 422 problem', async () => {
    expect((await list('')).servers).toHaveLength(30)
    for (const limit of ['101', '0', 'many']) {
      const response = await get(`/v0.1/servers?limit=${limit}`)
      expect(response.status).toBe(422)
      expect(response.type).toBe('application/problem+json')
      expect(response.body).toMatchObject({ title: 'Unprocessable Entity', status: 422, errors: [expect.objectContaining({ location: 'query.limit' })] })
    }
  })

  it('searches names case-insensitively by substring, and names only', async () => {
    expect(names(await list('search=POSTGRES&version=latest'))).toEqual(['io.github.example/postgres'])
    expect(names(await list('search=databases'))).toEqual([])
  })

  it('lists every version without version=latest, and only the latest with it', async () => {
    const all = await list('search=postgres&limit=100')
    expect(all.servers.map((entry) => entry.server.version)).toEqual(['0.9.0', '1.0.0', '1.1.0'])
    expect(all.servers.map((entry) => entry._meta[officialRegistryMetaKey]?.isLatest)).toEqual([false, false, true])
    expect((await list('search=postgres&version=1.0.0')).servers.map((entry) => entry.server.version)).toEqual(['1.0.0'])
  })

  it('hides deleted servers unless asked, and always includes them with updated_since', async () => {
    expect(names(await list('search=free-gpt'))).toEqual([])
    expect(names(await list('search=free-gpt&include_deleted=true'))).toEqual(['io.github.spam-account/free-gpt-credits'])
    const since = await list('updated_since=2025-09-30T00:00:00Z&version=latest&limit=100')
    expect(names(since)).toEqual(expect.arrayContaining(['io.github.spam-account/free-gpt-credits', 'io.github.example/postgres']))
    expect(names(since)).not.toContain('io.github.modelcontextprotocol/server-fetch')
  })

  it('refuses bad updated_since, include_deleted=false with it, and foreign cursors', async () => {
    expect((await get('/v0.1/servers?updated_since=yesterday')).status).toBe(400)
    expect((await get('/v0.1/servers?updated_since=2025-01-01T00:00:00Z&include_deleted=false')).status).toBe(400)
    expect((await get('/v0.1/servers?include_deleted=maybe')).status).toBe(422)
    expect((await get('/v0.1/servers?cursor=not-a-cursor')).body).toMatchObject({ status: 400, detail: 'Invalid cursor parameter' })
  })
})

describe('fake official registry: one server', () => {
  it('lists versions newest first and answers a version or latest', async () => {
    const versions = await get('/v0.1/servers/io.github.example%2Fpostgres/versions')
    expect((versions.body as ListBody).servers.map((entry) => entry.server.version)).toEqual(['1.1.0', '1.0.0', '0.9.0'])
    expect((await get('/v0.1/servers/io.github.example%2Fpostgres/versions/latest')).body).toMatchObject({ server: { version: '1.1.0' } })
    expect((await get('/v0.1/servers/io.github.example%2Fpostgres/versions/1.0.0')).body).toMatchObject({ server: { version: '1.0.0' } })
  })

  it('answers 404 problems as the real API does, and the router 404 for an unencoded slash', async () => {
    for (const path of ['/v0.1/servers/io.github.example%2Fnope/versions', '/v0.1/servers/io.github.example%2Fpostgres/versions/9.9.9', '/v0.1/servers/io.github.spam-account%2Ffree-gpt-credits/versions/latest']) {
      const response = await get(path)
      expect(response.status).toBe(404)
      expect(response.type).toBe('application/problem+json')
      expect(response.body).toMatchObject({ title: 'Not Found', status: 404, detail: 'Server not found' })
    }
    expect(await get('/v0.1/servers/io.github.example/postgres/versions')).toMatchObject({ status: 404, body: '404 page not found' })
    expect((await get('/v0.1/servers/io.github.spam-account%2Ffree-gpt-credits/versions/latest?include_deleted=true')).status).toBe(200)
    expect((await fetch(`${registry.baseUrl}/v0.1/servers`, { method: 'POST' })).status).toBe(405)
  })
})

describe('fake official registry: changes at runtime', () => {
  it('publishes, edits, deprecates and deletes, moving updatedAt', async () => {
    clock = Date.parse('2026-02-01T00:00:00Z')
    registry.publish({ server: { name: 'io.github.example/postgres', description: 'x', version: '1.0.5' } })
    expect((await get('/v0.1/servers/io.github.example%2Fpostgres/versions/latest')).body).toMatchObject({ server: { version: '1.1.0' } })
    registry.publish({ server: { name: 'io.github.example/postgres', description: 'x', version: '2.0.0' } })
    expect((await get('/v0.1/servers/io.github.example%2Fpostgres/versions/latest')).body).toMatchObject({ server: { version: '2.0.0' } })
    expect(() => registry.publish({ server: { name: 'io.github.example/postgres', description: 'x', version: '2.0.0' } })).toThrow(/already published/)

    clock = Date.parse('2026-02-02T00:00:00Z')
    registry.updateServer('io.github.bulk/server-001', { description: 'Edited' })
    registry.setStatus('io.github.bulk/server-002', 'deprecated', { statusMessage: 'Use server-003' })
    registry.deleteServer('io.github.bulk/server-004')
    const changed = await list('updated_since=2026-02-01T12:00:00Z&version=latest')
    expect(changed.servers.map((entry) => [entry.server.name, entry._meta[officialRegistryMetaKey]?.status])).toEqual([
      ['io.github.bulk/server-001', 'active'],
      ['io.github.bulk/server-002', 'deprecated'],
      ['io.github.bulk/server-004', 'deleted'],
    ])
    expect(registry.entries('io.github.bulk/server-002')[0]?.statusMessage).toBe('Use server-003')
    registry.removeServer('io.github.bulk/server-003')
    expect(registry.entries('io.github.bulk/server-003')).toEqual([])
    expect(() => registry.setStatus('io.github.nobody/none', 'deleted')).toThrow(/no such server/)
  })

  it('counts requests and exposes their URLs', () => {
    expect(registry.countRequests('/v0.1/servers')).toBe(registry.requestUrls('/v0.1/servers').length)
    expect(registry.requestUrls('/v0.1/servers').some((url) => url.searchParams.get('search') === 'POSTGRES')).toBe(true)
  })
})

describe('fake official registry under a sub-path', () => {
  it('serves the API under basePath only, and counts requests relative to it', async () => {
    const mirror = await startFakeOfficialRegistry({ servers: officialFixtureServers, basePath: '/mirror/' })
    try {
      expect(mirror.baseUrl).toBe(`${mirror.url}/mirror`)
      expect((await fetch(`${mirror.url}/v0.1/servers`)).status).toBe(404)
      expect((await fetch(`${mirror.baseUrl}/v0.1/servers`)).status).toBe(200)
      expect(mirror.countRequests('/v0.1/servers')).toBe(1)
      expect(mirror.countRequests()).toBe(2)
    } finally {
      await mirror.close()
    }
    await expect(startFakeOfficialRegistry({ basePath: 'mirror' })).rejects.toThrow(/basePath/)
  })
})
