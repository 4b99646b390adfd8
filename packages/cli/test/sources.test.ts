// The CLI over all four sources at once, each a loopback fake speaking its registry's protocol:
// one row per server however many places publish it, and a failing source costs a note, not the search.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  buildNpmPackage,
  githubFixtureRepos,
  npmFixturePackages,
  officialFixtureServers,
  pypiFixtureProjects,
  startFakeGithub,
  startFakeNpmRegistry,
  startFakeOfficialRegistry,
  startFakePypi,
} from '@tekton/mcp-testkit'
import type { FakeGithub, FakeNpmRegistry, FakeOfficialRegistry, FakePypi } from '@tekton/mcp-testkit'
import { environment, run, temporaryHome } from './helpers'

/** `@example/postgres-mcp` on npm, claiming the official name the registry lists it under. */
const postgresOnNpm = buildNpmPackage({
  name: '@example/postgres-mcp',
  description: 'MCP server for PostgreSQL',
  keywords: ['mcp', 'mcp-server', 'postgres'],
  license: 'MIT',
  repository: { type: 'git', url: 'git+https://github.com/example/postgres-mcp.git' },
  bin: { 'postgres-mcp': 'dist/index.js' },
  mcpName: 'io.github.example/postgres',
  downloads: { weekly: 1200, monthly: 5000 },
  versions: [{ version: '1.0.0', publishedAt: '2025-08-14T09:30:00.000Z' }, { version: '1.1.0', publishedAt: '2025-10-01T14:05:00.000Z' }],
})

let npm: FakeNpmRegistry
let registry: FakeOfficialRegistry
let pypi: FakePypi
let github: FakeGithub
let home: { directory: string; remove: () => Promise<void> }
let env: Record<string, string>

beforeAll(async () => {
  ;[npm, registry, pypi, github] = await Promise.all([
    startFakeNpmRegistry({ packages: [...npmFixturePackages, postgresOnNpm] }),
    startFakeOfficialRegistry({ servers: officialFixtureServers }),
    startFakePypi({ projects: pypiFixtureProjects }),
    startFakeGithub({ repos: githubFixtureRepos }),
  ])
  home = await temporaryHome()
  env = environment(npm.url, home.directory, {
    TEKTON_MCP_SOURCES: '',
    TEKTON_MCP_REGISTRY_URL: registry.baseUrl,
    PIP_INDEX_URL: pypi.indexUrl,
    PIP_CONFIG_FILE: '/dev/null',
    GITHUB_API_URL: github.apiUrl,
  })
  // PyPI's name index is built once; the first search may not wait for it.
  await run(['sync', '--source', 'pypi'], { env })
})

afterAll(async () => {
  await Promise.all([npm.close(), registry.close(), pypi.close(), github.close()].map((closing) => closing.catch(() => undefined)))
  await home.remove()
})

interface JsonResult {
  ref: string
  server: { name: string; sources: Array<{ source: string; id: string }>; packages: Array<{ registryType: string; identifier: string }>; verified: Array<{ kind: string; verified: boolean }> }
}

describe('search over the registry, npm, PyPI and GitHub', () => {
  it('returns one row for a server published on npm, listed in the registry and hosted on GitHub', async () => {
    const result = await run(['search', 'postgres', '--json', '--refresh'], { env })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const page = JSON.parse(result.stdout) as { results: JsonResult[]; sources: Array<{ source: string; state: string }> }
    expect(page.sources.map((status) => [status.source, status.state])).toEqual(
      expect.arrayContaining([['registry', 'ok'], ['npm', 'ok'], ['pypi', 'ok'], ['github', 'ok']]),
    )
    const rows = page.results.filter((row) => row.server.name === 'io.github.example/postgres')
    expect(rows).toHaveLength(1)
    const [row] = rows as [JsonResult]
    expect(row.server.sources.map((source) => source.source)).toEqual(expect.arrayContaining(['registry', 'npm', 'github']))
    expect(row.server.packages).toEqual(expect.arrayContaining([expect.objectContaining({ registryType: 'npm', identifier: '@example/postgres-mcp' })]))
    // The npm package's claim is confirmed by the registry listing it.
    expect(row.server.verified).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'registry-package', verified: true })]))

    // The table shows it once, with every source.
    const table = await run(['search', 'postgres'], { env: { ...env, COLUMNS: '200' } })
    expect(table.code).toBe(0)
    expect(table.stdout.match(/io\.github\.example\/postgres|@example\/postgres-mcp/g)?.length ?? 0).toBeGreaterThanOrEqual(1)
  })

  it('narrows to the sources asked for with --source', async () => {
    const result = await run(['search', 'postgres', '--source', 'pypi', '--json', '--refresh'], { env })
    expect(result.code).toBe(0)
    const page = JSON.parse(result.stdout) as { results: JsonResult[] }
    expect(page.results.length).toBeGreaterThan(0)
    expect(page.results.every((row) => row.server.sources.every((source) => source.source === 'pypi'))).toBe(true)
  })

  it('shows every source of a merged server in info', async () => {
    const result = await run(['info', 'registry:io.github.example/postgres', '--json', '--refresh'], { env })
    expect(result.code).toBe(0)
    const info = JSON.parse(result.stdout) as { server: JsonResult['server'] }
    expect(info.server.sources.map((source) => source.source)).toEqual(expect.arrayContaining(['registry', 'npm', 'github']))
  })

  it('keeps answering from the other sources when one stops mid-run, with a note naming it', async () => {
    const stopping = await startFakeGithub({ repos: githubFixtureRepos })
    // GitHub holds the search open; the fake is shut down while the CLI waits for it.
    stopping.setFault({ kind: 'hang', path: '/search/' })
    const searching = run(['search', 'postgres', '--refresh'], { env: { ...env, GITHUB_API_URL: stopping.apiUrl } })
    // Waits for the request to arrive (an event), however long a loaded machine takes.
    const deadline = Date.now() + 120_000
    while (stopping.countRequests('/search/') === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    await stopping.close()
    const result = await searching
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/registry:io\.github\.example\/postgres/)
    // The note names the source and what went wrong, in one line.
    expect(result.stdout).toMatch(/\n\[github\] GET \S+ failed: .+\(E_NETWORK\)\n/)
  })
})
