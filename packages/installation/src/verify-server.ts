/**
 * Verifying an installed server without changing it: its files against the digest recorded at
 * install time, then (unless skipped) a handshake whose tools are compared with the recorded ones.
 * A failed handshake is reported in the outcome rather than thrown, so one report says all that is wrong.
 */
import { maskSecretInputs, secretInputsOf } from './secret-inputs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { TektonError, toTektonError } from '@tekton/mcp-discovery'
import { buildServerEnvironment } from './environment'
import { handshake as runHandshake } from './handshake'
import type { HandshakeResult } from './handshake'
import type { InstalledServer, InstalledVersion } from './state'
import { diffTools, hasToolChanges } from './tools'
import type { ToolDiff } from './tools'
import { compareTrees, hashTree, manifestDigest } from './tree-digest'
import type { TreeEntry, TreeManifest } from './tree-digest'
import { effectiveLaunch, secretDeclarationsOf, secretValues } from './server-configuration'
import type { VerificationResult } from './spec/verification'
import { installerFor } from './package-choice'
import { isAttested, isSigned } from './verification'
import { handshakeRecordedRemote } from './install-remote'
import { requireRecord } from './server-view'
import { checkSandboxedLaunch, unwrapLaunch } from './sandbox/bubblewrap'
import { withServerLock } from './service-context'
import type { ServiceContext } from './service-context'
import { installedTrustReport } from './trust/audit'
import type { TrustReport } from './trust/report'

/** Options of `verifyServer`. */
export interface VerifyServerOptions {
  /** Also start the server and compare its tools with the recorded ones. @default true */
  handshake?: boolean
  handshakeTimeoutMs?: number
  signal?: AbortSignal
}

/** What `verifyServer` found. */
export interface VerifyOutcome {
  name: string
  version: string
  directory: string
  /** Files intact and, when checked, the handshake succeeded with unchanged tools. */
  ok: boolean
  files: {
    ok: boolean
    /** The digest recorded at install time. */
    expected: string
    actual: string
    changed: string[]
    missing: string[]
    added: string[]
    /** False when the manifest file beside the version no longer matches the recorded digest (the lists are then unreliable). */
    manifestIntact: boolean
  }
  /**
   * Whether the recorded launch spec stays inside the install: its command is a file of the
   * version directory or the recorded runtime, and so is every absolute path among its recorded
   * arguments and its cwd. Each escape is one sentence; the server is then not started.
   */
  launch: { ok: boolean; problems: string[] }
  /**
   * The sandbox the recorded launch spec sets up (`null`: none). Its flags are checked with the
   * launch (`launch.problems`): the namespaces, the network as granted, nothing writable but the
   * server's data directory; and a server recorded as sandboxed whose launch is not is a problem.
   */
  sandbox?: { kind: 'bubblewrap'; network: boolean; writable: string[] } | null
  /** `null` when skipped (asked, or because the launch spec points outside the install). */
  /**
   * Signature, provenance and ownership checked again (`null` when the installer does not verify):
   * not ok when a check fails, or when the version lost provenance or signatures it had when installed.
   */
  verification:
    | { ok: boolean; result: VerificationResult; recorded?: VerificationResult | undefined; problems: string[] }
    | { ok: false; error: { code: string; message: string; hint?: string } }
    | null
  handshake:
    | { ok: true; result: HandshakeResult; toolDiff: ToolDiff | null }
    | { ok: false; error: { code: string; message: string; hint?: string; stderr?: string; exitCode?: number } }
    | null
  /**
   * The trust report recomputed: the lint reads this handshake (the recorded one when it was
   * skipped or failed), against the servers installed now. Findings do not change `ok`.
   */
  trust: TrustReport
  notes: string[]
}

