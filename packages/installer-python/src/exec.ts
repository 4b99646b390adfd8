/** Running programs (python, pip): the installation package's one runner, under this package's names. */
import { runProgram } from '@tekton/mcp-installation'
import type { ProgramOptions, ProgramResult, ProgramRunner } from '@tekton/mcp-installation'

/** What a finished program reported. */
export type ExecResult = ProgramResult
export type ExecOptions = ProgramOptions

/**
 * Runs `file` with `args` without a shell and resolves with what it reported; never rejects for
 * a failing program (the caller decides what a non-zero exit means).
 */
export type PythonInstallerExec = ProgramRunner

/** The default `exec`: no shell, no stdin, the environment exactly as given. */
export const defaultExec: PythonInstallerExec = runProgram
