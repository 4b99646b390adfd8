/**
 * The python installer against a loopback PEP 691/503 index serving real wheels built in the
 * test, with the real python, venv and pip of this machine: the fixture server (1.0.0, 1.1.0,
 * a yanked 1.2.0) and the helper it imports, so the closure pip resolves has two entries.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFile, rename } from 'node:fs/promises'
import path from 'node:path'
import { TektonError } from '@tekton/mcp-discovery'
import { relocateLaunchSpec } from '@tekton/mcp-installation'
import { buildPythonFixtureServer, fixturePythonProjects, flipByte, pythonFixtureHelperName, pythonFixtureServerName, startFakePypi, wheelFileName } from '@tekton/mcp-testkit'
import type { FakePypi } from '@tekton/mcp-testkit'
import { createPythonInstaller } from '../src/index'
import { entries, initialize, installSpec, isolatedEnv, quickHttp, stagingIn, tempTree } from './helpers'

const installTimeout = 600_000

let index: FakePypi
let root: string
let cleanup: () => Promise<void>

beforeAll(async () => {
  ;({ root, cleanup } = await tempTree())
  const { server, helper } = fixturePythonProjects()
  index = await startFakePypi({
    projects: [server, helper, buildPythonFixtureServer([{ version: '1.0.0', requiresPython: '>=3.99' }], { name: 'tekton-fixture-future' })],
  })
})

afterAll(async () => {
  await index?.close()
  await cleanup?.()
})

function installer() {
  return createPythonInstaller({ env: isolatedEnv(root, index.indexUrl), http: quickHttp() })
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<TektonError> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  )
  expect(TektonError.isInstance(error)).toBe(true)
  expect((error as TektonError).code).toBe(code)
  return error as TektonError
}

describe('install from a loopback index', () => {
  it('installs the newest version that is not yanked, the closure hash-pinned, and the launch spec answers the handshake', async () => {
    const staging = await stagingIn(root, 'latest')
    const steps: string[] = []
    const result = await installer().install(installSpec(pythonFixtureServerName), { stagingDir: staging, progress: (event) => event.phase === 'done' && steps.push(event.step) })
    expect(result.version).toBe('1.1.0')
    expect(result.integrity).toMatchObject({ source: 'pypi digests', file: wheelFileName(pythonFixtureServerName, '1.1.0') })
    expect(result.integrity.value).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(result.launch.command).toBe(path.join(staging, 'venv', 'bin', 'python'))
    expect(result.launch.args).toEqual([path.join(staging, 'venv', 'bin', pythonFixtureServerName)])
    expect(steps).toEqual(['requirements', 'install', 'resolve', 'verify', 'download'])
    // Only the venv and the lock: nothing else in the staging directory.
    expect(await entries(staging)).toEqual(['requirements.txt', 'venv'])
    const lock = await readFile(path.join(staging, 'requirements.txt'), 'utf8')
    expect(lock).toMatch(new RegExp(`^${pythonFixtureHelperName}==1\\.0\\.0 --hash=sha256:[0-9a-f]{64}$`, 'm'))
    expect(lock).toMatch(new RegExp(`^${pythonFixtureServerName}==1\\.1\\.0 --hash=sha256:[0-9a-f]{64}$`, 'm'))
    expect((result.details?.closure as unknown[]).length).toBe(2)
    const answer = await initialize(result.launch)
    expect(answer.result?.serverInfo).toEqual({ name: pythonFixtureServerName, version: '1.1.0' })
  }, installTimeout)

  it('still runs after the directory is moved: the launch spec is relocatable', async () => {
    const staging = await stagingIn(root, 'moving')
    const result = await installer().install(installSpec(pythonFixtureServerName, { version: '1.0.0' }), { stagingDir: staging })
    const moved = path.join(root, 'moved-1.0.0')
    await rename(staging, moved)
    const answer = await initialize(relocateLaunchSpec(result.launch, staging, moved))
    expect(answer.result?.serverInfo).toEqual({ name: pythonFixtureServerName, version: '1.0.0' })
  }, installTimeout)

  it('installs a yanked version asked for exactly, and says so', async () => {
    const staging = await stagingIn(root, 'yanked')
    const result = await installer().install(installSpec(pythonFixtureServerName, { version: '==1.2.0' }), { stagingDir: staging })
    expect(result.version).toBe('1.2.0')
    expect(result.details?.notes).toEqual([expect.stringMatching(/1\.2\.0 is yanked \(broken release\); installing it because it was asked for exactly/)])
  }, installTimeout)

  it('plans the same version and the console script read from the wheel, creating nothing', async () => {
    const plan = await installer().plan(installSpec(pythonFixtureServerName), { directoryFor: (version) => path.join(root, 'final', version) })
    expect(plan.version).toBe('1.1.0')
    expect(plan.launch).toEqual({ command: path.join(root, 'final', '1.1.0', 'venv', 'bin', 'python'), args: [path.join(root, 'final', '1.1.0', 'venv', 'bin', pythonFixtureServerName)], env: {} })
    await expect(entries(path.join(root, 'final'))).rejects.toThrow(/ENOENT/)
  })
})

describe('refusals leave nothing behind', () => {
  it('refuses a wheel whose bytes do not match the digest the index lists (E_INTEGRITY_MISMATCH)', async () => {
    const { server, helper } = fixturePythonProjects()
    const filename = wheelFileName(pythonFixtureHelperName, '1.0.0')
    // The listing keeps the published digest; the bytes served have one byte flipped.
    helper.files[filename] = flipByte(helper.files[filename] as Uint8Array)
    const tampered = await startFakePypi({ projects: [server, helper] })
    try {
      const staging = await stagingIn(root, 'tampered')
      const tamperedInstaller = createPythonInstaller({ env: isolatedEnv(root, tampered.indexUrl, { PIP_CACHE_DIR: path.join(root, 'tampered-cache') }), http: quickHttp() })
      const error = await expectCode(tamperedInstaller.install(installSpec(pythonFixtureServerName), { stagingDir: staging }), 'E_INTEGRITY_MISMATCH')
      expect(error.message).toMatch(/does not match the sha256 its index lists; nothing was installed/)
      expect(await entries(staging)).toEqual([])
    } finally {
      await tampered.close()
    }
  }, installTimeout)

  it('fails before anything is created when requires-python excludes the interpreter (E_REQUIREMENTS)', async () => {
    const staging = await stagingIn(root, 'future')
    const before = index.countRequests('/packages/')
    const error = await expectCode(installer().install(installSpec('tekton-fixture-future'), { stagingDir: staging }), 'E_REQUIREMENTS')
    expect(error.message).toMatch(/tekton-fixture-future 1\.0\.0 requires Python >=3\.99, and the interpreter found is 3\.\d+/)
    expect(await entries(staging)).toEqual([])
    // Not even a wheel was downloaded.
    expect(index.countRequests('/packages/')).toBe(before)
  })

  it('reports the requirements it checks, each with what was found', async () => {
    const report = await installer().checkRequirements({ registryType: 'pypi', identifier: 'tekton-fixture-future', transport: { type: 'stdio' } }, {})
    expect(report.ok).toBe(false)
    expect(report.checks.map((check) => [check.requirement, check.ok])).toEqual([
      ['python', true],
      ['venv', true],
      ['pip', true],
      ['uv (optional)', true],
      ['requires-python of tekton-fixture-future', false],
    ])
    const fine = await installer().checkRequirements({ registryType: 'pypi', identifier: pythonFixtureServerName, transport: { type: 'stdio' } }, {})
    expect(fine.ok).toBe(true)
    expect(fine.runtime).toMatchObject({ name: 'python', version: expect.stringMatching(/^3\.\d+\.\d+/) })
  })
})