/** Checks the active version's files (naming changed, missing and added ones) and, unless `handshake: false`, its tools. */
export async function verifyServer(context: ServiceContext, name: string, options: VerifyServerOptions): Promise<VerifyOutcome> {
  const known = requireRecord(await context.state.read(), name)
  // Secret inputs (arguments, a remote URL's variables) show as their placeholders in the outcome.
  const outcome = await withServerLock(context, known.slug, `verify ${known.name}`, async (): Promise<VerifyOutcome> => {
    const record = requireRecord(await context.state.read(), known.name)
    if (record.remote) return verifyRemote(context, record, options)
    const version = record.versions[record.activeVersion]
    if (!version) throw new TektonError('E_STATE_CORRUPT', `${record.name}: the active version ${record.activeVersion} has no record`)
    const notes: string[] = []
    const current = await hashTree(version.directory).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    })
    let recordedFiles: Record<string, TreeEntry> = {}
    let manifestIntact = false
    const manifestPath = context.layout.manifestFile(record.slug, path.basename(version.directory))
    try {
      const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Pick<TreeManifest, 'files'>
      recordedFiles = manifest.files ?? {}
      manifestIntact = manifestDigest(recordedFiles) === version.treeDigest
    } catch {
      notes.push(`The file list ${manifestPath} is missing or unreadable: changed files cannot be named`)
    }
    if (!manifestIntact && Object.keys(recordedFiles).length > 0) notes.push(`The file list ${manifestPath} does not match the recorded digest: it was changed too`)
    const difference = current ? compareTrees(recordedFiles, current.files) : { changed: [], missing: Object.keys(recordedFiles), added: [] }
    if (!current) notes.push(`${version.directory} is missing`)
    const actual = current?.digest ?? 'missing'
    const filesOk = actual === version.treeDigest
    if (!filesOk && manifestIntact && difference.changed.length + difference.missing.length + difference.added.length === 0) {
      difference.changed.push('(the tree differs from the recorded digest)')
    }
    const escapes = [...sandboxProblems(context, record, version), ...launchEscapes(version)]
    if (escapes.length > 0) notes.push('Not started: its recorded launch command points outside the install (installed.json was changed?)')
    const verification = await reverify(context, record, version, options.signal)
    let handshakeOutcome: VerifyOutcome['handshake'] = null
    if (options.handshake !== false && current && escapes.length === 0) {
      try {
        const result = await handshakeInstalled(context, record, record.activeVersion, options.handshakeTimeoutMs ?? context.handshakeTimeoutMs, options.signal)
        const baseline = version.handshake?.tools
        const toolDiff = baseline ? diffTools(baseline, result.tools) : null
        if (!baseline) notes.push('No tools were recorded at install time (the handshake was skipped): nothing to compare with')
        handshakeOutcome = { ok: true, result, toolDiff }
      } catch (error) {
        const failure = toTektonError(error)
        handshakeOutcome = { ok: false, error: failure.toJSON() }
      }
    } else if (options.handshake === false) {
      notes.push('Handshake skipped: only the files were checked')
    }
    const trust = installedTrustReport(context, await context.state.read(), record, handshakeOutcome?.ok ? { handshake: handshakeOutcome.result } : {})
    const handshakeOk =
      handshakeOutcome === null || (handshakeOutcome.ok && (handshakeOutcome.toolDiff === null || !hasToolChanges(handshakeOutcome.toolDiff)))
    return {
      name: record.name,
      version: record.activeVersion,
      directory: version.directory,
      ok: filesOk && handshakeOk && escapes.length === 0 && (verification === null || verification.ok),
      files: { ok: filesOk, expected: version.treeDigest, actual, ...difference, manifestIntact },
      launch: { ok: escapes.length === 0, problems: escapes },
      verification,
      sandbox: version.launch.sandbox ? { kind: version.launch.sandbox.kind, network: version.launch.sandbox.network, writable: [...version.launch.sandbox.writable] } : null,
      handshake: handshakeOutcome,
      trust,
      notes,
    }
  })
  return maskSecretInputs(outcome, secretInputsOf(known.configuration))
}

/** The installer's verification of the active version, compared with what was recorded at install time. */
async function reverify(context: ServiceContext, record: InstalledServer, version: InstalledVersion, signal: AbortSignal | undefined): Promise<VerifyOutcome['verification']> {
  const installer = installerFor(context.installers, record.registryType)
  if (!installer?.verifyInstalled) return null
  let result: VerificationResult
  try {
    result = await installer.verifyInstalled(
      {
        package: { registryType: record.registryType, identifier: record.identifier, version: version.version, transport: { type: 'stdio' } },
        version: version.version,
        directory: version.directory,
        registryName: record.source.registryName,
        details: version.details,
      },
      { env: context.env, ...(signal ? { signal } : {}) },
    )
  } catch (error) {
    return { ok: false, error: toTektonError(error).toJSON() }
  }
  const problems: string[] = []
  if (result.signature.status === 'failed') problems.push(`signature: ${result.signature.code ?? 'failed'}: ${result.signature.detail}`)
  if (result.provenance.status === 'failed') problems.push(`provenance: ${result.provenance.code ?? 'failed'}: ${result.provenance.detail}`)
  if (result.ownership.status === 'mismatch') problems.push(`ownership: ${result.ownership.detail}`)
  const recorded = version.verification
  if (recorded && isAttested(recorded) && !isAttested(result)) problems.push('provenance: verified at install time, not now')
  if (recorded && isSigned(recorded) && !isSigned(result)) problems.push('signature: present at install time, not now')
  return { ok: problems.length === 0, result, ...(recorded ? { recorded } : {}), problems }
}

