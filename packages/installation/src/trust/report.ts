/**
 * The trust report: one compact account of why (or how far) a server can be trusted, shown before
 * an install or update is confirmed, stored with the installed version, recomputed by verify and
 * listed by audit. Each line is data with a status (renderers make the sentences); a check whose
 * producer is missing says `not-checked` rather than passing silently, since a report that looks
 * complete but is not is worse than none.
 */
import { TektonError } from '@tekton/mcp-discovery'
import type { Verification } from '@tekton/mcp-discovery'
import type { LaunchSpec } from '../spec/installer'
import type { HandshakeResult } from '../handshake'
import type { InstalledState } from '../state'
import { findToolCollisions, installedToolsByServer } from './collisions'
import type { ToolCollision } from './collisions'
import { describeLintFinding, lintHandshake } from './lint'
import type { LintFinding, OtherServerTools } from './lint'
import { findLookAlikes, wellKnownServers } from './look-alike'
import type { KnownServer, LookAlikeWarning } from './look-alike'
import type { VerificationResult } from '../spec/verification'
import { combineOwnership } from '../repository-identity'
import type { RepositoryIdentity } from '../repository-identity'

export type { VerificationResult }

/** Whether description-lint findings only warn or refuse the install (`E_LINT_REFUSED`). */
export type LintPolicy = 'warn' | 'refuse'

/** The trust report (see the module comment). Every member is present; `not-checked` says a check did not run. */
export interface TrustReport {
  server: string
  version: string
  /** When it was computed (ISO). */
  checkedAt: string
  source: { ref: string; registryType: string; identifier: string; registryName?: string; repository?: string }
  ownership: { status: VerificationResult['ownership']['status'] | 'not-checked'; by?: string; detail: string }
  signature: { status: VerificationResult['signature']['status'] | 'not-checked'; keyId?: string; code?: string; detail: string }
  provenance: { status: VerificationResult['provenance']['status'] | 'not-checked'; repository?: string; workflow?: string; code?: string; detail: string }
  releaseAge: { status: 'known' | 'not-checked'; publishedAt?: string; hours?: number }
  installScripts: { status: 'none' | 'skipped' | 'allowed' | 'not-checked'; allowed: boolean }
  dependencies: { status: 'registry-only' | 'non-registry-allowed' | 'not-applicable' | 'not-checked'; allowedNonRegistry?: string[] }
  sandbox: { status: 'bubblewrap' | 'container' | 'none'; network: 'allowed' | 'denied' | 'unknown' }
  /** `pending`: the handshake (which the lint reads) runs after this report, before the install is committed. */
  lint: { status: 'clean' | 'findings' | 'pending' | 'not-run'; policy: LintPolicy; findings: LintFinding[] }
  lookAlikes: LookAlikeWarning[]
  /** Tool names this server shares with another installed one. */
  collisions: ToolCollision[]
}

/** What a trust report is computed from. */
export interface TrustInputs {
  server: string
  version: string
  ref: string
  registryType: string
  identifier: string
  registryName?: string
  repository?: string
  installer: string
  /** Ownership facts the discovery sources found (`ServerMetadata.verified`), when the metadata is at hand. */
  ownershipFacts?: readonly Verification[]
  /** Ownership as recorded earlier (audit has no metadata at hand). */
  recordedOwnership?: TrustReport['ownership']
  verification?: VerificationResult
  /**
   * The repository-id check (see `repository-identity`), joined to the ownership from
   * `ownershipFacts`; a `verification` carries it already (its ownership was joined with it).
   */
  repositoryIdentity?: RepositoryIdentity
  /** The installer's `details` (npm: `installScripts`, `nonRegistryDependencies`). */
  details?: Record<string, unknown>
  allowScripts: boolean
  allowNonRegistryDependencies?: boolean
  launch?: LaunchSpec
  /** The handshake the lint reads: `pending` before an install, `null` when it was skipped. */
  handshake: HandshakeResult | null | 'pending'
  lintPolicy: LintPolicy
  /** The other installed servers' tools (this server's own record left out). */
  otherServers: readonly OtherServerTools[]
  /** The other installed servers' packages, for look-alikes. */
  installedPackages: readonly KnownServer[]
  now: () => number
}

function ownershipOf(inputs: TrustInputs): TrustReport['ownership'] {
  if (inputs.verification) return { ...inputs.verification.ownership }
  if (inputs.repositoryIdentity) {
    const found = ownershipFromFacts({ ...inputs, repositoryIdentity: undefined } as TrustInputs)
    return combineOwnership(found.status === 'not-checked' ? { status: 'unverified', detail: found.detail } : { ...found, status: found.status }, inputs.repositoryIdentity)
  }
  return ownershipFromFacts(inputs)
}

function ownershipFromFacts(inputs: TrustInputs): TrustReport['ownership'] {
  if (inputs.ownershipFacts) {
    const verified = inputs.ownershipFacts.filter((fact) => fact.verified)
    if (verified.length > 0) {
      return {
        status: 'verified',
        by: verified.map((fact) => `${fact.kind} ${fact.value}`).join(', '),
        detail: 'as the discovery sources found it (not re-checked at install)',
      }
    }
    const contradicted = inputs.ownershipFacts.find((fact) => !fact.verified && fact.checkedAgainst !== undefined)
    if (contradicted) return { status: 'mismatch', by: `${contradicted.kind} ${contradicted.value}`, detail: contradicted.detail ?? `contradicted by ${contradicted.checkedAgainst}` }
    return { status: 'unverified', detail: inputs.ownershipFacts.length > 0 ? 'claimed, not confirmed by a second place' : 'no ownership claim' }
  }
  if (inputs.recordedOwnership) return inputs.recordedOwnership
  return { status: 'not-checked', detail: 'no ownership facts at hand' }
}

