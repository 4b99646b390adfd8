/**
 * The testkit's fake Sigstore against sigstore-js with production thresholds: its bundles must
 * pass (SCT, inclusion proof and checkpoint, signed entry timestamp, chain), so installer tests
 * exercise the same verifier as real bundles; and what a forger would change must fail.
 */
import { describe, expect, it } from '@jest/globals'
import { createFakeSigstore, integrityOf } from '@tekton/mcp-testkit'
import { createAttestationVerifier } from '../src/index'
import type { AttestationSubject } from '../src/index'

const sigstore = createFakeSigstore({ now: () => Date.UTC(2026, 0, 2) })
const verifier = createAttestationVerifier(sigstore.trustedRoot)
const integrity = integrityOf(Buffer.from('tarball bytes'))
const sha512 = Buffer.from(integrity.slice('sha512-'.length), 'base64').toString('hex')

function npmSubject(name: string, version: string, hex = sha512): AttestationSubject {
  return { matches: (candidate) => decodeURIComponent(candidate) === `pkg:npm/${name}@${version}`, describe: `pkg:npm/${name}@${version}`, digest: { algorithm: 'sha512', hex } }
}

type Bundle = { verificationMaterial: { certificate: { rawBytes: string }; tlogEntries: Array<Record<string, any>> }; dsseEnvelope: { payload: string; signatures: Array<{ sig: string }> } }

