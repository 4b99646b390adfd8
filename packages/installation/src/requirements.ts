/**
 * Requirement helpers for installers: find a runtime on the PATH an installed server will get,
 * read its version, and say exactly what to install when it is missing or too old.
 */
import path from 'node:path'
import semver from 'semver'
import { TektonError } from '@tekton/mcp-discovery'
import type { RequirementReport, RuntimeInfo } from './spec/installer'
import { buildServerEnvironment } from './environment'

/** One check of a `RequirementReport`. */
export type RequirementCheck = RequirementReport['checks'][number]

export interface FindRuntimeOptions {
  /** Whose PATH to search (and the environment `--version` runs with, allow-listed). @default process.env */
  env?: NodeJS.ProcessEnv
  /** Executable names to try, in order. @default [name] (for `python`: `python3`, `python`) */
  commands?: readonly string[]
  /** Arguments that print the version. @default ['--version'] */
  versionArguments?: readonly string[]
  /** How long `--version` may take. @default 10000 */
  timeoutMs?: number
  signal?: AbortSignal
}

/** How to name and where to get the runtimes servers commonly need. */
const knownRuntimes: Record<string, { displayName: string; installFrom: string; commands?: string[] }> = {
  node: { displayName: 'Node.js', installFrom: 'https://nodejs.org or with your version manager' },
  python: { displayName: 'Python', installFrom: 'https://www.python.org/downloads or with your version manager (pyenv, uv)', commands: ['python3', 'python'] },
  uv: { displayName: 'uv', installFrom: 'https://docs.astral.sh/uv/getting-started/installation/' },
  docker: { displayName: 'Docker', installFrom: 'https://docs.docker.com/get-docker/' },
}

/** The human name of a runtime (`node` → `Node.js`) and where to get it. */
export function describeRuntime(name: string): { displayName: string; installFrom: string } {
  const known = knownRuntimes[name]
  return known ? { displayName: known.displayName, installFrom: known.installFrom } : { displayName: name, installFrom: 'your package manager' }
}

/** The PATH of an environment, whatever its case (Windows spells it `Path`). */
function pathOf(env: NodeJS.ProcessEnv): string | undefined {
  if (env.PATH !== undefined) return env.PATH
  const key = Object.keys(env).find((name) => name.toUpperCase() === 'PATH')
  return key === undefined ? undefined : env[key]
}

/** The first `major.minor[.patch]` in a `--version` answer (`v22.1.0`, `Python 3.12.1`, `Docker version 27.0.3, build x`). */
export function parseVersionOutput(output: string): string | undefined {
  const match = /(\d+)\.(\d+)(?:\.(\d+))?([-+][0-9A-Za-z.-]+)?/.exec(output)
  if (!match) return undefined
  return `${match[1]}.${match[2]}.${match[3] ?? '0'}${match[4] ?? ''}`
}

/**
 * Finds a runtime on the given environment's PATH (not this process's, unless that is the one
 * given): its absolute path and version, or `null` when none of its commands is there or none
 * answers `--version` with a version. Never throws for "not found".
 */
export async function findRuntime(name: string, options: FindRuntimeOptions = {}): Promise<RuntimeInfo | null> {
  const env = options.env ?? process.env
  const searchPath = pathOf(env)
  const commands = options.commands ?? knownRuntimes[name]?.commands ?? [name]
  // Loaded here: only installers checking requirements need them, not every importer.
  const [{ default: which }, { execa }] = await Promise.all([import('which'), import('execa')])
  for (const command of commands) {
    const found = await which(command, { nothrow: true, ...(searchPath === undefined ? {} : { path: searchPath }) })
    if (!found) continue
    const absolute = path.resolve(found)
    try {
      // The runtime is asked in an allow-listed environment: NODE_OPTIONS and the like could
      // make `--version` run code or print something else.
      const result = await execa(absolute, [...(options.versionArguments ?? ['--version'])], {
        env: buildServerEnvironment(env, {}, {}),
        extendEnv: false,
        timeout: options.timeoutMs ?? 10_000,
        reject: false,
        stdin: 'ignore',
        ...(options.signal ? { cancelSignal: options.signal } : {}),
      })
      const version = parseVersionOutput(`${String(result.stdout)}\n${String(result.stderr)}`)
      if (result.exitCode === 0 && version) return { name, path: absolute, version }
    } catch {
      // Not runnable (permissions, a broken shim): try the next command.
    }
  }
  return null
}

/**
 * A PEP 440 specifier set (`>=3.10`, `~=3.10`, `>=3.10,<4`, `==3.*`) as a semver range, or
 * `undefined` when it uses what semver cannot say (`!=`, `===`, local versions). semver reads
 * some PEP 440 text without complaint but wrongly (`~=3.10`, `>=3.10, <4`), so Python ranges
 * are translated, never passed as they are.
 */
