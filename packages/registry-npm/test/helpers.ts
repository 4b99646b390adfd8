import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createCacheManager, createHttpClient, memoryCache } from '@tekton/mcp-discovery'
import type { CacheManager, HttpClient } from '@tekton/mcp-discovery'

/**
 * A real HTTP client with quick retries, so fault tests stay fast, and a minute per attempt: the
 * loopback fake answers at once, but a loaded machine can stall for seconds (timeout tests pass
 * their own limit against a fake that never answers).
 */
export function quickHttp(cache?: CacheManager): HttpClient {
  return createHttpClient({ ...(cache ? { cache } : {}), backoffMs: 1, retries: 2, timeoutMs: 60_000 })
}

export function memoryCacheManager(): CacheManager {
  return createCacheManager({ drivers: [memoryCache()] })
}

/** A temporary directory tree, removed by `cleanup`. */
export async function tempTree(): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(path.join(tmpdir(), 'tekton-npm-'))
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) }
}

/**
 * An environment with nothing npm would read from the real machine: no npm_config_* variables,
 * and user and global config files pointing into `root` (where they do not exist unless written).
 */
export function isolatedEnv(root: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    npm_config_userconfig: path.join(root, 'home', '.npmrc'),
    npm_config_globalconfig: path.join(root, 'global', 'npmrc'),
    ...extra,
  }
}
