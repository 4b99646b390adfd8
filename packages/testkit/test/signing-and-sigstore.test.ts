/**
 * The npm fake's signing keys and attestations, and the fake Sigstore, checked with node:crypto
 * alone: what they serve must verify the way a real client verifies npm's, or tests of our
 * verifier would prove nothing.
 */
import { X509Certificate, createHash, createPublicKey, verify } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { buildFixtureServerPackage, createFakeSigstore, createRegistrySigningKey, integrityOf, startFakeNpmRegistry } from '../src/index'
import type { FakeNpmRegistry, RegistrySigningKey } from '../src/index'

let registry: FakeNpmRegistry
let key: RegistrySigningKey
const sigstore = createFakeSigstore({ now: () => Date.UTC(2026, 0, 2) })

beforeAll(async () => {
  key = createRegistrySigningKey({ expires: '2030-01-01T00:00:00.000Z' })
  const pkg = buildFixtureServerPackage({ name: '@fixture/attested', versions: [{ version: '1.0.0' }, { version: '1.1.0' }] })
  pkg.attestations = { '1.0.0': sigstore.attest({ name: '@fixture/attested', version: '1.0.0', integrity: integrityOf(pkg.tarballs!['1.0.0']!) }) }
  registry = await startFakeNpmRegistry({ packages: [pkg], keys: [key] })
})
afterAll(async () => {
  await registry.close()
})

interface Dist {
  integrity: string
  signatures?: Array<{ keyid: string; sig: string }>
  attestations?: { url: string; provenance: { predicateType: string } }
}

async function dists(): Promise<Record<string, Dist>> {
  const response = await fetch(`${registry.url}/@fixture%2fattested`, { headers: { accept: 'application/vnd.npm.install-v1+json' } })
  const body = (await response.json()) as { versions: Record<string, { dist: Dist }> }
  return Object.fromEntries(Object.entries(body.versions).map(([version, manifest]) => [version, manifest.dist]))
}

describe('fake npm registry: signing keys and attestations', () => {
  it('serves its keys as npm does, and signs <name>@<version>:<integrity> with them', async () => {
    const keys = (await (await fetch(`${registry.url}/-/npm/v1/keys`)).json()) as { keys: Array<{ keyid: string; key: string; expires: string | null }> }
    expect(keys.keys).toEqual([expect.objectContaining({ keyid: key.keyid, expires: '2030-01-01T00:00:00.000Z', keytype: 'ecdsa-sha2-nistp256' })])
    const publicKey = createPublicKey({ key: Buffer.from(keys.keys[0]!.key, 'base64'), format: 'der', type: 'spki' })
    const dist = (await dists())['1.0.0']!
    expect(dist.signatures?.[0]?.keyid).toBe(key.keyid)
    expect(verify('sha256', Buffer.from(`@fixture/attested@1.0.0:${dist.integrity}`), publicKey, Buffer.from(dist.signatures![0]!.sig, 'base64'))).toBe(true)
  })

  it('names attestations only for versions that have them, and serves them', async () => {
    const all = await dists()
    expect(all['1.1.0']?.attestations).toBeUndefined()
    const attestations = all['1.0.0']!.attestations!
    expect(attestations.provenance.predicateType).toBe('https://slsa.dev/provenance/v1')
    const body = (await (await fetch(attestations.url)).json()) as { attestations: Array<{ predicateType: string; bundle: { dsseEnvelope: unknown } }> }
    expect(body.attestations[0]?.bundle.dsseEnvelope).toBeDefined()
    expect((await fetch(`${registry.url}/-/npm/v1/attestations/@fixture%2fattested@1.1.0`)).status).toBe(404)
  })

  it('without keys answers 404 at the keys endpoint and signs nothing, as a mirror', async () => {
    registry.setKeys([])
    try {
      expect((await fetch(`${registry.url}/-/npm/v1/keys`)).status).toBe(404)
      expect((await dists())['1.0.0']?.signatures).toBeUndefined()
    } finally {
      registry.setKeys([key])
    }
  })
})