export function pep440ToSemverRange(specifiers: string): string | undefined {
  const clauses = specifiers.split(',').map((clause) => clause.trim()).filter(Boolean)
  if (clauses.length === 0) return undefined
  const parts: string[] = []
  for (const clause of clauses) {
    const match = /^(~=|==|>=|<=|>|<)\s*([0-9]+(?:\.[0-9]+)*)(\.\*)?$/.exec(clause)
    if (!match) return undefined
    const [, operator, release = '', wildcard] = match
    const numbers = release.split('.').map(Number)
    if (operator === '~=') {
      if (numbers.length < 2 || wildcard) return undefined
      const upper = [...numbers.slice(0, -2), numbers[numbers.length - 2]! + 1]
      parts.push(`>=${release} <${upper.join('.')}`)
    } else if (operator === '==') {
      // `==3.11` is exactly 3.11.0 (PEP 440 pads with zeros); `==3.11.*` is any 3.11.
      parts.push(wildcard ? `${release}.x` : [...numbers, 0, 0].slice(0, Math.max(3, numbers.length)).join('.'))
    } else {
      if (wildcard) return undefined
      parts.push(`${operator}${release}`)
    }
  }
  return parts.join(' ')
}

/**
 * Whether `version` satisfies `range` (prereleases count): a semver range, or with
 * `syntax: 'pep440'` a Python specifier set. Versions are coerced (`v22.1.0`, `3.12` read as
 * semver); a range or version that cannot be read throws `E_INVALID_INPUT`.
 */
export function checkVersionRange(version: string, range: string, options: { syntax?: 'semver' | 'pep440' } = {}): boolean {
  const translated = options.syntax === 'pep440' ? pep440ToSemverRange(range) : range
  const validRange = translated === undefined ? null : semver.validRange(translated, { loose: true })
  if (validRange === null) {
    throw new TektonError('E_INVALID_INPUT', `"${range}" is not a version range`, { hint: 'Write a semver range such as >=22 or ^3.10' })
  }
  const coerced = semver.valid(version, { loose: true }) ?? semver.coerce(version, { includePrerelease: true })?.version ?? null
  if (coerced === null) {
    throw new TektonError('E_INVALID_INPUT', `"${version}" is not a version`, { hint: 'Versions look like 22.1.0' })
  }
  return semver.satisfies(coerced, validRange, { includePrerelease: true, loose: true })
}

/**
 * The check for one runtime requirement (ranges in semver, or PEP 440 for `python` unless
 * `syntax` says otherwise), with the sentence to show when it is not met, e.g.
 * `Node.js >=22 is required (found 20.20.2 at /usr/bin/node): install Node.js 22 from
 * https://nodejs.org or with your version manager`.
 */
export function checkRuntime(runtime: RuntimeInfo | null, requirement: { name: string; range?: string; syntax?: 'semver' | 'pep440' }): RequirementCheck {
  const { displayName, installFrom } = describeRuntime(requirement.name)
  const range = requirement.range?.trim() || undefined
  const wanted = range ? `${displayName} ${range}` : displayName
  const syntax = requirement.syntax ?? (requirement.name === 'python' ? 'pep440' : 'semver')
  const semverRange = range && syntax === 'pep440' ? pep440ToSemverRange(range) : range
  const readable = semverRange ? semver.validRange(semverRange, { loose: true }) : null
  const minimum = readable ? semver.minVersion(readable) : null
  const installWhat = minimum && minimum.major > 0 ? `${displayName} ${minimum.major}` : displayName
  const advice = `install ${installWhat} from ${installFrom}`
  if (!runtime) {
    return { requirement: wanted, ok: false, hint: `${wanted} is required (not found on PATH): ${advice}` }
  }
  const found = `${requirement.name} ${runtime.version} at ${runtime.path}`
  if (!range) return { requirement: wanted, ok: true, found }
  let ok: boolean
  try {
    ok = checkVersionRange(runtime.version, range, { syntax })
  } catch {
    // A range we cannot read (a PEP 440 `~=`, a typo) must not block an install: say so instead.
    return { requirement: wanted, ok: true, found: `${found} (the range "${range}" could not be read, so it was not checked)` }
  }
  if (ok) return { requirement: wanted, ok: true, found }
  return { requirement: wanted, ok: false, found, hint: `${wanted} is required (found ${runtime.version} at ${runtime.path}): ${advice}` }
}

/** Turns a failed report into the `E_REQUIREMENTS` error the service throws; `undefined` when all is met. */
export function requirementsError(report: RequirementReport, subject: string): TektonError | undefined {
  if (report.ok) return undefined
  const failed = report.checks.filter((check) => !check.ok)
  const listed = failed.length > 0 ? failed.map((check) => check.requirement).join(', ') : 'a requirement'
  const hints = failed.map((check) => check.hint).filter((hint): hint is string => Boolean(hint))
  return new TektonError('E_REQUIREMENTS', `${subject} cannot be installed here: ${listed} not met`, {
    ...(hints.length > 0 ? { hint: hints.join('; ') } : {}),
  })
}
