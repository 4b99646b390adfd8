/**
 * The trust step of install and update, between the handshake in staging and the commit: the
 * lint needs the handshake, so this is the first moment the whole report exists. A refusing lint
 * policy stops here, and a caller that wants to ask its user (the CLI's second question, when
 * there are findings) does it here; either way nothing has been put in place yet, so stopping
 * only removes the staging directory.
 */
import type { Package, ServerMetadata } from '@tekton/mcp-discovery'
import type { Candidate } from '../activation'
import type { MCPServerInstaller } from '../spec/installer'
import type { ServiceContext } from '../service-context'
import { buildTrustReport, installedContext, lintRefusal } from './report'
import { combineOwnership, repositoryIdentityNote } from '../repository-identity'
import type { RepositoryIdentity } from '../repository-identity'
import type { LintPolicy, TrustReport, VerificationResult } from './report'

/** What install and update take for the trust step. */
export interface TrustReviewOptions {
  /** Whether description-lint findings only warn (`warn`) or refuse the install with `E_LINT_REFUSED`. @default 'warn' */
  lintPolicy?: LintPolicy
  /**
   * Called with the finished report (handshake and lint included) before anything is put in
   * place; throwing (a user who says no) stops the install and removes the staged files.
   */
  reviewTrust?: (report: TrustReport) => void | Promise<void>
}

/** `'warn'` or `'refuse'`; anything else is a programming error worth a clear message. */
export function checkLintPolicy(policy: unknown): LintPolicy {
  if (policy === undefined) return 'warn'
  if (policy === 'warn' || policy === 'refuse') return policy
  throw new TypeError(`lintPolicy must be "warn" or "refuse", got ${JSON.stringify(policy)}`)
}

/** The report for a staged candidate; refuses or asks as the options say (see the module comment). */
export async function reviewCandidate(
  context: ServiceContext,
  input: {
    server: ServerMetadata
    ref: string
    pkg: Package
    installer: MCPServerInstaller
    candidate: Candidate
    allowScripts: boolean
    allowNonRegistryDependencies?: boolean
    /** The repository-id check made before staging: joined to the ownership the installer found (and recorded with it). */
    repositoryIdentity?: RepositoryIdentity | undefined
    options: TrustReviewOptions
  },
): Promise<TrustReport> {
  const { server, candidate } = input
  try {
    const state = await context.state.read()
    // The verification work may put its result on the install result; read it when it is there.
    const result = candidate.result as { verification?: VerificationResult }
    const identity = input.repositoryIdentity
    if (identity && result.verification) result.verification = { ...result.verification, ownership: combineOwnership(result.verification.ownership, identity) }
    const note = repositoryIdentityNote(identity)
    if (note) candidate.notes.push(note)
    const verification = result.verification
    const report = buildTrustReport({
      server: server.name,
      version: candidate.version,
      ref: input.ref,
      registryType: input.pkg.registryType,
      identifier: input.pkg.identifier,
      ...(server.registryName ? { registryName: server.registryName } : {}),
      ...(server.repository?.url ? { repository: server.repository.url } : {}),
      installer: input.installer.type,
      ownershipFacts: server.verified ?? [],
      ...(verification ? { verification } : identity ? { repositoryIdentity: identity } : {}),
      ...(candidate.result.details ? { details: candidate.result.details } : {}),
      allowScripts: input.allowScripts,
      ...(input.allowNonRegistryDependencies ? { allowNonRegistryDependencies: true } : {}),
      launch: candidate.stagedLaunch,
      handshake: candidate.handshake,
      lintPolicy: checkLintPolicy(input.options.lintPolicy),
      ...installedContext(state, server.name),
      now: context.now,
    })
    const refusal = lintRefusal(report)
    if (refusal) throw refusal
    await input.options.reviewTrust?.(report)
    return report
  } catch (error) {
    await candidate.staging.dispose()
    throw error
  }
}
