/**
 * The python installer: an MCP server published on a Python package index, installed into a
 * virtualenv of its own inside the version directory. The order is what makes it safe:
 *   1. the index's listing picks the version (yanked skipped unless pinned exactly, requires-python
 *      checked against the interpreter with PEP 440) before anything is created;
 *   2. pip's own resolver reports the whole closure without installing (`--dry-run --report`);
 *   3. every file of the closure is pinned to the sha256 its index lists (pip's report must agree);
 *   4. pip installs exactly that closure with `--require-hashes --no-deps`, wheels only unless the
 *      server is allowed to run build code; a file that does not match its digest fails the install
 *      and the staging directory is emptied.
 * The launch spec is `<venv>/bin/python <venv>/bin/<console script>`: no `uvx`, no shell, no
 * network at start-up, and nothing written outside the version directory.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { homedir as osHomedir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as pep440 from '@renovatebot/pep440'
import { TektonError, createHttpClient, parseRef, redact } from '@tekton/mcp-discovery'
import type { HttpClient, Package } from '@tekton/mcp-discovery'
import { findOnPath, withoutCredentials } from '@tekton/mcp-discovery/kit'
import type { InstallContext, InstallResult, InstallSpec, InstallStep, LaunchSpec, MCPServerInstaller, ProgressEvent, OwnershipCheck, ReleaseAgeRule, RequirementReport, RuntimeInfo, SignatureCheck, VerificationResult } from '@tekton/mcp-installation'
import { resolvePypiIndex } from '@tekton/mcp-registry-pypi'
import type { ResolvedPypiIndex } from '@tekton/mcp-registry-pypi'
import { z } from 'zod'
import { defaultExec } from './exec'
import type { PythonInstallerExec } from './exec'
import { checkScriptName, chooseEntry, parseEntryPoints, readZipEntry, wheelEntryPoints } from './entry-points'
import type { ServerEntry } from './entry-points'
import { installArgs, parseReport, pipEnvironment, requirementsFile, resolveArgs, runPython } from './pip'
import type { ResolvedDistribution } from './pip'
import { findPython } from './runtime'
import type { PythonProbe } from './runtime'
import { chooseVersion, fetchProjectFiles, label, normalizeProjectName, parsePythonVersionRequest, versionsOf } from './simple-project'
import type { ChosenVersion, IndexFile } from './simple-project'
import { chooseMatureVersion, releaseAgeOf } from './release-age'
import { checkPypiProvenance, pythonFileTrust } from './pypi-provenance'
import { attestationVerifierLoader } from './sigstore'
import type { TrustedRootJson } from './sigstore'

export interface PythonInstallerOptions {
  /**
   * The index to resolve against, instead of pip's configuration (`PIP_INDEX_URL`, pip.conf's
   * `index-url` and `extra-index-url`). pip is then told the same through its environment.
   * @default pip's own configuration, read with `resolvePypiIndex`
   */
  indexUrl?: string
  /** HTTP client for index pages and the plan's wheel. @default `createHttpClient()` */
  http?: HttpClient
  /** The interpreter the venvs are made from. @default `python3` (then `python`) on the PATH of the install's environment */
  pythonPath?: string
  /** Environment for pip's configuration and the programs run, unless a call's context gives one. @default process.env */
  env?: NodeJS.ProcessEnv
  /** Home directory for the user's pip.conf. @default os.homedir() */
  homedir?: string
  /** pip's global configuration files (for tests). @default pip's own (`/etc/xdg/pip/pip.conf`, `/etc/pip.conf`) */
  globalConfigFiles?: readonly string[]
  /** Runs programs (python, pip). @default execa, without a shell */
  exec?: PythonInstallerExec
  now?: () => number
  /** How long each pip run may take, in ms. @default 600000 */
  pipTimeoutMs?: number
  /** Timeout per attempt of index pages and the plan's wheel download, in ms. @default 60000 */
  downloadTimeoutMs?: number
  /**
   * The minimum release age (the policy's `minimumReleaseAgeHours`), asked on each unpinned
   * resolution: versions uploaded after its `publishedBefore` are passed over (see `release-age`).
   * @default none
   */
  minimumReleaseAge?: () => ReleaseAgeRule | undefined | Promise<ReleaseAgeRule | undefined>
  /**
   * The Sigstore trusted root (`trusted_root.json`) PEP 740 attestations are verified against.
   * @default the file named by `TEKTON_MCP_SIGSTORE_TRUSTED_ROOT`, else Sigstore's public-good root, pinned in @tekton/mcp-provenance
   */
  trustedRoot?: TrustedRootJson
}

