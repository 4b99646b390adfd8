/** Running programs (node, npm): always without a shell, with an explicit environment. */
import { spawn } from 'node:child_process'
import { StringDecoder } from 'node:string_decoder'
import { processTreeOf, readProcessTable, runProgram, treeCpuTicks } from '@tekton/mcp-installation'
import type { ProgramOptions, ProgramResult } from '@tekton/mcp-installation'

/** What a finished program reported. */
export type ExecResult = ProgramResult

export interface ExecOptions extends ProgramOptions {
  /**
   * Stop the program when neither it nor anything it started has written a line or used CPU
   * for this long (`failure` then starts with `inactive`). A long native build stays alive as
   * long as it works. @default none
   */
  inactivityTimeoutMs?: number
  /** Each line the program writes, as it comes (for a progress display). */
  onOutput?: (line: string, stream: 'stdout' | 'stderr') => void
  /** How often activity is looked at, in ms. @default a quarter of the limit, at most 5000 */
  activityCheckIntervalMs?: number
  /** CPU time of a process tree, in clock ticks. @default from /proc (Linux); elsewhere only output counts */
  cpuTicksOf?: (pid: number) => number
}

/**
 * Runs `file` with `args` without a shell and resolves with what it reported; never rejects for
 * a failing program (the caller decides what a non-zero exit means).
 */
export type NodeInstallerExec = (file: string, args: readonly string[], options: ExecOptions) => Promise<ExecResult>

/** The default `exec`: no shell, no stdin, the environment exactly as given. */
export const defaultExec: NodeInstallerExec = async (file, args, options) => {
  if (options.inactivityTimeoutMs !== undefined || options.onOutput !== undefined) return execWatched(file, args, options)
  return runProgram(file, args, options)
}

/** Keeps the end of a stream (what errors show), not all of a chatty build's output. */
const keptOutputLength = 1024 * 1024

/**
 * Runs a program in a process group of its own, streaming its lines to `onOutput` and watching
 * it: no line and no CPU time in its whole tree for `inactivityTimeoutMs` stops it, and so do
 * `timeoutMs` and `signal`. Stopping is SIGTERM to the group and to every process of the tree
 * (a build tool may start a new session), then SIGKILL two seconds later.
 */
export function execWatched(file: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
  return new Promise((resolve) => {
    const output = { stdout: '', stderr: '' }
    let settled = false
    let stopReason: string | undefined
    const child = spawn(file, [...args], { cwd: options.cwd, env: options.env, shell: false, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true, detached: process.platform !== 'win32' })
    const cpuTicksOf = options.cpuTicksOf ?? ((pid: number) => treeCpuTicks(pid))
    let lastActivity = Date.now()
    let lastCpu = -1
    const listen = (stream: 'stdout' | 'stderr') => {
      const decoder = new StringDecoder('utf8')
      let partial = ''
      child[stream]?.on('data', (chunk: Buffer) => {
        lastActivity = Date.now()
        const text = decoder.write(chunk)
        output[stream] = (output[stream] + text).slice(-keptOutputLength)
        const lines = (partial + text).split(/\r?\n|\r/)
        partial = lines.pop() ?? ''
        for (const line of lines) if (line.trim() !== '') options.onOutput?.(line, stream)
      })
    }
    listen('stdout')
    listen('stderr')
    const tree = new Set<number>()
    const stop = (reason: string) => {
      if (stopReason !== undefined || child.pid === undefined) return
      stopReason = reason
      const leader = child.pid
      for (const entry of processTreeOf(leader, readProcessTable())) tree.add(entry.pid)
      const signalAll = (signal: NodeJS.Signals) => {
        if (process.platform !== 'win32') signalQuietly(-leader, signal)
        signalQuietly(leader, signal)
        for (const pid of tree) signalQuietly(pid, signal)
      }
      signalAll('SIGTERM')
      setTimeout(() => signalAll('SIGKILL'), 2000).unref()
    }
    const limit = options.inactivityTimeoutMs
    const interval =
      limit === undefined ? undefined : setInterval(() => {
        if (child.pid === undefined) return
        const cpu = cpuTicksOf(child.pid)
        if (cpu !== lastCpu) {
          if (lastCpu >= 0) lastActivity = Date.now()
          lastCpu = cpu
        }
        if (Date.now() - lastActivity >= limit) stop(`inactive: no output and no CPU for ${limit} ms`)
      }, options.activityCheckIntervalMs ?? Math.max(10, Math.min(5000, Math.floor(limit / 4))))
    const wallClock = options.timeoutMs === undefined ? undefined : setTimeout(() => stop(`timed out after ${options.timeoutMs} ms`), options.timeoutMs)
    const onAbort = () => stop('canceled')
    options.signal?.addEventListener('abort', onAbort, { once: true })
    if (options.signal?.aborted) onAbort()
    const finish = (result: ExecResult) => {
      if (settled) return
      settled = true
      if (interval) clearInterval(interval)
      if (wallClock) clearTimeout(wallClock)
      options.signal?.removeEventListener('abort', onAbort)
      resolve(result)
    }
    child.once('error', (error) => finish({ ...trimmed(output), failure: error.message }))
    child.once('close', (code, signal) => {
      // Whatever it left behind in its group goes too (a build's daemon, a stuck compiler).
      if (child.pid !== undefined && process.platform !== 'win32') signalQuietly(-child.pid, 'SIGKILL')
      if (stopReason !== undefined) finish({ ...trimmed(output), failure: stopReason })
      else if (code === null) finish({ ...trimmed(output), failure: `killed by ${signal ?? 'a signal'}` })
      else finish({ exitCode: code, ...trimmed(output) })
    })
  })
}

function trimmed(output: { stdout: string; stderr: string }): { stdout: string; stderr: string } {
  return { stdout: output.stdout.replace(/\n$/, ''), stderr: output.stderr.replace(/\n$/, '') }
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {
    // Already gone.
  }
}
