/**
 * Running programs for installers (npm, pip, docker): always without a shell, with an explicit
 * environment, and never rejecting for a failing program. One implementation, so every installer
 * reports a program that could not start, timed out or was cancelled the same way.
 */

/** What a finished program reported. */
export interface ProgramResult {
  /** The exit code; undefined when the program could not start, timed out or was killed. */
  exitCode?: number
  stdout: string
  stderr: string
  /** Why it did not exit on its own, e.g. `spawn ENOENT`, `timed out after 300000 ms`, `canceled`. */
  failure?: string
}

export interface ProgramOptions {
  cwd: string
  /** The whole environment of the program: nothing of the parent's is added. */
  env: NodeJS.ProcessEnv
  signal?: AbortSignal
  /** A wall-clock limit. @default none */
  timeoutMs?: number
}

/**
 * Runs `file` with `args` without a shell and resolves with what it reported; never rejects for
 * a failing program (the caller decides what a non-zero exit means).
 */
export type ProgramRunner = (file: string, args: readonly string[], options: ProgramOptions) => Promise<ProgramResult>

// Loaded on first use (as requirements.ts does), so importing this package starts no child-process
// machinery; one shared promise, so concurrent first calls import it once.
let execaModule: Promise<typeof import('execa')> | undefined

/** The default runner: execa, no shell, no stdin, the environment exactly as given. */
export const runProgram: ProgramRunner = async (file, args, options) => {
  execaModule ??= import('execa')
  const { execa } = await execaModule
  const result = await execa(file, [...args], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    shell: false,
    stdin: 'ignore',
    reject: false,
    stripFinalNewline: true,
    windowsHide: true,
    forceKillAfterDelay: 5000,
    ...(options.signal ? { cancelSignal: options.signal } : {}),
    ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
  })
  const stdout = typeof result.stdout === 'string' ? result.stdout : ''
  const stderr = typeof result.stderr === 'string' ? result.stderr : ''
  if (result.isCanceled) return { stdout, stderr, failure: 'canceled' }
  if (result.timedOut) return { stdout, stderr, failure: `timed out after ${options.timeoutMs} ms` }
  if (result.exitCode === undefined) {
    const reason = result.signal ? `killed by ${result.signal}` : (result.originalMessage ?? result.shortMessage ?? 'could not start')
    return { stdout, stderr, failure: reason }
  }
  return { exitCode: result.exitCode, stdout, stderr }
}
