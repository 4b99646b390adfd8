/**
 * Sigstore attestations verified with sigstore-js against one trusted root, offline.
 *
 * sigstore-js's `Verifier` checks, with production thresholds (never lowered, tests included):
 * the signing certificate chains to a certificate authority of the root and was valid when the
 * entry was logged; at least one signed certificate timestamp (SCT) from a CT log of the root is
 * embedded in it; at least one transparency-log entry of a log of the root holds this envelope's
 * signature and payload digest, with its inclusion shown by a signed entry timestamp or by a
 * Merkle inclusion proof against a signed checkpoint; the DSSE signature verifies with the
 * certificate's key. On top of that this module checks what decides "this artifact was built by
 * that workflow": the in-toto statement names the artifact with its digest, and the repository
 * and workflow shown come from the certificate's Fulcio extensions (the certificate authority
 * signed those; the predicate is the build's own word), with a predicate naming another
 * repository refused.
 */
import { bundleFromJSON } from '@sigstore/bundle'
import type { Bundle } from '@sigstore/bundle'
import { X509Certificate } from '@sigstore/core'
import { Verifier, toSignedEntity } from '@sigstore/verify'
import type { ProvenanceCheck } from '@tekton/mcp-installation'
import { z } from 'zod'
import { certificateIdentityOf, normalizedRepository } from './certificate-identity'
import { trustMaterialOf } from './trusted-root'
import type { SigstoreTrustedRootJson } from './trusted-root'

export interface AttestationSubject {
  /** Whether an in-toto subject name is this artifact's (`pkg:npm/...@1.2.3`, a wheel's file name). */
  matches: (name: string) => boolean
  /** The artifact as shown in failures: `pkg:npm/@scope/name@1.2.3`, `name-1.0-py3-none-any.whl`. */
  describe: string
  /** The artifact's digest, hex. */
  digest: { algorithm: 'sha512' | 'sha256'; hex: string }
}

export interface AttestationVerifier {
  /** Never throws. verified => repository/workflow from the Fulcio certificate's signed extensions. */
  verify(input: { bundle: unknown; subject: AttestationSubject }): ProvenanceCheck
}

/** The in-toto payload type every attestation we accept carries. */
export const inTotoPayloadType = 'application/vnd.in-toto+json'

const StatementSchema = z.object({
  _type: z.string().optional(),
  subject: z.array(z.object({ name: z.string(), digest: z.record(z.string(), z.string()) })),
  predicateType: z.string(),
  predicate: z.unknown().optional(),
})

/** SLSA provenance predicate types npm publishes (v1, and v0.2 from older npm). */
export const slsaPredicateTypes = ['https://slsa.dev/provenance/v1', 'https://slsa.dev/provenance/v0.2']

class AttestationFailure extends Error {
  constructor(
    readonly code: 'E_PROVENANCE_INVALID' | 'E_PROVENANCE_SUBJECT_MISMATCH',
    message: string,
  ) {
    super(message)
  }
}

/** sigstore-js's error codes as sentences a user can act on (the library's own message follows). */
const sigstoreErrorSentences: Record<string, string> = {
  CERTIFICATE_ERROR: 'the signing certificate does not verify against the trusted root (chain, validity at signing time, or certificate-transparency SCT)',
  PUBLIC_KEY_ERROR: 'the bundle is signed with a key, not a certificate the trusted root can vouch for',
  SIGNATURE_ERROR: "the envelope's signature does not verify with the signing certificate",
  TIMESTAMP_ERROR: 'the bundle carries no timestamp the trusted root vouches for',
  TLOG_ERROR: 'the bundle has no transparency-log entry',
  TLOG_BODY_ERROR: 'the transparency-log entry is for another envelope (signature or payload) than the bundle',
  TLOG_INCLUSION_PROMISE_ERROR: "the transparency log's signed entry timestamp does not verify with a log key of the trusted root",
  TLOG_INCLUSION_PROOF_ERROR: "the transparency log's inclusion proof or signed checkpoint does not verify",
  TLOG_MISSING_INCLUSION_ERROR: 'the transparency-log entry carries neither a signed entry timestamp nor an inclusion proof',
  UNTRUSTED_SIGNER_ERROR: 'the signer is not the one the policy expects',
}

function sigstoreFailure(error: unknown): AttestationFailure {
  const code = (error as { code?: unknown }).code
  const message = (error as Error).message
  const cause = (error as { cause?: { message?: unknown } }).cause
  const causeText = typeof cause?.message === 'string' ? ` (${cause.message})` : ''
  const sentence = typeof code === 'string' ? sigstoreErrorSentences[code] : undefined
  return new AttestationFailure('E_PROVENANCE_INVALID', sentence ? `${sentence}: ${message}${causeText}` : `the attestation could not be verified: ${message}${causeText}`)
}

/** The source repository a SLSA provenance predicate names (v1 or v0.2), if any. */
export function predicateRepositoryOf(predicate: unknown): string | undefined {
  const v1 = (predicate as { buildDefinition?: { externalParameters?: { workflow?: { repository?: unknown } } } } | null)?.buildDefinition?.externalParameters?.workflow
  if (typeof v1?.repository === 'string') return v1.repository
  const source = (predicate as { invocation?: { configSource?: { uri?: unknown } } } | null)?.invocation?.configSource
  if (typeof source?.uri === 'string') return source.uri
  return undefined
}

