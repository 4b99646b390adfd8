/**
 * Builds the discovery service the commands use: a memory tier in front of a file tier under
 * the cache directory, the four sources (the official MCP Registry, npm, PyPI and GitHub, each
 * configured the way its ecosystem is: npm's and pip's own configuration, GITHUB_TOKEN,
 * TEKTON_MCP_REGISTRY_URL), and the service over them. Loaded only by commands that need it.
 */
import { createHash } from 'node:crypto'
import path from 'node:path'
import { MCPDiscoveryService, TektonError, createCacheManager, createUnreachableSources, defaultCacheTtl, fileCache, looksLikeRef, memoryCache, tektonPaths } from '@tekton/mcp-discovery'
import type { CacheManager, RegistrySource } from '@tekton/mcp-discovery'
import { createGithubRegistry } from '@tekton/mcp-registry-github'
import type { GithubRegistrySource } from '@tekton/mcp-registry-github'
import { createNpmRegistry } from '@tekton/mcp-registry-npm'
import type { NpmRegistrySource } from '@tekton/mcp-registry-npm'
import { createOfficialRegistry } from '@tekton/mcp-registry-official'
import type { OfficialRegistrySource } from '@tekton/mcp-registry-official'
import { createPypiRegistry } from '@tekton/mcp-registry-pypi'
import type { PypiRegistrySource } from '@tekton/mcp-registry-pypi'
import type { CliIo } from './io'

/** The discovery service and its cache as one CLI run uses them. */
export interface Discovery {
  service: MCPDiscoveryService
  cache: CacheManager
  /** The cache directory, for messages and `cache stats`. */
  cacheDirectory: string
  /** Ids of the configured sources, in the order results are merged (`registry`, `npm`, `pypi`, `github`). */
  sourceIds: string[]
  /** The sources themselves, for commands that use what only one of them offers (sync, index). */
  sources: { registry: OfficialRegistrySource; npm: NpmRegistrySource; pypi: PypiRegistrySource; github: GithubRegistrySource }
  /**
   * Waits, at most `timeoutMs`, for background work to finish: cache writes, a catalogue sync or a
   * PyPI index build started by this run. Work cut short only costs a request next time.
   */
  settle(options: { timeoutMs: number }): Promise<void>
  /**
   * What the sources' configuration depends on, for the answer cache to watch: every configuration
   * file consulted (present or not), and the names of the environment variables those files
   * substituted (`${NAME}`).
   */
  configuration(): Promise<{ files: string[]; variables: string[] }>
  /** Cache failures reported since the wiring was made (the cache absorbs them to keep serving). */
  cacheErrors: unknown[]
  /**
   * How long an answer built from fresh data of `kind` stays fresh. An answer about a bare name
   * (not a ref) was resolved through search, so search freshness bounds it too.
   */
  answerFreshness(kind: 'search' | 'metadata', subject?: string): number
}

/**
 * The sources to ask by default: all of them, or those `TEKTON_MCP_SOURCES` lists (e.g.
 * `registry,npm` where only those are reachable or allowed). `--source` narrows further.
 */
function enabledSources<Source extends RegistrySource>(all: readonly Source[], setting: string | undefined): Source[] {
  const wanted = (setting ?? '').split(',').map((id) => id.trim()).filter(Boolean)
  if (wanted.length === 0) return [...all]
  const known = all.map((source) => source.id)
  const unknown = wanted.filter((id) => !known.includes(id))
  if (unknown.length > 0) {
    throw new TektonError('E_CONFIG', `TEKTON_MCP_SOURCES names unknown source ${unknown.map((id) => JSON.stringify(id)).join(', ')}`, {
      hint: `Use a comma-separated list of ${known.join(', ')}, or unset it to use every source`,
    })
  }
  return all.filter((source) => wanted.includes(source.id))
}

/**
 * What the sources' endpoints may depend on, for the memory of unreachable sources: the working
 * directory (a project's .npmrc) and the whole environment (registry URLs, npm and pip settings).
 * All of it rather than a list of variables, which would go out of date: a variable that changed
 * for another reason only costs an unreachable source one more try.
 */
function configurationScope(io: CliIo): string {
  const environment = Object.entries(io.env)
    .filter(([, value]) => value !== undefined)
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
  return createHash('sha256').update(JSON.stringify([io.cwd, environment])).digest('hex').slice(0, 32)
}

/** The wiring for one CLI run; the caller settles `cache` before exiting. */
export function createDiscovery(io: CliIo): Discovery {
  const cacheDirectory = tektonPaths(io.env).cache
  const cacheErrors: unknown[] = []
  const cache = createCacheManager({
    drivers: [memoryCache(), fileCache({ dir: cacheDirectory })],
    now: io.now,
    // Kept so `cache clear` can tell a cache it cleared from one it could not reach.
    onError: (error) => void cacheErrors.push(error),
  })
  const npm = createNpmRegistry({ cache, env: io.env, cwd: io.cwd, now: io.now })
  // A first full sync of the official catalogue takes many requests: it runs on `tekton-mcp sync`,
  // not behind a search the user is waiting on. Once a catalogue exists, searches keep it current
  // with cheap incremental syncs in the background.
  const registry = createOfficialRegistry({ cache, env: io.env, now: io.now, initialSync: false })
  const pypi = createPypiRegistry({ cache, env: io.env, now: io.now })
  const githubApiUrl = io.env.GITHUB_API_URL?.trim()
  const github = createGithubRegistry({ cache, env: io.env, now: io.now, ...(githubApiUrl ? { baseUrl: githubApiUrl } : {}) })
  const sources = enabledSources([registry, npm, pypi, github], io.env.TEKTON_MCP_SOURCES)
  // Every run is a new process: which sources could not be reached a moment ago is kept in a file.
  const unreachable = createUnreachableSources({ file: path.join(cacheDirectory, 'unreachable-sources.json'), scope: configurationScope(io), now: io.now })
  const service = new MCPDiscoveryService({ sources, cache, unreachable, now: io.now })
  return {
    service,
    cache,
    cacheDirectory,
    sourceIds: sources.map((source) => source.id),
    sources: { registry, npm, pypi, github },
    cacheErrors,
    // Resolved once per source and remembered, so this reads no file again after a command ran.
    async configuration() {
      const [npmConfiguration, pypiConfiguration] = await Promise.all([npm.resolveRegistry(), pypi.resolveIndex()])
      return {
        files: [...npmConfiguration.consulted, ...pypiConfiguration.consulted],
        variables: npmConfiguration.variables,
      }
    },
    async settle({ timeoutMs }) {
      await Promise.all([cache.settle({ timeoutMs }), registry.settle({ timeoutMs }), pypi.settle({ timeoutMs })])
    },
    answerFreshness(kind, subject) {
      const freshness = defaultCacheTtl[kind]
      return subject !== undefined && !looksLikeRef(subject) ? Math.min(freshness, defaultCacheTtl.search) : freshness
    },
  }
}
