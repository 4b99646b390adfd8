/**
 * npm provenance, verified offline against a pinned Sigstore trusted root with node:crypto.
 *
 * npm publishes, for a version built in CI with `--provenance`, a Sigstore bundle: a DSSE
 * envelope over an in-toto statement whose subject is `pkg:npm/<name>@<version>` with the
 * tarball's sha512, signed by a short-lived Fulcio certificate, and a Rekor transparency-log
 * entry with a signed entry timestamp. We check, in this order:
 *  1. the certificate chains to a certificate authority of the trusted root, each link signed by
 *     the next, and was valid at the log's integration time;
 *  2. the signed entry timestamp verifies with a log key of the trusted root (so the time and the
 *     entry are the log's), and the log entry holds this envelope's signature;
 *  3. the DSSE signature (over the pre-authentication encoding) verifies with the certificate's key;
 *  4. the statement's subject names this package and version and carries the tarball's sha512.
 * The source repository and workflow shown come from the SLSA predicate.
 *
 * Why not sigstore-js: its verifier needs the whole Sigstore trust machinery (TUF-fetched roots,
 * CT-log SCTs, inclusion proofs against checkpoints) to accept a bundle; this module checks what
 * decides "this tarball was built by that workflow", with the same root, and says what it skips:
 * no certificate-transparency (SCT) check, no Merkle inclusion proof (the signed entry timestamp
 * stands for inclusion), and the Fulcio identity extensions are not matched against the predicate.
 */
import { X509Certificate, createHash, createPublicKey, verify } from 'node:crypto'
import type { ProvenanceCheck } from '@tekton/mcp-installation'
import { z } from 'zod'
import type { TrustedRoot } from './trusted-root'

const BundleSchema = z.object({
  mediaType: z.string().optional(),
  verificationMaterial: z.object({
    certificate: z.object({ rawBytes: z.string() }).optional(),
    x509CertificateChain: z.object({ certificates: z.array(z.object({ rawBytes: z.string() })) }).optional(),
    tlogEntries: z
      .array(
        z.object({
          logIndex: z.union([z.string(), z.number()]),
          logId: z.object({ keyId: z.string() }),
          kindVersion: z.object({ kind: z.string(), version: z.string() }).optional(),
          integratedTime: z.union([z.string(), z.number()]),
          inclusionPromise: z.object({ signedEntryTimestamp: z.string() }).optional(),
          canonicalizedBody: z.string(),
        }),
      )
      .default([]),
  }),
  dsseEnvelope: z.object({
    payload: z.string(),
    payloadType: z.string(),
    signatures: z.array(z.object({ sig: z.string(), keyid: z.string().optional() })).min(1),
  }),
})
export type ProvenanceBundle = z.infer<typeof BundleSchema>

/** The registry's answer at `dist.attestations.url`. */
export const AttestationsResponseSchema = z.object({
  attestations: z.array(z.object({ predicateType: z.string(), bundle: z.unknown() })),
})

const StatementSchema = z.object({
  _type: z.string().optional(),
  subject: z.array(z.object({ name: z.string(), digest: z.record(z.string(), z.string()) })),
  predicateType: z.string(),
  predicate: z.unknown(),
})

/** SLSA provenance predicate types npm publishes (v1, and v0.2 from older npm). */
export const slsaPredicateTypes = ['https://slsa.dev/provenance/v1', 'https://slsa.dev/provenance/v0.2']

class ProvenanceFailure extends Error {
  constructor(
    readonly code: 'E_PROVENANCE_INVALID' | 'E_PROVENANCE_SUBJECT_MISMATCH',
    message: string,
  ) {
    super(message)
  }
}

/** DSSE's pre-authentication encoding: what the envelope's signature covers. */
export function preAuthenticationEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType)
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload])
}

/** JSON with keys sorted at every level (RFC 8785 for the values Rekor signs). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

function certificateOf(rawBytes: string): X509Certificate {
  return new X509Certificate(Buffer.from(rawBytes, 'base64'))
}

function validAt(certificate: X509Certificate, time: number): boolean {
  return Date.parse(certificate.validFrom) <= time && time <= Date.parse(certificate.validTo)
}

/** Walks from `leaf` to a self-signed certificate of one of the root's authorities, each link signed by the next. */
function chainsToRoot(leaf: X509Certificate, root: TrustedRoot, time: number): boolean {
  for (const authority of root.certificateAuthorities) {
    const start = authority.validFor?.start ? Date.parse(authority.validFor.start) : -Infinity
    const end = authority.validFor?.end ? Date.parse(authority.validFor.end) : Infinity
    if (time < start || time > end) continue
    const pool = authority.certChain.certificates.map((entry) => certificateOf(entry.rawBytes))
    let current = leaf
    for (let depth = 0; depth <= pool.length; depth += 1) {
      const issuer = pool.find((candidate) => current.checkIssued(candidate) && current.verify(candidate.publicKey))
      if (!issuer || !issuer.ca) break
      if (issuer.fingerprint256 === current.fingerprint256) break
      current = issuer
      // Reached a pinned self-signed root: the whole chain is trusted.
      if (current.checkIssued(current) && current.verify(current.publicKey)) return true
    }
  }
  return false
}

