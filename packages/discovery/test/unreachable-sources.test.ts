import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { MCPDiscoveryService, TektonError, createCombinedRegistry, createHttpClient, createStaticRegistry, createUnreachableSources, staleReasonOf, type RegistrySource } from '../src/index'
import { isUnreachableError } from '../src/unreachable-sources'
import { mergeSourceStatuses } from '../src/discovery-service'
import { server } from './fixtures/servers'

const minute = 60_000
const filesystem = server({ ref: 'npm:mcp-filesystem', name: 'mcp-filesystem', description: 'Filesystem access' })

let directory: string
let file: string

beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'tekton-unreachable-'))
  file = path.join(directory, 'cache', 'unreachable-sources.json')
})

afterEach(async () => {
  await rm(directory, { recursive: true, force: true })
})

/** A loopback port nothing listens on: connecting is refused at once. */
async function closedPort(): Promise<number> {
  const listener = createServer()
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
  const { port } = listener.address() as AddressInfo
  await new Promise<void>((resolve) => listener.close(() => resolve()))
  return port
}

/**
 * A source whose every call is a GET to `baseUrl` through the real HTTP client, counting calls:
 * pointed at a closed port, it fails the way an unreachable registry does.
 */
function httpSource(id: string, baseUrl: string): RegistrySource & { calls: number } {
  const http = createHttpClient({ retries: 2 })
  const source = {
    specVersion: 'v1' as const,
    id,
    displayName: `${id} registry`,
    refKinds: ['pypi' as const],
    calls: 0,
    async search(_query: unknown, context: { signal?: AbortSignal; trace?: never }) {
      source.calls += 1
      await http.getJson(`${baseUrl}/search`, { source: id, ...(context.signal ? { signal: context.signal } : {}) })
      return { results: [], sources: [{ source: id, state: 'ok' as const }] }
    },
    async getMetadata() {
      source.calls += 1
      await http.getJson(`${baseUrl}/metadata`, { source: id })
      return null
    },
    async getVersions() {
      source.calls += 1
      await http.getJson(`${baseUrl}/versions`, { source: id })
      return null
    },
  }
  return source
}

const npm = () => createStaticRegistry({ id: 'npm', displayName: 'npm registry', servers: [filesystem] })

