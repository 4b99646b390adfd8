import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { npmFixturePackages, startFakeNpmRegistry, startFakeServer } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { closedPort, environment, run, stackFrame, temporaryHome } from './helpers'

let registry: FakeNpmRegistry
let home: { directory: string; remove: () => Promise<void> }
let env: Record<string, string>

beforeAll(async () => {
  registry = await startFakeNpmRegistry({ packages: npmFixturePackages })
})

afterAll(async () => {
  await registry.close()
})

beforeEach(async () => {
  home = await temporaryHome()
  env = environment(registry.url, home.directory)
  registry.setFault(null)
  registry.requests.length = 0
})

afterEach(async () => {
  await home.remove()
})


describe('search', () => {
  it('lists matching MCP servers best first, without the non-MCP noise', async () => {
    const result = await run(['search', 'filesystem'], { env })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const lines = result.stdout.split('\n')
    expect(lines[0]).toMatch(/^SERVER\s+VERSION\s+SOURCES\s+DESCRIPTION\s+POPULARITY$/)
    expect(lines[1]).toMatch(/^npm:@modelcontextprotocol\/server-filesystem\s+2025\.7\.1\s+npm\s+MCP server for filesystem access/)
    expect(result.stdout).toContain('npm:watchdog-tools')
    expect(result.stdout).not.toContain('npm:memfs')
    expect(result.stdout).not.toContain('filesystem-utils')
  })

  it('answers a second identical search from the cache, with a note', async () => {
    const first = await run(['search', 'filesystem'], { env })
    expect(first.code).toBe(0)
    const requests = registry.countRequests()
    expect(requests).toBeGreaterThan(0)
    const second = await run(['search', 'filesystem'], { env })
    expect(second.code).toBe(0)
    expect(registry.countRequests()).toBe(requests)
    expect(second.stdout).toMatch(/\nnpm: served from cache, \d+ s old\n$/)
    // With --refresh the answer cache is skipped, but the sources' own cache still answers.
    const debug = await run(['search', 'filesystem', '--debug', '--refresh'], { env })
    expect(debug.stderr).toMatch(/^debug: npm ok \d+ ms, from cache\n$/)
    expect(registry.countRequests()).toBe(requests)
  })

  it('prints the documented JSON shape and nothing else', async () => {
    const result = await run(['search', 'filesystem', '--limit', '2', '--json'], { env })
    expect(result.code).toBe(0)
    const page = JSON.parse(result.stdout) as { results: Array<{ ref: string; score: number; server: { name: string } }>; sources: Array<{ source: string; state: string }>; nextCursor: string | null }
    expect(Object.keys(page).sort()).toEqual(['nextCursor', 'results', 'sources'])
    expect(page.results).toHaveLength(2)
    expect(page.results[0]?.ref).toBe('npm:@modelcontextprotocol/server-filesystem')
    expect(page.results[0]?.score).toBeGreaterThanOrEqual(page.results[1]?.score ?? 0)
    expect(page.sources).toEqual([expect.objectContaining({ source: 'npm', state: 'ok' })])
    expect(typeof page.nextCursor).toBe('string')

    const next = await run(['search', 'filesystem', '--limit', '2', '--json', '--cursor', page.nextCursor ?? ''], { env })
    expect(next.code).toBe(0)
    const nextPage = JSON.parse(next.stdout) as { results: Array<{ ref: string }> }
    expect(nextPage.results.map((entry) => entry.ref)).not.toContain(page.results[0]?.ref)
  })

  it('prints YAML with --format yaml', async () => {
    const result = await run(['search', 'kubernetes', '--format', 'yaml'], { env })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^results:\n/)
    expect(result.stdout).toContain('ref: npm:mcp-server-kubernetes')
    expect(result.stdout).toMatch(/\nnextCursor: null\n/)
  })

  it('applies filters', async () => {
    const result = await run(['search', 'filesystem', '--transport', 'stdio', '--registry-type', 'npm', '--tag', 'watch', '--source', 'npm', '--json'], { env })
    expect(result.code).toBe(0)
    const refs = (JSON.parse(result.stdout) as { results: Array<{ ref: string }> }).results.map((entry) => entry.ref)
    expect(refs).toEqual(['npm:watchdog-tools'])
  })

  it('notes a registry without a search endpoint instead of failing', async () => {
    const mirror = await startFakeNpmRegistry({ packages: npmFixturePackages, searchUnsupported: true })
    try {
      const result = await run(['search', 'filesystem'], { env: environment(mirror.url, home.directory) })
      expect(result.code).toBe(0)
      expect(result.stdout).toContain('No MCP servers found.')
      expect(result.stdout).toMatch(/\nnpm: .*search.*\n$/)
    } finally {
      await mirror.close()
    }
  })

  it('rejects bad option values as usage errors', async () => {
    const limit = await run(['search', 'x', '--limit', 'lots'], { env })
    expect(limit.code).toBe(2)
    expect(limit.stderr).toMatch(/^error E_INVALID_INPUT: --limit must be a whole number from 1 to 100/)
    const transport = await run(['search', 'x', '--transport', 'carrier-pigeon'], { env })
    expect(transport.code).toBe(2)
    expect(transport.stderr).toContain('hint: Use one or more of stdio, streamable-http, sse')
    const empty = await run(['search', ' '], { env })
    expect(empty.code).toBe(2)
    expect(empty.stderr).toMatch(/^error E_INVALID_QUERY/)
    const cursor = await run(['search', 'x', '--cursor', 'nonsense'], { env })
    expect(cursor.code).toBe(2)
    expect(cursor.stderr).toMatch(/^error E_INVALID_QUERY/)
    expect(registry.countRequests()).toBe(0)
  })

  it('fails with one coded line when the registry is unreachable', async () => {
    const port = await closedPort()
    const result = await run(['search', 'filesystem'], { env: environment(`http://127.0.0.1:${port}`, home.directory) })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^error E_[A-Z_]+: \[npm\] .+\nhint: .+\n$/)
    expect(result.stderr).not.toMatch(stackFrame)
  })

  it('fails with one coded line when the registry answers garbage', async () => {
    registry.setFault({ kind: 'invalid-json' })
    const result = await run(['search', 'filesystem'], { env })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error E_[A-Z_]+: .+\nhint: .+\n$/)
    expect(result.stderr).not.toMatch(stackFrame)
  })

  it('returns soon after printing while a background refresh hangs', async () => {
    const start = Date.now()
    expect((await run(['search', 'memory'], { env, now: () => start })).code).toBe(0)
    registry.setFault({ kind: 'hang' })
    registry.requests.length = 0
    // Past the search freshness (and the saved answer), within stale-while-revalidate: the cached
    // page is printed at once and a refresh starts against a registry that never answers.
    const result = await run(['search', 'memory', '--debug'], { env, now: () => start + 15 * 60_000 })
    const returnedAt = Date.now()
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('npm:@modelcontextprotocol/server-memory')
    expect(result.stderr).toContain('debug: npm stale')
    // The CLI returned while its refresh was still waiting: without a bound it waited for the
    // refresh's timeout, and the client would have given up on the request before returning. On
    // a loaded machine the request may even reach the fake only after the CLI returned.
    const deadline = Date.now() + 120_000
    while (!registry.requests.some((request) => request.fault === 'hang') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    const refresh = registry.requests.find((request) => request.fault === 'hang')
    expect(refresh).toBeDefined()
    expect(refresh?.abandonedAt === undefined || refresh.abandonedAt >= returnedAt).toBe(true)
  })

  it('strips terminal escapes from a registry body quoted in an error, keeping --debug stacks readable', async () => {
    const hostile = await startFakeServer(() => ({ headers: { 'content-type': 'application/json' }, body: '\u001b[2J\u001b[31mnot json at all' }))
    try {
      const hostileEnv = environment(hostile.url, home.directory)
      const result = await run(['info', 'npm:mcp-remote', '--debug'], { env: hostileEnv })
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/^error E_[A-Z_]+: .*\[2J\[31mn/)
      expect(result.stderr).not.toContain('\u001b')
      expect(result.stderr).toMatch(/\nhint: .+\n/)
      expect(result.stderr).toMatch(stackFrame)
      const json = await run(['search', 'memory', '--json'], { env: hostileEnv })
      expect(json.code).toBe(1)
      expect(json.stdout).toContain('[2J[31mn')
      expect(json.stdout).not.toMatch(/\\u001b|\u001b/)
      expect(json.stderr).not.toContain('\u001b')
    } finally {
      await hostile.close()
    }
    // Command-line words quoted in usage errors are cleaned the same way.
    const usage = await run(['search', 'x', '--\u001b[2Jbogus'])
    expect(usage.stderr).toBe('error E_USAGE: Unknown option --[2Jbogus\nhint: run tekton-mcp search --help\n')
  })

  it('shows progress on stderr only on a terminal, and colour only without NO_COLOR', async () => {
    const tty = { stdout: true, stderr: true }
    const coloured = await run(['search', 'filesystem'], { env, isTTY: tty })
    expect(coloured.code).toBe(0)
    expect(coloured.stdout).toContain('\u001b[')
    expect(coloured.stderr).toContain('searching npm for "filesystem"')
    const plain = await run(['search', 'filesystem'], { env: { ...env, NO_COLOR: '1' }, isTTY: tty })
    expect(plain.stdout).not.toContain('\u001b[')
    const noColorFlag = await run(['search', 'filesystem', '--no-color'], { env, isTTY: tty })
    expect(noColorFlag.stdout).not.toContain('\u001b[')
  })
})

