/** Running programs (python, pip): always without a shell, with an explicit environment. */
import { execa } from 'execa'

/** What a finished program reported. */
export interface ExecResult {
  /** The exit code; undefined when the program could not start, timed out or was killed. */
  exitCode?: number
  stdout: string
  stderr: string
  /** Why it did not exit on its own, e.g. `spawn ENOENT`, `timed out after 300000 ms`, `canceled`. */
  failure?: string
}

export interface ExecOptions {
  cwd: string
  /** The whole environment of the program: nothing of the parent's is added. */
  env: NodeJS.ProcessEnv
  signal?: AbortSignal
  timeoutMs?: number
}

/**
 * Runs `file` with `args` without a shell and resolves with what it reported; never rejects for
 * a failing program (the caller decides what a non-zero exit means).
 */
export type PythonInstallerExec = (file: string, args: readonly string[], options: ExecOptions) => Promise<ExecResult>

/** The default `exec`: execa, no shell, no stdin, the environment exactly as given. */
export const defaultExec: PythonInstallerExec = async (file, args, options) => {
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
