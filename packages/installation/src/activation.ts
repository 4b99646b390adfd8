/**
 * The steps install and update share once the package is chosen: stage a candidate (the
 * installer installs into a staging directory, then a handshake runs there), then commit it
 * (rename into `versions/`, switch the `current` pointer, write the record). A failure before the
 * record is written undoes the rename and the switch, so the previous state stays as it was.
 */
import { randomBytes } from 'node:crypto'
import { access, mkdir, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { TektonError } from '@tekton/mcp-discovery'
import type { Package, ServerMetadata } from '@tekton/mcp-discovery'
import { writeFileAtomic } from '@tekton/mcp-discovery/kit'
import type { InstallResult, LaunchSpec, MCPServerInstaller } from './spec/installer'
import type { VerificationRules } from './spec/verification'
import { baselineFromPublished, judgeVerification } from './verification'
import type { TrustBaseline } from './verification'
import { buildServerEnvironment } from './environment'
import { handshake as runHandshake } from './handshake'
import type { HandshakeResult } from './handshake'
import { createStaging, switchPointer } from './layout'
import type { Staging } from './layout'
import { checkLaunchSpec, relocateLaunchSpec } from './launch'
import { versionDirectoryName } from './names'
import type { InstalledServer, InstalledVersion } from './state'
import type { ToolDiff } from './tools'
import { hashTree } from './tree-digest'
import type { TrustReport } from './trust/report'
import { installerFailure } from './package-choice'
import { applyConfiguration, declaredVariables, secretDeclarationsOf, secretValues } from './server-configuration'
import { recordedSource } from './server-view'
import { messageOf, timed } from './service-context'
import type { SandboxDecision } from './sandbox/probe'
import { sandboxLaunch } from './sandbox-launch'
import type { ProgressListener, ServiceContext } from './service-context'

/** What a finished staging produced: installed and handshaken in staging, not yet in place. */
export interface Candidate {
  version: string
  staging: Staging
  result: InstallResult
  /** The launch spec with staging paths. */
  stagedLaunch: LaunchSpec
  handshake: HandshakeResult | null
  toolDiff?: ToolDiff
  notes: string[]
}

function abortedError(operation: string, cause?: unknown): TektonError {
  return new TektonError('E_ABORTED', `${operation} was aborted`, cause === undefined ? {} : { cause })
}

async function pathExists(file: string): Promise<boolean> {
  try {
    await access(file)
    return true
  } catch {
    return false
  }
}

/**
 * Staging → install → handshake. The caller owns the returned staging (commit disposes of it);
 * on failure it is removed here.
 */
export async function stageCandidate(
  context: ServiceContext,
  input: {
    server: ServerMetadata
    slug: string
    pkg: Package
    installer: MCPServerInstaller
    version?: string
    allowScripts: boolean
    ignoreEngines?: boolean
    allowNonRegistryDependencies?: boolean
    inactivityTimeoutMs?: number
    configuration: InstalledServer['configuration']
    handshake: boolean
    timeoutMs: number
    signal?: AbortSignal
    emit: ProgressListener
    stopIfVersion?: ((version: string) => boolean) | undefined
    checkTools?: (result: HandshakeResult, version: string) => ToolDiff | undefined
    /** The trust rules, and the installed version's trust as the downgrade baseline (else the previous published version's). */
    trust?: { rules: VerificationRules; baseline?: TrustBaseline | undefined }
    /** The sandbox to wrap the launch spec in (the handshake then runs inside it). @default none */
    sandbox?: SandboxDecision
    /** Grant the network to an installer that isolates servers itself (`InstallSpec.network`). @default the installer's */
    network?: boolean
  },
): Promise<Candidate | { unchanged: true; version: string }> {
  const { server, slug, pkg, installer, emit, signal } = input
  const notes: string[] = []
  const rules = input.trust?.rules ?? {}
  // The installer calls this as soon as it knows (before unpacking); the result is judged again below.
  const judge = (verification: NonNullable<InstallResult['verification']>, previousPublished: InstallResult['previousPublished'], version: string) =>
    judgeVerification(`${pkg.identifier}@${version}`, verification, rules, input.trust?.baseline ?? baselineFromPublished(previousPublished))
  const staging: Staging = await createStaging(context.layout, slug, `${input.installer.type} ${server.name}`, context.now)
  try {
    signal?.throwIfAborted()
    const result: InstallResult = await timed(
      context,
      emit,
      'install',
      `${pkg.registryType}:${pkg.identifier}${input.version ? `@${input.version}` : ''}`,
      () =>
        installer
          .install(
            {
              server,
              package: pkg,
              ...(input.version === undefined ? {} : { version: input.version }),
              allowScripts: input.allowScripts,
              ...(input.configuration.inputs ? { inputs: input.configuration.inputs } : {}),
              ...(input.ignoreEngines ? { ignoreEngines: true } : {}),
              ...(input.allowNonRegistryDependencies ? { allowNonRegistryDependencies: true } : {}),
              ...(input.network ? { network: true } : {}),
            },
            {
              stagingDir: staging.dir,
              env: context.env,
              ...(input.inactivityTimeoutMs === undefined ? {} : { inactivityTimeoutMs: input.inactivityTimeoutMs }),
              progress: (event) => emit({ ...event, server: server.name }),
              judgeVerification: (verification, about) => judge(verification, about.previousPublished, about.version),
              ...(signal ? { signal } : {}),
            },
          )
          .catch(installerFailure(installer, pkg)),
      (installed) => installed.version,
    )
    const origin = `the ${installer.type} installer`
    if (!result || typeof result.version !== 'string') throw new TektonError('E_INSTALLER_RESULT', `${origin} returned no version`)
    versionDirectoryName(result.version)
    if (!result.integrity || typeof result.integrity.value !== 'string' || typeof result.integrity.source !== 'string') {
      throw new TektonError('E_INSTALLER_RESULT', `${origin} returned no integrity for ${result.version}`, { hint: 'Every install must verify what it downloaded' })
    }
    if (result.verification) judge(result.verification, result.previousPublished, result.version)
    const checkedLaunch = checkLaunchSpec(result.launch, origin)
    const stagedLaunch = input.sandbox ? await sandboxLaunch(context, checkedLaunch, input.sandbox, { slug, installDirectory: staging.dir }) : checkedLaunch
    if (input.sandbox?.note) notes.push(input.sandbox.note)
    const warnings = Array.isArray(result.warnings) ? result.warnings.filter((warning): warning is string => typeof warning === 'string') : []
    notes.push(...warnings)
    if (input.stopIfVersion?.(result.version)) {
      await staging.dispose()
      return { unchanged: true, version: result.version }
    }
    signal?.throwIfAborted()

    let handshakeResult: HandshakeResult | null = null
    let toolDiff: ToolDiff | undefined
    if (input.handshake) {
      const launch = applyConfiguration(stagedLaunch, pkg, input.configuration)
      const environment = buildServerEnvironment(context.env, {}, launch.env)
      handshakeResult = await timed(
        context,
        emit,
        'handshake',
        undefined,
        () =>
          runHandshake(launch, {
            timeoutMs: input.timeoutMs,
            env: environment,
            secrets: secretValues(secretDeclarationsOf({ environmentVariables: declaredVariables(pkg), configuration: input.configuration }), launch.env),
            now: context.now,
            ...(signal ? { signal } : {}),
          }),
        (found) => `${found.serverInfo.name} ${found.serverInfo.version}: ${found.tools.length} ${found.tools.length === 1 ? 'tool' : 'tools'}`,
      )
      toolDiff = input.checkTools?.(handshakeResult, result.version)
    } else {
      notes.push('Handshake skipped: the server was not started, so it is not known to work and its tools are not recorded')
    }
    signal?.throwIfAborted()

    return { version: result.version, staging, result, stagedLaunch, handshake: handshakeResult, ...(toolDiff ? { toolDiff } : {}), notes }
  } catch (error) {
    await staging.dispose()
    if (signal?.aborted && !TektonError.isInstance(error)) throw abortedError(`Installing ${server.name}`, error)
    throw error
  }
}

/**
 * Digest the staged files, rename them into `versions/`, switch the pointer, write the record,
 * then remove what the record no longer names. Until the record is written, a failure undoes
 * the rename and the switch.
 */
export async function commitCandidate(
  context: ServiceContext,
  input: {
    server: ServerMetadata
    ref: string
    slug: string
    pkg: Package
    installer: MCPServerInstaller
    candidate: Candidate
    allowScripts: boolean
    /** The configuration to record; absent: keep the recorded one (read fresh under the state lock). */
    configuration?: InstalledServer['configuration']
    /** The sandbox asked for, recorded for updates; `null` records none; absent keeps the recorded one. */
    sandbox?: InstalledServer['sandbox'] | null
    emit: ProgressListener
    previous: InstalledServer | undefined
    /** The trust report shown for this version: stored with it (and its lint findings). */
    trust?: TrustReport
  },
): Promise<InstalledServer> {
  const { server, slug, candidate, emit, previous } = input
  const link = context.layout.currentLink(slug)
  const previousDirectory = previous?.versions[previous.activeVersion]?.directory
  const directoryName = versionDirectoryName(candidate.version)
  let placed: { directory: string; directoryName: string; manifestFile: string } | undefined
  let switched = false
  let record: InstalledServer
  const removable: string[] = []
  try {
    const versionRecord = await timed(context, emit, 'activate', directoryName, async () => {
      // Digest after the handshake: anything the first start wrote (caches) is part of the install.
      const manifest = await hashTree(candidate.staging.dir)
      const versionsDir = context.layout.versionsDir(slug)
      await mkdir(versionsDir, { recursive: true })
      let finalName = directoryName
      // A reinstall of the active version gets a fresh directory: the old one stays in use until the switch.
      while (await pathExists(path.join(versionsDir, finalName))) finalName = `${directoryName}~${randomBytes(3).toString('hex')}`
      const directory = path.join(versionsDir, finalName)
      const manifestFile = context.layout.manifestFile(slug, finalName)
      await mkdir(path.dirname(manifestFile), { recursive: true })
      await writeFileAtomic(manifestFile, JSON.stringify({ digest: manifest.digest, files: manifest.files }), { mode: 0o644 })
      placed = { directory, directoryName: finalName, manifestFile }
      await rename(candidate.staging.dir, directory)
      await switchPointer(link, directory)
      switched = true
      const { result } = candidate
      const installed: InstalledVersion = {
        version: candidate.version,
        directory,
        installedAt: new Date(context.now()).toISOString(),
        integrity: { value: result.integrity.value, source: result.integrity.source, ...(result.integrity.file ? { file: result.integrity.file } : {}) },
        treeDigest: manifest.digest,
        fileCount: manifest.fileCount,
        launch: relocateLaunchSpec(candidate.stagedLaunch, candidate.staging.dir, directory),
        ...(result.runtime ? { runtime: { name: result.runtime.name, path: result.runtime.path, version: result.runtime.version } } : {}),
        ...(result.details ? { details: JSON.parse(JSON.stringify(result.details)) as Record<string, unknown> } : {}),
        ...(result.warnings && result.warnings.length > 0 ? { warnings: result.warnings.filter((warning) => typeof warning === 'string') } : {}),
        handshake: candidate.handshake,
        ...(result.verification ? { verification: JSON.parse(JSON.stringify(result.verification)) as InstalledVersion['verification'] } : {}),
        ...(input.trust ? { lint: input.trust.lint.findings.map((finding) => ({ ...finding })), trust: JSON.parse(JSON.stringify(input.trust)) as Record<string, unknown> } : {}),
      }
      return installed
    })
    record = await timed(context, emit, 'record', path.basename(context.layout.stateFile), () =>
      context.state.update((state) => {
        removable.length = 0
        const timestamp = new Date(context.now()).toISOString()
        const existing = state.servers[server.name]
        const versions = { ...(existing?.versions ?? {}) }
        const replaced = versions[candidate.version]
        if (replaced && replaced.directory !== versionRecord.directory) removable.push(replaced.directory)
        versions[candidate.version] = versionRecord
        // Keep the active version and the most recent previous ones; older ones go.
        const previousVersions = Object.values(versions)
          .filter((version) => version.version !== candidate.version)
          .sort((left, right) => right.installedAt.localeCompare(left.installedAt))
        for (const stale of previousVersions.slice(context.keepPreviousVersions)) {
          removable.push(stale.directory)
          delete versions[stale.version]
        }
        const recordedSandbox = input.sandbox === undefined ? existing?.sandbox : (input.sandbox ?? undefined)
        const updated: InstalledServer = {
          name: server.name,
          slug,
          ref: input.ref,
          source: recordedSource(server),
          installer: input.installer.type,
          registryType: input.pkg.registryType,
          identifier: input.pkg.identifier,
          activeVersion: candidate.version,
          versions,
          configuration: input.configuration ?? existing?.configuration ?? { env: {}, args: [] },
          environmentVariables: declaredVariables(input.pkg),
          allowScripts: input.allowScripts,
          ...(recordedSandbox ? { sandbox: recordedSandbox } : {}),
          installedAt: existing?.installedAt ?? timestamp,
          updatedAt: timestamp,
        }
        state.servers[server.name] = updated
        return updated
      }),
    )
  } catch (error) {
    if (switched) {
      if (previousDirectory) await switchPointer(link, previousDirectory).catch(() => undefined)
      else await rm(link, { force: true }).catch(() => undefined)
    }
    const undo = placed as { directory: string; manifestFile: string } | undefined
    if (undo) {
      await rm(undo.directory, { recursive: true, force: true, maxRetries: 3 })
      await rm(undo.manifestFile, { force: true })
    }
    throw error
  } finally {
    await candidate.staging.dispose()
  }
  // Recorded: from here on nothing can fail the install; leftovers are the next run's to sweep.
  await timed(context, emit, 'cleanup', undefined, async () => {
    for (const directory of removable) {
      try {
        await rm(directory, { recursive: true, force: true, maxRetries: 3 })
        await rm(context.layout.manifestFile(slug, path.basename(directory)), { force: true })
      } catch (error) {
        candidate.notes.push(`Could not remove ${directory}: ${messageOf(error)}`)
      }
    }
  })
  return record
}
