import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  buildFixtureDependencyPackage,
  buildFixtureServerPackage,
  buildNpmTarball,
  changedEchoInputSchema,
  fixtureDependencyName,
  fixtureNpmPackages,
  fixtureServerPackageName,
  flipByte,
  postinstallMarkerFile,
  startTamperingNpmRegistry,
} from '../src/mcp/index'
import type { FakeNpmRegistry } from '../src/npm/fake-npm-registry'
import { integrityOf, tarballPath } from '../src/npm/packument'
import type { NpmPackument } from '../src/npm/packument'

let directory: string
let counter = 0

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'tekton-npm-fixtures-'))
})
afterAll(async () => {
  await rm(directory, { recursive: true, force: true })
})

async function tarballFile(bytes: Uint8Array): Promise<string> {
  counter += 1
  const file = path.join(directory, `tarball-${counter}.tgz`)
  await writeFile(file, bytes)
  return file
}

/** The entry names of a gzipped tarball, as the system's `tar` reads them. */
async function entriesOf(bytes: Uint8Array): Promise<string[]> {
  return execFileSync('tar', ['-tzf', await tarballFile(bytes)], { encoding: 'utf8' }).split('\n').filter(Boolean)
}

/** Unpacks a tarball into a new directory and returns that directory (holding `package/`). */
async function unpack(bytes: Uint8Array, into?: string): Promise<string> {
  counter += 1
  const target = into ?? path.join(directory, `unpacked-${counter}`)
  await mkdir(target, { recursive: true })
  execFileSync('tar', ['-xzf', await tarballFile(bytes), '-C', target])
  return target
}

function sha512(bytes: Uint8Array): string {
  return createHash('sha512').update(bytes).digest('base64')
}

describe('buildNpmTarball', () => {
  it('writes a gzipped tarball that tar reads, every file under package/', async () => {
    const bytes = buildNpmTarball({
      'package.json': '{"name":"x","version":"1.0.0"}\n',
      'lib/index.js': 'module.exports = 42\n',
      'bin/cli.js': '#!/usr/bin/env node\n',
    })
    expect((await entriesOf(bytes)).sort()).toEqual(['package/bin/cli.js', 'package/lib/index.js', 'package/package.json'])
  })

  it('keeps contents byte for byte, strings and binary alike, and makes bin/ files executable', async () => {
    const binary = new Uint8Array(700).map((_, index) => (index * 7) % 256)
    const root = await unpack(buildNpmTarball({ 'index.js': 'héllo\n', 'data.bin': binary, 'bin/run.js': '#!/usr/bin/env node\n' }))
    expect(await readFile(path.join(root, 'package/index.js'), 'utf8')).toBe('héllo\n')
    expect(new Uint8Array(await readFile(path.join(root, 'package/data.bin')))).toEqual(binary)
    expect(statSync(path.join(root, 'package/bin/run.js')).mode & 0o111).not.toBe(0)
    expect(statSync(path.join(root, 'package/index.js')).mode & 0o111).toBe(0)
  })

  it('gives the same bytes for the same files, whatever their order', () => {
    const one = buildNpmTarball({ 'a.js': 'a', 'b.js': 'b' })
    const two = buildNpmTarball({ 'b.js': 'b', 'a.js': 'a' })
    expect(integrityOf(two)).toBe(integrityOf(one))
    expect(integrityOf(buildNpmTarball({ 'a.js': 'A', 'b.js': 'b' }))).not.toBe(integrityOf(one))
  })

  it('refuses an entry name tar cannot hold in its header', () => {
    expect(() => buildNpmTarball({ [`${'x'.repeat(100)}.js`]: '' })).toThrow(/longer than 100 bytes/)
  })
})

describe('flipByte', () => {
  it('changes exactly one byte, in the middle by default, without touching the input', () => {
    const original = new Uint8Array([1, 2, 3, 4, 5, 6])
    const copy = flipByte(original)
    expect(Array.from(original)).toEqual([1, 2, 3, 4, 5, 6])
    const differing = Array.from(copy.keys()).filter((index) => copy[index] !== original[index])
    expect(differing).toEqual([3])
    expect(copy).toHaveLength(original.length)
  })

  it('changes the byte at the given index', () => {
    const original = buildNpmTarball({ 'a.js': 'a' })
    const copy = flipByte(original, 0)
    const differing = Array.from(copy.keys()).filter((index) => copy[index] !== original[index])
    expect(differing).toEqual([0])
    expect(integrityOf(copy)).not.toBe(integrityOf(original))
  })
})