describe('fake Sigstore bundles under sigstore-js', () => {
  it('verifies an npm provenance bundle and reads the repository and workflow from the certificate', () => {
    const bundle = sigstore.attest({ name: '@fixture/attested', version: '1.0.0', integrity })
    expect(verifier.verify({ bundle, subject: npmSubject('@fixture/attested', '1.0.0') })).toEqual({
      status: 'verified',
      repository: 'https://github.com/fixture/attested',
      workflow: '.github/workflows/release.yml@refs/tags/v1.0.0',
      detail: expect.stringContaining('logged 2026-01-02T00:00:00.000Z'),
    })
  })

  it('verifies many entries of one growing log (inclusion proofs at every tree size)', () => {
    const bundles = Array.from({ length: 7 }, (_, index) => sigstore.attest({ name: `pkg-${index}`, version: '1.0.0', integrity }))
    for (const [index, bundle] of bundles.entries()) expect(verifier.verify({ bundle, subject: npmSubject(`pkg-${index}`, '1.0.0') }).status).toBe('verified')
  })

  it('refuses a statement edited after signing, another subject, another digest', () => {
    const bundle = sigstore.attest({ name: 'pkg', version: '1.0.0', integrity }) as Bundle
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString()) as { predicate: { buildDefinition: { externalParameters: { workflow: { repository: string } } } } }
    statement.predicate.buildDefinition.externalParameters.workflow.repository = 'https://github.com/attacker/repo'
    const forged = { ...bundle, dsseEnvelope: { ...bundle.dsseEnvelope, payload: Buffer.from(JSON.stringify(statement)).toString('base64') } }
    expect(verifier.verify({ bundle: forged, subject: npmSubject('pkg', '1.0.0') })).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_INVALID' })
    expect(verifier.verify({ bundle, subject: npmSubject('other', '1.0.0') })).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_SUBJECT_MISMATCH', detail: 'the attestation is for pkg:npm/pkg@1.0.0, not pkg:npm/other@1.0.0' })
    expect(verifier.verify({ bundle, subject: npmSubject('pkg', '1.0.0', 'ab'.repeat(64)) })).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_SUBJECT_MISMATCH' })
  })

  it('refuses a provenance whose predicate names another repository than the certificate', () => {
    const statement = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'pkg:npm/pkg@1.0.0', digest: { sha512 } }],
      predicateType: 'https://slsa.dev/provenance/v1',
      predicate: { buildDefinition: { externalParameters: { workflow: { repository: 'https://github.com/famous/project', path: '.github/workflows/release.yml', ref: 'refs/tags/v1.0.0' } } } },
    }
    const { bundle } = sigstore.attestStatement(statement, { repository: 'https://github.com/attacker/copy' })
    const check = verifier.verify({ bundle, subject: npmSubject('pkg', '1.0.0') })
    expect(check).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_INVALID' })
    expect(check.detail).toBe('the provenance names https://github.com/famous/project as its source, but the signing certificate was issued to a build of https://github.com/attacker/copy')
  })

  it('refuses a bundle from another fake Sigstore (chain, SCT and log all unknown to this root)', () => {
    const bundle = createFakeSigstore({ now: () => Date.UTC(2026, 0, 2) }).attest({ name: 'pkg', version: '1.0.0', integrity })
    const check = verifier.verify({ bundle, subject: npmSubject('pkg', '1.0.0') })
    expect(check).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_INVALID' })
    expect(check.detail).toMatch(/^the signing certificate does not verify against the trusted root/)
  })

  it('refuses a certificate without its SCT when the root has the CT log (at least one SCT required)', () => {
    const other = createFakeSigstore({ now: () => Date.UTC(2026, 0, 2) })
    const root = { ...sigstore.trustedRoot, ctlogs: other.trustedRoot.ctlogs }
    const check = createAttestationVerifier(root).verify({ bundle: sigstore.attest({ name: 'pkg', version: '1.0.0', integrity }), subject: npmSubject('pkg', '1.0.0') })
    expect(check).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_INVALID' })
    expect(check.detail).toMatch(/SCT/)
  })

  it('refuses a log entry whose inclusion proof or checkpoint was tampered with', () => {
    const bundle = sigstore.attest({ name: 'pkg', version: '1.0.0', integrity }) as Bundle
    const entry = bundle.verificationMaterial.tlogEntries[0]!
    const badCheckpoint = structuredClone(bundle)
    badCheckpoint.verificationMaterial.tlogEntries[0]!.inclusionProof.checkpoint.envelope = String(entry.inclusionProof.checkpoint.envelope).replace(/\n(\d+)\n/, (_match: string, size: string) => `\n${Number(size) + 1}\n`)
    expect(verifier.verify({ bundle: badCheckpoint, subject: npmSubject('pkg', '1.0.0') })).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_INVALID', detail: expect.stringMatching(/^the transparency log's inclusion proof or signed checkpoint does not verify: invalid checkpoint signature/) })
    const otherRoot = structuredClone(bundle)
    otherRoot.verificationMaterial.tlogEntries[0]!.inclusionProof.rootHash = Buffer.alloc(32).toString('base64')
    otherRoot.verificationMaterial.tlogEntries[0]!.inclusionProof.hashes = [Buffer.alloc(32).toString('base64'), ...entry.inclusionProof.hashes]
    expect(verifier.verify({ bundle: otherRoot, subject: npmSubject('pkg', '1.0.0') })).toMatchObject({ status: 'failed', detail: expect.stringMatching(/inclusion proof or signed checkpoint does not verify: invalid hash count/) })
    // Without the signed entry timestamp the entry gives no time the root vouches for (a Rekor v2 entry needs a timestamp authority).
    const noPromise = structuredClone(bundle)
    delete noPromise.verificationMaterial.tlogEntries[0]!.inclusionPromise
    expect(verifier.verify({ bundle: noPromise, subject: npmSubject('pkg', '1.0.0') })).toMatchObject({ status: 'failed', detail: expect.stringMatching(/^the bundle carries no timestamp the trusted root vouches for/) })
    const backdated = structuredClone(bundle)
    backdated.verificationMaterial.tlogEntries[0]!.integratedTime = String(Number(entry.integratedTime) - 30)
    expect(verifier.verify({ bundle: backdated, subject: npmSubject('pkg', '1.0.0') })).toMatchObject({ status: 'failed', detail: expect.stringMatching(/signed entry timestamp/) })
  })

  it('hands out the PEP 740 parts of a statement (certificate, log entry, envelope)', () => {
    const attested = sigstore.attestStatement({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'demo-1.0-py3-none-any.whl', digest: { sha256: 'cd'.repeat(32) } }], predicateType: 'https://docs.pypi.org/attestations/publish/v1' })
    expect((attested.bundle as Bundle).verificationMaterial.certificate.rawBytes).toBe(attested.certificateDer.toString('base64'))
    expect((attested.bundle as Bundle).verificationMaterial.tlogEntries[0]).toBe(attested.tlogEntry)
    expect((attested.bundle as Bundle).dsseEnvelope).toMatchObject({ payload: attested.envelope.statement, signatures: [{ sig: attested.envelope.signature }] })
  })
})
