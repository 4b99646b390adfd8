/**
 * End to end against a fake npm registry on loopback, with the real `npm` on PATH installing into
 * temporary directories, and the launch spec started and spoken to over MCP's stdio transport.
 */
import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { ProgressEvent } from '@tekton/mcp-installation'
import {
  buildFixtureDependencyPackage,
  buildFixtureServerPackage,
  fixtureNpmPackages,
  postinstallMarkerFile,
  startFakeNpmRegistry,
  startTamperingNpmRegistry,
} from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { createNodeInstaller, findOnPath } from '../src/index'
import { entries, initialize, installSpec, isolatedEnv, quickHttp, stagingIn, tempTree } from './helpers'

/** Real npm installs: minutes on a loaded machine; the limit only catches a hang. */
const npmTimeout = 600_000

let tree: Awaited<ReturnType<typeof tempTree>>
let registry: FakeNpmRegistry
let env: NodeJS.ProcessEnv

beforeAll(async () => {
  tree = await tempTree()
  const fixtures = fixtureNpmPackages()
  registry = await startFakeNpmRegistry({
    packages: [
      fixtures.server,
      fixtures.dependency,
      buildFixtureServerPackage({ name: 'fixture-scripts', versions: [{ version: '1.0.0', postinstallMarker: true }] }),
      buildFixtureServerPackage({ name: 'fixture-broken-dependency', versions: [{ version: '1.0.0', dependencies: { 'fixture-not-published': '^1.0.0' } }] }),
      // A native build that takes a while but keeps printing, and one that waits forever without a word.
      buildFixtureServerPackage({
        name: 'fixture-slow-build',
        versions: [
          {
            version: '1.0.0',
            scripts: { install: 'node build.js' },
            files: { 'build.js': "let n = 0\nconst timer = setInterval(() => { n += 1; console.log('compiling unit ' + n + ' of 30'); if (n === 30) clearInterval(timer) }, 100)\n" },
          },
        ],
      }),
      buildFixtureServerPackage({
        name: 'fixture-stalled-build',
        versions: [
          {
            version: '1.0.0',
            scripts: { install: 'node stall.js' },
            files: { 'stall.js': "console.log('waiting for a license key, pid ' + process.pid)\nsetTimeout(() => {}, 1e9)\n" },
          },
        ],
      }),
      buildFixtureServerPackage({ name: 'fixture-future-node', versions: [{ version: '1.0.0', engines: { node: '>=99' } }] }),
      buildFixtureServerPackage({
        name: 'fixture-deprecated',
        versions: [{ version: '1.0.0' }, { version: '1.1.0', deprecated: 'Use 1.0.0: 1.1.0 leaks memory' }],
        distTags: { latest: '1.1.0' },
      }),
    ],
  })
  // A cache shared by this file's installs keeps them quick; it is npm's own, in the temporary HOME.
  env = isolatedEnv(tree.root, { npm_config_registry: registry.url, npm_config_cache: path.join(tree.root, 'npm-cache') })
})

afterAll(async () => {
  await registry?.close()
  await tree?.cleanup()
})

