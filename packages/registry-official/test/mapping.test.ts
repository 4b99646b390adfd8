import { describe, expect, it } from '@jest/globals'
import { discoveryMetaKey, officialMetaKey, toServerJson } from '@tekton/mcp-discovery'
import {
  officialDeleted,
  officialDeprecated,
  officialFetch,
  officialFilesystemVersions,
  officialFixtureServers,
  officialGithub,
  officialNotesBundle,
  officialPostgresVersions,
  officialSqlToolsNuget,
  officialWeatherRemote,
} from '@tekton/mcp-testkit'
import type { FakeOfficialEntry } from '@tekton/mcp-testkit'
import { OfficialServerEntrySchema } from '../src/schemas'
import { entriesToVersions, entryToMetadata, officialListingDetail, salvagePackage } from '../src/mapping'
import { isPrerelease } from '../src/versions'
import type { OfficialServerEntry } from '../src/schemas'
import { serverJsonValidator } from './helpers'

const official = { baseUrl: 'https://registry.modelcontextprotocol.io', official: true }
const validate = serverJsonValidator()

/** A fixture as the API serves it. */
function asEntry(fixture: FakeOfficialEntry, isLatest = true): OfficialServerEntry {
  const meta: Record<string, unknown> = { status: fixture.status ?? 'active', publishedAt: fixture.publishedAt, updatedAt: fixture.updatedAt ?? fixture.publishedAt, isLatest }
  if (fixture.statusMessage) meta.statusMessage = fixture.statusMessage
  return OfficialServerEntrySchema.parse({ server: fixture.server, _meta: { [officialMetaKey]: meta } })
}

function mapFixture(fixture: FakeOfficialEntry) {
  const metadata = entryToMetadata(asEntry(fixture), official)
  if (!metadata) throw new Error(`fixture ${fixture.server.name} did not map`)
  return metadata
}

const postgres = officialPostgresVersions[2] as FakeOfficialEntry

