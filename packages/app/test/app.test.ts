/**
 * The application core over loopback fakes of all four registries: what the CLI and the HTTP API
 * both get from it (search with the every-source-failed rule, a server's card, sync, doctor, the
 * cache, the declared configuration), with no front end in between.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  closedPort,
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
import { createTektonMcp, enabledSources, homedirOf } from '../src/index'
import type { TektonMcp } from '../src/index'

let npm: FakeNpmRegistry
let registry: FakeOfficialRegistry
let pypi: FakePypi
let github: FakeGithub
let home: string
let env: NodeJS.ProcessEnv

beforeAll(async () => {
  ;[npm, registry, pypi, github] = await Promise.all([
    startFakeNpmRegistry({ packages: npmFixturePackages }),
    startFakeOfficialRegistry({ servers: officialFixtureServers }),
    startFakePypi({ projects: pypiFixtureProjects }),
    startFakeGithub({ repos: githubFixtureRepos }),
  ])
  home = await mkdtemp(path.join(tmpdir(), 'tekton-mcp-app-'))
  env = {
    HOME: home,
    TEKTON_MCP_HOME: home,
    npm_config_registry: `${npm.url}/`,
    npm_config_userconfig: path.join(home, 'npmrc'),
    TEKTON_MCP_REGISTRY_URL: registry.baseUrl,
    PIP_INDEX_URL: pypi.indexUrl,
    PIP_CONFIG_FILE: '/dev/null',
    GITHUB_API_URL: github.apiUrl,
  }
})

afterAll(async () => {
  await Promise.all([npm.close(), registry.close(), pypi.close(), github.close()].map((closing) => closing.catch(() => undefined)))
  await rm(home, { recursive: true, force: true })
})

/** An application over the fakes, with `extra` on top of the shared environment. */
function app(extra: NodeJS.ProcessEnv = {}): TektonMcp {
  return createTektonMcp({ env: { ...env, ...extra }, cwd: home })
}

describe('composition', () => {
  it('builds the four default sources in merge order, narrowed by TEKTON_MCP_SOURCES', () => {
    expect(app().sources().map((source) => source.id)).toEqual(['registry', 'npm', 'pypi', 'github'])
    expect(app({ TEKTON_MCP_SOURCES: 'github, npm' }).sources().map((source) => source.id)).toEqual(['npm', 'github'])
  })

  it('fails what needs sources on an unknown TEKTON_MCP_SOURCES, naming the valid ones', async () => {
    const broken = app({ TEKTON_MCP_SOURCES: 'npm,nosuch' })
    expect(() => broken.sources()).toThrow(expect.objectContaining({ code: 'E_CONFIG', hint: expect.stringContaining('registry, npm, pypi, github') }))
    await expect(broken.search({ text: 'filesystem' })).rejects.toMatchObject({ code: 'E_CONFIG' })
    expect(enabledSources(app().sources(), '')).toHaveLength(4)
  })

  it('takes the home directory from the injected environment', () => {
    expect(homedirOf({ HOME: '/home/someone' })).toBe('/home/someone')
    expect(homedirOf({ USERPROFILE: 'C:\\Users\\someone' })).toBe('C:\\Users\\someone')
  })

  it('declares every file and variable the answers depend on', async () => {
    const declared = await app().configuration()
    expect(declared.files).toEqual(expect.arrayContaining([path.join(home, 'npmrc')]))
    expect(declared.variables).toEqual(expect.arrayContaining(['TEKTON_MCP_SOURCES', 'TEKTON_MCP_REGISTRY_URL', 'VIRTUAL_ENV', 'GITHUB_TOKEN', 'HOME']))
    expect(declared.variablePrefixes).toEqual(['PIP_', 'npm_config_'])
    // Only what the enabled sources read.
    const npmOnly = await app({ TEKTON_MCP_SOURCES: 'npm' }).configuration()
    expect(npmOnly.variables).not.toContain('VIRTUAL_ENV')
    expect(npmOnly.variablePrefixes).toEqual(['npm_config_'])
  })

  it('bounds the freshness of an answer about a bare name by search freshness', () => {
    const core = app()
    expect(core.answerFreshness('metadata', 'npm:x')).toBeGreaterThan(core.answerFreshness('metadata', 'x'))
    expect(core.answerFreshness('metadata', 'x')).toBe(core.answerFreshness('search'))
  })
})

