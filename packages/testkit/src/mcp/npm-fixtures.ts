/**
 * The fixture MCP server (fixture-server.ts) published as real npm packages: gzipped tarballs
 * laid out as `npm pack` makes them (`package/...`), with packuments whose `dist.integrity` is
 * computed from those bytes, so `startFakeNpmRegistry({ packages })` serves installable packages
 * and a real `npm install` can fetch them and their dependencies from loopback.
 */
import { gzipSync } from 'node:zlib'
import { startFakeServer } from '../fake-server'
import { startFakeNpmRegistry } from '../npm/fake-npm-registry'
import type { FakeNpmRegistry, FakeNpmRegistryOptions } from '../npm/fake-npm-registry'
import { buildNpmPackage, tarballPath } from '../npm/packument'
import type { FakeNpmPackage, NpmVersionSpec } from '../npm/packument'
import { fixtureServerSource } from './fixture-server'
import type { FixtureServerOptions } from './fixture-server'

/** The default name of the fixture server package. */
export const fixtureServerPackageName = '@fixture/mcp-server'
/** The default name of the tiny library the fixture server can depend on. */
export const fixtureDependencyName = 'fixture-mcp-helper'
/** The file a fixture's `postinstall` script writes inside its package directory when scripts run. */
export const postinstallMarkerFile = 'postinstall-ran'

/** One published version of a fixture server package. */
export interface FixturePackageVersion {
  version: string
  /** @default one day after the previous version, from 2025-01-01 */
  publishedAt?: string
  /** How the server behaves (exit, hang, garbage) and what it lists. @default a well-behaved server */
  server?: FixtureServerOptions
  /** Replaces the package's dependencies for this version; each is `require`d at start. */
  dependencies?: Record<string, string>
  /** Replaces the package's engines for this version. */
  engines?: Record<string, string>
  deprecated?: string
  /** A `postinstall` script that writes `postinstallMarkerFile` next to package.json. @default false */
  postinstallMarker?: boolean
  /** Extra files in the tarball, by path inside the package (`lib/extra.js`). */
  files?: Record<string, string>
  /** npm scripts (`{ install: 'node build.js' }`, with the file in `files`), besides `postinstallMarker`'s. */
  scripts?: Record<string, string>
  /** The `bin` field. @default { <unscoped name>: 'bin/server.js' } */
  bin?: string | Record<string, string>
}

/** A short description of a fixture server package for `buildFixtureServerPackage`. */
export interface FixtureServerPackageSpec {
  /** @default '@fixture/mcp-server' */
  name?: string
  description?: string
  /** Versions in publish order. */
  versions: FixturePackageVersion[]
  /** @default { latest: the last published version without a prerelease part } */
  distTags?: Record<string, string>
  /** Dependencies of every version (a version's own `dependencies` replace them). */
  dependencies?: Record<string, string>
  engines?: Record<string, string>
  mcpName?: string
  /** The packument's keywords. @default ['mcp', 'mcp-server'] (a package that says it is an MCP server) */
  keywords?: string[]
}

/** Files of a package as `npm pack` would put them in a tarball, by path inside the package. */
export type NpmTarballFiles = Record<string, string | Uint8Array>

const blockSize = 512
/** npm packs every file with this modification time, so tarballs are reproducible. */
const packedTime = Date.UTC(1985, 9, 26, 8, 15) / 1000

