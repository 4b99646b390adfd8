/**
 * Verification against the fake npm registry with keys and a fake Sigstore made in the test:
 * each signature failure has its own code, a provenance bundle verifies against the test's
 * trusted root and not against another, a bundle naming another package is refused, and a
 * refused version is never handed to npm.
 */
import { readdir } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { TektonError } from '@tekton/mcp-discovery'
import type { VerificationResult } from '@tekton/mcp-installation'
import { buildFixtureServerPackage, createFakeSigstore, createRegistrySigningKey, integrityOf, signNpmVersion, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmPackage, FakeNpmRegistry, FakeSigstore, RegistrySigningKey } from '@tekton/mcp-testkit'
import { createNodeInstaller, verifyProvenanceBundle } from '../src/index'
import type { NodeInstaller } from '../src/index'
import { installSpec, isolatedEnv, quickHttp, stagingIn, tempTree } from './helpers'

let tree: Awaited<ReturnType<typeof tempTree>>
let registry: FakeNpmRegistry
let sigstore: FakeSigstore
let key: RegistrySigningKey
let installer: NodeInstaller

/** A fixture package whose versions each carry a provenance bundle made by `sigstore`, unless listed in `withoutProvenance`. */
function attested(name: string, versions: string[], options: { withoutProvenance?: string[]; mcpName?: string; subjectFor?: Record<string, string> } = {}): FakeNpmPackage {
  const pkg = buildFixtureServerPackage({ name, versions: versions.map((version) => ({ version })), ...(options.mcpName ? { mcpName: options.mcpName } : {}) })
  const attestations: Record<string, Record<string, unknown>> = {}
  for (const version of versions) {
    if (options.withoutProvenance?.includes(version)) continue
    const integrity = integrityOf(pkg.tarballs![version]!)
    const other = options.subjectFor?.[version]
    attestations[version] = sigstore.attest({
      name,
      version,
      integrity,
      ...(other ? { subject: { name: other, sha512: Buffer.from(integrity.slice(7), 'base64').toString('hex') } } : {}),
    })
  }
  return { ...pkg, attestations }
}

async function planned(name: string, version?: string): Promise<VerificationResult> {
  const plan = await installer.plan(installSpec(name, version ? { version } : {}), { directoryFor: (candidate) => `${tree.root}/versions/${candidate}`, env: isolatedEnv(tree.root) })
  expect(plan.verification).toBeDefined()
  return plan.verification!
}

beforeAll(async () => {
  tree = await tempTree()
  sigstore = createFakeSigstore()
  key = createRegistrySigningKey()
  const stranger = createRegistrySigningKey()
  const expired = createRegistrySigningKey({ expires: '2024-06-01T00:00:00.000Z' })
  const good = attested('fixture-signed', ['1.0.0'], { mcpName: 'io.github.fixture/signed' })
  const wrongSignature = buildFixtureServerPackage({ name: 'fixture-wrong-signature', versions: [{ version: '1.0.0' }] })
  // Signed by the registry's key, but over another integrity: the metadata was changed after signing.
  wrongSignature.distOverrides = { '1.0.0': { signatures: [signNpmVersion(key, 'fixture-wrong-signature', '1.0.0', integrityOf(Buffer.from('other bytes')))] } }
  const unsigned = buildFixtureServerPackage({ name: 'fixture-unsigned', versions: [{ version: '1.0.0' }] })
  unsigned.distOverrides = { '1.0.0': { signatures: null } }
  const unknownKey = buildFixtureServerPackage({ name: 'fixture-unknown-key', versions: [{ version: '1.0.0' }] })
  unknownKey.distOverrides = { '1.0.0': { signatures: [signNpmVersion(stranger, 'fixture-unknown-key', '1.0.0', integrityOf(unknownKey.tarballs!['1.0.0']!))] } }
  // Published 2025-01-01 (the fixture's first date), signed with a key that expired in 2024.
  const expiredKey = buildFixtureServerPackage({ name: 'fixture-expired-key', versions: [{ version: '1.0.0' }] })
  expiredKey.distOverrides = { '1.0.0': { signatures: [signNpmVersion(expired, 'fixture-expired-key', '1.0.0', integrityOf(expiredKey.tarballs!['1.0.0']!))] } }
  registry = await startFakeNpmRegistry({
    keys: [key, expired],
    signWith: key,
    packages: [
      good,
      wrongSignature,
      unsigned,
      unknownKey,
      expiredKey,
      attested('fixture-other-subject', ['1.0.0'], { subjectFor: { '1.0.0': 'pkg:npm/fixture-signed@1.0.0' } }),
      attested('fixture-dropped', ['1.0.0', '1.1.0'], { withoutProvenance: ['1.1.0'] }),
    ],
  })
  installer = createNodeInstaller({ registry: registry.url, http: quickHttp(), trustedRoot: sigstore.trustedRoot, npmInactivityTimeoutMs: 300_000 })
})

