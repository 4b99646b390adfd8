/**
 * The policy's minimum release age reaches the Python installer through the application, against
 * the testkit's fake PyPI (PEP 700 upload times set relative to the application's clock): an
 * unpinned plan passes over a version uploaded too recently and says so, naming the rule's file;
 * nothing old enough is refused; an exact version is not held back, as for npm.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdirSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { buildPythonFixtureHelper, buildPythonFixtureServer, pythonFixtureServerName, startFakePypi } from '@tekton/mcp-testkit'
import type { FakePypi } from '@tekton/mcp-testkit'
import { createTektonMcp } from '../src/index'

const hour = 3_600_000
// The clock the application is given: upload times are set relative to it, never to the wall clock.
const now = Date.UTC(2026, 5, 1, 12)

let root: string
let pypi: FakePypi
let run = 0
let home: string

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'tekton-app-python-age-'))
  const server = buildPythonFixtureServer(['1.0.0', '1.1.0'])
  for (const [version, ago] of [['1.0.0', 200 * hour], ['1.1.0', 10 * hour]] as const) {
    for (const file of server.document.releases[version] ?? []) {
      file.upload_time_iso_8601 = new Date(now - ago).toISOString()
      file.upload_time = file.upload_time_iso_8601.slice(0, 19)
    }
  }
  pypi = await startFakePypi({ projects: [server, buildPythonFixtureHelper()] })
})

afterAll(async () => {
  await pypi?.close()
  await rm(root, { recursive: true, force: true })
})

beforeEach(() => {
  run += 1
  home = path.join(root, `run-${run}`)
})

function policyFile(hours: number): string {
  const file = path.join(home, 'etc', 'config.yaml')
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, `policy:\n  minimumReleaseAgeHours: ${hours}\n`)
  return file
}

function app() {
  return createTektonMcp({
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      TEKTON_MCP_HOME: path.join(home, 'tekton-mcp'),
      TEKTON_MCP_SYSTEM_CONFIG_DIR: path.join(home, 'etc'),
      PIP_CONFIG_FILE: '/dev/null',
      PIP_INDEX_URL: pypi.indexUrl,
      TEKTON_MCP_SOURCES: 'pypi',
    },
    cwd: home,
    now: () => now,
  })
}

describe('minimum release age for a Python server', () => {
  it('skips a version uploaded too recently for an unpinned request, and the plan says why', async () => {
    const file = policyFile(72)
    const service = await app().installation()
    const plan = await service.planInstall(`pypi:${pythonFixtureServerName}`)
    expect(plan.version).toBe('1.0.0')
    expect(plan.notes).toContainEqual(`${pythonFixtureServerName} 1.1.0 was published 10 h ago, younger than 72 h: 1.0.0 is installed instead, as policy.minimumReleaseAgeHours (${file}) asks`)
    // An exact version is pinned and not held back.
    expect((await service.planInstall(`pypi:${pythonFixtureServerName}@1.1.0`)).version).toBe('1.1.0')
  })

  it('refuses when no version is old enough, naming the rule and its file', async () => {
    const file = policyFile(500)
    await expect((await app().installation()).planInstall(`pypi:${pythonFixtureServerName}`)).rejects.toMatchObject({
      code: 'E_POLICY_DENIED',
      message: expect.stringContaining(`no matching version is older than 500 h (1.1.0 was published 10 h ago): refused by policy.minimumReleaseAgeHours (${file})`),
    })
  })
})
