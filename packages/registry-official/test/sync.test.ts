import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { TektonError, createCombinedRegistry, createRequestTrace } from '@tekton/mcp-discovery'
import { generateOfficialServers, officialFixtureServers, startFakeOfficialRegistry } from '@tekton/mcp-testkit'
import type { FakeOfficialRegistry } from '@tekton/mcp-testkit'
import type { OfficialRegistryOptions } from '../src/index'
import { catalogFileName } from '../src/catalog'
import { tempDir, testSource } from './helpers'

const hour = 60 * 60 * 1000
let registry: FakeOfficialRegistry
let directory: { dir: string; cleanup: () => Promise<void> }
let clock: number

beforeEach(async () => {
  registry = await startFakeOfficialRegistry({ servers: [...officialFixtureServers, ...generateOfficialServers(150)] })
  directory = await tempDir()
  clock = Date.now()
})
afterEach(async () => {
  await registry.close()
  await directory.cleanup()
})

function source(options: OfficialRegistryOptions = {}) {
  return testSource(registry.baseUrl, { catalog: true, catalogDir: directory.dir, now: () => clock, ...options })
}

const listRequests = () => registry.requestUrls('/v0.1/servers').filter((url) => url.pathname === '/v0.1/servers')

describe('sync', () => {
  it('copies the whole catalogue first, then fetches only what changed since (updated_since)', async () => {
    const registrySource = source()
    const first = await registrySource.sync()
    expect(first).toMatchObject({ full: true, added: 158, updated: 0, removed: 0, total: 158, pages: 2 })
    const firstRequests = listRequests()
    expect(firstRequests.map((url) => Object.fromEntries(url.searchParams))).toEqual([
      { version: 'latest', limit: '100' },
      { version: 'latest', limit: '100', cursor: expect.any(String) },
    ])
    const file = JSON.parse(await readFile(path.join(directory.dir, catalogFileName), 'utf8')) as { baseUrl: string; syncedAt: string; servers: Array<{ server: { name: string } }> }
    expect(file.baseUrl).toBe(registry.baseUrl)
    expect(file.syncedAt).toBe(new Date(clock).toISOString())
    expect(file.servers.map((entry) => entry.server.name)).not.toContain('io.github.spam-account/free-gpt-credits')

    // Between syncs: one new server, a new version, an edit, a deprecation and a deletion.
    registry.publish({ server: { name: 'io.github.example/new-server', description: 'Brand new', version: '0.1.0' } })
    registry.publish({ server: { name: 'io.github.example/postgres', description: 'PostgreSQL, now with writes', version: '2.0.0' } })
    registry.updateServer('io.github.bulk/server-001', { description: 'Edited description' })
    registry.setStatus('io.github.bulk/server-002', 'deprecated', { statusMessage: 'Use server-003' })
    registry.deleteServer('io.github.bulk/server-004')
    registry.requests.length = 0
    clock += 2 * hour

    const second = await registrySource.sync()
    expect(second).toMatchObject({ full: false, added: 1, updated: 3, removed: 1, total: 158, pages: 1 })
    const [incremental] = listRequests()
    expect(listRequests()).toHaveLength(1)
    expect(incremental?.searchParams.get('updated_since')).toBe(new Date(Date.parse(file.syncedAt) - 5 * 60 * 1000).toISOString())
    expect(incremental?.searchParams.get('version')).toBe('latest')

    const info = await registrySource.catalogInfo()
    expect(info).toMatchObject({ exists: true, total: 158, syncing: false, syncedAt: new Date(clock).toISOString(), ageMs: 0 })
    const postgres = await registrySource.search({ text: 'postgres', limit: 5 }, {})
    expect(postgres.results[0]?.server.version).toBe('2.0.0')
    expect((await registrySource.search({ text: 'server-004', limit: 5 }, {})).results).toEqual([])
    expect((await registrySource.search({ text: 'server-002', limit: 5 }, {})).results[0]?.server).toMatchObject({ status: 'deprecated', statusMessage: 'Use server-003' })
  })

  it('rebuilds everything with full, dropping servers the registry no longer lists', async () => {
    const registrySource = source()
    await registrySource.sync()
    registry.removeServer('io.github.bulk/server-150')
    registry.requests.length = 0
    const stats = await registrySource.sync({}, { full: true })
    expect(stats).toMatchObject({ full: true, added: 0, updated: 0, removed: 1, total: 157 })
    expect(listRequests().every((url) => !url.searchParams.has('updated_since'))).toBe(true)
  })

  it('shares one sync between concurrent callers', async () => {
    const registrySource = source()
    const [a, b] = await Promise.all([registrySource.sync(), registrySource.sync()])
    expect(a).toBe(b)
    expect(listRequests()).toHaveLength(2)
  })

  it('writes atomically, leaving no temporary file, and keeps the old catalogue when a sync fails halfway', async () => {
    const registrySource = source()
    await registrySource.sync()
    const before = await readFile(path.join(directory.dir, catalogFileName), 'utf8')
    expect(await readdir(directory.dir)).toEqual([catalogFileName])

    registry.publish({ server: { name: 'io.github.example/new-server', description: 'Brand new', version: '0.1.0' } })
    registry.setFault({ kind: 'status', status: 500, path: /cursor=/ })
    clock += hour
    await expect(registrySource.sync({}, { full: true })).rejects.toMatchObject({ code: 'E_HTTP' })
    registry.setFault(null)
    expect(await readFile(path.join(directory.dir, catalogFileName), 'utf8')).toBe(before)
    expect(await readdir(directory.dir)).toEqual([catalogFileName])
    expect((await registrySource.catalogInfo()).lastSyncError).toContain('500')
  })

  it('starts afresh from a corrupt catalogue or one made for another registry', async () => {
    await writeFile(path.join(directory.dir, catalogFileName), '{"format": 1, "servers": [tru')
    expect((await source().sync()).full).toBe(true)
    const file = path.join(directory.dir, catalogFileName)
    const document = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>
    await writeFile(file, JSON.stringify({ ...document, baseUrl: 'https://other.example' }))
    const registrySource = source()
    expect(await registrySource.catalogInfo()).toMatchObject({ exists: false })
    expect((await registrySource.sync()).full).toBe(true)
  })

  it('skips an unreadable entry of the catalogue rather than losing it all', async () => {
    await source().sync()
    const file = path.join(directory.dir, catalogFileName)
    const document = JSON.parse(await readFile(file, 'utf8')) as { servers: unknown[] }
    document.servers[0] = { server: 'broken' }
    document.servers[1] = { server: { name: '../../escape' } }
    await writeFile(file, JSON.stringify(document))
    expect((await source().catalogInfo()).total).toBe(156)
  })

  it('fails with E_CACHE when the catalogue cannot be written', async () => {
    const blocker = path.join(directory.dir, 'not-a-directory')
    await writeFile(blocker, '')
    const error = await source({ catalogDir: path.join(blocker, 'registry') }).sync().catch((failure: unknown) => failure)
    expect(TektonError.isInstance(error) && error.code).toBe('E_CACHE')
    expect((error as TektonError).message).toContain('could not write the catalogue')
  })

  it('stops a runaway sync after maxSyncPages', async () => {
    await expect(source({ maxSyncPages: 1 }).sync()).rejects.toMatchObject({ code: 'E_BAD_RESPONSE', message: expect.stringContaining('after 1 pages') })
  })

  it('syncs a registry under a sub-path into its own catalogue', async () => {
    const mirror = await startFakeOfficialRegistry({ servers: officialFixtureServers, basePath: '/mirror' })
    try {
      const mirrorSource = testSource(`${mirror.url}/mirror`, { catalog: true, env: { TEKTON_MCP_HOME: directory.dir } })
      expect(await mirrorSource.sync()).toMatchObject({ total: 8 })
      const info = await mirrorSource.catalogInfo()
      expect(info.file).toBe(path.join(directory.dir, 'cache', 'registry', `127.0.0.1_${mirror.port}`, 'mirror', catalogFileName))
      expect(info.exists).toBe(true)
    } finally {
      await mirror.close()
    }
  })
})

