/** Launch specs: moving one with its directory, and showing one without its secrets. */
import path from 'node:path'
import { TektonError } from '@tekton/mcp-discovery'
import type { LaunchSpec } from './spec/installer'
import { checkEnvironmentVariables, redactEnvironment } from './environment'

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * Rewrites paths under `fromDir` to the same paths under `toDir`, in the command, the arguments
 * (whole or after `=`, as in `--root=/staging/x`), `cwd` and env values. Used when the staging
 * directory is renamed into place, so installers never guess the final path.
 */
export function relocateLaunchSpec(spec: LaunchSpec, fromDir: string, toDir: string): LaunchSpec {
  const from = path.resolve(fromDir)
  const to = path.resolve(toDir)
  // `from` only at the start of a value or after `=`, and only as a whole path component:
  // `/data/staging/x` must not rewrite `/data/staging/xy`.
  const pattern = new RegExp(`(^|=)${escapeRegExp(from)}(?=$|[\\\\/])`, 'g')
  const move = (value: string) => value.replace(pattern, (_match, prefix: string) => `${prefix}${to}`)
  return {
    command: move(spec.command),
    args: spec.args.map(move),
    env: Object.fromEntries(Object.entries(spec.env).map(([name, value]) => [name, move(value)])),
    ...(spec.cwd === undefined ? {} : { cwd: move(spec.cwd) }),
    ...(spec.sandbox === undefined ? {} : { sandbox: { ...spec.sandbox, writable: spec.sandbox.writable.map(move) } }),
  }
}

/** A copy of the spec with the values of secret variables replaced by `••••`. */
export function redactLaunchSpec(spec: LaunchSpec, secretNames: Iterable<string>): LaunchSpec {
  return { ...spec, args: [...spec.args], env: redactEnvironment(spec.env, secretNames) }
}

/**
 * Checks a launch spec an installer returned: an absolute command, string arguments, a valid
 * environment with no forbidden variable. Installers are plugins: their output is checked
 * like any other input.
 */
export function checkLaunchSpec(spec: unknown, origin: string): LaunchSpec {
  const candidate = spec as Partial<LaunchSpec> | undefined
  if (!candidate || typeof candidate.command !== 'string' || !path.isAbsolute(candidate.command)) {
    throw new TektonError('E_INSTALLER_RESULT', `${origin} returned a launch spec without an absolute command`, {
      hint: 'Installers must resolve the executable to an absolute path (desktop clients do not read the shell PATH)',
    })
  }
  if (!Array.isArray(candidate.args) || candidate.args.some((argument) => typeof argument !== 'string' || argument.includes('\0'))) {
    throw new TektonError('E_INSTALLER_RESULT', `${origin} returned launch arguments that are not all text`)
  }
  if (candidate.cwd !== undefined && (typeof candidate.cwd !== 'string' || !path.isAbsolute(candidate.cwd))) {
    throw new TektonError('E_INSTALLER_RESULT', `${origin} returned a launch cwd that is not an absolute path`)
  }
  const env = checkEnvironmentVariables(candidate.env ?? {}, `${origin} launch environment`)
  return { command: candidate.command, args: [...candidate.args], env, ...(candidate.cwd === undefined ? {} : { cwd: candidate.cwd }) }
}

/** The command line as one string, for display only (quoted where a shell would need it). */
export function formatCommandLine(spec: Pick<LaunchSpec, 'command' | 'args'>): string {
  const quote = (word: string) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)
  return [spec.command, ...spec.args].map(quote).join(' ')
}