describe('install', () => {
  it(
    'installs the latest version with its dependency from the registry, and the launch spec answers MCP initialize',
    async () => {
      const staging = await stagingIn(tree.root, 'latest')
      const events: ProgressEvent[] = []
      const installer = createNodeInstaller({ env, http: quickHttp() })
      const result = await installer.install(installSpec('@fixture/mcp-server'), { stagingDir: staging, progress: (event) => events.push(event) })

      expect(result.version).toBe('2.0.0')
      expect(result.launch.command).toBe(await findOnPath('node', env))
      expect(result.launch.args).toEqual([path.join(staging, 'node_modules', '@fixture', 'mcp-server', 'bin', 'server.js')])
      expect(result.runtime).toEqual({ name: 'node', path: result.launch.command, version: process.versions.node })
      const answer = await initialize(result.launch)
      expect(answer.result?.serverInfo).toEqual({ name: '@fixture/mcp-server', version: '2.0.0' })

      // The dependency came from the fake registry through npm, and the lockfile pins it.
      const helper = JSON.parse(await readFile(path.join(staging, 'node_modules', 'fixture-mcp-helper', 'package.json'), 'utf8'))
      expect(helper.version).toBe('1.0.0')
      const lock = JSON.parse(await readFile(path.join(staging, 'package-lock.json'), 'utf8'))
      expect(lock.packages['node_modules/fixture-mcp-helper'].resolved).toBe(`${registry.url}/fixture-mcp-helper/-/fixture-mcp-helper-1.0.0.tgz`)
      expect(lock.packages['node_modules/@fixture/mcp-server'].resolved).toBe('file:package.tgz')

      // The verified tarball is kept, and it is what the integrity names.
      const kept = await readFile(path.join(staging, 'package.tgz'))
      expect(`sha512-${createHash('sha512').update(kept).digest('base64')}`).toBe(result.integrity.value)
      expect(result.integrity).toEqual({ value: registry.packages.get('@fixture/mcp-server')?.packument.versions['2.0.0']?.dist.integrity, source: 'npm dist.integrity', file: 'package.tgz' })
      expect(result.details).toEqual(
        expect.objectContaining({ name: '@fixture/mcp-server', registry: registry.url, bin: 'mcp-server', entry: 'node_modules/@fixture/mcp-server/bin/server.js', installScripts: 'none' }),
      )
      expect(events.filter((event) => event.phase === 'done').map((event) => event.step)).toEqual(['resolve', 'requirements', 'download', 'verify', 'install'])
      // Nothing is sent with credentials when none are configured.
      expect(registry.requests.every((request) => request.headers.authorization === undefined)).toBe(true)
    },
    npmTimeout,
  )

  it(
    'installs the exact version asked for',
    async () => {
      const installer = createNodeInstaller({ env, http: quickHttp() })
      const exact = await installer.install(installSpec('@fixture/mcp-server', { version: '1.0.0' }), { stagingDir: await stagingIn(tree.root, 'exact') })
      expect(exact.version).toBe('1.0.0')
      expect((await initialize(exact.launch)).result?.serverInfo?.version).toBe('1.0.0')
    },
    npmTimeout,
  )

  it(
    'does not run install scripts unless allowed for the server',
    async () => {
      const installer = createNodeInstaller({ env, http: quickHttp() })
      const skipped = await stagingIn(tree.root, 'scripts-off')
      const off = await installer.install(installSpec('fixture-scripts'), { stagingDir: skipped })
      await expect(stat(path.join(skipped, 'node_modules', 'fixture-scripts', postinstallMarkerFile))).rejects.toThrow(/ENOENT/)
      expect(off.details).toEqual(expect.objectContaining({ installScripts: 'skipped', notes: [expect.stringMatching(/has install scripts; they are not run/)] }))

      const allowed = await stagingIn(tree.root, 'scripts-on')
      const on = await installer.install(installSpec('fixture-scripts', { allowScripts: true }), { stagingDir: allowed })
      expect((await stat(path.join(allowed, 'node_modules', 'fixture-scripts', postinstallMarkerFile))).isFile()).toBe(true)
      expect(on.details).toEqual(expect.objectContaining({ installScripts: 'allowed' }))
    },
    npmTimeout,
  )

  it(
    "reports npm's failure with its exit code and error, and leaves the staging directory empty",
    async () => {
      const staging = await stagingIn(tree.root, 'broken')
      const installer = createNodeInstaller({ env, http: quickHttp() })
      const failure = installer.install(installSpec('fixture-broken-dependency'), { stagingDir: staging })
      await expect(failure).rejects.toMatchObject({
        code: 'E_NPM_INSTALL_FAILED',
        exitCode: expect.any(Number),
        stderr: expect.stringContaining('fixture-not-published'),
        hint: expect.stringMatching(/not found on the registry/),
      })
      await expect(failure).rejects.toThrow(/npm install of fixture-broken-dependency@1\.0\.0 failed with exit code \d+ \(E404\)/)
      expect(await entries(staging)).toEqual([])
    },
    npmTimeout,
  )

  it('notes a deprecated version', async () => {
    const installer = createNodeInstaller({ env, http: quickHttp() })
    const plan = await installer.plan(installSpec('fixture-deprecated'), { directoryFor: (version) => path.join(tree.root, 'final', version), env })
    expect(plan.version).toBe('1.1.0')
    expect(plan.notes).toEqual(['fixture-deprecated@1.1.0 is deprecated: Use 1.0.0: 1.1.0 leaks memory'])
  })
})

