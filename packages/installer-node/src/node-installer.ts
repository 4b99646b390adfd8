/**
 * The node installer: an MCP server published on npm, installed into a prefix of its own from a
 * tarball whose sha512 was checked before anything was unpacked, with install scripts off, and
 * launched as `<absolute node> <absolute bin>`: no `npx`, no shell, no network at start-up.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { TektonError, createHttpClient, parseRef, redact } from '@tekton/mcp-discovery'
import type { HttpClient, Package } from '@tekton/mcp-discovery'
import { resolvePackageLaunch } from '@tekton/mcp-installation'
import type { InstallContext, InstallResult, InstallSpec, InstallStep, LaunchSpec, MCPServerInstaller, ProgressEvent, RequirementReport, RuntimeInfo } from '@tekton/mcp-installation'
import { findOnPath, withoutCredentials } from '@tekton/mcp-discovery/kit'
import { normalizeRegistryUrl, registryFor, resolveNpmRegistry } from '@tekton/mcp-registry-npm'
import type { NpmExec, NpmRegistryTarget, ResolvedNpmRegistry } from '@tekton/mcp-registry-npm'
import semver from 'semver'
import { z } from 'zod'
import { defaultExec } from './exec'
import type { NodeInstallerExec } from './exec'
import { requireSha512, verifyIntegrity } from './integrity'
import { nerfDart, npmCiArgs, npmConfiguration, npmLockfileArgs, runNpm, tail, tarballFileName } from './npm'
import { fetchTree, restoreResolved, rewriteResolved, treeTarballDirectory } from './fetch-tree'
import { startMetadataProxy } from './metadata-proxy'
import { createPackumentSource } from './packument-source'
import { resolveTree } from './resolve-tree'
import { readTarballManifest } from './tarball-manifest'
import { judgeTree, nonRegistrySpecs, parseLockfile, unsafeDependencyError } from './tree'
import { createUnpackBudget, measureTarball } from './unpacked-size'
import type { ReleaseAgeRule } from './packument'
import { authorization, binsOf, enginesNodeOf, fetchPackument, hasInstallScripts, label, mcpDependenciesOf, parseVersionRequest, selectVersion } from './packument'
import type { InstallPackument, SelectedVersion } from './packument'
import { findNode } from './runtime'
import { createKeysLoader } from './registry-signatures'
import { createAttestationVerifier, trustedRootFromEnvironment } from '@tekton/mcp-provenance'
import type { AttestationVerifier, SigstoreTrustedRootJson } from '@tekton/mcp-provenance'
import { createVersionVerifier, npmOwnership } from './verify-version'

export interface NodeInstallerOptions {
  /**
   * The registry: a URL (its token from `token`, or from `.npmrc`; scope registries still come
   * from npm's configuration), or a configuration already resolved with `resolveNpmRegistry`.
   * @default npm's own configuration (`resolveNpmRegistry` with `env`, `cwd` and `homedir`)
   */
  registry?: string | ResolvedNpmRegistry
  /** Bearer token for `registry` when it is given as a URL. @default the `_authToken` configured for it */
  token?: string
  /** HTTP client for packuments and tarballs. @default `createHttpClient()` with a rate limit of 200 requests a second (burst 64) */
  http?: HttpClient
  /** The npm to run. @default `npm` on the PATH of the install's environment */
  npmPath?: string
  /** The node recorded in launch specs. @default `node` on the PATH of the install's environment */
  nodePath?: string
  /** Environment for npm configuration and the programs run, unless a call's context gives one. @default process.env */
  env?: NodeJS.ProcessEnv
  /** Where the project `.npmrc` search starts. @default process.cwd() */
  cwd?: string
  /** Home directory for `~/.npmrc`. @default os.homedir() */
  homedir?: string
  /** Runs programs (npm, `node --version`). @default execa, without a shell */
  exec?: NodeInstallerExec
  now?: () => number
  /**
   * A minimum release age for unpinned resolutions (a range, a tag, the latest): asked on each
   * resolution, so a policy read per run applies. Versions published after its `publishedBefore`
   * are passed over; an exact version is never held back. @default none
   */
  minimumReleaseAge?: () => ReleaseAgeRule | undefined | Promise<ReleaseAgeRule | undefined>
  /**
   * A wall-clock limit on `npm install`, in ms. @default none: npm runs as long as it makes
   * progress (see `npmInactivityTimeoutMs`), since a native build on a busy machine can take long
   */
  npmTimeoutMs?: number
  /**
   * npm is stopped (`E_NPM_STALLED`) when neither it nor anything it started (node-gyp, a
   * compiler, a script) has written a line or used CPU for this long, in ms.
   * An install's own `inactivityTimeoutMs` (its context) comes first.
   * @default `TEKTON_MCP_NPM_INACTIVITY_TIMEOUT` (seconds) from the environment, else 300000 (5 minutes)
   */
  npmInactivityTimeoutMs?: number
  /** Timeout per attempt of the tarball download, in ms. @default 60000 */
  downloadTimeoutMs?: number
  /** Most bytes the whole dependency tree may unpack to (checked before npm unpacks anything). @default 2 GiB */
  maxUnpackedBytes?: number
  /** Most files the whole dependency tree may unpack to. @default 200000 */
  maxUnpackedFiles?: number
  /**
   * Verify each version before it is unpacked: the registry's signatures (where it serves keys),
   * the provenance attestation (where there is one) and, once installed, the package's `mcpName`.
   * What is found is reported as `verification`; the installation service's trust rules judge it.
   * Off only for measuring what verification costs. @default true
   */
  verify?: boolean
  /**
   * The Sigstore trusted root provenance is verified against (a private Sigstore, a test one).
   * @default the `trusted_root.json` named by `TEKTON_MCP_SIGSTORE_TRUSTED_ROOT`, else Sigstore's public-good root, pinned in this package
   */
  trustedRoot?: SigstoreTrustedRootJson
}