function writeField(header: Buffer, offset: number, length: number, value: string): void {
  header.write(value, offset, Math.min(length, Buffer.byteLength(value)), 'utf8')
}

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, '0')}\0`
}

function tarHeader(name: string, size: number, mode: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new TypeError(`tar entry name longer than 100 bytes: ${name}`)
  const header = Buffer.alloc(blockSize)
  writeField(header, 0, 100, name)
  writeField(header, 100, 8, octal(mode, 8))
  writeField(header, 108, 8, octal(0, 8))
  writeField(header, 116, 8, octal(0, 8))
  writeField(header, 124, 12, octal(size, 12))
  writeField(header, 136, 12, octal(packedTime, 12))
  writeField(header, 148, 8, '        ') // the checksum is computed with its own field as spaces
  writeField(header, 156, 1, '0')
  writeField(header, 257, 6, 'ustar\0')
  writeField(header, 263, 2, '00')
  let checksum = 0
  for (const byte of header) checksum += byte
  writeField(header, 148, 8, `${checksum.toString(8).padStart(6, '0')}\0 `)
  return header
}

/**
 * A gzipped tarball with every file under `package/`, as `npm pack` writes it. Files under
 * `bin/` are executable. The output is the same for the same files (fixed times, no gzip name).
 */
export function buildNpmTarball(files: NpmTarballFiles): Uint8Array {
  const blocks: Buffer[] = []
  for (const [file, content] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const bytes = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content)
    blocks.push(tarHeader(`package/${file}`, bytes.length, file.startsWith('bin/') ? 0o755 : 0o644), bytes)
    const padding = (blockSize - (bytes.length % blockSize)) % blockSize
    if (padding > 0) blocks.push(Buffer.alloc(padding))
  }
  blocks.push(Buffer.alloc(blockSize * 2))
  return new Uint8Array(gzipSync(Buffer.concat(blocks)))
}

/** A copy of `bytes` with one byte changed: what a tampered mirror or a bad proxy would serve. */
export function flipByte(bytes: Uint8Array, index = Math.floor(bytes.length / 2)): Uint8Array {
  const copy = new Uint8Array(bytes)
  copy[index] = (copy[index] ?? 0) ^ 0xff
  return copy
}

function unscopedName(name: string): string {
  return name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name
}

function publishTimes(versions: ReadonlyArray<{ publishedAt?: string }>): string[] {
  return versions.map((entry, index) => entry.publishedAt ?? new Date(Date.UTC(2025, 0, 1 + index)).toISOString())
}

/**
 * Builds the fixture server as an npm package: each version's tarball holds `server.js` (the
 * fixture server, `serverInfo` named after the package and version), a `bin/server.js` launcher
 * that first `require`s every dependency (so a dependency npm failed to install stops the server,
 * as a real import would) and a package.json. The packument describes those tarballs.
 */
export function buildFixtureServerPackage(spec: FixtureServerPackageSpec): FakeNpmPackage {
  const name = spec.name ?? fixtureServerPackageName
  const times = publishTimes(spec.versions)
  const tarballs: Record<string, Uint8Array> = {}
  const versions: NpmVersionSpec[] = spec.versions.map((entry, index) => {
    const dependencies = entry.dependencies ?? spec.dependencies
    const engines = entry.engines ?? spec.engines
    const bin = entry.bin ?? { [unscopedName(name)]: 'bin/server.js' }
    const scripts = entry.postinstallMarker || entry.scripts ? { ...entry.scripts, ...(entry.postinstallMarker ? { postinstall: 'node write-marker.js' } : {}) } : undefined
    const manifest = {
      name,
      version: entry.version,
      description: spec.description ?? 'Fixture MCP server for tests',
      license: 'MIT',
      main: 'server.js',
      bin,
      ...(engines ? { engines } : {}),
      ...(dependencies ? { dependencies } : {}),
      ...(scripts ? { scripts } : {}),
      ...(spec.mcpName ? { mcpName: spec.mcpName } : {}),
    }
    const launcher = [
      '#!/usr/bin/env node',
      "'use strict'",
      ...Object.keys(dependencies ?? {}).map((dependency) => `require(${JSON.stringify(dependency)})`),
      "require('../server.js')",
      '',
    ].join('\n')
    const files: NpmTarballFiles = {
      'package.json': `${JSON.stringify(manifest, null, 2)}\n`,
      'server.js': fixtureServerSource({ name, version: entry.version, ...entry.server }),
      'bin/server.js': launcher,
      ...(entry.postinstallMarker
        ? { 'write-marker.js': `require('fs').writeFileSync(require('path').join(__dirname, ${JSON.stringify(postinstallMarkerFile)}), 'yes\\n')\n` }
        : {}),
      ...entry.files,
    }
    tarballs[entry.version] = buildNpmTarball(files)
    return {
      version: entry.version,
      publishedAt: times[index] as string,
      bin,
      main: 'server.js',
      type: 'commonjs',
      ...(engines ? { engines } : {}),
      ...(dependencies ? { dependencies } : {}),
      ...(scripts ? { scripts, hasInstallScript: true } : {}),
      ...(entry.deprecated ? { deprecated: entry.deprecated } : {}),
    }
  })
  return buildNpmPackage({
    name,
    description: spec.description ?? 'Fixture MCP server for tests',
    keywords: spec.keywords ?? ['mcp', 'mcp-server'],
    license: 'MIT',
    ...(spec.mcpName ? { mcpName: spec.mcpName } : {}),
    ...(spec.distTags ? { distTags: spec.distTags } : {}),
    versions,
    tarballs,
  })
}

/** A tiny CommonJS library (`module.exports = { name, version }`) for fixtures to depend on. */
export function buildFixtureDependencyPackage(options: { name?: string; versions?: string[] } = {}): FakeNpmPackage {
  const name = options.name ?? fixtureDependencyName
  const list = options.versions ?? ['1.0.0']
  const times = publishTimes(list.map(() => ({})))
  const tarballs: Record<string, Uint8Array> = {}
  for (const version of list) {
    tarballs[version] = buildNpmTarball({
      'package.json': `${JSON.stringify({ name, version, main: 'index.js', license: 'MIT' }, null, 2)}\n`,
      'index.js': `module.exports = ${JSON.stringify({ name, version })}\n`,
    })
  }
  return buildNpmPackage({
    name,
    description: 'A dependency of the fixture MCP server',
    license: 'MIT',
    versions: list.map((version, index) => ({ version, publishedAt: times[index] as string, main: 'index.js', type: 'commonjs' })),
    tarballs,
  })
}

/** The packages of `fixtureNpmPackages()`. */
export interface FixtureNpmPackages {
  /**
   * `@fixture/mcp-server`: 1.0.0 well-behaved; 1.1.0 exits at start; 1.2.0 hangs; 1.3.0 prints
   * text that is not MCP; 2.0.0 well-behaved with the `echo` tool's input schema changed and a
   * dependency on `fixture-mcp-helper`. `latest` is 2.0.0.
   */
  server: FakeNpmPackage
  /** `fixture-mcp-helper` 1.0.0, the dependency of `server@2.0.0`. */
  dependency: FakeNpmPackage
}

/** The echo input schema of `@fixture/mcp-server@2.0.0`: `text` plus a new required `repeat`. */
export const changedEchoInputSchema: Record<string, unknown> = {
  type: 'object',
  properties: { text: { type: 'string' }, repeat: { type: 'integer', minimum: 1 } },
  required: ['text', 'repeat'],
}

/** A standard set of fixture packages to serve with `startFakeNpmRegistry({ packages: Object.values(...) })`. */
export function fixtureNpmPackages(): FixtureNpmPackages {
  return {
    server: buildFixtureServerPackage({
      versions: [
        { version: '1.0.0' },
        { version: '1.1.0', server: { behavior: 'exit' } },
        { version: '1.2.0', server: { behavior: 'hang' } },
        { version: '1.3.0', server: { behavior: 'garbage' } },
        { version: '2.0.0', server: { echoInputSchema: changedEchoInputSchema }, dependencies: { [fixtureDependencyName]: '^1.0.0' } },
      ],
    }),
    dependency: buildFixtureDependencyPackage(),
  }
}

/** Options of `startTamperingNpmRegistry`: the fake's own, plus which downloads to tamper with. */
export interface TamperingNpmRegistryOptions extends FakeNpmRegistryOptions {
  /** Tarballs served with one byte flipped (at `index`, default the middle), their packument unchanged. */
  tamper: ReadonlyArray<{ name: string; version: string; index?: number }>
}

/**
 * A fake npm registry whose tarball downloads listed in `tamper` answer other bytes than the ones
 * the packument's `dist.integrity` describes: a mirror or proxy that changed a package after it
 * was published. Everything else is the real fake (`startFakeNpmRegistry`), behind a pass-through
 * front that rewrites its URLs, because the fake always computes `dist` from the bytes it serves.
 */
export async function startTamperingNpmRegistry(options: TamperingNpmRegistryOptions): Promise<FakeNpmRegistry> {
  const { tamper, ...registryOptions } = options
  const upstream = await startFakeNpmRegistry(registryOptions)
  const front = await startFakeServer(async (request) => {
    const tampered = tamper.find((entry) => request.url.pathname === tarballPath(entry.name, entry.version))
    const bytes = tampered && upstream.packages.get(tampered.name)?.tarballs?.[tampered.version]
    if (tampered && bytes) return { headers: { 'content-type': 'application/octet-stream' }, body: flipByte(bytes, tampered.index) }
    const headers: Record<string, string> = {}
    for (const name of ['accept', 'authorization']) {
      const value = request.headers[name]
      if (typeof value === 'string') headers[name] = value
    }
    const response = await fetch(`${upstream.url}${request.path}`, { method: request.method, headers })
    const type = response.headers.get('content-type') ?? 'application/octet-stream'
    const body = type.includes('json') ? (await response.text()).replaceAll(upstream.url, request.baseUrl) : new Uint8Array(await response.arrayBuffer())
    return { status: response.status, headers: { 'content-type': type }, body }
  }, registryOptions)
  return {
    url: front.url,
    port: front.port,
    requests: front.requests,
    setFault: (fault) => front.setFault(fault),
    addFault: (fault) => front.addFault(fault),
    async close() {
      await front.close()
      await upstream.close()
    },
    packages: upstream.packages,
    setPackage: (pkg) => upstream.setPackage(pkg),
    removePackage: (name) => upstream.removePackage(name),
    setKeys: (keys, signWith) => upstream.setKeys(keys, signWith),
    countRequests: (prefix) => (prefix === undefined ? front.requests.length : front.requests.filter((request) => request.path.startsWith(prefix)).length),
  }
}
