/**
 * PEP 740 through the CLI, as a user meets it: a loopback index serving the fixture server's
 * wheels with provenance signed by a fake Sigstore made here (its trusted root named by
 * TEKTON_MCP_SIGSTORE_TRUSTED_ROOT), the real python, venv and pip. A verified wheel shows where it
 * was built in the plan, the trust report and `--json`; a wrong subject, a foreign Sigstore, a
 * policy that requires provenance and a release that dropped it are each refused with the code
 * and the rule, and nothing is installed.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { attestPypiFile, buildPythonFixtureServer, createFakeSigstore, fixturePythonProjects, pythonFixtureServerName, startFakePypi, wheelFileName, withPypiProvenance } from '@tekton/mcp-testkit'
import type { FakePypi } from '@tekton/mcp-testkit'
import { run, temporaryHome } from './helpers'

const installTimeout = 600_000
const repository = `https://github.com/fixture/${pythonFixtureServerName}`

let index: FakePypi
let trustedRootFile: string
let shared: Awaited<ReturnType<typeof temporaryHome>>
const homes: Array<{ remove: () => Promise<void> }> = []

/** A fixture server on the index whose versions' wheels carry provenance from `signer` (none for the others). */
function fixture(name: string, versions: string[], attested: Record<string, Parameters<typeof attestPypiFile>[3] & { signer?: ReturnType<typeof createFakeSigstore> }>, signer: ReturnType<typeof createFakeSigstore>) {
  const project = buildPythonFixtureServer(versions, { name })
  const provenance = Object.fromEntries(
    Object.entries(attested).map(([version, options]) => {
      const { signer: own, ...rest } = options
      return [wheelFileName(name, version), attestPypiFile(own ?? signer, project, wheelFileName(name, version), rest)]
    }),
  )
  return withPypiProvenance(project, provenance)
}

beforeAll(async () => {
  shared = await temporaryHome()
  const sigstore = createFakeSigstore()
  const foreign = createFakeSigstore()
  const { server, helper } = fixturePythonProjects()
  const attestedServer = withPypiProvenance(server, {
    [wheelFileName(pythonFixtureServerName, '1.0.0')]: attestPypiFile(sigstore, server, wheelFileName(pythonFixtureServerName, '1.0.0')),
    [wheelFileName(pythonFixtureServerName, '1.1.0')]: attestPypiFile(sigstore, server, wheelFileName(pythonFixtureServerName, '1.1.0')),
  })
  index = await startFakePypi({
    projects: [
      attestedServer,
      helper,
      fixture('tekton-fixture-other-subject', ['1.0.0'], { '1.0.0': { subject: { name: wheelFileName(pythonFixtureServerName, '1.0.0'), sha256: 'a'.repeat(64) } } }, sigstore),
      fixture('tekton-fixture-foreign', ['1.0.0'], { '1.0.0': { signer: foreign } }, sigstore),
      fixture('tekton-fixture-dropped', ['1.0.0', '1.1.0'], { '1.0.0': {} }, sigstore),
      fixture('tekton-fixture-plain', ['1.0.0'], {}, sigstore),
    ],
  })
  trustedRootFile = path.join(shared.directory, 'trusted_root.json')
  await writeFile(trustedRootFile, JSON.stringify(sigstore.trustedRoot))
})

afterAll(async () => {
  await index?.close()
  await Promise.all(homes.map((home) => home.remove()))
  await shared?.remove()
})

/** A private home and the CLI's environment: the loopback index as pip's, the test's trusted root. */
async function newHome(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const home = await temporaryHome()
  homes.push(home)
  return {
    PATH: process.env.PATH ?? '',
    HOME: home.directory,
    TEKTON_MCP_HOME: home.directory,
    TEKTON_MCP_SOURCES: 'pypi',
    PIP_INDEX_URL: index.indexUrl,
    PIP_CONFIG_FILE: '/dev/null',
    PIP_CACHE_DIR: path.join(home.directory, 'pip-cache'),
    TEKTON_MCP_SIGSTORE_TRUSTED_ROOT: trustedRootFile,
    // No admin policy from the machine: tests that want one name their own directory.
    TEKTON_MCP_SYSTEM_CONFIG_DIR: path.join(home.directory, 'system'),
    ...extra,
  }
}

async function installedServers(env: Record<string, string>): Promise<unknown[]> {
  return (JSON.parse((await run(['list', '--json'], { env })).stdout) as { servers: unknown[] }).servers
}