/** The installer, with its type narrowed. */
export interface NodeInstaller extends MCPServerInstaller {
  readonly type: 'node'
  plan: NonNullable<MCPServerInstaller['plan']>
}

const InstalledManifestSchema = z.object({
  name: z.string(),
  version: z.string(),
  bin: z.unknown().optional(),
  /** The MCP registry name the package claims (the registry's ownership proof for npm). */
  mcpName: z.string().optional().catch(undefined),
})

const defaultNpmInactivityTimeoutMs = 300_000
/** The environment variable with the inactivity limit, in seconds. */
export const npmInactivityTimeoutVariable = 'TEKTON_MCP_NPM_INACTIVITY_TIMEOUT'
const defaultDownloadTimeoutMs = 60_000
const nodeHint = 'Install Node.js (https://nodejs.org, or a version manager such as nvm) and make sure `node` is on the PATH'
const npmHint = 'Install npm (it comes with Node.js) and make sure `npm` is on the PATH, or pass the npmPath option'

function checkOptions(options: NodeInstallerOptions): void {
  if (typeof options !== 'object' || options === null) throw new TektonError('E_CONFIG', `${label} createNodeInstaller expects an options object`)
  if (typeof options.registry === 'string') normalizeRegistryUrl(options.registry, 'the registry option')
  else if (options.registry !== undefined && (typeof options.registry !== 'object' || typeof options.registry.baseUrl !== 'string')) {
    throw new TektonError('E_CONFIG', `${label} the registry option must be a URL or the result of resolveNpmRegistry()`)
  }
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token.trim() === '')) {
    throw new TektonError('E_CONFIG', `${label} the token option must be a non-empty string`, { hint: 'Leave token out to use the one in .npmrc' })
  }
  if (options.http !== undefined && (typeof options.http.getJson !== 'function' || typeof options.http.getBytes !== 'function')) {
    throw new TektonError('E_CONFIG', `${label} the http option must be an HttpClient (createHttpClient())`)
  }
  for (const name of ['npmPath', 'nodePath'] as const) {
    const value = options[name]
    if (value !== undefined && (typeof value !== 'string' || !path.isAbsolute(value))) {
      throw new TektonError('E_CONFIG', `${label} the ${name} option must be an absolute path, got ${JSON.stringify(value)}`)
    }
  }
  for (const name of ['exec', 'now'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TektonError('E_CONFIG', `${label} the ${name} option must be a function`)
  }
  for (const name of ['npmTimeoutMs', 'npmInactivityTimeoutMs', 'downloadTimeoutMs', 'maxUnpackedBytes', 'maxUnpackedFiles'] as const) {
    const value = options[name]
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      throw new TektonError('E_CONFIG', `${label} the ${name} option must be a positive number of milliseconds`)
    }
  }
}

/** The package name of an npm package entry, checked like a ref (no version, no path tricks). */
function packageNameOf(pkg: Package): string {
  if (typeof pkg !== 'object' || pkg === null || pkg.registryType !== 'npm') {
    throw new TektonError('E_INVALID_INPUT', `${label} can only install npm packages, got registryType ${JSON.stringify(pkg?.registryType)}`)
  }
  const ref = parseRef(`npm:${pkg.identifier}`)
  if (ref.version !== undefined) {
    throw new TektonError('E_INVALID_INPUT', `${label} the package identifier ${JSON.stringify(pkg.identifier)} carries a version`, {
      hint: 'Give the version separately (InstallSpec.version or package.version)',
    })
  }
  return ref.id
}

function unscopedName(name: string): string {
  return name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name
}

/**
 * The bin to launch: the one named like the package (without its scope), else the only one.
 * Several without a match, or none, is `E_NO_BIN`.
 */
