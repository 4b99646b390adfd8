/**
 * Which npm registry to talk to, and with which token: the same answer npm itself would give, so
 * mirrors, private registries and `.npmrc` files work without configuring anything twice.
 */
import { execFile } from 'node:child_process'
import { readFile, stat } from 'node:fs/promises'
import { homedir as osHomedir } from 'node:os'
import path from 'node:path'
import { TektonError } from '@tekton/mcp-discovery'
import { hasCredentials, normalizeBaseUrl } from '@tekton/mcp-discovery/kit'
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
   * Registries of scopes, from `@scope:registry` (`npm_config_@scope:registry`, then the project,
   * user and global `.npmrc`): lower-case `@scope` → URL without a trailing slash. Packages of
   * such a scope are looked up there, never on `baseUrl` (see `registryFor`).
   */
  scopes: Record<string, string>
  /** Bearer tokens for the registries in `scopes`, by scope, when one is configured for that registry. */
  scopeTokens?: Record<string, string>
  /**
   * npm's \`engine-strict\` (\`npm_config_engine_strict\`, then the project, user and global
   * \`.npmrc\`), when set: with it, npm refuses a package whose \`engines\` the runtime does not
   * satisfy instead of warning (EBADENGINE). \`where\` names the file or the environment.
   */
  engineStrict?: { value: boolean; where: string }
  /**
   * Names of the environment variables the `.npmrc` files read refer to as `${NAME}`, set or not,
   * sorted: setting, changing or unsetting any of them may change the answer.
   */
  variables: string[]
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

/**
 * Replaces `${NAME}` with the variable's value as npm does; `\${NAME}` stays literal, unset names
 * stay as written. Every name looked up, set or not, is added to `variables` when given.
 */
export function substituteEnv(value: string, env: NodeJS.ProcessEnv, variables?: Set<string>): string {
  return value.replace(/(\\*)\$\{([^${}]+)\}/g, (match, slashes: string, name: string) => {
    if (slashes.length % 2 === 1) return `${slashes.slice(0, (slashes.length - 1) / 2)}\${${name}}`
    variables?.add(name)
    const replacement = env[name]
    return replacement === undefined ? match : `${slashes.slice(0, slashes.length / 2)}${replacement}`
  })
}

/**
 * Parses `.npmrc` text with `${VAR}` substitution in keys and values; the names of the variables
 * referred to are added to `variables` when given.
 */
export function parseNpmrc(text: string, env: NodeJS.ProcessEnv, variables?: Set<string>): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(parseIni(text))) {
    values[substituteEnv(key, env, variables)] = typeof value === 'string' ? substituteEnv(value, env, variables) : value
  }
  return values
}

async function readLayer(origin: ConfigLayer['origin'], file: string, env: NodeJS.ProcessEnv, variables: Set<string>): Promise<ConfigLayer | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EISDIR') return undefined
    throw new TektonError('E_CONFIG', `[npm] cannot read ${file}: ${(error as Error).message}`, { cause: error })
  }
  return { origin, file, values: parseNpmrc(text, env, variables) }
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

/** npm's reading of a boolean setting: `true` (any case) or the boolean itself. */
function isTrue(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true')
}

/** Reads an `npm_config_<name>` variable the way npm does: the prefix in any case. */
function npmEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const wanted = `npm_config_${name}`
  for (const [key, value] of Object.entries(env)) {
    if (key.toLowerCase() === wanted && value) return value
  }
  return undefined
}

/**
 * Every `npm_config_*` variable as npm reads it into configuration: the prefix in any case, the
 * rest lower-cased with `_` after the first character read as `-`, except for `//host/...` keys
 * (per-registry settings), which are kept as written. Empty values are skipped, as npm does.
 */
function npmEnvConfig(env: NodeJS.ProcessEnv): Record<string, string> {
  const values: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) {
    if (!/^npm_config_/i.test(name) || !value) continue
    const key = name.slice('npm_config_'.length)
    values[key.startsWith('//') ? key : key.replace(/(?!^)_/g, '-').toLowerCase()] = value
  }
  return values
}

function globalConfigPath(env: NodeJS.ProcessEnv): string {
  const explicit = npmEnv(env, 'globalconfig')
  if (explicit) return explicit
  const prefix = npmEnv(env, 'prefix') ?? env.PREFIX ?? (process.platform === 'win32' ? path.dirname(process.execPath) : path.dirname(path.dirname(process.execPath)))
  return path.join(prefix, 'etc', 'npmrc')
}

/** Checks a registry URL and drops its trailing slash, query and fragment; anything but http(s) is a config error. */
export function normalizeRegistryUrl(value: string, where: string): string {
  return normalizeBaseUrl(value, {
    source: 'npm',
    what: `the registry from ${where}`,
    hint: 'Set registry=https://<host>/ in .npmrc, npm_config_registry, or the baseUrl option',
  })
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
  let answered: string | undefined
  const cached = await options.cache.fetch<string | null>(npmConfigCacheKey, 'config', async () => {
    answered = await run()
    // A URL with `user:password@` must not reach the disk: null remembers only that npm must be asked.
    return { value: hasCredentials(answered) ? null : answered, storedAt: now() }
  })
  if (typeof cached.value === 'string') return cached.value
  return answered ?? run()
}

/** Scope names as npm allows them; a `@scope:registry` key with anything else is not a scope setting. */
const scopePattern = /^@[a-z0-9][a-z0-9._~-]*$/
const scopeRegistrySuffix = ':registry'

