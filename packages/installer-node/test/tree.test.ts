/**
 * The whole-tree rule, bounded unpacking and credentials, against real npm and a loopback
 * registry serving hostile packages: each is refused (or installed without leaking a token)
 * and leaves nothing in the staging directory.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { buildFixtureDependencyPackage, buildFixtureServerPackage, buildNpmPackage, buildNpmTarball, startFakeNpmRegistry, startFakeServer } from '@tekton/mcp-testkit'
import type { FakeNpmPackage, FakeNpmRegistry, FakeResponse, FakeServer } from '@tekton/mcp-testkit'
import type { ProgressEvent } from '@tekton/mcp-installation'
import { createNodeInstaller, defaultExec } from '../src/index'
import { dependencyPath, judgeTree, nonRegistrySpecs, parseLockfile } from '../src/tree'
import { createUnpackBudget, measureTarball } from '../src/unpacked-size'
import { entries, installSpec, isolatedEnv, quickHttp, stagingIn, tempTree } from './helpers'

const npmTimeout = 600_000
const token = 'registry-token-never-forwarded'

let tree: Awaited<ReturnType<typeof tempTree>>
let registry: FakeNpmRegistry
/** What the installer and npm talk to: the registry, with one tarball answering a redirect. */
let front: FakeServer
/** Another port of the same host: where the redirect goes, and where foreign tarballs live. */
let elsewhere: FakeServer
let env: NodeJS.ProcessEnv

/** A library package whose `dist` a test can override. */
function library(name: string, files: Record<string, string | Uint8Array> = {}): FakeNpmPackage {
  const bytes = buildNpmTarball({ 'package.json': `${JSON.stringify({ name, version: '1.0.0', main: 'index.js' })}\n`, 'index.js': 'module.exports = 1\n', ...files })
  return buildNpmPackage({ name, description: 'a dependency', license: 'MIT', versions: [{ version: '1.0.0', publishedAt: '2025-01-01T00:00:00.000Z', main: 'index.js', type: 'commonjs' }], tarballs: { '1.0.0': bytes } })
}

function serverDependingOn(name: string, dependencies: Record<string, string>): FakeNpmPackage {
  // The launcher requires its dependencies; these tests stop before it runs, or use a real one.
  return buildFixtureServerPackage({ name, versions: [{ version: '1.0.0', dependencies }] })
}

const movedHelper = library('moved-helper')
const movedBytes = movedHelper.tarballs?.['1.0.0'] as Uint8Array