describe('integrity', () => {
  it('refuses a tarball changed after publishing, before writing anything', async () => {
    const tampering = await startTamperingNpmRegistry({ packages: [fixtureNpmPackages().server], tamper: [{ name: '@fixture/mcp-server', version: '1.0.0' }] })
    try {
      const staging = await stagingIn(tree.root, 'tampered')
      const installer = createNodeInstaller({ env: { ...env, npm_config_registry: tampering.url }, http: quickHttp() })
      const failure = installer.install(installSpec('@fixture/mcp-server', { version: '1.0.0' }), { stagingDir: staging })
      await expect(failure).rejects.toMatchObject({ code: 'E_INTEGRITY_MISMATCH' })
      await expect(failure).rejects.toThrow(/expected sha512-\S+, got sha512-\S+/)
      expect(await entries(staging)).toEqual([])
      expect(tampering.countRequests('/@fixture/mcp-server/-/')).toBe(1)
    } finally {
      await tampering.close()
    }
  })

  it('refuses a version without a sha512 integrity without downloading it', async () => {
    const pkg = buildFixtureDependencyPackage({ name: 'fixture-sha1-only' })
    const manifest = pkg.packument.versions['1.0.0']
    if (!manifest) throw new Error('fixture has no 1.0.0')
    // As old packages were published: only a sha1, which the fake keeps when it serves no bytes.
    delete pkg.tarballs
    manifest.dist.integrity = `sha1-${createHash('sha1').update('x').digest('base64')}`
    const sha1Registry = await startFakeNpmRegistry({ packages: [pkg] })
    try {
      const staging = await stagingIn(tree.root, 'sha1')
      const installer = createNodeInstaller({ registry: sha1Registry.url, env, http: quickHttp() })
      const failure = installer.install(installSpec('fixture-sha1-only'), { stagingDir: staging })
      await expect(failure).rejects.toMatchObject({ code: 'E_INTEGRITY_MISSING' })
      await expect(failure).rejects.toThrow(/no sha512.*it lists sha1 only/)
      expect(await entries(staging)).toEqual([])
      expect(sha1Registry.countRequests('/fixture-sha1-only/-/')).toBe(0)
    } finally {
      await sha1Registry.close()
    }
  })
})