/**
 * `@scope:registry` settings from the layers, the first layer naming a scope winning (the
 * environment, then the project, user and global files, as for `registry`).
 */
function scopeRegistries(layers: ReadonlyArray<{ values: Record<string, unknown>; where: string }>): Record<string, string> {
  const scopes: Record<string, string> = {}
  for (const { values, where } of layers) {
    for (const [key, value] of Object.entries(values)) {
      if (!key.endsWith(scopeRegistrySuffix) || typeof value !== 'string' || value === '') continue
      // npm matches scopes exactly and names are lower-case; comparing in lower case also stops
      // `@Corp/x` from slipping past `@corp:registry` to the default registry.
      const scope = key.slice(0, -scopeRegistrySuffix.length).toLowerCase()
      if (!scopePattern.test(scope) || scopes[scope] !== undefined) continue
      // A broken scope registry is an error rather than ignored: ignoring it would send the
      // scope's packages to the default registry, where anyone may publish under that name.
      scopes[scope] = normalizeRegistryUrl(value, `${key} in ${where}`)
    }
  }
  return scopes
}

/** Where one package is looked up, and with which token. */
export interface NpmRegistryTarget {
  /** The registry URL without a trailing slash. */
  baseUrl: string
  /** Bearer token for that registry, when one is configured. */
  token?: string
  /** The package's scope, when that scope has a registry of its own (`@scope:registry`). */
  scope?: string
}

/**
 * The registry for a package, as npm picks it: the registry of the package's scope when
 * `@scope:registry` is configured, with the token configured for that registry, else the default
 * registry with its token. Never the default registry's token for a scope's registry.
 */
export function registryFor(resolved: ResolvedNpmRegistry, name: string): NpmRegistryTarget {
  const scope = name.startsWith('@') && name.includes('/') ? name.slice(0, name.indexOf('/')).toLowerCase() : undefined
  const scopeRegistry = scope === undefined ? undefined : resolved.scopes[scope]
  if (scope === undefined || scopeRegistry === undefined) {
    return resolved.token === undefined ? { baseUrl: resolved.baseUrl } : { baseUrl: resolved.baseUrl, token: resolved.token }
  }
  const token = resolved.scopeTokens?.[scope]
  return token === undefined ? { baseUrl: scopeRegistry, scope } : { baseUrl: scopeRegistry, token, scope }
}

/**
 * Resolves the registry and its token in npm's order: `options.baseUrl`, then
 * `npm_config_registry`, the project `.npmrc` (nearest from `cwd` up), the user `.npmrc`
 * (`npm_config_userconfig` or `~/.npmrc`), the global `npmrc` (`npm_config_globalconfig` or
 * `<prefix>/etc/npmrc`), and finally `npm config get registry`. `consulted` lists every
 * configuration file looked at, present or not, and `variables` every `${NAME}` they refer to.
 * `@scope:registry` settings (same order, the environment first) fill `scopes`, each with the
 * token configured for its own registry (`scopeTokens`); `registryFor` picks a package's registry.
 */
export async function resolveNpmRegistry(options: ResolveNpmRegistryOptions = {}): Promise<ResolvedNpmRegistry> {
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  const homedir = options.homedir ?? osHomedir()

  const consulted: string[] = []
  const variables = new Set<string>()
  const projectFile = await findProjectNpmrc(cwd, homedir, consulted)
  const userFile = npmEnv(env, 'userconfig') ?? path.join(homedir, '.npmrc')
  const globalFile = globalConfigPath(env)
  const layers = (
    await Promise.all([
      projectFile ? readLayer('project', projectFile, env, variables) : undefined,
      // npm_config_userconfig may name the project file; reading it twice would change nothing.
      userFile === projectFile ? undefined : readLayer('user', userFile, env, variables),
      readLayer('global', globalFile, env, variables),
    ])
  ).filter((layer): layer is ConfigLayer => layer !== undefined)
  for (const file of [userFile, globalFile]) if (!consulted.includes(file)) consulted.push(file)
  // The environment comes first, as npm layers it: above every file.
  const settings = [{ values: npmEnvConfig(env) as Record<string, unknown>, where: 'the environment' }, ...layers.map((layer) => ({ values: layer.values, where: layer.file }))]
  const allValues = settings.map((layer) => layer.values)

  let resolved: Omit<ResolvedNpmRegistry, 'token' | 'consulted' | 'scopes' | 'scopeTokens' | 'variables'>
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
  const tokenFor = (baseUrl: string) => (options.token !== undefined && baseUrl === resolved.baseUrl ? options.token : findAuthToken(baseUrl, allValues))
  const token = tokenFor(resolved.baseUrl)
  const scopes = scopeRegistries(settings)
  const scopeTokens: Record<string, string> = {}
  for (const [scope, baseUrl] of Object.entries(scopes)) {
    const scopeToken = tokenFor(baseUrl)
    if (scopeToken) scopeTokens[scope] = scopeToken
  }
  const strictLayer = settings.find((layer) => layer.values['engine-strict'] !== undefined && layer.values['engine-strict'] !== '')
  const engineStrict = strictLayer ? { value: isTrue(strictLayer.values['engine-strict']), where: strictLayer.where } : undefined
  return {
    ...resolved,
    ...(token ? { token } : {}),
    ...(engineStrict ? { engineStrict } : {}),
    scopes,
    ...(Object.keys(scopeTokens).length > 0 ? { scopeTokens } : {}),
    variables: [...variables].sort(),
    consulted,
  }
}
