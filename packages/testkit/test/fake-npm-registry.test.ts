import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { buildNpmPackage, npmFixturePackages, serverFilesystem, startFakeNpmRegistry } from '../src/index'
import type { FakeNpmRegistry } from '../src/index'

let registry: FakeNpmRegistry

beforeAll(async () => {
  registry = await startFakeNpmRegistry({ packages: npmFixturePackages })
})
afterAll(async () => {
  await registry.close()
})

interface SearchBody {
  objects: Array<{ package: Record<string, unknown> & { name: string; links: Record<string, string> }; score: { final: number }; searchScore: number; downloads: { weekly: number }; flags: Record<string, unknown> }>
  total: number
  time: string
}

async function search(query: string): Promise<SearchBody> {
  const response = await fetch(`${registry.url}/-/v1/search?${query}`)
  expect(response.status).toBe(200)
  return (await response.json()) as SearchBody
}

describe('fake npm registry: search', () => {
  it('matches text against names, descriptions and keywords, in the real response shape', async () => {
    const body = await search('text=filesystem&size=20')
    const names = body.objects.map((object) => object.package.name)
    expect(names).toEqual(expect.arrayContaining(['@modelcontextprotocol/server-filesystem', 'filesystem-utils', 'memfs', 'watchdog-tools']))
    expect(names).not.toContain('mcp-server-kubernetes')
    expect(body.total).toBe(names.length)
    expect(typeof body.time).toBe('string')
    const official = body.objects.find((object) => object.package.name === '@modelcontextprotocol/server-filesystem')
    expect(official?.package).toMatchObject({ scope: 'modelcontextprotocol', version: '2025.7.1', date: '2025-07-01T12:00:51.532Z', license: 'MIT' })
    expect(official?.package.links.npm).toBe(`${registry.url}/package/@modelcontextprotocol/server-filesystem`)
    expect(official?.downloads.weekly).toBe(152_340)
    expect(official?.score.final).toBeGreaterThan(0)
    expect(official?.flags).toEqual({ insecure: 0 })
  })

  it('flags a package whose latest version is deprecated', async () => {
    const body = await search('text=legacy')
    expect(body.objects[0]?.flags).toEqual({ insecure: 0, deprecated: 'Moved to @modelcontextprotocol/server-filesystem' })
  })

  it('pages with size and from', async () => {
    const all = await search('text=filesystem&size=250')
    const first = await search('text=filesystem&size=2&from=0')
    const second = await search('text=filesystem&size=2&from=2')
    expect(first.objects).toHaveLength(2)
    expect(first.total).toBe(all.total)
    expect([...first.objects, ...second.objects].map((object) => object.package.name)).toEqual(all.objects.slice(0, 4).map((object) => object.package.name))
  })

  it('supports the keywords: qualifier (comma for any, + for all, - to exclude)', async () => {
    const withMcp = await search(`text=${encodeURIComponent('keywords:mcp')}`)
    expect(withMcp.objects.map((object) => object.package.name).sort()).toEqual(['@modelcontextprotocol/sdk', 'mcp-server-kubernetes', 'watchdog-tools'])
    const either = await search(`text=${encodeURIComponent('keywords:mcp,mcp-server')}`)
    expect(either.objects.map((object) => object.package.name)).toContain('mcp-server-legacy-fs')
    const both = await search(`text=${encodeURIComponent('keywords:mcp+kubernetes')}`)
    expect(both.objects.map((object) => object.package.name)).toEqual(['mcp-server-kubernetes'])
    const excluded = await search(`text=${encodeURIComponent('keywords:mcp,-kubernetes')}`)
    expect(excluded.objects.map((object) => object.package.name)).not.toContain('mcp-server-kubernetes')
    const combined = await search(`text=${encodeURIComponent('filesystem keywords:mcp')}`)
    expect(combined.objects.map((object) => object.package.name)).toEqual(['watchdog-tools'])
  })

  it('requires text', async () => {
    const response = await fetch(`${registry.url}/-/v1/search?size=5`)
    expect(response.status).toBe(400)
  })

  it('answers 404 when search is unsupported, as mirrors do', async () => {
    const mirror = await startFakeNpmRegistry({ packages: npmFixturePackages, searchUnsupported: true })
    try {
      const response = await fetch(`${mirror.url}/-/v1/search?text=filesystem`)
      expect(response.status).toBe(404)
      expect(await response.text()).toBe('{"error":"Not found"}')
      expect((await fetch(`${mirror.url}/mcp-remote`)).status).toBe(200)
    } finally {
      await mirror.close()
    }
  })
})

