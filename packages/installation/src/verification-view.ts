/**
 * The verification result as a person reads it: one compact field per check. Kept apart from the
 * trust rules and imported through `@tekton/mcp-installation/verification-view`, because it
 * imports nothing at run time: a CLI can load it on its start-up path (to render plans and
 * outcomes) without loading the installation service.
 */
import type { VerificationResult } from './spec/verification'

/** How a check came out, for colouring: `ok`, worth a look (`warn`), or refused (`bad`). */
export type VerificationTone = 'ok' | 'warn' | 'bad'

/**
 * One compact field per check (`['signature', 'verified (registry key SHA256:…)', 'ok']`), for
 * plans, outcomes, `verify` and the trust report. Provenance is worded as where the package was
 * built, never as "safe".
 */
export function verificationFields(verification: VerificationResult): Array<readonly [label: string, text: string, tone: VerificationTone]> {
  const { signature, provenance, ownership, releaseAge } = verification
  const fields: Array<readonly [string, string, VerificationTone]> = []
  const failed = (check: { code?: string | undefined; detail: string }) => `FAILED${check.code ? ` ${check.code}` : ''}: ${check.detail}`
  if (signature.status === 'verified') fields.push(['signature', `verified${signature.keyId ? ` (registry key ${signature.keyId})` : ''}`, 'ok'])
  else if (signature.status === 'no-keys') fields.push(['signature', `not checked: ${signature.detail}`, 'warn'])
  else if (signature.status === 'failed') fields.push(['signature', failed(signature), 'bad'])
  else fields.push(['signature', signature.detail, 'warn'])
  if (provenance.status === 'verified') {
    fields.push(['provenance', `built from ${provenance.repository ?? '(unknown repository)'}${provenance.workflow ? ` by ${provenance.workflow}` : ''} (where it was built, not that it is safe)`, 'ok'])
  } else if (provenance.status === 'absent') fields.push(['provenance', `none: ${provenance.detail}`, 'warn'])
  else if (provenance.status === 'failed') fields.push(['provenance', failed(provenance), 'bad'])
  else fields.push(['provenance', provenance.detail, 'warn'])
  if (ownership.status === 'verified') fields.push(['ownership', `verified by ${ownership.by ?? 'the package'}: ${ownership.detail}`, 'ok'])
  else fields.push(['ownership', `${ownership.status}: ${ownership.detail}`, ownership.status === 'mismatch' ? 'bad' : 'warn'])
  if (verification.digests) fields.push(['digests', verification.digests, 'ok'])
  if (releaseAge) {
    const age = releaseAge.hours < 48 ? `${Math.round(releaseAge.hours)} hours` : `${Math.round(releaseAge.hours / 24)} days`
    fields.push(['published', `${releaseAge.publishedAt} (${age} ago)`, 'ok'])
  }
  return fields
}

/** `verificationFields` as plain lines (`signature   verified (...)`), for logs and plain-text reports. */
export function describeVerification(verification: VerificationResult): string[] {
  return verificationFields(verification).map(([label, text]) => `${label.padEnd(11)} ${text}`)
}
