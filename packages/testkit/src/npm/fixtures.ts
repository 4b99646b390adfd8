/**
 * npm fixture packages shaped like the real registry's: MCP servers named every way people name
 * them, plus non-MCP noise that a text search also matches. Shared by every package's tests.
 */
import { buildNpmPackage } from './packument'
import type { FakeNpmPackage } from './packument'

const anthropic = { name: 'Anthropic, PBC', url: 'https://anthropic.com' }
const mcpMaintainers = [
  { username: 'jspahrsummers', email: 'justin@example.com' },
  { username: 'thedsp', email: 'dsp@example.com' },
]
const serversRepository = (directory: string) => ({
  type: 'git',
  url: 'git+https://github.com/modelcontextprotocol/servers.git',
  directory,
})
const sdk = { '@modelcontextprotocol/sdk': '^1.17.0', zod: '^3.23.8' }

/**
 * `@modelcontextprotocol/server-filesystem`: versions published out of order (a 0.6.x backport
 * after the 2025.x line), a deprecated version, and a prerelease above `latest`.
 */
export const serverFilesystem: FakeNpmPackage = buildNpmPackage({
  name: '@modelcontextprotocol/server-filesystem',
  description: 'MCP server for filesystem access',
  license: 'MIT',
  author: anthropic,
  maintainers: mcpMaintainers,
  homepage: 'https://modelcontextprotocol.io',
  repository: serversRepository('src/filesystem'),
  bin: { 'mcp-server-filesystem': 'dist/index.js' },
  engines: { node: '>=18' },
  dependencies: { ...sdk, diff: '^5.1.0', glob: '^10.3.10', minimatch: '^10.0.1' },
  downloads: { weekly: 152_340, monthly: 640_112 },
  versions: [
    { version: '0.5.0', publishedAt: '2024-11-19T01:10:11.416Z', engines: undefined },
    { version: '0.6.0', publishedAt: '2024-12-03T18:25:44.101Z', deprecated: 'Path traversal outside allowed directories; upgrade to 0.6.2 or later' },
    { version: '0.6.2', publishedAt: '2024-12-10T09:02:33.871Z' },
    { version: '2025.3.28', publishedAt: '2025-03-28T16:40:02.019Z' },
    { version: '2025.7.1', publishedAt: '2025-07-01T12:00:51.532Z', mcpName: 'io.github.modelcontextprotocol/server-filesystem' },
    { version: '0.6.3', publishedAt: '2025-07-08T08:14:19.207Z' },
    { version: '2025.8.0-beta.1', publishedAt: '2025-08-02T10:31:07.660Z', mcpName: 'io.github.modelcontextprotocol/server-filesystem' },
  ],
  distTags: { latest: '2025.7.1', next: '2025.8.0-beta.1', 'legacy-0.6': '0.6.3' },
})

export const serverMemory: FakeNpmPackage = buildNpmPackage({
  name: '@modelcontextprotocol/server-memory',
  description: 'MCP server for enabling memory for Claude through a knowledge graph',
  license: 'MIT',
  author: anthropic,
  maintainers: mcpMaintainers,
  homepage: 'https://modelcontextprotocol.io',
  repository: serversRepository('src/memory'),
  bin: { 'mcp-server-memory': 'dist/index.js' },
  dependencies: sdk,
  mcpName: 'io.github.modelcontextprotocol/server-memory',
  downloads: { weekly: 61_204, monthly: 250_933 },
  versions: [
    { version: '0.6.0', publishedAt: '2024-11-25T14:20:00.000Z', mcpName: undefined },
    { version: '2025.4.25', publishedAt: '2025-04-25T11:05:41.000Z' },
    { version: '2025.8.4', publishedAt: '2025-08-04T09:45:12.000Z' },
  ],
})

export const mcpServerKubernetes: FakeNpmPackage = buildNpmPackage({
  name: 'mcp-server-kubernetes',
  description: 'MCP server for interacting with Kubernetes clusters via kubectl',
  keywords: ['mcp', 'kubernetes', 'kubectl', 'claude', 'model-context-protocol'],
  license: 'MIT',
  author: 'Flux159',
  repository: 'https://github.com/Flux159/mcp-server-kubernetes',
  homepage: 'https://github.com/Flux159/mcp-server-kubernetes#readme',
  bin: 'dist/index.js',
  engines: { node: '>=18' },
  dependencies: { ...sdk, '@kubernetes/client-node': '^1.0.0', 'js-yaml': '^4.1.0' },
  downloads: { weekly: 8_410, monthly: 33_002 },
  versions: [
    { version: '2.4.0', publishedAt: '2025-06-02T20:11:00.000Z' },
    { version: '2.5.0', publishedAt: '2025-07-14T18:32:00.000Z' },
    { version: '2.5.1', publishedAt: '2025-07-20T07:03:00.000Z' },
  ],
})

