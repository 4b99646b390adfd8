/**
 * Official MCP Registry fixtures shaped like real entries (server.json 2025-12-11): servers
 * published as npm, PyPI, OCI, NuGet and MCPB packages, a remote-only one, one with several
 * versions (one of them deprecated), a deprecated server and a deleted one. Each server.json
 * validates against the official schema. Shared by every package's tests.
 */
import type { FakeOfficialEntry, OfficialServerJson } from './fake-official-registry'

/** The `$schema` publishers put in server.json. */
export const serverJsonSchema2025_12_11 = 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json'

const serversRepository = (subfolder: string) => ({ url: 'https://github.com/modelcontextprotocol/servers', source: 'github', subfolder })

function postgres(version: string): OfficialServerJson {
  return {
    $schema: serverJsonSchema2025_12_11,
    name: 'io.github.example/postgres',
    title: 'PostgreSQL',
    description: 'Read-only SQL access to PostgreSQL databases: inspect schemas and run queries.',
    version,
    repository: { url: 'https://github.com/example/postgres-mcp', source: 'github', id: '812345678' },
    websiteUrl: 'https://example.github.io/postgres-mcp',
    packages: [
      {
        registryType: 'npm',
        identifier: '@example/postgres-mcp',
        version,
        runtimeHint: 'npx',
        transport: { type: 'stdio' },
        packageArguments: [{ type: 'positional', valueHint: 'database_url', description: 'Connection string (else DATABASE_URL)', isRequired: false }],
        environmentVariables: [
          { name: 'DATABASE_URL', description: 'PostgreSQL connection string', isRequired: true, isSecret: true, format: 'string' },
          { name: 'PG_STATEMENT_TIMEOUT', description: 'Statement timeout in ms', isRequired: false, default: '30000', format: 'number' },
        ],
      },
    ],
  }
}

/**
 * `io.github.example/postgres`: the npm package `@example/postgres-mcp`, repository
 * github.com/example/postgres-mcp; three versions, the oldest deprecated, 1.1.0 latest.
 */
export const officialPostgresVersions: readonly FakeOfficialEntry[] = [
  {
    server: postgres('0.9.0'),
    status: 'deprecated',
    statusMessage: 'Logs the connection string; upgrade to 1.0.0 or later',
    publishedAt: '2025-06-02T09:15:00Z',
    updatedAt: '2025-08-14T10:00:00Z',
  },
  { server: postgres('1.0.0'), publishedAt: '2025-08-14T09:30:00Z' },
  { server: postgres('1.1.0'), publishedAt: '2025-10-01T14:05:00Z' },
]

function filesystem(version: string): OfficialServerJson {
  return {
    $schema: serverJsonSchema2025_12_11,
    name: 'io.github.modelcontextprotocol/server-filesystem',
    title: 'Filesystem',
    description: 'Secure file operations with configurable access controls',
    version,
    repository: serversRepository('src/filesystem'),
    websiteUrl: 'https://modelcontextprotocol.io',
    packages: [
      {
        registryType: 'npm',
        identifier: '@modelcontextprotocol/server-filesystem',
        version,
        runtimeHint: 'npx',
        transport: { type: 'stdio' },
        packageArguments: [{ type: 'positional', valueHint: 'allowed_directory', description: 'A directory the server may access', isRequired: true, isRepeated: true, format: 'filepath' }],
      },
      {
        registryType: 'oci',
        identifier: `docker.io/mcp/filesystem:${version}`,
        runtimeHint: 'docker',
        transport: { type: 'stdio' },
        runtimeArguments: [
          {
            type: 'named',
            name: '--mount',
            value: 'type=bind,src={host_path},dst=/projects',
            variables: { host_path: { description: 'Directory to share with the server', isRequired: true, format: 'filepath' } },
          },
        ],
        packageArguments: [{ type: 'positional', value: '/projects', valueHint: 'allowed_directory' }],
      },
    ],
  }
}

/** `io.github.modelcontextprotocol/server-filesystem`: npm and OCI; 2025.7.1 (the npm fixture's `latest`, which claims this name) is latest. */
export const officialFilesystemVersions: readonly FakeOfficialEntry[] = [
  { server: filesystem('2025.3.28'), publishedAt: '2025-09-08T16:00:00Z' },
  { server: filesystem('2025.7.1'), publishedAt: '2025-09-09T11:20:00Z' },
]

/** `io.github.modelcontextprotocol/server-fetch`: a PyPI package run with uvx. */
export const officialFetch: FakeOfficialEntry = {
  server: {
    $schema: serverJsonSchema2025_12_11,
    name: 'io.github.modelcontextprotocol/server-fetch',
    title: 'Fetch',
    description: 'Web content fetching and conversion for efficient LLM usage',
    version: '2025.4.7',
    repository: serversRepository('src/fetch'),
    packages: [
      {
        registryType: 'pypi',
        registryBaseUrl: 'https://pypi.org',
        identifier: 'mcp-server-fetch',
        version: '2025.4.7',
        runtimeHint: 'uvx',
        transport: { type: 'stdio' },
        packageArguments: [{ type: 'named', name: '--user-agent', description: 'User-Agent to send', isRequired: false }],
      },
    ],
  },
  publishedAt: '2025-09-10T08:00:00Z',
}

