/**
 * The relevance suite: queries a user would type, each with the server they mean and how high it
 * must rank, searched over loopback fakes of all four registries (the shared fixtures plus the
 * relevance fixtures: Playwright, the verified DuckDB server, GitHub's own server and their
 * decoys). It prints how many pass. Add a case whenever a query goes wrong; a change to ranking
 * must not lower the count, and a case that passes may not start failing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { relevanceFixtures, startFakeGithub, startFakeNpmRegistry, startFakeOfficialRegistry, startFakePypi } from '@tekton/mcp-testkit'
import type { FakeGithub, FakeNpmRegistry, FakeOfficialRegistry, FakePypi } from '@tekton/mcp-testkit'
import type { SearchResult } from '@tekton/mcp-discovery'
import { createTektonMcp } from '../src/index'
import type { TektonMcp } from '../src/index'

/** One query and the server it should find: by any of its names (registry name, package, ref), within the top `within`. */
export interface RelevanceCase {
  query: string
  expect: string
  within: 1 | 3 | 5
  /** Why the case fails today, when it does: it is counted, not asserted. */
  knownFailure?: string
}

export const relevanceCases: readonly RelevanceCase[] = [
  // The three the issue names.
  { query: 'browser automation', expect: 'io.github.microsoft/playwright-mcp', within: 3 },
  { query: 'duckdb', expect: 'io.github.motherduckdb/mcp-server-motherduck', within: 1 },
  { query: 'github', expect: 'io.github.github/github-mcp-server', within: 3 },
  // Names, whole or in part.
  { query: 'playwright', expect: 'io.github.microsoft/playwright-mcp', within: 1 },
  { query: 'postgres', expect: 'io.github.example/postgres', within: 1 },
  { query: 'filesystem', expect: 'io.github.modelcontextprotocol/server-filesystem', within: 1 },
  { query: 'memory', expect: '@modelcontextprotocol/server-memory', within: 1 },
  { query: 'kubernetes', expect: 'mcp-server-kubernetes', within: 1 },
  { query: 'fetch', expect: 'io.github.modelcontextprotocol/server-fetch', within: 3 },
  { query: 'mcp-server-fetch', expect: 'io.github.modelcontextprotocol/server-fetch', within: 1 },
  { query: '@modelcontextprotocol/server-filesystem', expect: 'io.github.modelcontextprotocol/server-filesystem', within: 1 },
  { query: 'github-mcp-server', expect: 'io.github.github/github-mcp-server', within: 1 },
  { query: 'motherduck', expect: 'io.github.motherduckdb/mcp-server-motherduck', within: 1 },
  { query: 'figma', expect: 'figma-developer-mcp', within: 1 },
  // Words from descriptions, in the forms people type them.
  { query: 'browsers', expect: 'io.github.microsoft/playwright-mcp', within: 3 },
  { query: 'automate browser', expect: 'io.github.microsoft/playwright-mcp', within: 3 },
  { query: 'knowledge graph', expect: '@modelcontextprotocol/server-memory', within: 1 },
  { query: 'web content fetching', expect: 'io.github.modelcontextprotocol/server-fetch', within: 3 },
  { query: 'pull requests', expect: 'io.github.github/github-mcp-server', within: 3 },
  { query: 'github issues', expect: 'io.github.github/github-mcp-server', within: 3 },
  { query: 'weather forecasts', expect: 'com.example/weather', within: 3 },
  { query: 'weather alerts', expect: 'com.example/weather', within: 3 },
  { query: 'kubectl', expect: 'mcp-server-kubernetes', within: 1 },
  { query: 'kubernetes clusters', expect: 'mcp-server-kubernetes', within: 1 },
  { query: 'postgresql database', expect: 'io.github.example/postgres', within: 3 },
  { query: 'duckdb sql', expect: 'io.github.motherduckdb/mcp-server-motherduck', within: 1 },
  { query: 'sql analytics', expect: 'io.github.motherduckdb/mcp-server-motherduck', within: 3 },
  { query: 'local notes', expect: 'io.github.example/desktop-notes', within: 3 },
  { query: 'file operations', expect: 'io.github.modelcontextprotocol/server-filesystem', within: 3 },
  // Typos.
  { query: 'kubernets', expect: 'mcp-server-kubernetes', within: 1, knownFailure: 'only npm publishes it, and its search does not forgive typos' },
  { query: 'playwrite', expect: 'io.github.microsoft/playwright-mcp', within: 3 },
  { query: 'postgress', expect: 'io.github.example/postgres', within: 3 },
]

