import { describe, expect, it, beforeAll, afterAll } from '@jest/globals'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { MCPDiscoveryService, RegistryHttpError, TektonError, createHttpClient, createStaticRegistry, type RegistrySource, type SourceStatus } from '../src/index'
import { registrySourceConformance } from '../src/testing/index'
import { server } from './fixtures/servers'

const filesystem = server({ ref: 'npm:@modelcontextprotocol/server-filesystem', name: '@modelcontextprotocol/server-filesystem', keywords: ['filesystem'] })
const otherFilesystem = server({ ref: 'npm:@acme/server-filesystem', name: '@acme/server-filesystem', keywords: ['filesystem'] })
const memory = server({ ref: 'npm:@modelcontextprotocol/server-memory', name: '@modelcontextprotocol/server-memory', version: '2.0.0' })
const versions = {
  [memory.ref]: [
    { version: '2.0.0', prerelease: false, tags: ['latest'] },
    { version: '1.0.0', prerelease: false, tags: [], deprecated: 'use 2.x' },
  ],
}

function service() {
  return new MCPDiscoveryService({ sources: [createStaticRegistry({ id: 'npm', servers: [filesystem, otherFilesystem, memory], versions })] })
}

describe('MCPDiscoveryService', () => {
  it('searches with plain text or a query object', async () => {
    expect((await service().search('memory')).results.map((result) => result.ref)).toEqual([memory.ref])
    expect((await service().search({ text: 'filesystem', limit: 1 })).results).toHaveLength(1)
  })

  it.each([
    [{ text: 'x'.repeat(201) }, /text/],
    [{ text: 'x', limit: 0 }, /limit/],
    [{ text: 'x', limit: 1000 }, /limit/],
    [{ text: 'x', filters: { transports: ['carrier-pigeon'] } }, /filters\.transports/],
    [{ text: 'x', unexpected: true }, /unexpected|Unrecognized/i],
    [{ text: 'weather\u0000' }, /control or invisible/],
    [{ text: 'wea\u0007ther' }, /control or invisible/],
    [{ text: 'weather \u202e' }, /control or invisible/],
    [{ text: 'wea\u200bther' }, /control or invisible/],
  ])('rejects an invalid query %j with E_INVALID_QUERY', async (query, message) => {
    await expect(service().search(query as never)).rejects.toMatchObject({ code: 'E_INVALID_QUERY', message: expect.stringMatching(message) })
  })

  it('gets metadata and versions by ref, telling the caller how the source answered', async () => {
    const statuses: SourceStatus[] = []
    const metadata = await service().getServerMetadata('npm:@modelcontextprotocol/server-memory', { onSourceStatus: (status) => statuses.push(status) })
    expect(metadata.version).toBe('2.0.0')
    expect(statuses).toEqual([expect.objectContaining({ source: 'npm', state: 'ok' })])
    const list = await service().getServerVersions('npm:@modelcontextprotocol/server-memory')
    expect(list.map((entry) => entry.version)).toEqual(['2.0.0', '1.0.0'])
  })

  it('resolves a bare name when exactly one server has it', async () => {
    expect((await service().getServerMetadata('server-memory')).ref).toBe(memory.ref)
  })

  it('lists the candidates when a bare name is ambiguous', async () => {
    await expect(service().getServerMetadata('server-filesystem')).rejects.toMatchObject({
      code: 'E_AMBIGUOUS_REF',
      message: expect.stringContaining('npm:@acme/server-filesystem'),
    })
  })

  it('says what to do when nothing is found, in words any front end can show', async () => {
    await expect(service().getServerMetadata('npm:no-such-server')).rejects.toMatchObject({ code: 'E_NOT_FOUND', hint: expect.stringContaining('search for no-such-server') })
    await expect(service().getServerVersions('npm:no-such-server')).rejects.toMatchObject({ code: 'E_NOT_FOUND' })
    const bare = await service().getServerMetadata('nothing-like-it').catch((error: unknown) => error as TektonError)
    expect(bare).toMatchObject({ code: 'E_NOT_FOUND', hint: expect.stringContaining('Search for nothing-like-it') })
    // A hint is read by an HTTP caller too, who cannot run the CLI's commands.
    expect((bare as TektonError).hint).not.toMatch(/tekton-mcp|--[a-z]/)
  })

  it('rejects malformed refs and names before asking any source', async () => {
    await expect(service().getServerMetadata('npm:../../etc')).rejects.toMatchObject({ code: 'E_INVALID_REF' })
    await expect(service().getServerMetadata('; rm -rf ~')).rejects.toMatchObject({ code: 'E_INVALID_REF' })
  })

  it('explains when no configured source handles a ref kind', async () => {
    await expect(service().getServerMetadata('pypi:mcp-server-fetch')).rejects.toMatchObject({ code: 'E_UNKNOWN_SOURCE', hint: 'Configured sources: npm' })
    await expect(service().getServerMetadata('npm:x', { source: 'github' })).rejects.toMatchObject({ code: 'E_UNKNOWN_SOURCE' })
  })

  it('turns a failed source into a coded error for a single lookup', async () => {
    const broken = createStaticRegistry({ id: 'npm', servers: [memory] })
    broken.getMetadata = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {})
    }
    const failing = new MCPDiscoveryService({ sources: [broken] })
    await expect(failing.getServerMetadata('npm:@modelcontextprotocol/server-memory')).rejects.toMatchObject({
      code: 'E_SOURCE_FAILED',
      message: expect.stringContaining('ECONNREFUSED'),
    })
  })
})

