import { mkdtemp, readdir, rm } from 'node:fs/promises'
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

/** A server that ignores stdin closing and SIGTERM: only SIGKILL stops it. */
export function stubbornServerSource(pidFile: string): string {
  return `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid))
process.on('SIGTERM', () => {})
process.stdin.resume()
process.stdin.on('end', () => {})
setInterval(() => {}, 1000)
`
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
