/**
 * The minimum release age for images. A tag names one image at a time: unlike an npm or PyPI
 * version range there is no older version to fall back to, so an image named by tag whose build
 * time (the image config's `created`, as the engine reports it) is younger than the rule is
 * refused with `E_POLICY_DENIED` naming the rule and its file. An image pinned by digest is what
 * someone chose exactly and is not held back, as a pinned npm version is not.
 *
 * `created` is what the image's builder wrote: reproducible builds write the source's date (or
 * zero), so a build time before 2000 is taken as unknown, and an unknown build time cannot show a
 * tag old enough. It says when the image was built, not when the tag was pushed.
 */
import { TektonError } from '@tekton/mcp-discovery'
import { hoursOldUnder, releaseAgeAt } from '@tekton/mcp-installation'
import type { ReleaseAgeRule, VerificationResult } from '@tekton/mcp-installation'
import { label } from './image-reference'

/** Build times before this are placeholders (the Unix epoch, Go's zero time), not dates. */
const earliestBuildTime = Date.UTC(2000, 0, 1)

/** The image's build time (epoch ms) from the engine's `Created`; undefined when absent or a placeholder. */
export function imageBuiltAt(created: string | null | undefined): number | undefined {
  const when = typeof created === 'string' ? Date.parse(created) : Number.NaN
  return Number.isNaN(when) || when < earliestBuildTime ? undefined : when
}

/** `releaseAge` of the verification result, when the build time is known. */
export function imageReleaseAge(builtAt: number | undefined, now: number): Pick<VerificationResult, 'releaseAge'> {
  return releaseAgeAt(builtAt, now)
}

/**
 * Throws `E_POLICY_DENIED` when `what` (named by tag, not digest) was built after the rule's
 * cutoff, or its build time is unknown. A digest-pinned image, or no rule, passes.
 */
export function checkImageReleaseAge(what: string, pinnedByDigest: boolean, builtAt: number | undefined, releaseAge: ReleaseAgeRule | undefined): void {
  if (!releaseAge || pinnedByDigest) return
  if (builtAt !== undefined && builtAt <= releaseAge.publishedBefore) return
  const age = builtAt === undefined ? 'has no build time (its config has no usable `created`)' : `was built ${hoursOldUnder(releaseAge, builtAt)} h ago`
  throw new TektonError('E_POLICY_DENIED', `${label} ${what} ${age}, younger than ${releaseAge.hours} h: refused by ${releaseAge.rule}`, {
    hint: 'A tag names one image, so there is no older version to fall back to: wait until it is old enough, or pin the image by digest (image@sha256:…; a pinned image is not held back)',
  })
}

/** The plan's sentence about the rule, for an image named by tag. */
export function releaseAgePlanNote(what: string, releaseAge: ReleaseAgeRule): string {
  return `${what} is checked once pulled: an image built less than ${releaseAge.hours} h ago is refused (a tag has no older version to fall back to), as ${releaseAge.rule} asks`
}
