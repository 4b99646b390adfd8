/**
 * Which npm registry to talk to, and with which token: the same answer npm itself would give, so
 * mirrors, private registries and `.npmrc` files work without configuring anything twice.
 */
import { execFile } from 'node:child_process'
import { readFile, stat } from 'node:fs/promises'
import { homedir as osHomedir } from 'node:os'
import path from 'node:path'
import { TektonError } from '@tekton/mcp-discovery'
import type { CacheManager } from '@tekton/mcp-discovery'
import { parse as parseIni } from 'ini'

/** Runs `npm` with arguments and resolves with its standard output. */
export type NpmExec = (args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }) => Promise<string>

export interface ResolveNpmRegistryOptions {
  /** Use this registry and skip npm's configuration entirely. */
  baseUrl?: string
  /** Use this token instead of one from `.npmrc`. */
  token?: string
  /** @default process.env */
  env?: NodeJS.ProcessEnv
  /** Where the project `.npmrc` search starts. @default process.cwd() */
  cwd?: string
  /** Home directory for `~/.npmrc`. @default os.homedir() */
  homedir?: string
  /** Runs `npm config get registry` when no file or variable names a registry. @default spawns npm */
  exec?: NpmExec
  /** Remembers the answer of `npm config get registry` (kind `config`) across processes. */
  cache?: CacheManager
  now?: () => number
}

/** Where the registry URL came from, in npm's order of precedence. */
export type NpmRegistryOrigin = 'options' | 'env' | 'project' | 'user' | 'global' | 'npm'

export interface ResolvedNpmRegistry {
  /** The registry URL without a trailing slash, e.g. `http://127.0.0.1:4873`. */
  baseUrl: string
  /** Bearer token for this registry, when one is configured. */
  token?: string
  origin: NpmRegistryOrigin
  /** The `.npmrc` that named the registry, for origins `project`, `user` and `global`. */
  configFile?: string
  /**
   * Every configuration file looked at, present or not: project `.npmrc` candidates from `cwd`
   * up to the nearest existing one, then the user and global files. Creating, editing or
   * deleting any of them may change the answer (a cache of results can watch them).
   */
  consulted: string[]
}

interface ConfigLayer {
  origin: 'project' | 'user' | 'global'
  file: string
  values: Record<string, unknown>
}

/** Cache key under which the answer of `npm config get registry` is remembered. */
export const npmConfigCacheKey = 'npm:config:registry'

const authTokenSuffix = ':_authToken'

const defaultExec: NpmExec = (args, options) =>
  new Promise((resolve, reject) => {
    // Windows ships npm as a .cmd script, which only runs through a shell; the arguments are ours.
    const windows = process.platform === 'win32'
    execFile(windows ? 'npm.cmd' : 'npm', [...args], { cwd: options.cwd, env: options.env, timeout: 15_000, shell: windows }, (error, stdout) => {
      if (error) reject(error)
      else resolve(stdout)
    })
  })

/** Replaces `${NAME}` with the variable's value as npm does; `\${NAME}` stays literal, unset names stay as written. */
export function substituteEnv(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(/(\\*)\$\{([^${}]+)\}/g, (match, slashes: string, name: string) => {
    if (slashes.length % 2 === 1) return `${slashes.slice(0, (slashes.length - 1) / 2)}\${${name}}`
    const replacement = env[name]
    return replacement === undefined ? match : `${slashes.slice(0, slashes.length / 2)}${replacement}`
  })
}

/** Parses `.npmrc` text with `${VAR}` substitution in keys and values. */
export function parseNpmrc(text: string, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(parseIni(text))) {
    values[substituteEnv(key, env)] = typeof value === 'string' ? substituteEnv(value, env) : value
  }
  return values
}

async function readLayer(origin: ConfigLayer['origin'], file: string, env: NodeJS.ProcessEnv): Promise<ConfigLayer | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EISDIR') return undefined
    throw new TektonError('E_CONFIG', `[npm] cannot read ${file}: ${(error as Error).message}`, { cause: error })
  }
  return { origin, file, values: parseNpmrc(text, env) }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile()
  } catch {
    return false
  }
}

/**
 * The nearest `.npmrc` from `cwd` upwards, not counting the user's own in the home directory;
 * every candidate looked at is added to `consulted`.
 */
async function findProjectNpmrc(cwd: string, homedir: string, consulted: string[]): Promise<string | undefined> {
  let directory = path.resolve(cwd)
  const home = path.resolve(homedir)
  for (;;) {
    const candidate = path.join(directory, '.npmrc')
    if (directory !== home) {
      consulted.push(candidate)
      if (await isFile(candidate)) return candidate
    }
    const parent = path.dirname(directory)
    if (parent === directory) return undefined
    directory = parent
  }
}

/** Reads an `npm_config_<name>` variable the way npm does: the prefix in any case. */
function npmEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const wanted = `npm_config_${name}`
  for (const [key, value] of Object.entries(env)) {
    if (key.toLowerCase() === wanted && value) return value
  }
  return undefined
}

function globalConfigPath(env: NodeJS.ProcessEnv): string {
  const explicit = npmEnv(env, 'globalconfig')
  if (explicit) return explicit
  const prefix = npmEnv(env, 'prefix') ?? env.PREFIX ?? (process.platform === 'win32' ? path.dirname(process.execPath) : path.dirname(path.dirname(process.execPath)))
  return path.join(prefix, 'etc', 'npmrc')
}