describe('fake Sigstore', () => {
  const integrity = integrityOf(Buffer.from('tarball bytes'))
  const bundle = sigstore.attest({ name: '@fixture/attested', version: '1.0.0', integrity }) as {
    verificationMaterial: { certificate: { rawBytes: string }; tlogEntries: Array<{ logIndex: string; logId: { keyId: string }; integratedTime: string; inclusionPromise: { signedEntryTimestamp: string }; canonicalizedBody: string }> }
    dsseEnvelope: { payload: string; payloadType: string; signatures: Array<{ sig: string }> }
  }

  it('issues a leaf certificate that chains to its root, valid when the entry is logged', () => {
    const [intermediate, root] = sigstore.trustedRoot.certificateAuthorities[0]!.certChain.certificates.map((entry) => new X509Certificate(Buffer.from(entry.rawBytes, 'base64')))
    const leaf = new X509Certificate(Buffer.from(bundle.verificationMaterial.certificate.rawBytes, 'base64'))
    expect(root!.ca && intermediate!.ca).toBe(true)
    expect(leaf.ca).toBe(false)
    expect(leaf.checkIssued(intermediate!) && leaf.verify(intermediate!.publicKey)).toBe(true)
    expect(intermediate!.checkIssued(root!) && intermediate!.verify(root!.publicKey)).toBe(true)
    const loggedAt = Number(bundle.verificationMaterial.tlogEntries[0]!.integratedTime) * 1000
    expect(loggedAt).toBe(Date.UTC(2026, 0, 2))
    expect(Date.parse(leaf.validFrom) <= loggedAt && loggedAt <= Date.parse(leaf.validTo)).toBe(true)
  })

  it('signs the DSSE envelope with the leaf key and the log entry with the log key', () => {
    const leaf = new X509Certificate(Buffer.from(bundle.verificationMaterial.certificate.rawBytes, 'base64'))
    const { payload, payloadType, signatures } = bundle.dsseEnvelope
    const body = Buffer.from(payload, 'base64')
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${body.length} `), body])
    expect(verify('sha256', pae, leaf.publicKey, Buffer.from(signatures[0]!.sig, 'base64'))).toBe(true)
    const entry = bundle.verificationMaterial.tlogEntries[0]!
    const log = sigstore.trustedRoot.tlogs[0]!
    expect(entry.logId.keyId).toBe(log.logId.keyId)
    expect(createHash('sha256').update(Buffer.from(log.publicKey.rawBytes, 'base64')).digest('base64')).toBe(log.logId.keyId)
    const signed = `{"body":"${entry.canonicalizedBody}","integratedTime":${Number(entry.integratedTime)},"logID":"${Buffer.from(entry.logId.keyId, 'base64').toString('hex')}","logIndex":${Number(entry.logIndex)}}`
    const logKey = createPublicKey({ key: Buffer.from(log.publicKey.rawBytes, 'base64'), format: 'der', type: 'spki' })
    expect(verify('sha256', Buffer.from(signed), logKey, Buffer.from(entry.inclusionPromise.signedEntryTimestamp, 'base64'))).toBe(true)
  })

  it('names the package as npm does (scope percent-encoded) with the tarball sha512, or the subject asked for', () => {
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString()) as { subject: Array<{ name: string; digest: { sha512: string } }> }
    expect(statement.subject).toEqual([{ name: 'pkg:npm/%40fixture/attested@1.0.0', digest: { sha512: Buffer.from(integrity.slice(7), 'base64').toString('hex') } }])
    const other = sigstore.attest({ name: 'a', version: '1.0.0', integrity, subject: { name: 'pkg:npm/b@1.0.0', sha512: 'ab' } }) as { dsseEnvelope: { payload: string } }
    expect(JSON.parse(Buffer.from(other.dsseEnvelope.payload, 'base64').toString()).subject[0].name).toBe('pkg:npm/b@1.0.0')
  })
})
