// Sources the network cannot reach (here: loopback ports nobody listens on) cost one try, not
// every search: the next searches skip them at once, say when they were last tried, and answer
// from the sources that work; --refresh asks them again.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { npmFixturePackages, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { closedPort, environment, run, temporaryHome } from './helpers'

const minute = 60_000
const start = Date.parse('2026-03-02T09:00:00Z')

interface JsonStatus {
  source: string
  state: string
  code?: string
  lastTriedAt?: string
  retryAt?: string
}

let npm: FakeNpmRegistry
let home: { directory: string; remove: () => Promise<void> }
let env: Record<string, string>

beforeAll(async () => {
  npm = await startFakeNpmRegistry({ packages: npmFixturePackages })
})

afterAll(async () => {
  await npm.close()
})

beforeEach(async () => {
  home = await temporaryHome()
  const [registryPort, pypiPort, githubPort] = await Promise.all([closedPort(), closedPort(), closedPort()])
  // Every source, as with TEKTON_MCP_SOURCES unset; only npm answers.
  env = environment(npm.url, home.directory, {
    TEKTON_MCP_SOURCES: '',
    TEKTON_MCP_REGISTRY_URL: `http://127.0.0.1:${registryPort}`,
    PIP_INDEX_URL: `http://127.0.0.1:${pypiPort}/simple/`,
    PIP_CONFIG_FILE: '/dev/null',
    GITHUB_API_URL: `http://127.0.0.1:${githubPort}`,
  })
})

afterEach(async () => {
  await home.remove()
})

describe('unreachable sources', () => {
  it('are tried once, then skipped with when they were last tried, until --refresh', async () => {
    const first = await run(['search', 'filesystem', '--json'], { env, now: () => start })
    expect(first.code).toBe(0)
    const firstPage = JSON.parse(first.stdout) as { results: Array<{ ref: string }>; sources: JsonStatus[] }
    expect(firstPage.results.map((result) => result.ref)).toContain('npm:@modelcontextprotocol/server-filesystem')
    expect(firstPage.sources.filter((status) => status.source !== 'npm').map((status) => [status.source, status.state])).toEqual([
      ['registry', 'error'],
      ['pypi', 'error'],
      ['github', 'error'],
    ])

    const second = await run(['search', 'filesystem'], { env, now: () => start + minute })
    expect(second.code).toBe(0)
    expect(second.stdout).toContain('server-filesystem')
    // One note per unreachable source, saying when it was tried and how to ask it now.
    for (const source of ['registry', 'pypi', 'github']) {
      expect(second.stdout).toMatch(new RegExp(`\\n${source}: skipped: not reachable 1 min ago \\(.*ECONNREFUSED.*\\); asked again in 4 min, or now with --refresh\\n`))
    }

    // The same search again within the window is the same answer: it is replayed, loading nothing.
    const json = await run(['search', 'filesystem', '--json', '--debug'], { env, now: () => start + 2 * minute })
    expect(json.stderr).toMatch(/^debug: answered from /)
    const skipped = (JSON.parse(json.stdout) as { sources: JsonStatus[] }).sources.find((status) => status.source === 'github')
    expect(skipped).toMatchObject({ state: 'skipped', code: 'E_NETWORK', lastTriedAt: '2026-03-02T09:00:00.000Z', retryAt: '2026-03-02T09:05:00.000Z' })

    const refreshed = await run(['search', 'filesystem', '--json', '--refresh'], { env, now: () => start + 3 * minute })
    expect((JSON.parse(refreshed.stdout) as { sources: JsonStatus[] }).sources.find((status) => status.source === 'github')?.state).toBe('error')

    // Once the window has passed, they are tried again.
    const later = await run(['search', 'filesystem', '--json'], { env, now: () => start + 9 * minute })
    expect((JSON.parse(later.stdout) as { sources: JsonStatus[] }).sources.find((status) => status.source === 'registry')?.state).toBe('error')
  })

  it('do not fail info or versions of a bare name another source found', async () => {
    for (const round of [0, 1]) {
      const info = await run(['info', 'server-filesystem'], { env, now: () => start + round * minute })
      expect(info.stderr).toBe('')
      expect(info.code).toBe(0)
      expect(info.stdout).toContain('@modelcontextprotocol/server-filesystem')
    }
    const versions = await run(['versions', 'server-filesystem', '--json'], { env, now: () => start + 2 * minute })
    expect(versions.code).toBe(0)
    const listed = JSON.parse(versions.stdout) as { versions: unknown[]; sources: JsonStatus[] }
    expect(listed.versions.length).toBeGreaterThan(0)
    expect(listed.sources.find((status) => status.source === 'github')).toMatchObject({ state: 'skipped' })
  })

  it('fail the search when they are all that was asked, skipped or not', async () => {
    const only = { ...env, TEKTON_MCP_SOURCES: 'registry,github' }
    const first = await run(['search', 'filesystem'], { env: only, now: () => start })
    expect(first.code).toBe(1)
    expect(first.stderr).toMatch(/^error E_NETWORK: \[registry\] GET .*ECONNREFUSED/)
    const second = await run(['search', 'filesystem'], { env: only, now: () => start + minute })
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(/^error E_NETWORK: \[registry\] GET .*ECONNREFUSED.*\nhint: Not asked again: it could not be reached a moment ago. Check the network, then retry with --refresh\n$/)
  })
})