/** A `*-mcp` name without MCP keywords. */
export const figmaDeveloperMcp: FakeNpmPackage = buildNpmPackage({
  name: 'figma-developer-mcp',
  description: 'Give your coding agent access to your Figma data',
  license: 'MIT',
  repository: { type: 'git', url: 'git@github.com:GLips/Figma-Context-MCP.git' },
  bin: { 'figma-developer-mcp': 'dist/cli.js' },
  engines: { node: '>=20.17.0' },
  dependencies: sdk,
  downloads: { weekly: 24_871, monthly: 101_554 },
  versions: [
    { version: '0.4.3', publishedAt: '2025-06-10T05:12:44.000Z' },
    { version: '0.5.0', publishedAt: '2025-07-29T15:55:01.000Z' },
  ],
})

/** An `mcp-*` name: a proxy people run as a stdio server. */
export const mcpRemote: FakeNpmPackage = buildNpmPackage({
  name: 'mcp-remote',
  description: 'Remote proxy for Model Context Protocol, allowing local-only clients to connect to remote servers using oAuth',
  license: 'MIT',
  repository: { type: 'git', url: 'git+https://github.com/geelen/mcp-remote.git' },
  bin: { 'mcp-remote': 'dist/proxy.js', 'mcp-remote-client': 'dist/client.js' },
  engines: { node: '>=18' },
  downloads: { weekly: 98_002, monthly: 402_883 },
  versions: [
    { version: '0.1.17', publishedAt: '2025-06-20T00:00:00.000Z' },
    { version: '0.1.18', publishedAt: '2025-07-03T00:00:00.000Z' },
  ],
})

/** No MCP in its name: only its `mcp` keyword says what it is; "filesystem" is in its description. */
export const watchdogTools: FakeNpmPackage = buildNpmPackage({
  name: 'watchdog-tools',
  description: 'Watch filesystem changes and expose them to your AI assistant',
  keywords: ['mcp', 'watch', 'filesystem', 'chokidar'],
  license: 'Apache-2.0',
  repository: { type: 'git', url: 'https://gitlab.com/watchdog/watchdog-tools.git' },
  bin: { 'watchdog-tools': 'bin/cli.js' },
  downloads: { weekly: 310, monthly: 1_290 },
  versions: [{ version: '1.0.0', publishedAt: '2025-05-05T10:00:00.000Z' }],
})

/** A whole package deprecated in favour of the official server. */
export const legacyFilesystemServer: FakeNpmPackage = buildNpmPackage({
  name: 'mcp-server-legacy-fs',
  description: 'Filesystem MCP server (superseded)',
  keywords: ['mcp-server', 'filesystem'],
  license: 'ISC',
  bin: { 'mcp-server-legacy-fs': 'index.js' },
  downloads: { weekly: 42, monthly: 180 },
  versions: [
    { version: '1.0.0', publishedAt: '2024-12-01T00:00:00.000Z', deprecated: 'Moved to @modelcontextprotocol/server-filesystem' },
    { version: '1.0.1', publishedAt: '2024-12-20T00:00:00.000Z', deprecated: 'Moved to @modelcontextprotocol/server-filesystem' },
  ],
})

/** The MCP SDK: a library that carries the MCP keywords but is not a server. */
export const mcpSdk: FakeNpmPackage = buildNpmPackage({
  name: '@modelcontextprotocol/sdk',
  description: 'Model Context Protocol implementation for TypeScript',
  keywords: ['modelcontextprotocol', 'mcp'],
  license: 'MIT',
  author: anthropic,
  repository: { type: 'git', url: 'git+https://github.com/modelcontextprotocol/typescript-sdk.git' },
  downloads: { weekly: 4_200_000, monthly: 17_000_000 },
  versions: [
    { version: '1.16.0', publishedAt: '2025-07-10T00:00:00.000Z' },
    { version: '1.17.0', publishedAt: '2025-07-24T00:00:00.000Z' },
  ],
})

/** Noise: matches "filesystem" but has nothing to do with MCP. */
export const filesystemUtils: FakeNpmPackage = buildNpmPackage({
  name: 'filesystem-utils',
  description: 'Utility functions for filesystem operations: copy, move, walk, watch',
  keywords: ['fs', 'filesystem', 'utils'],
  license: 'MIT',
  repository: 'github:someone/filesystem-utils',
  downloads: { weekly: 12_044, monthly: 50_120 },
  versions: [
    { version: '1.2.0', publishedAt: '2023-02-11T00:00:00.000Z' },
    { version: '2.0.0', publishedAt: '2024-09-30T00:00:00.000Z' },
  ],
})

/** Noise: "filesystem" in keywords only. */
export const memfs: FakeNpmPackage = buildNpmPackage({
  name: 'memfs',
  description: 'In-memory file-system with Node\'s fs API',
  keywords: ['fs', 'filesystem', 'memory', 'volume'],
  license: 'Apache-2.0',
  repository: { type: 'git', url: 'https://github.com/streamich/memfs.git' },
  downloads: { weekly: 18_300_000, monthly: 75_000_000 },
  versions: [{ version: '4.17.2', publishedAt: '2025-05-20T00:00:00.000Z' }],
})

/** Every fixture package, MCP servers first. */
export const npmFixturePackages: readonly FakeNpmPackage[] = [
  serverFilesystem,
  serverMemory,
  mcpServerKubernetes,
  figmaDeveloperMcp,
  mcpRemote,
  watchdogTools,
  legacyFilesystemServer,
  mcpSdk,
  filesystemUtils,
  memfs,
]
