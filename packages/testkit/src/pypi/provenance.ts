/**
 * PEP 740 provenance as PyPI serves it, made in the test: a Trusted Publisher's publish
 * attestation (an in-toto v1 statement naming one file and its sha256, predicate type
 * `https://docs.pypi.org/attestations/publish/v1`) signed by the fake Sigstore, wrapped the way
 * PyPI wraps it (`{version, verification_material: {certificate, transparency_entries}, envelope:
 * {statement, signature}}`) and grouped under the publisher in a provenance object
 * (`{version: 1, attestation_bundles: [{publisher, attestations}]}`). The fake PyPI serves these
 * objects from its Integrity API and links them from the simple API, so the installer is tested
 * against the same documents a real index hands it.
 */
import type { FakePypiProject } from './project'

/** The predicate type of PyPI's publish attestation. */
export const pypiPublishPredicateType = 'https://docs.pypi.org/attestations/publish/v1'

/** One PEP 740 attestation object. */
export interface PypiAttestation {
  version: 1
  verification_material: {
    /** The signing certificate, DER, base64. */
    certificate: string
    /** Rekor transparency-log entries, in Sigstore's protobuf-JSON form. */
    transparency_entries: unknown[]
  }
  /** The DSSE envelope's payload (the statement) and its one signature, each base64. */
  envelope: { statement: string; signature: string }
}

/** The Trusted Publisher that produced a bundle of attestations (PyPI's GitHub form). */
export interface PypiPublisher {
  kind: 'GitHub' | 'GitLab' | 'Google' | 'ActiveState' | string
  /** `owner/name` for GitHub. */
  repository?: string
  /** The workflow's file name, e.g. `release.yml`. */
  workflow?: string
  environment?: string | null
  claims?: Record<string, unknown> | null
}

/** A PEP 740 provenance object: what `/integrity/<project>/<version>/<filename>/provenance` returns. */
export interface PypiProvenance {
  version: 1
  attestation_bundles: Array<{ publisher: PypiPublisher; attestations: PypiAttestation[] }>
}

/** What the fake Sigstore's `attestStatement` returns (only the parts a PEP 740 attestation needs). */
export interface SignedStatement {
  certificateDer: Buffer
  tlogEntry: object
  envelope: { statement: string; signature: string }
}

/** The part of the fake Sigstore this module uses: signing any in-toto statement. */
export interface StatementSigner {
  attestStatement(statement: object, options?: { at?: number; repository?: string; workflowPath?: string; ref?: string }): SignedStatement
}

/** PyPI's publish statement for one file: its name and sha256 are the subject. */
export function pypiPublishStatement(filename: string, sha256: string): Record<string, unknown> {
  return { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: filename, digest: { sha256 } }], predicateType: pypiPublishPredicateType, predicate: {} }
}

/** A signed statement as a PEP 740 attestation object. */
export function pypiAttestationOf(signed: SignedStatement): PypiAttestation {
  return {
    version: 1,
    verification_material: { certificate: signed.certificateDer.toString('base64'), transparency_entries: [signed.tlogEntry] },
    envelope: { statement: signed.envelope.statement, signature: signed.envelope.signature },
  }
}

export interface AttestPypiFileOptions {
  /** GitHub `owner/name`. @default `fixture/<project>` */
  repository?: string
  /** The workflow's file name. @default `release.yml` */
  workflow?: string
  /** @default `pypi` */
  environment?: string | null
  /** @default `refs/tags/v<version>` */
  ref?: string
  /** Sign another subject than the file (an attestation for another file, or another digest). */
  subject?: { name: string; sha256: string }
  /** When it is logged (epoch ms). @default the fake Sigstore's clock */
  at?: number
}

/**
 * The provenance object PyPI would serve for `filename` of `project`, signed by `signer` as a
 * GitHub Trusted Publisher release workflow would sign it.
 */
export function attestPypiFile(signer: StatementSigner, project: FakePypiProject, filename: string, options: AttestPypiFileOptions = {}): PypiProvenance {
  const file = Object.values(project.document.releases)
    .flat()
    .find((entry) => entry.filename === filename)
  if (!file) throw new TypeError(`${project.name} has no file ${filename}`)
  const version = Object.entries(project.document.releases).find(([, files]) => files.includes(file))?.[0] ?? ''
  const repository = options.repository ?? `fixture/${project.normalizedName}`
  const workflow = options.workflow ?? 'release.yml'
  const subject = options.subject ?? { name: filename, sha256: file.digests.sha256 }
  const signed = signer.attestStatement(pypiPublishStatement(subject.name, subject.sha256), {
    repository: `https://github.com/${repository}`,
    workflowPath: `.github/workflows/${workflow}`,
    ref: options.ref ?? `refs/tags/v${version}`,
    ...(options.at !== undefined ? { at: options.at } : {}),
  })
  const environment = options.environment === undefined ? 'pypi' : options.environment
  return { version: 1, attestation_bundles: [{ publisher: { kind: 'GitHub', repository, workflow, environment, claims: null }, attestations: [pypiAttestationOf(signed)] }] }
}

/**
 * `project` with provenance for some of its files (by file name), as an upload with
 * attestations leaves it; the fake PyPI serves it. Files not named keep what they had.
 */
export function withPypiProvenance(project: FakePypiProject, byFile: Record<string, PypiProvenance | undefined>): FakePypiProject {
  const provenance = { ...(project.provenance ?? {}) }
  for (const [filename, object] of Object.entries(byFile)) {
    if (object === undefined) delete provenance[filename]
    else provenance[filename] = object
  }
  return { ...project, provenance }
}