describe('info', () => {
  it('shows the card: launch entry, requirements, registry name, versions with latest', async () => {
    const result = await run(['info', 'npm:@modelcontextprotocol/server-filesystem'], { env })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^@modelcontextprotocol\/server-filesystem 2025\.7\.1\nMCP server for filesystem access\n/)
    expect(result.stdout).toMatch(/ref\s+npm:@modelcontextprotocol\/server-filesystem/)
    expect(result.stdout).toMatch(/license\s+MIT/)
    expect(result.stdout).toMatch(/launch\s+.*@modelcontextprotocol\/server-filesystem/)
    expect(result.stdout).toMatch(/requires\s+node >=18/)
    expect(result.stdout).toMatch(/registry name\s+io\.github\.modelcontextprotocol\/server-filesystem/)
    expect(result.stdout).toMatch(/Versions\n {2}2025\.8\.0-beta\.1 {2}next\s+2025-08-02\s+prerelease\n/)
    expect(result.stdout).toMatch(/bin\s+mcp-server-filesystem → dist\/index\.js/)
    expect(result.stdout).toMatch(/ {2}2025\.7\.1\s+latest\s+2025-07-01\n/)
  })

  it('prints { server, versions, sources } with --json', async () => {
    const result = await run(['info', 'npm:@modelcontextprotocol/server-filesystem', '--json'], { env })
    expect(result.code).toBe(0)
    const body = JSON.parse(result.stdout) as { server: { ref: string; registryName?: string; packages: unknown[] }; versions: Array<{ version: string; tags: string[] }>; sources: unknown[] }
    expect(Object.keys(body).sort()).toEqual(['server', 'sources', 'versions'])
    expect(body.server.ref).toBe('npm:@modelcontextprotocol/server-filesystem')
    expect(body.server.registryName).toBe('io.github.modelcontextprotocol/server-filesystem')
    expect(body.server.packages.length).toBeGreaterThan(0)
    expect(body.versions.find((entry) => entry.tags.includes('latest'))?.version).toBe('2025.7.1')
  })

  it('resolves a bare name through search', async () => {
    const result = await run(['info', 'mcp-server-kubernetes', '--json'], { env })
    expect(result.code).toBe(0)
    const body = JSON.parse(result.stdout) as { server: { ref: string }; versions: Array<{ version: string }> }
    expect(body.server.ref).toBe('npm:mcp-server-kubernetes')
    expect(body.versions[0]?.version).toBe('2.5.1')
  })

  it('shows a deprecated package as deprecated', async () => {
    const result = await run(['info', 'npm:mcp-server-legacy-fs'], { env })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/status\s+deprecated: Moved to @modelcontextprotocol\/server-filesystem/)
  })

  it('exits 3 for an unknown ref, with a hint naming the search to run', async () => {
    const result = await run(['info', 'npm:no-such-server'], { env })
    expect(result.code).toBe(3)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^error E_NOT_FOUND: .+\nhint: .+\(tekton-mcp search no-such-server\)\n$/)
  })

  it('exits 2 for a malformed ref without asking the registry', async () => {
    const result = await run(['info', 'npm:../../etc'], { env })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^error E_INVALID_REF: .+\nhint: .+\n$/)
    expect(registry.countRequests()).toBe(0)
  })

  it('reports errors as JSON on stdout too with --json', async () => {
    const result = await run(['info', 'npm:no-such-server', '--json'], { env })
    expect(result.code).toBe(3)
    expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'E_NOT_FOUND', message: expect.any(String), hint: expect.any(String) } })
    expect(result.stderr).toMatch(/^error E_NOT_FOUND/)
  })

  it('exits 1 with one coded line when the registry answers garbage, and shows the stack only with --debug', async () => {
    registry.setFault({ kind: 'invalid-json' })
    const result = await run(['info', 'npm:mcp-remote'], { env })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error E_[A-Z_]+: .+\nhint: .+\n$/)
    expect(result.stderr).not.toMatch(stackFrame)
    const debug = await run(['info', 'npm:mcp-remote', '--debug'], { env })
    expect(debug.code).toBe(1)
    expect(debug.stderr).toMatch(stackFrame)
  })

  it('exits 1 with one coded line when the registry is unreachable', async () => {
    const port = await closedPort()
    const result = await run(['info', 'npm:mcp-remote'], { env: environment(`http://127.0.0.1:${port}`, home.directory) })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error E_[A-Z_]+: .+\nhint: .+\n$/)
    expect(result.stderr).not.toMatch(stackFrame)
  })
})

