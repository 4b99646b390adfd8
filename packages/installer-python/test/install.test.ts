/**
 * The python installer against a loopback PEP 691/503 index serving real wheels built in the
 * test, with the real python, venv and pip of this machine: the fixture server (1.0.0, 1.1.0,
 * a yanked 1.2.0) and the helper it imports, so the closure pip resolves has two entries.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import path from 'node:path'
import { TektonError } from '@tekton/mcp-discovery'
import { buildServerEnvironment, relocateLaunchSpec } from '@tekton/mcp-installation'
import type { LaunchSpec } from '@tekton/mcp-installation'
import { buildPythonFixtureServer, fixturePythonProjects, flipByte, pythonFixtureHelperName, pythonFixtureServerName, startFakePypi, wheelFileName } from '@tekton/mcp-testkit'
import type { FakePypi } from '@tekton/mcp-testkit'
import { createPythonInstaller, defaultExec } from '../src/index'
import type { PythonInstallerExec } from '../src/index'
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
    // What the trust report shows for a Python install: the digests, hash-pinned.
    expect(result.verification?.digests).toBe('2 files pinned to the sha256 their index lists (pip --require-hashes)')
    expect(result.verification?.signature.status).toBe('not-applicable')
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

/** Starts the server as the service does, calls its `report_env` tool and returns the environment it saw. */
function reportedEnvironment(launch: LaunchSpec, env: Record<string, string>): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(launch.command, launch.args, { env, stdio: ['pipe', 'pipe', 'inherit'], shell: false })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const line = stdout.split('\n').find((text) => text.includes('"id": 2'))
      if (line === undefined) return
      child.kill()
      const answer = JSON.parse(line) as { result: { content: Array<{ text: string }> } }
      resolve(JSON.parse(answer.result.content[0]?.text ?? '{}') as Record<string, string>)
    })
    child.on('error', reject)
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } } })}\n`)
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'report_env', arguments: {} } })}\n`)
  })
}

describe('the environment around an install', () => {
  it('a server never sees PYTHONPATH or PYTHONHOME from the parent, and a configured one is refused (E_FORBIDDEN_ENV)', async () => {
    const staging = await stagingIn(root, 'environment')
    const result = await installer().install(installSpec(pythonFixtureServerName, { version: '1.0.0' }), { stagingDir: staging })
    const parent = { ...process.env, PYTHONPATH: '/evil', PYTHONHOME: '/evil-home', PYTHONSTARTUP: '/evil.py', PYTHONUNBUFFERED: '1' }
    const seen = await reportedEnvironment(result.launch, buildServerEnvironment(parent, {}, { PYTHONUNBUFFERED: '1' }))
    expect(seen.PYTHONPATH).toBeUndefined()
    expect(seen.PYTHONHOME).toBeUndefined()
    expect(seen.PYTHONSTARTUP).toBeUndefined()
    expect(seen.PYTHONUNBUFFERED).toBe('1')
    expect(() => buildServerEnvironment(process.env, {}, { PYTHONPATH: '/evil' })).toThrow(expect.objectContaining({ code: 'E_FORBIDDEN_ENV' }))
  }, installTimeout)

  it('with a Python that has no pip of its own, puts pip into the venv and installs the same closure', async () => {
    // The probe's answer is edited to say "no pip": everything else runs for real.
    const withoutPip: PythonInstallerExec = async (file, args, options) => {
      const result = await defaultExec(file, args, options)
      if (args[0] === '-I' && args[1] === '-c') return { ...result, stdout: result.stdout.replace(/"pip": "[^"]*"/, '"pip": null') }
      return result
    }
    const staging = await stagingIn(root, 'no-outer-pip')
    const result = await createPythonInstaller({ env: isolatedEnv(root, index.indexUrl), http: quickHttp(), exec: withoutPip }).install(installSpec(pythonFixtureServerName), { stagingDir: staging })
    expect(result.version).toBe('1.1.0')
    expect((result.details?.closure as unknown[]).length).toBe(2)
    expect(await readFile(path.join(staging, 'venv', 'bin', 'pip'), 'utf8')).toContain('pip')
    expect((await initialize(result.launch)).result?.serverInfo).toEqual({ name: pythonFixtureServerName, version: '1.1.0' })
  }, installTimeout)

  it('refuses a closure from an index that lists no digests (E_INTEGRITY_MISSING), leaving nothing', async () => {
    // A file: extra index (as pip.conf may name) whose pages carry no #sha256 fragments.
    const { server, helper } = fixturePythonProjects()
    const simple = path.join(root, 'no-hashes', 'simple')
    for (const project of [server, helper]) {
      await mkdir(path.join(simple, project.normalizedName), { recursive: true })
      const links = Object.keys(project.files).map((filename) => `<a href="../../files/${filename}">${filename}</a>`)
      await writeFile(path.join(simple, project.normalizedName, 'index.html'), `<html><body>${links.join('\n')}</body></html>`)
      await mkdir(path.join(root, 'no-hashes', 'files'), { recursive: true })
      for (const [filename, bytes] of Object.entries(project.files)) await writeFile(path.join(root, 'no-hashes', 'files', filename), bytes)
    }
    const empty = await startFakePypi({ projects: [] })
    try {
      const env = isolatedEnv(root, empty.indexUrl, { PIP_EXTRA_INDEX_URL: pathToFileURL(simple).href })
      const staging = await stagingIn(root, 'no-hashes-staging')
      const noHashes = createPythonInstaller({ env, http: quickHttp() })
      const error = await expectCode(noHashes.install(installSpec(pythonFixtureServerName, { version: '1.0.0' }), { stagingDir: staging }), 'E_INTEGRITY_MISSING')
      expect(error.message).toMatch(/no index lists a sha256 for tekton_fixture_\w+-1\.0\.0-py3-none-any\.whl/)
      expect(await entries(staging)).toEqual([])
    } finally {
      await empty.close()
    }
  }, installTimeout)
})