/** `io.github.github/github-mcp-server`: an OCI image, and a hosted remote with a secret header. */
export const officialGithub: FakeOfficialEntry = {
  server: {
    $schema: serverJsonSchema2025_12_11,
    name: 'io.github.github/github-mcp-server',
    title: 'GitHub',
    description: 'Connect AI assistants to GitHub: repositories, issues, pull requests and workflows.',
    version: '0.13.0',
    repository: { url: 'https://github.com/github/github-mcp-server', source: 'github', id: '942771284' },
    packages: [
      {
        registryType: 'oci',
        identifier: 'ghcr.io/github/github-mcp-server:0.13.0',
        runtimeHint: 'docker',
        transport: { type: 'stdio' },
        environmentVariables: [{ name: 'GITHUB_PERSONAL_ACCESS_TOKEN', description: 'A GitHub personal access token', isRequired: true, isSecret: true }],
      },
    ],
    remotes: [
      {
        type: 'streamable-http',
        url: 'https://api.githubcopilot.com/mcp/',
        headers: [{ name: 'Authorization', description: 'GitHub token as a bearer token', value: 'Bearer {token}', isRequired: true, isSecret: true, variables: { token: { isRequired: true, isSecret: true } } }],
      },
    ],
  },
  publishedAt: '2025-09-12T17:45:00Z',
}

/** `com.example/weather`: remote only (streamable HTTP and SSE), nothing to install. */
export const officialWeatherRemote: FakeOfficialEntry = {
  server: {
    $schema: serverJsonSchema2025_12_11,
    name: 'com.example/weather',
    title: 'Weather',
    description: 'Forecasts and severe weather alerts for any location.',
    version: '2.3.0',
    websiteUrl: 'https://weather.example.com/docs/mcp',
    remotes: [
      { type: 'streamable-http', url: 'https://mcp.weather.example.com/mcp', headers: [{ name: 'X-API-Key', description: 'Your weather.example.com API key', isRequired: true, isSecret: true }] },
      { type: 'sse', url: 'https://mcp.weather.example.com/sse' },
    ],
  },
  publishedAt: '2025-09-20T12:00:00Z',
}

/** `io.github.example/sql-tools`: a NuGet package run with dnx. */
export const officialSqlToolsNuget: FakeOfficialEntry = {
  server: {
    $schema: serverJsonSchema2025_12_11,
    name: 'io.github.example/sql-tools',
    description: 'SQL Server administration tools for .NET developers.',
    version: '0.4.1',
    repository: { url: 'https://github.com/example/sql-tools-mcp', source: 'github' },
    packages: [{ registryType: 'nuget', registryBaseUrl: 'https://api.nuget.org/v3/index.json', identifier: 'Example.SqlTools.Mcp', version: '0.4.1', runtimeHint: 'dnx', transport: { type: 'stdio' } }],
  },
  publishedAt: '2025-10-03T07:30:00Z',
}

/** `io.github.example/desktop-notes`: an MCPB bundle with its SHA-256. */
export const officialNotesBundle: FakeOfficialEntry = {
  server: {
    $schema: serverJsonSchema2025_12_11,
    name: 'io.github.example/desktop-notes',
    title: 'Desktop Notes',
    description: 'Search and edit your local notes from any MCP client.',
    version: '1.2.0',
    repository: { url: 'https://github.com/example/desktop-notes', source: 'github' },
    packages: [
      {
        registryType: 'mcpb',
        identifier: 'https://github.com/example/desktop-notes/releases/download/v1.2.0/desktop-notes.mcpb',
        version: '1.2.0',
        fileSha256: 'fe333e598595000ae021bd27117db32ec69af6987f507ba7a63c90638ff633ce',
        transport: { type: 'stdio' },
      },
    ],
  },
  publishedAt: '2025-10-11T19:10:00Z',
}

/** `io.github.example/legacy-search`: deprecated by its publisher, with a message. */
export const officialDeprecated: FakeOfficialEntry = {
  server: {
    $schema: serverJsonSchema2025_12_11,
    name: 'io.github.example/legacy-search',
    description: 'Full-text search over local documents (legacy).',
    version: '0.3.2',
    packages: [{ registryType: 'npm', identifier: 'legacy-search-mcp', version: '0.3.2', transport: { type: 'stdio' } }],
  },
  status: 'deprecated',
  statusMessage: 'Superseded by io.github.example/search',
  publishedAt: '2025-07-01T10:00:00Z',
  updatedAt: '2025-10-20T10:00:00Z',
}