afterAll(async () => {
  await registry?.close()
  await tree?.cleanup()
})

describe('registry signatures', () => {
  it('verifies a version signed with the registry key, and names the key', async () => {
    const verification = await planned('fixture-signed')
    expect(verification.signature).toMatchObject({ status: 'verified', keyId: key.keyid, present: true })
  })

  it.each([
    ['fixture-wrong-signature', 'E_SIGNATURE_INVALID'],
    ['fixture-unsigned', 'E_SIGNATURE_MISSING'],
    ['fixture-unknown-key', 'E_SIGNATURE_UNKNOWN_KEY'],
    ['fixture-expired-key', 'E_SIGNATURE_KEY_EXPIRED'],
  ])('%s fails with %s', async (name, code) => {
    const verification = await planned(name)
    expect(verification.signature.status).toBe('failed')
    expect(verification.signature.code).toBe(code)
  })

  it('reads the publish time from the full packument only when a key that expires is involved', async () => {
    const before = registry.requests.filter((request) => request.path === '/fixture-expired-key' && !String(request.headers.accept).includes('install-v1')).length
    await planned('fixture-expired-key')
    const after = registry.requests.filter((request) => request.path === '/fixture-expired-key' && !String(request.headers.accept).includes('install-v1')).length
    expect(after).toBe(before + 1)
  })

  it('caches the keys: a second plan asks the registry for them no more', async () => {
    await planned('fixture-signed')
    const count = registry.countRequests('/-/npm/v1/keys')
    await planned('fixture-signed')
    expect(registry.countRequests('/-/npm/v1/keys')).toBe(count)
  })

  it('a registry that serves no keys is a status, not a failure', async () => {
    const mirror = await startFakeNpmRegistry({ packages: [buildFixtureServerPackage({ name: 'fixture-mirrored', versions: [{ version: '1.0.0' }] })] })
    try {
      const onMirror = createNodeInstaller({ registry: mirror.url, http: quickHttp(), trustedRoot: sigstore.trustedRoot })
      const plan = await onMirror.plan(installSpec('fixture-mirrored'), { directoryFor: (version) => `${tree.root}/m/${version}`, env: isolatedEnv(tree.root) })
      expect(plan.verification?.signature).toMatchObject({ status: 'no-keys', present: false })
      expect(plan.verification?.provenance.status).toBe('absent')
    } finally {
      await mirror.close()
    }
  })
})