describe('entryToMetadata', () => {
  it('maps a server.json entry to a registry: ref with its source, packages, requirements and dates', () => {
    const metadata = mapFixture(postgres)
    expect(metadata.ref).toBe('registry:io.github.example/postgres')
    expect(metadata.name).toBe('io.github.example/postgres')
    expect(metadata.registryName).toBe('io.github.example/postgres')
    expect(metadata.title).toBe('PostgreSQL')
    expect(metadata.version).toBe('1.1.0')
    expect(metadata.status).toBe('active')
    expect(metadata.repository).toEqual({ url: 'https://github.com/example/postgres-mcp', source: 'github', id: '812345678' })
    expect(metadata.websiteUrl).toBe('https://example.github.io/postgres-mcp')
    expect(metadata.sources).toEqual([
      { source: 'registry', id: 'io.github.example/postgres', url: 'https://registry.modelcontextprotocol.io/v0.1/servers/io.github.example%2Fpostgres/versions/1.1.0' },
    ])
    expect(metadata.packages).toHaveLength(1)
    expect(metadata.packages[0]).toMatchObject({ registryType: 'npm', identifier: '@example/postgres-mcp', version: '1.1.0', runtimeHint: 'npx', transport: { type: 'stdio' } })
    expect(metadata.packages[0]?.environmentVariables?.map((variable) => variable.name)).toEqual(['DATABASE_URL', 'PG_STATEMENT_TIMEOUT'])
    expect(metadata.requirements).toEqual(
      expect.arrayContaining([
        { kind: 'runtime', name: 'node' },
        { kind: 'env', name: 'DATABASE_URL', optional: false, secret: true, description: 'PostgreSQL connection string' },
      ]),
    )
    expect(metadata.publishedAt).toBe('2025-10-01T14:05:00Z')
  })

  it('records each listed package as a verified registry-package fact the merge can confirm claims with', () => {
    expect(mapFixture(postgres).verified).toEqual([{ kind: 'registry-package', value: 'npm:@example/postgres-mcp', verified: true, detail: officialListingDetail }])
    expect(mapFixture(officialFilesystemVersions[1] as FakeOfficialEntry).verified.map((fact) => fact.value)).toEqual([
      'npm:@modelcontextprotocol/server-filesystem',
      'oci:docker.io/mcp/filesystem:2025.7.1',
    ])
    // PyPI names are compared PEP 503-normalised.
    const fetch = { ...officialFetch, server: { ...officialFetch.server, packages: [{ registryType: 'pypi', identifier: 'MCP_Server.Fetch', transport: { type: 'stdio' } }] } }
    expect(mapFixture(fetch).verified[0]?.value).toBe('pypi:mcp-server-fetch')
  })

  it('keeps every package type and every remote', () => {
    const registryTypes = (fixture: FakeOfficialEntry) => mapFixture(fixture).packages.map((pkg) => pkg.registryType)
    expect(registryTypes(officialFilesystemVersions[1] as FakeOfficialEntry)).toEqual(['npm', 'oci'])
    expect(registryTypes(officialFetch)).toEqual(['pypi'])
    expect(registryTypes(officialSqlToolsNuget)).toEqual(['nuget'])
    const notes = mapFixture(officialNotesBundle)
    expect(notes.packages[0]).toMatchObject({ registryType: 'mcpb', fileSha256: 'fe333e598595000ae021bd27117db32ec69af6987f507ba7a63c90638ff633ce' })
    const github = mapFixture(officialGithub)
    expect(github.packages[0]?.identifier).toBe('ghcr.io/github/github-mcp-server:0.13.0')
    expect(github.remotes).toEqual([expect.objectContaining({ type: 'streamable-http', url: 'https://api.githubcopilot.com/mcp/' })])
    const weather = mapFixture(officialWeatherRemote)
    expect(weather.packages).toEqual([])
    expect(weather.remotes.map((remote) => remote.type)).toEqual(['streamable-http', 'sse'])
    expect(weather.remotes[0]?.headers?.[0]).toMatchObject({ name: 'X-API-Key', isSecret: true })
    expect(weather.verified).toEqual([])
  })

  it('produces metadata whose server.json export validates against the official schema', () => {
    for (const fixture of officialFixtureServers) {
      const document = toServerJson(mapFixture(fixture))
      const valid = validate(document)
      expect({ name: fixture.server.name, errors: validate.errors ?? [] }).toEqual({ name: fixture.server.name, errors: [] })
      expect(valid).toBe(true)
      expect(document.name).toBe(fixture.server.name)
    }
  })

  it('serves fixtures that are themselves valid server.json documents', () => {
    for (const fixture of officialFixtureServers) expect(validate(fixture.server)).toBe(true)
  })

  it('flags deprecated servers with the registry message and marks deleted ones', () => {
    const deprecated = mapFixture(officialDeprecated)
    expect(deprecated.status).toBe('deprecated')
    expect(deprecated.statusMessage).toBe('Superseded by io.github.example/search')
    const deleted = mapFixture(officialDeleted)
    expect(deleted.status).toBe('deleted')
    expect(deleted.statusMessage).toBe('Removed by moderation: malware')
  })

  it('reads the registry metadata where registries before the 2025-09-29 schema put it', () => {
    const entry = OfficialServerEntrySchema.parse({ server: { ...officialDeprecated.server, _meta: { [officialMetaKey]: { status: 'deprecated', isLatest: true } } } })
    expect(entryToMetadata(entry, official)?.status).toBe('deprecated')
  })

  it('never restores our own _meta block from registry data (no injected verification or popularity)', () => {
    const entry = asEntry({
      server: {
        ...officialDeprecated.server,
        _meta: { [discoveryMetaKey]: { ref: 'npm:evil', verified: [{ kind: 'npm-mcp-name', value: 'x', verified: true }], popularity: { downloads: 9e9 } } },
      },
      status: 'active',
    })
    const metadata = entryToMetadata(entry, official)
    expect(metadata?.ref).toBe('registry:io.github.example/legacy-search')
    expect(metadata?.popularity).toBeUndefined()
    expect(metadata?.verified).toEqual([expect.objectContaining({ kind: 'registry-package', value: 'npm:legacy-search-mcp' })])
  })

  it('names the host in ownership facts from a registry other than the official one', () => {
    const metadata = entryToMetadata(asEntry(postgres), { baseUrl: 'https://mcp.corp.example/mirror', official: false })
    expect(metadata?.verified[0]?.detail).toBe('listed by the MCP Registry at mcp.corp.example')
    expect(metadata?.sources[0]?.url).toBe('https://mcp.corp.example/mirror/v0.1/servers/io.github.example%2Fpostgres/versions/1.1.0')
  })

  it('skips entries whose name breaks the registry name rule, so no invalid ref is produced', () => {
    for (const name of ['../../etc/passwd', 'no-slash', 'a/b/c', 'io.github.x/na me']) {
      const entry = OfficialServerEntrySchema.parse({ server: { name, description: 'x', version: '1.0.0' } })
      expect(entryToMetadata(entry, official)).toBeUndefined()
    }
  })

  it('reads odd fields leniently: wrong types drop the field, not the server', () => {
    const entry = OfficialServerEntrySchema.parse({
      server: { name: 'io.github.odd/server', title: 42, description: null, version: 7, repository: { source: 'github' }, websiteUrl: ['x'], packages: 'npm', remotes: {} },
    })
    const metadata = entryToMetadata(entry, official)
    expect(metadata).toMatchObject({ name: 'io.github.odd/server', description: '', version: '0.0.0', packages: [], remotes: [] })
    expect(metadata?.title).toBeUndefined()
    expect(metadata?.repository).toBeUndefined()
    expect(validate(toServerJson(metadata as NonNullable<typeof metadata>))).toBe(true)
  })
})

