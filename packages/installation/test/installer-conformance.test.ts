// The installer conformance suite passes a well-behaved installer and fails one that breaks the contract.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { TektonError } from '@tekton/mcp-discovery'
import type { Package, ServerMetadata } from '@tekton/mcp-discovery'
import { fixtureServerSource } from '@tekton/mcp-testkit'
import type { InstallSpec, MCPServerInstaller } from '../src/index'
import { installerConformance } from '../src/testing/index'
import type { InstallerConformanceFixture, TestApi } from '../src/testing/index'

type Body = () => void | Promise<void>

function spec(identifier: string): InstallSpec {
  const pkg: Package = { registryType: 'npm', identifier, transport: { type: 'stdio' } }
  const server: ServerMetadata = {
    ref: `npm:${identifier}`,
    name: identifier,
    description: 'test server',
    version: '1.0.0',
    packages: [pkg],
    remotes: [],
    capabilities: [],
    requirements: [],
    keywords: [],
    status: 'active',
    verified: [],
    sources: [],
  }
  return { server, package: pkg }
}

type Flaw = 'none' | 'writes-outside' | 'launches-outside' | 'leaves-files-on-failure'

/**
 * An installer that "installs" the fixture MCP server by writing its script into the staging
 * directory, run by this node; `flaw` makes it break one rule of the contract.
 */
function scriptInstaller(flaw: Flaw, outside: string): MCPServerInstaller {
  return {
    specVersion: 'v1',
    type: 'node',
    registryTypes: ['npm'],
    async checkRequirements() {
      return { ok: true, checks: [{ requirement: 'node', ok: true, found: process.execPath }] }
    },
    async plan(installSpec, context) {
      return { version: '1.0.0', launch: { command: process.execPath, args: [path.join(context.directoryFor('1.0.0'), 'server.js')], env: {} } }
    },
    async install(installSpec, context) {
      if (installSpec.package.identifier === 'missing') {
        if (flaw === 'leaves-files-on-failure') await writeFile(path.join(context.stagingDir, 'partial'), 'x')
        throw new TektonError('E_NOT_FOUND', 'missing is not on the registry')
      }
      const script = path.join(flaw === 'launches-outside' ? outside : context.stagingDir, 'server.js')
      await mkdir(path.dirname(script), { recursive: true })
      await writeFile(script, fixtureServerSource({ name: 'conformance-fixture' }))
      await writeFile(path.join(context.stagingDir, 'marker'), 'installed')
      if (flaw === 'writes-outside') await writeFile(path.join(outside, 'leaked'), 'x')
      return { version: '1.0.0', launch: { command: process.execPath, args: [script], env: {} }, integrity: { value: 'sha256:test', source: 'test' }, runtime: { name: 'node', path: process.execPath, version: process.versions.node } }
    },
  }
}

async function fixtureFor(flaw: Flaw): Promise<InstallerConformanceFixture> {
  const root = await mkdtemp(path.join(tmpdir(), 'tekton-conformance-'))
  const workDirectory = path.join(root, 'work')
  await mkdir(workDirectory, { recursive: true })
  return {
    installer: scriptInstaller(flaw, path.join(workDirectory, 'elsewhere')),
    spec: spec('fixture'),
    missingSpec: spec('missing'),
    workDirectory,
    teardown: () => rm(root, { recursive: true, force: true }),
  }
}

installerConformance({ describe, it, beforeAll, afterAll }, { name: 'a well-behaved script installer', setup: () => fixtureFor('none') })

/** Collects the suite's tests instead of registering them, runs them in order, and returns the names that failed. */
async function failuresOf(flaw: Flaw, launchOutsideDirectory?: string): Promise<string[]> {
  const tests: Array<[string, Body]> = []
  const setups: Body[] = []
  const teardowns: Body[] = []
  const api: TestApi = {
    describe: (_name, body) => body(),
    it: (name, body) => {
      tests.push([name, body])
    },
    beforeAll: (body) => setups.push(body),
    afterAll: (body) => teardowns.push(body),
  }
  installerConformance(api, { name: flaw, setup: () => fixtureFor(flaw), ...(launchOutsideDirectory ? { launchOutsideDirectory } : {}) })
  for (const setup of setups) await setup()
  const failed: string[] = []
  for (const [name, body] of tests) {
    try {
      await body()
    } catch {
      failed.push(name.split(' ').slice(0, 3).join(' '))
    }
  }
  for (const teardown of teardowns) await teardown()
  return failed
}

describe('installerConformance catches an installer that', () => {
  it('writes outside the staging directory', async () => {
    expect(await failuresOf('writes-outside')).toContain('install writes into')
  }, 60_000)

  it('launches a file outside the staging directory, which cannot be moved with it', async () => {
    expect(await failuresOf('launches-outside')).toEqual(expect.arrayContaining(['install writes into']))
  }, 60_000)

  it('claims a launch spec that names nothing in the directory (as docker\'s does), but launches a file in it', async () => {
    expect(await failuresOf('none', 'the image runs by digest')).toEqual(['plan names the', 'install writes into'])
  }, 60_000)

  it('leaves files behind when an install fails', async () => {
    expect(await failuresOf('leaves-files-on-failure')).toEqual(['a failed install'])
  }, 60_000)
})
