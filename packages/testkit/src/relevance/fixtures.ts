/**
 * Fixtures for the relevance suite: the servers people look for with everyday words, and the
 * decoys that a naive ranking puts above them. Kept apart from the per-registry fixture lists so
 * that tests counting those lists stay as they are; `relevanceFixtures` adds them on top.
 *
 * The three cases that went wrong before ranking learnt better:
 * - Playwright's server says "Automate web browsers": "browser automation" must find it, which
 *   takes stemming (`automation` and `automate`) and plural-insensitive words (`browsers`).
 * - The verified registry server for DuckDB is called `mcp-server-motherduck`; PyPI packages with
 *   `duckdb` in their names, unverified and unknown, must not bury it.
 * - GitHub's own server lives in the registry namespace `io.github.github`, as does every server
 *   published from a GitHub account: the namespace must not make all of them match "github".
 */
import { githubFixtureRepos } from '../github/fixtures'
import { buildGithubRepo } from '../github/repository'
import type { FakeGithubRepo } from '../github/repository'
import { npmFixturePackages } from '../npm/fixtures'
import { buildNpmPackage } from '../npm/packument'
import type { FakeNpmPackage } from '../npm/packument'
import { officialFixtureServers, serverJsonSchema2025_12_11 } from '../official/fixtures'
import type { FakeOfficialEntry } from '../official/fake-official-registry'
import { pypiFixtureProjects } from '../pypi/fixtures'
import { buildPypiProject } from '../pypi/project'
import type { FakePypiProject } from '../pypi/project'

/** `io.github.microsoft/playwright-mcp`: the npm package `@playwright/mcp`, described as automating web browsers. */
export const officialPlaywright: FakeOfficialEntry = {
  server: {
    $schema: serverJsonSchema2025_12_11,
    name: 'io.github.microsoft/playwright-mcp',
    title: 'Playwright',
    description: 'Automate web browsers with Playwright: navigate pages, click, fill forms and read accessibility snapshots.',
    version: '0.0.41',
    repository: { url: 'https://github.com/microsoft/playwright-mcp', source: 'github' },
    packages: [{ registryType: 'npm', identifier: '@playwright/mcp', version: '0.0.41', runtimeHint: 'npx', transport: { type: 'stdio' } }],
  },
  publishedAt: '2025-10-02T09:00:00Z',
}

/** `io.github.motherduckdb/mcp-server-motherduck`: the verified DuckDB server, a PyPI package whose name does not say DuckDB. */
export const officialMotherduck: FakeOfficialEntry = {
  server: {
    $schema: serverJsonSchema2025_12_11,
    name: 'io.github.motherduckdb/mcp-server-motherduck',
    title: 'MotherDuck',
    description: 'SQL analytics on DuckDB databases, local files and MotherDuck, from any MCP client.',
    version: '0.6.4',
    repository: { url: 'https://github.com/motherduckdb/mcp-server-motherduck', source: 'github' },
    packages: [{ registryType: 'pypi', registryBaseUrl: 'https://pypi.org', identifier: 'mcp-server-motherduck', version: '0.6.4', runtimeHint: 'uvx', transport: { type: 'stdio' } }],
  },
  publishedAt: '2025-09-25T09:00:00Z',
}

/** `io.github.example/issue-notes`: a registry server whose namespace says `github` and nothing else does (a decoy for "github"). */
export const officialIssueNotes: FakeOfficialEntry = {
  server: {
    $schema: serverJsonSchema2025_12_11,
    name: 'io.github.example/issue-notes',
    description: 'Keep meeting notes and action items in a local notebook.',
    version: '1.0.0',
    packages: [{ registryType: 'npm', identifier: 'issue-notes-mcp', version: '1.0.0', transport: { type: 'stdio' } }],
  },
  publishedAt: '2025-10-05T09:00:00Z',
}

/** The registry entries the relevance suite adds. */
export const relevanceOfficialServers: readonly FakeOfficialEntry[] = [officialPlaywright, officialMotherduck, officialIssueNotes]

/** `@playwright/mcp`: Playwright's server on npm, claiming its registry name, with many downloads. */
export const npmPlaywrightMcp: FakeNpmPackage = buildNpmPackage({
  name: '@playwright/mcp',
  description: 'Playwright Tools for MCP',
  keywords: ['mcp', 'playwright'],
  license: 'Apache-2.0',
  repository: { type: 'git', url: 'git+https://github.com/microsoft/playwright-mcp.git' },
  bin: { 'mcp-server-playwright': 'cli.js' },
  mcpName: 'io.github.microsoft/playwright-mcp',
  downloads: { weekly: 480_000, monthly: 2_000_000 },
  versions: [{ version: '0.0.40', publishedAt: '2025-09-20T09:00:00.000Z' }, { version: '0.0.41', publishedAt: '2025-10-02T09:00:00.000Z' }],
})

/** `mcp-browser-kit`: a little-used server with `browser` in its name (a decoy for "browser automation"). */
export const npmBrowserAutomationKit: FakeNpmPackage = buildNpmPackage({
  name: 'mcp-browser-kit',
  description: 'Browser tabs for MCP clients',
  keywords: ['mcp', 'browser'],
  license: 'MIT',
  bin: { 'mcp-browser-kit': 'index.js' },
  downloads: { weekly: 40, monthly: 160 },
  versions: [{ version: '0.1.0', publishedAt: '2025-03-01T09:00:00.000Z' }],
})