export function chooseBin(name: string, version: string, bins: Record<string, string>): { name: string; file: string } {
  const names = Object.keys(bins)
  const own = bins[unscopedName(name)]
  if (own !== undefined) return { name: unscopedName(name), file: own }
  if (names.length === 1) return { name: names[0] as string, file: bins[names[0] as string] as string }
  if (names.length === 0) {
    throw new TektonError('E_NO_BIN', `${label} ${name}@${version} has no bin entry, so there is nothing to launch`, {
      hint: 'An MCP server on npm declares a "bin" in its package.json; this package may be a library rather than a server',
    })
  }
  throw new TektonError('E_NO_BIN', `${label} ${name}@${version} has several bin entries (${names.join(', ')}) and none is named ${unscopedName(name)}`, {
    hint: 'The installer cannot tell which one is the server; ask the publisher to name the server bin after the package',
  })
}

/** The bin file inside the package directory; a path escaping it is refused (SECURITY 20). */
function binPathIn(packageDirectory: string, file: string, what: string): string {
  const resolved = path.resolve(packageDirectory, file)
  const relative = path.relative(packageDirectory, resolved)
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new TektonError('E_NO_BIN', `${label} ${what}'s bin ${JSON.stringify(file)} points outside the package`, { hint: 'The package is malformed; do not install it' })
  }
  return resolved
}

function packageDirectoryIn(prefix: string, name: string): string {
  return path.join(prefix, 'node_modules', ...name.split('/'))
}

/** Refuses a tarball that is not a plain http(s) download (SECURITY 6: no git, file or other specs). */
function checkTarballUrl(raw: string, what: string): URL {
  let url: URL | undefined
  try {
    url = new URL(raw)
  } catch {
    url = undefined
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new TektonError('E_UNSAFE_TARBALL_URL', `${label} ${what}'s tarball ${JSON.stringify(redact(raw))} is not an http(s) URL; refusing it`, {
      hint: 'Only tarballs downloaded from a registry are installed: git, file and other sources can run code or change without notice',
    })
  }
  return url
}

/** Whether `url` is on `baseUrl`'s registry (host and path prefix), so its token may go with it. */
function onRegistry(url: URL, baseUrl: string): boolean {
  return nerfDart(url.href).startsWith(nerfDart(baseUrl))
}

interface EngineCheck {
  requirement: string
  ok: boolean
  found?: string
  hint?: string
  /** Set when the runtime does not satisfy the range but the install goes on (npm only warns): a sentence for the plan and the record. */
  warning?: string
}

/**
 * `engines.node` of the chosen version against the node found, as npm judges it: a mismatch is a
 * warning (npm's EBADENGINE; many servers declare a newer node than they need, and the handshake
 * shows whether it runs), unless npm's `engine-strict` is set, which makes it a refusal that
 * `ignoreEngines` overrides.
 */
function engineCheck(
  name: string,
  version: string,
  range: string | undefined,
  runtime: RuntimeInfo | undefined,
  strictness: { engineStrict: ResolvedNpmRegistry['engineStrict']; ignoreEngines: boolean },
): EngineCheck | undefined {
  if (range === undefined) return undefined
  const requirement = `node ${range} (engines.node of ${name}@${version})`
  if (semver.validRange(range) === null) return { requirement, ok: true, found: `"${range}" is not a semver range; not checked` }
  if (runtime === undefined) return { requirement, ok: false, hint: nodeHint }
  const found = `node ${runtime.version} at ${runtime.path}`
  if (semver.satisfies(runtime.version, range, { includePrerelease: true })) return { requirement, ok: true, found }
  const minimum = semver.minVersion(range)
  const upgrade = `Install a Node.js version that satisfies ${range}${minimum ? ` (${minimum.version} or later)` : ''}, and put it first on the PATH`
  const strict = strictness.engineStrict?.value === true
  if (strict && !strictness.ignoreEngines) {
    return {
      requirement,
      ok: false,
      found: `${found}, and npm's engine-strict is set (${strictness.engineStrict?.where})`,
      hint: `${upgrade}; or install anyway with the ignoreEngines option (the handshake still shows whether it runs)`,
    }
  }
  const why = strict ? "engine-strict overridden with ignoreEngines" : 'npm only warns (EBADENGINE) unless engine-strict is set'
  return {
    requirement,
    ok: true,
    found: `${found}, which does not satisfy it: ${why}`,
    warning: `${name}@${version} declares engines.node ${range}, and node ${runtime.version} does not satisfy it (${why}); the handshake shows whether it runs`,
  }
}