/**
 * Whether the log entry's body is this envelope: the same signature bytes and the same payload
 * hash (Rekor's `dsse` v0.0.1 body, or `intoto` v0.0.2, whose signature is base64 twice).
 */
function entryHoldsEnvelope(body: unknown, signature: Buffer, payload: Buffer): boolean {
  const spec = (body as { spec?: Record<string, unknown> } | null)?.spec
  if (!spec) return false
  const payloadHash = createHash('sha256').update(payload).digest('hex')
  const dsse = spec.signatures
  if (Array.isArray(dsse)) {
    const logged = dsse.length === 1 ? (dsse[0] as { signature?: unknown }).signature : undefined
    const hash = (spec.payloadHash as { value?: unknown } | undefined)?.value
    return typeof logged === 'string' && Buffer.from(logged, 'base64').equals(signature) && hash === payloadHash
  }
  const content = spec.content as { envelope?: { signatures?: unknown }; payloadHash?: { value?: unknown } } | undefined
  const signatures = content?.envelope?.signatures
  if (!Array.isArray(signatures) || signatures.length !== 1) return false
  const logged = (signatures[0] as { sig?: unknown }).sig
  if (typeof logged !== 'string') return false
  const once = Buffer.from(logged, 'base64').toString('utf8')
  return Buffer.from(once, 'base64').equals(signature) && content?.payloadHash?.value === payloadHash
}

/** Verifies the transparency-log entry's signed entry timestamp; returns the integration time (epoch ms). */
function checkLogEntry(bundle: ProvenanceBundle, root: TrustedRoot): number {
  const entry = bundle.verificationMaterial.tlogEntries[0]
  if (!entry) throw new ProvenanceFailure('E_PROVENANCE_INVALID', 'the bundle has no transparency-log entry')
  const log = root.tlogs.find((candidate) => candidate.logId.keyId === entry.logId.keyId)
  if (!log) throw new ProvenanceFailure('E_PROVENANCE_INVALID', `the bundle was logged by ${entry.logId.keyId}, a transparency log the trusted root does not hold`)
  if (!entry.inclusionPromise) throw new ProvenanceFailure('E_PROVENANCE_INVALID', 'the transparency-log entry has no signed entry timestamp')
  const integratedTime = Number(entry.integratedTime)
  const payload = canonicalJson({
    body: entry.canonicalizedBody,
    integratedTime,
    logID: Buffer.from(entry.logId.keyId, 'base64').toString('hex'),
    logIndex: Number(entry.logIndex),
  })
  const key = createPublicKey({ key: Buffer.from(log.publicKey.rawBytes, 'base64'), format: 'der', type: 'spki' })
  if (!verify('sha256', Buffer.from(payload), key, Buffer.from(entry.inclusionPromise.signedEntryTimestamp, 'base64'))) {
    throw new ProvenanceFailure('E_PROVENANCE_INVALID', "the transparency log's signed entry timestamp does not verify with its key")
  }
  let body: unknown
  try {
    body = JSON.parse(Buffer.from(entry.canonicalizedBody, 'base64').toString('utf8'))
  } catch {
    throw new ProvenanceFailure('E_PROVENANCE_INVALID', 'the transparency-log entry body is not JSON')
  }
  const envelope = bundle.dsseEnvelope
  if (!entryHoldsEnvelope(body, Buffer.from(envelope.signatures[0]!.sig, 'base64'), Buffer.from(envelope.payload, 'base64'))) {
    throw new ProvenanceFailure('E_PROVENANCE_INVALID', 'the transparency-log entry is for another envelope (signature or payload) than the bundle')
  }
  return integratedTime * 1000
}

/** The source repository and workflow from a SLSA provenance predicate (v1 or v0.2). */
export function buildSourceOf(predicate: unknown): { repository?: string; workflow?: string } {
  const v1 = (predicate as { buildDefinition?: { externalParameters?: { workflow?: { repository?: unknown; path?: unknown; ref?: unknown } } } } | null)?.buildDefinition?.externalParameters?.workflow
  if (v1 && typeof v1.repository === 'string') {
    const path = typeof v1.path === 'string' ? v1.path : undefined
    const ref = typeof v1.ref === 'string' ? v1.ref : undefined
    return { repository: v1.repository, ...(path ? { workflow: ref ? `${path}@${ref}` : path } : {}) }
  }
  const source = (predicate as { invocation?: { configSource?: { uri?: unknown; entryPoint?: unknown } } } | null)?.invocation?.configSource
  if (source && typeof source.uri === 'string') {
    const [uri, ref] = source.uri.replace(/^git\+/, '').split('@')
    const entryPoint = typeof source.entryPoint === 'string' ? source.entryPoint : undefined
    return { ...(uri ? { repository: uri } : {}), ...(entryPoint ? { workflow: ref ? `${entryPoint}@${ref}` : entryPoint } : {}) }
  }
  return {}
}

