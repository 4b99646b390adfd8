/**
 * PEP 740 provenance for the one file a Python install starts from, shown the way npm provenance
 * is: where the index links a provenance object to the file (the simple API's `provenance` key or
 * `data-provenance` attribute), it is fetched from the index with the same client and limits as
 * the index pages, each attestation in it is turned into a Sigstore bundle and verified offline
 * against the pinned trusted root, and its subject must name this file with the sha256 the index
 * lists (which pip is then held to with `--require-hashes`). The Trusted Publisher's repository
 * and workflow are what the plan and the trust report show: where the file was built, not that it
 * is safe.
 *
 * The result is reported, never judged here: the installation service's trust rules decide
 * (`requireProvenance`, the no-downgrade rule), as for every installer. What the previous
 * published version carried comes from the same listing (a provenance link or none), without
 * any cryptography, as npm's comes from the packument.
 */
import * as pep440 from '@renovatebot/pep440'
import { TektonError, redact } from '@tekton/mcp-discovery'
import type { HttpClient } from '@tekton/mcp-discovery'
import { withoutCredentials } from '@tekton/mcp-discovery/kit'
import type { ProvenanceCheck, PublishedTrust } from '@tekton/mcp-installation'
import { z } from 'zod'
import type { IndexFile, VersionCandidate } from './simple-project'

/** What PyPI's Integrity API answers with (PEP 740's provenance object); only the shape we rely on is checked here. */
export const PypiProvenanceSchema = z.object({
  version: z.literal(1),
  attestation_bundles: z
    .array(
      z.object({
        publisher: z.looseObject({
          kind: z.string(),
          repository: z.string().nullish(),
          workflow: z.string().nullish(),
          environment: z.string().nullish(),
        }),
        attestations: z.array(z.unknown()),
      }),
    )
    .min(1),
})
export type PypiProvenanceObject = z.infer<typeof PypiProvenanceSchema>

/** The media type PyPI serves provenance objects as. */
export const integrityAccept = 'application/vnd.pypi.integrity.v1+json, application/json;q=0.9'

/**
 * Verifies Sigstore attestations (see `./sigstore`): one verifier per install, for one trusted
 * root. `bundleFrom` turns a PEP 740 attestation object into a Sigstore bundle and may throw on
 * one it cannot read; `verify` never throws.
 */
export interface PypiAttestationVerifier {
  bundleFrom(attestation: unknown): unknown
  verify(input: { bundle: unknown; subject: { matches: (name: string) => boolean; describe: string; digest: { algorithm: 'sha256'; hex: string } } }): ProvenanceCheck
}

/** A Trusted Publisher as people read it: `GitHub fixture/server (release.yml, environment pypi)`. */
function describePublisher(publisher: PypiProvenanceObject['attestation_bundles'][number]['publisher']): string {
  const where = [publisher.workflow ?? undefined, publisher.environment ? `environment ${publisher.environment}` : undefined].filter(Boolean).join(', ')
  return `${publisher.kind}${publisher.repository ? ` ${publisher.repository}` : ''}${where ? ` (${where})` : ''}`
}

/** The publisher's repository as a URL, for publishers whose repository is `owner/name` on a known forge. */
function publisherRepositoryUrl(publisher: PypiProvenanceObject['attestation_bundles'][number]['publisher']): string | undefined {
  if (!publisher.repository) return undefined
  if (/^https?:\/\//.test(publisher.repository)) return publisher.repository
  if (publisher.kind === 'GitHub') return `https://github.com/${publisher.repository}`
  if (publisher.kind === 'GitLab') return `https://gitlab.com/${publisher.repository}`
  return undefined
}

/** Two repository URLs as one: no `git+`, no `.git`, no trailing slash, case-folded. */
function sameRepository(left: string, right: string): boolean {
  const normalize = (url: string) => url.replace(/^git\+/, '').replace(/\.git$/, '').replace(/\/+$/, '').toLowerCase()
  return normalize(left) === normalize(right)
}

/**
 * PEP 740 names the subject by the file's name; some publishers normalise it (PEP 427's escaping
 * of the project name), so the subject is compared as `pypi-attestations` does: the same file
 * name, or the same name once both are normalised.
 */
export function subjectNameMatches(subject: string, filename: string): boolean {
  if (subject === filename) return true
  const normalize = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '_')
  const split = (name: string) => {
    for (const suffix of ['.whl', '.tar.gz', '.zip']) if (name.endsWith(suffix)) return { stem: name.slice(0, -suffix.length), suffix }
    return undefined
  }
  const left = split(subject)
  const right = split(filename)
  if (!left || !right || left.suffix !== right.suffix) return false
  const [leftName, ...leftRest] = left.stem.split('-')
  const [rightName, ...rightRest] = right.stem.split('-')
  return normalize(leftName ?? '') === normalize(rightName ?? '') && leftRest.join('-') === rightRest.join('-')
}

/**
 * The provenance of `file` (whose sha256, checked against its index, is `sha256`). Absent when the
 * index links none; failed (with its code) when the link is broken, the object is not PEP 740's,
 * or any attestation in it does not verify or names another file; verified otherwise, with the
 * repository and workflow the signing certificate names (the publisher's, when it names none).
 */
