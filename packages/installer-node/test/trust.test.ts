/**
 * The trust rules end to end: the installation service with the real node installer against the
 * fake npm registry (keys and a fake Sigstore made in the test). A wrong signature, provenance for
 * another package and a release that dropped provenance are refused with their codes and nothing
 * is recorded; what was verified is kept on the record and `verify` checks it again.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { TektonError } from '@tekton/mcp-discovery'
import { createInstallationService, describeVerification } from '@tekton/mcp-installation'
import type { MCPInstallationService } from '@tekton/mcp-installation'
import { buildFixtureServerPackage, createFakeSigstore, createRegistrySigningKey, integrityOf, signNpmVersion, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmPackage, FakeNpmRegistry, FakeSigstore, RegistrySigningKey } from '@tekton/mcp-testkit'
import { createNodeInstaller } from '../src/index'
import { installSpec, isolatedEnv, quickHttp, tempTree } from './helpers'

let tree: Awaited<ReturnType<typeof tempTree>>
let registry: FakeNpmRegistry
let sigstore: FakeSigstore
let key: RegistrySigningKey
let service: MCPInstallationService

function attested(name: string, versions: string[], options: { withoutProvenance?: string[]; subjectFor?: Record<string, string> } = {}): FakeNpmPackage {
  const pkg = buildFixtureServerPackage({ name, versions: versions.map((version) => ({ version })), mcpName: `io.github.fixture/${name}` })
  const attestations: Record<string, Record<string, unknown>> = {}
  for (const version of versions) {
    if (options.withoutProvenance?.includes(version)) continue
    const integrity = integrityOf(pkg.tarballs![version]!)
    const other = options.subjectFor?.[version]
    attestations[version] = sigstore.attest({ name, version, integrity, ...(other ? { subject: { name: other, sha512: Buffer.from(integrity.slice(7), 'base64').toString('hex') } } : {}) })
  }
  return { ...pkg, attestations }
}

/** The metadata the service installs from: listed in the MCP registry under the package's mcpName. */
function listed(name: string) {
  const { server } = installSpec(name)
  return { ...server, registryName: `io.github.fixture/${name}` }
}

async function refusal(action: Promise<unknown>): Promise<TektonError> {
  const error = await action.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  if (!TektonError.isInstance(error)) throw new Error(`expected a refusal, got ${String(error)}`)
  return error
}

beforeAll(async () => {
  tree = await tempTree()
  sigstore = createFakeSigstore()
  key = createRegistrySigningKey()
  const wrongSignature = attested('fixture-bad-signature', ['1.0.0'])
  wrongSignature.distOverrides = { '1.0.0': { signatures: [signNpmVersion(key, 'fixture-bad-signature', '1.0.0', integrityOf(Buffer.from('not the tarball')))] } }
  registry = await startFakeNpmRegistry({
    keys: [key],
    packages: [
      attested('fixture-trusted', ['1.0.0', '1.1.0']),
      wrongSignature,
      attested('fixture-borrowed-provenance', ['1.0.0'], { subjectFor: { '1.0.0': 'pkg:npm/fixture-trusted@1.0.0' } }),
      attested('fixture-dropped-provenance', ['1.0.0', '1.1.0'], { withoutProvenance: ['1.1.0'] }),
    ],
  })
  const env = isolatedEnv(tree.root)
  service = createInstallationService({
    home: `${tree.root}/data`,
    env,
    installers: [createNodeInstaller({ registry: registry.url, http: quickHttp(), trustedRoot: sigstore.trustedRoot, env })],
  })
})

afterAll(async () => {
  await registry?.close()
  await tree?.cleanup()
})