describe('unreachable sources', () => {
  it('are skipped at once by the next searches, with when they were last tried, until the window ends', async () => {
    let time = Date.parse('2026-01-01T12:00:00Z')
    const now = () => time
    const pypi = httpSource('pypi', `http://127.0.0.1:${await closedPort()}`)
    const unreachable = createUnreachableSources({ file, now })
    const registry = createCombinedRegistry({ sources: [npm(), pypi], now, unreachable })

    const first = await registry.search({ text: 'filesystem' })
    expect(first.results.map((result) => result.ref)).toEqual(['npm:mcp-filesystem'])
    expect(first.sources[1]).toMatchObject({ source: 'pypi', state: 'error', code: 'E_NETWORK', message: expect.stringContaining('ECONNREFUSED') })
    expect(pypi.calls).toBe(1)

    time += 2 * minute
    const second = await registry.search({ text: 'filesystem' })
    expect(second.results.map((result) => result.ref)).toEqual(['npm:mcp-filesystem'])
    expect(second.sources[1]).toEqual({
      source: 'pypi',
      state: 'skipped',
      code: 'E_NETWORK',
      message: expect.stringContaining('ECONNREFUSED'),
      lastTriedAt: '2026-01-01T12:00:00.000Z',
      retryAt: '2026-01-01T12:05:00.000Z',
      durationMs: 0,
      resultCount: 0,
    })
    expect(pypi.calls).toBe(1)

    // Another process (a new memory over the same file) skips it too.
    const elsewhere = createCombinedRegistry({ sources: [npm(), pypi], now, unreachable: createUnreachableSources({ file, now }) })
    expect((await elsewhere.search({ text: 'filesystem' })).sources[1]?.state).toBe('skipped')
    expect(pypi.calls).toBe(1)

    time += 3 * minute
    expect((await registry.search({ text: 'filesystem' })).sources[1]?.state).toBe('error')
    expect(pypi.calls).toBe(2)
  })

  it('are asked again when the caller retries them, and forgotten once they answer', async () => {
    const time = Date.parse('2026-01-01T12:00:00Z')
    const now = () => time
    const unreachable = createUnreachableSources({ file, now })
    await unreachable.update({ unreachable: new Map([['npm', { lastTriedAt: time - minute, code: 'E_NETWORK', message: 'getaddrinfo ENOTFOUND registry' }]]) })
    const registry = createCombinedRegistry({ sources: [npm()], now, unreachable })

    expect((await registry.search({ text: 'filesystem' })).sources[0]).toMatchObject({ state: 'skipped', lastTriedAt: '2026-01-01T11:59:00.000Z' })
    const retried = await registry.search({ text: 'filesystem' }, { retryUnreachable: true })
    expect(retried.sources[0]).toMatchObject({ state: 'ok', resultCount: 1 })
    expect((await registry.search({ text: 'filesystem' })).sources[0]?.state).toBe('ok')
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ version: 1, sources: {} })
  })

  it('are remembered per scope: a source pointed elsewhere is asked at once', async () => {
    const time = Date.parse('2026-01-01T12:00:00Z')
    const failure = { lastTriedAt: time - minute, code: 'E_NETWORK', message: 'ECONNREFUSED' }
    const before = createUnreachableSources({ file, now: () => time, scope: 'registry=http://127.0.0.1:9' })
    await before.update({ unreachable: new Map([['npm', failure]]) })
    const after = createUnreachableSources({ file, now: () => time, scope: 'registry=http://127.0.0.1:8' })
    expect((await after.recall()).size).toBe(0)
    expect([...(await before.recall()).keys()]).toEqual(['npm'])
    // Expired entries of every scope are dropped on the next write.
    const later = createUnreachableSources({ file, now: () => time + 10 * minute, scope: 'other' })
    await later.update({ unreachable: new Map([['pypi', { ...failure, lastTriedAt: time + 10 * minute }]]) })
    expect(Object.keys((JSON.parse(await readFile(file, 'utf8')) as { sources: object }).sources)).toEqual([JSON.stringify(['other', 'pypi'])])
  })

  it('fail a lookup at once with the remembered reason, and leave a bare name found elsewhere alone', async () => {
    const time = Date.parse('2026-01-01T12:00:00Z')
    const now = () => time
    const pypi = httpSource('pypi', `http://127.0.0.1:${await closedPort()}`)
    const unreachable = createUnreachableSources({ file, now })
    const service = new MCPDiscoveryService({ sources: [npm(), pypi], now, unreachable })

    // The bare name is found on npm although PyPI cannot be reached, twice (the second time PyPI is skipped).
    for (let round = 0; round < 2; round += 1) {
      const description = await service.describeServer('mcp-filesystem')
      expect(description.server.ref).toBe('npm:mcp-filesystem')
      expect(description.sources.find((status) => status.source === 'pypi')?.state).toBe(round === 0 ? 'error' : 'skipped')
    }
    expect(pypi.calls).toBe(1)

    await expect(service.getServerMetadata('pypi:mcp-filesystem')).rejects.toMatchObject({
      code: 'E_NETWORK',
      message: expect.stringMatching(/^pypi registry was skipped: it could not be reached at 2026-01-01T12:00:00.000Z/),
    })
    const listed = await service.listServerVersions('npm:mcp-filesystem')
    expect(listed.sources).toEqual([expect.objectContaining({ source: 'npm', state: 'ok' })])
    expect(pypi.calls).toBe(1)
  })

  it('remember a source that missed its deadline, but not one that answered with an error', async () => {
    const time = Date.parse('2026-01-01T12:00:00Z')
    const now = () => time
    const silent: RegistrySource = { ...npm(), id: 'silent', search: () => new Promise(() => undefined) }
    const failing: RegistrySource = {
      ...npm(),
      id: 'failing',
      search: () => Promise.reject(new TektonError('E_HTTP', '[failing] GET http://127.0.0.1/x 500 Internal Server Error')),
    }
    const unreachable = createUnreachableSources({ file, now })
    const registry = createCombinedRegistry({ sources: [silent, failing], timeoutMs: 20, now, unreachable })
    const page = await registry.search({ text: 'x' })
    expect(page.sources.map((status) => status.state)).toEqual(['timeout', 'error'])
    expect([...(await unreachable.recall()).keys()]).toEqual(['silent'])
  })

  it('do not remember a source that served a stale answer: skipping it would hide its cached results', async () => {
    const time = Date.parse('2026-01-01T12:00:00Z')
    const stale: RegistrySource = {
      ...npm(),
      async search(query, context) {
        Object.assign(context.trace ?? {}, { stale: 1, cached: 1, oldestAgeMs: minute, staleReason: 'unreachable', staleBecause: 'ENOTFOUND' })
        return npm().search(query, context)
      },
    }
    const unreachable = createUnreachableSources({ file, now: () => time })
    const page = await createCombinedRegistry({ sources: [stale], now: () => time, unreachable }).search({ text: 'filesystem' })
    expect(page.sources[0]).toMatchObject({ state: 'stale', staleReason: 'unreachable', resultCount: 1 })
    expect((await unreachable.recall()).size).toBe(0)
  })

  it('read a missing, corrupt or foreign file as empty, and a clock gone backwards as nothing to skip', async () => {
    const time = Date.parse('2026-01-01T12:00:00Z')
    const memory = createUnreachableSources({ file, now: () => time, skipForMs: minute })
    expect(memory.skipForMs).toBe(minute)
    expect((await memory.recall()).size).toBe(0)
    await memory.update({ unreachable: new Map([['later', { lastTriedAt: time + minute, code: 'E_NETWORK', message: 'x' }]]) })
    expect((await memory.recall()).size).toBe(0)
    await writeFile(file, '{ not json')
    expect((await memory.recall()).size).toBe(0)
    await writeFile(file, JSON.stringify({ version: 9, sources: {} }))
    expect((await memory.recall()).size).toBe(0)
    // Nothing learnt, nothing written.
    await memory.update({})
    expect(await readFile(file, 'utf8')).toBe(JSON.stringify({ version: 9, sources: {} }))
    // A file that cannot be written is only a missed hint.
    const blocked = createUnreachableSources({ file: path.join(file, 'below-a-file.json'), now: () => time })
    await expect(blocked.update({ unreachable: new Map([['npm', { lastTriedAt: time, code: 'E_NETWORK', message: 'x' }]]) })).resolves.toBeUndefined()
  })
})

