/**
 * Which package index to talk to: the same answer pip would give, so mirrors, private indexes
 * and `pip.conf` work without configuring anything twice.
 *
 * pip reads its configuration files in this order, each overriding the ones before it (pip's
 * "Configuration" documentation and `pip/_internal/configuration.py`):
 *   global (`$XDG_CONFIG_DIRS/pip/pip.conf`, then `/etc/pip.conf`), user (`~/.pip/pip.conf`, then
 *   `$XDG_CONFIG_HOME/pip/pip.conf`, skipped when `PIP_CONFIG_FILE` names an existing file), site
 *   (`$VIRTUAL_ENV/pip.conf`), and last `PIP_CONFIG_FILE` (`os.devnull` there disables every file).
 * Within the merged files a command's section overrides `[global]`: `[install] index-url` wins
 * over `[global] index-url`, since installing is what the index serves here. `PIP_INDEX_URL`
 * overrides every file.
 */
import { stat, readFile } from 'node:fs/promises'
import { homedir as osHomedir } from 'node:os'
import path from 'node:path'
import { TektonError, redact } from '@tekton/mcp-discovery'
import { normalizeBaseUrl } from '@tekton/mcp-discovery/kit'

/** The index pip uses when nothing is configured. */
export const defaultIndexUrl = 'https://pypi.org/simple/'

export interface ResolvePypiIndexOptions {
  /** Use this index and skip pip's configuration for it. */
  indexUrl?: string
  /** Use this JSON API base (`<base>/<project>/json`). @default derived from the index URL */
  jsonApiUrl?: string
  /** @default process.env */
  env?: NodeJS.ProcessEnv
  /** @default os.homedir() */
  homedir?: string
  /** Whose conventions locate the files. @default process.platform */
  platform?: NodeJS.Platform
  /**
   * pip's global ("site-wide") files, lowest priority first.
   * @default `$XDG_CONFIG_DIRS/pip/pip.conf` (each directory) and `/etc/pip.conf` on Linux
   */
  globalConfigFiles?: readonly string[]
}

/** Where the index URL came from, in pip's order of precedence. */
export type PypiIndexOrigin = 'options' | 'env' | 'config' | 'default'

export interface ResolvedPypiIndex {
  /** The simple index, with a trailing slash (pip's form), e.g. `https://pypi.org/simple/`. May hold `user:password@`. */
  indexUrl: string
  /** The JSON API base without a trailing slash, e.g. `https://pypi.org/pypi`. May hold `user:password@`. */
  jsonApiUrl: string
  origin: PypiIndexOrigin
  /** The file that named the index, for origin `config`. */
  configFile?: string
  /** Every configuration file looked at, present or not, in pip's reading order. */
  consulted: string[]
  /**
   * pip's `extra-index-url` (`PIP_EXTRA_INDEX_URL`, else the files as for `indexUrl`), in order,
   * as written: installers look files up there too. May hold `file:` URLs and credentials.
   */
  extraIndexUrls: string[]
  /** pip's `find-links` (`PIP_FIND_LINKS`, else the files), as written: directories or URLs. */
  findLinks: string[]
}

/** One layer of pip configuration: section → option (normalised as pip does) → value. */
export type PipConfig = Record<string, Record<string, string>>

/** pip's option names: lower case, `_` as `-`, no leading `--`. */
function normalizeOptionName(name: string): string {
  return name.toLowerCase().replace(/_/g, '-').replace(/^--/, '')
}

/**
 * Parses pip.conf as Python's configparser does: `[section]` headers, `key = value` or
 * `key: value` (the first `=` or `:` splits), full-line `#` and `;` comments, indented lines
 * continuing the previous value. Text before the first section is an error there, and so here.
 */
