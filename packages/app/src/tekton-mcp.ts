/**
 * The composition root: `createTektonMcp()` builds, once, what every front end (the CLI, the HTTP
 * API Ergon mounts) would otherwise assemble itself: the cache tiers, the sources, the discovery
 * service, and the installation service with its installers registered by registry type. The
 * operations on top (search, describe, sync, doctor, update-all, the cache) live beside it, so the
 * front ends only parse, prompt and render.
 *
 * Everything is built on first use: a command that only lists installed servers never builds a
 * source, and a bad `TEKTON_MCP_SOURCES` fails the operations that search, not the ones that do not.
 */
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import path from 'node:path'
import { MCPDiscoveryService, createCacheManager, createUnreachableSources, defaultCacheTtl, fileCache, looksLikeRef, memoryCache, tektonPaths } from '@tekton/mcp-discovery'
import type { CacheManager, RegistrySource, SourceConfiguration, TektonPaths, UnreachableSources } from '@tekton/mcp-discovery'
import type { InstallationPolicy, MCPInstallationService, MCPServerInstaller, ReleaseAgeRule, RepositoryIdLookup, TrustDefaults } from '@tekton/mcp-installation'
import type { Ergon } from '@tekton/mcp-ergon'
import { describeOrigin, loadSettings, locateSettingsFiles, settingsVariables, systemConfigDirVariable } from '@tekton/mcp-settings'
import type { EffectivePolicy, LoadedSettings } from '@tekton/mcp-settings'
import type { ClientsSettings } from './operations/clients'
import { createDefaultSources, enabledSources, homedirOf, sourcesVariable } from './sources'

export interface TektonMcpOptions {
  /** The environment sources, installers and servers are configured from. @default process.env */
  env?: NodeJS.ProcessEnv
  /** Where a project's configuration (`.npmrc`) is looked for. @default process.cwd() */
  cwd?: string
  /** The clock (epoch ms) for caches and durations. @default Date.now */
  now?: () => number
  /** The sources to ask instead of the default four (`TEKTON_MCP_SOURCES` still narrows them). */
  sources?: readonly RegistrySource[]
  /** The cache to use instead of a memory tier over a file tier in the cache directory. */
  cache?: CacheManager
  /**
   * The installers to register instead of the default ones (Node, Python, Docker), one per registry type. The
   * installation service picks the one whose `registryTypes` lists a package's type.
   */
  installers?: () => Promise<readonly MCPServerInstaller[]> | readonly MCPServerInstaller[]
  /** Time a server's MCP handshake gets, in ms. @default `install.handshakeTimeoutMs` of the settings (30 s) */
  handshakeTimeoutMs?: number
  /**
   * The sandbox installs get when they do not choose (settings' `install.sandbox`, policy
   * `network: 'allow'`): see the installation service's `sandbox`. @default off, no network
   */
  sandbox?: { mode?: 'off' | 'auto' | 'bubblewrap'; network?: boolean }
  /**
   * How servers are written into MCP clients' files: default clients, path overrides, the secret
   * launcher and remote bridge (settings `clients.*`). @default no defaults, computed paths
   */
  clients?: ClientsSettings
}

/** One application: the services and what they are built over. */
export interface TektonMcpCore {
  readonly env: NodeJS.ProcessEnv
  /** How client files are written (see `TektonMcpOptions.clients`). */
  readonly clientsSettings: ClientsSettings
  readonly cwd: string
  readonly now: () => number
  /** The data, cache and config directories (TEKTON_MCP_HOME, else the platform's). */
  readonly paths: TektonPaths
  readonly cache: CacheManager
  /** Cache failures reported so far (the cache absorbs them to keep serving). */
  readonly cacheErrors: readonly unknown[]
  /**
   * Which sources could not be reached a moment ago (`<cache>/unreachable-sources.json`): every
   * process skips them for a few minutes instead of waiting out their timeouts again.
   */
  readonly unreachable: UnreachableSources
  /** The enabled sources, in merge order. Throws E_CONFIG on a bad TEKTON_MCP_SOURCES. */
  sources(): readonly RegistrySource[]
  /** Every source, enabled or not (cache entries outlive a change of TEKTON_MCP_SOURCES). */
  allSources(): readonly RegistrySource[]
  /** The discovery service over the enabled sources. Throws like `sources()`. */
  discovery(): MCPDiscoveryService
  /**
   * The settings (administrator, user and project files, `TEKTON_MCP_*` overrides), read on first
   * call and kept for this core. Rejects with E_SETTINGS_INVALID when a layer is invalid.
   */
  settings(): Promise<LoadedSettings>
  /**
   * The effective permission policy, each rule with the file it came from. The installation
   * service enforces sources, registry types, publishers, install scripts, non-registry
   * dependencies and the release age; `requireSignatures`, `requireProvenance`, `network` and
   * `lint` are for the verification, sandbox and lint steps to read from here.
   */
  policy(): Promise<EffectivePolicy>
  /**
   * The installation service, loaded on first call, with the settings' install defaults and the
   * policy applied. Resolving a ref fails when `discovery()` does.
   */
  installation(): Promise<MCPInstallationService>
  /**
   * Ergon's repository and the integration over the installation, opened on first call (the
   * database DATABASE_URL names, else `<TEKTON_ROOT>/Ergon/ergon.db`): commands that do not
   * register never open a database. Throws E_CONFIG when neither is set, E_ERGON_STORE when the
   * database cannot be opened.
   */
  ergon(): Promise<Ergon>
  /** Closes what holds connections open (Ergon's database); a later `ergon()` opens it again. */
  close(): Promise<void>
  /**
   * What answers depend on besides the query: every source's declared configuration, and the
   * variables read here (where caches live, which sources are enabled). A cache of whole answers
   * stays valid only while all of it is unchanged.
   */
  configuration(): Promise<SourceConfiguration>
  /**
   * How long an answer built from fresh data of `kind` stays fresh. An answer about a bare name
   * (not a ref) was resolved through search, so search freshness bounds it too.
   */
  answerFreshness(kind: 'search' | 'metadata', subject?: string): number
  /**
   * Waits, at most `timeoutMs`, for background work: cache writes, a catalogue sync or an index
   * build started by this process. Work cut short only costs a request next time.
   */
  settle(options: { timeoutMs: number }): Promise<void>
}