describe('requirements', () => {
  it(
    'an engines.node the runtime does not meet is a warning, as in npm: in the report, the plan and the result; the install goes on',
    async () => {
      const installer = createNodeInstaller({ env, http: quickHttp() })
      const report = await installer.checkRequirements(installSpec('fixture-future-node').package, { env })
      expect(report.ok).toBe(true)
      expect(report.runtime?.version).toBe(process.versions.node)
      expect(report.checks).toEqual([
        { requirement: 'node', ok: true, found: expect.stringMatching(/^node \S+ at \//) },
        { requirement: 'npm', ok: true, found: expect.stringMatching(/^npm at \//) },
        {
          requirement: 'node >=99 (engines.node of fixture-future-node@1.0.0)',
          ok: true,
          found: expect.stringMatching(new RegExp(`^node ${process.versions.node} at \\S+, which does not satisfy it: npm only warns`)),
        },
      ])
      const planned = await installer.plan(installSpec('fixture-future-node'), { directoryFor: (version) => path.join(tree.root, 'planned', version), env })
      expect(planned.notes).toContainEqual(expect.stringContaining(`declares engines.node >=99, and node ${process.versions.node} does not satisfy it`))
      const staging = await stagingIn(tree.root, 'future-node')
      const result = await installer.install(installSpec('fixture-future-node'), { stagingDir: staging })
      expect(result.warnings).toEqual([expect.stringContaining('the handshake shows whether it runs')])
      expect(await entries(staging)).toContain('node_modules')
    },
    npmTimeout,
  )

  it(
    "with npm's engine-strict the mismatch is a refusal whose hint names ignoreEngines, which overrides it",
    async () => {
      const strictEnv = { ...env, npm_config_engine_strict: 'true' }
      const installer = createNodeInstaller({ env: strictEnv, http: quickHttp() })
      const report = await installer.checkRequirements(installSpec('fixture-future-node').package, { env: strictEnv })
      expect(report.ok).toBe(false)
      expect(report.checks[2]).toEqual({
        requirement: 'node >=99 (engines.node of fixture-future-node@1.0.0)',
        ok: false,
        found: expect.stringContaining("npm's engine-strict is set (the environment)"),
        hint: expect.stringMatching(/^Install a Node\.js version that satisfies >=99 \(99\.0\.0 or later\), and put it first on the PATH; or install anyway with the ignoreEngines option/),
      })
      expect((await installer.checkRequirements(installSpec('fixture-future-node').package, { env: strictEnv, ignoreEngines: true })).ok).toBe(true)
      const refused = await stagingIn(tree.root, 'future-node-strict')
      await expect(installer.install(installSpec('fixture-future-node'), { stagingDir: refused })).rejects.toMatchObject({
        code: 'E_REQUIREMENTS',
        hint: expect.stringContaining('ignoreEngines'),
      })
      expect(await entries(refused)).toEqual([])
      const overridden = await stagingIn(tree.root, 'future-node-overridden')
      const result = await installer.install({ ...installSpec('fixture-future-node'), ignoreEngines: true }, { stagingDir: overridden })
      expect(result.version).toBe('1.0.0')
      expect(result.warnings).toEqual([expect.stringContaining('engine-strict overridden with ignoreEngines')])
    },
    npmTimeout,
  )

  it('meets the requirements of a package without engines', async () => {
    const installer = createNodeInstaller({ env, http: quickHttp() })
    const report = await installer.checkRequirements(installSpec('@fixture/mcp-server').package, { env })
    expect(report).toEqual(expect.objectContaining({ ok: true }))
    expect(report.checks.map((check) => check.requirement)).toEqual(['node', 'npm'])
  })

  it('says what to install when node and npm are not on the PATH', async () => {
    const empty = await stagingIn(tree.root, 'empty-bin')
    const installer = createNodeInstaller({ env, http: quickHttp() })
    const bare = { ...env, PATH: empty }
    const report = await installer.checkRequirements(installSpec('fixture-future-node').package, { env: bare })
    expect(report.ok).toBe(false)
    expect(report.runtime).toBeUndefined()
    expect(report.checks).toEqual([
      { requirement: 'node', ok: false, found: 'node was not found on PATH', hint: expect.stringContaining('Install Node.js') },
      { requirement: 'npm', ok: false, found: 'npm was not found on PATH', hint: expect.stringContaining('Install npm') },
      { requirement: 'node >=99 (engines.node of fixture-future-node@1.0.0)', ok: false, hint: expect.stringContaining('Install Node.js') },
    ])
    const staging = await stagingIn(tree.root, 'no-node')
    await expect(installer.install(installSpec('@fixture/mcp-server'), { stagingDir: staging, env: bare })).rejects.toMatchObject({ code: 'E_REQUIREMENTS' })
    expect(await entries(staging)).toEqual([])
  })
})

describe('npm runs as long as it makes progress', () => {
  it(
    'a build that keeps printing outlives an inactivity limit shorter than the build, and its lines reach the progress display',
    async () => {
      const staging = await stagingIn(tree.root, 'slow-build')
      const events: ProgressEvent[] = []
      const installer = createNodeInstaller({ env, http: quickHttp(), npmInactivityTimeoutMs: 1500 })
      const result = await installer.install(installSpec('fixture-slow-build', { allowScripts: true }), { stagingDir: staging, progress: (event) => events.push(event) })
      expect(result.version).toBe('1.0.0')
      const activity = events.filter((event) => event.phase === 'activity').map((event) => event.detail)
      expect(activity).toContain('building fixture-slow-build@1.0.0 (install)')
      expect(activity).toContain('building fixture-slow-build@1.0.0 (install): compiling unit 30 of 30')
    },
    npmTimeout,
  )

  it(
    'a build that waits without output or CPU is stopped at the limit: E_NPM_STALLED, its process gone, nothing left',
    async () => {
      const staging = await stagingIn(tree.root, 'stalled-build')
      const installer = createNodeInstaller({ env: { ...env, TEKTON_MCP_NPM_INACTIVITY_TIMEOUT: '1' }, http: quickHttp() })
      const error = (await installer.install(installSpec('fixture-stalled-build', { allowScripts: true }), { stagingDir: staging }).catch((caught: unknown) => caught)) as Error & {
        code: string
        hint: string
      }
      expect(error.code).toBe('E_NPM_STALLED')
      expect(error.message).toContain('made no progress (no output, no CPU) for 1 s')
      expect(error.hint).toContain('TEKTON_MCP_NPM_INACTIVITY_TIMEOUT')
      const pid = Number(/license key, pid (\d+)/.exec(error.message)?.[1])
      expect(pid).toBeGreaterThan(0)
      await waitUntilGone(pid)
      expect(await entries(staging)).toEqual([])
    },
    npmTimeout,
  )

  it('refuses an inactivity limit that is not a positive number of seconds', async () => {
    const staging = await stagingIn(tree.root, 'bad-limit')
    const installer = createNodeInstaller({ env: { ...env, TEKTON_MCP_NPM_INACTIVITY_TIMEOUT: 'soon' }, http: quickHttp() })
    await expect(installer.install(installSpec('@fixture/mcp-server', { version: '1.0.0' }), { stagingDir: staging })).rejects.toMatchObject({ code: 'E_CONFIG' })
    expect(await entries(staging)).toEqual([])
  })
})

/** Waits until `pid` is gone (or a zombie, which runs nothing), for up to a minute. */
async function waitUntilGone(pid: number): Promise<void> {
  const deadline = Date.now() + 60_000
  for (;;) {
    let alive = true
    try {
      process.kill(pid, 0)
      alive = !/^\d+ \(.*\) Z/.test(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '1 (x) Z'))
    } catch {
      alive = false
    }
    if (!alive) return
    if (Date.now() > deadline) throw new Error(`process ${pid} is still running`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