describe('isUnreachableError', () => {
  it('recognises DNS failures, refused connections and timeouts anywhere in the cause chain', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })
    expect(isUnreachableError(new TektonError('E_NETWORK', 'fetch failed', { cause: new TypeError('fetch failed', { cause: refused }) }))).toBe(true)
    expect(isUnreachableError(Object.assign(new Error('getaddrinfo EAI_AGAIN pypi.org'), { code: 'EAI_AGAIN' }))).toBe(true)
    expect(isUnreachableError(Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }))).toBe(true)
    expect(isUnreachableError(new TektonError('E_TIMEOUT', 'did not answer within 10000 ms'))).toBe(true)
    expect(isUnreachableError(new TektonError('E_HTTP', '500 Internal Server Error'))).toBe(false)
    expect(isUnreachableError(new Error('socket hang up'))).toBe(false)
    expect(isUnreachableError('ECONNREFUSED')).toBe(false)
  })

  it('names why a refresh failed for a stale status', () => {
    expect(staleReasonOf(new TektonError('E_RATE_LIMITED', '429'))).toBe('rate-limited')
    expect(staleReasonOf(Object.assign(new Error('x'), { code: 'ENOTFOUND' }))).toBe('unreachable')
    expect(staleReasonOf(new TektonError('E_HTTP', '502'))).toBe('failed')
    expect(staleReasonOf('offline')).toBe('failed')
  })
})

describe('mergeSourceStatuses', () => {
  it('keeps one status per source, the least healthy', () => {
    expect(mergeSourceStatuses([
      { source: 'npm', state: 'ok' },
      { source: 'pypi', state: 'skipped', lastTriedAt: 'x' },
      { source: 'npm', state: 'stale' },
      { source: 'pypi', state: 'ok' },
      { source: 'npm', state: 'ok' },
    ])).toEqual([{ source: 'npm', state: 'stale' }, { source: 'pypi', state: 'skipped', lastTriedAt: 'x' }])
  })
})
