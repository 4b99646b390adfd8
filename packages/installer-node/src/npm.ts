/**
 * Running `npm install` of a verified tarball into a prefix: the arguments, the environment npm
 * gets (the resolved registries and tokens, nothing that injects code), and what a failure says.
 */
import { TektonError, redact } from '@tekton/mcp-discovery'
import type { ErrorCode, TektonErrorOptions } from '@tekton/mcp-discovery'
import type { ResolvedNpmRegistry } from '@tekton/mcp-registry-npm'
import type { ExecResult, NodeInstallerExec } from './exec'
import { label } from './packument'

const installErrorBrand = Symbol.for('@tekton/mcp.error.install')

/** A program we ran failed: which command, its exit code and the end of what it wrote to stderr. */
export class InstallError extends TektonError {
  readonly [installErrorBrand] = true
  override readonly name = 'InstallError'
  /** The command line, credentials redacted. */
  readonly command: string
  /** Undefined when the program did not exit on its own (not started, timed out, killed). */
  readonly exitCode: number | undefined
  /** The last lines of its standard error, credentials redacted. */
  readonly stderr: string

  constructor(code: ErrorCode, message: string, details: { command: string; exitCode: number | undefined; stderr: string }, options: TektonErrorOptions = {}) {
    super(code, message, options)
    this.command = details.command
    this.exitCode = details.exitCode
    this.stderr = details.stderr
  }

  /** True for any InstallError, whichever copy of this package created it. */
  static override isInstance(error: unknown): error is InstallError {
    return TektonError.isInstance(error) && (error as unknown as Record<symbol, unknown>)[installErrorBrand] === true
  }

  /** Adds the command, exit code and stderr tail to the JSON view: they are what a person needs. */
  override toJSON(): { code: string; message: string; hint?: string; command: string; exitCode?: number; stderr: string } {
    return { ...super.toJSON(), command: this.command, ...(this.exitCode === undefined ? {} : { exitCode: this.exitCode }), stderr: this.stderr }
  }
}

/** The file name of the verified tarball kept in the prefix. */
export const tarballFileName = 'package.tgz'

/**
 * `npm install` arguments. The lockfile and the prefix's package.json are kept on purpose (no
 * `--no-save`, `--no-package-lock`): package-lock.json pins every dependency's resolved URL and
 * integrity, so `verify` can check node_modules against it and a reinstall reproduces the same
 * tree; both refer to the tarball as `file:package.tgz`, relative, so the prefix can be moved.
 */
export function npmInstallArgs(tarball: string, prefix: string, allowScripts: boolean): string[] {
  return [
    // Scripts that run print as they go, so the progress display shows a build alive.
    ...(allowScripts ? ['--foreground-scripts'] : []),
    'install',
    tarball,
    '--prefix',
    prefix,
    // Explicit either way: a user's `ignore-scripts` in the environment must not decide for the flag.
    `--ignore-scripts=${allowScripts ? 'false' : 'true'}`,
    '--omit=dev',
    '--save',
    '--package-lock=true',
    '--global=false',
    '--no-audit',
    '--no-fund',
    '--no-update-notifier',
    '--no-progress',
    '--loglevel=warn',
  ]
}

/** Quiet, deterministic npm: the flags every run shares. */
const commonArgs = ['--omit=dev', '--global=false', '--no-audit', '--no-fund', '--no-update-notifier', '--no-progress', '--loglevel=warn']

/**
 * Resolving the whole tree into `package-lock.json` without installing or running anything
 * (the prefix's package.json names the verified tarball as `file:package.tgz`).
 */
export function npmLockfileArgs(prefix: string): string[] {
  // Explicit, whatever the user's .npmrc says: the rule needs every entry's URL (a user's
  // omit-lockfile-registry-resolved=true leaves registry entries without one) and a lockfile at all.
  return ['install', '--prefix', prefix, '--package-lock-only', '--package-lock=true', '--omit-lockfile-registry-resolved=false', '--ignore-scripts=true', ...commonArgs]
}

/**
 * Installing exactly the lockfile (`npm ci`); `offline` when every tarball is a local file we
 * fetched and checked, so npm needs neither the network nor a token.
 */
