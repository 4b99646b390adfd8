/**
 * Verifying an installed server without changing it: its files against the digest recorded at
 * install time, then (unless skipped) a handshake whose tools are compared with the recorded ones.
 * A failed handshake is reported in the outcome rather than thrown, so one report says all that is wrong.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { TektonError, toTektonError } from '@tekton/mcp-discovery'
import { buildServerEnvironment } from './environment'
import { handshake as runHandshake } from './handshake'
import type { HandshakeResult } from './handshake'
import type { InstalledServer } from './state'
import { diffTools, hasToolChanges } from './tools'
import type { ToolDiff } from './tools'
import { compareTrees, hashTree, manifestDigest } from './tree-digest'
import type { TreeEntry, TreeManifest } from './tree-digest'
import { effectiveLaunch, secretValues } from './server-configuration'
import { requireRecord } from './server-view'
import { withServerLock } from './service-context'
import type { ServiceContext } from './service-context'

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
  /** `null` when skipped. */
  handshake:
    | { ok: true; result: HandshakeResult; toolDiff: ToolDiff | null }
    | { ok: false; error: { code: string; message: string; hint?: string; stderr?: string; exitCode?: number } }
    | null
  notes: string[]
}

/** Checks the active version's files (naming changed, missing and added ones) and, unless `handshake: false`, its tools. */
export async function verifyServer(context: ServiceContext, name: string, options: VerifyServerOptions): Promise<VerifyOutcome> {
  const known = requireRecord(await context.state.read(), name)
  return withServerLock(context, known.slug, `verify ${known.name}`, async () => {
    const record = requireRecord(await context.state.read(), known.name)
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
    let handshakeOutcome: VerifyOutcome['handshake'] = null
    if (options.handshake !== false && current) {
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
    const handshakeOk =
      handshakeOutcome === null || (handshakeOutcome.ok && (handshakeOutcome.toolDiff === null || !hasToolChanges(handshakeOutcome.toolDiff)))
    return {
      name: record.name,
      version: record.activeVersion,
      directory: version.directory,
      ok: filesOk && handshakeOk,
      files: { ok: filesOk, expected: version.treeDigest, actual, ...difference, manifestIntact },
      handshake: handshakeOutcome,
      notes,
    }
  })
}

/** Handshake with an installed version, configured as it will run. */
function handshakeInstalled(context: ServiceContext, record: InstalledServer, version: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<HandshakeResult> {
  const launch = effectiveLaunch(record, version)
  return runHandshake(launch, {
    timeoutMs,
    env: buildServerEnvironment(context.env, {}, launch.env),
    secrets: secretValues(record.environmentVariables, launch.env),
    now: context.now,
    ...(signal ? { signal } : {}),
  })
}