beforeAll(async () => {
  tree = await tempTree()
  elsewhere = await startFakeServer(async (request) => {
    if (request.path === '/moved-helper-1.0.0.tgz') return { headers: { 'content-type': 'application/octet-stream' }, body: movedBytes }
    if (request.path === '/meta-moved-helper') {
      // The packument the registry redirected to: its tarball is on the registry, as usual.
      const response = await fetch(`${registry.url}/meta-moved-helper`)
      return { headers: { 'content-type': 'application/json' }, body: (await response.text()).replaceAll(registry.url, front.url) }
    }
    return { status: 404, json: { error: 'Not found' } }
  })
  const sha1Helper = library('weak-helper')
  sha1Helper.distOverrides = { '1.0.0': { integrity: `sha1-${createHash('sha1').update(sha1Helper.tarballs?.['1.0.0'] as Uint8Array).digest('base64')}` } }
  const noneHelper = library('none-helper')
  noneHelper.distOverrides = { '1.0.0': { integrity: null } }
  const foreignHelper = library('foreign-helper')
  foreignHelper.distOverrides = { '1.0.0': { tarball: `${elsewhere.url}/foreign-helper-1.0.0.tgz` } }
  registry = await startFakeNpmRegistry({
    packages: [
      buildFixtureDependencyPackage(),
      library('bomb', { 'zeros.bin': new Uint8Array(24 * 1024 * 1024) }),
      sha1Helper,
      foreignHelper,
      noneHelper,
      movedHelper,
      library('meta-moved-helper'),
      serverDependingOn('fixture-meta-moved-dep', { 'meta-moved-helper': '^1.0.0' }),
      serverDependingOn('fixture-git-dep', { helper: 'git+http://127.0.0.1:9/helper.git' }),
      serverDependingOn('fixture-url-dep', { helper: `${elsewhere.url}/helper.tgz` }),
      serverDependingOn('fixture-file-dep', { helper: 'file:../../outside' }),
      serverDependingOn('fixture-sha1-dep', { 'weak-helper': '^1.0.0' }),
      serverDependingOn('fixture-none-dep', { 'none-helper': '^1.0.0' }),
      serverDependingOn('fixture-foreign-dep', { 'foreign-helper': '^1.0.0' }),
      serverDependingOn('fixture-bomb-dep', { bomb: '^1.0.0' }),
      serverDependingOn('fixture-moved-dep', { 'moved-helper': '^1.0.0' }),
      // Bundled dependencies are resolved by npm (through the loopback proxy), not in-process.
      buildNpmPackage({
        name: 'bundling-helper',
        description: 'bundles one dependency',
        license: 'MIT',
        versions: [{ version: '1.0.0', publishedAt: '2025-01-01T00:00:00.000Z', main: 'index.js', type: 'commonjs', bundleDependencies: ['inner'], dependencies: { inner: '^1.0.0' } }],
        tarballs: {
          '1.0.0': buildNpmTarball({
            'package.json': `${JSON.stringify({ name: 'bundling-helper', version: '1.0.0', main: 'index.js', bundleDependencies: ['inner'], dependencies: { inner: '^1.0.0' } })}\n`,
            'index.js': 'module.exports = 1\n',
            'node_modules/inner/package.json': '{"name":"inner","version":"1.0.0"}\n',
          }),
        },
      }),
      serverDependingOn('fixture-bundling-dep', { 'bundling-helper': '^1.0.0', 'moved-helper': '^1.0.0' }),
    ],
  })
  // The front answers the moved tarball with a redirect to another port of the same host, and
  // passes everything else through (with URLs rewritten), keeping the request headers it got.
  front = await startFakeServer(async (request): Promise<FakeResponse> => {
    if (request.path === '/moved-helper/-/moved-helper-1.0.0.tgz') return { status: 302, headers: { location: `${elsewhere.url}/moved-helper-1.0.0.tgz` } }
    if (request.path === '/meta-moved-helper') return { status: 302, headers: { location: `${elsewhere.url}/meta-moved-helper` } }
    const headers: Record<string, string> = {}
    for (const name of ['accept', 'authorization']) {
      const value = request.headers[name]
      if (typeof value === 'string') headers[name] = value
    }
    const response = await fetch(`${registry.url}${request.path}`, { headers })
    const type = response.headers.get('content-type') ?? 'application/octet-stream'
    const body = type.includes('json') ? (await response.text()).replaceAll(registry.url, request.baseUrl) : new Uint8Array(await response.arrayBuffer())
    return { status: response.status, headers: { 'content-type': type }, body }
  })
  // A user setting seen on a real machine: without an explicit override npm would leave every
  // registry entry of the lockfile without its URL, and the rule would refuse them all.
  await mkdir(path.join(tree.root, 'home'), { recursive: true })
  await writeFile(path.join(tree.root, 'home', '.npmrc'), 'omit-lockfile-registry-resolved=true\n')
  const authority = new URL(front.url).host
  env = isolatedEnv(tree.root, { npm_config_registry: front.url, [`npm_config_//${authority}/:_authToken`]: token, npm_config_cache: path.join(tree.root, 'npm-cache') })
})

afterAll(async () => {
  await front?.close()
  await registry?.close()
  await elsewhere?.close()
  await tree?.cleanup()
})

/** Every file and directory under `directory` with its size, `skip` left out: what an install wrote. */
async function snapshot(directory: string, skip: string): Promise<string[]> {
  const found: string[] = []
  const walk = async (current: string) => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name)
      if (full === skip) continue
      if (entry.isDirectory()) {
        found.push(`${full}/`)
        await walk(full)
      } else found.push(`${full} ${(await stat(full)).size}`)
    }
  }
  await walk(directory)
  return found.sort()
}

async function refusal(identifier: string, options: { maxUnpackedBytes?: number } = {}): Promise<{ code: string; message: string; staging: string; writtenElsewhere: string[] }> {
  const staging = await stagingIn(tree.root, `refused-${identifier}`)
  const installer = createNodeInstaller({ env, http: quickHttp(), ...options })
  const before = await snapshot(tree.root, staging)
  const error = (await installer.install(installSpec(identifier), { stagingDir: staging }).then(
    () => {
      throw new Error(`${identifier} installed`)
    },
    (caught: unknown) => caught,
  )) as { code: string; message: string }
  const after = await snapshot(tree.root, staging)
  return { code: error.code, message: error.message, staging, writtenElsewhere: after.filter((entry) => !before.includes(entry)) }
}

