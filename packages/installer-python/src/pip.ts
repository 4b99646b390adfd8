/**
 * Running pip: resolving with its own resolver without installing (`--dry-run --report`), then a
 * hash-pinned install of exactly the closure it reported (`--require-hashes --no-deps`). pip
 * reads the user's own configuration (pip.conf, PIP_*), so mirrors, private indexes and their
 * credentials work as they do for the user, and credentials never appear in an argument list.
 */
import { TektonError, redact } from '@tekton/mcp-discovery'
import type { ErrorCode, TektonErrorOptions } from '@tekton/mcp-discovery'
import { z } from 'zod'
import type { ExecResult, PythonInstallerExec } from './exec'
import { label, normalizeProjectName } from './simple-project'

const pipErrorBrand = Symbol.for('@tekton/mcp.error.pip')

/** pip (or python) failed: the command, its exit code and the end of what it wrote to stderr. */
export class PipError extends TektonError {
  readonly [pipErrorBrand] = true
  override readonly name = 'PipError'
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

  /** True for any PipError, whichever copy of this package created it. */
  static override isInstance(error: unknown): error is PipError {
    return TektonError.isInstance(error) && (error as unknown as Record<symbol, unknown>)[pipErrorBrand] === true
  }

  /** Adds the command, exit code and stderr tail to the JSON view: they are what a person needs. */
  override toJSON(): { code: string; message: string; hint?: string; command: string; exitCode?: number; stderr: string } {
    return { ...super.toJSON(), command: this.command, ...(this.exitCode === undefined ? {} : { exitCode: this.exitCode }), stderr: this.stderr }
  }
}

/** The last `lines` non-empty lines of `text`. */
export function tail(text: string, lines: number): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .slice(-lines)
    .join('\n')
}

/**
 * Variables dropped from pip's environment: the ones that load code into Python, and pip options
 * that would install somewhere else than the venv or skip the checks (compared case-insensitively).
 * Everything else of pip's configuration (index, extra indexes, find-links, certificates,
 * credentials, proxies, constraints) is the user's and stays.
 */
const droppedPipOptions = new Set(['PIP_TARGET', 'PIP_PREFIX', 'PIP_ROOT', 'PIP_USER', 'PIP_SRC', 'PIP_EDITABLE', 'PIP_NO_BINARY', 'PIP_ONLY_BINARY', 'PIP_PREFER_BINARY', 'PIP_REQUIRE_HASHES', 'PIP_NO_DEPS', 'PIP_PYTHON', 'PIP_REQUIRE_VIRTUALENV', 'PIP_BREAK_SYSTEM_PACKAGES'])

/** The environment pip runs with: the user's, minus code loaders and options that would undo the guarantees. */
export function pipEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(env)) {
    const upper = name.toUpperCase()
    if (upper.startsWith('PYTHON') || upper.startsWith('LD_') || upper.startsWith('DYLD_') || upper === 'VIRTUAL_ENV' || droppedPipOptions.has(upper)) continue
    kept[name] = value
  }
  kept.PIP_DISABLE_PIP_VERSION_CHECK = '1'
  kept.PIP_NO_INPUT = '1'
  // Output in UTF-8 whatever the locale, so reports and messages parse.
  kept.PYTHONIOENCODING = 'utf-8'
  return kept
}

/** `--only-binary :all:` unless sdists (which run build code) are allowed for this server. */
export function binaryArgs(allowSdists: boolean): string[] {
  return allowSdists ? ['--prefer-binary'] : ['--only-binary', ':all:']
}

/** Arguments of the resolution: pip's resolver, nothing installed, the closure as a JSON report on stdout. */
export function resolveArgs(requirement: string, allowSdists: boolean): string[] {
  return ['install', '--dry-run', '--ignore-installed', '--report', '-', '--quiet', '--no-input', '--disable-pip-version-check', ...binaryArgs(allowSdists), requirement]
}

/** Arguments of the install: exactly the pinned closure, each file checked against its digest. */
export function installArgs(requirementsFile: string, allowSdists: boolean): string[] {
  return ['install', '--require-hashes', '--no-deps', '--ignore-installed', '--no-input', '--disable-pip-version-check', '--no-warn-script-location', ...binaryArgs(allowSdists), '-r', requirementsFile]
}

const ReportSchema = z.object({
  install: z.array(
    z.object({
      download_info: z.object({
        url: z.string(),
        archive_info: z
          .object({
            hash: z.string().optional(),
            hashes: z.record(z.string(), z.string()).optional(),
          })
          .optional(),
        dir_info: z.unknown().optional(),
        vcs_info: z.unknown().optional(),
      }),
      metadata: z.object({ name: z.string(), version: z.string() }).passthrough(),
    }),
  ),
})