/**
 * Where a version's recorded launch spec leaves the install: a command that is neither under the
 * version directory nor the runtime recorded with it, an absolute argument or a cwd outside the
 * directory. Only the recorded spec is judged: arguments a user configured (`configure --arg`,
 * e.g. a directory a filesystem server may read) are theirs to give.
 */
function launchEscapes(version: InstalledVersion): string[] {
  const inside = (file: string) => {
    const relative = path.relative(version.directory, path.resolve(file))
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
  }
  const runtime = version.runtime?.path
  const allowed = (file: string) => inside(file) || (runtime !== undefined && path.resolve(file) === path.resolve(runtime))
  const problems: string[] = []
  // A sandboxed launch is judged by the server's own command line inside it; its flags by `sandboxProblems`.
  const { command, args, cwd } = unwrapLaunch(version.launch)
  if (!path.isAbsolute(command) || !allowed(command)) {
    problems.push(`the command ${command} is outside ${version.directory}${runtime ? ` and is not the recorded runtime ${runtime}` : ''}`)
  }
  for (const argument of args) {
    if (path.isAbsolute(argument) && !allowed(argument)) problems.push(`the argument ${argument} is outside ${version.directory}`)
  }
  if (cwd !== undefined && !inside(cwd)) problems.push(`the working directory ${cwd} is outside ${version.directory}`)
  return problems
}

/**
 * Whether the recorded sandbox is still the one tekton-mcp made: its flags (`checkSandboxedLaunch`,
 * writable paths only under the server's own directory), and present at all when the server was
 * installed with `bubblewrap` or with the network withheld (an edited installed.json that drops
 * the sandbox must not pass).
 */
function sandboxProblems(context: ServiceContext, record: InstalledServer, version: InstalledVersion): string[] {
  const problems = checkSandboxedLaunch(version.launch, { writableUnder: context.layout.serverDir(record.slug) }).map((problem) => `sandbox: ${problem}`)
  const asked = record.sandbox
  const recorded = version.launch.sandbox
  if (asked?.mode === 'bubblewrap' && !recorded) problems.push('sandbox: it was installed to run in bubblewrap, but its recorded launch is not sandboxed')
  if (asked && recorded && asked.network !== recorded.network) {
    problems.push(`sandbox: the network was ${asked.network ? 'granted' : 'withheld'} at install, but the recorded launch ${recorded.network ? 'grants' : 'withholds'} it`)
  }
  return problems
}

/** Handshake with an installed version, configured as it will run. */
function handshakeInstalled(context: ServiceContext, record: InstalledServer, version: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<HandshakeResult> {
  const launch = effectiveLaunch(record, version)
  return runHandshake(launch, {
    timeoutMs,
    env: buildServerEnvironment(context.env, {}, launch.env),
    secrets: secretValues(secretDeclarationsOf(record), launch.env),
    now: context.now,
    ...(signal ? { signal } : {}),
  })
}

/** A remote has no files: verifying it is a new handshake over HTTP and a comparison of its tools. */
async function verifyRemote(context: ServiceContext, record: InstalledServer, options: VerifyServerOptions): Promise<VerifyOutcome> {
  const version = record.versions[record.activeVersion]
  const notes: string[] = []
  let handshakeOutcome: VerifyOutcome['handshake'] = null
  if (options.handshake !== false) {
    try {
      const result = await handshakeRecordedRemote(context, record, options.handshakeTimeoutMs ?? context.handshakeTimeoutMs, options.signal)
      const baseline = version?.handshake?.tools
      if (!baseline) notes.push('No tools were recorded at install time (the handshake was skipped): nothing to compare with')
      handshakeOutcome = { ok: true, result, toolDiff: baseline ? diffTools(baseline, result.tools) : null }
    } catch (error) {
      handshakeOutcome = { ok: false, error: toTektonError(error).toJSON() }
    }
  } else {
    notes.push('Handshake skipped: a remote server has no files, so nothing was checked')
  }
  const handshakeOk = handshakeOutcome === null || (handshakeOutcome.ok && (handshakeOutcome.toolDiff === null || !hasToolChanges(handshakeOutcome.toolDiff)))
  return {
    name: record.name,
    version: record.activeVersion,
    directory: record.remote!.url,
    ok: handshakeOk,
    files: { ok: true, expected: 'remote', actual: 'remote', changed: [], missing: [], added: [], manifestIntact: true },
    launch: { ok: true, problems: [] },
    verification: null,
    trust: installedTrustReport(context, await context.state.read(), record, handshakeOutcome?.ok ? { handshake: handshakeOutcome.result } : {}),
    handshake: handshakeOutcome,
    notes,
  }
}