/**
 * The count this suite must not fall below. History: 27/32 before issue 10's ranking change
 * (substring-only matching in the registry catalogue, name matches outweighing quality); 31/32
 * after it (stems, prefixes, typos, OR, namespace left out of names, quality able to lift a
 * strong description match).
 */
const minimumPassing = 31

let npm: FakeNpmRegistry
let registry: FakeOfficialRegistry
let pypi: FakePypi
let github: FakeGithub
let home: string
let app: TektonMcp

beforeAll(async () => {
  ;[npm, registry, pypi, github] = await Promise.all([
    startFakeNpmRegistry({ packages: relevanceFixtures.npm }),
    startFakeOfficialRegistry({ servers: relevanceFixtures.official }),
    startFakePypi({ projects: relevanceFixtures.pypi }),
    startFakeGithub({ repos: relevanceFixtures.github }),
  ])
  home = await mkdtemp(path.join(tmpdir(), 'tekton-mcp-relevance-'))
  const env = {
    HOME: home,
    TEKTON_MCP_HOME: home,
    npm_config_registry: `${npm.url}/`,
    npm_config_userconfig: path.join(home, 'npmrc'),
    TEKTON_MCP_REGISTRY_URL: registry.baseUrl,
    PIP_INDEX_URL: pypi.indexUrl,
    PIP_CONFIG_FILE: '/dev/null',
    GITHUB_API_URL: github.apiUrl,
  }
  app = createTektonMcp({ env, cwd: home })
  await app.sync()
})

afterAll(async () => {
  await Promise.all([npm.close(), registry.close(), pypi.close(), github.close()].map((closing) => closing.catch(() => undefined)))
  await rm(home, { recursive: true, force: true })
})

/** Whether a result is the server `name` names: its registry name, a package, its ref or a merged ref. */
function isServer(result: SearchResult, name: string): boolean {
  const names = [result.server.name, result.ref, ...(result.mergedRefs ?? []), ...result.server.packages.map((pkg) => pkg.identifier), ...result.server.sources.map((source) => source.id)]
  return names.some((candidate) => candidate === name || candidate.endsWith(`:${name}`))
}

describe('the relevance suite', () => {
  it('finds what people mean for every query a user would type', async () => {
    const outcomes: Array<{ case: RelevanceCase; position: number; top: string[] }> = []
    for (const relevanceCase of relevanceCases) {
      const answer = await app.search({ text: relevanceCase.query, limit: 10 })
      const position = answer.results.findIndex((result) => isServer(result, relevanceCase.expect)) + 1
      outcomes.push({ case: relevanceCase, position, top: answer.results.slice(0, 5).map((result) => result.server.name) })
    }
    const passed = outcomes.filter((outcome) => outcome.position > 0 && outcome.position <= outcome.case.within)
    const lines = outcomes.map((outcome) => {
      const ok = outcome.position > 0 && outcome.position <= outcome.case.within
      return `${ok ? 'pass' : 'FAIL'} "${outcome.case.query}": ${outcome.case.expect} at ${outcome.position || '-'} (want top ${outcome.case.within}); top: ${outcome.top.join(', ')}`
    })
    process.stdout.write(`relevance suite: ${passed.length}/${outcomes.length} pass\n${lines.join('\n')}\n`)
    const unexpected = outcomes.filter((outcome) => !outcome.case.knownFailure && !(outcome.position > 0 && outcome.position <= outcome.case.within))
    expect(unexpected.map((outcome) => outcome.case.query)).toEqual([])
    expect(passed.length).toBeGreaterThanOrEqual(minimumPassing)
  })
})
