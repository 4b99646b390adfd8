import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { main } from '../src/index'
import type { CliIo } from '../src/index'

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

export interface RunOptions {
  env?: Record<string, string | undefined>
  isTTY?: { stdout: boolean; stderr: boolean }
  columns?: number
  /** @default process.cwd() */
  cwd?: string
  /** The CLI's clock. @default Date.now */
  now?: () => number
}

/** Runs the CLI in-process with captured output. */
export async function run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  let stdout = ''
  let stderr = ''
  const io: Partial<CliIo> = {
    stdout: (text) => {
      stdout += text
    },
    stderr: (text) => {
      stderr += text
    },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    ...(options.now ? { now: options.now } : {}),
    isTTY: options.isTTY ?? { stdout: false, stderr: false },
    columns: options.columns ?? 120,
  }
  const code = await main(argv, io)
  return { code, stdout, stderr }
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

/** Any line that looks like a stack frame. */
export const stackFrame = /^\s+at\s/m
