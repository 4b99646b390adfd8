/**
 * Requirement helpers for installers: find a runtime on the PATH an installed server will get,
 * read its version, and say exactly what to install when it is missing or too old.
 */
import * as pep440 from '@renovatebot/pep440'
import { parse as parsePep440Specifier } from '@renovatebot/pep440/lib/specifier.js'
import semver from 'semver'
import { TektonError } from '@tekton/mcp-discovery'
import { findOnPath } from '@tekton/mcp-discovery/kit'
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
  const commands = options.commands ?? knownRuntimes[name]?.commands ?? [name]
  // Loaded here: only installers checking requirements need them, not every importer.
  const { execa } = await import('execa')
  for (const command of commands) {
    const absolute = await findOnPath(command, env)
    if (!absolute) continue
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

/** A version as PEP 440 reads it, or `undefined`: `3.12.1`, `3.13.0rc1`, or coerced from `Python 3.12` / `v3.12.1`. */
function pep440Version(version: string): string | undefined {
  if (pep440.valid(version) !== null) return version
  const coerced = semver.coerce(version, { includePrerelease: true })?.version
  return coerced !== undefined && pep440.valid(coerced) !== null ? coerced : undefined
}

/**
 * Whether `version` satisfies `range` (prereleases count): a semver range, or with
 * `syntax: 'pep440'` a Python specifier set (`>=3.10, <4`, `~=3.10`, `==3.*`, `!=3.9.*`), read
 * by `@renovatebot/pep440`. Versions are coerced (`v22.1.0`, `3.12` read as semver); a range or
 * version that cannot be read throws `E_INVALID_INPUT`.
 */
export function checkVersionRange(version: string, range: string, options: { syntax?: 'semver' | 'pep440' } = {}): boolean {
  if (options.syntax === 'pep440') {
    if (range.trim() === '' || !pep440.validRange(range)) {
      throw new TektonError('E_INVALID_INPUT', `"${range}" is not a PEP 440 version specifier`, { hint: 'Write a specifier such as >=3.10 or ~=3.10' })
    }
    const readable = pep440Version(version)
    if (readable === undefined) throw new TektonError('E_INVALID_INPUT', `"${version}" is not a version`, { hint: 'Versions look like 3.12.1' })
    return pep440.satisfies(readable, range, { prereleases: true })
  }
  const validRange = semver.validRange(range, { loose: true })
  if (validRange === null) {
    throw new TektonError('E_INVALID_INPUT', `"${range}" is not a version range`, { hint: 'Write a semver range such as >=22 or ^3.10' })
  }
  const coerced = semver.valid(version, { loose: true }) ?? semver.coerce(version, { includePrerelease: true })?.version ?? null
  if (coerced === null) {
    throw new TektonError('E_INVALID_INPUT', `"${version}" is not a version`, { hint: 'Versions look like 22.1.0' })
  }
  return semver.satisfies(coerced, validRange, { includePrerelease: true, loose: true })
}

/** The lowest major version a range allows (`>=3.10, <4` → 3), for advice; undefined when it has no lower bound. */
function minimumMajor(range: string, syntax: 'semver' | 'pep440'): number | undefined {
  if (syntax === 'pep440') {
    if (!pep440.validRange(range)) return undefined
    // Every clause must hold: the highest lower bound is the minimum.
    const lower = parsePep440Specifier(range).filter((clause) => ['>=', '>', '~=', '==', '==='].includes(clause.operator))
    const majors = lower.map((clause) => Number.parseInt(clause.version.replace(/^\d+!/, ''), 10)).filter((major) => Number.isInteger(major))
    return majors.length > 0 ? Math.max(...majors) : undefined
  }
  const readable = semver.validRange(range, { loose: true })
  return readable ? semver.minVersion(readable)?.major : undefined
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
  const minimum = range ? minimumMajor(range, syntax) : undefined
  const installWhat = minimum !== undefined && minimum > 0 ? `${displayName} ${minimum}` : displayName
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
    // A range we cannot read (a typo, a Python range given as semver) must not block an install: say so instead.
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