describe('salvagePackage', () => {
  it('keeps a package whose argument or variable is malformed, dropping only that part', () => {
    const pkg = salvagePackage({
      registryType: 'npm',
      identifier: 'partly-broken-mcp',
      version: '1.0.0',
      transport: { type: 'stdio' },
      packageArguments: [{ type: 'positional', valueHint: 'dir' }, { type: 'flag', name: '--x' }],
      environmentVariables: [{ name: 'API_KEY', isSecret: true }, { description: 'no name' }, { name: 'MODE', format: 'json' }],
    })
    expect(pkg).toMatchObject({ registryType: 'npm', identifier: 'partly-broken-mcp', version: '1.0.0' })
    expect(pkg?.packageArguments).toEqual([{ type: 'positional', valueHint: 'dir' }])
    expect(pkg?.environmentVariables).toEqual([{ name: 'API_KEY', isSecret: true }])
  })

  it('gives a package without a usable transport stdio, and keeps the URL of an HTTP one', () => {
    expect(salvagePackage({ registryType: 'pypi', identifier: 'old-style', version: '1.0' })?.transport).toEqual({ type: 'stdio' })
    const http = salvagePackage({ registryType: 'npm', identifier: 'h', transport: { type: 'streamable-http', url: 'http://localhost:{port}/mcp', headers: [{ name: 'X' }, 5] }, runtimeHint: 7 })
    expect(http?.transport).toEqual({ type: 'streamable-http', url: 'http://localhost:{port}/mcp', headers: [{ name: 'X' }] })
    expect(http?.runtimeHint).toBeUndefined()
  })

  it('drops a package that does not name its registry type and identifier', () => {
    expect(salvagePackage({ registryType: 'npm', transport: { type: 'stdio' } })).toBeUndefined()
    expect(salvagePackage('npm:x')).toBeUndefined()
  })

  it('keeps only remotes that are HTTP with a URL', () => {
    const entry = OfficialServerEntrySchema.parse({
      server: {
        name: 'io.github.x/remotes',
        description: 'remotes',
        version: '1.0.0',
        remotes: [{ type: 'stdio' }, { type: 'sse' }, { type: 'websocket', url: 'wss://x' }, { type: 'sse', url: 'https://x.example/sse', variables: { a: { default: 'b' }, c: 5 }, headers: 'no' }],
      },
    })
    expect(entryToMetadata(entry, official)?.remotes).toEqual([{ type: 'sse', url: 'https://x.example/sse', variables: { a: { default: 'b' } } }])
  })
})

describe('entriesToVersions', () => {
  const entry = (version: string, meta: Record<string, unknown> = {}) =>
    OfficialServerEntrySchema.parse({ server: { name: 'io.github.example/postgres', description: 'x', version }, _meta: { [officialMetaKey]: { status: 'active', ...meta } } })

  it('lists versions newest first by semver, tags the latest and flags deprecated ones', () => {
    const versions = entriesToVersions(officialPostgresVersions.map((fixture, index) => asEntry(fixture, index === 2)))
    expect(versions).toEqual([
      { version: '1.1.0', prerelease: false, tags: ['latest'], publishedAt: '2025-10-01T14:05:00Z' },
      { version: '1.0.0', prerelease: false, tags: [], publishedAt: '2025-08-14T09:30:00Z' },
      { version: '0.9.0', prerelease: false, tags: [], publishedAt: '2025-06-02T09:15:00Z', deprecated: 'Logs the connection string; upgrade to 1.0.0 or later' },
    ])
  })

  it('orders semver before other schemes, those by publication time; leaves out deleted and repeated versions', () => {
    const versions = entriesToVersions([
      entry('2024-01-15', { publishedAt: '2024-01-15T00:00:00Z' }),
      entry('1.0.0-beta.2', { publishedAt: '2024-03-01T00:00:00Z' }),
      entry('1.0.0', { publishedAt: '2024-02-01T00:00:00Z', isLatest: true }),
      entry('2024-06-01', { publishedAt: '2024-06-01T00:00:00Z' }),
      entry('2.0.0', { status: 'deleted', publishedAt: '2024-07-01T00:00:00Z' }),
      entry('0.1.0', { status: 'deprecated' }),
      entry('1.0.0', { publishedAt: '2023-01-01T00:00:00Z' }),
      null,
    ])
    expect(versions.map((version) => version.version)).toEqual(['1.0.0', '1.0.0-beta.2', '0.1.0', '2024-06-01', '2024-01-15'])
    expect(versions.find((version) => version.version === '1.0.0-beta.2')?.prerelease).toBe(true)
    expect(versions.find((version) => version.version === '0.1.0')?.deprecated).toBe(true)
    expect(versions[0]?.tags).toEqual(['latest'])
  })
})

describe('prerelease flags', () => {
  it('reads semver prereleases, and common markers in versions that are not semver', () => {
    expect(isPrerelease('2.0.0-next.1')).toBe(true)
    expect(isPrerelease('2024.1-beta')).toBe(true)
    expect(isPrerelease('2024.01')).toBe(false)
  })
})