export function npmCiArgs(prefix: string, allowScripts: boolean, offline: boolean): string[] {
  return [
    'ci',
    '--prefix',
    prefix,
    ...(allowScripts ? ['--foreground-scripts'] : []),
    `--ignore-scripts=${allowScripts ? 'false' : 'true'}`,
    ...(offline ? ['--offline'] : []),
    ...commonArgs,
  ]
}

/**
 * Environment variables that would change where or what npm installs, or load code into node:
 * dropped from npm's environment (compared case-insensitively, as npm reads them).
 */
const droppedVariables = new Set(
  [
    'NODE_OPTIONS',
    'NODE_PATH',
    'npm_config_registry',
    'npm_config_prefix',
    'npm_config_global',
    'npm_config_location',
    'npm_config_dry_run',
    'npm_config_workspace',
    'npm_config_workspaces',
    'npm_config_include',
    'npm_config_production',
    'npm_config_only',
    'npm_config_ignore_scripts',
    'npm_config_node_options',
  ].map((name) => name.toLowerCase()),
)

/** A credential npm reads from its environment (`npm_config_//host/:_authToken`, `_auth`, `_password`, `_token`). */
const credentialVariable = /^npm_config_(?:.*:)?_(?:authtoken|auth|password|token)$/

/** npm's "nerf dart" of a registry URL: `//host[:port]/path/`, the prefix of its per-registry keys. */
export function nerfDart(url: string): string {
  const parsed = new URL(url)
  const pathname = parsed.pathname.endsWith('/') ? parsed.pathname : `${parsed.pathname}/`
  return `//${parsed.host}${pathname}`
}

/**
 * npm's environment (and rare extra arguments): the given one without `droppedVariables`, plus the registry we resolved
 * (`npm_config_registry`), each scope's registry (`npm_config_@scope:registry`) and each token
 * (`npm_config_//host/path/:_authToken`, which npm matches to its registry only). npm does not
 * read the project `.npmrc` we resolved from, since its project is the prefix, so everything
 * resolved is passed; through the environment rather than argv, where tokens (and passwords in
 * registry URLs) would be visible to every user of the machine. npm's cache stays its default.
 * `withoutTokens` also drops the credentials the given environment carries for npm.
 */
export function npmConfiguration(env: NodeJS.ProcessEnv, registry: ResolvedNpmRegistry, options: { withoutTokens?: boolean } = {}): { env: NodeJS.ProcessEnv; args: string[] } {
  const own: Record<string, string> = { npm_config_registry: `${registry.baseUrl}/` }
  const args: string[] = []
  for (const [scope, url] of Object.entries(registry.scopes)) {
    // npm reads `_` in variable names as `-`, which would name another scope: such scopes go in argv.
    if (scope.includes('_')) args.push(`--${scope}:registry=${url}/`)
    else own[`npm_config_${scope}:registry`] = `${url}/`
  }
  if (registry.token && !options.withoutTokens) own[`npm_config_${nerfDart(registry.baseUrl)}:_authToken`] = registry.token
  for (const [scope, token] of Object.entries(options.withoutTokens ? {} : (registry.scopeTokens ?? {}))) {
    const url = registry.scopes[scope]
    if (url !== undefined) own[`npm_config_${nerfDart(url)}:_authToken`] = token
  }
  const ownKeys = new Set(Object.keys(own).map((name) => name.toLowerCase()))
  const result: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(env)) {
    const lower = name.toLowerCase()
    if (value === undefined || droppedVariables.has(lower) || ownKeys.has(lower)) continue
    if (options.withoutTokens && credentialVariable.test(lower)) continue
    result[name] = value
  }
  return { env: { ...result, ...own }, args }
}

/** The last `lines` lines of `text`, without npm's timing and log-file chatter. */
export function tail(text: string, lines = 20): string {
  const kept = text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '' && !/A complete log of this run can be found in/.test(line))
  return redact(kept.slice(-lines).join('\n'))
}

