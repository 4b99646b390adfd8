/**
 * PyPI fixture projects shaped like real ones: MCP servers named the ways people name them, one
 * with the official registry's `mcp-name:` marker, yanked and inactive ones, the SDK (a library,
 * not a server) and packages that only look like MCP servers by name. Plus a generator of the
 * many other names a real simple index lists.
 */
import { buildPypiProject } from './project'
import type { FakePypiProject } from './project'

const serversRepository = 'https://github.com/modelcontextprotocol/servers'

/**
 * `mcp-server-fetch`: versions uploaded out of PEP 440 order (a 0.6.x backport after the 2025
 * line), a yanked version, a release candidate above `latest`, a dependency on `mcp`, and the
 * `mcp-name:` marker of the official entry `io.github.modelcontextprotocol/server-fetch` (which
 * lists this package, so merging confirms the claim).
 */
export const pypiServerFetch: FakePypiProject = buildPypiProject({
  name: 'mcp-server-fetch',
  summary: 'A Model Context Protocol server providing tools to fetch and convert web content for usage by LLMs',
  description: '# Fetch MCP Server\n\nA Model Context Protocol server that provides web content fetching capabilities.\n',
  mcpName: 'io.github.modelcontextprotocol/server-fetch',
  author: 'Anthropic, PBC.',
  license: 'MIT',
  classifiers: ['Development Status :: 4 - Beta', 'Intended Audience :: Developers', 'License :: OSI Approved :: MIT License', 'Programming Language :: Python :: 3', 'Programming Language :: Python :: 3.10'],
  keywords: 'automation, http, llm, mcp',
  projectUrls: { Homepage: 'https://modelcontextprotocol.io', Source: `${serversRepository}/tree/main/src/fetch` },
  requiresPython: '>=3.10',
  requiresDist: ['httpx<0.28', 'markdownify>=0.13.1', 'mcp>=1.1.3', 'protego>=0.3.1', 'pydantic>=2.0.0', 'readabilipy>=0.2.0', 'requests>=2.32.3'],
  versions: [
    { version: '0.1.0', uploadedAt: '2024-11-19T16:02:11.416000Z' },
    { version: '0.6.0', uploadedAt: '2024-12-03T18:25:44.101000Z' },
    { version: '0.6.1', uploadedAt: '2024-12-05T09:12:40.000000Z', yanked: 'Broken entry point; use 0.6.2' },
    { version: '0.6.2', uploadedAt: '2024-12-10T09:02:33.871000Z' },
    { version: '2025.1.14', uploadedAt: '2025-01-14T11:30:02.019000Z' },
    { version: '2025.4.7', uploadedAt: '2025-04-07T12:00:51.532000Z' },
    { version: '0.6.3', uploadedAt: '2025-04-20T08:14:19.207000Z' },
    { version: '2025.5.0rc1', uploadedAt: '2025-05-02T10:31:07.660000Z' },
  ],
})

/**
 * `mcp-server-postgres`: claims `io.github.example/postgres` with the `mcp-name:` marker (in an
 * HTML comment of its README). The official entry of that name lists only an npm package, so the
 * claim is one the registry contradicts: the look-alike case for merge tests.
 */
export const pypiServerPostgres: FakePypiProject = buildPypiProject({
  name: 'mcp-server-postgres',
  summary: 'MCP server giving read-only access to PostgreSQL databases',
  description: '# Postgres MCP server\n\nInspect schemas and run read-only queries.\n\n```sh\nuvx mcp-server-postgres postgresql://localhost/mydb\n```\n',
  mcpName: 'io.github.example/postgres',
  licenseExpression: 'Apache-2.0',
  license: null,
  classifiers: ['Development Status :: 5 - Production/Stable', 'Programming Language :: Python :: 3 :: Only'],
  keywords: 'mcp postgres database',
  projectUrls: { Homepage: 'https://example.github.io/postgres-mcp', Repository: 'https://github.com/example/mcp-server-postgres.git', Issues: 'https://github.com/example/mcp-server-postgres/issues' },
  requiresPython: '>=3.11',
  requiresDist: ['mcp[cli]>=1.2.0', 'psycopg[binary]>=3.2', "pytest>=8; extra == 'test'"],
  versions: [
    { version: '0.1.0', uploadedAt: '2025-02-01T09:00:00.000000Z' },
    { version: '0.2.0', uploadedAt: '2025-03-15T09:00:00.000000Z' },
    { version: '0.3.0b1', uploadedAt: '2025-05-20T09:00:00.000000Z' },
  ],
})

/** `Weather_MCP`: registered with capitals and an underscore (PEP 503 normalises it), built on `fastmcp`. */
export const pypiWeatherMcp: FakePypiProject = buildPypiProject({
  name: 'Weather_MCP',
  summary: 'Weather forecasts and alerts for MCP clients',
  license: 'BSD-3-Clause',
  classifiers: ['License :: OSI Approved :: BSD License'],
  keywords: 'weather,forecast,mcp',
  projectUrls: { 'Source Code': 'https://gitlab.com/acme/weather-mcp.git' },
  requiresPython: '>=3.10',
  requiresDist: ['fastmcp>=2.3', 'httpx>=0.27'],
  versions: ['1.0.0', '1.1.0'],
})