/** Checks a registry URL and drops its trailing slash; anything but http(s) is a config error. */
export function normalizeRegistryUrl(value: string, where: string): string {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    throw new TektonError('E_CONFIG', `[npm] the registry ${JSON.stringify(value)} from ${where} is not a URL`, {
      hint: 'Set registry=https://<host>/ in .npmrc, npm_config_registry, or the baseUrl option',
    })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TektonError('E_CONFIG', `[npm] the registry from ${where} must be an http(s) URL, got ${url.protocol}`, {
      hint: 'Set registry=https://<host>/ in .npmrc, npm_config_registry, or the baseUrl option',
    })
  }
  url.hash = ''
  url.search = ''
  return url.toString().replace(/\/+$/, '')
}

/** npm's "nerf dart": `//host[:port]/path/`, the key prefix its per-registry settings use. */
function nerfDart(url: string): string {
  const parsed = new URL(url)
  const pathname = parsed.pathname.endsWith('/') ? parsed.pathname : `${parsed.pathname}/`
  return `//${parsed.host}${pathname}`
}

/**
 * The `_authToken` for `baseUrl`: the `//host/path/:_authToken` key whose path is the longest
 * prefix of the registry's, so a token for one registry is never sent to another.
 */
export function findAuthToken(baseUrl: string, layers: ReadonlyArray<Record<string, unknown>>): string | undefined {
  const target = nerfDart(baseUrl)
  let best: { length: number; token: string } | undefined
  for (const values of layers) {
    for (const [key, value] of Object.entries(values)) {
      if (!key.startsWith('//') || !key.endsWith(authTokenSuffix) || typeof value !== 'string') continue
      if (!value || value.includes('${')) continue // an unset variable: no token rather than a literal one
      let prefix: string
      try {
        prefix = nerfDart(`http:${key.slice(0, -authTokenSuffix.length)}`)
      } catch {
        continue
      }
      // Earlier layers take precedence, so only a strictly longer match replaces a found token.
      if (target.startsWith(prefix) && (!best || prefix.length > best.length)) best = { length: prefix.length, token: value }
    }
  }
  return best?.token
}

async function askNpm(options: ResolveNpmRegistryOptions, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const exec = options.exec ?? defaultExec
  const now = options.now ?? Date.now
  const run = async () => {
    let output: string
    try {
      output = (await exec(['config', 'get', 'registry'], { cwd, env })).trim()
    } catch (error) {
      throw new TektonError('E_CONFIG', `[npm] no registry configured and \`npm config get registry\` failed: ${(error as Error).message}`, {
        hint: 'Install npm, set npm_config_registry, or pass the baseUrl option',
        cause: error,
      })
    }
    return normalizeRegistryUrl(output, '`npm config get registry`')
  }
  // Spawning npm costs about 300 ms; a cache lets repeated CLI runs skip it.
  if (!options.cache) return run()
  const cached = await options.cache.fetch<string>(npmConfigCacheKey, 'config', async () => ({ value: await run(), storedAt: now() }))
  return cached.value
}

/**
 * Resolves the registry and its token in npm's order: `options.baseUrl`, then
 * `npm_config_registry`, the project `.npmrc` (nearest from `cwd` up), the user `.npmrc`
 * (`npm_config_userconfig` or `~/.npmrc`), the global `npmrc` (`npm_config_globalconfig` or
 * `<prefix>/etc/npmrc`), and finally `npm config get registry`. `consulted` lists every
 * configuration file looked at, present or not.
 */
export async function resolveNpmRegistry(options: ResolveNpmRegistryOptions = {}): Promise<ResolvedNpmRegistry> {
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  const homedir = options.homedir ?? osHomedir()

  const consulted: string[] = []
  const projectFile = await findProjectNpmrc(cwd, homedir, consulted)
  const userFile = npmEnv(env, 'userconfig') ?? path.join(homedir, '.npmrc')
  const globalFile = globalConfigPath(env)
  const layers = (
    await Promise.all([
      projectFile ? readLayer('project', projectFile, env) : undefined,
      // npm_config_userconfig may name the project file; reading it twice would change nothing.
      userFile === projectFile ? undefined : readLayer('user', userFile, env),
      readLayer('global', globalFile, env),
    ])
  ).filter((layer): layer is ConfigLayer => layer !== undefined)
  for (const file of [userFile, globalFile]) if (!consulted.includes(file)) consulted.push(file)

  let resolved: Omit<ResolvedNpmRegistry, 'token' | 'consulted'>
  if (options.baseUrl !== undefined) {
    resolved = { baseUrl: normalizeRegistryUrl(options.baseUrl, 'the baseUrl option'), origin: 'options' }
  } else {
    const fromEnv = npmEnv(env, 'registry')
    const fromFile = layers.find((layer) => typeof layer.values.registry === 'string' && layer.values.registry !== '')
    if (fromEnv) {
      resolved = { baseUrl: normalizeRegistryUrl(fromEnv, 'npm_config_registry'), origin: 'env' }
    } else if (fromFile) {
      resolved = { baseUrl: normalizeRegistryUrl(fromFile.values.registry as string, fromFile.file), origin: fromFile.origin, configFile: fromFile.file }
    } else {
      resolved = { baseUrl: await askNpm(options, cwd, env), origin: 'npm' }
    }
  }
  const token = options.token ?? findAuthToken(resolved.baseUrl, layers.map((layer) => layer.values))
  return token ? { ...resolved, token, consulted } : { ...resolved, consulted }
}
