/**
 * Where Tekton MCP keeps things: the platform's convention (XDG on Linux, Library on macOS,
 * AppData on Windows), or everything under one directory when `TEKTON_MCP_HOME` is set.
 *
 * Everything is read from the `env` passed in, HOME and XDG_* included, so a caller that injects
 * an environment (a test, an embedding app, the CLI's `io.env`) gets directories under the home
 * it named, never the process's. The rules are those of env-paths, which reads `process.env`
 * and `os.homedir()` only and so cannot be given another environment.
 */
import os from 'node:os'
import path from 'node:path'

export interface TektonPaths {
  /** Disposable: HTTP responses, search results, indexes. */
  cache: string
  /** Kept: installed servers and their state. */
  data: string
  /** Settings and policy. */
  config: string
}

const appName = 'tekton-mcp'

/**
 * Resolves the directories from `env` (default `process.env`); nothing is created. The home is
 * `env.HOME` (`USERPROFILE` on Windows), or the process's home only when `env` names none.
 * `platform` is for tests. @default process.platform
 */
export function tektonPaths(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): TektonPaths {
  const tektonHome = env.TEKTON_MCP_HOME?.trim()
  if (tektonHome) {
    const root = path.resolve(tektonHome)
    return { cache: path.join(root, 'cache'), data: path.join(root, 'data'), config: path.join(root, 'config') }
  }
  // Each platform joins with its own separator, whatever the platform these tests run on.
  const join = platform === 'win32' ? path.win32.join : path.posix.join
  const home = set(platform === 'win32' ? (env.USERPROFILE ?? env.HOME) : env.HOME) ?? os.homedir()
  if (platform === 'darwin') {
    const library = join(home, 'Library')
    return { cache: join(library, 'Caches', appName), data: join(library, 'Application Support', appName), config: join(library, 'Preferences', appName) }
  }
  if (platform === 'win32') {
    const localAppData = set(env.LOCALAPPDATA) ?? join(home, 'AppData', 'Local')
    const appData = set(env.APPDATA) ?? join(home, 'AppData', 'Roaming')
    return { cache: join(localAppData, appName, 'Cache'), data: join(localAppData, appName, 'Data'), config: join(appData, appName, 'Config') }
  }
  return {
    cache: join(xdg(env.XDG_CACHE_HOME) ?? join(home, '.cache'), appName),
    data: join(xdg(env.XDG_DATA_HOME) ?? join(home, '.local', 'share'), appName),
    config: join(xdg(env.XDG_CONFIG_HOME) ?? join(home, '.config'), appName),
  }
}

/** A variable's value, unless it is unset or blank. */
function set(value: string | undefined): string | undefined {
  return value?.trim() ? value : undefined
}

/** The XDG base directory spec ignores a relative path: the default applies instead. */
function xdg(value: string | undefined): string | undefined {
  const given = set(value)
  return given && path.posix.isAbsolute(given) ? given : undefined
}
