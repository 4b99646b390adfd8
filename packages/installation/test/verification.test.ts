/**
 * The trust rules every installer's verification is judged by: a failed check is refused with its
 * own code, a missing one only when required (naming the rule's origin), and a version that lost
 * what its predecessor had is a downgrade unless allowed.
 */
import { describe, expect, it } from '@jest/globals'
import { baselineFromPublished, baselineFromRecord, describeVerification, verificationRefusal, VerificationResultSchema } from '../src/index'
import type { VerificationResult } from '../src/index'

const verified: VerificationResult = {
  signature: { status: 'verified', keyId: 'SHA256:k', present: true, detail: 'signed' },
  provenance: { status: 'verified', repository: 'https://github.com/o/r', workflow: 'release.yml@refs/tags/v1', detail: 'logged' },
  ownership: { status: 'verified', by: 'npm mcpName', detail: 'claims io.github.o/r' },
}

function refusalCode(verification: VerificationResult, rules = {}, baseline = undefined as Parameters<typeof verificationRefusal>[3]): string | undefined {
  return verificationRefusal('pkg@1.1.0', verification, rules, baseline)?.code
}

describe('verificationRefusal', () => {
  it('lets a fully verified version through, and one a mirror could not check', () => {
    expect(refusalCode(verified)).toBeUndefined()
    expect(refusalCode({ ...verified, signature: { status: 'no-keys', detail: 'no keys' } })).toBeUndefined()
  })

  it('refuses each failed check with its own code', () => {
    expect(refusalCode({ ...verified, signature: { status: 'failed', code: 'E_SIGNATURE_KEY_EXPIRED', detail: 'expired' } })).toBe('E_SIGNATURE_KEY_EXPIRED')
    expect(refusalCode({ ...verified, provenance: { status: 'failed', code: 'E_PROVENANCE_SUBJECT_MISMATCH', detail: 'other' } })).toBe('E_PROVENANCE_SUBJECT_MISMATCH')
    expect(refusalCode({ ...verified, ownership: { status: 'mismatch', detail: 'claims another name' } })).toBe('E_OWNERSHIP_MISMATCH')
  })

  it('refuses what is missing only when required, naming where the rule came from', () => {
    const unsigned = { ...verified, signature: { status: 'no-keys' as const, detail: 'no keys' } }
    const refusal = verificationRefusal('pkg@1.1.0', unsigned, { requireSignatures: true, origin: 'policy file /etc/tekton-mcp/policy.json' }, undefined)
    expect(refusal?.code).toBe('E_SIGNATURE_REQUIRED')
    expect(refusal?.message).toContain('requireSignatures, policy file /etc/tekton-mcp/policy.json')
    expect(refusalCode({ ...verified, provenance: { status: 'absent', detail: 'none' } }, { requireProvenance: true })).toBe('E_PROVENANCE_REQUIRED')
  })

  it('refuses a downgrade from the installed or the previous published version, unless allowed', () => {
    const dropped = { ...verified, provenance: { status: 'absent' as const, detail: 'none' } }
    expect(refusalCode(dropped, {}, baselineFromRecord('1.0.0', verified))).toBe('E_PROVENANCE_DOWNGRADE')
    expect(refusalCode(dropped, {}, baselineFromPublished({ version: '1.0.0', signed: true, attested: true }))).toBe('E_PROVENANCE_DOWNGRADE')
    expect(refusalCode(dropped, { allowTrustDowngrade: true }, baselineFromRecord('1.0.0', verified))).toBeUndefined()
    expect(refusalCode(dropped, {}, baselineFromPublished({ version: '1.0.0', signed: true, attested: false }))).toBeUndefined()
    // Signatures count by presence: a mirror that serves no keys but passes signatures on is no downgrade.
    const mirrored = { ...verified, signature: { status: 'no-keys' as const, present: true, detail: 'no keys' } }
    expect(refusalCode(mirrored, {}, baselineFromRecord('1.0.0', verified))).toBeUndefined()
    const unsigned = { ...verified, signature: { status: 'no-keys' as const, present: false, detail: 'no keys' } }
    expect(verificationRefusal('pkg@1.1.0', unsigned, {}, baselineFromRecord('1.0.0', verified))?.message).toContain('no registry signatures, which the installed 1.0.0 had')
    expect(baselineFromRecord('1.0.0', undefined)).toBeUndefined()
  })
})

describe('describeVerification', () => {
  it('one line per check, provenance worded as where it was built', () => {
    const lines = describeVerification({ ...verified, releaseAge: { publishedAt: '2025-01-01T00:00:00.000Z', hours: 72 } })
    expect(lines).toEqual([
      'signature   verified (registry key SHA256:k)',
      'provenance  built from https://github.com/o/r by release.yml@refs/tags/v1 (where it was built, not that it is safe)',
      'ownership   verified by npm mcpName: claims io.github.o/r',
      'published   2025-01-01T00:00:00.000Z (3 days ago)',
    ])
  })

  it('is what the state file stores: the schema reads it back', () => {
    expect(VerificationResultSchema.parse(JSON.parse(JSON.stringify(verified)))).toEqual(verified)
  })
})
