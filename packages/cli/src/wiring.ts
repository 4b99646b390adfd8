/**
 * Builds the discovery service the commands use: a memory tier in front of a file tier under
 * the cache directory, the npm source (which reads npm's own configuration for the registry), and
 * the service over them. Loaded only by commands that need it.
 */
import { MCPDiscoveryService, createCacheManager, defaultCacheTtl, fileCache, looksLikeRef, memoryCache, tektonPaths } from '@tekton/mcp-discovery'
import type { CacheManager } from '@tekton/mcp-discovery'
import { createNpmRegistry } from '@tekton/mcp-registry-npm'
import type { CliIo } from './io'

/** The discovery service and its cache as one CLI run uses them. */
export interface Discovery {
  service: MCPDiscoveryService
  cache: CacheManager
  /** The cache directory, for messages and `cache stats`. */
  cacheDirectory: string
  /** Ids of the configured sources (`npm`). */
  sourceIds: string[]
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
  const service = new MCPDiscoveryService({ sources: [npm], cache })
  return {
    service,
    cache,
    cacheDirectory,
    sourceIds: [npm.id],
    cacheErrors,
    // Resolved once per source and remembered, so this reads no file again after a command ran.
    async configuration() {
      const { consulted, variables } = await npm.resolveRegistry()
      return { files: consulted, variables }
    },
    answerFreshness(kind, subject) {
      const freshness = defaultCacheTtl[kind]
      return subject !== undefined && !looksLikeRef(subject) ? Math.min(freshness, defaultCacheTtl.search) : freshness
    },
  }
}