/** `mcp-server-sqlite-legacy`: its classifiers say it is no longer maintained. */
export const pypiSqliteLegacy: FakePypiProject = buildPypiProject({
  name: 'mcp-server-sqlite-legacy',
  summary: 'SQLite MCP server (unmaintained: use mcp-server-sqlite)',
  license: 'MIT',
  classifiers: ['Development Status :: 7 - Inactive', 'License :: OSI Approved :: MIT License'],
  homePage: 'https://github.com/acme/mcp-server-sqlite-legacy',
  requiresDist: ['mcp>=1.0'],
  versions: ['0.1.0', '0.2.0'],
})

/** `mcp-server-leaky`: every release yanked, so `info` describes a yanked release. */
export const pypiLeakyServer: FakePypiProject = buildPypiProject({
  name: 'mcp-server-leaky',
  summary: 'An MCP server whose releases were all pulled',
  license: 'MIT',
  requiresDist: ['mcp>=1.0'],
  yanked: 'Leaked credentials in the build',
  versions: ['0.1.0', '0.1.1'],
})

/** `mcp`: the Python SDK, a library every server depends on, not a server. */
export const pypiMcpSdk: FakePypiProject = buildPypiProject({
  name: 'mcp',
  summary: 'Model Context Protocol SDK',
  licenseExpression: 'MIT',
  requiresPython: '>=3.10',
  requiresDist: ['anyio>=4.5', 'httpx>=0.27', 'pydantic>=2.8.0'],
  projectUrls: { Homepage: 'https://modelcontextprotocol.io', Repository: 'https://github.com/modelcontextprotocol/python-sdk' },
  versions: ['1.0.0', '1.2.0', '1.9.4'],
})

/** `mcpi`: the Minecraft Pi API; its name starts with "mcp" but nothing about it is MCP. */
export const pypiMinecraftMcpi: FakePypiProject = buildPypiProject({
  name: 'mcpi',
  summary: 'Python API for Minecraft: Pi edition',
  license: 'MIT',
  keywords: 'minecraft raspberry pi',
  versions: ['1.1.0', '1.2.1'],
})

/** `requests`: the most downloaded library there is; nothing about it is MCP. */
export const pypiRequests: FakePypiProject = buildPypiProject({
  name: 'requests',
  summary: 'Python HTTP for Humans.',
  license: 'Apache-2.0',
  classifiers: ['License :: OSI Approved :: Apache Software License'],
  projectUrls: { Source: 'https://github.com/psf/requests' },
  requiresPython: '>=3.8',
  requiresDist: ['charset-normalizer<4,>=2', 'idna<4,>=2.5', "PySocks!=1.5.7,>=1.5.6; extra == 'socks'"],
  versions: ['2.31.0', '2.32.3'],
})

/** Every PyPI fixture project. */
export const pypiFixtureProjects: readonly FakePypiProject[] = [pypiServerFetch, pypiServerPostgres, pypiWeatherMcp, pypiSqliteLegacy, pypiLeakyServer, pypiMcpSdk, pypiMinecraftMcpi, pypiRequests]

const words = [
  'data', 'py', 'django', 'flask', 'async', 'http', 'client', 'tools', 'utils', 'aws', 'azure', 'google', 'cloud', 'sdk', 'api',
  'json', 'yaml', 'parser', 'test', 'pytest', 'plugin', 'lib', 'core', 'cli', 'web', 'db', 'sql', 'redis', 'kafka', 'image',
  'vision', 'ml', 'torch', 'numpy', 'pandas', 'stats', 'graph', 'auth', 'oauth', 'jwt', 'crypto', 'log', 'config', 'dev',
  'fast', 'simple', 'open', 'net', 'file', 'fs', 'git', 'github', 'slack', 'notion', 'jira', 'weather', 'search', 'browser',
  'agent', 'llm', 'chat', 'bot', 'pdf', 'docs', 'sheet', 'excel', 'mail', 'calendar', 'time', 'geo', 'map', 'audio', 'video',
]
const separators = ['-', '_', '.', '-', '-']

/**
 * `count` project names as a real index lists them: words joined by `-`, `_` or `.`, some
 * capitalised, about `mcpShare` of them (default 1%) named like MCP servers. Deterministic for a
 * given `seed`, and unique after PEP 503 normalisation.
 */
export function generatePypiNames(count: number, options: { mcpShare?: number; seed?: number } = {}): string[] {
  const mcpShare = options.mcpShare ?? 0.01
  let state = options.seed ?? 0x9e3779b9
  // mulberry32: a tiny seeded generator, so fixtures are the same on every run.
  const random = () => {
    state = (state + 0x6d2b79f5) | 0
    let value = Math.imul(state ^ (state >>> 15), 1 | state)
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296
  }
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T
  const mcpShapes = [(word: string) => `mcp-server-${word}`, (word: string) => `${word}-mcp`, (word: string) => `mcp_${word}`, (word: string) => `fastmcp-${word}`, (word: string) => `${word}_mcp_server`, (word: string) => `${word}.mcp`]
  const names: string[] = []
  const seen = new Set<string>()
  for (let index = 0; names.length < count; index++) {
    let name: string
    if (random() < mcpShare) {
      name = `${pick(mcpShapes)(pick(words))}${index}`
    } else {
      const parts = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(words))
      name = `${parts.join(pick(separators))}${index % 7 === 0 ? '' : index}`
      if (random() < 0.1) name = name.charAt(0).toUpperCase() + name.slice(1)
    }
    const normalized = name.toLowerCase().replace(/[-_.]+/g, '-')
    if (seen.has(normalized)) continue
    seen.add(normalized)
    names.push(name)
  }
  return names
}