describe('search and lookups', () => {
  it('returns results with one status per source', async () => {
    const answer = await app().search({ text: 'filesystem' })
    expect(answer.results.length).toBeGreaterThan(0)
    expect(answer.sources.map((status) => status.source).sort()).toEqual(['github', 'npm', 'pypi', 'registry'])
    expect(answer.nextCursor === null || typeof answer.nextCursor === 'string').toBe(true)
  })

  it('keeps the other sources\' results when one cannot be reached', async () => {
    const port = await closedPort()
    const answer = await app({ TEKTON_MCP_SOURCES: 'npm,github', GITHUB_API_URL: `http://127.0.0.1:${port}` }).search({ text: 'filesystem' })
    expect(answer.results.length).toBeGreaterThan(0)
    // A refused connection ends that source at once as a network error, not at its deadline as a timeout.
    expect(answer.sources.find((status) => status.source === 'github')).toMatchObject({ state: 'error', code: 'E_NETWORK' })
  })

  it('fails a search that every source failed instead of reporting nothing found', async () => {
    const port = await closedPort()
    const unreachable = app({ TEKTON_MCP_SOURCES: 'npm', npm_config_registry: `http://127.0.0.1:${port}/`, TEKTON_MCP_HOME: path.join(home, 'unreachable') })
    await expect(unreachable.search({ text: 'filesystem' })).rejects.toMatchObject({ code: expect.stringMatching(/^E_/), message: expect.stringContaining('npm') })
  })

  it('describes a server by ref with its versions, and by bare name through search', async () => {
    const byRef = await app().describe('npm:@modelcontextprotocol/server-filesystem')
    expect(byRef.server.ref).toBe('npm:@modelcontextprotocol/server-filesystem')
    expect(byRef.versions.length).toBeGreaterThan(0)
    expect(byRef.sources.map((status) => status.source)).toContain('npm')
    const byName = await app({ TEKTON_MCP_SOURCES: 'npm' }).describe('@modelcontextprotocol/server-filesystem')
    expect(byName.server.ref).toBe(byRef.server.ref)
    const versions = await app().versions('npm:@modelcontextprotocol/server-filesystem')
    expect(versions.versions.map((version) => version.version)).toEqual(byRef.versions.map((version) => version.version))
  })
})

describe('sync', () => {
  it('syncs every source that keeps a catalogue, reporting each', async () => {
    const started: string[] = []
    const result = await app().sync({ onSource: (source) => void started.push(source.id) })
    expect(started).toEqual(['registry', 'pypi'])
    const [official, names] = result.sources
    expect(official).toMatchObject({ source: 'registry', ok: true, report: { entries: expect.any(Number), full: true, changes: { removed: 0 } } })
    expect(official?.report?.entries).toBeGreaterThan(0)
    expect(official?.report?.entries).toBe(official?.report?.changes?.added)
    expect(names).toMatchObject({ source: 'pypi', ok: true, report: { entries: expect.any(Number), scanned: expect.any(Number) } })
  })

  it('refuses a source without a catalogue, and fails when every source asked failed', async () => {
    await expect(app().sync({ sources: ['npm'] })).rejects.toMatchObject({ code: 'E_INVALID_INPUT', hint: expect.stringContaining('registry, pypi') })
    await expect(app({ TEKTON_MCP_SOURCES: 'npm' }).sync()).rejects.toMatchObject({ code: 'E_INVALID_INPUT' })
    const port = await closedPort()
    const failing = app({ TEKTON_MCP_REGISTRY_URL: `http://127.0.0.1:${port}`, TEKTON_MCP_HOME: path.join(home, 'sync-failing') })
    await expect(failing.sync({ sources: ['registry'] })).rejects.toMatchObject({ message: expect.stringContaining('registry:') })
  })
})

