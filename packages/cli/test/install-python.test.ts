/**
 * Python servers through the CLI, in-process: a loopback index serving the fixture server's
 * wheels (1.0.0, 1.1.0, a yanked 1.2.0) and the helper it imports, the real python, venv and pip
 * of this machine, a real handshake, and a private TEKTON_MCP_HOME per group.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fixturePythonProjects, flipByte, pythonFixtureHelperName, pythonFixtureServerName, startFakePypi, wheelFileName } from '@tekton/mcp-testkit'
import type { FakePypi } from '@tekton/mcp-testkit'
import { run, temporaryHome } from './helpers'

const ref = `pypi:${pythonFixtureServerName}`
const installTimeout = 600_000

let index: FakePypi
const homes: Array<{ directory: string; remove: () => Promise<void> }> = []

/** The CLI's environment: the loopback index as pip's, no pip configuration file, a private home. */
async function newHome(indexUrl = index.indexUrl): Promise<{ directory: string; env: Record<string, string> }> {
  const home = await temporaryHome()
  homes.push(home)
  return {
    directory: home.directory,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home.directory,
      TEKTON_MCP_HOME: home.directory,
      TEKTON_MCP_SOURCES: 'pypi',
      PIP_INDEX_URL: indexUrl,
      PIP_CONFIG_FILE: '/dev/null',
      PIP_CACHE_DIR: path.join(home.directory, 'pip-cache'),
    },
  }
}

async function tree(directory: string): Promise<string[]> {
  try {
    return (await readdir(directory, { recursive: true })).map(String).sort()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
}

beforeAll(async () => {
  const { server, helper } = fixturePythonProjects()
  index = await startFakePypi({ projects: [server, helper] })
})

afterAll(async () => {
  await index?.close()
  await Promise.all(homes.map((home) => home.remove()))
})

describe('install pypi:… through the CLI', () => {
  it(
    'installs 1.0.0 hash-pinned, answers the handshake, verifies, updates to the newest not yanked, and uninstalls leaving nothing',
    async () => {
      const { directory, env } = await newHome()
      const installed = await run(['install', `${ref}@1.0.0`, '--yes'], { env })
      expect(installed.stderr).toMatch(/^Install tekton-fixture-server 1\.0\.0\n/)
      expect(installed.stderr).toMatch(/\n {2}command +\/\S+\/versions\/1\.0\.0\/venv\/bin\/python \/\S+\/versions\/1\.0\.0\/venv\/bin\/tekton-fixture-server\n/)
      expect(installed.code).toBe(0)
      expect(installed.stdout).toMatch(/^✓ Installed tekton-fixture-server 1\.0\.0 in \d/)
      expect(installed.stdout).toMatch(/\n {2}tools +2: greet, report_env\n/)

      const list = await run(['list', '--json'], { env })
      const [server] = (JSON.parse(list.stdout) as { servers: Array<{ name: string; activeVersion: string; registryType: string; directory: string }> }).servers
      expect(server).toMatchObject({ name: pythonFixtureServerName, activeVersion: '1.0.0', registryType: 'pypi' })
      const lock = await readFile(path.join(server?.directory ?? '', 'requirements.txt'), 'utf8')
      expect(lock).toMatch(new RegExp(`^${pythonFixtureHelperName}==1\\.0\\.0 --hash=sha256:[0-9a-f]{64}\\n${pythonFixtureServerName}==1\\.0\\.0 --hash=sha256:[0-9a-f]{64}$`, 'm'))

      const verified = await run(['verify', pythonFixtureServerName], { env })
      expect(verified.code).toBe(0)

      const updated = await run(['update', pythonFixtureServerName, '--yes'], { env })
      expect(updated.code).toBe(0)
      expect(`${updated.stdout}${updated.stderr}`).toMatch(/1\.1\.0/)
      expect(`${updated.stdout}${updated.stderr}`).not.toMatch(/1\.2\.0/)
      expect((await run(['verify', pythonFixtureServerName], { env })).code).toBe(0)

      const removed = await run(['uninstall', pythonFixtureServerName], { env })
      expect(removed.code).toBe(0)
      expect(await tree(path.join(directory, 'data', 'servers'))).toEqual([])
    },
    installTimeout,
  )

  it(
    'refuses a wheel with one flipped byte (E_INTEGRITY_MISMATCH, exit 1) and leaves no server behind',
    async () => {
      const { server, helper } = fixturePythonProjects()
      const filename = wheelFileName(pythonFixtureServerName, '1.1.0')
      server.files[filename] = flipByte(server.files[filename] as Uint8Array)
      const tampered = await startFakePypi({ projects: [server, helper] })
      try {
        const { directory, env } = await newHome(tampered.indexUrl)
        const result = await run(['install', ref, '--yes'], { env })
        expect(result.code).toBe(1)
        // The plan reads the console script from the wheel, checked first: refused before anything is created.
        expect(result.stderr).toMatch(/^error E_INTEGRITY_MISMATCH: .*tekton_fixture_server-1\.1\.0-py3-none-any\.whl does not match the sha256 its index lists/)
        expect((await run(['list', '--json'], { env })).stdout).toMatch(/"servers": ?\[\]/)
        expect((await tree(path.join(directory, 'data', 'servers'))).filter((entry) => entry.includes('venv'))).toEqual([])
      } finally {
        await tampered.close()
      }
    },
    installTimeout,
  )
})