describe('versions', () => {
  it('lists stable and tagged versions newest first', async () => {
    const result = await run(['versions', 'npm:@modelcontextprotocol/server-filesystem'], { env })
    expect(result.code).toBe(0)
    const versions = result.stdout.split('\n').slice(1).map((line) => line.split(/\s+/)[0]).filter(Boolean)
    expect(versions.slice(0, 4)).toEqual(['2025.8.0-beta.1', '2025.7.1', '2025.3.28', '0.6.3'])
    expect(result.stdout).toMatch(/2025\.7\.1\s+latest\s+2025-07-01/)
    expect(result.stdout).not.toMatch(/^0\.6\.0 /m)
    expect(result.stdout).toContain('1 more not shown')
  })

  it('includes deprecated versions, marked, with --all', async () => {
    const result = await run(['versions', 'npm:@modelcontextprotocol/server-filesystem', '--all'], { env })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/0\.6\.0\s+2024-12-03\s+deprecated: Path traversal/)
    expect(result.stdout).toMatch(/2025\.8\.0-beta\.1\s+next\s+2025-08-02\s+prerelease/)
  })

  it('prints { ref, versions, total, sources } with --json and honours --limit', async () => {
    const result = await run(['versions', 'NPM:@modelcontextprotocol/server-filesystem', '--json', '--limit', '2', '--all'], { env })
    expect(result.code).toBe(0)
    const body = JSON.parse(result.stdout) as { ref: string; versions: Array<{ version: string }>; total: number; sources: unknown[] }
    expect(Object.keys(body).sort()).toEqual(['ref', 'sources', 'total', 'versions'])
    expect(body.ref).toBe('npm:@modelcontextprotocol/server-filesystem')
    expect(body.versions.map((entry) => entry.version)).toEqual(['2025.8.0-beta.1', '2025.7.1'])
    expect(body.total).toBe(7)
  })

  it('exits 3 for an unknown ref and 2 for a malformed one', async () => {
    expect((await run(['versions', 'npm:no-such-server'], { env })).code).toBe(3)
    expect((await run(['versions', 'npm:'], { env })).code).toBe(2)
  })
})