describe('fake npm registry: packuments', () => {
  it('serves the full packument for encoded and unencoded scoped names', async () => {
    for (const path of ['/@modelcontextprotocol%2fserver-filesystem', '/@modelcontextprotocol%2Fserver-filesystem', '/@modelcontextprotocol/server-filesystem']) {
      const response = await fetch(`${registry.url}${path}`)
      expect(response.status).toBe(200)
      const body = (await response.json()) as Record<string, any>
      expect(body._id).toBe('@modelcontextprotocol/server-filesystem')
      expect(body['dist-tags'].latest).toBe('2025.7.1')
      expect(Object.keys(body.time)).toEqual(['created', 'modified', '0.5.0', '0.6.0', '0.6.2', '2025.3.28', '2025.7.1', '0.6.3', '2025.8.0-beta.1'])
      expect(body.versions['2025.7.1']).toMatchObject({
        bin: { 'mcp-server-filesystem': 'dist/index.js' },
        mcpName: 'io.github.modelcontextprotocol/server-filesystem',
        engines: { node: '>=18' },
      })
      expect(body.versions['0.6.0'].deprecated).toMatch(/upgrade/)
      expect(body.versions['2025.7.1'].dist.tarball).toBe(`${registry.url}/@modelcontextprotocol/server-filesystem/-/server-filesystem-2025.7.1.tgz`)
      expect(body.readme).toContain('# @modelcontextprotocol/server-filesystem')
    }
  })

  it('serves the abbreviated packument for the install Accept header', async () => {
    const response = await fetch(`${registry.url}/mcp-remote`, { headers: { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8' } })
    expect(response.headers.get('content-type')).toBe('application/vnd.npm.install-v1+json')
    const body = (await response.json()) as Record<string, any>
    expect(Object.keys(body).sort()).toEqual(['dist-tags', 'modified', 'name', 'versions'])
    expect(body.versions['0.1.18']).toEqual({
      name: 'mcp-remote',
      version: '0.1.18',
      bin: { 'mcp-remote': 'dist/proxy.js', 'mcp-remote-client': 'dist/client.js' },
      engines: { node: '>=18' },
      license: 'MIT',
      dist: expect.objectContaining({ tarball: `${registry.url}/mcp-remote/-/mcp-remote-0.1.18.tgz` }),
    })
  })

  it('serves version manifests by version or dist-tag', async () => {
    const byTag = (await (await fetch(`${registry.url}/@modelcontextprotocol%2fserver-filesystem/next`)).json()) as Record<string, unknown>
    expect(byTag.version).toBe('2025.8.0-beta.1')
    const byVersion = (await (await fetch(`${registry.url}/mcp-remote/0.1.17`)).json()) as Record<string, unknown>
    expect(byVersion.version).toBe('0.1.17')
    const missing = await fetch(`${registry.url}/mcp-remote/9.9.9`)
    expect(missing.status).toBe(404)
    expect(await missing.json()).toEqual({ error: 'version not found: 9.9.9' })
  })

  it('answers unknown packages with the registry\'s exact 404 body', async () => {
    for (const path of ['/does-not-exist', '/@nobody%2fnothing', '/%E0%A4%A']) {
      const response = await fetch(`${registry.url}${path}`)
      expect(response.status).toBe(404)
      expect(await response.text()).toBe('{"error":"Not found"}')
    }
  })

  it('answers 304 for a matching If-None-Match', async () => {
    const first = await fetch(`${registry.url}/memfs`)
    const etag = first.headers.get('etag') ?? ''
    expect(etag).not.toBe('')
    const second = await fetch(`${registry.url}/memfs`, { headers: { 'if-none-match': etag } })
    expect(second.status).toBe(304)
    expect(second.headers.get('etag')).toBe(etag)
  })

  it('refuses writes', async () => {
    const response = await fetch(`${registry.url}/memfs`, { method: 'PUT', body: '{}' })
    expect(response.status).toBe(405)
  })
})

describe('fake npm registry: tarballs, publishing and counting', () => {
  it('serves tarball bytes with dist.integrity computed from them', async () => {
    const bytes = Buffer.from('not really gzip, but bytes')
    const fake = await startFakeNpmRegistry({
      packages: [buildNpmPackage({ name: '@acme/tool-mcp', versions: [{ version: '1.0.0', publishedAt: '2025-01-01T00:00:00.000Z' }], tarballs: { '1.0.0': bytes } })],
    })
    try {
      const manifest = (await (await fetch(`${fake.url}/@acme%2ftool-mcp/latest`)).json()) as { dist: { tarball: string; integrity: string; shasum: string } }
      expect(manifest.dist.integrity).toBe(`sha512-${createHash('sha512').update(bytes).digest('base64')}`)
      expect(manifest.dist.shasum).toBe(createHash('sha1').update(bytes).digest('hex'))
      const tarball = await fetch(manifest.dist.tarball)
      expect(Buffer.from(await tarball.arrayBuffer())).toEqual(bytes)
      expect((await fetch(`${fake.url}/@acme/tool-mcp/-/tool-mcp-2.0.0.tgz`)).status).toBe(404)
    } finally {
      await fake.close()
    }
  })

  it('does not serve tarballs a fixture has no bytes for', async () => {
    expect((await fetch(`${registry.url}/mcp-remote/-/mcp-remote-0.1.18.tgz`)).status).toBe(404)
  })

  it('counts requests by path prefix and publishes and removes packages', async () => {
    const fake = await startFakeNpmRegistry()
    try {
      expect((await fetch(`${fake.url}/-/ping`)).status).toBe(200)
      expect((await fetch(`${fake.url}/mcp-remote`)).status).toBe(404)
      fake.setPackage(npmFixturePackages.find((pkg) => pkg.packument.name === 'mcp-remote')!)
      expect((await fetch(`${fake.url}/mcp-remote`)).status).toBe(200)
      fake.removePackage('mcp-remote')
      expect((await fetch(`${fake.url}/-/v1/search?text=mcp`)).status).toBe(200)
      expect(fake.countRequests()).toBe(4)
      expect(fake.countRequests('/-/v1/search')).toBe(1)
      expect(fake.packages.size).toBe(0)
      fake.setFault({ kind: 'status', status: 500, times: 1 })
      expect((await fetch(`${fake.url}/-/ping`)).status).toBe(500)
      fake.addFault({ kind: 'status', status: 502, times: 1 })
      expect((await fetch(`${fake.url}/-/ping`)).status).toBe(502)
    } finally {
      await fake.close()
    }
  })

  it('keeps fixtures honest: latest is not the highest version of server-filesystem', () => {
    const { packument } = serverFilesystem
    expect(packument['dist-tags'].latest).toBe('2025.7.1')
    expect(Object.keys(packument.versions)).toContain('2025.8.0-beta.1')
  })

  it('refuses a package without versions', () => {
    expect(() => buildNpmPackage({ name: 'empty', versions: [] })).toThrow(/at least one version/)
  })
})
