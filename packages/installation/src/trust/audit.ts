/**
 * Trust reports of what is installed, from the records alone (nothing is started or fetched):
 * the lint of each recorded handshake against the servers installed now, look-alikes among them,
 * tool-name collisions, and what verification recorded. `verify` recomputes one with a fresh
 * handshake; `audit` lists every server's.
 */
import type { HandshakeResult } from '../handshake'
import type { ServiceContext } from '../service-context'
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

/** What `audit` returns. */
export interface AuditOutcome {
  /** One report per installed server, sorted by name. */
  servers: TrustReport[]
  /** Every tool name two or more installed servers offer. */
  collisions: ToolCollision[]
  checkedAt: string
}

/** Every installed server's trust report, from the records (see the module comment). */
export async function auditServers(context: ServiceContext): Promise<AuditOutcome> {
  const state = await context.state.read()
  const records = Object.values(state.servers).sort((left, right) => left.name.localeCompare(right.name))
  return {
    servers: records.map((record) => installedTrustReport(context, state, record)),
    collisions: findToolCollisions(installedToolsByServer(state)),
    checkedAt: new Date(context.now()).toISOString(),
  }
}