describe('cache', () => {
  it('shows stats and clears one source or everything', async () => {
    await run(['search', 'filesystem'], { env })
    const stats = await run(['cache', 'stats', '--json'], { env })
    expect(stats.code).toBe(0)
    const body = JSON.parse(stats.stdout) as { directory: string; stats: { drivers: Array<{ name: string; entries: number }> } }
    expect(body.directory.startsWith(home.directory)).toBe(true)
    expect(body.stats.drivers.reduce((sum, driver) => sum + driver.entries, 0)).toBeGreaterThan(0)
    expect((await run(['cache', 'stats'], { env })).stdout).toContain(home.directory)

    const cleared = await run(['cache', 'clear', '--source', 'npm', '--json'], { env })
    expect(cleared.code).toBe(0)
    expect(JSON.parse(cleared.stdout)).toEqual({ directory: body.directory, source: 'npm', removed: expect.any(Number) })
    expect((JSON.parse(cleared.stdout) as { removed: number }).removed).toBeGreaterThan(0)

    registry.requests.length = 0
    await run(['search', 'filesystem'], { env })
    expect(registry.countRequests()).toBeGreaterThan(0)

    const all = await run(['cache', 'clear'], { env })
    expect(all.code).toBe(0)
    expect(all.stdout).toMatch(/^cleared all entries: \d+ removed/)
    const after = JSON.parse((await run(['cache', 'stats', '--json'], { env })).stdout) as { stats: { drivers: Array<{ entries: number }> } }
    expect(after.stats.drivers.every((driver) => driver.entries === 0)).toBe(true)
  })

  it('fails when the cache directory cannot be used instead of reporting nothing removed', async () => {
    const file = path.join(home.directory, 'not-a-directory')
    await writeFile(file, 'a regular file')
    for (const argv of [['cache', 'clear'], ['cache', 'clear', '--source', 'npm']]) {
      const result = await run(argv, { env: { ...env, TEKTON_MCP_HOME: file } })
      expect(result.code).toBe(1)
      expect(result.stdout).toBe('')
      expect(result.stderr).toMatch(/^error E_CACHE: .*not-a-directory.*\nhint: .+\n$/)
    }
  })

  it('says which lock is in the way when another process holds the cache', async () => {
    await run(['search', 'filesystem'], { env })
    const lock = path.join(home.directory, 'cache', 'discovery.json.lock')
    await mkdir(lock)
    const result = await run(['cache', 'clear'], { env })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error E_CACHE: .*\nhint: .*discovery\.json\.lock.*\n$/)
  })

  it('refuses a source that does not exist, listing those that do, instead of clearing nothing', async () => {
    for (const source of ['nosuch', '../x']) {
      const result = await run(['cache', 'clear', '--source', source], { env })
      expect(result.code).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr).toBe(`error E_UNKNOWN_SOURCE: Unknown source ${JSON.stringify(source)}\nhint: Use one of registry, npm, pypi, github, or leave --source out to clear everything\n`)
    }
  })

  it('refuses a registry type nothing is published as, naming the valid ones, instead of finding nothing', async () => {
    const result = await run(['search', 'filesystem', '--registry-type', 'npm,bogus'], { env })
    expect(result.code).toBe(2)
    expect(result.stderr).toBe('error E_INVALID_INPUT: --registry-type: unknown "bogus"\nhint: Use one or more of npm, pypi, oci, docker, nuget, mcpb\n')
    expect((await run(['search', 'filesystem', '--registry-type', 'NPM', '--json'], { env })).code).toBe(0)
  })
})