/** Variables read here rather than by a source: where the cache lives and which sources are on. */
const ownVariables = [sourcesVariable, systemConfigDirVariable, ...Object.keys(settingsVariables), 'GITHUB_API_URL', 'TEKTON_MCP_HOME', 'HOME', 'USERPROFILE', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'LOCALAPPDATA', 'APPDATA']

/** Builds the application core; nothing is read or fetched until an operation needs it. */
export function createTektonMcpCore(options: TektonMcpOptions = {}): TektonMcpCore {
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  const now = options.now ?? Date.now
  const paths = tektonPaths(env)
  const cacheErrors: unknown[] = []
  const cache =
    options.cache ??
    createCacheManager({
      drivers: [memoryCache(), fileCache({ dir: paths.cache })],
      now,
      // Kept so clearing can tell a cache it cleared from one it could not reach.
      onError: (error) => void cacheErrors.push(error),
    })

  // Every CLI run is a new process: which sources could not be reached a moment ago is kept in a file.
  const unreachable = createUnreachableSources({ file: path.join(paths.cache, 'unreachable-sources.json'), scope: configurationScope(env, cwd), now })
  let all: readonly RegistrySource[] | undefined
  let enabled: { sources: RegistrySource[] } | { error: unknown } | undefined
  let discovery: MCPDiscoveryService | undefined
  let installation: Promise<MCPInstallationService> | undefined
  let ergon: Promise<Ergon> | undefined
  let settings: { value: LoadedSettings } | { error: unknown } | undefined

  /** The settings, read once (synchronously: three small files) so that `sources()` can use them too. */
  function loadedSettings(): LoadedSettings {
    if (!settings) {
      try {
        settings = { value: loadSettings({ env, cwd }) }
      } catch (error) {
        settings = { error }
      }
    }
    if ('error' in settings) throw settings.error
    return settings.value
  }

  function allSources(): readonly RegistrySource[] {
    all ??= options.sources ?? createDefaultSources({ cache, env, cwd, now })
    return all
  }

  function sources(): readonly RegistrySource[] {
    if (!enabled) {
      try {
        // The variable first, then the `sources` setting (the settings report their own variable as its origin).
        const configured = env[sourcesVariable]?.trim() ? env[sourcesVariable] : loadedSettings().value.sources?.join(',')
        enabled = { sources: enabledSources(allSources(), configured) }
      } catch (error) {
        enabled = { error }
      }
    }
    if ('error' in enabled) throw enabled.error
    return enabled.sources
  }

  const core: TektonMcpCore = {
    env,
    // Read when a client operation runs: the settings' default clients and path overrides under
    // what the caller passed, and the secret launcher for clients that cannot take secrets otherwise.
    get clientsSettings(): ClientsSettings {
      const settings = loadedSettings().value.clients
      const given = options.clients ?? {}
      // One launcher serves both: it adds a local server's secrets, and bridges a remote one.
      const viaLauncher = (entry: { name: string; server?: string }) => ({ command: process.execPath, args: [secretLauncherScript(), '--home', paths.data, entry.server ?? entry.name] })
      return {
        ...given,
        default: given.default ?? settings.default,
        paths: { ...settings.paths, ...given.paths },
        launchWithSecrets: given.launchWithSecrets ?? viaLauncher,
        remoteBridge: given.remoteBridge ?? viaLauncher,
      }
    },
    cwd,
    now,
    paths,
    cache,
    cacheErrors,
    unreachable,
    sources,
    allSources,
    discovery() {
      discovery ??= new MCPDiscoveryService({ sources: [...sources()], cache, unreachable, now })
      return discovery
    },
    async settings() {
      return loadedSettings()
    },
    async policy() {
      return (await core.settings()).policy
    },
    installation() {
      installation ??= (async () => {
        const { createInstallationService } = await import('@tekton/mcp-installation')
        const loaded = await core.settings()
        const policy = await installationPolicy(loaded.policy)
        const installers = options.installers ? await options.installers() : await defaultInstallers(env, cwd, releaseAgeRule(loaded.policy, now))
        return createInstallationService({
          installers,
          // Installed servers stay manageable when the sources are misconfigured; only resolving fails.
          resolve: async (ref, resolveOptions) => {
            // No catalogue describes an arbitrary image: `docker:<image>` stands for itself.
            if (/^docker:/i.test(ref) && !core.sources().some((source) => source.refKinds.includes('docker'))) {
              const { imageServerMetadata } = await import('@tekton/mcp-installer-docker')
              return imageServerMetadata(ref.slice(ref.indexOf(':') + 1))
            }
            return core.discovery().getServerMetadata(ref, resolveOptions)
          },
          // The data directory comes from this environment (TEKTON_MCP_HOME), like the cache's. The
          // clock stays the real one: locks and staging directories are judged stale by it.
          env,
          handshakeTimeoutMs: options.handshakeTimeoutMs ?? loaded.value.install.handshakeTimeoutMs,
          // A preference yields to the policy: only asking explicitly is refused.
          allowScriptsByDefault: loaded.value.install.allowScripts && loaded.policy.allowInstallScripts?.value !== false,
          policy,
          // The sandbox installs get when they do not choose: the settings' mode, the policy's network.
          sandbox: options.sandbox ?? { mode: loaded.value.install.sandbox, network: loaded.policy.network?.value === 'allow' },
          // The policy's trust rules hold for every install and update; a command can only add to them.
          trustDefaults: trustDefaultsOf(loaded.policy),
          // Registry entries' repository ids are compared with GitHub's through the GitHub source
          // (its API URL, token and rate limits); with that source disabled, the check is a note.
          ...repositoryIdLookupOf(core),
        })
      })()
      return installation
    },
    ergon() {
      ergon ??= (async () => {
        const [{ createErgon }, service] = await Promise.all([import('@tekton/mcp-ergon'), core.installation()])
        return createErgon({ installation: service, env, cwd })
      })()
      // A failed open is not kept: the next call tries again (the database may be up by then).
      ergon.catch(() => {
        ergon = undefined
      })
      return ergon
    },
    async close() {
      const opened = ergon
      ergon = undefined
      if (opened) await opened.then((value) => value.close()).catch(() => undefined)
    },
    async configuration() {
      const declared = await Promise.all(sources().map((source) => source.configuration?.() ?? Promise.resolve(undefined)))
      // The settings files may name the sources (`sources`), so answers depend on them too.
      const located = locateSettingsFiles({ env, cwd })
      const files = new Set<string>([located.global.file, located.user.file, located.project.file])
      const variables = new Set<string>(ownVariables)
      const variablePrefixes = new Set<string>()
      for (const configuration of declared) {
        if (!configuration) continue
        for (const file of configuration.files) files.add(file)
        for (const name of configuration.variables) variables.add(name)
        for (const prefix of configuration.variablePrefixes ?? []) variablePrefixes.add(prefix)
      }
      return { files: [...files], variables: [...variables].sort(), variablePrefixes: [...variablePrefixes].sort() }
    },
    answerFreshness(kind, subject) {
      const freshness = defaultCacheTtl[kind]
      return subject !== undefined && !looksLikeRef(subject) ? Math.min(freshness, defaultCacheTtl.search) : freshness
    },
    async settle({ timeoutMs }) {
      // Only what was built can have background work.
      const built = enabled && 'sources' in enabled ? enabled.sources : []
      await Promise.all([cache.settle({ timeoutMs }), unreachable.settle?.(), ...built.map((source) => source.settle?.({ timeoutMs }))])
    },
  }
  return core
}