function sandboxOf(inputs: TrustInputs): TrustReport['sandbox'] {
  const declared = (inputs.launch as (LaunchSpec & { sandbox?: { kind?: unknown; network?: unknown } }) | undefined)?.sandbox
  if (declared && declared.kind === 'bubblewrap') return { status: 'bubblewrap', network: declared.network === true ? 'allowed' : 'denied' }
  if (inputs.installer === 'docker') {
    const args = inputs.launch?.args ?? []
    const index = args.findIndex((argument) => argument === '--network' || argument.startsWith('--network='))
    const network = index < 0 ? undefined : args[index]?.includes('=') ? args[index]?.split('=')[1] : args[index + 1]
    return { status: 'container', network: network === undefined ? 'unknown' : network === 'none' ? 'denied' : 'allowed' }
  }
  return { status: 'none', network: 'allowed' }
}

function dependenciesOf(inputs: TrustInputs): TrustReport['dependencies'] {
  if (inputs.installer !== 'node') return { status: inputs.installer === 'docker' ? 'not-applicable' : 'not-checked' }
  const recorded = inputs.details?.nonRegistryDependencies
  const allowed = Array.isArray(recorded) ? recorded.filter((entry): entry is string => typeof entry === 'string') : []
  if (allowed.length > 0 || inputs.allowNonRegistryDependencies === true) return { status: 'non-registry-allowed', ...(allowed.length > 0 ? { allowedNonRegistry: allowed } : {}) }
  return { status: 'registry-only' }
}

function installScriptsOf(inputs: TrustInputs): TrustReport['installScripts'] {
  const recorded = inputs.details?.installScripts
  if (recorded === 'none' || recorded === 'skipped' || recorded === 'allowed') return { status: recorded, allowed: inputs.allowScripts }
  if (inputs.installer === 'docker') return { status: 'none', allowed: false }
  return { status: 'not-checked', allowed: inputs.allowScripts }
}

/** Computes the report from what is known (see `TrustInputs`). */
export function buildTrustReport(inputs: TrustInputs): TrustReport {
  const { verification } = inputs
  let lint: TrustReport['lint']
  if (inputs.handshake === 'pending') lint = { status: 'pending', policy: inputs.lintPolicy, findings: [] }
  else if (inputs.handshake === null) lint = { status: 'not-run', policy: inputs.lintPolicy, findings: [] }
  else {
    const findings = lintHandshake(inputs.handshake, { otherServers: inputs.otherServers })
    lint = { status: findings.length > 0 ? 'findings' : 'clean', policy: inputs.lintPolicy, findings }
  }
  const ownTools = inputs.handshake && inputs.handshake !== 'pending' ? inputs.handshake.tools.map((tool) => tool.name) : []
  return {
    server: inputs.server,
    version: inputs.version,
    checkedAt: new Date(inputs.now()).toISOString(),
    source: {
      ref: inputs.ref,
      registryType: inputs.registryType,
      identifier: inputs.identifier,
      ...(inputs.registryName ? { registryName: inputs.registryName } : {}),
      ...(inputs.repository ? { repository: inputs.repository } : {}),
    },
    ownership: ownershipOf(inputs),
    signature: verification ? { ...verification.signature } : { status: 'not-checked', detail: 'registry signatures are not verified yet' },
    provenance: verification ? { ...verification.provenance } : { status: 'not-checked', detail: 'provenance is not verified yet' },
    releaseAge: verification?.releaseAge ? { status: 'known', ...verification.releaseAge } : { status: 'not-checked' },
    installScripts: installScriptsOf(inputs),
    dependencies: dependenciesOf(inputs),
    sandbox: sandboxOf(inputs),
    lint,
    lookAlikes: findLookAlikes(inputs.registryType, inputs.identifier, [...inputs.installedPackages, ...wellKnownServers]),
    collisions: findToolCollisions([...inputs.otherServers, { server: inputs.server, tools: ownTools }], inputs.server),
  }
}

/**
 * What the other installed servers contribute to a report: their tools (for collisions and
 * cross-server references) and their packages (for look-alikes). `server` itself is left out.
 */
export function installedContext(state: InstalledState, server: string): { otherServers: OtherServerTools[]; installedPackages: KnownServer[] } {
  const others = Object.values(state.servers).filter((record) => record.name !== server)
  return {
    otherServers: installedToolsByServer({ ...state, servers: Object.fromEntries(others.map((record) => [record.name, record])) }),
    installedPackages: others.map((record) => ({ registryType: record.registryType, identifier: record.identifier, origin: 'installed' as const })),
  }
}

/**
 * `E_LINT_REFUSED` when the policy refuses findings and the report has some, naming each rule
 * and where it fired; else undefined.
 */
export function lintRefusal(report: TrustReport): TektonError | undefined {
  if (report.lint.policy !== 'refuse' || report.lint.findings.length === 0) return undefined
  const rules = [...new Set(report.lint.findings.map((finding) => finding.rule))]
  return new TektonError(
    'E_LINT_REFUSED',
    `${report.server} ${report.version} was refused: the lint policy refuses description findings, and it has ${report.lint.findings.length} (${rules.join(', ')}): ${report.lint.findings
      .slice(0, 3)
      .map(describeLintFinding)
      .join('; ')}`,
    { hint: 'Read the findings: they are text the server sends the model. Install it only if you trust it, with the lint policy set to warn' },
  )
}