/** `github-mcp-lite`: an unofficial GitHub server with few downloads (a decoy for "github"). */
export const npmGithubLite: FakeNpmPackage = buildNpmPackage({
  name: 'github-mcp-lite',
  description: 'Minimal MCP server for GitHub issues',
  keywords: ['mcp', 'github'],
  license: 'MIT',
  bin: { 'github-mcp-lite': 'index.js' },
  downloads: { weekly: 25, monthly: 100 },
  versions: [{ version: '0.2.0', publishedAt: '2024-08-01T09:00:00.000Z' }],
})

/** The npm packages the relevance suite adds. */
export const relevanceNpmPackages: readonly FakeNpmPackage[] = [npmPlaywrightMcp, npmBrowserAutomationKit, npmGithubLite]

/** `mcp-server-motherduck`: the PyPI package of the verified DuckDB server, claiming its registry name. */
export const pypiMotherduck: FakePypiProject = buildPypiProject({
  name: 'mcp-server-motherduck',
  summary: 'SQL analytics on DuckDB and MotherDuck for MCP clients',
  mcpName: 'io.github.motherduckdb/mcp-server-motherduck',
  license: 'MIT',
  requiresDist: ['mcp>=1.9', 'duckdb>=1.2'],
  projectUrls: { Source: 'https://github.com/motherduckdb/mcp-server-motherduck' },
  versions: ['0.6.3', '0.6.4'],
})

/** PyPI packages that merely have `duckdb` in their names: unverified, unknown, one of them a stub. */
export const pypiDuckdbDecoys: readonly FakePypiProject[] = [
  buildPypiProject({ name: 'duckdb-mcp', summary: 'duckdb mcp', license: 'MIT', requiresDist: ['mcp>=1.0'], versions: ['0.0.1'] }),
  buildPypiProject({ name: 'mcp-duckdb', summary: 'An MCP server for DuckDB', license: 'MIT', requiresDist: ['mcp>=1.0'], versions: ['0.1.0'] }),
  buildPypiProject({ name: 'duckdb_mcp_server', summary: 'DuckDB MCP server', requiresDist: ['mcp>=1.0'], versions: ['0.2.0'] }),
  buildPypiProject({ name: 'fastmcp-duckdb', summary: 'DuckDB tools for FastMCP', requiresDist: ['fastmcp>=2.0'], versions: ['0.1.0'] }),
  buildPypiProject({ name: 'mcp-server-duckdb-lite', summary: 'Query DuckDB files', requiresDist: ['mcp>=1.0'], versions: ['0.3.0'] }),
]

/** The PyPI projects the relevance suite adds. */
export const relevancePypiProjects: readonly FakePypiProject[] = [pypiMotherduck, ...pypiDuckdbDecoys]

/** `github/github-mcp-server`: GitHub's own server, with the registry's server.json and many stars. */
export const githubGithubMcpServer: FakeGithubRepo = buildGithubRepo({
  owner: 'github',
  name: 'github-mcp-server',
  ownerType: 'Organization',
  description: "GitHub's official MCP Server",
  topics: ['mcp', 'mcp-server', 'github'],
  stars: 24_000,
  license: 'MIT',
  language: 'Go',
  pushedAt: '2025-10-10T09:00:00Z',
  files: {
    'server.json': {
      $schema: serverJsonSchema2025_12_11,
      name: 'io.github.github/github-mcp-server',
      description: 'Connect AI assistants to GitHub: repositories, issues, pull requests and workflows.',
      version: '0.13.0',
      packages: [{ registryType: 'oci', identifier: 'ghcr.io/github/github-mcp-server:0.13.0', transport: { type: 'stdio' } }],
    },
  },
  releases: [{ tag: 'v0.13.0', publishedAt: '2025-10-01T09:00:00Z' }],
})

/** `someone/github-mcp`: a fork of GitHub's server; it must not pass for the upstream. */
export const githubGithubFork: FakeGithubRepo = buildGithubRepo({
  owner: 'someone',
  name: 'github-mcp',
  description: 'GitHub MCP server (fork)',
  topics: ['mcp', 'github'],
  stars: 3,
  fork: true,
  parent: 'github/github-mcp-server',
  pushedAt: '2025-02-01T09:00:00Z',
  // The upstream's files, name claim included.
  files: { 'server.json': githubGithubMcpServer.files['server.json'] as string },
})

/** `acme/gh-dashboard-mcp`: an MCP server about GitHub dashboards with the word only in its description. */
export const githubDashboard: FakeGithubRepo = buildGithubRepo({
  owner: 'acme',
  name: 'gh-dashboard-mcp',
  description: 'Dashboards of your GitHub pull requests for MCP clients',
  topics: ['mcp'],
  stars: 12,
  pushedAt: '2025-04-01T09:00:00Z',
})

/** The GitHub repositories the relevance suite adds. */
export const relevanceGithubRepos: readonly FakeGithubRepo[] = [githubGithubMcpServer, githubGithubFork, githubDashboard]

/** Every registry's fixtures with the relevance suite's on top, as the four fakes take them. */
export const relevanceFixtures = {
  official: [...officialFixtureServers, ...relevanceOfficialServers],
  npm: [...npmFixturePackages, ...relevanceNpmPackages],
  pypi: [...pypiFixtureProjects, ...relevancePypiProjects],
  github: [...githubFixtureRepos, ...relevanceGithubRepos],
} as const
