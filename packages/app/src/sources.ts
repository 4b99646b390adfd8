/**
 * The sources tekton-mcp asks by default, each configured the way its ecosystem is: npm's and
 * pip's own configuration files, GITHUB_TOKEN / GH_TOKEN and GITHUB_API_URL,
 * TEKTON_MCP_REGISTRY_URL. `TEKTON_MCP_SOURCES` narrows them (e.g. `registry,npm` where only those
 * are reachable or allowed).
 */
import { homedir as osHomedir } from 'node:os'
import { TektonError } from '@tekton/mcp-discovery'
import type { CacheManager, RegistrySource } from '@tekton/mcp-discovery'
import { createGithubRegistry } from '@tekton/mcp-registry-github'
import { createNpmRegistry } from '@tekton/mcp-registry-npm'
import { createOfficialRegistry } from '@tekton/mcp-registry-official'
import { createPypiRegistry } from '@tekton/mcp-registry-pypi'

/** The variable that lists the sources to ask. */
export const sourcesVariable = 'TEKTON_MCP_SOURCES'

/** What the default sources are built from. */
export interface DefaultSourcesOptions {
  cache: CacheManager
  env: NodeJS.ProcessEnv
  cwd: string
  now: () => number
}

/**
 * The home directory of `env` (HOME, else USERPROFILE), so an injected environment places
 * `~/.npmrc` and pip's user files; the process's own only when `env` names none.
 */
export function homedirOf(env: NodeJS.ProcessEnv): string {
  return env.HOME?.trim() || env.USERPROFILE?.trim() || osHomedir()
}

/** The official MCP Registry, npm, PyPI and GitHub, in the order results are merged. */
export function createDefaultSources(options: DefaultSourcesOptions): RegistrySource[] {
  const { cache, env, cwd, now } = options
  const homedir = homedirOf(env)
  const githubApiUrl = env.GITHUB_API_URL?.trim()
  return [
    // A first full sync of the catalogue takes many requests: it runs on `sync`, not behind a
    // search someone is waiting on. Once a catalogue exists, searches keep it current cheaply.
    createOfficialRegistry({ cache, env, now, initialSync: false }),
    createNpmRegistry({ cache, env, cwd, now, homedir }),
    createPypiRegistry({ cache, env, now, homedir }),
    createGithubRegistry({ cache, env, now, ...(githubApiUrl ? { baseUrl: githubApiUrl } : {}) }),
  ]
}

/**
 * The sources `setting` (a comma-separated list of ids) keeps, in their own order; all of them
 * when it is empty. An unknown id is E_CONFIG: a typo must not silently drop a source.
 */
export function enabledSources(all: readonly RegistrySource[], setting: string | undefined): RegistrySource[] {
  const wanted = (setting ?? '').split(',').map((id) => id.trim()).filter(Boolean)
  if (wanted.length === 0) return [...all]
  const known = all.map((source) => source.id)
  const unknown = wanted.filter((id) => !known.includes(id))
  if (unknown.length > 0) {
    throw new TektonError('E_CONFIG', `${sourcesVariable} names unknown source ${unknown.map((id) => JSON.stringify(id)).join(', ')}`, {
      hint: `Use a comma-separated list of ${known.join(', ')}, or unset ${sourcesVariable} to use every source`,
    })
  }
  return all.filter((source) => wanted.includes(source.id))
}