/** The installer, with its type narrowed. */
export interface PythonInstaller extends MCPServerInstaller {
  readonly type: 'python'
  plan: NonNullable<MCPServerInstaller['plan']>
}

const defaultPipTimeoutMs = 600_000
const defaultDownloadTimeoutMs = 60_000
/** `--dry-run --report` arrived in pip 22.2, `--python` in 22.3. */
const minimumOuterPip = '22.3'
const venvDirectory = 'venv'
const requirementsFileName = 'requirements.txt'
const pythonHint = 'Install Python 3 (https://www.python.org/downloads/, your system packages, or pyenv) and make sure `python3` is on the PATH'
const venvHint = 'Install Python\'s venv module (on Debian and Ubuntu: apt install python3-venv)'

function checkOptions(options: PythonInstallerOptions): void {
  if (typeof options !== 'object' || options === null) throw new TektonError('E_CONFIG', `${label} createPythonInstaller expects an options object`)
  if (options.indexUrl !== undefined && (typeof options.indexUrl !== 'string' || !/^https?:\/\//i.test(options.indexUrl))) {
    throw new TektonError('E_CONFIG', `${label} the indexUrl option must be an http(s) URL, got ${JSON.stringify(redact(String(options.indexUrl)))}`)
  }
  if (options.http !== undefined && (typeof options.http.getBytes !== 'function' || typeof options.http.getJson !== 'function')) {
    throw new TektonError('E_CONFIG', `${label} the http option must be an HttpClient (createHttpClient())`)
  }
  if (options.pythonPath !== undefined && (typeof options.pythonPath !== 'string' || !path.isAbsolute(options.pythonPath))) {
    throw new TektonError('E_CONFIG', `${label} the pythonPath option must be an absolute path, got ${JSON.stringify(options.pythonPath)}`)
  }
  for (const name of ['exec', 'now', 'minimumReleaseAge'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TektonError('E_CONFIG', `${label} the ${name} option must be a function`)
  }
  if (options.trustedRoot !== undefined && (typeof options.trustedRoot !== 'object' || options.trustedRoot === null || Array.isArray(options.trustedRoot))) {
    throw new TektonError('E_CONFIG', `${label} the trustedRoot option must be a Sigstore trusted_root.json object`)
  }
  for (const name of ['pipTimeoutMs', 'downloadTimeoutMs'] as const) {
    const value = options[name]
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      throw new TektonError('E_CONFIG', `${label} the ${name} option must be a positive number of milliseconds`)
    }
  }
}

/** The project name of a pypi package entry, checked like a ref (no version, no path tricks). */
function projectNameOf(pkg: Package): string {
  if (typeof pkg !== 'object' || pkg === null || pkg.registryType !== 'pypi') {
    throw new TektonError('E_INVALID_INPUT', `${label} can only install pypi packages, got registryType ${JSON.stringify(pkg?.registryType)}`)
  }
  const ref = parseRef(`pypi:${pkg.identifier}`)
  if (ref.version !== undefined) {
    throw new TektonError('E_INVALID_INPUT', `${label} the package identifier ${JSON.stringify(pkg.identifier)} carries a version`, {
      hint: 'Give the version separately (InstallSpec.version or package.version)',
    })
  }
  if (!/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(ref.id)) {
    throw new TektonError('E_INVALID_INPUT', `${label} ${JSON.stringify(pkg.identifier)} is not a Python project name`)
  }
  return ref.id
}

/** The venv's python and scripts directory, by platform. */
export function venvPaths(root: string, platform: NodeJS.Platform = process.platform): { python: string; scripts: string } {
  const venv = path.join(root, venvDirectory)
  return platform === 'win32' ? { python: path.join(venv, 'Scripts', 'python.exe'), scripts: path.join(venv, 'Scripts') } : { python: path.join(venv, 'bin', 'python'), scripts: path.join(venv, 'bin') }
}

/** The launch spec for an entry inside the venv rooted at `root`. */
export function launchFor(root: string, entry: ServerEntry, platform: NodeJS.Platform = process.platform): LaunchSpec {
  const { python, scripts } = venvPaths(root, platform)
  if (entry.kind === 'module') return { command: python, args: ['-m', entry.module], env: {} }
  // Run by the venv's python, not as `#!` script: the shebang names the staging path.
  const script = path.join(scripts, platform === 'win32' ? `${entry.name}-script.py` : entry.name)
  return { command: python, args: [script], env: {} }
}

/** Whether pip version `version` is at least `minimum`. */
function pipAtLeast(version: string | undefined, minimum: string): boolean {
  if (version === undefined) return false
  const clean = pep440.clean(version)
  return clean !== null && pep440.gte(clean, minimum)
}

/** `sha256:<hex>` of bytes. */
function sha256Of(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Creates the python installer. Nothing is read or spawned until the first call. */
export function createPythonInstaller(options: PythonInstallerOptions = {}): PythonInstaller {
  checkOptions(options)
  const http = options.http ?? createHttpClient()
  const exec = options.exec ?? defaultExec
  const now = options.now ?? Date.now
  const pipTimeoutMs = options.pipTimeoutMs ?? defaultPipTimeoutMs
  const downloadTimeoutMs = options.downloadTimeoutMs ?? defaultDownloadTimeoutMs
  const loadVerifier = attestationVerifierLoader(options.trustedRoot)

  const envOf = (context: { env?: NodeJS.ProcessEnv | undefined }): NodeJS.ProcessEnv => context.env ?? options.env ?? process.env

  /** pip's environment for this install: the user's, with the indexUrl option passed the way pip reads it. */
  function pipEnvFor(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    const pipEnv = pipEnvironment(env)
    if (options.indexUrl !== undefined) pipEnv.PIP_INDEX_URL = options.indexUrl
    return pipEnv
  }

  async function indexesFor(env: NodeJS.ProcessEnv): Promise<{ resolved: ResolvedPypiIndex; indexes: string[] }> {
    const resolved = await resolvePypiIndex({
      env,
      homedir: options.homedir ?? env.HOME ?? osHomedir(),
      ...(options.indexUrl !== undefined ? { indexUrl: options.indexUrl } : {}),
      ...(options.globalConfigFiles !== undefined ? { globalConfigFiles: options.globalConfigFiles } : {}),
    })
    return { resolved, indexes: [resolved.indexUrl, ...resolved.extraIndexUrls] }
  }

  async function requirePython(env: NodeJS.ProcessEnv, signal: AbortSignal | undefined): Promise<{ runtime: RuntimeInfo; probe: PythonProbe }> {
    const lookup = await findPython({ pythonPath: options.pythonPath, env, exec, signal })
    if (lookup.runtime === undefined || lookup.probe === undefined) throw new TektonError('E_REQUIREMENTS', `${label} ${lookup.problem ?? 'python3 was not found'}`, { hint: pythonHint })
    if (!lookup.probe.venv) throw new TektonError('E_REQUIREMENTS', `${label} ${lookup.runtime.path} has no venv module`, { hint: venvHint })
    if (!pipAtLeast(lookup.probe.pip, minimumOuterPip) && !lookup.probe.ensurepip) {
      throw new TektonError('E_REQUIREMENTS', `${label} ${lookup.runtime.path} has neither pip ${minimumOuterPip} or later nor ensurepip to put pip into a venv`, {
        hint: 'Install pip for this Python (python3 -m ensurepip --upgrade, or apt install python3-pip python3-venv)',
      })
    }
    return { runtime: lookup.runtime, probe: lookup.probe }
  }

  interface Chosen {
    project: string
    indexes: string[]
    resolved: ResolvedPypiIndex
    chosen: ChosenVersion
    /** Every file the indexes list for the project (the no-downgrade baseline reads the previous version's). */
    files: IndexFile[]
    runtime: RuntimeInfo
    probe: PythonProbe
  }

  /** Everything decided before anything is created: the index, the interpreter, the version. */
  async function choose(spec: InstallSpec, env: NodeJS.ProcessEnv, signal: AbortSignal | undefined): Promise<Chosen> {
    const project = projectNameOf(spec.package)
    const request = parsePythonVersionRequest(spec.version)
    const [{ resolved, indexes }, python] = await Promise.all([indexesFor(env), requirePython(env, signal)])
    const files = await fetchProjectFiles(http, indexes, project, { signal, timeoutMs: downloadTimeoutMs })
    const releaseAge = request.kind === 'exact' ? undefined : await options.minimumReleaseAge?.()
    const chosen = chooseMatureVersion(project, versionsOf(project, files), request, { pythonVersion: python.runtime.version, allowSdists: spec.allowScripts ?? false }, releaseAge)
    return { project, indexes, resolved, chosen, files, ...python }
  }

  /** The bytes of an index file: over http(s) with the shared client, or read from a `file:` index. */
  async function download(file: IndexFile, signal: AbortSignal | undefined): Promise<Uint8Array> {
    if (file.url.startsWith('file:')) return readFile(fileURLToPath(file.url))
    const response = await http.getBytes(file.url, { source: 'installer-python', timeoutMs: downloadTimeoutMs, ...(signal ? { signal } : {}) })
    return response.data
  }

  /** The provenance of the file an install starts from, and the previous published version's (see ./pypi-provenance). */
  function trustOf(project: string, chosen: Chosen, file: IndexFile, sha256: string, env: NodeJS.ProcessEnv, signal: AbortSignal | undefined) {
    return pythonFileTrust({ http, loadVerifier: () => loadVerifier(env), candidates: versionsOf(project, chosen.files), version: chosen.chosen.version, file, sha256, signal, timeoutMs: downloadTimeoutMs })
  }

  /** Emits start/done progress around `work`. */
  async function step<T>(progress: ((event: ProgressEvent) => void) | undefined, name: InstallStep, detail: string, work: () => Promise<T> | T): Promise<T> {
    progress?.({ step: name, phase: 'start', detail })
    const started = now()
    const result = await work()
    progress?.({ step: name, phase: 'done', detail, durationMs: now() - started })
    return result
  }

  /**
   * Pins each distribution of the closure to the digest its index lists. pip's report must agree
   * where it names one; a file no index lists with a sha256 (find-links, an index without hashes)
   * cannot be checked and is refused.
   */
  async function pinClosure(closure: readonly ResolvedDistribution[], indexes: readonly string[], what: string, signal: AbortSignal | undefined): Promise<Array<ResolvedDistribution & { sha256: string; index: string }>> {
    return Promise.all(
      closure.map(async (distribution) => {
        const listed = await fetchProjectFiles(http, indexes, distribution.name, { signal, timeoutMs: downloadTimeoutMs })
        const file = listed.find((entry) => entry.filename === distribution.filename && entry.sha256 !== undefined)
        if (file?.sha256 === undefined) {
          throw new TektonError('E_INTEGRITY_MISSING', `${label} no index lists a sha256 for ${distribution.filename} (${distribution.name} ${distribution.version}, needed by ${what}); refusing it`, {
            hint: 'Files found through find-links, or on an index without hashes, cannot be checked; serve them from an index that publishes sha256 digests',
          })
        }
        if (distribution.sha256 !== undefined && distribution.sha256 !== file.sha256) {
          throw new TektonError('E_INTEGRITY_MISMATCH', `${label} pip resolved ${distribution.filename} with sha256 ${distribution.sha256}, but ${file.index} lists ${file.sha256}; nothing was installed`, {
            hint: 'Two indexes serve different files under one name, or one changed; do not install it until the index operator explains',
          })
        }
        return { ...distribution, sha256: file.sha256, index: file.index }
      }),
    )
  }

  /** Removes what this install created in the staging directory, leaving what was there before. */
  async function removeCreated(stagingDir: string, before: ReadonlySet<string>): Promise<void> {
    let entries: string[]
    try {
      entries = await readdir(stagingDir)
    } catch {
      return
    }
    await Promise.all(entries.filter((entry) => !before.has(entry)).map((entry) => rm(path.join(stagingDir, entry), { recursive: true, force: true })))
  }

  /**
   * `verify`: the provenance of the installed file again (the index's link now, verified against
   * the sha256 recorded at install time) and ownership from the installed METADATA.
   */
  async function verifyInstalled(record: Parameters<NonNullable<MCPServerInstaller['verifyInstalled']>>[0], context: { env?: NodeJS.ProcessEnv; signal?: AbortSignal }): Promise<VerificationResult> {
    const env = envOf(context)
    const details = RecordedDetailsSchema.safeParse(record.details ?? {})
    const project = details.success && details.data.name ? details.data.name : projectNameOf(record.package)
    const closure = details.success ? details.data.closure : []
    const top = closure.find((distribution) => normalizeProjectName(distribution.name) === normalizeProjectName(project))
    if (top === undefined) throw new TektonError('E_INVALID_INPUT', `${label} the record of ${project} ${record.version} names no installed file to verify`, { hint: 'Reinstall the server to record it' })
    const { indexes } = await indexesFor(env)
    const listed = await fetchProjectFiles(http, indexes, project, { signal: context.signal, timeoutMs: downloadTimeoutMs })
    const file = listed.find((candidate) => candidate.filename === top.file) ?? { filename: top.file, url: '', index: withoutCredentials(indexes[0] ?? '') }
    const provenance = await checkPypiProvenance({ http, loadVerifier: () => loadVerifier(env), file, sha256: top.sha256, signal: context.signal, timeoutMs: downloadTimeoutMs })
    const entry = await installedEntry(record.directory, project, record.version).catch(() => undefined)
    const metadata = entry ? await readFile(entry.metadataFile, 'utf8').catch(() => '') : ''
    return { signature: noSignatures, provenance, ownership: pypiOwnership(record.registryName, metadata), digests: `${closure.length} ${closure.length === 1 ? 'file' : 'files'} pinned at install time (requirements.txt)` }
  }

  return {
    specVersion: 'v1',
    type: 'python',
    registryTypes: ['pypi'],
    verifyInstalled,

    async checkRequirements(pkg, context) {
      const env = envOf(context)
      const checks: RequirementReport['checks'] = []
      const lookup = await findPython({ pythonPath: options.pythonPath, env, exec, signal: context.signal })
      const { runtime, probe } = lookup
      checks.push(
        runtime && probe
          ? { requirement: 'python', ok: true, found: `python ${runtime.version} at ${runtime.path}` }
          : { requirement: 'python', ok: false, found: lookup.problem ?? 'not found', hint: pythonHint },
      )
      if (probe) {
        checks.push(probe.venv ? { requirement: 'venv', ok: true, found: 'venv module present' } : { requirement: 'venv', ok: false, found: 'no venv module', hint: venvHint })
        const pipOk = pipAtLeast(probe.pip, minimumOuterPip) || probe.ensurepip
        checks.push({
          requirement: 'pip',
          ok: pipOk,
          found: probe.pip ? `pip ${probe.pip}${pipAtLeast(probe.pip, minimumOuterPip) ? '' : ' (too old to drive a venv; ensurepip puts a newer one in it)'}` : probe.ensurepip ? 'no pip; ensurepip puts one into each venv' : 'no pip and no ensurepip',
          ...(pipOk ? {} : { hint: 'Install pip for this Python (python3 -m ensurepip --upgrade, or apt install python3-pip)' }),
        })
      }
      const uv = await findOnPath('uv', env)
      checks.push({ requirement: 'uv (optional)', ok: true, found: uv ? `uv at ${uv} (optional; pip is used)` : 'uv not found (optional)' })
      if (runtime && probe) {
        const project = projectNameOf(pkg)
        const { indexes } = await indexesFor(env)
        const files = await fetchProjectFiles(http, indexes, project, { signal: context.signal, timeoutMs: downloadTimeoutMs })
        try {
          const chosen = chooseVersion(project, versionsOf(project, files), parsePythonVersionRequest(pkg.version), { pythonVersion: runtime.version, allowSdists: false })
          const range = chosen.candidate.requiresPython
          if (range !== undefined) checks.push({ requirement: `python ${range} (requires-python of ${project} ${chosen.version})`, ok: true, found: `python ${runtime.version} satisfies requires-python ${range}` })
        } catch (error) {
          if (!(TektonError.isInstance(error) && error.code === 'E_REQUIREMENTS')) throw error
          checks.push({ requirement: `requires-python of ${project}`, ok: false, found: error.message.replace(`${label} `, ''), ...(error.hint ? { hint: error.hint } : {}) })
        }
      }
      return { ok: checks.every((check) => check.ok), ...(runtime ? { runtime } : {}), checks }
    },

    async plan(spec, context) {
      const env = envOf(context)
      const decided = await choose(spec, env, context.signal)
      const { project, chosen } = decided
      const what = `${project} ${chosen.version}`
      const notes = [...chosen.notes]
      const directory = context.directoryFor(chosen.version)
      const wheel = chosen.candidate.wheels[0]
      if (wheel === undefined) {
        notes.push(`${what} is built from source; its console script is known only once it is built`)
        return { version: chosen.version, launch: launchFor(directory, { kind: 'script', name: project }), notes }
      }
      // The plan shows what would run, read from the wheel itself, checked against the index's digest first.
      const bytes = await download(wheel, context.signal)
      if (wheel.sha256 === undefined || sha256Of(bytes) !== wheel.sha256) {
        throw new TektonError(wheel.sha256 === undefined ? 'E_INTEGRITY_MISSING' : 'E_INTEGRITY_MISMATCH', `${label} ${wheel.filename} ${wheel.sha256 === undefined ? 'has no sha256 on its index' : 'does not match the sha256 its index lists'}; refusing it`, {
          hint: 'Do not install it; tell the index operator',
        })
      }
      const entry = chooseEntry(project, chosen.version, wheelEntryPoints(bytes), mainModuleInWheel(bytes, project))
      if (entry.kind === 'script') checkScriptName(entry.name, what)
      const metadata = readZipEntry(bytes, (name) => /^[^/]+\.dist-info\/METADATA$/.test(name))?.data.toString('utf8') ?? ''
      const mcpSigns = mcpDependencies(metadata).map((dependency) => `depends on ${dependency}`)
      if (!(spec.allowScripts ?? false)) notes.push('Wheels only: a dependency without a wheel fails the install (allow install scripts for this server to build it)')
      const { provenance, previousPublished } = await trustOf(project, decided, wheel, wheel.sha256, env, context.signal)
      const verification: VerificationResult = {
        signature: noSignatures,
        provenance,
        ownership: pypiOwnership(spec.server.registryName, metadata),
        digests: `${wheel.filename} matches the sha256 its index lists; the install pins every file to its index's sha256 (pip --require-hashes)`,
      }
      return { version: chosen.version, launch: launchFor(directory, entry), notes, ...(mcpSigns.length > 0 ? { mcpSigns } : {}), verification, ...(previousPublished ? { previousPublished } : {}) }
    },

    async install(spec, context: InstallContext): Promise<InstallResult> {
      const { stagingDir, signal, progress } = context
      if (typeof stagingDir !== 'string' || !path.isAbsolute(stagingDir)) {
        throw new TektonError('E_INVALID_INPUT', `${label} the staging directory must be an absolute path, got ${JSON.stringify(stagingDir)}`)
      }
      const env = envOf(context)
      const allowSdists = spec.allowScripts ?? false
      await mkdir(stagingDir, { recursive: true })
      const before = new Set(await readdir(stagingDir))
      try {
        // Nothing is created until the version and the interpreter are known to fit.
        const decided = await step(progress, 'requirements', spec.package.identifier, () => choose(spec, env, signal))
        const { project, indexes, chosen, runtime, probe } = decided
        const what = `${project} ${chosen.version}`
        const pipEnv = pipEnvFor(env)
        const paths = venvPaths(stagingDir)
        // With a recent pip of its own, the interpreter's pip resolves (same interpreter, so the
        // same markers and tags) while the venv is created beside it, and then installs into the
        // venv without a pip of its own; otherwise `ensurepip` puts one into the venv first.
        const outerPip = pipAtLeast(probe.pip, minimumOuterPip)
        const createVenv = () =>
          step(progress, 'install', `venv for ${what}`, () =>
            runPython(exec, runtime.path, ['-m', 'venv', ...(outerPip ? ['--without-pip'] : []), path.join(stagingDir, venvDirectory)], {
              cwd: stagingDir,
              env: pipEnv,
              signal,
              timeoutMs: pipTimeoutMs,
              what,
              step: 'venv creation',
            }),
          )
        const resolveClosure = (file: string, prefix: readonly string[]) =>
          step(progress, 'resolve', what, async () => {
            const result = await runPython(exec, file, [...prefix, ...resolveArgs(`${project}==${chosen.version}`, allowSdists)], {
              cwd: stagingDir,
              env: pipEnv,
              signal,
              timeoutMs: pipTimeoutMs,
              what,
              step: 'resolution',
            })
            return parseReport(result.stdout, what)
          })
        let closure: ResolvedDistribution[]
        if (outerPip) {
          // Both settle before anything is thrown, so the cleanup never races a venv still being written.
          const [created, resolved] = await Promise.allSettled([createVenv(), resolveClosure(runtime.path, ['-m', 'pip'])])
          if (created.status === 'rejected') throw created.reason
          if (resolved.status === 'rejected') throw resolved.reason
          closure = resolved.value
        } else {
          await createVenv()
          closure = await resolveClosure(paths.python, ['-m', 'pip'])
        }
        // pip's own runner under the venv's python is what `pip --python` does, minus one start.
        const pip = outerPip
          ? probe.pipRunner
            ? { file: paths.python, prefix: [probe.pipRunner] }
            : { file: runtime.path, prefix: ['-m', 'pip', '--python', paths.python] }
          : { file: paths.python, prefix: ['-m', 'pip'] }
        const top = closure.find((distribution) => distribution.name === normalizeProjectName(project))
        if (top === undefined || !pep440.eq(top.version, chosen.version)) {
          throw new TektonError('E_PACKAGE_MISMATCH', `${label} pip resolved ${top ? `${top.name} ${top.version}` : 'a closure without the server'} when asked for ${what}`, {
            hint: 'A constraint in pip.conf may pin another version; check `pip config list`',
          })
        }

        const pinned = await step(progress, 'verify', `${closure.length} files pinned to their index digests`, () => pinClosure(closure, indexes, what, signal))
        const topPin = pinned.find((distribution) => distribution.name === top.name) as (typeof pinned)[number]
        const digests = `${pinned.length} ${pinned.length === 1 ? 'file' : 'files'} pinned to the sha256 ${pinned.length === 1 ? 'its index lists' : 'their index lists'} (pip --require-hashes)`
        // The trust rules are applied before pip installs anything: a refused file never reaches the venv.
        const topFile = chosen.candidate.files.find((file) => file.filename === topPin.filename) ?? { filename: topPin.filename, url: '', index: topPin.index }
        const { provenance, previousPublished } = await trustOf(project, decided, topFile, topPin.sha256, env, signal)
        context.judgeVerification?.({ signature: noSignatures, provenance, ownership: { status: 'unverified', detail: "not yet: the distribution's METADATA is read once installed" }, digests }, { version: chosen.version, previousPublished })
        const requirements = path.join(stagingDir, requirementsFileName)
        await writeFile(requirements, requirementsFile(pinned), { flag: 'wx', mode: 0o644 })

        await step(progress, 'download', `${closure.length} files by pip --require-hashes`, () =>
          runPython(exec, pip.file, [...pip.prefix, ...installArgs(requirements, allowSdists)], { cwd: stagingDir, env: pipEnv, signal, timeoutMs: pipTimeoutMs, what, step: 'installation' }),
        )

        const entry = await installedEntry(stagingDir, project, chosen.version)
        if (entry.kind === 'script') {
          checkScriptName(entry.name, what)
          const launch = launchFor(stagingDir, entry)
          if (!(await isFile(launch.args[0] as string))) {
            throw new TektonError('E_NO_BIN', `${label} ${what}'s console script ${entry.name} is not in the venv`, { hint: 'The package is broken; try another version' })
          }
        }
        const launch = launchFor(stagingDir, entry)
        return {
          version: chosen.version,
          launch,
          integrity: { value: `sha256:${topPin.sha256}`, source: 'pypi digests', file: topPin.filename },
          // What a Python index lets us check is the digests: each file is pinned to the one its index lists.
          verification: {
            signature: noSignatures,
            provenance,
            ownership: pypiOwnership(spec.server.registryName, await readFile(entry.metadataFile, 'utf8').catch(() => '')),
            digests,
            ...releaseAgeOf(chosen.candidate, now()),
          },
          ...(previousPublished ? { previousPublished } : {}),
          runtime,
          details: {
            name: project,
            index: withoutCredentials(topPin.index),
            closure: pinned.map((distribution) => ({ name: distribution.name, version: distribution.version, file: distribution.filename, sha256: distribution.sha256 })),
            entry: entry.kind === 'script' ? entry.name : `-m ${entry.module}`,
            lockfile: requirementsFileName,
            python: runtime.version,
            sdists: allowSdists ? 'allowed' : 'refused',
            ...(chosen.notes.length > 0 ? { notes: chosen.notes } : {}),
          },
        }
      } catch (error) {
        await removeCreated(stagingDir, before)
        throw error
      }
    },
  }
}

/** What an install recorded (`InstallResult.details`) that `verify` needs: the project and its pinned closure. */
const RecordedDetailsSchema = z.object({
  name: z.string().optional(),
  closure: z.array(z.object({ name: z.string(), version: z.string(), file: z.string(), sha256: z.string() })).catch([]),
})

/** Python indexes sign nothing themselves: what they offer instead is digests and PEP 740 attestations. */
const noSignatures: SignatureCheck = { status: 'not-applicable', detail: 'Python indexes publish no registry signatures' }

/** Requirements in wheel METADATA that name the MCP SDKs. */
function mcpDependencies(metadata: string): string[] {
  const found = new Set<string>()
  for (const match of metadata.matchAll(/^Requires-Dist:\s*([A-Za-z0-9._-]+)/gim)) {
    const name = normalizeProjectName(match[1] ?? '')
    if (name === 'mcp' || name === 'fastmcp') found.add(name)
  }
  return [...found]
}

/** A top-level `<project>/__main__.py` in the wheel, for servers started with `python -m`. */
function mainModuleInWheel(wheel: Uint8Array, project: string): string | undefined {
  const module = normalizeProjectName(project).replace(/-/g, '_')
  return readZipEntry(wheel, (name) => name === `${module}/__main__.py`) ? module : undefined
}

/** The official registry's name grammar, `namespace/name`, after the `mcp-name: ` marker. */
const markedName = /(?:^|[^A-Za-z0-9_-])mcp-name: ([a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?\/[a-zA-Z0-9](?:[a-zA-Z0-9._-]*[a-zA-Z0-9])?)/

/**
 * Ownership from the installed distribution's METADATA (its description carries the registry's
 * `mcp-name: <name>` marker, at a word boundary: `xmcp-name:` is not one) against the MCP registry
 * name the server is listed under.
 */
export function pypiOwnership(registryName: string | undefined, metadata: string): OwnershipCheck {
  const claimed = markedName.exec(metadata)?.[1]
  if (registryName === undefined) {
    return { status: 'unverified', detail: claimed ? `the description claims ${claimed} (mcp-name:) but the server was not found through the MCP registry` : 'no MCP registry name to compare (not listed in the registry, no mcp-name: marker)' }
  }
  if (claimed === undefined) return { status: 'unverified', detail: `listed as ${registryName}, but the description has no mcp-name: marker` }
  if (claimed !== registryName) return { status: 'mismatch', detail: `listed as ${registryName}, but the description claims mcp-name: ${claimed}` }
  return { status: 'verified', by: 'pypi mcp-name marker', detail: `the description claims ${claimed}` }
}

/** The entry of the installed distribution, read from its `.dist-info` in the venv's site-packages. */
async function installedEntry(stagingDir: string, project: string, version: string): Promise<ServerEntry & { metadataFile: string }> {
  const venv = path.join(stagingDir, venvDirectory)
  const libRoots = process.platform === 'win32' ? [path.join(venv, 'Lib')] : (await readdir(path.join(venv, 'lib')).catch(() => [] as string[])).map((entry) => path.join(venv, 'lib', entry))
  const normalized = normalizeProjectName(project)
  for (const lib of libRoots) {
    const sitePackages = path.join(lib, process.platform === 'win32' ? '' : 'site-packages')
    const entries = await readdir(sitePackages).catch(() => [] as string[])
    const distInfo = entries.find((entry) => {
      if (!entry.endsWith('.dist-info')) return false
      const stem = entry.slice(0, -'.dist-info'.length)
      const dash = stem.lastIndexOf('-')
      const installedVersion = pep440.clean(stem.slice(dash + 1))
      return normalizeProjectName(stem.slice(0, dash)) === normalized && installedVersion !== null && pep440.eq(installedVersion, version)
    })
    if (distInfo === undefined) continue
    const text = await readFile(path.join(sitePackages, distInfo, 'entry_points.txt'), 'utf8').catch(() => '')
    const module = normalized.replace(/-/g, '_')
    const hasMain = await isFile(path.join(sitePackages, module, '__main__.py'))
    return { ...chooseEntry(project, version, parseEntryPoints(text), hasMain ? module : undefined), metadataFile: path.join(sitePackages, distInfo, 'METADATA') }
  }
  throw new TektonError('E_PACKAGE_MISMATCH', `${label} pip finished but ${project} ${version} is not in the venv`, { hint: 'The wheel may hold another project than its index says; do not install it' })
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile()
  } catch {
    return false
  }
}
