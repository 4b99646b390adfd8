/**
 * PEP 740 through the python installer, end to end: the fake PyPI serves the fixture server's
 * wheels with provenance signed by a fake Sigstore made here, the installer verifies it with
 * sigstore-js against that Sigstore's trusted root, and the installation service's own trust
 * rules (`judgeVerification`) decide before pip installs anything. Real python, venv and pip.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import path from 'node:path'
import { TektonError } from '@tekton/mcp-discovery'
import { baselineFromPublished, judgeVerification } from '@tekton/mcp-installation'
import type { InstallContext, VerificationRules } from '@tekton/mcp-installation'
import { attestPypiFile, createFakeSigstore, fixturePythonProjects, pythonFixtureServerName, startFakePypi, wheelFileName, withPypiProvenance } from '@tekton/mcp-testkit'
import type { FakePypi, FakePypiProject, FakeSigstore } from '@tekton/mcp-testkit'
import { createPythonInstaller } from '../src/index'
import { entries, installSpec, isolatedEnv, quickHttp, stagingIn, tempTree } from './helpers'

const installTimeout = 600_000
const wheel = (version: string) => wheelFileName(pythonFixtureServerName, version)

let sigstore: FakeSigstore
let root: string
let cleanup: () => Promise<void>
const indexes: FakePypi[] = []

beforeAll(async () => {
  ;({ root, cleanup } = await tempTree('tekton-pep740-'))
  sigstore = createFakeSigstore()
})

afterAll(async () => {
  await Promise.all(indexes.map((index) => index.close()))
  await cleanup?.()
})

/** An index serving the fixture server (1.0.0, 1.1.0, a yanked 1.2.0) and its helper, with `attest` deciding each version's wheel provenance. */
async function indexWith(attest: (server: FakePypiProject) => Record<string, ReturnType<typeof attestPypiFile> | undefined>, options: { htmlOnly?: boolean } = {}): Promise<FakePypi> {
  const { server, helper } = fixturePythonProjects()
  const index = await startFakePypi({ projects: [withPypiProvenance(server, attest(server)), helper], ...options })
  indexes.push(index)
  return index
}

function installerFor(index: FakePypi, trustedRoot: Record<string, unknown> = sigstore.trustedRoot) {
  return createPythonInstaller({ env: isolatedEnv(root, index.indexUrl), http: quickHttp(), trustedRoot })
}

/** The service's judge, as it hands it to installers. */
function judge(rules: VerificationRules): NonNullable<InstallContext['judgeVerification']> {
  return (verification, about) => judgeVerification(`${pythonFixtureServerName}@${about.version}`, verification, rules, baselineFromPublished(about.previousPublished))
}

async function failure(promise: Promise<unknown>): Promise<TektonError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(TektonError.isInstance(error)).toBe(true)
  return error as TektonError
}

