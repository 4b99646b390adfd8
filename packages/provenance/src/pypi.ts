/**
 * PEP 740 attestations as Sigstore bundles. PyPI serves, per file, attestation objects
 * (`{version, verification_material: {certificate, transparency_entries}, envelope: {statement,
 * signature}}`) that hold exactly a Sigstore v0.3 bundle's parts in another layout; put back into
 * bundle form they are verified like npm's, by the same code.
 */
import { z } from 'zod'
import { inTotoPayloadType } from './verifier'

const PypiAttestationSchema = z.object({
  version: z.literal(1),
  verification_material: z.object({
    certificate: z.string().min(1),
    transparency_entries: z.array(z.record(z.string(), z.unknown())).min(1),
  }),
  envelope: z.object({ statement: z.string().min(1), signature: z.string().min(1) }),
})

/** The bundle media type PEP 740 attestations convert to. */
export const bundleV03MediaType = 'application/vnd.dev.sigstore.bundle.v0.3+json'

/**
 * One PEP 740 attestation object as a Sigstore v0.3 bundle JSON. An object that is not a PEP 740
 * attestation comes back as it is, so the verifier reports it as not a bundle.
 */
export function bundleFromPypiAttestation(attestation: unknown): unknown {
  const parsed = PypiAttestationSchema.safeParse(attestation)
  if (!parsed.success) return attestation
  const { verification_material: material, envelope } = parsed.data
  return {
    mediaType: bundleV03MediaType,
    verificationMaterial: {
      certificate: { rawBytes: material.certificate },
      tlogEntries: material.transparency_entries,
    },
    dsseEnvelope: {
      payload: envelope.statement,
      payloadType: inTotoPayloadType,
      signatures: [{ sig: envelope.signature, keyid: '' }],
    },
  }
}