function parseBundle(json: unknown): Bundle {
  try {
    return bundleFromJSON(json)
  } catch (error) {
    throw new AttestationFailure('E_PROVENANCE_INVALID', `the attestation is not a Sigstore bundle: ${(error as Error).message}`)
  }
}

/** When the bundle says it was signed: the earliest log integration time or timestamp-authority time. */
function signedAtOf(bundle: Bundle): number | undefined {
  const times = bundle.verificationMaterial.tlogEntries.map((entry) => Number(entry.integratedTime) * 1000).filter((time) => Number.isFinite(time) && time > 0)
  return times.length === 0 ? undefined : Math.min(...times)
}

/** Creates a verifier for one trusted root; build it once per install (the root's keys are parsed here). */
export function createAttestationVerifier(trustedRoot: SigstoreTrustedRootJson): AttestationVerifier {
  const verifier = new Verifier(trustMaterialOf(trustedRoot), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 })

  function verifyOrThrow(input: { bundle: unknown; subject: AttestationSubject }): ProvenanceCheck {
    const { subject } = input
    const bundle = parseBundle(input.bundle)
    if (bundle.content.$case !== 'dsseEnvelope') throw new AttestationFailure('E_PROVENANCE_INVALID', 'the bundle signs a message, not an in-toto attestation (no DSSE envelope)')
    const envelope = bundle.content.dsseEnvelope
    if (envelope.payloadType !== inTotoPayloadType) throw new AttestationFailure('E_PROVENANCE_INVALID', `the envelope carries ${JSON.stringify(envelope.payloadType)}, not an in-toto statement`)
    let entity: ReturnType<typeof toSignedEntity>
    try {
      entity = toSignedEntity(bundle)
    } catch (error) {
      throw new AttestationFailure('E_PROVENANCE_INVALID', `the bundle's certificate or timestamps cannot be read: ${(error as Error).message}`)
    }
    if (entity.key.$case !== 'certificate') throw new AttestationFailure('E_PROVENANCE_INVALID', sigstoreErrorSentences.PUBLIC_KEY_ERROR!)
    try {
      verifier.verify(entity)
    } catch (error) {
      throw sigstoreFailure(error)
    }
    let statementData: unknown
    try {
      statementData = JSON.parse(Buffer.from(envelope.payload).toString('utf8'))
    } catch {
      throw new AttestationFailure('E_PROVENANCE_INVALID', 'the signed statement is not JSON')
    }
    const statement = StatementSchema.safeParse(statementData)
    if (!statement.success) throw new AttestationFailure('E_PROVENANCE_INVALID', 'the signed statement is not an in-toto statement (subject, predicateType)')
    const named = statement.data.subject.find((candidate) => subject.matches(candidate.name))
    if (!named) {
      throw new AttestationFailure('E_PROVENANCE_SUBJECT_MISMATCH', `the attestation is for ${statement.data.subject.map((candidate) => candidate.name).join(', ') || '(no subject)'}, not ${subject.describe}`)
    }
    const attested = named.digest[subject.digest.algorithm]
    if (attested === undefined) throw new AttestationFailure('E_PROVENANCE_SUBJECT_MISMATCH', `the attestation for ${named.name} carries no ${subject.digest.algorithm} digest to compare`)
    if (attested.toLowerCase() !== subject.digest.hex.toLowerCase()) {
      throw new AttestationFailure('E_PROVENANCE_SUBJECT_MISMATCH', `the attestation's ${subject.digest.algorithm} for ${named.name} (${attested.slice(0, 16)}…) is not the artifact's (${subject.digest.hex.slice(0, 16)}…)`)
    }
    const identity = certificateIdentityOf(entity.key.certificate as X509Certificate)
    const claimed = slsaPredicateTypes.includes(statement.data.predicateType) ? predicateRepositoryOf(statement.data.predicate) : undefined
    if (claimed !== undefined && identity.repository !== undefined && normalizedRepository(claimed) !== normalizedRepository(identity.repository)) {
      throw new AttestationFailure('E_PROVENANCE_INVALID', `the provenance names ${claimed} as its source, but the signing certificate was issued to a build of ${identity.repository}`)
    }
    const signedAt = signedAtOf(bundle)
    return {
      status: 'verified',
      ...(identity.repository ? { repository: identity.repository } : {}),
      ...(identity.workflow ? { workflow: identity.workflow } : {}),
      detail: `signed in CI${signedAt === undefined ? '' : ` and logged ${new Date(signedAt).toISOString()}`} (Sigstore: certificate chain, SCT, transparency log); says where it was built, not that it is safe`,
    }
  }

  return {
    verify(input) {
      try {
        return verifyOrThrow(input)
      } catch (error) {
        if (error instanceof AttestationFailure) return { status: 'failed', code: error.code, detail: error.message }
        return { status: 'failed', code: 'E_PROVENANCE_INVALID', detail: `the attestation could not be checked: ${(error as Error).message}` }
      }
    },
  }
}
