/**
 * The environment a server is started with: an allow-list of the parent's variables (what a
 * process needs to find its home, its PATH and its locale), then the server's declared
 * variables, then what the user configured. Never the parent's whole environment: a token in
 * the shell that started the CLI must not reach every server (SECURITY 12).
 */
import { readFile } from 'node:fs/promises'
import { parse as parseDotenv } from 'dotenv'
import { TektonError } from '@tekton/mcp-discovery'
import type { Input } from '@tekton/mcp-discovery'

/** Variables passed through from the parent on every platform. */
export const allowedEnvironmentNames = ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER', 'LANG', 'TZ'] as const

/** Variables passed through on Windows as well: without them, processes there cannot even start. */
export const allowedWindowsEnvironmentNames = [
  'APPDATA',
  'COMSPEC',
  'HOMEDRIVE',
  'HOMEPATH',
  'LOCALAPPDATA',
  'PATHEXT',
  'PROCESSOR_ARCHITECTURE',
  'PROGRAMDATA',
  'PROGRAMFILES',
  'SYSTEMDRIVE',
  'SYSTEMROOT',
  'TEMP',
  'TMP',
  'USERNAME',
  'USERPROFILE',
  'WINDIR',
] as const

/** What a redacted secret value prints as. */
export const redactedValue = '••••'

/**
 * Variables that make a runtime, its TLS library, the dynamic loader or a shell load code or
 * configuration from somewhere else than the server's own files: a server never gets them, from
 * the parent, its metadata or the user's configuration. The one list; docs/mcp/security.md shows
 * it (a test keeps the two equal). Reviewed and allowed: `NODE_EXTRA_CA_CERTS` and
 * `SSL_CERT_FILE` (certificates are data a proxy setup needs, not code), `PYTHONUNBUFFERED` and
 * `PYTHONIOENCODING` (output settings servers are commonly started with).
 */
export const forbiddenEnvironment = {
  names: [
    'NODE_OPTIONS',
    'NODE_PATH',
    'NODE_REPL_EXTERNAL_MODULE',
    'OPENSSL_CONF',
    'OPENSSL_ENGINES',
    'OPENSSL_MODULES',
    'GCONV_PATH',
    'PYTHONPATH',
    'PYTHONHOME',
    'PYTHONSTARTUP',
    'PYTHONUSERBASE',
    'PYTHONEXECUTABLE',
    'PYTHONBREAKPOINT',
    'PYTHONPLATLIBDIR',
    'PERL5OPT',
    'PERL5LIB',
    'RUBYOPT',
    'RUBYLIB',
    'JAVA_TOOL_OPTIONS',
    '_JAVA_OPTIONS',
    'BASH_ENV',
  ],
  /** Every variable starting with one of these. */
  prefixes: ['NPM_CONFIG_', 'LD_', 'DYLD_'],
} as const

const forbiddenExact: ReadonlySet<string> = new Set(forbiddenEnvironment.names)
const forbiddenSummary = [...forbiddenEnvironment.names.slice(0, 4), ...forbiddenEnvironment.prefixes.map((prefix) => `${prefix}*`), '…'].join(', ')

/** Whether a server may be given this variable (case-insensitive: Windows ignores case). */
export function isForbiddenEnvironmentName(name: string): boolean {
  const upper = name.toUpperCase()
  return forbiddenExact.has(upper) || forbiddenEnvironment.prefixes.some((prefix) => upper.startsWith(prefix))
}

const environmentNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/
/** Longest value accepted for one variable: far beyond any token, far below the OS limit. */
const maxValueLength = 32_768

/**
 * Checks variables a user or a registry wants a server to get: valid names, no forbidden
 * variable (`E_FORBIDDEN_ENV`), string values without NUL bytes (`E_INVALID_INPUT`).
 * `origin` names where they came from, for the message.
 */
export function checkEnvironmentVariables(variables: Record<string, unknown>, origin: string): Record<string, string> {
  const checked: Record<string, string> = {}
  for (const [name, value] of Object.entries(variables)) {
    if (!environmentNamePattern.test(name) || name.length > 200) {
      throw new TektonError('E_INVALID_INPUT', `${origin}: ${JSON.stringify(name.slice(0, 80))} is not an environment variable name`, {
        hint: 'Names are letters, digits and _, not starting with a digit',
      })
    }
    if (isForbiddenEnvironmentName(name)) {
      throw new TektonError('E_FORBIDDEN_ENV', `${origin}: ${name} is never passed to a server`, {
        hint: `${name} would make the runtime load code or configuration from elsewhere (so do ${forbiddenSummary}); configure the server through its own variables`,
      })
    }
    if (typeof value !== 'string' || value.includes('\0') || value.length > maxValueLength) {
      throw new TektonError('E_INVALID_INPUT', `${origin}: the value of ${name} must be text without NUL bytes, at most ${maxValueLength} characters`)
    }
    checked[name] = value
  }
  return checked
}

