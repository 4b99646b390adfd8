/**
 * Several processes at once, and processes killed at every step (SECURITY 9 and 11). The child
 * processes run the built package (dist/), rebuilt here when older than the sources.
 */
import { spawn, spawnSync } from 'node:child_process'
import { readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { fixtureServerSource } from '@tekton/mcp-testkit'
import { createInstallationService } from '../src/index'
import { createStateStore } from '../src/state'
import { serverSlug } from '../src/names'
import { createTestInstaller, testMetadata } from './fixtures/test-installer.mjs'
import { listTree, tempDirectory, waitFor } from './helpers'

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const childScript = path.join(packageDir, 'test', 'fixtures', 'install-child.mjs')

let root: string
let cleanup: () => Promise<void>
let versionFiles: Record<string, string>

async function newestSource(directory: string): Promise<number> {
  let newest = 0
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const file = path.join(directory, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? await newestSource(file) : (await stat(file)).mtimeMs)
  }
  return newest
}

beforeAll(async () => {
  ;({ root, cleanup } = await tempDirectory('tekton-processes-'))
  const built = await stat(path.join(packageDir, 'dist', 'index.js')).catch(() => undefined)
  if (!built || built.mtimeMs < (await newestSource(path.join(packageDir, 'src')))) {
    const result = spawnSync(path.join(packageDir, '..', '..', 'node_modules', '.bin', 'tsup'), { cwd: packageDir, encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`tsup failed: ${result.stderr}`)
  }
  versionFiles = {}
  for (const version of ['1.0.0', '2.0.0']) {
    const file = path.join(root, `server-${version}.js`)
    await writeFile(file, fixtureServerSource({ name: 'child-fixture', version }))
    versionFiles[version] = file
  }
}, 600_000)
afterAll(async () => {
  await cleanup()
})

interface ChildResult {
  code: number | null
  signal: NodeJS.Signals | null
  output: { ok: boolean; changed?: boolean; version?: string; code?: string; message?: string } | undefined
  stderr: string
}

function runChild(home: string, name: string, extra: Record<string, string> = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childScript], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TEKTON_TEST_HOME: home, TEKTON_TEST_NAME: name, TEKTON_TEST_VERSIONS: JSON.stringify(versionFiles), ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      const line = stdout.trim().split('\n').filter(Boolean).pop()
      resolve({ code, signal, output: line ? JSON.parse(line) : undefined, stderr })
    })
  })
}

/** Runs `tasks` at most `limit` at a time (the machine may have two cores). */
async function limited<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length)
  let next = 0
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) {
        const index = next
        next += 1
        results[index] = await tasks[index]!()
      }
    }),
  )
  return results
}

/** What must hold for any data directory after a clean run: no leftovers, a valid state that matches the disk. */
async function expectConsistent(home: string, expected: Record<string, string>): Promise<void> {
  expect(await readdir(path.join(home, 'staging')).catch(() => [])).toEqual([])
  const tree = await listTree(home)
  expect(tree.filter((entry) => entry.endsWith('.tmp') || entry.includes('.lock/') || entry.endsWith('.lock/'))).toEqual([])
  const state = await createStateStore({ file: path.join(home, 'installed.json') }).read()
  expect(Object.fromEntries(Object.values(state.servers).map((server) => [server.name, server.activeVersion]))).toEqual(expected)
  for (const server of Object.values(state.servers)) {
    const slug = serverSlug(server.name)
    expect(server.slug).toBe(slug)
    const onDisk = (await readdir(path.join(home, 'servers', slug, 'versions'))).sort()
    expect(onDisk).toEqual(Object.values(server.versions).map((version) => path.basename(version.directory)).sort())
    expect(await readlink(path.join(home, 'servers', slug, 'current'))).toBe(path.join('versions', path.basename(server.versions[server.activeVersion]!.directory)))
  }
  expect((await readdir(path.join(home, 'servers')).catch(() => [])).sort()).toEqual(Object.values(state.servers).map((server) => server.slug).sort())
}

describe('several processes', () => {
  it('8 processes installing 8 servers at once leave a valid state listing all 8', async () => {
    const home = path.join(root, 'concurrent')
    const names = Array.from({ length: 8 }, (_unused, index) => `@acme/server-${index}`)
    const results = await Promise.all(names.map((name) => runChild(home, name, { TEKTON_TEST_VERSION: '1.0.0' })))
    for (const result of results) expect({ code: result.code, output: result.output, stderr: result.stderr }).toEqual({ code: 0, output: { ok: true, changed: true, version: '1.0.0' }, stderr: '' })
    await expectConsistent(home, Object.fromEntries(names.map((name) => [name, '1.0.0'])))
    const installed = await createInstallationService({ installers: [], home }).getInstalledServers()
    expect(installed.map((server) => server.name)).toEqual([...names].sort())
  }, 600_000)

  it('two processes installing the same server are serialised: one installs, the other finds it installed', async () => {
    const home = path.join(root, 'same-server')
    const results = await Promise.all([1, 2].map(() => runChild(home, 'same', { TEKTON_TEST_DELAY_MS: '200' })))
    expect(results.map((result) => result.code)).toEqual([0, 0])
    expect(results.map((result) => result.output?.changed).sort()).toEqual([false, true])
    await expectConsistent(home, { same: '2.0.0' })
  }, 600_000)

  it('never removes the staging directory of an install still running in another process', async () => {
    const home = path.join(root, 'live-staging')
    const waitFile = path.join(root, 'live-staging-go')
    const running = runChild(home, 'slow-server', { TEKTON_TEST_WAIT_FILE: waitFile })
    const staging = path.join(home, 'staging')
    await waitFor(async () => (await readdir(staging).catch(() => [])).some((entry) => !entry.endsWith('.tmp')), 120_000, 'the child to start staging')
    const [live] = await readdir(staging)
    const service = createInstallationService({
      installers: [createTestInstaller({ versions: { '1.0.0': fixtureServerSource() } })],
      home,
      lockStaleMs: 10_000,
      handshakeTimeoutMs: 300_000,
    })
    expect((await service.cleanup()).removed).toEqual([])
    await service.installServer(testMetadata('other-server'))
    expect(await readdir(staging)).toEqual([live])
    expect(await readFile(path.join(staging, live!, 'root', 'lib', 'partial.txt'), 'utf8')).toBe('partial\n')
    await writeFile(waitFile, 'go')
    const result = await running
    expect(result.output).toEqual({ ok: true, changed: true, version: '2.0.0' })
    await expectConsistent(home, { 'slow-server': '2.0.0', 'other-server': '1.0.0' })
  }, 600_000)
})

