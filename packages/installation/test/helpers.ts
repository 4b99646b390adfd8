import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fixtureServerSource } from '@tekton/mcp-testkit'
import type { FixtureServerOptions } from '@tekton/mcp-testkit'

/** A temporary directory, removed by `cleanup`. */
export async function tempDirectory(prefix = 'tekton-installation-'): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(path.join(tmpdir(), prefix))
  return { root, cleanup: () => rm(root, { recursive: true, force: true, maxRetries: 3 }) }
}

/**
 * The fixture server, preceded by a line that writes its pid to `pidFile`: tests then check the
 * process is gone after a handshake, whatever happened.
 */
export function fixtureWithPidFile(pidFile: string, options: FixtureServerOptions = {}): string {
  const source = fixtureServerSource(options).replace(/^#!.*\n/, '')
  return `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid))\n${source}`
}

/**
 * The fixture server writing its pid file last, once its start-up code (banner included) has run:
 * a test waits for the file instead of guessing how long a loaded machine takes to start node.
 */
export function fixtureAnnouncingStart(pidFile: string, options: FixtureServerOptions = {}): string {
  return `${fixtureServerSource(options)}\nrequire('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid))\n`
}

/** A server that ignores stdin closing and SIGTERM: only SIGKILL stops it. Its pid file says it is ready. */
export function stubbornServerSource(pidFile: string): string {
  return `process.on('SIGTERM', () => {})
process.stdin.resume()
process.stdin.on('end', () => {})
setInterval(() => {}, 1000)
require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid))
`
}

/** A handshake deadline the test fires (`startDeadlineTimer`), not the clock. */
export function deadlineOnDemand(): { start: (onDeadline: () => void) => () => void; fire: () => void } {
  let onDeadline: (() => void) | undefined
  return {
    start: (callback) => {
      onDeadline = callback
      return () => {
        onDeadline = undefined
      }
    },
    fire: () => onDeadline?.(),
  }
}

/** Waits until `pidFile` has been written (the server started). */
export async function serverStarted(pidFile: string): Promise<void> {
  await waitFor(async () => (await readFile(pidFile, 'utf8').catch(() => '')) !== '', 120_000, 'the server to start')
}

/** Whether a process is alive. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Every path under `root`, relative, sorted (directories end with /). */
export async function listTree(root: string): Promise<string[]> {
  const found: string[] = []
  async function walk(directory: string, prefix: string): Promise<void> {
    const entries = await readdir(directory, { withFileTypes: true }).catch(() => [])
    for (const entry of entries) {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name
      if (entry.isDirectory()) {
        found.push(`${relative}/`)
        await walk(path.join(directory, entry.name), relative)
      } else {
        found.push(relative)
      }
    }
  }
  await walk(root, '')
  return found.sort()
}

/** Waits until `check` returns true (polling), failing after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