describe('only verified registry tarballs, in the whole tree', () => {
  it.each([
    ['fixture-git-dep', 'fixture-git-dep > helper: "git+http://127.0.0.1:9/helper.git"'],
    ['fixture-url-dep', 'fixture-url-dep > helper: "http://127.0.0.1:'],
    ['fixture-file-dep', 'fixture-file-dep > helper: "file:../../outside"'],
  ])('%s: a direct dependency from outside the registry is refused before npm resolves anything', async (identifier, named) => {
    const { code, message, staging, writtenElsewhere } = await refusal(identifier)
    expect(code).toBe('E_UNSAFE_DEPENDENCY')
    expect(message).toContain(named)
    expect(await entries(staging)).toEqual([])
    expect(writtenElsewhere).toEqual([])
  })

  it.each([
    ['fixture-sha1-dep', 'fixture-sha1-dep > weak-helper: only a weak integrity (sha1)'],
    ['fixture-foreign-dep', 'fixture-foreign-dep > foreign-helper: from http://127.0.0.1:'],
    // Without dist.integrity npm falls back to the sha1 shasum, or records none: refused either way.
    ['fixture-none-dep', 'fixture-none-dep > none-helper: '],
  ])(
    '%s: a resolved dependency that is not a registry tarball with a sha512 is refused; nothing is left',
    async (identifier, named) => {
      const { code, message, staging, writtenElsewhere } = await refusal(identifier)
      expect(code).toBe('E_UNSAFE_DEPENDENCY')
      expect(message).toContain(named)
      expect(await entries(staging)).toEqual([])
      // Not even npm's cache: npm never ran.
      expect(writtenElsewhere).toEqual([])
    },
    npmTimeout,
  )

  it(
    'a dependency that unpacks past the cap is refused while its tarball is read: E_TOO_LARGE, nothing unpacked',
    async () => {
      const { code, message, staging, writtenElsewhere } = await refusal('fixture-bomb-dep', { maxUnpackedBytes: 16 * 1024 * 1024 })
      expect(code).toBe('E_TOO_LARGE')
      expect(message).toContain('more than 16 MiB (reached while reading bomb@1.0.0)')
      expect(await entries(staging)).toEqual([])
      expect(writtenElsewhere).toEqual([])
    },
    npmTimeout,
  )

  it(
    'a dependency tarball redirected to another port gets no Authorization there; the install completes from verified files',
    async () => {
      const staging = await stagingIn(tree.root, 'moved')
      const installer = createNodeInstaller({ env, http: quickHttp() })
      const result = await installer.install(installSpec('fixture-moved-dep'), { stagingDir: staging })
      expect(result.details).toMatchObject({ dependencies: 1 })
      const moved = elsewhere.requests.filter((request) => request.path === '/moved-helper-1.0.0.tgz')
      expect(moved.length).toBeGreaterThan(0)
      expect(moved.every((request) => request.headers.authorization === undefined)).toBe(true)
      // The registry itself got the token (so it was configured), and the lockfile records the registry URL.
      expect(front.requests.some((request) => request.headers.authorization === `Bearer ${token}`)).toBe(true)
      const lock = JSON.parse(await readFile(path.join(staging, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> }
      expect(lock.packages['node_modules/moved-helper']?.resolved).toBe(`${front.url}/moved-helper/-/moved-helper-1.0.0.tgz`)
      expect(await readdir(staging)).not.toContain('.tekton-tarballs')
    },
    npmTimeout,
  )

  it(
    'a packument redirected to another port gets no Authorization there, and npm never holds the token',
    async () => {
      const staging = await stagingIn(tree.root, 'meta-moved')
      const installer = createNodeInstaller({ env, http: quickHttp() })
      const result = await installer.install(installSpec('fixture-meta-moved-dep'), { stagingDir: staging })
      expect(result.details).toMatchObject({ dependencies: 1 })
      const moved = elsewhere.requests.filter((request) => request.path === '/meta-moved-helper')
      expect(moved.length).toBeGreaterThan(0)
      expect(moved.every((request) => request.headers.authorization === undefined)).toBe(true)
      // Everything npm itself asked the registry for came without the token: only our client sent it.
      const npmRequests = front.requests.filter((request) => String(request.headers['user-agent']).startsWith('npm/'))
      expect(npmRequests.every((request) => request.headers.authorization === undefined)).toBe(true)
      expect(front.requests.some((request) => request.headers.authorization === `Bearer ${token}`)).toBe(true)
      const lock = JSON.parse(await readFile(path.join(staging, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> }
      expect(lock.packages['node_modules/meta-moved-helper']?.resolved).toBe(`${front.url}/meta-moved-helper/-/meta-moved-helper-1.0.0.tgz`)
    },
    npmTimeout,
  )
})

describe('when npm resolves the tree', () => {
  it(
    'npm resolves through the loopback proxy with no token in its environment or arguments, and the redirected tarball gets none either',
    async () => {
      const staging = await stagingIn(tree.root, 'npm-resolves')
      const runs: Array<{ args: readonly string[]; env: NodeJS.ProcessEnv }> = []
      const events: ProgressEvent[] = []
      const installer = createNodeInstaller({
        env,
        http: quickHttp(),
        exec: (file, args, options) => {
          if (args[0] === 'install' || args[0] === 'ci') runs.push({ args, env: options.env ?? {} })
          return defaultExec(file, args, options)
        },
      })
      const movedBefore = elsewhere.requests.length
      const result = await installer.install(installSpec('fixture-bundling-dep'), { stagingDir: staging, progress: (event) => events.push(event) })
      expect(events.map((event) => event.detail)).toContain('npm resolves the dependency tree (bundling-helper@1.0.0 bundles dependencies)')
      expect(runs.map((run) => run.args[0])).toEqual(['install', 'ci'])
      for (const run of runs) {
        expect(JSON.stringify(run.args)).not.toContain(token)
        expect(Object.values(run.env).join('\n')).not.toContain(token)
      }
      // npm was pointed at the loopback proxy, not the registry.
      expect(runs[0]?.env.npm_config_registry).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
      expect(runs[0]?.env.npm_config_registry).not.toBe(`${front.url}/`)
      expect(result.details).toMatchObject({ dependencies: 2 })
      const moved = elsewhere.requests.slice(movedBefore).filter((request) => request.path === '/moved-helper-1.0.0.tgz')
      expect(moved.length).toBeGreaterThan(0)
      expect(moved.every((request) => request.headers.authorization === undefined)).toBe(true)
      expect(await readFile(path.join(staging, 'node_modules', 'bundling-helper', 'node_modules', 'inner', 'package.json'), 'utf8')).toContain('"inner"')
    },
    npmTimeout,
  )
})

describe('tree rule units', () => {
  it('names the path to a nested dependency', () => {
    expect(dependencyPath('top', 'node_modules/top/node_modules/a/node_modules/@s/b')).toBe('top > a > @s/b')
    expect(dependencyPath('top', 'node_modules/a')).toBe('top > a')
  })

  it('sorts specs: ranges, tags and npm: aliases are registry specs; git, URLs, files, links and paths are not', () => {
    const found = nonRegistrySpecs({
      dependencies: { a: '^1.2.0', b: 'latest', c: 'npm:other@^2', d: 'github:owner/repo', e: 'owner/repo', f: 'link:../x', g: './dir' },
      optionalDependencies: { h: 'https://example.invalid/h.tgz' },
    })
    expect(found.map((entry) => entry.name)).toEqual(['d', 'e', 'f', 'g', 'h'])
  })

  it('judges links, missing URLs and missing integrity, skips bundled and other-platform entries, and lists allowed ones', () => {
    const lockfile = parseLockfile(
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          '': { dependencies: { top: 'file:package.tgz' } },
          'node_modules/top': { resolved: 'file:package.tgz' },
          'node_modules/linked': { resolved: '../outside', link: true },
          'node_modules/nowhere': { version: '1.0.0' },
          'node_modules/bundled': { version: '1.0.0', inBundle: true },
          'node_modules/plain': { version: '1.0.0', resolved: 'http://127.0.0.1:1/plain/-/plain-1.0.0.tgz' },
          'node_modules/other-os': { version: '1.0.0', resolved: 'http://127.0.0.1:1/other-os/-/other-os-1.0.0.tgz', integrity: 'sha512-x', os: ['!linux', '!darwin', '!win32'] },
        },
      }),
      'top@1.0.0',
    )
    const registry = { baseUrl: 'http://127.0.0.1:1', origin: 'options' as const, scopes: {}, variables: [], consulted: [] }
    const strict = judgeTree(lockfile, { rootName: 'top', rootKey: 'node_modules/top', registry, allowNonRegistry: false })
    expect(strict.refused).toEqual([
      'top > linked: a link to "../outside", outside the registry',
      'top > nowhere: no resolved URL (a directory or an unknown source)',
      'top > plain: no integrity, so its tarball cannot be checked',
    ])
    expect(strict.fetch).toEqual([])
    const allowing = judgeTree(lockfile, { rootName: 'top', rootKey: 'node_modules/top', registry, allowNonRegistry: true })
    expect(allowing.allowed).toHaveLength(2)
    expect(allowing.refused).toEqual(['top > plain: no integrity, so its tarball cannot be checked'])
  })

  it('counts files and bytes across tarballs, and stops at the file cap', async () => {
    const budget = createUnpackBudget(1024 * 1024, 3)
    await measureTarball(buildNpmTarball({ 'package.json': '{}', 'a.js': 'x'.repeat(1000) }), 'first', budget)
    expect(budget.files).toBe(2)
    expect(budget.bytes).toBe(1002)
    await expect(measureTarball(buildNpmTarball({ 'b.js': '1', 'c.js': '2' }), 'second', budget)).rejects.toMatchObject({ code: 'E_TOO_LARGE', message: expect.stringContaining('more than 3 files') })
  })
})
