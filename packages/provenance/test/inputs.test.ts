/**
 * What reaches the verifier from outside: trusted roots named by the environment, PEP 740
 * attestation objects, and bundles that are not what they should be. Each failure is a sentence
 * with a code, never an exception out of `verify`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { TektonError } from '@tekton/mcp-discovery'
import { createFakeSigstore } from '@tekton/mcp-testkit'
import { bundleFromPypiAttestation, createAttestationVerifier, sigstorePublicGoodTrustedRoot, trustedRootFromEnvironment, trustedRootVariable } from '../src/index'
import type { AttestationSubject } from '../src/index'

const directory = mkdtempSync(path.join(tmpdir(), 'provenance-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))
const sigstore = createFakeSigstore({ now: () => Date.UTC(2026, 0, 2) })
const verifier = createAttestationVerifier(sigstore.trustedRoot)
const wheel = 'demo-1.0-py3-none-any.whl'
const wheelSha256 = 'cd'.repeat(32)
const wheelSubject: AttestationSubject = { matches: (name) => name === wheel, describe: wheel, digest: { algorithm: 'sha256', hex: wheelSha256 } }
const publishStatement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: wheel, digest: { sha256: wheelSha256 } }], predicateType: 'https://docs.pypi.org/attestations/publish/v1', predicate: null }

function file(name: string, content: string): string {
  const target = path.join(directory, name)
  writeFileSync(target, content)
  return target
}

describe('trustedRootFromEnvironment', () => {
  it('is the pinned public-good root unless the variable names a file', () => {
    expect(trustedRootFromEnvironment({})).toBe(sigstorePublicGoodTrustedRoot)
    expect(trustedRootFromEnvironment({ [trustedRootVariable]: ' ' })).toBe(sigstorePublicGoodTrustedRoot)
    expect((sigstorePublicGoodTrustedRoot.tlogs as Array<{ baseUrl: string }>).map((log) => log.baseUrl)).toContain('https://rekor.sigstore.dev')
    expect(sigstorePublicGoodTrustedRoot.ctlogs).toHaveLength(2)
  })

  it('reads the named trusted_root.json', () => {
    const named = file('trusted_root.json', JSON.stringify(sigstore.trustedRoot))
    expect(trustedRootFromEnvironment({ [trustedRootVariable]: named })).toEqual(sigstore.trustedRoot)
  })

  it.each([
    ['a missing file', () => path.join(directory, 'absent.json'), /names .*absent\.json, which is not a readable JSON file/],
    ['a file that is not JSON', () => file('broken.json', '{'), /which is not a readable JSON file/],
    ['JSON that is not a trusted root', () => file('empty.json', '{"tlogs":[]}'), /is not a Sigstore trusted root: it names no certificate authority/],
    ['a root without a transparency log', () => file('no-log.json', JSON.stringify({ ...sigstore.trustedRoot, tlogs: [] })), /it names no transparency log/],
    ['a JSON array', () => file('array.json', '[]'), /a trusted root is a JSON object/],
  ])('refuses %s with E_CONFIG and a hint', (_what, make, message) => {
    let thrown: unknown
    try {
      trustedRootFromEnvironment({ [trustedRootVariable]: make() })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(TektonError)
    expect(thrown).toMatchObject({ code: 'E_CONFIG', message: expect.stringMatching(message), hint: expect.stringContaining(trustedRootVariable) })
  })
})

describe('bundleFromPypiAttestation', () => {
  it('turns a PEP 740 attestation into a bundle that verifies, with the identity from the certificate', () => {
    const attested = sigstore.attestStatement(publishStatement, { repository: 'https://github.com/fixture/demo', workflowPath: '.github/workflows/publish.yml', ref: 'refs/tags/v1.0' })
    const attestation = {
      version: 1,
      verification_material: { certificate: attested.certificateDer.toString('base64'), transparency_entries: [attested.tlogEntry] },
      envelope: { statement: attested.envelope.statement, signature: attested.envelope.signature },
    }
    expect(bundleFromPypiAttestation(attestation)).toEqual({
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { certificate: { rawBytes: attestation.verification_material.certificate }, tlogEntries: [attested.tlogEntry] },
      dsseEnvelope: { payload: attested.envelope.statement, payloadType: 'application/vnd.in-toto+json', signatures: [{ sig: attested.envelope.signature, keyid: '' }] },
    })
    expect(verifier.verify({ bundle: bundleFromPypiAttestation(attestation), subject: wheelSubject })).toMatchObject({
      status: 'verified',
      repository: 'https://github.com/fixture/demo',
      workflow: '.github/workflows/publish.yml@refs/tags/v1.0',
    })
    const otherWheel = { ...wheelSubject, digest: { algorithm: 'sha256' as const, hex: 'ef'.repeat(32) } }
    expect(verifier.verify({ bundle: bundleFromPypiAttestation(attestation), subject: otherWheel })).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_SUBJECT_MISMATCH' })
  })

  it('leaves anything else as it is, so the verifier says it is not a bundle', () => {
    const odd = { version: 2, envelope: {} }
    expect(bundleFromPypiAttestation(odd)).toBe(odd)
    expect(verifier.verify({ bundle: bundleFromPypiAttestation(odd), subject: wheelSubject })).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_INVALID', detail: expect.stringMatching(/^the attestation is not a Sigstore bundle/) })
  })
})

describe('bundles that are not provenance', () => {
  const attested = sigstore.attestStatement(publishStatement)
  const bundle = attested.bundle as { dsseEnvelope: Record<string, unknown>; verificationMaterial: Record<string, unknown> }

  it('refuses a message signature, a public-key bundle, another payload type', () => {
    const message = { ...bundle, dsseEnvelope: undefined, messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: Buffer.alloc(32).toString('base64') }, signature: attested.envelope.signature } }
    expect(verifier.verify({ bundle: message, subject: wheelSubject }).detail).toBe('the bundle signs a message, not an in-toto attestation (no DSSE envelope)')
    const keyed = { ...bundle, verificationMaterial: { ...bundle.verificationMaterial, certificate: undefined, publicKey: { hint: 'key-1' } } }
    expect(verifier.verify({ bundle: keyed, subject: wheelSubject }).detail).toMatch(/signed with a key, not a certificate/)
    const otherType = { ...bundle, dsseEnvelope: { ...bundle.dsseEnvelope, payloadType: 'text/plain' } }
    expect(verifier.verify({ bundle: otherType, subject: wheelSubject }).detail).toBe('the envelope carries "text/plain", not an in-toto statement')
  })

  it('refuses a statement without the digest the artifact is compared by', () => {
    const sha512Only = sigstore.attestStatement({ ...publishStatement, subject: [{ name: wheel, digest: { sha512: 'ab'.repeat(64) } }] })
    expect(verifier.verify({ bundle: sha512Only.bundle, subject: wheelSubject })).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_SUBJECT_MISMATCH', detail: `the attestation for ${wheel} carries no sha256 digest to compare` })
  })

  it('refuses what is not an object at all', () => {
    expect(verifier.verify({ bundle: 'bundle', subject: wheelSubject })).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_INVALID' })
    expect(verifier.verify({ bundle: null, subject: wheelSubject })).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_INVALID' })
  })
})
