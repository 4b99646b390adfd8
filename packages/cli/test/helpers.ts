import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { main } from '../src/index'
import type { CliIo } from '../src/index'

export interface RunResult {
  code: number
  stdout: string
  stderr: string
  /** Questions the CLI asked, in order (only when `prompt` was given). */
  questions?: string[]
}

export interface RunOptions {
  env?: Record<string, string | undefined>
  /** Which streams are terminals; `stdin: true` lets the CLI ask (through `prompt`). */
  isTTY?: { stdout: boolean; stderr: boolean; stdin?: boolean }
  /** Answers the CLI's questions; records them in `RunResult.questions`. @default answers '' */
  prompt?: (question: string) => Promise<string> | string
  columns?: number
  /** @default process.cwd() */
  cwd?: string
  /** The CLI's clock. @default Date.now */
  now?: () => number
  /** Sends a Ctrl-C (to the CLI's interrupt handler) once stderr so far satisfies this. */
  interruptWhen?: (stderr: string) => boolean
}

/** Runs the CLI in-process with captured output. */
export async function run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  let stdout = ''
  let stderr = ''
  let interrupt: (() => void) | undefined
  const io: Partial<CliIo> = {
    // Never the process's own SIGINT: a test's Ctrl-C is `interruptWhen`.
    onInterrupt: (handler) => {
      interrupt = handler
      return () => {
        if (interrupt === handler) interrupt = undefined
      }
    },
    stdout: (text) => {
      stdout += text
    },
    stderr: (text) => {
      stderr += text
      if (interrupt && options.interruptWhen?.(stderr)) {
        const handler = interrupt
        interrupt = undefined
        handler()
      }
    },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    ...(options.now ? { now: options.now } : {}),
    isTTY: options.isTTY ?? { stdout: false, stderr: false },
    columns: options.columns ?? 120,
  }
  const questions: string[] = []
  const answer = options.prompt
  if (answer) {
    io.prompt = async (question) => {
      questions.push(question)
      return answer(question)
    }
  } else {
    io.prompt = async () => ''
  }
  const code = await main(argv, io)
  return answer ? { code, stdout, stderr, questions } : { code, stdout, stderr }
}

/** A fresh TEKTON_MCP_HOME; remove it with the returned function. */
export async function temporaryHome(): Promise<{ directory: string; remove: () => Promise<void> }> {
  const directory = await mkdtemp(path.join(tmpdir(), 'tekton-mcp-cli-'))
  return { directory, remove: () => rm(directory, { recursive: true, force: true }) }
}

/** The environment the CLI sees: a loopback registry, a private home, nothing from the real user. */
export function environment(registryUrl: string, home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    npm_config_registry: `${registryUrl}/`,
    TEKTON_MCP_HOME: home,
    // Keeps the real user's .npmrc out of the tests.
    npm_config_userconfig: path.join(home, 'npmrc'),
    HOME: home,
    // Most tests are about the CLI over one source; multi-source tests set their own list.
    TEKTON_MCP_SOURCES: 'npm',
    ...extra,
  }
}

/**
 * The environment for install commands: `environment` plus this process's PATH, where the
 * installer finds node and npm (a real npm installs from the loopback registry).
 */
export function installEnvironment(registryUrl: string, home: string, extra: Record<string, string> = {}): Record<string, string> {
  return environment(registryUrl, home, { PATH: process.env.PATH ?? '', ...extra })
}

/** Any line that looks like a stack frame. */
export const stackFrame = /^\s+at\s/m

export { closedPort } from '@tekton/mcp-testkit'
