/**
 * npm provenance: the registry's attestations answer, and what an npm attestation must name. The
 * Sigstore verification itself is @tekton/mcp-provenance's (sigstore-js against the pinned root);
 * this module only says what the subject of an npm attestation is: `pkg:npm/<name>@<version>`
 * (scoped names percent-encoded or not) with the tarball's sha512.
 */
import { createAttestationVerifier } from '@tekton/mcp-provenance'
import type { AttestationSubject, AttestationVerifier, SigstoreTrustedRootJson } from '@tekton/mcp-provenance'
import type { ProvenanceCheck } from '@tekton/mcp-installation'
import { z } from 'zod'

/**
 * The outline of a `trusted_root.json` (transparency logs and certificate authorities), for
 * callers of the earlier API; sigstore-js checks the keys and certificates themselves when a
 * verifier is created.
 */
export const TrustedRootSchema = z.looseObject({ tlogs: z.array(z.unknown()), certificateAuthorities: z.array(z.unknown()) })

/** The registry's answer at `dist.attestations.url`. */
export const AttestationsResponseSchema = z.object({
  attestations: z.array(z.object({ predicateType: z.string(), bundle: z.unknown() })),
})

/** The in-toto subject npm writes for `name@version` with the tarball's `sha512-<base64>` integrity. */
export function npmAttestationSubject(name: string, version: string, integrity: string): AttestationSubject {
  const expected = `pkg:npm/${name}@${version}`
  return {
    matches: (subject) => {
      try {
        return decodeURIComponent(subject) === expected
      } catch {
        return false
      }
    },
    describe: expected,
    digest: { algorithm: 'sha512', hex: integrity.startsWith('sha512-') ? Buffer.from(integrity.slice('sha512-'.length), 'base64').toString('hex') : '' },
  }
}

const verifiers = new WeakMap<SigstoreTrustedRootJson, AttestationVerifier>()

/**
 * Verifies one provenance bundle for `name@version` whose tarball has the sha512 `integrity`.
 * Never throws: a failure is a `failed` check with its code. Kept for callers of the earlier
 * API; installers hold one verifier per install instead.
 */
export function verifyProvenanceBundle(input: { bundle: unknown; name: string; version: string; integrity: string; trustedRoot: SigstoreTrustedRootJson }): ProvenanceCheck {
  let verifier = verifiers.get(input.trustedRoot)
  if (verifier === undefined) {
    verifier = createAttestationVerifier(input.trustedRoot)
    verifiers.set(input.trustedRoot, verifier)
  }
  return verifier.verify({ bundle: input.bundle, subject: npmAttestationSubject(input.name, input.version, input.integrity) })
}