describe('fixtureNpmPackages', () => {
  const { server, dependency } = fixtureNpmPackages()

  it('publishes the server in five versions with latest at 2.0.0', () => {
    expect(server.packument.name).toBe(fixtureServerPackageName)
    expect(Object.keys(server.packument.versions)).toEqual(['1.0.0', '1.1.0', '1.2.0', '1.3.0', '2.0.0'])
    expect(server.packument['dist-tags']).toEqual({ latest: '2.0.0' })
    expect(Object.keys(server.tarballs ?? {}).sort()).toEqual(['1.0.0', '1.1.0', '1.2.0', '1.3.0', '2.0.0'])
  })

  it("describes every tarball with its bytes' integrity", () => {
    for (const pkg of [server, dependency]) {
      for (const [version, manifest] of Object.entries(pkg.packument.versions)) {
        const bytes = pkg.tarballs?.[version]
        expect(bytes).toBeDefined()
        expect(manifest.dist.integrity).toBe(integrityOf(bytes as Uint8Array))
        expect(manifest.dist.tarball).toBe(tarballPath(pkg.packument.name, version))
      }
    }
  })

  it('lays each server tarball out as npm pack does, with a launcher bin', async () => {
    expect((await entriesOf(server.tarballs?.['1.0.0'] as Uint8Array)).sort()).toEqual(['package/bin/server.js', 'package/package.json', 'package/server.js'])
    expect(server.packument.versions['1.0.0']?.bin).toEqual({ 'mcp-server': 'bin/server.js' })
    const root = await unpack(server.tarballs?.['1.3.0'] as Uint8Array)
    const manifest = JSON.parse(await readFile(path.join(root, 'package/package.json'), 'utf8')) as Record<string, unknown>
    expect(manifest).toMatchObject({ name: fixtureServerPackageName, version: '1.3.0', main: 'server.js', bin: { 'mcp-server': 'bin/server.js' } })
  })

  it('makes 2.0.0 depend on the helper and change the echo schema; the helper is 1.0.0', () => {
    expect(server.packument.versions['2.0.0']?.dependencies).toEqual({ [fixtureDependencyName]: '^1.0.0' })
    expect(server.packument.versions['1.0.0']?.dependencies).toBeUndefined()
    expect(dependency.packument.name).toBe(fixtureDependencyName)
    expect(Object.keys(dependency.packument.versions)).toEqual(['1.0.0'])
    expect(dependency.packument['dist-tags'].latest).toBe('1.0.0')
  })

  it('2.0.0 runs once its dependency is installed next to it, and lists the changed echo schema', async () => {
    const project = path.join(directory, `project-${++counter}`)
    const modules = path.join(project, 'node_modules')
    await unpack(server.tarballs?.['2.0.0'] as Uint8Array, path.join(modules, '@fixture'))
    await unpack(dependency.tarballs?.['1.0.0'] as Uint8Array, modules)
    // npm installs `package/` as the package's own directory.
    await rename(path.join(modules, '@fixture/package'), path.join(modules, '@fixture/mcp-server'))
    await rename(path.join(modules, 'package'), path.join(modules, fixtureDependencyName))
    const input = [
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18' } },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    ]
      .map((message) => `${JSON.stringify(message)}\n`)
      .join('')
    const run = spawnSync(process.execPath, [path.join(modules, '@fixture/mcp-server/bin/server.js')], { input, encoding: 'utf8', timeout: 120_000 })
    expect(run.status).toBe(0)
    const [initialize, list] = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { result: Record<string, unknown> })
    expect(initialize?.result.serverInfo).toEqual({ name: fixtureServerPackageName, version: '2.0.0' })
    const tools = list?.result.tools as Array<{ name: string; inputSchema: unknown }>
    expect(tools.find((tool) => tool.name === 'echo')?.inputSchema).toEqual(changedEchoInputSchema)

    // Without the dependency the launcher stops, as a server with a missing import would.
    await rm(path.join(modules, fixtureDependencyName), { recursive: true })
    const broken = spawnSync(process.execPath, [path.join(modules, '@fixture/mcp-server/bin/server.js')], { input, encoding: 'utf8', timeout: 120_000 })
    expect(broken.status).not.toBe(0)
    expect(broken.stderr).toContain(fixtureDependencyName)
  })

  it('1.1.0 exits at start', async () => {
    const root = await unpack(server.tarballs?.['1.1.0'] as Uint8Array)
    const run = spawnSync(process.execPath, [path.join(root, 'package/bin/server.js')], { input: '', encoding: 'utf8', timeout: 120_000 })
    expect(run.status).toBe(1)
    expect(run.stderr).toContain('fatal')
  })
})

