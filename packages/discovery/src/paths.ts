/**
 * Where Tekton MCP keeps things: the platform's convention (XDG on Linux, Library on macOS,
 * AppData on Windows), or everything under one directory when `TEKTON_MCP_HOME` is set.
 */
import path from 'node:path'
import envPaths from 'env-paths'

export interface TektonPaths {
  /** Disposable: HTTP responses, search results, indexes. */
  cache: string
  /** Kept: installed servers and their state. */
  data: string
  /** Settings and policy. */
  config: string
}

/** Resolves the directories from `env` (default `process.env`); nothing is created. */
export function tektonPaths(env: NodeJS.ProcessEnv = process.env): TektonPaths {
  const home = env.TEKTON_MCP_HOME?.trim()
  if (home) {
    const root = path.resolve(home)
    return { cache: path.join(root, 'cache'), data: path.join(root, 'data'), config: path.join(root, 'config') }
  }
  const platform = envPaths('tekton-mcp', { suffix: '' })
  return { cache: platform.cache, data: platform.data, config: platform.config }
}
