/**
 * `tekton-mcp serve` as a user runs it: the built executable on a free port, the token file made
 * on first start (0600, never printed), a search and a refused change through the real listener,
 * one access-log line per request without the token, and a graceful stop on SIGTERM (exit 0).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { npmFixturePackages, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { environment, temporaryHome } from './helpers'

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))

let registry: FakeNpmRegistry
let home: { directory: string; remove: () => Promise<void> }

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run tsup (pnpm build) before these tests`)
  registry = await startFakeNpmRegistry({ packages: npmFixturePackages })
  home = await temporaryHome()
})

afterAll(async () => {
  await registry?.close()
  await home?.remove()
})

describe('tekton-mcp serve', () => {
  it('serves the API on loopback, logs requests without secrets, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--base', '/mcp/'], {
      env: { PATH: process.env.PATH ?? '', ...environment(registry.url, home.directory) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)\n[^]*reference: .*\n/.exec(stderr)
        if (match) resolve(match[1] as string)
      })
      child.once('exit', () => reject(new Error(`serve exited before listening: ${stderr}`)))
    })
    try {
      const tokenFile = path.join(home.directory, 'config', 'api-token')
      expect(stderr).toContain(`token: ${tokenFile} (new)`)
      expect((await stat(tokenFile)).mode & 0o777).toBe(0o600)
      const token = (await readFile(tokenFile, 'utf8')).trim()
      expect(stderr).not.toContain(token)

      const search = await fetch(`${url}/search?q=filesystem`)
      expect(search.status).toBe(200)
      expect(((await search.json()) as { results: unknown[] }).results.length).toBeGreaterThan(0)
      const refused = await fetch(`${url}/servers/x/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' })
      expect(refused.status).toBe(401)
      const allowed = await fetch(`${url}/servers/x/config`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{}' })
      expect(allowed.status).toBe(404)
      expect((await fetch(`${url}/health`)).status).toBe(200)
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
    const logs = stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { method: string; path: string; status: number })
    expect(logs.map((entry) => [entry.method, entry.path, entry.status])).toEqual([
      ['GET', '/mcp/search', 200],
      ['PUT', '/mcp/servers/x/config', 401],
      ['PUT', '/mcp/servers/x/config', 404],
      ['GET', '/mcp/health', 200],
    ])
    expect(stderr).toContain('stopping (SIGTERM)')
    expect(stdout).toBe('Stopped (SIGTERM) after 4 requests\n')
  })
})
