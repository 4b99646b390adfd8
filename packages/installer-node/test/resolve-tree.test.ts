/**
 * The in-process resolver against real npm: the tree it writes is the one npm's own resolution
 * writes for the same package (peers, nested conflicts, aliases, optional dependencies of other
 * platforms, engine-aware picks), `npm ci --offline` installs it as is, and what it leaves to npm
 * (bundled dependencies, a shrinkwrap, allowed non-registry dependencies) still installs.
 */
import { execFile } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { TektonError } from '@tekton/mcp-discovery'
import type { ProgressEvent } from '@tekton/mcp-installation'
import { buildNpmPackage, buildNpmTarball, integrityOf, startFakeNpmRegistry, startFakeServer } from '@tekton/mcp-testkit'
import type { FakeNpmPackage, FakeNpmRegistry, FakeServer } from '@tekton/mcp-testkit'
import { createNodeInstaller } from '../src/index'
import { parseRegistrySpec, pickVersion, resolveTree } from '../src/resolve-tree'
import { readTarballManifest } from '../src/tarball-manifest'
import { entries, installSpec, isolatedEnv, quickHttp, stagingIn, tempTree } from './helpers'

const npmTimeout = 600_000
const run = promisify(execFile)

/** An operating system and a CPU npm will not install on this machine. */
const otherOs = process.platform === 'aix' ? 'sunos' : 'aix'

type Version = { version: string; deprecated?: string; files?: Record<string, string>; [field: string]: unknown }

/** A package whose tarball's package.json and registry manifest say the same. */
function pkg(name: string, versions: Version[], distTags?: Record<string, string>): FakeNpmPackage {
  const tarballs: Record<string, Uint8Array> = {}
  const specs = versions.map(({ files, ...fields }, index) => {
    const manifest = { name, main: 'index.js', ...fields }
    tarballs[fields.version] = buildNpmTarball({ 'package.json': `${JSON.stringify(manifest, null, 2)}\n`, 'index.js': `module.exports = ${JSON.stringify(`${name}@${fields.version}`)}\n`, ...files })
    return { ...fields, main: 'index.js', type: 'commonjs' as const, publishedAt: new Date(Date.UTC(2025, 0, 1 + index)).toISOString() }
  })
  return buildNpmPackage({ name, license: 'MIT', versions: specs, tarballs, ...(distTags ? { distTags } : {}) })
}

function server(name: string, fields: Record<string, unknown>, files: Record<string, string> = {}): FakeNpmPackage {
  return pkg(name, [{ version: '1.0.0', bin: { [name]: 'bin/server.js' }, ...fields, files: { 'bin/server.js': '#!/usr/bin/env node\nprocess.stdin.resume()\n', ...files } }])
}

let tree: Awaited<ReturnType<typeof tempTree>>
let registry: FakeNpmRegistry
let elsewhere: FakeServer
let env: NodeJS.ProcessEnv

const urlHelperBytes = buildNpmTarball({ 'package.json': `${JSON.stringify({ name: 'url-helper', version: '1.0.0', main: 'index.js' })}\n`, 'index.js': 'module.exports = 1\n' })

