/**
 * The conformance suite every installer runs (`@tekton/mcp-installation/testing`): the parts of
 * the installer contract the service relies on without checking each time. An installer writes
 * only into the staging directory it is handed, so the service can rename it into place; its
 * launch spec names paths inside that directory, so `relocateLaunchSpec` can move them; a failed
 * install leaves the directory as it was; the plan creates nothing. Runner-agnostic: pass your
 * runner's `describe`/`it`/hooks; assertions use `node:assert`.
 *
 * ```ts
 * import { describe, it, beforeAll, afterAll } from '@jest/globals'
 * import { installerConformance } from '@tekton/mcp-installation/testing'
 * installerConformance({ describe, it, beforeAll, afterAll }, {
 *   name: 'python', setup: async () => ({ installer, spec, missingSpec, workDirectory, teardown }),
 * })
 * ```
 */
import assert from 'node:assert/strict'
import { mkdir, readdir, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { TektonError } from '@tekton/mcp-discovery'
import { buildServerEnvironment } from '../environment'
import { handshake } from '../handshake'
import { relocateLaunchSpec } from '../launch'
import type { InstallResult, InstallSpec, LaunchSpec, MCPServerInstaller } from '../spec/installer'

type Body = () => void | Promise<void>

/** The parts of a test runner the suite needs (jest, vitest and node:test all fit). */
export interface TestApi {
  describe: (name: string, body: () => void) => void
  it: ((name: string, body: Body, timeout?: number) => void) & { skip?: (name: string, body: Body) => void }
  beforeAll: (body: Body, timeout?: number) => void
  afterAll: (body: Body, timeout?: number) => void
}

export interface InstallerConformanceFixture {
  installer: MCPServerInstaller
  /** A server the installer can install from the test's registry, and that answers the MCP handshake. */
  spec: InstallSpec
  /** A package the registry does not have: its install must fail with a TektonError. */
  missingSpec: InstallSpec
  /** An empty directory the suite may use for staging and moved directories; nothing else writes there. */
  workDirectory: string
  /** Environment for the installer's calls (the registry's configuration). */
  env?: NodeJS.ProcessEnv
  teardown?: () => unknown | Promise<unknown>
}

export interface InstallerConformanceOptions {
  name: string
  setup: () => Promise<InstallerConformanceFixture>
  /** Checks an installer cannot support, each with the reason: they are reported as skipped. */
  skip?: Partial<Record<'plan' | 'handshake', string>>
  /**
   * For installers whose launch spec names no file of the version directory (an image run by
   * digest from the engine): the reason. The plan and install checks then assert the opposite,
   * that the launch spec names nothing under the directory, so moving it cannot break a launch.
   */
  launchOutsideDirectory?: string
  /** Time per test, for real installs on a loaded machine. @default 600000 */
  timeoutMs?: number
}

/** Every entry under `directory`, relative and sorted; [] when it does not exist. */
async function listTree(directory: string): Promise<string[]> {
  try {
    // Array.from: an array of this realm, so deepEqual compares contents, not where arrays were made.
    return Array.from(await readdir(directory, { recursive: true }), String).sort()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
}

function isInside(file: string, directory: string): boolean {
  const relative = path.relative(directory, file)
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
}

/** The absolute paths a launch spec names: its command, absolute arguments, cwd. */
function pathsOf(launch: LaunchSpec): string[] {
  return [launch.command, ...launch.args.filter((argument) => path.isAbsolute(argument)), ...(launch.cwd ? [launch.cwd] : [])]
}

/** Registers the installer conformance tests with the given runner. */
export function installerConformance(api: TestApi, options: InstallerConformanceOptions): void {
  const { describe, it, beforeAll, afterAll } = api
  const timeoutMs = options.timeoutMs ?? 600_000
  describe(`MCPServerInstaller conformance: ${options.name}`, () => {
    let fixture: InstallerConformanceFixture
    let staging: string
    let installed: InstallResult | undefined
    const context = () => (fixture.env ? { env: fixture.env } : {})

    beforeAll(async () => {
      fixture = await options.setup()
      staging = path.join(fixture.workDirectory, 'staging')
    }, timeoutMs)
    afterAll(async () => {
      await fixture?.teardown?.()
    }, timeoutMs)

    it('declares spec v1, its type and the registry types it installs', () => {
      const { installer, spec } = fixture
      assert.equal(installer.specVersion, 'v1')
      assert.ok(['node', 'python', 'docker'].includes(installer.type), `unexpected type ${installer.type}`)
      assert.ok(installer.registryTypes.length > 0)
      assert.ok(installer.registryTypes.includes(spec.package.registryType), `${installer.type} does not declare ${spec.package.registryType}`)
    })

    it('checkRequirements answers with checks, each saying what it found', async () => {
      const report = await fixture.installer.checkRequirements(fixture.spec.package, context())
      assert.equal(typeof report.ok, 'boolean')
      assert.ok(report.checks.length > 0, 'no checks reported')
      for (const check of report.checks) {
        assert.equal(typeof check.requirement, 'string')
        assert.equal(typeof check.ok, 'boolean')
        if (!check.ok) assert.ok(check.hint, `the failed check ${check.requirement} has no hint`)
      }
      assert.equal(report.ok, report.checks.every((check) => check.ok))
    }, timeoutMs)

    if (options.skip?.plan) {
      it.skip?.(`plan (skipped: ${options.skip.plan})`, () => undefined)
    } else {
      const planTitle = options.launchOutsideDirectory
        ? `plan names the exact version and a launch spec that names nothing under directoryFor(version) (${options.launchOutsideDirectory}), creating nothing`
        : 'plan names the exact version and a launch spec under directoryFor(version), creating nothing'
      it(planTitle, async () => {
        assert.ok(fixture.installer.plan, 'the installer has no plan; skip it with a reason')
        const before = await listTree(fixture.workDirectory)
        const planned = fixture.installer.plan
          ? await fixture.installer.plan(fixture.spec, { directoryFor: (version) => path.join(fixture.workDirectory, 'final', version), ...context() })
          : undefined
        assert.ok(planned)
        assert.ok(planned.version.length > 0)
        assert.ok(path.isAbsolute(planned.launch.command), 'the planned command is not absolute')
        const finalDirectory = path.join(fixture.workDirectory, 'final', planned.version)
        if (options.launchOutsideDirectory) {
          assert.ok(
            !pathsOf(planned.launch).some((file) => isInside(file, finalDirectory)),
            `the planned launch spec names ${finalDirectory}: ${JSON.stringify(planned.launch)}`,
          )
        } else {
          assert.ok(
            pathsOf(planned.launch).some((file) => isInside(file, finalDirectory)),
            `the planned launch spec names nothing under ${finalDirectory}: ${JSON.stringify(planned.launch)}`,
          )
        }
        assert.deepEqual(await listTree(fixture.workDirectory), before, 'plan wrote files')
      }, timeoutMs)
    }

    const installTitle = options.launchOutsideDirectory
      ? 'install writes into the staging directory only, and its launch spec names nothing in it'
      : 'install writes into the staging directory only, and its launch spec points into it'
    it(installTitle, async () => {
      await mkdir(staging, { recursive: true })
      const outside = (await listTree(fixture.workDirectory)).filter((entry) => !isInside(path.join(fixture.workDirectory, entry), staging))
      installed = await fixture.installer.install(fixture.spec, { stagingDir: staging, ...context() })
      assert.ok(installed.version.length > 0)
      assert.ok(installed.integrity.value.length > 0, 'no integrity recorded')
      assert.ok(path.isAbsolute(installed.launch.command), 'the command is not absolute')
      const after = (await listTree(fixture.workDirectory)).filter((entry) => !isInside(path.join(fixture.workDirectory, entry), staging))
      assert.deepEqual(after, outside, 'install wrote outside the staging directory')
      assert.ok((await listTree(staging)).length > 0, 'nothing was installed into the staging directory')
      const runtime = installed.runtime?.path
      for (const file of pathsOf(installed.launch)) {
        assert.ok(isInside(file, staging) || file === runtime, `${file} is neither in the staging directory nor the runtime`)
        if (options.launchOutsideDirectory) assert.ok(!isInside(file, staging), `${file} is in the staging directory`)
      }
      if (options.launchOutsideDirectory) {
        assert.ok(!JSON.stringify(installed.launch).includes(staging), `the launch spec mentions the staging directory: ${JSON.stringify(installed.launch)}`)
      }
    }, timeoutMs)

    if (options.skip?.handshake) {
      it.skip?.(`relocated handshake (skipped: ${options.skip.handshake})`, () => undefined)
    } else {
      it('the launch spec is relocatable: moved with its directory, the server still answers the MCP handshake', async () => {
        assert.ok(installed, 'the install test did not run')
        const moved = path.join(fixture.workDirectory, 'moved')
        await rename(staging, moved)
        try {
          const launch = relocateLaunchSpec(installed.launch, staging, moved)
          for (const file of pathsOf(launch)) assert.ok(!isInside(file, staging), `${file} still points into the old directory`)
          const result = await handshake(launch, { env: buildServerEnvironment(process.env, launch.env), timeoutMs: 120_000 })
          assert.ok(result.serverInfo.name.length > 0)
        } finally {
          await rename(moved, staging)
        }
      }, timeoutMs)
    }

    it('uninstall releases what lies outside the directory; removing the directory then leaves nothing', async () => {
      assert.ok(installed, 'the install test did not run')
      const before = (await listTree(fixture.workDirectory)).filter((entry) => !isInside(path.join(fixture.workDirectory, entry), staging))
      await fixture.installer.uninstall?.({ version: installed.version, directory: staging, ...(installed.details ? { details: installed.details } : {}) }, context())
      await rm(staging, { recursive: true, force: true })
      assert.deepEqual(await listTree(staging), [])
      const after = await listTree(fixture.workDirectory)
      assert.deepEqual(after, before, 'uninstall left or created files outside the directory')
    }, timeoutMs)

    it('a failed install throws a TektonError and leaves the staging directory as it was', async () => {
      const failing = path.join(fixture.workDirectory, 'failing')
      await mkdir(failing, { recursive: true })
      await assert.rejects(fixture.installer.install(fixture.missingSpec, { stagingDir: failing, ...context() }), (error: unknown) => {
        assert.ok(TektonError.isInstance(error), `expected a TektonError, got ${String(error)}`)
        return true
      })
      assert.deepEqual(await listTree(failing), [])
      await rm(failing, { recursive: true, force: true })
    }, timeoutMs)
  })
}