export async function checkPypiProvenance(input: {
  http: HttpClient
  /** Loaded only when there is something to verify (building one reads the trusted root). */
  loadVerifier: () => Promise<PypiAttestationVerifier>
  file: IndexFile
  sha256: string
  signal?: AbortSignal | undefined
  timeoutMs?: number | undefined
}): Promise<ProvenanceCheck> {
  const { file, sha256 } = input
  if (file.provenanceUrl === undefined) return { status: 'absent', detail: `${file.index} links no PEP 740 attestation to ${file.filename}` }
  const shownUrl = redact(withoutCredentials(file.provenanceUrl))
  let provenance: PypiProvenanceObject
  try {
    const response = await input.http.getJson(file.provenanceUrl, {
      source: 'installer-python',
      headers: { accept: integrityAccept },
      schema: PypiProvenanceSchema,
      ...(input.timeoutMs ? { timeoutMs: input.timeoutMs } : {}),
      ...(input.signal ? { signal: input.signal } : {}),
    })
    provenance = response.data
  } catch (error) {
    const notFound = (TektonError.isInstance(error) && error.code === 'E_NOT_FOUND') || (error as { status?: number }).status === 404
    if (notFound) return { status: 'failed', code: 'E_PROVENANCE_INVALID', detail: `the index links provenance to ${file.filename}, but ${shownUrl} has none (404)` }
    if (TektonError.isInstance(error) && error.code === 'E_BAD_RESPONSE') {
      return { status: 'failed', code: 'E_PROVENANCE_INVALID', detail: `${shownUrl} is not a PEP 740 provenance object: ${error.message}` }
    }
    throw error
  }
  const verifier = await input.loadVerifier()
  const subject = { matches: (name: string) => subjectNameMatches(name, file.filename), describe: `${file.filename} (sha256 ${sha256.slice(0, 12)}…)`, digest: { algorithm: 'sha256' as const, hex: sha256 } }
  let verified: { check: ProvenanceCheck; publisher: PypiProvenanceObject['attestation_bundles'][number]['publisher'] } | undefined
  for (const bundle of provenance.attestation_bundles) {
    if (bundle.attestations.length === 0) return { status: 'failed', code: 'E_PROVENANCE_INVALID', detail: `${shownUrl} lists a publisher (${describePublisher(bundle.publisher)}) without attestations` }
    for (const attestation of bundle.attestations) {
      let sigstoreBundle: unknown
      try {
        sigstoreBundle = verifier.bundleFrom(attestation)
      } catch (error) {
        return { status: 'failed', code: 'E_PROVENANCE_INVALID', detail: `an attestation of ${file.filename} is not a PEP 740 attestation object: ${(error as Error).message}` }
      }
      const check = verifier.verify({ bundle: sigstoreBundle, subject })
      // Any attestation that does not hold fails the file: an index serving a bad one is not to be averaged away.
      if (check.status !== 'verified') return { ...check, status: 'failed', code: check.code ?? 'E_PROVENANCE_INVALID' }
      // The publisher is the index's word; the certificate is the CA's. They must name the same repository.
      const named = publisherRepositoryUrl(bundle.publisher)
      if (named !== undefined && check.repository !== undefined && !sameRepository(named, check.repository)) {
        return { status: 'failed', code: 'E_PROVENANCE_INVALID', detail: `the index names the Trusted Publisher ${describePublisher(bundle.publisher)}, but the attestation of ${file.filename} was signed for a build of ${check.repository}` }
      }
      verified ??= { check, publisher: bundle.publisher }
    }
  }
  if (verified === undefined) return { status: 'failed', code: 'E_PROVENANCE_INVALID', detail: `${shownUrl} holds no attestation` }
  const repository = verified.check.repository ?? publisherRepositoryUrl(verified.publisher)
  const workflow = verified.check.workflow ?? verified.publisher.workflow ?? undefined
  return {
    status: 'verified',
    ...(repository ? { repository } : {}),
    ...(workflow ? { workflow } : {}),
    detail: `PEP 740 attestation of ${file.filename} by the Trusted Publisher ${describePublisher(verified.publisher)}; ${verified.check.detail}`,
  }
}

/**
 * What the version published before `version` carried, from the index listing alone: whether the
 * index links provenance to a file of the same kind (wheel or sdist) as `filename`. Prereleases
 * count only before a prerelease, and yanked versions not at all (they were withdrawn).
 */
export function previousPublishedOfPython(candidates: readonly VersionCandidate[], version: string, filename: string): PublishedTrust | undefined {
  const prerelease = pep440.explain(version)?.is_prerelease ?? false
  const wheel = filename.endsWith('.whl')
  const previous = candidates
    .filter((candidate) => !candidate.yanked && pep440.lt(candidate.version, version) && (prerelease || !pep440.explain(candidate.version)?.is_prerelease))
    .sort((left, right) => pep440.compare(right.version, left.version))[0]
  if (previous === undefined) return undefined
  const sameKind = previous.files.filter((candidate) => candidate.filename.endsWith('.whl') === wheel)
  return { version: previous.version, signed: false, attested: sameKind.some((candidate) => candidate.provenanceUrl !== undefined) }
}

/**
 * The trust of the file an install starts from: its provenance, and what the version published
 * before it carried (the no-downgrade baseline of a fresh install).
 */
export async function pythonFileTrust(input: {
  http: HttpClient
  loadVerifier: () => Promise<PypiAttestationVerifier>
  candidates: readonly VersionCandidate[]
  version: string
  file: IndexFile
  sha256: string
  signal?: AbortSignal | undefined
  timeoutMs?: number | undefined
}): Promise<{ provenance: ProvenanceCheck; previousPublished?: PublishedTrust }> {
  const provenance = await checkPypiProvenance(input)
  const previousPublished = previousPublishedOfPython(input.candidates, input.version, input.file.filename)
  return { provenance, ...(previousPublished ? { previousPublished } : {}) }
}