describe('buildFixtureServerPackage', () => {
  it('carries a postinstall script that leaves a marker when run', async () => {
    const pkg = buildFixtureServerPackage({ name: 'plain-server', versions: [{ version: '0.1.0', postinstallMarker: true }] })
    const manifest = pkg.packument.versions['0.1.0']
    expect(manifest?.scripts).toEqual({ postinstall: 'node write-marker.js' })
    expect(manifest?.hasInstallScript).toBe(true)
    expect(manifest?.bin).toEqual({ 'plain-server': 'bin/server.js' })
    const root = path.join(await unpack(pkg.tarballs?.['0.1.0'] as Uint8Array), 'package')
    expect(existsSync(path.join(root, postinstallMarkerFile))).toBe(false)
    execFileSync(process.execPath, ['write-marker.js'], { cwd: root })
    expect(await readFile(path.join(root, postinstallMarkerFile), 'utf8')).toBe('yes\n')
  })

  it('applies package-wide and per-version fields: engines, deprecation, files, bin, mcpName, dist-tags, dates', async () => {
    const pkg = buildFixtureServerPackage({
      name: '@acme/weather',
      description: 'Weather over MCP',
      mcpName: 'io.github.acme/weather',
      engines: { node: '>=18' },
      dependencies: { 'left-pad': '^1.0.0' },
      distTags: { latest: '1.0.0', next: '2.0.0-beta.1' },
      versions: [
        { version: '1.0.0', publishedAt: '2025-03-01T00:00:00.000Z', deprecated: 'use 2.x', files: { 'lib/extra.js': 'module.exports = 1\n' } },
        { version: '2.0.0-beta.1', engines: { node: '>=22' }, dependencies: {}, bin: 'bin/server.js' },
      ],
    })
    const { packument } = pkg as { packument: NpmPackument }
    expect(packument['dist-tags']).toEqual({ latest: '1.0.0', next: '2.0.0-beta.1' })
    expect(packument.description).toBe('Weather over MCP')
    expect(packument.time['1.0.0']).toBe('2025-03-01T00:00:00.000Z')
    expect(packument.time['2.0.0-beta.1']).toBe('2025-01-02T00:00:00.000Z')
    const first = packument.versions['1.0.0']
    const second = packument.versions['2.0.0-beta.1']
    expect(first).toMatchObject({ engines: { node: '>=18' }, dependencies: { 'left-pad': '^1.0.0' }, deprecated: 'use 2.x', bin: { weather: 'bin/server.js' } })
    expect(second).toMatchObject({ engines: { node: '>=22' }, dependencies: {}, bin: 'bin/server.js' })
    expect(second?.deprecated).toBeUndefined()
    expect(await entriesOf(pkg.tarballs?.['1.0.0'] as Uint8Array)).toContain('package/lib/extra.js')
    const root = await unpack(pkg.tarballs?.['1.0.0'] as Uint8Array)
    const manifest = JSON.parse(await readFile(path.join(root, 'package/package.json'), 'utf8')) as Record<string, unknown>
    expect(manifest).toMatchObject({ name: '@acme/weather', mcpName: 'io.github.acme/weather', dependencies: { 'left-pad': '^1.0.0' }, engines: { node: '>=18' } })
    expect(await readFile(path.join(root, 'package/bin/server.js'), 'utf8')).toContain('require("left-pad")')
  })
})

describe('buildFixtureDependencyPackage', () => {
  it('builds a library whose index exports its name and version', async () => {
    const pkg = buildFixtureDependencyPackage({ name: 'tiny-lib', versions: ['1.0.0', '1.1.0'] })
    expect(Object.keys(pkg.packument.versions)).toEqual(['1.0.0', '1.1.0'])
    expect(pkg.packument['dist-tags'].latest).toBe('1.1.0')
    expect(pkg.packument.versions['1.1.0']?.dist.integrity).toBe(integrityOf(pkg.tarballs?.['1.1.0'] as Uint8Array))
    const root = await unpack(pkg.tarballs?.['1.1.0'] as Uint8Array)
    const loaded = execFileSync(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(require(process.argv[1])))', path.join(root, 'package')], { encoding: 'utf8' })
    expect(JSON.parse(loaded)).toEqual({ name: 'tiny-lib', version: '1.1.0' })
  })

  it('defaults to fixture-mcp-helper 1.0.0', () => {
    const pkg = buildFixtureDependencyPackage()
    expect(pkg.packument.name).toBe(fixtureDependencyName)
    expect(Object.keys(pkg.packument.versions)).toEqual(['1.0.0'])
  })
})