describe('provenance', () => {
  it('verifies a bundle against the test trusted root and shows the repository and workflow', async () => {
    const verification = await planned('fixture-signed')
    expect(verification.provenance).toMatchObject({
      status: 'verified',
      repository: 'https://github.com/fixture/fixture-signed',
      workflow: '.github/workflows/release.yml@refs/tags/v1.0.0',
    })
  })

  it('refuses a bundle that names another package', async () => {
    const verification = await planned('fixture-other-subject')
    expect(verification.provenance).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_SUBJECT_MISMATCH' })
    expect(verification.provenance.detail).toContain('pkg:npm/fixture-signed@1.0.0')
  })

  it('does not trust a bundle from another Sigstore (the pinned public root, by default)', async () => {
    const pinned = createNodeInstaller({ registry: registry.url, http: quickHttp() })
    const plan = await pinned.plan(installSpec('fixture-signed'), { directoryFor: (version) => `${tree.root}/p/${version}`, env: isolatedEnv(tree.root) })
    expect(plan.verification?.provenance).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_INVALID' })
  })

  it('refuses a bundle whose statement, certificate or log entry was changed', () => {
    const integrity = integrityOf(Buffer.from('tarball'))
    const bundle = sigstore.attest({ name: 'pkg', version: '1.0.0', integrity }) as { dsseEnvelope: { payload: string }; verificationMaterial: { tlogEntries: Array<{ integratedTime: string }> } }
    expect(verifyProvenanceBundle({ bundle, name: 'pkg', version: '1.0.0', integrity, trustedRoot: sigstore.trustedRoot }).status).toBe('verified')
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString()) as { predicate: { buildDefinition: { externalParameters: { workflow: { repository: string } } } } }
    statement.predicate.buildDefinition.externalParameters.workflow.repository = 'https://github.com/attacker/repo'
    const forged = { ...bundle, dsseEnvelope: { ...bundle.dsseEnvelope, payload: Buffer.from(JSON.stringify(statement)).toString('base64') } }
    expect(verifyProvenanceBundle({ bundle: forged, name: 'pkg', version: '1.0.0', integrity, trustedRoot: sigstore.trustedRoot })).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_INVALID' })
    const backdated = structuredClone(bundle)
    // Thirty seconds earlier: the certificate was valid then, but the log did not sign that time.
    backdated.verificationMaterial.tlogEntries[0]!.integratedTime = String(Number(bundle.verificationMaterial.tlogEntries[0]!.integratedTime) - 30)
    expect(verifyProvenanceBundle({ bundle: backdated, name: 'pkg', version: '1.0.0', integrity, trustedRoot: sigstore.trustedRoot }).detail).toContain('signed entry timestamp')
    expect(verifyProvenanceBundle({ bundle, name: 'pkg', version: '1.0.0', integrity: integrityOf(Buffer.from('other')), trustedRoot: sigstore.trustedRoot }).code).toBe('E_PROVENANCE_SUBJECT_MISMATCH')
    // The same log, but another certificate authority: the signing certificate does not chain to it.
    const otherAuthority = { ...sigstore.trustedRoot, certificateAuthorities: createFakeSigstore().trustedRoot.certificateAuthorities }
    expect(verifyProvenanceBundle({ bundle, name: 'pkg', version: '1.0.0', integrity, trustedRoot: otherAuthority }).detail).toMatch(/^the signing certificate does not verify against the trusted root/)
  })

  it('refuses a trustedRoot option that is not a Sigstore trusted root, naming the option', () => {
    expect(() => createNodeInstaller({ registry: registry.url, http: quickHttp(), trustedRoot: { tlogs: [] } })).toThrow(expect.objectContaining({ code: 'E_CONFIG', message: expect.stringContaining('the trustedRoot option is not a Sigstore trusted root: it names no certificate authority') }))
  })

  it('reports what the previous published version carried (the downgrade baseline)', async () => {
    const plan = await installer.plan(installSpec('fixture-dropped'), { directoryFor: (version) => `${tree.root}/d/${version}`, env: isolatedEnv(tree.root) })
    expect(plan.version).toBe('1.1.0')
    expect(plan.verification?.provenance.status).toBe('absent')
    expect(plan.previousPublished).toEqual({ version: '1.0.0', signed: true, attested: true })
  })
})

describe('install', () => {
  it('judges before npm runs: a refused version leaves the staging directory empty', async () => {
    const staging = await stagingIn(tree.root, 'refused')
    const refusal = new TektonError('E_SIGNATURE_INVALID', 'refused by the test judge')
    let judged: VerificationResult | undefined
    await expect(
      installer.install(installSpec('fixture-wrong-signature'), {
        stagingDir: staging,
        env: isolatedEnv(tree.root),
        judgeVerification: (verification) => {
          judged = verification
          throw refusal
        },
      }),
    ).rejects.toBe(refusal)
    expect(judged?.signature.code).toBe('E_SIGNATURE_INVALID')
    expect(await readdir(staging)).toEqual([])
  })

  it('returns the verification with ownership from the installed mcpName', async () => {
    const staging = await stagingIn(tree.root, 'good')
    const spec = installSpec('fixture-signed')
    const result = await installer.install({ ...spec, server: { ...spec.server, registryName: 'io.github.fixture/signed' } }, { stagingDir: staging, env: isolatedEnv(tree.root) })
    expect(result.verification?.signature.status).toBe('verified')
    expect(result.verification?.provenance.status).toBe('verified')
    expect(result.verification?.ownership).toMatchObject({ status: 'verified', by: 'npm mcpName' })
    const other = await stagingIn(tree.root, 'claimed-other')
    const claimed = await installer.install({ ...spec, server: { ...spec.server, registryName: 'io.github.someone/else' } }, { stagingDir: other, env: isolatedEnv(tree.root) })
    expect(claimed.verification?.ownership.status).toBe('mismatch')
  }, 600_000)
})