/** Creates the node installer. Nothing is read or spawned until the first call. */
export function createNodeInstaller(options: NodeInstallerOptions = {}): NodeInstaller {
  checkOptions(options)
  // A tree's tarballs come from one host in a burst, as npm fetches them: the client's default
  // limit (10 requests a second, a politeness rule for API calls) would make 60 dependencies take 4 s.
  const http = options.http ?? createHttpClient({ rateLimit: { requestsPerSecond: 200, burst: 64 } })
  const exec = options.exec ?? defaultExec
  const now = options.now ?? Date.now
  const verifier = options.verify === false ? undefined : createVersionVerifier({ http, now, attestationVerifier: attestationVerifierFor(options), loadKeys: createKeysLoader(http, now) })
  const npmTimeoutMs = options.npmTimeoutMs
  const downloadTimeoutMs = options.downloadTimeoutMs ?? defaultDownloadTimeoutMs
  const resolutions = new WeakMap<NodeJS.ProcessEnv, Promise<ResolvedNpmRegistry>>()

  const envOf = (context: { env?: NodeJS.ProcessEnv | undefined }): NodeJS.ProcessEnv => context.env ?? options.env ?? process.env

  /** `npm config get registry` through our exec and our npm, for configurations that name no registry. */
  const npmConfigExec: NpmExec = async (args, { cwd, env }) => {
    const npm = options.npmPath ?? (await findOnPath('npm', env))
    if (npm === undefined) throw new Error('npm was not found on PATH')
    const { NODE_OPTIONS: _ignored, ...quiet } = env
    const result = await exec(npm, args, { cwd, env: quiet, timeoutMs: 15_000 })
    if (result.exitCode !== 0) throw new Error(tail(result.stderr, 3) || result.failure || `exit code ${result.exitCode}`)
    return result.stdout
  }

  /** npm's configuration for `env`, resolved once per environment object. */
  function registryFrom(env: NodeJS.ProcessEnv): Promise<ResolvedNpmRegistry> {
    if (typeof options.registry === 'object') return Promise.resolve(options.registry)
    let resolving = resolutions.get(env)
    if (resolving === undefined) {
      resolving = resolveNpmRegistry({
        env,
        exec: npmConfigExec,
        ...(typeof options.registry === 'string' ? { baseUrl: options.registry } : {}),
        ...(options.token !== undefined ? { token: options.token } : {}),
        ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
        ...(options.homedir !== undefined ? { homedir: options.homedir } : {}),
      })
      resolving.catch(() => resolutions.delete(env)) // a later call may succeed once the configuration is fixed
      resolutions.set(env, resolving)
    }
    return resolving
  }

  interface Resolved {
    name: string
    registry: ResolvedNpmRegistry
    target: NpmRegistryTarget
    packument: InstallPackument
    selected: SelectedVersion
    /** The minimum release age in force (also for an exact request: it still holds for the dependencies). */
    releaseAge: ReleaseAgeRule | undefined
  }

  async function resolve(pkg: Package, version: string | undefined, env: NodeJS.ProcessEnv, signal: AbortSignal | undefined): Promise<Resolved> {
    const name = packageNameOf(pkg)
    const request = parseVersionRequest(version)
    const registry = await registryFrom(env)
    // A scope with its own registry is looked up there only (dependency confusion).
    const target = registryFor(registry, name)
    // An exact version is pinned: no release age holds it back, and the abbreviated document does.
    // The rule still holds for its dependencies (see release-age).
    const rule = await options.minimumReleaseAge?.()
    const releaseAge = request.kind === 'exact' ? undefined : rule
    const packument = await fetchPackument(http, target, name, signal, { full: releaseAge !== undefined })
    if (packument.name !== name) {
      throw new TektonError('E_BAD_RESPONSE', `${label} the registry answered the packument of ${JSON.stringify(packument.name)} when asked for ${name}`)
    }
    return { name, registry, target, packument, selected: selectVersion(packument, request, releaseAge), releaseAge: rule }
  }

  function notesFor(resolved: Resolved, allowScripts: boolean): string[] {
    const notes = [...resolved.selected.notes]
    if (hasInstallScripts(resolved.selected.manifest)) {
      notes.push(
        allowScripts
          ? `${resolved.name}@${resolved.selected.version} has install scripts, and they will run (allowScripts)`
          : `${resolved.name}@${resolved.selected.version} has install scripts; they are not run (allow them per server with allowScripts if the server needs them)`,
      )
    }
    return notes
  }

  async function requireNode(env: NodeJS.ProcessEnv, signal: AbortSignal | undefined): Promise<RuntimeInfo> {
    const lookup = await findNode({ nodePath: options.nodePath, env, exec, signal })
    if (lookup.runtime === undefined) throw new TektonError('E_REQUIREMENTS', `${label} ${lookup.problem ?? 'node was not found'}`, { hint: nodeHint })
    return lookup.runtime
  }

  /** Emits start/done progress around `work`. */
  async function step<T>(progress: ((event: ProgressEvent) => void) | undefined, name: InstallStep, detail: string, work: () => Promise<T> | T): Promise<T> {
    progress?.({ step: name, phase: 'start', detail })
    const started = now()
    const result = await work()
    progress?.({ step: name, phase: 'done', detail, durationMs: now() - started })
    return result
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

  /** `verify`: the installed version checked again, its ownership against the package.json in its directory. */
  async function verifyInstalled(record: Parameters<NonNullable<MCPServerInstaller['verifyInstalled']>>[0], context: { env?: NodeJS.ProcessEnv; signal?: AbortSignal }) {
    if (!verifier) throw new TektonError('E_CONFIG', `${label} verification is off for this installer`)
    const resolved = await resolve(record.package, record.version, envOf(context), context.signal)
    const verified = await verifier.verify({ name: resolved.name, target: resolved.target, packument: resolved.packument, selected: resolved.selected, signal: context.signal })
    const installed = await readInstalledManifest(packageDirectoryIn(record.directory, resolved.name), `${resolved.name}@${record.version}`).catch(() => undefined)
    return { ...verified.verification, ownership: npmOwnership(record.registryName, installed?.mcpName) }
  }

  return {
    specVersion: 'v1',
    type: 'node',
    registryTypes: ['npm'],
    ...(verifier ? { verifyInstalled } : {}),

    async checkRequirements(pkg, context) {
      const env = envOf(context)
      const ignoreEngines = context.ignoreEngines === true
      const checks: RequirementReport['checks'] = []
      const lookup = await findNode({ nodePath: options.nodePath, env, exec, signal: context.signal })
      const runtime = lookup.runtime
      checks.push(
        runtime
          ? { requirement: 'node', ok: true, found: `node ${runtime.version} at ${runtime.path}` }
          : { requirement: 'node', ok: false, found: lookup.problem ?? 'not found', hint: nodeHint },
      )
      const npm = options.npmPath ?? (await findOnPath('npm', env))
      checks.push(npm ? { requirement: 'npm', ok: true, found: `npm at ${npm}` } : { requirement: 'npm', ok: false, found: 'npm was not found on PATH', hint: npmHint })
      const resolved = await resolve(pkg, pkg.version, env, context.signal)
      const engines = engineCheck(resolved.name, resolved.selected.version, enginesNodeOf(resolved.selected.manifest), runtime, { engineStrict: resolved.registry.engineStrict, ignoreEngines })
      if (engines) checks.push({ requirement: engines.requirement, ok: engines.ok, ...(engines.found ? { found: engines.found } : {}), ...(engines.hint ? { hint: engines.hint } : {}) })
      return { ok: checks.every((check) => check.ok), ...(runtime ? { runtime } : {}), checks }
    },

    async plan(spec, context) {
      const env = envOf(context)
      const resolved = await resolve(spec.package, spec.version, env, context.signal)
      const { name, selected } = resolved
      const what = `${name}@${selected.version}`
      const runtime = await requireNode(env, context.signal)
      const bin = chooseBin(name, selected.version, binsOf(name, selected.manifest))
      const entry = binPathIn(packageDirectoryIn(context.directoryFor(selected.version), name), bin.file, what)
      const notes = notesFor(resolved, spec.allowScripts ?? false)
      const engines = engineCheck(name, selected.version, enginesNodeOf(selected.manifest), runtime, { engineStrict: resolved.registry.engineStrict, ignoreEngines: spec.ignoreEngines === true })
      const direct = nonRegistrySpecs(selected.manifest)
      if (spec.allowNonRegistryDependencies) {
        notes.push('Dependencies from outside the registry (git, URLs, files, links) are allowed for this install: they are not verified, and npm fetches them itself')
      } else if (direct.length > 0) {
        notes.push(`${what} depends on ${direct.map((dependency) => `${dependency.name} from ${JSON.stringify(redact(dependency.spec))}`).join(', ')}: not a registry tarball, so the install will be refused unless non-registry dependencies are allowed`)
      }
      if (engines?.warning) notes.push(engines.warning)
      else if (engines && !engines.ok) notes.push(`${what} wants ${engines.requirement.split(' (')[0]}, found ${engines.found}`)
      const mcpSigns = mcpDependenciesOf(selected.manifest).map((dependency) => `depends on ${dependency}`)
      const verified = verifier ? await verifier.verify({ name, target: resolved.target, packument: resolved.packument, selected, signal: context.signal }) : undefined
      return {
        version: selected.version,
        launch: { command: runtime.path, args: [entry, ...packageArgumentsOf(spec)], env: {} },
        ...(notes.length > 0 ? { notes } : {}),
        ...(mcpSigns.length > 0 ? { mcpSigns } : {}),
        ...(verified ? { verification: verified.verification, ...(verified.previousPublished ? { previousPublished: verified.previousPublished } : {}) } : {}),
      }
    },

    async install(spec, context: InstallContext): Promise<InstallResult> {
      const { stagingDir, signal, progress } = context
      if (typeof stagingDir !== 'string' || !path.isAbsolute(stagingDir)) {
        throw new TektonError('E_INVALID_INPUT', `${label} the staging directory must be an absolute path, got ${JSON.stringify(stagingDir)}`)
      }
      const env = envOf(context)
      const allowScripts = spec.allowScripts ?? false
      await mkdir(stagingDir, { recursive: true })
      const before = new Set(await readdir(stagingDir))
      try {
        const resolved = await step(progress, 'resolve', spec.package.identifier, () => resolve(spec.package, spec.version, env, signal))
        const { name, target, selected } = resolved
        const what = `${name}@${selected.version}`

        const ignoreEngines = spec.ignoreEngines === true
        const { runtime, npm, engines } = await step(progress, 'requirements', what, async () => {
          const found = await requireNode(env, signal)
          const checked = engineCheck(name, selected.version, enginesNodeOf(selected.manifest), found, { engineStrict: resolved.registry.engineStrict, ignoreEngines })
          if (checked && !checked.ok) {
            throw new TektonError('E_REQUIREMENTS', `${label} ${what} needs ${checked.requirement.split(' (')[0]}, found ${checked.found}`, checked.hint ? { hint: checked.hint } : {})
          }
          const npmPath = options.npmPath ?? (await findOnPath('npm', env))
          if (npmPath === undefined) throw new TektonError('E_REQUIREMENTS', `${label} npm was not found on PATH`, { hint: npmHint })
          return { runtime: found, npm: npmPath, engines: checked }
        })

        const tarballUrl = checkTarballUrl(selected.manifest.dist.tarball, what)
        requireSha512(selected.manifest.dist.integrity, what)
        const allowNonRegistry = spec.allowNonRegistryDependencies === true
        const direct = nonRegistrySpecs(selected.manifest)
        if (direct.length > 0 && !allowNonRegistry) {
          throw unsafeDependencyError(what, direct.map((dependency) => `${name} > ${dependency.name}: ${JSON.stringify(redact(dependency.spec))}`))
        }
        // The tree's packuments start coming while the top-level tarball downloads.
        // Full packuments (with publish times) only under a minimum release age: abbreviated ones are smaller.
        const packuments = createPackumentSource({ http, registry: resolved.registry, timeoutMs: downloadTimeoutMs, signal, full: resolved.releaseAge !== undefined })
        for (const dependency of dependencyNamesOf(selected.manifest)) packuments.prefetch(dependency)
        // Verified while the tarball downloads; judged before anything is written.
        const verifying = verifier?.verify({ name, target, packument: resolved.packument, selected, signal })
        verifying?.catch(() => undefined)
        const download = await step(progress, 'download', redact(withoutCredentials(tarballUrl.href)), () =>
          http.getBytes(tarballUrl.href, {
            source: 'installer-node',
            // The registry's token goes to the registry's own URLs only, never to another host.
            headers: onRegistry(tarballUrl, target.baseUrl) ? authorization(target) : {},
            timeoutMs: downloadTimeoutMs,
            ...(signal ? { signal } : {}),
          }),
        )
        // Checked before a byte reaches the disk: a tampered tarball is never written or unpacked.
        const integrity = await step(progress, 'verify', what, async () => {
          const checked = verifyIntegrity(download.data, selected.manifest.dist.integrity, what)
          const verified = await verifying
          if (verified) context.judgeVerification?.(verified.verification, { version: selected.version, previousPublished: verified.previousPublished })
          return checked
        })
        const budget = createUnpackBudget(options.maxUnpackedBytes, options.maxUnpackedFiles)
        await measureTarball(download.data, what, budget)
        const tarball = path.join(stagingDir, tarballFileName)
        await writeFile(tarball, download.data, { flag: 'wx', mode: 0o644 })
        await writeFile(path.join(stagingDir, 'package.json'), `${JSON.stringify({ dependencies: { [name]: `file:${tarballFileName}` } }, null, 2)}\n`, { flag: 'wx' })

        const configuration = npmConfiguration(env, resolved.registry)
        const inactivityTimeoutMs = context.inactivityTimeoutMs ?? options.npmInactivityTimeoutMs ?? inactivityLimitFrom(env)
        const activity = npmActivityReporter((detail) => progress?.({ step: 'install', phase: 'activity', detail }))
        const npmOptions = {
          cwd: stagingDir,
          signal,
          ...(npmTimeoutMs === undefined ? {} : { timeoutMs: npmTimeoutMs }),
          inactivityTimeoutMs,
          onOutput: activity,
          what,
        }
        // ignoreEngines reaches npm too: its own engine-strict would refuse the same package, or a dependency.
        const engineArgs = ignoreEngines ? ['--engine-strict=false'] : []
        // One step for the user: the tree is resolved, fetched and installed; what happens now is its activity.
        /** What the tree's resolution says a person should know (dependencies the release age held back). */
        const treeNotes: string[] = []
        const judgement = await step(progress, 'install', what, async () => {
          const phase = (detail: string) => progress?.({ step: 'install', phase: 'activity', detail })
          // 1. The whole tree, resolved into a lockfile: nothing is fetched but metadata, nothing runs.
          // npm resolves against our loopback proxy, with no token: it never holds one it could forward.
          phase('resolving the dependency tree')
          // In-process from the packuments already coming in (or the package's own shrinkwrap); npm
          // resolves only what this resolver leaves to it (bundled dependencies, a peer it cannot
          // place, allowed non-registry dependencies), against our loopback proxy and with no token.
          const top = readTarballManifest(download.data)
          const inProcess =
            top.manifest === undefined
              ? { fallback: `${what}'s package.json could not be read` }
              : await resolveTree({
                  root: { name, manifest: top.manifest, resolved: `file:${tarballFileName}`, integrity, ...(top.shrinkwrap !== undefined ? { shrinkwrap: top.shrinkwrap } : {}) },
                  packumentOf: packuments.get,
                  nodeVersion: runtime.version,
                  allowNonRegistry,
                  what,
                  releaseAge: resolved.releaseAge,
                })
          let lockfileText: string
          if ('lockfile' in inProcess) {
            lockfileText = `${JSON.stringify(inProcess.lockfile, null, 2)}\n`
            treeNotes.push(...(inProcess.notes ?? []))
          } else {
            phase(`npm resolves the dependency tree (${inProcess.fallback})`)
            const proxy = await startMetadataProxy({ http, registry: resolved.registry, timeoutMs: downloadTimeoutMs, signal, source: packuments, releaseAge: resolved.releaseAge })
            try {
              const resolution = npmConfiguration(env, proxy.registry, { withoutTokens: true })
              // A user's HTTP proxy must not stand between npm and the loopback registry.
              const resolutionEnv = { ...resolution.env, npm_config_noproxy: '127.0.0.1' }
              await runNpm(exec, npm, [...npmLockfileArgs(stagingDir), ...resolution.args, ...engineArgs], { ...npmOptions, env: resolutionEnv }).catch((error: unknown) => {
                // The registry's own failure (unreachable, 401, 500) says more than npm's answer from the proxy.
                throw proxy.failure() ?? error
              })
              lockfileText = proxy.restoreLockfileUrls(await readFile(path.join(stagingDir, 'package-lock.json'), 'utf8'))
            } finally {
              await proxy.close()
            }
          }
          await writeFile(path.join(stagingDir, 'package-lock.json'), lockfileText)
          const judged = judgeTree(parseLockfile(lockfileText, what), { rootName: name, rootKey: `node_modules/${name}`, registry: resolved.registry, allowNonRegistry })
          if (judged.refused.length > 0) throw unsafeDependencyError(what, judged.refused)
          // 2. Every tarball fetched by us (the token only to its own registry), checked and measured.
          phase(`fetching and checking ${judged.fetch.length} dependencies`)
          const fetched = await fetchTree(judged.fetch, { http, registry: resolved.registry, budget, signal, timeoutMs: downloadTimeoutMs, directory: path.join(stagingDir, treeTarballDirectory) })
          // 3. npm installs exactly that lockfile: offline from our files and without any token,
          // unless non-registry dependencies were allowed (npm then fetches those itself).
          const offline = judged.allowed.length === 0
          try {
            if (offline) await writeFile(path.join(stagingDir, 'package-lock.json'), rewriteResolved(lockfileText, fetched))
            const installConfiguration = offline ? npmConfiguration(env, resolved.registry, { withoutTokens: true }) : configuration
            phase(offline ? 'npm ci, offline' : 'npm ci')
            await runNpm(exec, npm, [...npmCiArgs(stagingDir, allowScripts, offline), ...installConfiguration.args, ...engineArgs], { ...npmOptions, env: installConfiguration.env })
          } finally {
            if (offline) await restoreResolved(stagingDir, lockfileText, fetched)
          }
          return judged
        })

        const packageDirectory = packageDirectoryIn(stagingDir, name)
        const installed = await readInstalledManifest(packageDirectory, what)
        if (installed.name !== name || semver.valid(installed.version) !== selected.version) {
          throw new TektonError('E_PACKAGE_MISMATCH', `${label} the tarball of ${what} contains ${installed.name}@${installed.version}`, {
            hint: 'The registry serves a tarball that does not match its own metadata; do not install it',
          })
        }
        const bin = chooseBin(name, selected.version, binsOf(name, installed))
        const entry = binPathIn(packageDirectory, bin.file, what)
        if (!(await isFile(entry))) {
          throw new TektonError('E_NO_BIN', `${label} ${what}'s bin ${bin.name} (${bin.file}) is not in the package`, { hint: 'The package is broken; try another version' })
        }
        const notes = [...notesFor(resolved, allowScripts), ...treeNotes]
        const launch: LaunchSpec = { command: runtime.path, args: [entry, ...packageArgumentsOf(spec)], env: {} }
        const verified = await verifying
        return {
          ...(verified
            ? {
                verification: { ...verified.verification, ownership: npmOwnership(spec.server.registryName, installed.mcpName) },
                ...(verified.previousPublished ? { previousPublished: verified.previousPublished } : {}),
              }
            : {}),
          version: selected.version,
          launch,
          integrity: { value: integrity, source: 'npm dist.integrity', file: tarballFileName },
          runtime,
          details: {
            name,
            registry: withoutCredentials(target.baseUrl),
            ...(target.scope ? { scope: target.scope } : {}),
            tarball: withoutCredentials(tarballUrl.href),
            bin: bin.name,
            entry: path.relative(stagingDir, entry).split(path.sep).join('/'),
            lockfile: 'package-lock.json',
            dependencies: judgement.fetch.length,
            unpacked: { bytes: budget.bytes, files: budget.files },
            ...(judgement.allowed.length > 0 ? { nonRegistryDependencies: judgement.allowed } : {}),
            installScripts: hasInstallScripts(selected.manifest) ? (allowScripts ? 'allowed' : 'skipped') : 'none',
            ...(notes.length > 0 ? { notes } : {}),
          },
          // A dependency held back by the release age is shown with the outcome and kept on the record.
          ...(engines?.warning || treeNotes.length > 0 ? { warnings: [...(engines?.warning ? [engines.warning] : []), ...treeNotes] } : {}),
        }
      } catch (error) {
        await removeCreated(stagingDir, before)
        throw error
      }
    },
  }
}

/**
 * The server's own arguments from its server.json (`packageArguments` with the inputs given),
 * after the entry point. `runtimeArguments` are for `npx`, which is not used.
 */
function packageArgumentsOf(spec: InstallSpec): string[] {
  return resolvePackageLaunch(spec.package, spec.inputs ?? {}).packageArguments
}

/** The registry dependencies a manifest names (what npm resolves first). */
function dependencyNamesOf(manifest: { dependencies?: unknown }): string[] {
  const dependencies = manifest.dependencies
  if (typeof dependencies !== 'object' || dependencies === null) return []
  return Object.keys(dependencies)
}

/** The variable naming a `trusted_root.json` to verify provenance against instead of the pinned public-good root. */
/** The Sigstore verifier for the `trustedRoot` option, else the root `TEKTON_MCP_SIGSTORE_TRUSTED_ROOT` names, else the pinned public-good one. */
function attestationVerifierFor(options: NodeInstallerOptions): AttestationVerifier {
  const trustedRoot = options.trustedRoot ?? trustedRootFromEnvironment(options.env ?? process.env)
  try {
    return createAttestationVerifier(trustedRoot)
  } catch (error) {
    throw new TektonError('E_CONFIG', `${label} the trustedRoot option is not a Sigstore trusted root: ${(error as Error).message}`, {
      cause: error,
      hint: 'Pass a trusted_root.json object (tlogs, ctlogs, certificateAuthorities), or leave trustedRoot out to use the pinned public-good root',
    })
  }
}

/** The inactivity limit from `TEKTON_MCP_NPM_INACTIVITY_TIMEOUT` (seconds), else the default. */
export function inactivityLimitFrom(env: NodeJS.ProcessEnv): number {
  const raw = env[npmInactivityTimeoutVariable]
  if (raw === undefined || raw.trim() === '') return defaultNpmInactivityTimeoutMs
  const seconds = Number(raw)
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new TektonError('E_CONFIG', `${label} ${npmInactivityTimeoutVariable} must be a positive number of seconds, got ${JSON.stringify(raw.slice(0, 40))}`)
  }
  return Math.round(seconds * 1000)
}