/** `pkg:npm/@scope/name@1.2.3` and its percent-encoded form are the same subject. */
function subjectMatches(subject: string, name: string, version: string): boolean {
  let decoded: string
  try {
    decoded = decodeURIComponent(subject)
  } catch {
    return false
  }
  return decoded === `pkg:npm/${name}@${version}`
}

/**
 * Verifies one provenance bundle for `name@version` whose tarball has the sha512 `integrity`
 * (`sha512-<base64>`). Never throws: a failure is a `failed` check with its code.
 */
export function verifyProvenanceBundle(input: { bundle: unknown; name: string; version: string; integrity: string; trustedRoot: TrustedRoot }): ProvenanceCheck {
  const { name, version } = input
  try {
    const parsed = BundleSchema.safeParse(input.bundle)
    if (!parsed.success) throw new ProvenanceFailure('E_PROVENANCE_INVALID', 'the attestation is not a Sigstore bundle with a DSSE envelope')
    const bundle = parsed.data
    const material = bundle.verificationMaterial
    const leafBytes = material.certificate?.rawBytes ?? material.x509CertificateChain?.certificates[0]?.rawBytes
    if (!leafBytes) throw new ProvenanceFailure('E_PROVENANCE_INVALID', 'the bundle carries no signing certificate')
    let leaf: X509Certificate
    try {
      leaf = certificateOf(leafBytes)
    } catch {
      throw new ProvenanceFailure('E_PROVENANCE_INVALID', 'the signing certificate cannot be read')
    }
    const signedAt = checkLogEntry(bundle, input.trustedRoot)
    if (!validAt(leaf, signedAt)) throw new ProvenanceFailure('E_PROVENANCE_INVALID', `the signing certificate was not valid when the entry was logged (${new Date(signedAt).toISOString()})`)
    if (!chainsToRoot(leaf, input.trustedRoot, signedAt)) throw new ProvenanceFailure('E_PROVENANCE_INVALID', 'the signing certificate does not chain to the trusted root')
    const envelope = bundle.dsseEnvelope
    const payload = Buffer.from(envelope.payload, 'base64')
    const signature = Buffer.from(envelope.signatures[0]!.sig, 'base64')
    let signed = false
    try {
      signed = verify('sha256', preAuthenticationEncoding(envelope.payloadType, payload), leaf.publicKey, signature)
    } catch {
      signed = false
    }
    if (!signed) throw new ProvenanceFailure('E_PROVENANCE_INVALID', "the envelope's signature does not verify with the signing certificate")
    let statementData: unknown
    try {
      statementData = JSON.parse(payload.toString('utf8'))
    } catch {
      throw new ProvenanceFailure('E_PROVENANCE_INVALID', 'the signed statement is not JSON')
    }
    const statement = StatementSchema.safeParse(statementData)
    if (!statement.success) throw new ProvenanceFailure('E_PROVENANCE_INVALID', 'the signed statement is not an in-toto statement')
    const expectedDigest = Buffer.from(input.integrity.replace(/^sha512-/, ''), 'base64').toString('hex')
    const subject = statement.data.subject.find((candidate) => subjectMatches(candidate.name, name, version))
    if (!subject) {
      throw new ProvenanceFailure('E_PROVENANCE_SUBJECT_MISMATCH', `the attestation is for ${statement.data.subject.map((candidate) => candidate.name).join(', ') || '(no subject)'}, not pkg:npm/${name}@${version}`)
    }
    if (subject.digest.sha512?.toLowerCase() !== expectedDigest) {
      throw new ProvenanceFailure('E_PROVENANCE_SUBJECT_MISMATCH', `the attestation's sha512 for ${subject.name} is not the tarball's (${input.integrity.slice(0, 20)}…)`)
    }
    const source = buildSourceOf(statement.data.predicate)
    return {
      status: 'verified',
      ...source,
      detail: `signed in CI and logged ${new Date(signedAt).toISOString()}; says where it was built, not that it is safe`,
    }
  } catch (error) {
    if (error instanceof ProvenanceFailure) return { status: 'failed', code: error.code, detail: error.message }
    return { status: 'failed', code: 'E_PROVENANCE_INVALID', detail: `the attestation could not be checked: ${(error as Error).message}` }
  }
}

/** The sha256 of a DER public key, base64: how Sigstore names a transparency log (`logId.keyId`). */
export function logIdOf(publicKeyDer: Buffer): string {
  return createHash('sha256').update(publicKeyDer).digest('base64')
}
