/**
 * Builds the discovery service the commands use: a memory tier in front of a file tier under
 * the cache directory, the npm source (which reads npm's own configuration for the registry), and
 * the service over them. Loaded only by commands that need it.
 */
import { MCPDiscoveryService, createCacheManager, fileCache, memoryCache, tektonPaths } from '@tekton/mcp-discovery'
import type { CacheManager } from '@tekton/mcp-discovery'
import { createNpmRegistry } from '@tekton/mcp-registry-npm'
import type { CliIo } from './io'

export interface Discovery {
  service: MCPDiscoveryService
  cache: CacheManager
  /** The cache directory, for messages and `cache stats`. */
  cacheDirectory: string
  /** Ids of the configured sources (`npm`). */
  sourceIds: string[]
}

/** The wiring for one CLI run; the caller settles `cache` before exiting. */
export function createDiscovery(io: CliIo): Discovery {
  const cacheDirectory = tektonPaths(io.env).cache
  const cache = createCacheManager({ drivers: [memoryCache(), fileCache({ dir: cacheDirectory })] })
  const npm = createNpmRegistry({ cache, env: io.env, cwd: io.cwd })
  const service = new MCPDiscoveryService({ sources: [npm], cache })
  return { service, cache, cacheDirectory, sourceIds: [npm.id] }
}
