/**
 * What was verified about one version before it was installed: the registry's signature, the
 * build provenance, the ownership proofs and the release age. Installers fill it (they know their
 * registry's formats); the service judges it with the same rules for every installer (see
 * `judgeVerification`), records it on the version and returns it in plans and outcomes, and the
 * trust report reads it. A change here is a breaking change for every installer and the report.
 *
 * Statuses are data; sentences for people are in `detail` and in `describeVerification`.
 */
import { z } from 'zod'

export const SignatureCheckSchema = z.looseObject({
  /**
   * `verified`: every registry signature checked out with an unexpired key. `no-keys`: the
   * registry serves no signing keys (mirrors, private registries), so nothing could be checked.
   * `failed`: see `code`. `not-applicable`: the registry type has no signatures (PyPI, OCI).
   */
  status: z.enum(['verified', 'no-keys', 'failed', 'not-applicable']),
  keyId: z.string().optional(),
  /** Whether the version carries registry signatures at all (checked or not): the no-downgrade rule compares presence. */
  present: z.boolean().optional(),
  /** The error code of a failure (`E_SIGNATURE_INVALID`, ...). */
  code: z.string().optional(),
  detail: z.string(),
})

export const ProvenanceCheckSchema = z.looseObject({
  /**
   * `verified`: an attestation bundle verified against the pinned trusted root and names this
   * exact package and tarball. `absent`: the version has none. `failed`: see `code`.
   * Provenance says where a package was built, not that it is safe.
   */
  status: z.enum(['verified', 'absent', 'failed', 'not-applicable']),
  /** The source repository the build ran from (SLSA predicate), e.g. `https://github.com/o/r`. */
  repository: z.string().optional(),
  /** The workflow that built it, e.g. `.github/workflows/release.yml@refs/tags/v1.2.3`. */
  workflow: z.string().optional(),
  code: z.string().optional(),
  detail: z.string(),
})

export const OwnershipCheckSchema = z.looseObject({
  /**
   * `verified`: the package itself claims the registry name (`by` says how). `unverified`: there
   * was nothing to compare (no registry name, no claim). `mismatch`: it claims another name, or
   * its repository was deleted and recreated.
   */
  status: z.enum(['verified', 'unverified', 'mismatch', 'not-applicable']),
  /** How it was proven: `npm mcpName`, `pypi mcp-name marker`, `oci label`, `repository id`. */
  by: z.string().optional(),
  detail: z.string(),
})

export const VerificationResultSchema = z.looseObject({
  signature: SignatureCheckSchema,
  provenance: ProvenanceCheckSchema,
  ownership: OwnershipCheckSchema,
  releaseAge: z.looseObject({ publishedAt: z.string(), hours: z.number() }).optional(),
  /**
   * Other digests already enforced by the installer and worth showing (`pypi sha256 hash-pinned`,
   * `oci digest`). Optional, open strings.
   */
  digests: z.string().optional(),
})

export type SignatureCheck = z.infer<typeof SignatureCheckSchema>
export type ProvenanceCheck = z.infer<typeof ProvenanceCheckSchema>
export type OwnershipCheck = z.infer<typeof OwnershipCheckSchema>
export type VerificationResult = z.infer<typeof VerificationResultSchema>

/**
 * What the version published just before the chosen one carried, from the registry's metadata
 * alone (no cryptography): the baseline of the no-downgrade rule for a fresh install.
 */
export interface PublishedTrust {
  version: string
  signed: boolean
  attested: boolean
}

/**
 * A minimum release age for unpinned resolutions (the policy's `minimumReleaseAgeHours`):
 * versions published after `publishedBefore` (epoch ms) are passed over. `rule` names where it
 * comes from, for notes and refusals. Installers take it as a function called on each
 * resolution, so a policy read per run (and the application's clock) applies.
 */
export interface ReleaseAgeRule {
  hours: number
  publishedBefore: number
  /** E.g. `policy.minimumReleaseAgeHours (/etc/tekton-mcp/config.json)`. */
  rule: string
}

/** The trust rules an install is judged by (policy settings or install options). */
export interface VerificationRules {
  /** Refuse a version whose registry serves no signing keys. @default false */
  requireSignatures?: boolean
  /** Refuse a version without a provenance attestation. @default false */
  requireProvenance?: boolean
  /** Install a version lacking the provenance or signatures its predecessor had. @default false */
  allowTrustDowngrade?: boolean
  /**
   * Where the rules came from, named in refusals (`policy file /etc/tekton-mcp/policy.json`,
   * `install option`). @default 'install option'
   */
  origin?: string
}

/** The trust rules as operation options (`trustOrigin` is what refusals name as the rules' origin). */
export type TrustOptions = Omit<VerificationRules, 'origin'> & {
  /** Where the rules came from, e.g. `policy file /etc/tekton-mcp/policy.json`. @default 'install option' */
  trustOrigin?: string
}
