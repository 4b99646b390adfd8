/**
 * GitHub fixture repositories shaped like real MCP server repositories: one per way a server
 * says how it installs (server.json, package.json, pyproject.toml, a Dockerfile), an archived
 * one, and noise that a text search also matches. Shared by every package's tests.
 */
import { buildGithubRepo } from './repository'
import type { FakeGithubRepo } from './repository'

/**
 * `example/postgres-mcp`: an npm server with `mcpName` in package.json and a server.json naming
 * the same npm package (with its environment variable); releases tagged `v1.x`, a prerelease
 * and a draft, newest first.
 */
export const githubPostgresMcp: FakeGithubRepo = buildGithubRepo({
  owner: 'example',
  name: 'postgres-mcp',
  ownerType: 'Organization',
  description: 'MCP server for PostgreSQL: read-only queries and schema inspection',
  topics: ['mcp', 'mcp-server', 'postgres', 'postgresql'],
  stars: 1280,
  forks: 96,
  license: 'MIT',
  language: 'TypeScript',
  homepage: 'https://example.com/postgres-mcp',
  pushedAt: '2025-06-20T08:30:00Z',
  files: {
    'README.md': '# postgres-mcp\n\nAn MCP server for PostgreSQL.\n',
    'package.json': {
      name: '@example/postgres-mcp',
      version: '1.4.0',
      description: 'MCP server for PostgreSQL',
      type: 'module',
      bin: { 'postgres-mcp': 'dist/index.js' },
      mcpName: 'io.github.example/postgres',
      engines: { node: '>=20' },
      dependencies: { '@modelcontextprotocol/sdk': '^1.17.0', pg: '^8.16.0' },
      license: 'MIT',
    },
    'server.json': {
      $schema: 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json',
      name: 'io.github.example/postgres',
      title: 'PostgreSQL',
      description: 'Read-only PostgreSQL queries and schema inspection',
      version: '1.4.0',
      repository: { url: 'https://github.com/example/postgres-mcp', source: 'github' },
      packages: [
        {
          registryType: 'npm',
          identifier: '@example/postgres-mcp',
          version: '1.4.0',
          transport: { type: 'stdio' },
          environmentVariables: [{ name: 'DATABASE_URL', description: 'PostgreSQL connection string', isRequired: true, isSecret: true }],
        },
      ],
    },
    'src/index.ts': "import { Server } from '@modelcontextprotocol/sdk/server/index.js'\n",
  },
  releases: [
    { tag: 'v2.0.0', draft: true },
    { tag: 'v1.5.0-beta.1', prerelease: true, publishedAt: '2025-06-18T12:00:00Z' },
    { tag: 'v1.4.0', publishedAt: '2025-06-10T09:15:00Z' },
    { tag: 'v1.3.0', publishedAt: '2025-05-02T16:40:00Z' },
  ],
})

/** `acme/weather-mcp-py`: a Python server (pyproject.toml with a console script), a Dockerfile, no releases, only tags. */
export const githubWeatherPython: FakeGithubRepo = buildGithubRepo({
  owner: 'acme',
  name: 'weather-mcp-py',
  description: 'Weather forecasts for MCP clients, in Python',
  topics: ['mcp-server', 'python', 'weather'],
  stars: 310,
  license: 'Apache-2.0',
  language: 'Python',
  pushedAt: '2025-05-28T14:00:00Z',
  files: {
    'pyproject.toml': [
      '[build-system]',
      'requires = ["hatchling"]',
      'build-backend = "hatchling.build"',
      '',
      '[project]',
      'name = "mcp-weather"',
      'version = "0.3.0"',
      'description = "Weather forecasts for MCP clients"',
      'requires-python = ">=3.10"',
      'dependencies = ["mcp>=1.9", "httpx>=0.27"]',
      '',
      '[project.scripts]',
      'mcp-weather = "mcp_weather.server:main"',
      '',
    ].join('\n'),
    Dockerfile: ['FROM python:3.12-slim', 'WORKDIR /app', 'COPY . .', 'RUN pip install --no-cache-dir .', 'ENTRYPOINT ["mcp-weather"]', ''].join('\n'),
    'mcp_weather/server.py': 'from mcp.server.fastmcp import FastMCP\n',
  },
  tags: ['v0.3.0', 'v0.2.1', 'v0.2.0', 'nightly'],
})

/** `legacy/old-mcp-server`: archived, topic `mcp` only, one release. */
export const githubArchivedServer: FakeGithubRepo = buildGithubRepo({
  owner: 'legacy',
  name: 'old-mcp-server',
  description: 'An early MCP server for PostgreSQL, no longer maintained',
  topics: ['mcp'],
  stars: 42,
  license: 'NOASSERTION',
  archived: true,
  pushedAt: '2024-12-01T00:00:00Z',
  files: { 'package.json': { name: 'old-mcp-server', version: '0.1.0', bin: 'index.js' } },
  releases: [{ tag: '0.1.0', publishedAt: '2024-12-01T00:00:00Z' }],
})

/**
 * `octo/fetch-mcp`: a container-only server whose Dockerfile carries the MCP Registry label;
 * no releases or tags.
 */
export const githubDockerLabelled: FakeGithubRepo = buildGithubRepo({
  owner: 'octo',
  name: 'fetch-mcp',
  description: 'Fetch web pages as markdown, packaged as a container',
  topics: ['mcp', 'docker'],
  stars: 77,
  license: 'MIT',
  language: 'Go',
  files: {
    Dockerfile: [
      'FROM golang:1.24 AS build',
      'WORKDIR /src',
      'COPY . .',
      'RUN go build -o /fetch-mcp .',
      'FROM gcr.io/distroless/static',
      'LABEL org.opencontainers.image.source="https://github.com/octo/fetch-mcp" \\',
      '      io.modelcontextprotocol.server.name="io.github.octo/fetch"',
      'COPY --from=build /fetch-mcp /fetch-mcp',
      'ENTRYPOINT ["/fetch-mcp"]',
      '',
    ].join('\n'),
  },
})

/** `example/postgres-tools`: matches "postgres" but is not tagged as an MCP server. */
export const githubPostgresTools: FakeGithubRepo = buildGithubRepo({
  owner: 'example',
  name: 'postgres-tools',
  description: 'Command-line tools for PostgreSQL administrators',
  topics: ['postgres', 'cli'],
  stars: 5400,
  license: 'MIT',
  files: { 'package.json': { name: 'postgres-tools', version: '3.1.0' } },
  releases: [{ tag: 'v3.1.0', publishedAt: '2025-04-01T00:00:00Z' }],
})

/** Every GitHub fixture repository. */
export const githubFixtureRepos: readonly FakeGithubRepo[] = [githubPostgresMcp, githubWeatherPython, githubArchivedServer, githubDockerLabelled, githubPostgresTools]