/**
 * What the sources' endpoints may depend on, for the memory of unreachable sources: the working
 * directory (a project's .npmrc) and the whole environment (registry URLs, npm and pip settings).
 * All of it rather than a list of variables: a variable that changed for another reason only
 * costs an unreachable source one more try, while a missed one would skip a source that now works.
 */
function configurationScope(env: NodeJS.ProcessEnv, cwd: string): string {
  const environment = Object.entries(env)
    .filter(([, value]) => value !== undefined)
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
  return createHash('sha256').update(JSON.stringify([cwd, environment])).digest('hex').slice(0, 32)
}

/**
 * The installers registered by default: Node (npm packages), configured from `env` like npm is,
 * Python (pypi packages, configured from `env` like pip is) and Docker (oci packages), using the
 * engine `env` names (DOCKER_HOST, DOCKER_CONTEXT).
 */
async function defaultInstallers(env: NodeJS.ProcessEnv, cwd: string, minimumReleaseAge: () => ReleaseAgeRule | undefined): Promise<MCPServerInstaller[]> {
  // One after the other: they share modules (the installation package), and loading one module from two dynamic imports at
  // once trips some ESM loaders (jest's vm modules: "request for … is not in cache").
  const { createNodeInstaller } = await import('@tekton/mcp-installer-node')
  const { createPythonInstaller } = await import('@tekton/mcp-installer-python')
  const { createDockerInstaller } = await import('@tekton/mcp-installer-docker')
  return [createNodeInstaller({ env, cwd, minimumReleaseAge }), createPythonInstaller({ env, minimumReleaseAge }), createDockerInstaller({ env, minimumReleaseAge })]
}

