/**
 * Trust reports of what is installed, from the records alone (nothing is started or fetched):
 * the lint of each recorded handshake against the servers installed now, look-alikes among them,
 * tool-name collisions, and what verification recorded. `verify` recomputes one with a fresh
 * handshake; `audit` lists every server's.
 */
import type { HandshakeResult } from '../handshake'
import type { ServiceContext, TrustDefaults } from '../service-context'
import type { InstalledServer, InstalledState } from '../state'
import { findToolCollisions, installedToolsByServer } from './collisions'
import type { ToolCollision } from './collisions'
import { buildTrustReport, installedContext } from './report'
import type { LintPolicy, TrustReport, VerificationResult } from './report'
import { checkLintPolicy } from './review'

/** The report of an installed server's active version, with `handshake` (a fresh one) or the recorded one. */
export function installedTrustReport(
  context: Pick<ServiceContext, 'now'>,
  state: InstalledState,
  record: InstalledServer,
  options: { handshake?: HandshakeResult | null; lintPolicy?: LintPolicy } = {},
): TrustReport {
  const version = record.versions[record.activeVersion]
  const stored = version?.trust as Partial<TrustReport> | undefined
  const verification = (version as { verification?: VerificationResult } | undefined)?.verification
  return buildTrustReport({
    server: record.name,
    version: record.activeVersion,
    ref: record.ref,
    registryType: record.registryType,
    identifier: record.identifier,
    ...(record.source.registryName ? { registryName: record.source.registryName } : {}),
    ...(record.source.repository?.url ? { repository: record.source.repository.url } : {}),
    installer: record.installer,
    ...(stored?.ownership ? { recordedOwnership: stored.ownership } : {}),
    ...(verification ? { verification } : {}),
    ...(version?.details ? { details: version.details } : {}),
    allowScripts: record.allowScripts,
    ...(version ? { launch: version.launch } : {}),
    handshake: options.handshake === undefined ? (version?.handshake ?? null) : options.handshake,
    lintPolicy: checkLintPolicy(options.lintPolicy ?? stored?.lint?.policy),
    ...installedContext(state, record.name),
    now: context.now,
  })
}

/**
 * A check of an installed server that failed: a registry signature or provenance attestation that
 * did not verify, ownership contradicted by a second place, or description-lint findings that the
 * lint policy in effect refuses. Any one of them makes the audit fail (`ok: false`; the CLI exits 1).
 */
export interface AuditFailure {
  server: string
  version: string
  check: 'signature' | 'provenance' | 'ownership' | 'lint'
  /** The check's status in the report: `failed`, `mismatch` or `findings`. */
  status: string
  /** Why, from the report (for lint: how many findings, their rules and where the policy comes from). */
  detail: string
}

/** What `audit` returns. */
export interface AuditOutcome {
  /** False when any installed server has a failed check (see `failures`). */
  ok: boolean
  /** Every failed check, by server in name order; empty when `ok`. */
  failures: AuditFailure[]
  /** One report per installed server, sorted by name. */
  servers: TrustReport[]
  /** Every tool name two or more installed servers offer. */
  collisions: ToolCollision[]
  checkedAt: string
}

/**
 * The failed checks of one report. Lint findings fail under the stricter of the policy the server
 * was installed under (kept in its report) and the one in effect now (`trustDefaults`), so a policy
 * tightened after the install is what a CI run of `audit` holds the installed servers to.
 */
export function auditFailuresOf(report: TrustReport, trustDefaults: Pick<TrustDefaults, 'lintPolicy' | 'origin'> = {}): AuditFailure[] {
  const failures: AuditFailure[] = []
  const of = { server: report.server, version: report.version }
  if (report.signature.status === 'failed') failures.push({ ...of, check: 'signature', status: 'failed', detail: report.signature.detail })
  if (report.provenance.status === 'failed') failures.push({ ...of, check: 'provenance', status: 'failed', detail: report.provenance.detail })
  if (report.ownership.status === 'mismatch') failures.push({ ...of, check: 'ownership', status: 'mismatch', detail: report.ownership.detail })
  const refusedBy = report.lint.policy === 'refuse' ? 'the lint policy it was installed under' : trustDefaults.lintPolicy === 'refuse' ? (trustDefaults.origin ?? 'the lint policy in effect') : undefined
  if (report.lint.findings.length > 0 && refusedBy) {
    const count = report.lint.findings.length
    const rules = [...new Set(report.lint.findings.map((finding) => finding.rule))]
    failures.push({ ...of, check: 'lint', status: 'findings', detail: `${count} description-lint ${count === 1 ? 'finding' : 'findings'} (${rules.join(', ')}), refused by ${refusedBy}` })
  }
  return failures
}

/** Every installed server's trust report, from the records (see the module comment), and the verdict. */
export async function auditServers(context: ServiceContext): Promise<AuditOutcome> {
  const state = await context.state.read()
  const records = Object.values(state.servers).sort((left, right) => left.name.localeCompare(right.name))
  const servers = records.map((record) => installedTrustReport(context, state, record))
  const failures = servers.flatMap((report) => auditFailuresOf(report, context.trustDefaults))
  return {
    ok: failures.length === 0,
    failures,
    servers,
    collisions: findToolCollisions(installedToolsByServer(state)),
    checkedAt: new Date(context.now()).toISOString(),
  }
}