const installSteps = ['install:start', 'download:done', 'install:done', 'handshake:start', 'handshake:done', 'activate:start', 'activate:done', 'record:start', 'record:done', 'cleanup:start']
const updateSteps = ['install:done', 'handshake:done', 'activate:start', 'activate:done', 'record:start', 'record:done']

describe('killed at any step (kill -9)', () => {
  it('an install killed at each step leaves no server installed, and a rerun succeeds and leaves no staging', async () => {
    const outcomes = await limited(
      installSteps.map((step) => async () => {
        const home = path.join(root, `kill-install-${step.replace(':', '-')}`)
        const killed = await runChild(home, '@acme/crashy', { TEKTON_TEST_VERSION: '1.0.0', TEKTON_TEST_KILL_AT: step })
        const state = await createStateStore({ file: path.join(home, 'installed.json') }).read()
        const recordedBeforeRerun = Object.keys(state.servers)
        const rerun = await runChild(home, '@acme/crashy', { TEKTON_TEST_VERSION: '1.0.0' })
        return { step, home, killed: killed.signal, recordedBeforeRerun, rerun: rerun.output }
      }),
      5,
    )
    for (const outcome of outcomes) {
      expect({ step: outcome.step, killed: outcome.killed }).toEqual({ step: outcome.step, killed: 'SIGKILL' })
      // Killed after the record was written, the install had finished; before, nothing is installed.
      const committed = outcome.step === 'record:done' || outcome.step === 'cleanup:start'
      expect({ step: outcome.step, recorded: outcome.recordedBeforeRerun }).toEqual({ step: outcome.step, recorded: committed ? ['@acme/crashy'] : [] })
      expect({ step: outcome.step, rerun: outcome.rerun }).toEqual({ step: outcome.step, rerun: { ok: true, changed: !committed, version: '1.0.0' } })
      await expectConsistent(outcome.home, { '@acme/crashy': '1.0.0' })
      const service = createInstallationService({ installers: [], home: outcome.home, handshakeTimeoutMs: 300_000 })
      expect({ step: outcome.step, ok: (await service.verifyServer('@acme/crashy')).ok }).toEqual({ step: outcome.step, ok: true })
    }
  }, 900_000)

  it('an update killed at each step leaves the old version active and working, and a rerun completes it', async () => {
    const outcomes = await limited(
      updateSteps.map((step) => async () => {
        const home = path.join(root, `kill-update-${step.replace(':', '-')}`)
        const first = await runChild(home, 'crashy-update', { TEKTON_TEST_VERSION: '1.0.0' })
        const killed = await runChild(home, 'crashy-update', { TEKTON_TEST_OPERATION: 'update', TEKTON_TEST_VERSION: '2.0.0', TEKTON_TEST_KILL_AT: step })
        const state = await createStateStore({ file: path.join(home, 'installed.json') }).read()
        const service = createInstallationService({ installers: [], home, lockStaleMs: 10_000, handshakeTimeoutMs: 300_000 })
        const activeAfterKill = state.servers['crashy-update']?.activeVersion
        const verifiedAfterKill = (await service.verifyServer('crashy-update')).ok
        const rerun = await runChild(home, 'crashy-update', { TEKTON_TEST_OPERATION: 'update', TEKTON_TEST_VERSION: '2.0.0' })
        return { step, home, first: first.output?.ok, killed: killed.signal, activeAfterKill, verifiedAfterKill, rerun: rerun.output }
      }),
      5,
    )
    for (const outcome of outcomes) {
      const committed = outcome.step === 'record:done'
      expect(outcome).toMatchObject({ first: true, killed: 'SIGKILL', activeAfterKill: committed ? '2.0.0' : '1.0.0', verifiedAfterKill: true })
      expect({ step: outcome.step, rerun: outcome.rerun }).toEqual({ step: outcome.step, rerun: { ok: true, changed: !committed, version: '2.0.0' } })
      const state = await createStateStore({ file: path.join(outcome.home, 'installed.json') }).read()
      expect(Object.keys(state.servers['crashy-update']!.versions).sort()).toEqual(['1.0.0', '2.0.0'])
      await expectConsistent(outcome.home, { 'crashy-update': '2.0.0' })
    }
  }, 900_000)
})