const npmErrorHints: Record<string, string> = {
  E404: 'A dependency was not found on the registry npm used; check the registry (npm config get registry) and @scope:registry settings',
  ETARGET: 'No version of a dependency matches what the package asks for on this registry; the registry or mirror may be behind',
  EINTEGRITY: "A dependency's download did not match its published integrity; try again, or clear npm's cache (npm cache verify)",
  E401: 'The registry refused the credentials; check the _authToken for it in .npmrc',
  E403: 'The registry refused access; check the credentials and that the package is not restricted',
  ECONNREFUSED: 'npm could not reach the registry; check the registry URL and your network or proxy settings',
  ENOTFOUND: 'npm could not resolve the registry host; check the registry URL and your network',
  ETIMEDOUT: 'The registry did not answer in time; try again later',
  EBADENGINE: "A dependency does not support this Node.js version and npm's engine-strict is set; install a Node.js version that satisfies the package's engines, or install anyway with the ignoreEngines option",
  ENOSPC: 'The disk is full',
  EACCES: "npm could not write a file; check the permissions of the install directory and npm's cache",
}

/** npm's error code from its output (`npm error code E404`, older `npm ERR! code E404`). */
export function npmErrorCode(stderr: string): string | undefined {
  return /npm (?:error|ERR!) code (\w+)/.exec(stderr)?.[1] ?? /\b(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN)\b/.exec(stderr)?.[1]
}

/** Runs npm and turns anything but exit code 0 into `E_NPM_INSTALL_FAILED`. */
export async function runNpm(
  exec: NodeInstallerExec,
  npmPath: string,
  args: readonly string[],
  options: {
    cwd: string
    env: NodeJS.ProcessEnv
    signal?: AbortSignal | undefined
    timeoutMs?: number
    inactivityTimeoutMs?: number
    onOutput?: (line: string, stream: 'stdout' | 'stderr') => void
    what: string
  },
): Promise<ExecResult> {
  const result = await exec(npmPath, args, {
    cwd: options.cwd,
    env: options.env,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.inactivityTimeoutMs === undefined ? {} : { inactivityTimeoutMs: options.inactivityTimeoutMs }),
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  })
  if (result.exitCode === 0) return result
  if (options.signal?.aborted || result.failure === 'canceled') {
    throw new TektonError('E_ABORTED', `${label} npm install of ${options.what} was canceled`, { cause: options.signal?.reason })
  }
  if (result.failure?.startsWith('inactive')) {
    const seconds = Math.round((options.inactivityTimeoutMs ?? 0) / 1000)
    const last = tail(`${result.stdout}\n${result.stderr}`, 5)
    throw new InstallError(
      'E_NPM_STALLED',
      `${label} npm install of ${options.what} made no progress (no output, no CPU) for ${seconds} s and was stopped${last ? `; its last lines:\n${last}` : ''}`,
      { command: redact([npmPath, ...args].join(' ')), exitCode: undefined, stderr: tail(result.stderr) },
      { hint: 'A script may wait for input or for the network; if it is a slow build, raise the inactivity limit (the npmInactivityTimeoutMs option, or TEKTON_MCP_NPM_INACTIVITY_TIMEOUT in seconds)' },
    )
  }
  const stderr = tail(result.stderr)
  const npmCode = npmErrorCode(result.stderr)
  const lastLine = stderr.split('\n').filter((line) => !/^npm (?:error|ERR!) (?:code|errno|syscall)\b/.test(line)).at(-1)
  const how = result.exitCode === undefined ? `did not finish (${result.failure ?? 'unknown reason'})` : `failed with exit code ${result.exitCode}${npmCode ? ` (${npmCode})` : ''}`
  throw new InstallError(
    'E_NPM_INSTALL_FAILED',
    `${label} npm install of ${options.what} ${how}${lastLine ? `: ${lastLine.replace(/^npm (?:error|ERR!)\s*/, '')}` : ''}`,
    { command: redact([npmPath, ...args].join(' ')), exitCode: result.exitCode, stderr },
    { hint: (npmCode && npmErrorHints[npmCode]) ?? `Run the command yourself to see npm's full output: ${redact([npmPath, ...args].join(' '))}` },
  )
}