describe('doctor', () => {
  it('probes each enabled source and reports one that does not answer as a warning', async () => {
    const port = await closedPort()
    const report = await app({ TEKTON_MCP_SOURCES: 'npm,github', GITHUB_API_URL: `http://127.0.0.1:${port}`, PATH: process.env.PATH }).doctor()
    expect(report.registries).toEqual([
      expect.objectContaining({ source: 'npm', reachable: true }),
      expect.objectContaining({ source: 'github', reachable: false, error: expect.objectContaining({ code: expect.any(String) }) }),
    ])
    expect(report.warnings).toEqual(expect.arrayContaining([expect.stringContaining('github did not answer')]))
    expect(report.runtimes.find((runtime) => runtime.name === 'node')).toMatchObject({ found: true })
    expect(report.directories.every((directory) => directory.writable)).toBe(true)
    expect(report.ok).toBe(true)
  })

  it('is not ok without node on the PATH, and warns about misconfigured sources', async () => {
    const report = await app({ PATH: path.join(home, 'empty-path'), TEKTON_MCP_SOURCES: 'nosuch' }).doctor()
    expect(report.ok).toBe(false)
    expect(report.problems).toEqual(expect.arrayContaining([expect.stringContaining('node is not on the PATH')]))
    expect(report.warnings).toEqual(expect.arrayContaining([expect.stringContaining('The sources are misconfigured')]))
    expect(report.registries).toEqual([])
  })

  it('reports a directory it cannot write as a problem', async () => {
    const file = path.join(home, 'a-file')
    await writeFile(file, 'not a directory')
    const report = await app({ TEKTON_MCP_HOME: file, TEKTON_MCP_SOURCES: 'npm', PATH: process.env.PATH }).doctor()
    expect(report.directories.find((directory) => directory.name === 'data')).toMatchObject({ writable: false, error: expect.any(String) })
    expect(report.ok).toBe(false)
  })
})

describe('the cache', () => {
  it('counts entries per tier, clears one source\'s, then everything', async () => {
    const core = app({ TEKTON_MCP_SOURCES: 'npm', TEKTON_MCP_HOME: path.join(home, 'cache-test') })
    await core.search({ text: 'filesystem' })
    await core.settle({ timeoutMs: 5000 })
    const stats = await core.cacheStats()
    expect(stats.directory).toBe(path.join(home, 'cache-test', 'cache'))
    expect(stats.stats.drivers.some((driver) => driver.entries > 0)).toBe(true)
    expect((await core.clearCache({ source: 'npm' })).removed).toBeGreaterThan(0)
    await core.search({ text: 'filesystem' })
    const cleared = await core.clearCache()
    expect(cleared).toMatchObject({ source: null, removed: expect.any(Number) })
    expect(cleared.removed).toBeGreaterThan(0)
  })

  it('forgets that a source could not be reached once the cache is cleared', async () => {
    const port = await closedPort()
    const offline = { TEKTON_MCP_SOURCES: 'npm,github', GITHUB_API_URL: `http://127.0.0.1:${port}`, TEKTON_MCP_HOME: path.join(home, 'forget-unreachable') }
    await app(offline).search({ text: 'filesystem' })
    const skipped = await app(offline).search({ text: 'filesystem' })
    expect(skipped.sources.find((status) => status.source === 'github')).toMatchObject({ state: 'skipped', lastTriedAt: expect.any(String) })
    await app(offline).clearCache({ source: 'github' })
    const asked = await app(offline).search({ text: 'filesystem' })
    expect(asked.sources.find((status) => status.source === 'github')?.state).not.toBe('skipped')
  })

  it('refuses to clear a source that does not exist', async () => {
    await expect(app().clearCache({ source: 'nosuch' })).rejects.toMatchObject({ code: 'E_UNKNOWN_SOURCE', hint: expect.stringContaining('registry, npm, pypi, github') })
    // A source turned off still has entries to clear.
    await expect(app({ TEKTON_MCP_SOURCES: 'npm' }).clearCache({ source: 'github' })).resolves.toMatchObject({ source: 'github' })
  })
})

describe('update-all', () => {
  it('has nothing to plan or confirm when nothing is installed', async () => {
    let asked = false
    const results = await app({ TEKTON_MCP_HOME: path.join(home, 'nothing-installed') }).updateAll({
      confirm: async () => {
        asked = true
      },
    })
    expect(results).toEqual([])
    expect(asked).toBe(false)
  })
})
