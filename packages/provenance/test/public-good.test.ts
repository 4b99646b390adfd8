/**
 * A real npm provenance bundle, verified offline against the pinned public-good trusted root.
 *
 * Fixture origin: npm/cli `test/fixtures/sigstore/valid-sigstore-attestations.json` (commit
 * 780afc50e3a3), the registry's attestations answer for sigstore@1.0.0, published from
 * github.com/sigstore/sigstore-js's release workflow on 2023-02-09 (a v0.1 bundle: certificate
 * chain with an embedded SCT from the 2022 CT log, an intoto entry in Rekor with a signed entry
 * timestamp). The tarball's integrity is the one npm/cli's `test/lib/commands/audit.js` gives for
 * sigstore@1.0.0 (`dist.integrity` in the registry's packument).
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { createAttestationVerifier, sigstorePublicGoodTrustedRoot } from '../src/index'
import type { AttestationSubject } from '../src/index'

const response = JSON.parse(readFileSync(new URL('./fixtures/npm-sigstore-1.0.0-attestations.json', import.meta.url), 'utf8')) as {
  attestations: Array<{ predicateType: string; bundle: Record<string, any> }>
}
const integrity = 'sha512-e+qfbn/zf1+rCza/BhIA//Awmf0v1pa5HQS8Xk8iXrn9bgytytVLqYD0P7NSqZ6IELTgq+tcDvLPkQjNHyWLNg=='
const tarballSha512 = Buffer.from(integrity.slice('sha512-'.length), 'base64').toString('hex')
const provenance = response.attestations.find((attestation) => attestation.predicateType === 'https://slsa.dev/provenance/v0.2')!.bundle

function npmSubject(hex: string): AttestationSubject {
  return { matches: (name) => decodeURIComponent(name) === 'pkg:npm/sigstore@1.0.0', describe: 'pkg:npm/sigstore@1.0.0', digest: { algorithm: 'sha512', hex } }
}

/** A deep copy with one base64 field's decoded bytes changed at `index`. */
function withFlippedByte(bundle: Record<string, any>, pick: (copy: Record<string, any>) => [Record<string, any>, string], index: number): Record<string, any> {
  const copy = structuredClone(bundle)
  const [holder, key] = pick(copy)
  const bytes = Buffer.from(holder[key] as string, 'base64')
  bytes[index] = bytes[index]! ^ 0x01
  holder[key] = bytes.toString('base64')
  return copy
}

describe('the pinned public-good trusted root against a real npm bundle', () => {
  const verifier = createAttestationVerifier(sigstorePublicGoodTrustedRoot)

  it('verifies sigstore@1.0.0 and shows the repository and workflow from its Fulcio certificate', () => {
    const check = verifier.verify({ bundle: provenance, subject: npmSubject(tarballSha512) })
    expect(check).toMatchObject({ status: 'verified', repository: 'https://github.com/sigstore/sigstore-js' })
    expect(check.workflow).toBe('.github/workflows/publish.yml@refs/tags/v1.0.0')
    expect(check.detail).toContain('2023-02-09T')
  })

  it('refuses the bundle when the tarball digest differs by one byte', () => {
    const digest = Buffer.from(tarballSha512, 'hex')
    digest[0] = digest[0]! ^ 0x01
    const check = verifier.verify({ bundle: provenance, subject: npmSubject(digest.toString('hex')) })
    expect(check).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_SUBJECT_MISMATCH' })
    expect(check.detail).toContain('pkg:npm/sigstore@1.0.0')
  })

  it('refuses the bundle for another package', () => {
    const check = verifier.verify({ bundle: provenance, subject: { ...npmSubject(tarballSha512), matches: (name) => name === 'pkg:npm/sigstore@1.0.1', describe: 'pkg:npm/sigstore@1.0.1' } })
    expect(check).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_SUBJECT_MISMATCH' })
    expect(check.detail).toBe('the attestation is for pkg:npm/sigstore@1.0.0, not pkg:npm/sigstore@1.0.1')
  })

  it.each([
    ['the signed statement', (copy: Record<string, any>) => [copy.dsseEnvelope, 'payload'] as [Record<string, any>, string], 40, /transparency-log entry is for another envelope/],
    ['the envelope signature', (copy: Record<string, any>) => [copy.dsseEnvelope.signatures[0], 'sig'] as [Record<string, any>, string], 20, /transparency-log entry is for another envelope/],
    ['the signing certificate', (copy: Record<string, any>) => [copy.verificationMaterial.x509CertificateChain.certificates[0], 'rawBytes'] as [Record<string, any>, string], 200, /signing certificate/],
    ['the signed entry timestamp', (copy: Record<string, any>) => [copy.verificationMaterial.tlogEntries[0].inclusionPromise, 'signedEntryTimestamp'] as [Record<string, any>, string], 30, /signed entry timestamp/],
    ['the logged entry body', (copy: Record<string, any>) => [copy.verificationMaterial.tlogEntries[0], 'canonicalizedBody'] as [Record<string, any>, string], 5, /./],
  ])('refuses the bundle when one byte of %s changes', (_what, pick, index, detail) => {
    const check = verifier.verify({ bundle: withFlippedByte(provenance, pick, index), subject: npmSubject(tarballSha512) })
    expect(check).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_INVALID' })
    expect(check.detail).toMatch(detail)
  })

  it('refuses the real bundle when the root is not the one that signed it', async () => {
    const { createFakeSigstore } = await import('@tekton/mcp-testkit')
    const other = createAttestationVerifier(createFakeSigstore().trustedRoot)
    const check = other.verify({ bundle: provenance, subject: npmSubject(tarballSha512) })
    expect(check).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_INVALID' })
    expect(check.detail).toMatch(/trusted root/)
  })
})
