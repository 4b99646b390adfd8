/**
 * The trust rules every installer's verification is judged by, in one place: a failed check is
 * refused with its own code, a missing check is refused only when the rules require it, and a
 * version that lacks the provenance or signatures its predecessor had is a downgrade, refused
 * unless allowed. Installers only report what they found (`VerificationResult`); they call the
 * judge the service hands them as soon as they know, so a refused version is never unpacked.
 */
import { TektonError } from '@tekton/mcp-discovery'
import type { ErrorCode } from '@tekton/mcp-discovery'
import type { PublishedTrust, ReleaseAgeRule, TrustOptions, VerificationResult, VerificationRules } from './spec/verification'

/** The version a downgrade is measured against: the installed one, or the previous published one. */
export interface TrustBaseline {
  version: string
  signed: boolean
  attested: boolean
  /** `installed`: the active version's record; `published`: the version published before it. */
  from: 'installed' | 'published'
}

/** The trust rules among an operation's options (`origin`: where they came from, for refusals). */
export function trustRulesOf(options: TrustOptions): VerificationRules {
  return {
    ...(options.requireSignatures ? { requireSignatures: true } : {}),
    ...(options.requireProvenance ? { requireProvenance: true } : {}),
    ...(options.allowTrustDowngrade ? { allowTrustDowngrade: true } : {}),
    ...(options.trustOrigin ? { origin: options.trustOrigin } : {}),
  }
}

/** Whether a verification shows registry signatures (checked, or at least present). */
export function isSigned(verification: VerificationResult): boolean {
  return verification.signature.status === 'verified' || verification.signature.present === true
}

/** Whether a verification shows a provenance attestation. */
export function isAttested(verification: VerificationResult): boolean {
  return verification.provenance.status === 'verified'
}

/** The baseline from an installed version's recorded verification (none recorded: no baseline). */
export function baselineFromRecord(version: string, verification: VerificationResult | undefined): TrustBaseline | undefined {
  if (!verification) return undefined
  return { version, signed: isSigned(verification), attested: isAttested(verification), from: 'installed' }
}

/** The baseline from what the installer found about the previous published version. */
export function baselineFromPublished(previous: PublishedTrust | undefined): TrustBaseline | undefined {
  return previous ? { version: previous.version, signed: previous.signed, attested: previous.attested, from: 'published' } : undefined
}

function refusal(code: ErrorCode, message: string, hint: string): TektonError {
  return new TektonError(code, message, { hint })
}

/**
 * The refusal `verification` earns under `rules` against `baseline`, or undefined when it may be
 * installed. `what` is `name@version`. The message names the rule and where it came from.
 */
export function verificationRefusal(what: string, verification: VerificationResult, rules: VerificationRules, baseline: TrustBaseline | undefined): TektonError | undefined {
  const origin = rules.origin ?? 'install option'
  const { signature, provenance, ownership } = verification
  if (signature.status === 'failed') {
    return refusal((signature.code as ErrorCode | undefined) ?? 'E_SIGNATURE_INVALID', `${what}: registry signature check failed: ${signature.detail}`, 'The metadata is not what the registry signed: do not install it; check which registry npm is configured to use')
  }
  if (provenance.status === 'failed') {
    return refusal((provenance.code as ErrorCode | undefined) ?? 'E_PROVENANCE_INVALID', `${what}: provenance check failed: ${provenance.detail}`, 'The build attestation does not match this package: do not install it')
  }
  if (ownership.status === 'mismatch') {
    return refusal('E_OWNERSHIP_MISMATCH', `${what}: ownership check failed: ${ownership.detail}`, 'The package does not prove it is the server the registry lists: check the name, or install the package by its own ref')
  }
  if (rules.requireSignatures && signature.status === 'no-keys') {
    return refusal('E_SIGNATURE_REQUIRED', `${what}: signatures are required (requireSignatures, ${origin}) but the registry serves no signing keys: ${signature.detail}`, 'Install from a registry that signs its packages, or drop the requirement for this install')
  }
  if (rules.requireProvenance && provenance.status === 'absent') {
    return refusal('E_PROVENANCE_REQUIRED', `${what}: provenance is required (requireProvenance, ${origin}) but this version has no provenance attestation`, 'Pick a version published with provenance, or drop the requirement for this install')
  }
  if (baseline && !rules.allowTrustDowngrade) {
    const predecessor = baseline.from === 'installed' ? `the installed ${baseline.version}` : `the previous published version ${baseline.version}`
    const lost = [baseline.attested && !isAttested(verification) ? 'provenance' : undefined, baseline.signed && !isSigned(verification) ? 'registry signatures' : undefined].filter(
      (item): item is string => item !== undefined,
    )
    if (lost.length > 0) {
      return refusal(
        'E_PROVENANCE_DOWNGRADE',
        `${what} has no ${lost.join(' and ')}, which ${predecessor} had (rule: no trust downgrade)`,
        'A release that drops provenance may come from a stolen token rather than the usual build: check with the project; to install it anyway, allow a trust downgrade for this install',
      )
    }
  }
  return undefined
}

/** Throws `verificationRefusal` when there is one. */
export function judgeVerification(what: string, verification: VerificationResult, rules: VerificationRules, baseline: TrustBaseline | undefined): void {
  const refused = verificationRefusal(what, verification, rules, baseline)
  if (refused) throw refused
}

const hour = 3_600_000

/**
 * How many whole hours before the rule was taken `when` (epoch ms) is: the "3 h" of "was
 * published 3 h ago" in every installer's notes and refusals (the rule's cutoff plus its hours is
 * the moment the rule was computed, so the wording does not read the clock again).
 */
export function hoursOldUnder(rule: ReleaseAgeRule, when: number): number {
  return Math.max(0, Math.floor((rule.publishedBefore + rule.hours * hour - when) / hour))
}

/** The `releaseAge` of a verification result for a version published at `publishedAt` (epoch ms), seen at `now`; nothing when unknown. */
export function releaseAgeAt(publishedAt: number | undefined, now: number): Pick<VerificationResult, 'releaseAge'> {
  return publishedAt === undefined ? {} : { releaseAge: { publishedAt: new Date(publishedAt).toISOString(), hours: Math.max(0, (now - publishedAt) / hour) } }
}

export { describeVerification, verificationFields } from './verification-view'
export type { VerificationTone } from './verification-view'
