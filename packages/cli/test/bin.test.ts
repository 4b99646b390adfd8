// The built executable, spawned for real: start-up, exit codes, a cache that survives from one
// process to the next, and what a cached answer loads. Needs `tsup` to have run (turbo's test
// depends on build).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import path from 'node:path'
import { npmFixturePackages, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { environment, stackFrame, temporaryHome } from './helpers'

const bin = path.join(import.meta.dirname, '..', 'dist', 'bin.js')

interface Spawned {
  code: number
  stdout: string
  stderr: string
  /** When the first output arrived on stdout (`Date.now()`), if any. */
  printedAt: number | undefined
  /** When the process had ended. */
  exitedAt: number
}

// Asynchronous on purpose: the fake registry lives in this process and must keep answering.
// Two minutes: start-up alone can take seconds on a loaded machine.
function spawnCli(argv: string[], env: Record<string, string>, nodeOptions: string[] = []): Promise<Spawned> {
  return new Promise((resolve) => {
    let printedAt: number | undefined
    const child = execFile(process.execPath, [...nodeOptions, bin, ...argv], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
      resolve({ code, stdout, stderr, printedAt, exitedAt: Date.now() })
    })
    child.stdout?.once('data', () => {
      printedAt = Date.now()
    })
  })
}

let registry: FakeNpmRegistry
let home: { directory: string; remove: () => Promise<void> }
let env: Record<string, string>

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run tsup (pnpm build) before these tests`)
  registry = await startFakeNpmRegistry({ packages: npmFixturePackages })
  home = await temporaryHome()
  env = environment(registry.url, home.directory)
})

afterAll(async () => {
  await registry?.close()
  await home?.remove()
})

describe('dist/bin.js', () => {
  it('prints help and the version', async () => {
    const help = await spawnCli(['--help'], env)
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('tekton-mcp search <query..>')
    const version = await spawnCli(['--version'], env)
    expect(version.code).toBe(0)
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('answers a repeated search in a new process from the file cache, without a request', async () => {
    const first = await spawnCli(['search', 'filesystem'], env)
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(first.stdout).toContain('npm:@modelcontextprotocol/server-filesystem')
    const requests = registry.countRequests()
    expect(requests).toBeGreaterThan(0)

    const second = await spawnCli(['search', 'filesystem', '--json'], env)
    expect(second.code).toBe(0)
    expect(registry.countRequests()).toBe(requests)
    const page = JSON.parse(second.stdout) as { sources: Array<{ fromCache?: boolean }> }
    expect(page.sources[0]?.fromCache).toBe(true)
  })

  /** Runs the CLI with a module hook that records every module the process resolves. */
  async function modulesLoaded(argv: string[]): Promise<string[]> {
    const log = path.join(home.directory, 'modules.log')
    const hooks = path.join(home.directory, 'hooks.mjs')
    const register = path.join(home.directory, 'register.mjs')
    await writeFile(hooks, `import { appendFileSync } from 'node:fs'
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  appendFileSync(${JSON.stringify(log)}, result.url + '\\n')
  return result
}
`)
    await writeFile(register, `import { register } from 'node:module'\nregister(${JSON.stringify(pathToFileURL(hooks).href)})\n`)
    await writeFile(log, '')
    const result = await spawnCli(argv, env, ['--import', register])
    expect(result.code).toBe(0)
    return (await readFile(log, 'utf8')).split('\n').filter(Boolean)
  }

  it("answers --help and a command's --help from its own files, without the install packages", async () => {
    for (const argv of [['--help'], ['install', '--help']]) {
      const modules = await modulesLoaded(argv)
      expect(modules.filter((url) => !url.startsWith('node:') && !url.includes('/packages/cli/'))).toEqual([])
      expect(modules.filter((url) => /installation|installer-node/.test(url))).toEqual([])
    }
  })

  it('answers a repeated search without loading the library, the registry packages or their dependencies', async () => {
    const loaded = modulesLoaded
    const heavy = /packages\/discovery\/(dist|src)\/index|packages\/registry-npm|@tekton\/mcp-(discovery|registry-npm)\/dist\/index|\/(zod|undici|ofetch|flat-cache|lru-cache|yaml|ini)\//

    const miss = await loaded(['search', 'memory', '--json'])
    // The hook sees the library on a miss, so its silence on a hit means something.
    expect(miss.filter((url) => heavy.test(url)).length).toBeGreaterThan(0)
    const requests = registry.countRequests()
    const hit = await loaded(['search', 'memory'])
    expect(registry.countRequests()).toBe(requests)
    expect(hit.some((url) => url.includes('/dist/cli-'))).toBe(true)
    expect(hit.filter((url) => heavy.test(url))).toEqual([])
    expect(hit.filter((url) => !url.startsWith('node:') && !url.includes('/packages/cli/dist/'))).toEqual([])
  })

  it('exits soon after printing while a background refresh waits on a registry that hangs', async () => {
    const own = await temporaryHome()
    const ownEnv = environment(registry.url, own.directory)
    try {
      expect((await spawnCli(['search', 'memory'], ownEnv)).code).toBe(0)
      // A new process cannot be given a clock: age the cached entries instead, past the search
      // freshness and within stale-while-revalidate, so the next search serves them and refreshes.
      const file = path.join(own.directory, 'cache', 'discovery.json')
      const text = await readFile(file, 'utf8')
      const aged = text.replace(/"storedAt":(\d+)/g, (_match, storedAt: string) => `"storedAt":${Number(storedAt) - 15 * 60_000}`)
      expect(aged).not.toBe(text)
      await writeFile(file, aged)
      registry.setFault({ kind: 'hang' })
      const result = await spawnCli(['search', 'memory', '--refresh', '--debug'], ownEnv)
      expect(result.code).toBe(0)
      expect(result.stdout).toContain('npm:@modelcontextprotocol/server-memory')
      expect(result.stderr).toContain('debug: npm stale')
      // Counted from the answer on stdout, so node's start-up (seconds on a loaded machine) is not
      // in it: the 1.5 s settle bound and the exit, not the refresh's 8 s per-attempt timeout,
      // which began before the answer was printed.
      expect(result.printedAt).toBeDefined()
      expect(result.exitedAt - (result.printedAt ?? 0)).toBeLessThan(7000)
    } finally {
      registry.setFault(null)
      await own.remove()
    }
  })

  it('exits with the documented codes and one coded line', async () => {
    const missing = await spawnCli(['info', 'npm:no-such-server'], env)
    expect(missing.code).toBe(3)
    expect(missing.stderr).toMatch(/^error E_NOT_FOUND: .+\nhint: .+\n$/)
    const malformed = await spawnCli(['info', 'npm:../../etc'], env)
    expect(malformed.code).toBe(2)
    expect(malformed.stderr).not.toMatch(stackFrame)
    const usage = await spawnCli(['nonsense'], env)
    expect(usage.code).toBe(2)
  })
})