/** `io.github.spam-account/free-gpt-credits`: deleted by moderation (the API hides it by default). */
export const officialDeleted: FakeOfficialEntry = {
  server: {
    $schema: serverJsonSchema2025_12_11,
    name: 'io.github.spam-account/free-gpt-credits',
    description: 'Free credits for every model. Install now.',
    version: '6.6.6',
    packages: [{ registryType: 'npm', identifier: 'free-gpt-credits-mcp', version: '6.6.6', transport: { type: 'stdio' } }],
  },
  status: 'deleted',
  statusMessage: 'Removed by moderation: malware',
  publishedAt: '2025-09-30T03:00:00Z',
  updatedAt: '2025-10-01T09:00:00Z',
}

/** Every fixture version, in publish order of their servers. */
export const officialFixtureServers: readonly FakeOfficialEntry[] = [
  ...officialPostgresVersions,
  ...officialFilesystemVersions,
  officialFetch,
  officialGithub,
  officialWeatherRemote,
  officialSqlToolsNuget,
  officialNotesBundle,
  officialDeprecated,
  officialDeleted,
]

/**
 * `count` synthetic servers (`io.github.bulk/server-001`, ...), each an npm package, for paging
 * tests. `publishedAt` steps one minute from `start`.
 */
export function generateOfficialServers(count: number, options: { namespace?: string; start?: string } = {}): FakeOfficialEntry[] {
  const namespace = options.namespace ?? 'io.github.bulk'
  const start = Date.parse(options.start ?? '2025-05-01T00:00:00Z')
  const width = Math.max(3, String(count).length)
  return Array.from({ length: count }, (_, index) => {
    const number = String(index + 1).padStart(width, '0')
    return {
      server: {
        $schema: serverJsonSchema2025_12_11,
        name: `${namespace}/server-${number}`,
        description: `Synthetic server number ${number} for paging tests.`,
        version: '1.0.0',
        packages: [{ registryType: 'npm', identifier: `bulk-server-${number}`, version: '1.0.0', transport: { type: 'stdio' } }],
      },
      publishedAt: new Date(start + index * 60_000).toISOString(),
    }
  })
}

/**
 * `io.github.example/postgres-mcp`: a registry entry whose launch depends on its inputs, as
 * server.json declares them: a required secret variable, a variable with choices and a default,
 * named arguments (one with a default, one with choices, one required number), a required
 * positional and a repeated one; the OCI package adds a runtime argument whose fixed value has a
 * `{placeholder}`. The package identifiers are parameters so a test points them at its own
 * fake npm registry and loopback OCI registry.
 */
export function officialPostgresMcp(options: { npmIdentifier?: string; ociIdentifier?: string; version?: string } = {}): FakeOfficialEntry {
  const version = options.version ?? '1.0.0'
  const packageArguments = [
    { type: 'named', name: '--schema', description: 'Schema to expose', default: 'public' },
    { type: 'named', name: '--mode', description: 'Access mode', choices: ['read-only', 'read-write'], default: 'read-only' },
    { type: 'named', name: '--statement-timeout', description: 'Statement timeout in ms', format: 'number', isRequired: true },
    { type: 'positional', valueHint: 'database_name', description: 'Database to connect to', isRequired: true },
    { type: 'positional', valueHint: 'extra_schema', description: 'More schemas to expose', isRepeated: true },
  ]
  const environmentVariables = [
    { name: 'PGPASSWORD', description: 'Password of the database user', isRequired: true, isSecret: true },
    { name: 'PGSSLMODE', description: 'TLS mode', choices: ['disable', 'prefer', 'require'], default: 'prefer' },
  ]
  return {
    server: {
      $schema: serverJsonSchema2025_12_11,
      name: 'io.github.example/postgres-mcp',
      title: 'PostgreSQL (inputs)',
      description: 'Query a PostgreSQL database: a server whose command line comes from its server.json inputs.',
      version,
      repository: { url: 'https://github.com/example/postgres-mcp', source: 'github' },
      packages: [
        {
          registryType: 'npm',
          identifier: options.npmIdentifier ?? '@example/postgres-mcp-server',
          version,
          runtimeHint: 'npx',
          transport: { type: 'stdio' },
          packageArguments,
          environmentVariables,
        },
        {
          registryType: 'oci',
          identifier: options.ociIdentifier ?? `docker.io/example/postgres-mcp:${version}`,
          runtimeHint: 'docker',
          transport: { type: 'stdio' },
          runtimeArguments: [
            {
              type: 'named',
              name: '--mount',
              value: 'type=bind,src={socket_dir},dst=/run/postgresql,readonly',
              variables: { socket_dir: { description: "Directory of the database's unix socket", isRequired: true, format: 'filepath' } },
            },
          ],
          packageArguments,
          environmentVariables,
        },
      ],
    },
    publishedAt: '2025-11-02T10:00:00Z',
  }
}
