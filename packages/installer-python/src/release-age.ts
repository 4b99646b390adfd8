/**
 * The minimum release age for unpinned Python resolutions, as the npm installer applies it: a
 * version whose files were all uploaded less than the rule's hours ago is passed over for the
 * newest older one that fits, the plan saying why; nothing old enough is `E_POLICY_DENIED` naming
 * the rule. A version asked for exactly is pinned and not held back. The upload times come from
 * the index's PEP 700 `upload-time` (JSON project pages); a version without one cannot be shown
 * old enough, as an npm version without a publish time cannot.
 *
 * A version's release time is its first upload: files added to an old release later (a new
 * wheel) keep its age, as PyPI shows it.
 */
import * as pep440 from '@renovatebot/pep440'
import { TektonError } from '@tekton/mcp-discovery'
import { hoursOldUnder, releaseAgeAt } from '@tekton/mcp-installation'
import type { ReleaseAgeRule, VerificationResult } from '@tekton/mcp-installation'
import { chooseVersion, label } from './simple-project'
import type { ChosenVersion, PythonVersionRequest, VersionCandidate } from './simple-project'

/** When a version was released: its earliest file upload (epoch ms); undefined when the index gives no upload time. */
export function releasedAt(candidate: VersionCandidate): number | undefined {
  const times = candidate.files.map((file) => file.uploadedAt).filter((time): time is number => time !== undefined)
  return times.length === 0 ? undefined : Math.min(...times)
}

/** `releaseAge` of the verification result for the chosen version, when its upload time is known. */
export function releaseAgeOf(candidate: VersionCandidate, now: number): Pick<VerificationResult, 'releaseAge'> {
  return releaseAgeAt(releasedAt(candidate), now)
}

function describeRequest(request: PythonVersionRequest): string {
  return request.kind === 'range' ? request.range : request.kind === 'exact' ? request.version : 'latest'
}

/**
 * `chooseVersion`, with the release age applied to a request that is not an exact version (see
 * the module comment). Without a rule it is `chooseVersion` itself.
 */
export function chooseMatureVersion(
  project: string,
  candidates: readonly VersionCandidate[],
  request: PythonVersionRequest,
  options: { pythonVersion: string; allowSdists: boolean },
  releaseAge: ReleaseAgeRule | undefined,
): ChosenVersion {
  // What would be chosen without the rule (this throws when nothing matches at all).
  const unrestricted = chooseVersion(project, candidates, request, options)
  if (!releaseAge || request.kind === 'exact') return unrestricted
  const mature = (candidate: VersionCandidate) => {
    const when = releasedAt(candidate)
    return when !== undefined && when <= releaseAge.publishedBefore
  }
  if (mature(unrestricted.candidate)) return unrestricted
  const young = releasedAt(unrestricted.candidate)
  const age = young === undefined ? 'has no upload time' : `was published ${hoursOldUnder(releaseAge, young)} h ago`
  // The latest stable release falls back to an older stable one, never to a prerelease.
  const stableOnly = request.kind === 'latest' && !pep440.explain(unrestricted.version)?.is_prerelease
  const older = candidates.filter((candidate) => mature(candidate) && (!stableOnly || !pep440.explain(candidate.version)?.is_prerelease))
  let chosen: ChosenVersion | undefined
  try {
    chosen = older.length > 0 ? chooseVersion(project, older, request, options) : undefined
  } catch (error) {
    // Nothing old enough matches (or it is all yanked): that is the rule's refusal, below.
    if (!(TektonError.isInstance(error) && (error.code === 'E_VERSION_NOT_FOUND' || error.code === 'E_NOT_FOUND'))) throw error
  }
  if (chosen === undefined) {
    const timeless = candidates.every((candidate) => releasedAt(candidate) === undefined)
    throw new TektonError(
      'E_POLICY_DENIED',
      `${label} ${project} ${describeRequest(request)}: no matching version is older than ${releaseAge.hours} h (${unrestricted.version} ${age}): refused by ${releaseAge.rule}`,
      {
        hint: timeless
          ? 'The index serves no upload times (PEP 700 JSON pages), so no version can be shown old enough: use an index that does, or ask for an exact version (a pinned version is not held back)'
          : 'Wait until a version is old enough, or ask for an exact version (a pinned version is not held back)',
      },
    )
  }
  return { ...chosen, notes: [`${project} ${unrestricted.version} ${age}, younger than ${releaseAge.hours} h: ${chosen.version} is installed instead, as ${releaseAge.rule} asks`, ...chosen.notes] }
}
