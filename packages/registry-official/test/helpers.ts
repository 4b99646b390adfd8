import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { Ajv } from 'ajv'
import type { ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createHttpClient } from '@tekton/mcp-discovery'
import type { CacheManager, HttpClient } from '@tekton/mcp-discovery'
import { createOfficialRegistry } from '../src/index'
import type { OfficialRegistryOptions, OfficialRegistrySource } from '../src/index'

/**
 * A real HTTP client with quick retries, so fault tests stay fast, and a minute per attempt: the
 * loopback fake answers at once, but a loaded machine can stall for seconds (timeout tests pass
 * their own limit against a fake that never answers).
 */
export function quickHttp(cache?: CacheManager): HttpClient {
  return createHttpClient({ ...(cache ? { cache } : {}), backoffMs: 1, retries: 2, timeoutMs: 60_000 })
}

/** A temporary directory, removed by `cleanup`. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tekton-registry-'))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/**
 * A source for tests: quick HTTP, an environment with nothing from the machine (so the real
 * cache directory is never touched), and no background syncs unless asked for.
 */
export function testSource(baseUrl: string, options: OfficialRegistryOptions = {}): OfficialRegistrySource {
  return createOfficialRegistry({
    baseUrl,
    http: quickHttp(),
    env: { TEKTON_MCP_HOME: path.join(tmpdir(), 'tekton-registry-never-used') },
    catalog: false,
    initialSync: false,
    backgroundSync: false,
    ...options,
  })
}

// ajv-formats is CommonJS; typed here as the function it is at run time.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

/** The official server.json schema (2025-12-11), as discovery's tests use it. */
export function serverJsonValidator(): ValidateFunction {
  const schema = JSON.parse(readFileSync(new URL('../../discovery/test/fixtures/server.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>
  const ajv = new Ajv({ allErrors: true, strict: false })
  addFormats(ajv)
  return ajv.compile(schema)
}