describe('startTamperingNpmRegistry', () => {
  const { server, dependency } = fixtureNpmPackages()
  let registry: FakeNpmRegistry

  beforeAll(async () => {
    registry = await startTamperingNpmRegistry({ packages: [server, dependency], tamper: [{ name: fixtureServerPackageName, version: '1.0.0' }] })
  })
  afterAll(async () => {
    await registry.close()
  })

  async function packument(name: string, accept?: string): Promise<{ response: Response; body: NpmPackument }> {
    const response = await fetch(`${registry.url}/${name.replace('/', '%2f')}`, accept ? { headers: { accept } } : {})
    expect(response.status).toBe(200)
    return { response, body: (await response.json()) as NpmPackument }
  }

  it('serves the packument through, with tarball URLs on its own address and the true integrity', async () => {
    const { body } = await packument(fixtureServerPackageName)
    const dist = body.versions['1.0.0']?.dist
    expect(dist?.tarball).toBe(`${registry.url}${tarballPath(fixtureServerPackageName, '1.0.0')}`)
    expect(dist?.integrity).toBe(integrityOf(server.tarballs?.['1.0.0'] as Uint8Array))
    expect(body['dist-tags'].latest).toBe('2.0.0')
  })

  it('serves a tampered tarball whose sha512 differs from dist.integrity by one byte', async () => {
    const { body } = await packument(fixtureServerPackageName)
    const dist = body.versions['1.0.0']?.dist
    const response = await fetch(dist?.tarball as string)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/octet-stream')
    const bytes = new Uint8Array(await response.arrayBuffer())
    expect(`sha512-${sha512(bytes)}`).not.toBe(dist?.integrity)
    const original = server.tarballs?.['1.0.0'] as Uint8Array
    expect(bytes).toHaveLength(original.length)
    expect(Array.from(bytes.keys()).filter((index) => bytes[index] !== original[index])).toHaveLength(1)
  })

  it('serves untampered tarballs unchanged', async () => {
    const { body } = await packument(fixtureServerPackageName)
    const dist = body.versions['2.0.0']?.dist
    const bytes = new Uint8Array(await (await fetch(dist?.tarball as string)).arrayBuffer())
    expect(`sha512-${sha512(bytes)}`).toBe(dist?.integrity)
    const helper = await packument(fixtureDependencyName)
    const helperDist = helper.body.versions['1.0.0']?.dist
    const helperBytes = new Uint8Array(await (await fetch(helperDist?.tarball as string)).arrayBuffer())
    expect(`sha512-${sha512(helperBytes)}`).toBe(helperDist?.integrity)
  })

  it('passes the accept header on, so abbreviated packuments work', async () => {
    const { response, body } = await packument(fixtureServerPackageName, 'application/vnd.npm.install-v1+json')
    expect(response.headers.get('content-type')).toBe('application/vnd.npm.install-v1+json')
    expect(body.versions['2.0.0']?.dist.tarball.startsWith(registry.url)).toBe(true)
    expect((body as unknown as Record<string, unknown>).readme).toBeUndefined()
  })

  it('passes not-found answers through', async () => {
    const response = await fetch(`${registry.url}/no-such-package`)
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ error: 'Not found' })
  })

  it('counts requests, takes faults and publishes through to the registry behind it', async () => {
    const before = registry.countRequests()
    const tarballsBefore = registry.countRequests(`/${fixtureServerPackageName}/-/`)
    registry.setFault({ kind: 'status', status: 503, times: 1 })
    expect((await fetch(`${registry.url}/${fixtureDependencyName}`)).status).toBe(503)
    registry.addFault({ kind: 'status', status: 429, times: 1, path: '/fixture' })
    expect((await fetch(`${registry.url}/${fixtureDependencyName}`)).status).toBe(429)
    registry.setFault(null)
    expect(registry.countRequests()).toBe(before + 2)
    expect(registry.countRequests(`/${fixtureServerPackageName}/-/`)).toBe(tarballsBefore)
    expect(registry.requests.at(-1)?.fault).toBe('status')
    expect(registry.port).toBe(Number(new URL(registry.url).port))

    registry.setPackage(buildFixtureDependencyPackage({ name: 'late-arrival' }))
    expect(registry.packages.has('late-arrival')).toBe(true)
    expect((await fetch(`${registry.url}/late-arrival`)).status).toBe(200)
    registry.removePackage('late-arrival')
    expect((await fetch(`${registry.url}/late-arrival`)).status).toBe(404)
  })

  it('tampers at the given index', async () => {
    const original = server.tarballs?.['1.2.0'] as Uint8Array
    const front = await startTamperingNpmRegistry({ packages: [server], tamper: [{ name: fixtureServerPackageName, version: '1.2.0', index: 5 }] })
    try {
      const bytes = new Uint8Array(await (await fetch(`${front.url}${tarballPath(fixtureServerPackageName, '1.2.0')}`)).arrayBuffer())
      expect(Array.from(bytes.keys()).filter((index) => bytes[index] !== original[index])).toEqual([5])
    } finally {
      await front.close()
    }
  })
})