export function parsePipConfig(text: string, file = 'pip.conf'): PipConfig {
  const config: PipConfig = {}
  let section: Record<string, string> | undefined
  let lastKey: string | undefined
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  for (const [index, line] of lines.entries()) {
    const trimmed = line.trim()
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue
    if (/^\s/.test(line) && section && lastKey !== undefined) {
      // configparser keeps continuation lines, joined by newlines.
      section[lastKey] = section[lastKey] === '' ? trimmed : `${section[lastKey]}\n${trimmed}`
      continue
    }
    const header = /^\[([^\]]+)\]\s*$/.exec(trimmed)
    if (header?.[1]) {
      section = config[header[1]] ??= {}
      lastKey = undefined
      continue
    }
    const delimiter = trimmed.search(/[=:]/)
    if (!section || delimiter <= 0) {
      const reason = section ? 'a line that is neither a section, an option nor a comment' : 'an option before any [section]'
      throw new TektonError('E_CONFIG', `[pypi] cannot parse ${file}: line ${index + 1} is ${reason}`, {
        hint: 'pip refuses such a file too; fix it or point PIP_CONFIG_FILE elsewhere',
      })
    }
    lastKey = normalizeOptionName(trimmed.slice(0, delimiter).trim())
    section[lastKey] = trimmed.slice(delimiter + 1).trim()
  }
  return config
}

/** pip's configuration files for a platform, by layer, each lowest priority first. */
export function pipConfigFiles(options: { env: NodeJS.ProcessEnv; homedir: string; platform: NodeJS.Platform; globalConfigFiles?: readonly string[] | undefined }): {
  global: string[]
  user: string[]
  site: string[]
} {
  const { env, homedir, platform } = options
  const windows = platform === 'win32'
  const join = windows ? path.win32.join : path.posix.join
  const basename = windows ? 'pip.ini' : 'pip.conf'
  let global: string[]
  let user: string[]
  if (windows) {
    global = [join(env.ProgramData ?? env.PROGRAMDATA ?? 'C:\\ProgramData', 'pip', basename)]
    user = [join(homedir, 'pip', basename), join(env.APPDATA ?? join(homedir, 'AppData', 'Roaming'), 'pip', basename)]
  } else if (platform === 'darwin') {
    global = ['/Library/Application Support/pip/pip.conf']
    // pip uses ~/Library/Application Support/pip when that directory exists, else ~/.config/pip;
    // both are listed: a file only exists in one of them in practice.
    user = [join(homedir, '.pip', basename), join(homedir, '.config', 'pip', basename), join(homedir, 'Library', 'Application Support', 'pip', basename)]
  } else {
    const xdgDirectories = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':').filter(Boolean)
    global = [...xdgDirectories.map((directory) => join(directory, 'pip', basename)), '/etc/pip.conf']
    user = [join(homedir, '.pip', basename), join(env.XDG_CONFIG_HOME || join(homedir, '.config'), 'pip', basename)]
  }
  const site = env.VIRTUAL_ENV ? [join(env.VIRTUAL_ENV, basename)] : []
  return { global: options.globalConfigFiles ? [...options.globalConfigFiles] : global, user, site }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file)
    return true
  } catch {
    return false
  }
}

async function readConfigFile(file: string): Promise<PipConfig | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined
    throw new TektonError('E_CONFIG', `[pypi] cannot read ${file}: ${(error as Error).message}`, { cause: error })
  }
  return parsePipConfig(text, file)
}

/** `PIP_<NAME>` as pip reads it: the prefix in upper case, the rest in any case, `_` as `-`. */
function pipEnv(env: NodeJS.ProcessEnv, option: string): string | undefined {
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('PIP_') && normalizeOptionName(key.slice(4)) === option && value) return value
  }
  return undefined
}

/**
 * Checks an index URL and gives it pip's trailing slash; anything but http(s) is a configuration
 * error (pip also takes `file:` indexes, which this source cannot stream).
 */
export function normalizeIndexUrl(value: string, where: string): string {
  return normalizeBaseUrl(value, {
    source: 'pypi',
    what: `the index URL from ${where}`,
    hint: 'Set index-url = https://<host>/simple/ in pip.conf, PIP_INDEX_URL, or the indexUrl option',
    trailingSlash: true,
  })
}

/**
 * The JSON API base for an index: an index whose path ends in `/simple` has the JSON API beside
 * it (`https://pypi.org/simple/` → `https://pypi.org/pypi`; Artifactory's
 * `.../api/pypi/<repo>/simple` → `.../api/pypi/<repo>/pypi`); any other index is assumed to serve
 * it at `<origin>/pypi`. Credentials are kept: both live on one host.
 */