/** The values a package declares for its variables (`value`, else `default`), by name. */
export function declaredEnvironment(variables: readonly Input[] | undefined): Record<string, string> {
  const declared: Record<string, string> = {}
  for (const variable of variables ?? []) {
    const value = variable.value ?? variable.default
    if (variable.name && value !== undefined) declared[variable.name] = value
  }
  return declared
}

export interface BuildEnvironmentOptions {
  /** Whose conventions to follow (Windows adds its own allow-list). @default process.platform */
  platform?: NodeJS.Platform
}

/**
 * The full environment for a server process: the allow-listed parent variables (HOME, LOGNAME,
 * PATH, SHELL, TERM, USER, LANG, TZ, and on Windows SYSTEMROOT, APPDATA, ...), then `declared`
 * (the metadata's `environmentVariables` with their defaults, or a name → value record), then
 * `configured`. A declared or configured forbidden variable throws `E_FORBIDDEN_ENV`.
 */
export function buildServerEnvironment(
  parentEnv: NodeJS.ProcessEnv,
  declared: readonly Input[] | Record<string, string> = {},
  configured: Record<string, string> = {},
  options: BuildEnvironmentOptions = {},
): Record<string, string> {
  const platform = options.platform ?? process.platform
  const windows = platform === 'win32'
  const allowed: readonly string[] = windows ? [...allowedEnvironmentNames, ...allowedWindowsEnvironmentNames] : allowedEnvironmentNames
  const environment: Record<string, string> = {}
  const parentNames = Object.keys(parentEnv)
  for (const name of allowed) {
    // Windows names are case-insensitive (`Path`); elsewhere `path` is another variable.
    const key = windows ? parentNames.find((candidate) => candidate.toUpperCase() === name) : name
    const value = key === undefined ? undefined : parentEnv[key]
    // A value starting with `()` is an exported shell function (Shellshock): never pass one on.
    if (value === undefined || value.startsWith('()')) continue
    environment[name] = value
  }
  const declaredValues = Array.isArray(declared) ? declaredEnvironment(declared as readonly Input[]) : (declared as Record<string, string>)
  Object.assign(environment, checkEnvironmentVariables(declaredValues, 'declared environment'))
  Object.assign(environment, checkEnvironmentVariables(configured, 'configured environment'))
  return environment
}

/** A copy of `env` with the values of `secretNames` replaced by `••••`. */
export function redactEnvironment(env: Record<string, string>, secretNames: Iterable<string>): Record<string, string> {
  const secrets = new Set(secretNames)
  const redacted: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) redacted[name] = secrets.has(name) ? redactedValue : value
  return redacted
}

/** Replaces every occurrence of the given secret values in `text` by `••••` (values under 4 characters are left: too common to mean anything). */
export function redactSecretValues(text: string, secretValues: Iterable<string>): string {
  let result = text
  for (const value of secretValues) {
    if (value.length >= 4) result = result.split(value).join(redactedValue)
  }
  return result
}

const secretLookingName = /(TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH)/i

/**
 * Whether a variable's value is redacted: the metadata marks it `isSecret`, or its name says so
 * (`*_TOKEN`, `*_API_KEY`, `*PASSWORD*`, ...) for variables a user configures that the metadata
 * does not declare.
 */
export function isSecretVariable(name: string, declared: ReadonlyArray<{ name?: string; isSecret?: boolean }> = []): boolean {
  const entry = declared.find((variable) => variable.name === name)
  if (entry?.isSecret) return true
  return secretLookingName.test(name)
}

/** Largest `--env-file` read: far beyond any real one. */
const maxEnvironmentFileBytes = 1024 * 1024

/**
 * Variables from a dotenv file (`NAME=value` lines, `#` comments, quotes, `export NAME=…`),
 * parsed by dotenv and checked like `--env` values. The file's text never appears in an error:
 * it holds secrets.
 */
export async function readEnvironmentFile(file: string): Promise<Record<string, string>> {
  let text: Buffer
  try {
    text = await readFile(file)
  } catch (error) {
    throw new TektonError('E_INVALID_INPUT', `could not read the environment file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, {
      hint: 'Give the path of a file of NAME=value lines',
    })
  }
  if (text.length > maxEnvironmentFileBytes) throw new TektonError('E_INVALID_INPUT', `the environment file ${file} is larger than 1 MiB`)
  return checkEnvironmentVariables(parseDotenv(text), `the environment file ${file}`)
}