describe('trust rules', () => {
  it('installs a signed, attested version and records what was verified', async () => {
    const outcome = await service.installServer(listed('fixture-trusted'), { version: '1.0.0', handshake: false })
    expect(outcome.verification).toMatchObject({ signature: { status: 'verified' }, provenance: { status: 'verified' }, ownership: { status: 'verified' } })
    const record = (await service.state.read()).servers['fixture-trusted']
    expect(record?.versions['1.0.0']?.verification?.provenance.repository).toBe('https://github.com/fixture/fixture-trusted')
    expect(describeVerification(outcome.verification!).join('\n')).toMatch(/provenance +built from https:\/\/github.com\/fixture\/fixture-trusted by .github\/workflows\/release.yml@refs\/tags\/v1.0.0/)
  }, 600_000)

  it('refuses a wrong registry signature with its code, recording nothing', async () => {
    const error = await refusal(service.installServer(listed('fixture-bad-signature'), { handshake: false }))
    expect(error.code).toBe('E_SIGNATURE_INVALID')
    expect((await service.state.read()).servers['fixture-bad-signature']).toBeUndefined()
  })

  it('refuses provenance that names another package', async () => {
    const error = await refusal(service.installServer(listed('fixture-borrowed-provenance'), { handshake: false }))
    expect(error.code).toBe('E_PROVENANCE_SUBJECT_MISMATCH')
    expect(error.message).toContain('pkg:npm/fixture-trusted@1.0.0')
  })

  it('refuses a fresh install of a newest version that dropped the provenance the previous one had, unless allowed', async () => {
    const plan = await service.planInstall(listed('fixture-dropped-provenance'), { handshake: false })
    expect(plan.trustRefusal?.code).toBe('E_PROVENANCE_DOWNGRADE')
    const error = await refusal(service.installServer(listed('fixture-dropped-provenance'), { handshake: false }))
    expect(error.code).toBe('E_PROVENANCE_DOWNGRADE')
    expect(error.message).toContain('the previous published version 1.0.0')
    expect(error.message).toContain('no trust downgrade')
    const allowed = await service.installServer(listed('fixture-dropped-provenance'), { handshake: false, allowTrustDowngrade: true })
    expect(allowed.version).toBe('1.1.0')
    expect(allowed.verification?.provenance.status).toBe('absent')
  }, 600_000)

  it('refuses an update to a version without the provenance the installed one had; the installed version stays', async () => {
    await service.uninstallServer('fixture-dropped-provenance')
    await service.installServer(listed('fixture-dropped-provenance'), { version: '1.0.0', handshake: false })
    const error = await refusal(service.updateServer('fixture-dropped-provenance', { handshake: false, metadata: listed('fixture-dropped-provenance') }))
    expect(error.code).toBe('E_PROVENANCE_DOWNGRADE')
    expect(error.message).toContain('the installed 1.0.0')
    expect((await service.getInstalledServer('fixture-dropped-provenance'))?.activeVersion).toBe('1.0.0')
  }, 600_000)

  it('requireSignatures refuses a registry that serves no keys, naming the rule', async () => {
    registry.setKeys([])
    try {
      // A new installer: the first one keeps the keys it fetched for an hour.
      const env = isolatedEnv(tree.root)
      const onMirror = createInstallationService({ home: `${tree.root}/mirror-data`, env, installers: [createNodeInstaller({ registry: registry.url, http: quickHttp(), trustedRoot: sigstore.trustedRoot, env })] })
      const plan = await onMirror.planInstall(listed('fixture-trusted'), { version: '1.1.0', handshake: false, requireSignatures: true, trustOrigin: 'policy file /etc/policy.json' })
      expect(plan.verification?.signature.status).toBe('no-keys')
      expect(plan.trustRefusal).toMatchObject({ code: 'E_SIGNATURE_REQUIRED' })
      expect(plan.trustRefusal?.message).toContain('requireSignatures, policy file /etc/policy.json')
    } finally {
      registry.setKeys([key])
    }
  })

  it('verify checks again, and notices the registry now signing other metadata', async () => {
    const intact = await service.verifyServer('fixture-trusted', { handshake: false })
    expect(intact.verification).toMatchObject({ ok: true })
    expect(intact.ok).toBe(true)
    const pkg = registry.packages.get('fixture-trusted')!
    registry.setPackage({ ...pkg, distOverrides: { '1.0.0': { signatures: [signNpmVersion(key, 'fixture-trusted', '1.0.0', integrityOf(Buffer.from('swapped')))] } } })
    const changed = await service.verifyServer('fixture-trusted', { handshake: false })
    expect(changed.ok).toBe(false)
    expect(changed.verification && 'problems' in changed.verification ? changed.verification.problems.join('; ') : '').toContain('E_SIGNATURE_INVALID')
  }, 600_000)
})