export function jsonApiUrlFor(indexUrl: string): string {
  const url = new URL(indexUrl)
  const pathname = url.pathname.replace(/\/+$/, '')
  url.pathname = pathname.endsWith('/simple') ? `${pathname.slice(0, -'/simple'.length)}/pypi` : '/pypi'
  return url.toString().replace(/\/+$/, '')
}

/** Checks a JSON API base and drops its trailing slash. */
export function normalizeJsonApiUrl(value: string, where: string): string {
  return normalizeIndexUrl(value, where).replace(/\/+$/, '')
}

/**
 * Resolves the index in pip's order: `options.indexUrl`, then `PIP_INDEX_URL`, then pip's
 * configuration files (see the module comment), then `https://pypi.org/simple/`. The JSON API is
 * `options.jsonApiUrl`, else derived from the index (`jsonApiUrlFor`).
 */
export async function resolvePypiIndex(options: ResolvePypiIndexOptions = {}): Promise<ResolvedPypiIndex> {
  const env = options.env ?? process.env
  const homedir = options.homedir ?? osHomedir()
  const platform = options.platform ?? process.platform
  const files = pipConfigFiles({ env, homedir, platform, globalConfigFiles: options.globalConfigFiles })
  const configFile = env.PIP_CONFIG_FILE || undefined
  const devNull = platform === 'win32' ? 'nul' : '/dev/null'

  const consulted: string[] = []
  let layers: string[] = []
  if (configFile === undefined || configFile.toLowerCase() !== devNull) {
    const skipUser = configFile !== undefined && (await exists(configFile))
    layers = [...files.global, ...(skipUser ? [] : files.user), ...files.site, ...(configFile ? [configFile] : [])]
  }
  consulted.push(...layers)

  let resolved: Pick<ResolvedPypiIndex, 'indexUrl' | 'origin' | 'configFile'>
  const fromEnv = pipEnv(env, 'index-url')
  const configs = await Promise.all(layers.map((file) => readConfigFile(file)))
  /** A list option as pip reads it: the variable, else the last file's `[install]`, else its `[global]`; whitespace separated. */
  const listOption = (option: string): string[] => {
    let fromGlobal: string | undefined
    let fromInstall: string | undefined
    for (const config of configs) {
      if (config?.global?.[option]) fromGlobal = config.global[option]
      if (config?.install?.[option]) fromInstall = config.install[option]
    }
    const value = pipEnv(env, option) ?? fromInstall ?? fromGlobal ?? ''
    return value.split(/\s+/).filter((entry) => entry !== '')
  }
  if (options.indexUrl !== undefined) {
    resolved = { indexUrl: normalizeIndexUrl(options.indexUrl, 'the indexUrl option'), origin: 'options' }
  } else if (fromEnv) {
    resolved = { indexUrl: normalizeIndexUrl(fromEnv, 'PIP_INDEX_URL'), origin: 'env' }
  } else {
    // Later files override earlier ones; a command section overrides [global] whatever the file.
    let fromGlobal: { value: string; file: string } | undefined
    let fromInstall: { value: string; file: string } | undefined
    for (const [index, file] of layers.entries()) {
      const config = configs[index]
      const globalValue = config?.global?.['index-url']
      const installValue = config?.install?.['index-url']
      if (globalValue) fromGlobal = { value: globalValue, file }
      if (installValue) fromInstall = { value: installValue, file }
    }
    const chosen = fromInstall ?? fromGlobal
    resolved = chosen ? { indexUrl: normalizeIndexUrl(chosen.value, chosen.file), origin: 'config', configFile: chosen.file } : { indexUrl: defaultIndexUrl, origin: 'default' }
  }
  const jsonApiUrl = options.jsonApiUrl !== undefined ? normalizeJsonApiUrl(options.jsonApiUrl, 'the jsonApiUrl option') : jsonApiUrlFor(resolved.indexUrl)
  return { ...resolved, jsonApiUrl, consulted, extraIndexUrls: listOption('extra-index-url'), findLinks: listOption('find-links') }
}