describe('PEP 740 provenance', () => {
  it('plans and installs a verified wheel, showing the repository and workflow the certificate names', async () => {
    const index = await indexWith((server) => ({ [wheel('1.0.0')]: attestPypiFile(sigstore, server, wheel('1.0.0')), [wheel('1.1.0')]: attestPypiFile(sigstore, server, wheel('1.1.0')) }))
    const plan = await installerFor(index).plan(installSpec(pythonFixtureServerName), { directoryFor: (version) => path.join(root, 'final', version) })
    expect(plan.version).toBe('1.1.0')
    expect(plan.verification?.provenance).toMatchObject({
      status: 'verified',
      repository: `https://github.com/fixture/${pythonFixtureServerName}`,
      workflow: '.github/workflows/release.yml@refs/tags/v1.1.0',
      detail: expect.stringMatching(new RegExp(`^PEP 740 attestation of ${wheel('1.1.0').replace(/\./g, '\\.')} by the Trusted Publisher GitHub fixture/${pythonFixtureServerName} \\(release\\.yml, environment pypi\\); signed in CI`)),
    })
    expect(plan.previousPublished).toEqual({ version: '1.0.0', signed: false, attested: true })
    const staging = await stagingIn(root, 'verified')
    const result = await installerFor(index).install(installSpec(pythonFixtureServerName), { stagingDir: staging, judgeVerification: judge({ requireProvenance: true }) })
    expect(result.version).toBe('1.1.0')
    expect(result.verification?.provenance).toMatchObject({ status: 'verified', repository: `https://github.com/fixture/${pythonFixtureServerName}` })
    expect(result.previousPublished).toEqual({ version: '1.0.0', signed: false, attested: true })

    // `verify` checks it again against what the index links now.
    const installer = installerFor(index)
    const record = { package: installSpec(pythonFixtureServerName).package, version: '1.1.0', directory: staging, details: result.details }
    expect((await installer.verifyInstalled!(record, {})).provenance).toMatchObject({ status: 'verified', repository: `https://github.com/fixture/${pythonFixtureServerName}` })
    const server = index.projects.get(pythonFixtureServerName)!
    index.setProject(withPypiProvenance(server, { [wheel('1.1.0')]: attestPypiFile(sigstore, server, wheel('1.1.0'), { subject: { name: wheel('1.1.0'), sha256: 'e'.repeat(64) } }) }))
    expect((await installer.verifyInstalled!(record, {})).provenance).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_SUBJECT_MISMATCH' })
    index.setProject(withPypiProvenance(server, { [wheel('1.1.0')]: undefined }))
    expect((await installer.verifyInstalled!(record, {})).provenance).toMatchObject({ status: 'absent' })
    await expect(installer.verifyInstalled!({ ...record, details: {} }, {})).rejects.toThrow(/names no installed file to verify/)
  }, installTimeout)

  it('finds the provenance through an HTML-only index (data-provenance) too', async () => {
    const index = await indexWith((server) => ({ [wheel('1.1.0')]: attestPypiFile(sigstore, server, wheel('1.1.0'), { repository: 'fixture/html-only', workflow: 'publish.yml', environment: null }) }), { htmlOnly: true })
    const plan = await installerFor(index).plan(installSpec(pythonFixtureServerName), { directoryFor: (version) => path.join(root, 'final', version) })
    expect(plan.verification?.provenance).toMatchObject({ status: 'verified', repository: 'https://github.com/fixture/html-only', workflow: '.github/workflows/publish.yml@refs/tags/v1.1.0', detail: expect.stringContaining('Trusted Publisher GitHub fixture/html-only (publish.yml);') })
    expect(plan.previousPublished).toEqual({ version: '1.0.0', signed: false, attested: false })
  })

  it('refuses an attestation for another file (E_PROVENANCE_SUBJECT_MISMATCH) before pip installs anything', async () => {
    const index = await indexWith((server) => ({ [wheel('1.1.0')]: attestPypiFile(sigstore, server, wheel('1.1.0'), { subject: { name: wheel('1.0.0'), sha256: server.document.releases['1.0.0']![0]!.digests.sha256 } }) }))
    const plan = await installerFor(index).plan(installSpec(pythonFixtureServerName), { directoryFor: (version) => path.join(root, 'final', version) })
    expect(plan.verification?.provenance).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_SUBJECT_MISMATCH', detail: expect.stringContaining(`the attestation is for ${wheel('1.0.0')}, not ${wheel('1.1.0')}`) })
    const staging = await stagingIn(root, 'other-subject')
    const error = await failure(installerFor(index).install(installSpec(pythonFixtureServerName), { stagingDir: staging, judgeVerification: judge({}) }))
    expect(error.code).toBe('E_PROVENANCE_SUBJECT_MISMATCH')
    expect(await entries(staging)).toEqual([])
  }, installTimeout)

  it("refuses an attestation whose sha256 is not the file's", async () => {
    const index = await indexWith((server) => ({ [wheel('1.1.0')]: attestPypiFile(sigstore, server, wheel('1.1.0'), { subject: { name: wheel('1.1.0'), sha256: 'f'.repeat(64) } }) }))
    const plan = await installerFor(index).plan(installSpec(pythonFixtureServerName), { directoryFor: (version) => path.join(root, 'final', version) })
    expect(plan.verification?.provenance).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_SUBJECT_MISMATCH', detail: expect.stringMatching(/sha256 for .* \(ffffffffffffffff…\) is not the artifact's/) })
  })

  it('refuses an attestation signed by a Sigstore the trusted root does not hold (E_PROVENANCE_INVALID)', async () => {
    const foreign = createFakeSigstore()
    const index = await indexWith((server) => ({ [wheel('1.1.0')]: attestPypiFile(foreign, server, wheel('1.1.0')) }))
    const staging = await stagingIn(root, 'foreign')
    const error = await failure(installerFor(index).install(installSpec(pythonFixtureServerName), { stagingDir: staging, judgeVerification: judge({}) }))
    expect(error.code).toBe('E_PROVENANCE_INVALID')
    expect(error.message).toMatch(/provenance check failed: the signing certificate does not verify against the trusted root/)
    expect(await entries(staging)).toEqual([])
    // The public-good root pinned in @tekton/mcp-provenance does not vouch for a test-made attestation either.
    const pinned = createPythonInstaller({ env: isolatedEnv(root, index.indexUrl), http: quickHttp() })
    const plan = await pinned.plan(installSpec(pythonFixtureServerName), { directoryFor: (version) => path.join(root, 'final', version) })
    expect(plan.verification?.provenance).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_INVALID' })
  }, installTimeout)

  it('refuses an attestation whose certificate names another repository than the publisher the index names', async () => {
    const index = await indexWith((server) => {
      const provenance = attestPypiFile(sigstore, server, wheel('1.1.0'), { repository: 'someone-else/fork' })
      provenance.attestation_bundles[0]!.publisher.repository = `fixture/${pythonFixtureServerName}`
      return { [wheel('1.1.0')]: provenance }
    })
    const plan = await installerFor(index).plan(installSpec(pythonFixtureServerName), { directoryFor: (version) => path.join(root, 'final', version) })
    expect(plan.verification?.provenance).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_INVALID', detail: expect.stringMatching(/names the Trusted Publisher GitHub fixture\/tekton-fixture-server .* signed for a build of https:\/\/github\.com\/someone-else\/fork/) })
  })

  it('refuses an unattested wheel when provenance is required, and one whose predecessor was attested (no trust downgrade)', async () => {
    const index = await indexWith((server) => ({ [wheel('1.0.0')]: attestPypiFile(sigstore, server, wheel('1.0.0')) }))
    const plan = await installerFor(index).plan(installSpec(pythonFixtureServerName), { directoryFor: (version) => path.join(root, 'final', version) })
    expect(plan.verification?.provenance).toMatchObject({ status: 'absent' })
    expect(plan.previousPublished).toEqual({ version: '1.0.0', signed: false, attested: true })
    const required = await failure(installerFor(index).install(installSpec(pythonFixtureServerName), { stagingDir: await stagingIn(root, 'required'), judgeVerification: judge({ requireProvenance: true, origin: 'policy file /etc/tekton-mcp/policy.json' }) }))
    expect(required.code).toBe('E_PROVENANCE_REQUIRED')
    expect(required.message).toMatch(/requireProvenance, policy file \/etc\/tekton-mcp\/policy\.json/)
    const staging = await stagingIn(root, 'downgrade')
    const downgrade = await failure(installerFor(index).install(installSpec(pythonFixtureServerName), { stagingDir: staging, judgeVerification: judge({}) }))
    expect(downgrade.code).toBe('E_PROVENANCE_DOWNGRADE')
    expect(downgrade.message).toMatch(/1\.1\.0 has no provenance, which the previous published version 1\.0\.0 had/)
    expect(await entries(staging)).toEqual([])
  }, installTimeout)
})