beforeAll(async () => {
  tree = await tempTree()
  elsewhere = await startFakeServer((request) =>
    request.path === '/url-helper.tgz' ? { headers: { 'content-type': 'application/octet-stream' }, body: urlHelperBytes } : { status: 404, json: { error: 'Not found' } },
  )
  registry = await startFakeNpmRegistry({
    packages: [
      // 2.0.0 is latest, so ^1 takes the highest 1.x; a and b want different majors.
      pkg('shared', [{ version: '1.0.0' }, { version: '1.1.0' }, { version: '2.0.0' }]),
      pkg('a', [{ version: '1.0.0', dependencies: { shared: '^1.0.0' } }]),
      pkg('b', [{ version: '1.0.0', dependencies: { shared: '^2.0.0', c: '^1.0.0' } }]),
      pkg('c', [{ version: '1.0.0', dependencies: { shared: '^2.0.0' } }]),
      pkg('host', [{ version: '3.0.0' }, { version: '3.1.0' }]),
      pkg('plugin', [{ version: '1.0.0', peerDependencies: { host: '^3.0.0' } }]),
      pkg('quiet-peer', [{ version: '1.0.0', peerDependencies: { 'absent-peer': '^1.0.0' }, peerDependenciesMeta: { 'absent-peer': { optional: true } } }]),
      pkg('absent-peer', [{ version: '1.0.0' }]),
      pkg('native-other', [{ version: '1.0.0', os: [otherOs], dependencies: { 'native-helper': '^1.0.0' } }]),
      pkg('native-helper', [{ version: '1.0.0' }]),
      // latest needs a node from the future: npm picks the newest version this node runs.
      pkg('engine-pick', [{ version: '1.0.0' }, { version: '1.1.0', engines: { node: '>=99' } }], { latest: '1.1.0' }),
      pkg('tagged', [{ version: '1.0.0' }, { version: '2.0.0-beta.1' }], { latest: '1.0.0', next: '2.0.0-beta.1' }),
      server('fixture-resolver', {
        dependencies: { a: '^1.0.0', b: '^1.0.0', shared: '^1.0.0', plugin: '^1.0.0', 'quiet-peer': '^1.0.0', 'shared-two': 'npm:shared@^2.0.0', 'engine-pick': '^1.0.0', tagged: 'next' },
        optionalDependencies: { 'native-other': '^1.0.0', 'not-published': '^1.0.0' },
      }),
      // Left to npm: bundled dependencies, and a URL dependency when non-registry ones are allowed.
      pkg('bundler', [{ version: '1.0.0', bundleDependencies: ['inner'], dependencies: { inner: '^1.0.0' }, files: { 'node_modules/inner/package.json': '{"name":"inner","version":"1.0.0"}\n' } }]),
      server('fixture-bundling', { dependencies: { bundler: '^1.0.0' } }),
      pkg('mid', [{ version: '1.0.0', dependencies: { 'url-helper': `${elsewhere.url}/url-helper.tgz` } }]),
      server('fixture-nested-url', { dependencies: { mid: '^1.0.0' } }),
      pkg('git-mid', [{ version: '1.0.0', dependencies: { 'git-helper': 'git+http://127.0.0.1:9/helper.git' } }]),
      server('fixture-nested-git', { dependencies: { 'git-mid': '^1.0.0' } }),
    ],
  })
  // A shrinkwrap names the registry's own URL, known once it listens.
  const sharedBytes = registry.packages.get('shared')?.tarballs?.['1.0.0'] as Uint8Array
  const shrinkwrap = {
    name: 'fixture-shrinkwrapped',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'fixture-shrinkwrapped', version: '1.0.0', dependencies: { shared: '^1.0.0' } },
      'node_modules/shared': { version: '1.0.0', resolved: `${registry.url}/shared/-/shared-1.0.0.tgz`, integrity: integrityOf(sharedBytes) },
    },
  }
  registry.setPackage(server('fixture-shrinkwrapped', { dependencies: { shared: '^1.0.0' }, _hasShrinkwrap: true }, { 'npm-shrinkwrap.json': `${JSON.stringify(shrinkwrap, null, 2)}\n` }))
  const gitPinned = {
    lockfileVersion: 3,
    packages: {
      '': { dependencies: { helper: '^1.0.0' } },
      'node_modules/helper': { version: '1.0.0', resolved: 'git+ssh://127.0.0.1/helper.git#0123456789abcdef0123456789abcdef01234567' },
    },
  }
  registry.setPackage(server('fixture-shrinkwrapped-git', { dependencies: { helper: '^1.0.0' }, _hasShrinkwrap: true }, { 'npm-shrinkwrap.json': JSON.stringify(gitPinned) }))
  env = isolatedEnv(tree.root, { npm_config_registry: registry.url, npm_config_cache: path.join(tree.root, 'npm-cache') })
})

afterAll(async () => {
  await registry?.close()
  await elsewhere?.close()
  await tree?.cleanup()
})

type Lock = { packages: Record<string, { name?: string; version?: string; optional?: boolean; peer?: boolean; resolved?: string }> }

/** Each lock entry's name, version and flags: the tree, without URLs (ours point at the registry, npm's too). */
function shape(lock: Lock): Record<string, string> {
  return Object.fromEntries(
    Object.entries(lock.packages)
      .filter(([key]) => key !== '')
      .map(([key, entry]) => [key, `${entry.name ? `${entry.name}@` : ''}${entry.version}${entry.optional ? ' optional' : ''}${entry.peer ? ' peer' : ''}`]),
  )
}