/**
 * The GitHub repository-id lookup over the enabled GitHub source, when there is one (a source
 * with `repositoryId`, as `createGithubRegistry` builds): `{}` when GitHub is not enabled
 * (TEKTON_MCP_SOURCES or the `sources` setting leave it out: no request goes there then) or the
 * sources are misconfigured (installing what is at hand still works).
 */
function repositoryIdLookupOf(core: TektonMcpCore): { repositoryIdLookup?: RepositoryIdLookup } {
  let github: (RegistrySource & { repositoryId?: (fullName: string, context: { signal?: AbortSignal }) => Promise<string | null> }) | undefined
  try {
    github = core.sources().find((source) => source.id === 'github')
  } catch {
    return {}
  }
  const lookup = github?.repositoryId
  if (!github || typeof lookup !== 'function') return {}
  return { repositoryIdLookup: (repository, options) => lookup.call(github, `${repository.owner}/${repository.name}`, options) }
}

/**
 * The policy the installation service asks before a package is downloaded: where it comes from
 * and who publishes it, then whether install scripts and non-registry dependencies may be allowed.
 */
async function installationPolicy(policy: EffectivePolicy): Promise<InstallationPolicy> {
  const { checkInstallScripts, checkNonRegistryDependencies, checkPolicySubject } = await import('@tekton/mcp-settings')
  return {
    checkPackage(request) {
      const subject = {
        name: request.server.name,
        ref: request.ref,
        package: { registryType: request.package.registryType, identifier: request.package.identifier },
        ...(request.server.repository?.url ? { repositoryUrl: request.server.repository.url } : {}),
      }
      checkPolicySubject(policy, subject)
      checkInstallScripts(policy, request.allowScripts, request.server.name)
      checkNonRegistryDependencies(policy, request.allowNonRegistryDependencies, request.server.name)
    },
  }
}

/**
 * The secret launcher shipped by @tekton/mcp-installation (`tekton-mcp-launch`), found through the
 * package rather than imported, so commands that write no client file do not load the installer.
 */
function secretLauncherScript(): string {
  return path.join(path.dirname(createRequire(import.meta.url).resolve('@tekton/mcp-installation/package.json')), 'dist', 'launcher.js')
}

/** The policy's signature, provenance and lint rules as the installation service takes them, with the file they came from. */
function trustDefaultsOf(policy: EffectivePolicy): TrustDefaults {
  const origins = [policy.requireSignatures, policy.requireProvenance, policy.lint]
    .filter((rule) => rule !== undefined && (rule.value === true || rule.value === 'refuse'))
    .map((rule) => describeOrigin(rule!.origin))
  return {
    ...(policy.requireSignatures?.value === true ? { requireSignatures: true } : {}),
    ...(policy.requireProvenance?.value === true ? { requireProvenance: true } : {}),
    ...(policy.lint?.value === 'refuse' ? { lintPolicy: 'refuse' as const } : {}),
    ...(origins.length > 0 ? { origin: `the policy (${[...new Set(origins)].join(', ')})` } : {}),
  }
}

/** The release-age rule of the policy as installers take it, computed on each resolution from the core's clock. */
function releaseAgeRule(policy: EffectivePolicy, now: () => number): () => ReleaseAgeRule | undefined {
  const rule = policy.minimumReleaseAgeHours
  if (!rule || rule.value <= 0) return () => undefined
  const where = describeOrigin(rule.origin)
  return () => ({ hours: rule.value, publishedBefore: now() - rule.value * 3_600_000, rule: `policy.minimumReleaseAgeHours (${where})` })
}

export { homedirOf }