describe('MCPDiscoveryService: errors, versions and sources that cannot search', () => {
  const weather = server({ ref: 'npm:mcp-weather', name: 'mcp-weather' })

  /** A catalogue whose search endpoint is missing, as on many mirrors. */
  function withoutSearch(id = 'npm'): RegistrySource {
    const catalogue = createStaticRegistry({ id, servers: [weather, memory] })
    return {
      ...catalogue,
      async search() {
        return { results: [], sources: [{ source: id, state: 'unavailable', code: 'E_SEARCH_UNSUPPORTED', message: 'search endpoint unavailable' }] }
      },
    }
  }

  it('rethrows the source error itself, with its code, message, hint and cause', async () => {
    const cause = new SyntaxError('Unexpected token < in JSON')
    const original = new RegistryHttpError('E_BAD_RESPONSE', '[npm] GET http://127.0.0.1/x 200 returned invalid JSON', { url: 'http://127.0.0.1/x', status: 200, retryable: false }, { hint: 'The server did not answer with JSON; check the registry URL', cause })
    const broken = createStaticRegistry({ id: 'npm', servers: [memory] })
    broken.getMetadata = async () => {
      throw original
    }
    const failing = new MCPDiscoveryService({ sources: [broken] })
    const error = await failing.getServerMetadata('npm:@modelcontextprotocol/server-memory').catch((caught: unknown) => caught)
    expect(error).toBe(original)
    expect(error).toMatchObject({ code: 'E_BAD_RESPONSE', hint: 'The server did not answer with JSON; check the registry URL', cause })
  })

  it('adds the generic hint only when the source error has none', async () => {
    const broken = createStaticRegistry({ id: 'npm', servers: [memory] })
    const cause = new Error('socket hang up')
    broken.getVersions = async () => {
      throw new TektonError('E_HTTP', '[npm] GET http://127.0.0.1/x 502 Bad Gateway', { cause })
    }
    const failing = new MCPDiscoveryService({ sources: [broken] })
    await expect(failing.getServerVersions('npm:@modelcontextprotocol/server-memory')).rejects.toMatchObject({
      code: 'E_HTTP',
      message: '[npm] GET http://127.0.0.1/x 502 Bad Gateway',
      hint: expect.stringContaining('Check the registry URL'),
      cause,
    })
  })

  it('reports a Retry-After longer than the source deadline as rate limited, not as a timeout', async () => {
    const fake = createServer((_request, response) => {
      response.writeHead(429, { 'retry-after': '3600', 'content-length': '0' })
      response.end()
    })
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`
      const http = createHttpClient({ fetch: globalThis.fetch, timeoutMs: 60_000 })
      const catalogue = createStaticRegistry({ id: 'npm', servers: [memory] })
      const source: RegistrySource = {
        ...catalogue,
        async getMetadata(id, context) {
          await http.getJson(`${url}/${id}`, { source: 'npm', signal: context.signal, trace: context.trace, deadline: context.deadline })
          return null
        },
      }
      // The deadline (a minute, so a loaded machine still gets the 429 in time) is far shorter
      // than the hour the registry asks for.
      const discovery = new MCPDiscoveryService({ sources: [source], timeoutMs: 60_000 })
      const statuses: SourceStatus[] = []
      const error = await discovery.getServerMetadata('npm:mcp-weather', { onSourceStatus: (status) => statuses.push(status) }).catch((caught: unknown) => caught)
      expect(error).toMatchObject({ code: 'E_RATE_LIMITED', message: expect.stringMatching(/429 Too Many Requests; retry after \d{4}-/) })
      expect((error as RegistryHttpError).retryAt).toEqual(expect.any(Number))
      expect(statuses).toEqual([expect.objectContaining({ state: 'rate-limited', retryAt: expect.any(String) })])
    } finally {
      fake.closeAllConnections()
      await new Promise<void>((resolve) => fake.close(() => resolve()))
    }
  })

  it.each([
    ['getServerMetadata' as const],
    ['getServerVersions' as const],
  ])('%s refuses a ref with a version instead of describing the latest', async (method) => {
    await expect(service()[method]('npm:@modelcontextprotocol/server-memory@1.0.0')).rejects.toMatchObject({
      code: 'E_INVALID_REF',
      hint: "A server's description and version list cover every version: drop @<version>",
    })
  })

  it('tries a bare name as a ref of each source when no source can search', async () => {
    const statuses: SourceStatus[] = []
    const discovery = new MCPDiscoveryService({ sources: [withoutSearch()] })
    const metadata = await discovery.getServerMetadata('mcp-weather', { onSourceStatus: (status) => statuses.push(status) })
    expect(metadata.ref).toBe('npm:mcp-weather')
    expect(statuses[0]).toMatchObject({ state: 'unavailable' })
    expect((await discovery.getServerVersions('mcp-weather')).map((entry) => entry.version)).toEqual(['1.0.0'])
  })

  it('asks for a full ref when a bare name is not found and search is unavailable', async () => {
    const discovery = new MCPDiscoveryService({ sources: [withoutSearch()] })
    await expect(discovery.getServerMetadata('nothing-like-it')).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
      hint: expect.stringContaining('npm:nothing-like-it'),
    })
  })

  it('passes on why a bare-name lookup failed when the source could not be asked', async () => {
    const source = withoutSearch()
    source.getMetadata = async () => {
      throw new TektonError('E_NETWORK', '[npm] GET http://127.0.0.1:9/x failed: ECONNREFUSED', { hint: 'Check your connection or the registry URL' })
    }
    const discovery = new MCPDiscoveryService({ sources: [source] })
    await expect(discovery.getServerMetadata('mcp-weather')).rejects.toMatchObject({ code: 'E_NETWORK' })
  })

  it('says not found, naming the sources it could not ask, when the one it could ask has no such server', async () => {
    const down: RegistrySource = {
      ...withoutSearch('pypi'),
      refKinds: ['pypi'],
      async getMetadata() {
        throw new TektonError('E_NETWORK', '[pypi] GET http://127.0.0.1:9/x failed: ECONNREFUSED')
      },
    }
    const discovery = new MCPDiscoveryService({ sources: [down, withoutSearch()] })
    await expect(discovery.getServerMetadata('nothing-like-it')).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
      message: expect.stringContaining('tried npm:nothing-like-it; could not ask pypi (E_NETWORK)'),
    })
  })
})

// The suite every source runs, run here against the static catalogue.
registrySourceConformance({ describe, it, beforeAll, afterAll }, {
  name: 'static',
  setup: async () => ({
    source: createStaticRegistry({ id: 'npm', servers: [filesystem, memory], versions }),
    knownId: '@modelcontextprotocol/server-memory',
    missingId: 'definitely-not-here',
    searchText: 'memory',
  }),
})