/** What npm's own resolution writes for the same top-level tarball (npm talks to the fake registry directly: no token there). */
async function npmsOwnLockfile(identifier: string): Promise<Lock> {
  const directory = await stagingIn(tree.root, `npm-own-${identifier}`)
  const bytes = registry.packages.get(identifier)?.tarballs?.['1.0.0'] as Uint8Array
  await writeFile(path.join(directory, 'package.tgz'), bytes)
  await writeFile(path.join(directory, 'package.json'), `${JSON.stringify({ dependencies: { [identifier]: 'file:package.tgz' } })}\n`)
  await run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: directory, env })
  return JSON.parse(await readFile(path.join(directory, 'package-lock.json'), 'utf8')) as Lock
}

async function installed(staging: string, key: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(path.join(staging, key, 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    return undefined
  }
}

describe('the tree resolved in-process', () => {
  it(
    'is the tree npm resolves (peers, a nested conflict, an alias, a tag, engine-aware picks, optional dependencies), installed offline as is with no npm resolution',
    async () => {
      const staging = await stagingIn(tree.root, 'resolver')
      const events: ProgressEvent[] = []
      const installer = createNodeInstaller({ env, http: quickHttp() })
      const result = await installer.install(installSpec('fixture-resolver'), { stagingDir: staging, progress: (event) => events.push(event) })
      const ours = JSON.parse(await readFile(path.join(staging, 'package-lock.json'), 'utf8')) as Lock
      expect(shape(ours)).toEqual(shape(await npmsOwnLockfile('fixture-resolver')))
      expect(shape(ours)).toMatchObject({
        'node_modules/shared': '1.1.0',
        'node_modules/b/node_modules/shared': '2.0.0',
        'node_modules/shared-two': 'shared@2.0.0',
        'node_modules/host': '3.1.0 peer',
        'node_modules/engine-pick': '1.0.0',
        'node_modules/tagged': '2.0.0-beta.1',
        'node_modules/native-other': '1.0.0 optional',
        'node_modules/native-helper': '1.0.0 optional',
      })
      expect(ours.packages['node_modules/absent-peer']).toBeUndefined()
      expect(ours.packages['node_modules/not-published']).toBeUndefined()
      // npm never resolved anything: no "npm resolves" activity, and the installed tree is the lockfile's.
      expect(events.filter((event) => event.phase === 'activity').map((event) => event.detail)).not.toContainEqual(expect.stringContaining('npm resolves'))
      expect(await installed(staging, 'node_modules/b/node_modules/shared')).toBe('2.0.0')
      expect(await installed(staging, 'node_modules/shared-two')).toBe('2.0.0')
      expect(await installed(staging, 'node_modules/host')).toBe('3.1.0')
      // Another platform's optional dependency is in the lockfile, as npm keeps it, but not installed or fetched.
      expect(await installed(staging, 'node_modules/native-other')).toBeUndefined()
      expect(registry.requests.some((request) => request.path.includes('native-other-1.0.0.tgz'))).toBe(false)
      // Every entry but the top-level package and the other platform's optional one was fetched and checked.
      expect(result.details?.dependencies).toBe(13)
      expect(ours.packages['node_modules/shared']?.resolved).toBe(`${registry.url}/shared/-/shared-1.1.0.tgz`)
    },
    npmTimeout,
  )

  it(
    'bundled dependencies are left to npm, which resolves the tree through the proxy; the bundled copy is installed',
    async () => {
      const staging = await stagingIn(tree.root, 'fallback-bundling')
      const events: ProgressEvent[] = []
      const installer = createNodeInstaller({ env, http: quickHttp() })
      await installer.install(installSpec('fixture-bundling'), { stagingDir: staging, progress: (event) => events.push(event) })
      expect(events.map((event) => event.detail)).toContain('npm resolves the dependency tree (bundler@1.0.0 bundles dependencies)')
      expect(await installed(staging, 'node_modules/bundler/node_modules/inner')).toBe('1.0.0')
    },
    npmTimeout,
  )

  it(
    'a package that ships a shrinkwrap gets the tree it pins, inside its own node_modules as `npm install <package>` puts it; nothing is resolved',
    async () => {
      const staging = await stagingIn(tree.root, 'shrinkwrapped')
      const events: ProgressEvent[] = []
      const installer = createNodeInstaller({ env, http: quickHttp() })
      const result = await installer.install(installSpec('fixture-shrinkwrapped'), { stagingDir: staging, progress: (event) => events.push(event) })
      expect(events.map((event) => event.detail)).not.toContainEqual(expect.stringContaining('npm resolves'))
      // The pin (1.0.0), where the range alone would take 1.1.0.
      expect(await installed(staging, 'node_modules/fixture-shrinkwrapped/node_modules/shared')).toBe('1.0.0')
      expect(await installed(staging, 'node_modules/shared')).toBeUndefined()
      expect(result.details?.dependencies).toBe(1)
    },
    npmTimeout,
  )

  it(
    'a shrinkwrap pinning a dependency from git is refused with its path; nothing is left',
    async () => {
      const staging = await stagingIn(tree.root, 'shrinkwrapped-git')
      const installer = createNodeInstaller({ env, http: quickHttp() })
      const error = (await installer.install(installSpec('fixture-shrinkwrapped-git'), { stagingDir: staging }).catch((caught: unknown) => caught)) as { code: string; message: string }
      expect(error.code).toBe('E_UNSAFE_DEPENDENCY')
      expect(error.message).toContain('fixture-shrinkwrapped-git > helper: from "git+ssh://127.0.0.1/helper.git#0123456789abcdef0123456789abcdef01234567", not a registry tarball')
      expect(await entries(staging)).toEqual([])
    },
    npmTimeout,
  )

  it(
    'a dependency of a dependency from a URL, allowed for this install, is left to npm and recorded',
    async () => {
      const staging = await stagingIn(tree.root, 'nested-url')
      const installer = createNodeInstaller({ env, http: quickHttp() })
      const result = await installer.install({ ...installSpec('fixture-nested-url'), allowNonRegistryDependencies: true }, { stagingDir: staging })
      expect(result.details?.nonRegistryDependencies).toEqual([expect.stringContaining('fixture-nested-url > url-helper: from')])
      expect(await installed(staging, 'node_modules/url-helper')).toBe('1.0.0')
    },
    npmTimeout,
  )

  it.each([
    ['fixture-nested-git', 'fixture-nested-git > git-mid > git-helper: "git+http://127.0.0.1:9/helper.git"'],
    ['fixture-nested-url', 'fixture-nested-url > mid > url-helper: "http://127.0.0.1:'],
  ])(
    '%s: a non-registry dependency deeper in the tree is refused with its path before anything is fetched from it; nothing is left',
    async (identifier, named) => {
      const staging = await stagingIn(tree.root, `nested-refused-${identifier}`)
      const installer = createNodeInstaller({ env, http: quickHttp() })
      const fetchedBefore = elsewhere.requests.length
      const error = (await installer.install(installSpec(identifier), { stagingDir: staging }).catch((caught: unknown) => caught)) as { code: string; message: string }
      expect(error.code).toBe('E_UNSAFE_DEPENDENCY')
      expect(error.message).toContain(named)
      expect(await entries(staging)).toEqual([])
      expect(elsewhere.requests.length).toBe(fetchedBefore)
    },
    npmTimeout,
  )
})

describe('resolver units', () => {
  it('reads registry specs as npm does, and nothing else', () => {
    expect(parseRegistrySpec('x', '^1.2.0')).toEqual({ packageName: 'x', kind: 'range', value: '^1.2.0' })
    expect(parseRegistrySpec('x', '')).toEqual({ packageName: 'x', kind: 'range', value: '*' })
    expect(parseRegistrySpec('x', 'v1.2.3')).toEqual({ packageName: 'x', kind: 'version', value: '1.2.3' })
    expect(parseRegistrySpec('x', 'next')).toEqual({ packageName: 'x', kind: 'tag', value: 'next' })
    expect(parseRegistrySpec('x', 'npm:@s/real@~2.1')).toEqual({ packageName: '@s/real', kind: 'range', value: '~2.1' })
    expect(parseRegistrySpec('x', 'npm:real')).toEqual({ packageName: 'real', kind: 'range', value: '*' })
    for (const spec of ['github:o/r', 'o/r', 'file:../x', 'link:../x', './dir', 'https://h/x.tgz', 'git+ssh://h/r.git', 'npm:real@npm:other@1']) expect(parseRegistrySpec('x', spec)).toBeUndefined()
  })

  it('picks like npm: latest when it fits and runs, else the newest that runs and is not deprecated', () => {
    const manifest = (version: string, extra: Record<string, unknown> = {}) => ({ version, dist: { tarball: `http://h/${version}.tgz` }, ...extra })
    const packument = {
      'dist-tags': { latest: '1.3.0' },
      versions: { '1.0.0': manifest('1.0.0'), '1.1.0': manifest('1.1.0', { deprecated: 'broken' }), '1.2.0': manifest('1.2.0', { engines: { node: '>=99' } }), '1.3.0': manifest('1.3.0', { deprecated: 'old' }), '2.0.0': manifest('2.0.0') },
    }
    expect(pickVersion(packument, { packageName: 'p', kind: 'range', value: '^1.0.0' }, '20.0.0')?.version).toBe('1.0.0')
    expect(pickVersion(packument, { packageName: 'p', kind: 'range', value: '^1.0.0' }, '100.0.0')?.version).toBe('1.2.0')
    expect(pickVersion(packument, { packageName: 'p', kind: 'range', value: '*' }, '20.0.0')?.version).toBe('2.0.0')
    expect(pickVersion(packument, { packageName: 'p', kind: 'tag', value: 'latest' }, '20.0.0')?.version).toBe('1.3.0')
    expect(pickVersion(packument, { packageName: 'p', kind: 'version', value: '1.1.0' }, '20.0.0')?.version).toBe('1.1.0')
    expect(pickVersion(packument, { packageName: 'p', kind: 'range', value: '^3' }, '20.0.0')).toBeUndefined()
  })

  it('steps aside for npm on a peer it cannot place beside its dependent, and on a missing required dependency', async () => {
    const manifest = (name: string, version: string, extra: Record<string, unknown> = {}) => ({ name, version, dist: { tarball: `http://h/${name}-${version}.tgz`, integrity: 'sha512-x' }, ...extra })
    const packuments: Record<string, unknown> = {
      host: { 'dist-tags': { latest: '3.0.0' }, versions: { '2.0.0': manifest('host', '2.0.0'), '3.0.0': manifest('host', '3.0.0') } },
      plugin: { 'dist-tags': { latest: '1.0.0' }, versions: { '1.0.0': manifest('plugin', '1.0.0', { peerDependencies: { host: '^3.0.0' } }) } },
    }
    const packumentOf = async (name: string) => {
      if (packuments[name] === undefined) throw new TektonError('E_NOT_FOUND', `${name} is not on the registry`)
      return packuments[name]
    }
    const root = (dependencies: Record<string, string>) => ({ name: 'top', manifest: { name: 'top', version: '1.0.0', dependencies }, resolved: 'file:package.tgz', integrity: 'sha512-y' })
    // The top-level package wants host 2 where the plugin beside it needs host 3: npm's ERESOLVE to report, not ours.
    expect(await resolveTree({ root: root({ host: '^2.0.0', plugin: '^1.0.0' }), packumentOf, nodeVersion: '20.0.0', allowNonRegistry: false, what: 'top@1.0.0' })).toEqual({ fallback: 'host cannot be placed for plugin' })
    const missing = await resolveTree({ root: root({ nowhere: '^1.0.0' }), packumentOf, nodeVersion: '20.0.0', allowNonRegistry: false, what: 'top@1.0.0' })
    expect(missing).toEqual({ fallback: 'no version of nowhere matches ^1.0.0' })
  })

  it('reads the package.json and the shrinkwrap of a tarball; an unreadable one gives neither', () => {
    const read = readTarballManifest(buildNpmTarball({ 'package.json': '{"name":"x","version":"1.0.0"}', 'npm-shrinkwrap.json': '{}' }))
    expect(read).toEqual({ manifest: { name: 'x', version: '1.0.0' }, shrinkwrap: '{}' })
    expect(readTarballManifest(new Uint8Array([1, 2, 3]))).toEqual({})
    expect(readTarballManifest(buildNpmTarball({ 'package.json': 'not json' }))).toEqual({})
  })
})
