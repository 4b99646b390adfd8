import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createCacheManager, createHttpClient, memoryCache } from '@tekton/mcp-discovery'
import type { CacheManager, HttpClient } from '@tekton/mcp-discovery'
import { pypiFixtureProjects, startFakePypi } from '@tekton/mcp-testkit'
import type { FakePypi, FakePypiOptions } from '@tekton/mcp-testkit'
import { createPypiRegistry } from '../src/index'
import type { PypiRegistryOptions, PypiRegistrySource } from '../src/index'

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
  const root = await mkdtemp(path.join(tmpdir(), 'tekton-pypi-'))
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) }
}

/**
 * An environment with nothing pip would read from the real machine: no PIP_* variables, XDG
 * directories inside `root`, no virtualenv.
 */
export function isolatedEnv(root: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    XDG_CONFIG_DIRS: path.join(root, 'xdg'),
    XDG_CONFIG_HOME: path.join(root, 'home', '.config'),
    TEKTON_MCP_HOME: path.join(root, 'tekton'),
    ...extra,
  }
}

export async function write(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, text)
}

/** A fake PyPI with the fixture projects and a source pointed at it, isolated from the machine. */
export async function pypiWithSource(
  fakeOptions: FakePypiOptions = {},
  sourceOptions: PypiRegistryOptions = {},
): Promise<{ pypi: FakePypi; source: PypiRegistrySource; root: string; indexDir: string; close: () => Promise<void> }> {
  const { root, cleanup } = await tempTree()
  const pypi = await startFakePypi({ projects: pypiFixtureProjects, ...fakeOptions })
  const indexDir = path.join(root, 'index')
  const source = createPypiRegistry({
    indexUrl: pypi.indexUrl,
    indexDir,
    http: quickHttp(),
    env: isolatedEnv(root),
    homedir: path.join(root, 'home'),
    globalConfigFiles: [],
    // A loaded machine may take seconds to build even a small index: tests that do not test the
    // bounded wait let the first search wait for it.
    indexWaitMs: 120_000,
    ...sourceOptions,
  })
  return {
    pypi,
    source,
    root,
    indexDir,
    close: async () => {
      await source.settle()
      await pypi.close()
      await cleanup()
    },
  }
}