/** One distribution of the closure pip resolved. */
export interface ResolvedDistribution {
  /** PEP 503 normalised name. */
  name: string
  version: string
  /** Where pip would download it from (credentials removed by pip itself). */
  url: string
  filename: string
  /** The sha256 pip's report gives, when it gives one. */
  sha256?: string
}

/** Reads pip's installation report (`--report`): the closure, each with its file and digest. */
export function parseReport(stdout: string, what: string): ResolvedDistribution[] {
  const start = stdout.indexOf('{')
  let data: unknown
  try {
    data = JSON.parse(stdout.slice(start))
  } catch (error) {
    throw new TektonError('E_INSTALL_FAILED', `${label} pip's resolution report for ${what} is not JSON`, { hint: 'pip 22.2 or later writes it; upgrade pip', cause: error })
  }
  const parsed = ReportSchema.safeParse(data)
  if (!parsed.success) throw new TektonError('E_INSTALL_FAILED', `${label} pip's resolution report for ${what} has an unexpected shape`, { hint: 'Upgrade pip (22.2 or later)' })
  return parsed.data.install.map((item) => {
    const info = item.download_info
    if (info.dir_info !== undefined || info.vcs_info !== undefined) {
      throw new TektonError('E_UNSAFE_TARBALL_URL', `${label} pip resolved ${item.metadata.name} of ${what} to a local directory or a VCS checkout (${redact(info.url)}); refusing it`, {
        hint: 'Only files listed by an index are installed; check pip.conf for find-links or a constraint naming a path',
      })
    }
    const fromHashes = info.archive_info?.hashes?.sha256
    const fromHash = info.archive_info?.hash?.startsWith('sha256=') ? info.archive_info.hash.slice('sha256='.length) : undefined
    const sha256 = (fromHashes ?? fromHash)?.toLowerCase()
    const url = new URL(info.url)
    return {
      name: normalizeProjectName(item.metadata.name),
      version: item.metadata.version,
      url: info.url,
      filename: decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf('/') + 1)),
      ...(sha256 ? { sha256 } : {}),
    }
  })
}

/** A pinned requirements file: one `name==version --hash=sha256:...` per distribution, sorted. */
export function requirementsFile(pins: ReadonlyArray<{ name: string; version: string; sha256: string }>): string {
  const lines = [...pins].sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0)).map((pin) => `${pin.name}==${pin.version} --hash=sha256:${pin.sha256}`)
  return `# Written by @tekton/mcp-installer-python: the whole closure, each file pinned to the digest its index lists.\n${lines.join('\n')}\n`
}

/** Whether pip's output says a download did not match its digest. */
export function isHashMismatch(stderr: string): boolean {
  return /DO NOT MATCH THE HASHES|hash of the package .* does not match|Expected sha256 [0-9a-f]{64}\s+Got/i.test(stderr)
}

/** Runs a python/pip command and throws `PipError` when it does not exit 0. */
export async function runPython(
  exec: PythonInstallerExec,
  file: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; signal?: AbortSignal | undefined; timeoutMs: number; what: string; step: string },
): Promise<ExecResult> {
  const result = await exec(file, args, { cwd: options.cwd, env: options.env, timeoutMs: options.timeoutMs, ...(options.signal ? { signal: options.signal } : {}) })
  if (result.exitCode === 0) return result
  const command = redact([file, ...args].join(' '))
  const stderr = redact(tail(result.stderr || result.stdout, 20))
  if (result.failure === 'canceled') throw new TektonError('E_CANCELLED', `${label} ${options.step} of ${options.what} was cancelled`)
  if (isHashMismatch(result.stderr)) {
    throw new PipError('E_INTEGRITY_MISMATCH', `${label} a file of ${options.what} does not match the sha256 its index lists; nothing was installed`, { command, exitCode: result.exitCode, stderr }, {
      hint: 'The file was changed after it was published, or a proxy altered it; do not install it, and tell the index operator',
    })
  }
  const reason = result.failure ?? `exit code ${result.exitCode}`
  const last = tail(stderr, 1)
  throw new PipError('E_INSTALL_FAILED', `${label} ${options.step} of ${options.what} failed (${reason})${last ? `: ${last}` : ''}`, { command, exitCode: result.exitCode, stderr }, {
    hint: options.step === 'resolution' ? 'pip could not find a set of wheels that fits; see its message (a dependency may have no wheel: allow install scripts for this server to build it)' : 'See pip\'s message above',
  })
}