describe('search with a catalogue', () => {
  it('searches locally, matching titles, descriptions and package names, without a request', async () => {
    const registrySource = source()
    await registrySource.sync()
    registry.requests.length = 0
    const trace = createRequestTrace()
    const page = await registrySource.search({ text: 'databases', limit: 5 }, { trace })
    expect(page.results.map((result) => result.ref)).toEqual(['registry:io.github.example/postgres'])
    expect((await registrySource.search({ text: 'postgres-mcp', limit: 5 }, {})).results[0]?.ref).toBe('registry:io.github.example/postgres')
    expect((await registrySource.search({ text: 'Filesystem', limit: 5 }, {})).results[0]?.ref).toBe('registry:io.github.modelcontextprotocol/server-filesystem')
    expect(page.sources[0]).toMatchObject({ source: 'registry', state: 'ok', fromCache: true, ageMs: 0 })
    expect(page.sources[0]).not.toHaveProperty('message')
    expect(trace).toMatchObject({ network: 0, cached: 1, stale: 0 })
    expect(registry.requests).toHaveLength(0)
  })

  it('ranks name matches first, honours the limit and filters, and lists recent servers without text', async () => {
    const registrySource = source()
    await registrySource.sync()
    const page = await registrySource.search({ text: 'server', limit: 10 }, {})
    expect(page.results).toHaveLength(10)
    expect(page.total).toBeGreaterThan(150)
    const pypi = await registrySource.search({ text: 'server', limit: 10, filters: { registryTypes: ['pypi'] } }, {})
    expect(pypi.results.map((result) => result.ref)).toEqual(['registry:io.github.modelcontextprotocol/server-fetch'])
    const recent = await registrySource.search({ text: '', limit: 3 }, {})
    expect(recent.results.map((result) => result.ref)).toEqual(['registry:io.github.example/legacy-search', 'registry:io.github.example/desktop-notes', 'registry:io.github.example/sql-tools'])
    const exact = await registrySource.search({ text: 'weather', limit: 3 }, {})
    expect(exact.results[0]?.signals?.matched).toContain('name:exact')
  })

  it('answers from an outdated catalogue at once and refreshes it in the background', async () => {
    const registrySource = source({ backgroundSync: true, catalogTtlMs: hour })
    await registrySource.sync()
    registry.publish({ server: { name: 'io.github.example/postgres-admin', description: 'Admin tools', version: '1.0.0' } })
    registry.requests.length = 0
    clock += 2 * hour
    const stale = await registrySource.search({ text: 'postgres', limit: 5 }, {})
    expect(stale.results.map((result) => result.ref)).toEqual(['registry:io.github.example/postgres'])
    expect(stale.sources[0]).toMatchObject({ state: 'stale', fromCache: true, ageMs: 2 * hour, stale: true, staleReason: 'refreshing' })
    await registrySource.settle()
    expect(listRequests()[0]?.searchParams.has('updated_since')).toBe(true)
    const fresh = await registrySource.search({ text: 'postgres', limit: 5 }, {})
    expect(fresh.results.map((result) => result.ref)).toEqual(['registry:io.github.example/postgres', 'registry:io.github.example/postgres-admin'])
    expect(fresh.sources[0]?.state).toBe('ok')
  })

  it('says how to refresh an outdated catalogue when background syncs are off', async () => {
    const registrySource = source({ catalogTtlMs: hour })
    await registrySource.sync()
    clock += 3 * hour
    registry.requests.length = 0
    const page = await registrySource.search({ text: 'postgres', limit: 5 }, {})
    expect(page.sources[0]).toMatchObject({ state: 'stale', ageMs: 3 * hour, stale: true, staleReason: 'needs-sync', needsSync: true })
    // Unbounded: a background sync started by mistake would be waited for, then show in the requests.
    await registrySource.settle()
    expect(registry.requests).toHaveLength(0)
  })

  it('starts the first sync in the background after a live search, then searches the catalogue', async () => {
    const registrySource = source({ initialSync: true })
    const live = await registrySource.search({ text: 'postgres', limit: 5 }, {})
    expect(live.sources[0]?.fromCache).toBeUndefined()
    expect((await registrySource.catalogInfo()).syncing).toBe(true)
    await registrySource.settle()
    expect(await registrySource.catalogInfo()).toMatchObject({ exists: true, total: 158, syncing: false })
    registry.requests.length = 0
    expect((await registrySource.search({ text: 'databases', limit: 5 }, {})).results).toHaveLength(1)
    expect(registry.requests).toHaveLength(0)
  })
})

