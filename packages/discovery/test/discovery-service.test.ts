import { describe, expect, it, beforeAll, afterAll } from '@jest/globals'
import { MCPDiscoveryService, createStaticRegistry, type SourceStatus } from '../src/index'
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

  it('says what to do when nothing is found', async () => {
    await expect(service().getServerMetadata('npm:no-such-server')).rejects.toMatchObject({ code: 'E_NOT_FOUND', hint: expect.stringContaining('tekton-mcp search') })
    await expect(service().getServerVersions('npm:no-such-server')).rejects.toMatchObject({ code: 'E_NOT_FOUND' })
    await expect(service().getServerMetadata('nothing-like-it')).rejects.toMatchObject({ code: 'E_NOT_FOUND' })
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