describe('PEP 740 provenance through the CLI', () => {
  it(
    'shows where a verified wheel was built in the plan, the trust report and the outcome',
    async () => {
      const env = await newHome()
      const result = await run(['install', `pypi:${pythonFixtureServerName}`, '--yes'], { env })
      expect(result.code).toBe(0)
      const built = `built from ${repository} by .github/workflows/release.yml@refs/tags/v1.1.0 (where it was built, not that it is safe)`
      expect(result.stderr).toContain(`\n  provenance  ${built}\n`)
      expect(result.stderr).toContain(`\n  provenance    verified: ${built}\n`)
      expect(result.stdout).toContain(`\n  provenance  ${built}\n`)

      const json = await run(['install', `pypi:${pythonFixtureServerName}@1.0.0`, '--yes', '--json'], { env: await newHome() })
      expect(json.code).toBe(0)
      const outcome = JSON.parse(json.stdout) as { version: string; verification: { provenance: Record<string, string> }; trust: { provenance: Record<string, string> } }
      expect(outcome.version).toBe('1.0.0')
      const provenance = { status: 'verified', repository, workflow: '.github/workflows/release.yml@refs/tags/v1.0.0' }
      expect(outcome.verification.provenance).toMatchObject({ ...provenance, detail: expect.stringMatching(/^PEP 740 attestation of .* by the Trusted Publisher GitHub fixture\/tekton-fixture-server \(release\.yml, environment pypi\); .*not that it is safe$/) })
      expect(outcome.trust.provenance).toMatchObject(provenance)
    },
    installTimeout,
  )

  it.each([
    ['tekton-fixture-other-subject', [], /\n  provenance +FAILED E_PROVENANCE_SUBJECT_MISMATCH: the attestation is for tekton_fixture_server-1\.0\.0-py3-none-any\.whl, not tekton_fixture_other_subject-1\.0\.0-py3-none-any\.whl/, /\nerror E_PROVENANCE_SUBJECT_MISMATCH: tekton-fixture-other-subject@1\.0\.0: provenance check failed: /],
    ['tekton-fixture-foreign', [], /\n  provenance +FAILED E_PROVENANCE_INVALID: the signing certificate does not verify against the trusted root/, /\nerror E_PROVENANCE_INVALID: tekton-fixture-foreign@1\.0\.0: provenance check failed: /],
    ['tekton-fixture-dropped', [], /\n  provenance +none: \S+ links no PEP 740 attestation to tekton_fixture_dropped-1\.1\.0-py3-none-any\.whl\n/, /\nerror E_PROVENANCE_DOWNGRADE: tekton-fixture-dropped@1\.1\.0 has no provenance, which the previous published version 1\.0\.0 had \(rule: no trust downgrade\)\nhint: .*--allow-trust-downgrade/],
    ['tekton-fixture-plain', ['--require-provenance'], /\n  provenance +none: /, /\nerror E_PROVENANCE_REQUIRED: tekton-fixture-plain@1\.0\.0: provenance is required \(requireProvenance, command line\)/],
  ])('%s %j: the plan shows why, then the install stops with the code and nothing is installed', async (name, flags, planLine, errorLine) => {
    const env = await newHome()
    const result = await run(['install', `pypi:${name}`, '--yes', ...flags], { env })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(planLine)
    expect(result.stderr).toMatch(errorLine)
    expect(await installedServers(env)).toEqual([])
  })

  it('a policy file that requires provenance refuses an unattested wheel in its own name', async () => {
    const env = await newHome()
    await mkdir(env.TEKTON_MCP_SYSTEM_CONFIG_DIR!, { recursive: true })
    const policyFile = path.join(env.TEKTON_MCP_SYSTEM_CONFIG_DIR!, 'config.json')
    await writeFile(policyFile, JSON.stringify({ policy: { requireProvenance: true } }))
    const result = await run(['install', 'pypi:tekton-fixture-plain', '--yes'], { env })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`\nerror E_PROVENANCE_REQUIRED: tekton-fixture-plain@1.0.0: provenance is required (requireProvenance, the policy (${policyFile})) but this version has no provenance attestation\n`)
    expect(await installedServers(env)).toEqual([])
  })

  it(
    '--allow-trust-downgrade installs the release that dropped provenance, and --json says it has none',
    async () => {
      const env = await newHome()
      const result = await run(['install', 'pypi:tekton-fixture-dropped', '--yes', '--allow-trust-downgrade', '--json'], { env })
      expect(result.code).toBe(0)
      const outcome = JSON.parse(result.stdout) as { version: string; verification: { provenance: { status: string } } }
      expect(outcome.version).toBe('1.1.0')
      expect(outcome.verification.provenance.status).toBe('absent')
    },
    installTimeout,
  )
})