describe('offline', () => {
  it('keeps answering from the catalogue when the registry is gone, saying how old it is', async () => {
    const errors: TektonError[] = []
    const registrySource = source({ backgroundSync: true, catalogTtlMs: hour, onBackgroundError: (error) => errors.push(error) })
    await registrySource.sync()
    await registry.close()
    clock += 26 * hour

    const first = await registrySource.search({ text: 'postgres', limit: 5 }, {})
    expect(first.results.map((result) => result.ref)).toEqual(['registry:io.github.example/postgres'])
    expect(first.sources[0]).toMatchObject({ state: 'stale', fromCache: true, ageMs: 26 * hour, stale: true, staleReason: 'refreshing' })
    await registrySource.settle()
    expect(errors.map((error) => error.code)).toEqual(['E_NETWORK'])

    const second = await registrySource.search({ text: 'postgres', limit: 5 }, {})
    // The last sync's own failure, and that it never reached the registry.
    expect(second.sources[0]).toMatchObject({ state: 'stale', ageMs: 26 * hour, staleReason: 'unreachable', code: 'E_NETWORK', message: expect.stringMatching(/^\[registry\] GET .* failed/) })

    // Through the combined registry, as the CLI and API see it.
    const combined = createCombinedRegistry({ sources: [registrySource] })
    const page = await combined.search({ text: 'filesystem', limit: 5 })
    expect(page.results[0]?.ref).toBe('registry:io.github.modelcontextprotocol/server-filesystem')
    expect(page.sources[0]).toMatchObject({ source: 'registry', state: 'stale', fromCache: true })

    const trace = createRequestTrace()
    const metadata = await registrySource.getMetadata('io.github.example/postgres', { trace })
    expect(metadata?.version).toBe('1.1.0')
    expect(trace.stale).toBe(1)
    expect(trace.staleBecause).toContain('failed')
    const info = await combined.getMetadata(registrySource, 'io.github.example/postgres')
    expect(info.status).toMatchObject({ state: 'stale', stale: true, staleReason: 'unreachable', code: 'E_NETWORK' })
    expect(await registrySource.getVersions('io.github.example/postgres', {})).toEqual([{ version: '1.1.0', prerelease: false, tags: ['latest'], publishedAt: '2025-10-01T14:05:00Z' }])
    expect(await registrySource.getVersions('io.github.example/legacy-search', {})).toEqual([
      { version: '0.3.2', prerelease: false, tags: ['latest'], publishedAt: '2025-07-01T10:00:00Z', deprecated: 'Superseded by io.github.example/search' },
    ])
    await expect(registrySource.getMetadata('io.github.example/not-in-catalogue', {})).rejects.toMatchObject({ code: 'E_NETWORK' })
    await expect(testSource(registry.baseUrl).getMetadata('io.github.example/postgres', {})).rejects.toMatchObject({ code: 'E_NETWORK' })
    expect((await registrySource.catalogInfo()).lastSyncError).toContain('failed')
  })

  it('does not retry a failed background sync on every search', async () => {
    const registrySource = source({ backgroundSync: true, catalogTtlMs: hour })
    await registrySource.sync()
    registry.setFault({ kind: 'status', status: 503 })
    clock += 2 * hour
    await registrySource.search({ text: 'postgres' }, {})
    await registrySource.settle()
    const attempts = registry.countRequests('/v0.1/servers')
    await registrySource.search({ text: 'postgres' }, {})
    await registrySource.settle()
    expect(registry.countRequests('/v0.1/servers')).toBe(attempts)
    registry.setFault(null)
  })

  it('without a catalogue, a search fails with the network error', async () => {
    await mkdir(directory.dir, { recursive: true })
    await registry.close()
    await expect(source().search({ text: 'postgres' }, {})).rejects.toMatchObject({ code: 'E_NETWORK' })
  })
})