/**
 * Turns npm's lines into what a progress display shows: the package whose script runs
 * (`> sqlite3@5.1.7 install`) and the latest line of its output, so a long build is visibly alive.
 */
export function npmActivityReporter(report: (detail: string) => void): (line: string) => void {
  let building: string | undefined
  return (line) => {
    const text = redact(line.trim())
    const script = /^> (\S+@\S+) (\S+)/.exec(text)
    if (script) {
      building = `${script[1]} (${script[2]})`
      report(`building ${building}`)
      return
    }
    const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text
    report(building ? `building ${building}: ${shown}` : shown)
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile()
  } catch {
    return false
  }
}

async function readInstalledManifest(packageDirectory: string, what: string): Promise<z.infer<typeof InstalledManifestSchema>> {
  const file = path.join(packageDirectory, 'package.json')
  let data: unknown
  try {
    data = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new TektonError('E_PACKAGE_MISMATCH', `${label} npm finished but ${what} is not at ${file}: ${(error as Error).message}`, {
      hint: 'The tarball may name another package than the registry says; do not install it',
      cause: error,
    })
  }
  const parsed = InstalledManifestSchema.safeParse(data)
  if (!parsed.success) throw new TektonError('E_PACKAGE_MISMATCH', `${label} ${file} has no name and version`)
  return parsed.data
}
