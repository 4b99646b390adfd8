import { describe, expect, it } from '@jest/globals'
import { packageKey, type ServerMetadata } from '../src/index'
import { canonicalRepositoryUrl } from '../src/kit/repository-url'
import { identityOf, mergeServers, repositoryIdentity } from '../src/merge'
import { relatedRefs } from '../src/related-servers'
import { githubServer, npmServer, pypiServer, registryServer } from './fixtures/source-servers'

const officialName = 'io.github.example/postgres'
const npmPostgres = npmServer('@example/postgres-mcp', {
  mcpName: officialName,
  repository: { url: 'git+https://github.com/Example/Postgres-MCP.git', source: 'github' },
  popularity: { downloads: 5_000, period: 'week' },
  keywords: ['mcp', 'postgres'],
  publishedAt: '2026-01-10T00:00:00.000Z',
})
const registryPostgres = registryServer(officialName, {
  title: 'Postgres',
  description: 'Query Postgres databases',
  packages: [
    { registryType: 'npm', identifier: '@example/postgres-mcp', version: '1.2.0', environmentVariables: [{ name: 'DATABASE_URL', isRequired: true, isSecret: true }] },
    { registryType: 'oci', identifier: 'ghcr.io/example/postgres-mcp:1.2.0' },
  ],
  repository: { url: 'https://github.com/example/postgres-mcp', source: 'github' },
  updatedAt: '2026-02-01T00:00:00.000Z',
})
const githubPostgres = githubServer('example/postgres-mcp', { popularity: { stars: 1_200 }, keywords: ['Postgres', 'sql'] })

function only(merged: ReturnType<typeof mergeServers>) {
  expect(merged).toHaveLength(1)
  return merged[0] as NonNullable<(typeof merged)[0]>
}

describe('canonicalRepositoryUrl', () => {
  it.each([
    ['https://github.com/Owner/Repo', 'https://github.com/owner/repo'],
    ['https://github.com/owner/repo/', 'https://github.com/owner/repo'],
    ['https://github.com/owner/repo.git', 'https://github.com/owner/repo'],
    ['git+https://github.com/owner/repo.git', 'https://github.com/owner/repo'],
    ['git+ssh://git@github.com/owner/repo.git', 'https://github.com/owner/repo'],
    ['ssh://git@github.com/Owner/Repo.git', 'https://github.com/owner/repo'],
    ['git@github.com:Owner/Repo.git', 'https://github.com/owner/repo'],
    ['git://github.com/owner/repo.git', 'https://github.com/owner/repo'],
    ['github:owner/repo', 'https://github.com/owner/repo'],
    ['https://www.github.com/owner/repo#readme', 'https://github.com/owner/repo'],
    ['https://github.com/owner/repo/tree/main/src/x', 'https://github.com/owner/repo'],
    ['https://gitlab.com/Group/Sub/Project.git', 'https://gitlab.com/group/sub/project'],
  ])('%s → %s', (raw, expected) => {
    expect(canonicalRepositoryUrl(raw)).toBe(expected)
  })

  it.each([['not a url'], ['file:///home/me/repo'], ['https://github.com/'], ['https://github.com/.git']])('refuses %s', (raw) => {
    expect(canonicalRepositoryUrl(raw)).toBeUndefined()
  })

  it('reads the subfolder from the field or from a /tree/ link', () => {
    expect(repositoryIdentity({ url: 'https://github.com/modelcontextprotocol/servers', source: 'github', subfolder: './src/filesystem/' })).toEqual({
      url: 'https://github.com/modelcontextprotocol/servers',
      subfolder: 'src/filesystem',
    })
    expect(repositoryIdentity({ url: 'https://github.com/modelcontextprotocol/servers/tree/main/src/memory', source: 'github' })).toEqual({
      url: 'https://github.com/modelcontextprotocol/servers',
      subfolder: 'src/memory',
    })
    expect(repositoryIdentity(undefined)).toBeUndefined()
    expect(repositoryIdentity({ url: 'nonsense', source: 'x' })).toBeUndefined()
  })
})

describe('packageKey and identityOf', () => {
  it('compares npm names exactly, PyPI names per PEP 503 and images without registry or tag', () => {
    expect(packageKey('npm', 'JSONStream')).not.toBe(packageKey('npm', 'jsonstream'))
    expect(packageKey('pypi', 'Mcp_Server.Fetch')).toBe(packageKey('pypi', 'mcp-server-fetch'))
    expect(packageKey('oci', 'docker.io/library/postgres:16')).toBe(packageKey('oci', 'postgres'))
    expect(packageKey('oci', 'ghcr.io/Example/Img@sha256:abcdef')).toBe('oci:ghcr.io/example/img')
    expect(packageKey('nuget', ' Some.Package ')).toBe('nuget:Some.Package')
  })

  it('collects the official name, packages and repository of each kind of entry', () => {
    expect(identityOf(registryPostgres)).toEqual({
      registryName: officialName,
      official: true,
      packages: ['npm:@example/postgres-mcp', 'oci:ghcr.io/example/postgres-mcp'],
      repository: { url: 'https://github.com/example/postgres-mcp' },
    })
    expect(identityOf(npmPostgres)).toMatchObject({ registryName: officialName, official: false, packages: ['npm:@example/postgres-mcp'] })
    expect(identityOf({ ...githubPostgres, repository: undefined } as ServerMetadata).repository).toEqual({ url: 'https://github.com/example/postgres-mcp' })
  })

  it('names the refs other sources may know a server by', () => {
    expect(relatedRefs(npmPostgres)).toEqual([`registry:${officialName}`, 'github:example/postgres-mcp'])
    expect(relatedRefs(registryPostgres)).toEqual(['npm:@example/postgres-mcp', 'docker:ghcr.io/example/postgres-mcp', 'github:example/postgres-mcp'])
    // A monorepo's repository is not the server's own: its stars and packages are not asked for.
    const monorepo = npmServer('@modelcontextprotocol/server-memory', { repository: { url: 'https://github.com/modelcontextprotocol/servers', source: 'github', subfolder: 'src/memory' } })
    expect(relatedRefs(monorepo)).toEqual([])
  })
})

describe('mergeServers', () => {
  it('merges an npm package, its official registry entry and its GitHub repository into one server', () => {
    const { server, refs } = only(mergeServers([npmPostgres, registryPostgres, githubPostgres]))
    expect(server.ref).toBe(`registry:${officialName}`)
    expect(refs).toEqual([`registry:${officialName}`, 'npm:@example/postgres-mcp', 'github:example/postgres-mcp'])
    expect(server.name).toBe(officialName)
    expect(server.registryName).toBe(officialName)
    // Registry first for text fields; sources in the order they answered.
    expect(server.title).toBe('Postgres')
    expect(server.description).toBe('Query Postgres databases')
    expect(server.version).toBe('1.2.0')
    expect(server.sources.map((record) => record.source)).toEqual(['npm', 'registry', 'github'])
    expect(server.packages.map((pkg) => [pkg.registryType, pkg.identifier])).toEqual([
      ['npm', '@example/postgres-mcp'],
      ['oci', 'ghcr.io/example/postgres-mcp:1.2.0'],
    ])
    // The registry's package wins its fields; the npm entry fills in what it lacks.
    expect(server.packages[0]).toMatchObject({ version: '1.2.0', runtimeHint: 'npx', bin: { 'postgres-mcp': 'dist/index.js' }, environmentVariables: [{ name: 'DATABASE_URL' }] })
    expect(server.popularity).toEqual({ downloads: 5_000, period: 'week', stars: 1_200 })
    expect(server.repository?.url).toBe('https://github.com/example/postgres-mcp')
    expect(server.keywords).toEqual(['mcp', 'postgres', 'sql'])
    expect(server.updatedAt).toBe('2026-02-01T00:00:00.000Z')
    expect(server.publishedAt).toBe('2026-01-10T00:00:00.000Z')
    // Two kinds of install option: neither runtime is strictly required.
    expect(server.requirements).toEqual([{ kind: 'runtime', name: 'node', range: '>=18', optional: true }])
    expect(server.verified).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'npm-mcp-name', value: officialName, verified: true, checkedAgainst: `registry:${officialName}` }),
        expect.objectContaining({ kind: 'registry-package', value: 'npm:@example/postgres-mcp', verified: true }),
      ]),
    )
  })

  it('gives the same result whatever order the entries arrive in', () => {
    const entries = [npmPostgres, registryPostgres, githubPostgres, npmServer('unrelated'), githubServer('other/thing')]
    const forward = mergeServers(entries)
    const backward = mergeServers([...entries].reverse())
    const byRef = (merged: ReturnType<typeof mergeServers>) => new Map(merged.map((entry) => [entry.server.ref, { ...entry.server, sources: new Set(entry.server.sources.map((record) => record.source)) }]))
    expect(byRef(backward)).toEqual(byRef(forward))
    expect(forward.map((entry) => entry.server.ref)).toEqual([`registry:${officialName}`, 'npm:unrelated', 'github:other/thing'])
  })

  it('keeps the ref asked for when told to', () => {
    const { server } = only(mergeServers([npmPostgres, registryPostgres], { primaryRef: npmPostgres.ref }))
    expect(server.ref).toBe('npm:@example/postgres-mcp')
    expect(server.version).toBe('1.0.0')
    expect(server.name).toBe(officialName)
  })

  it('joins the same ref from two sources, listing both', () => {
    const mirror = { ...npmPostgres, sources: [{ source: 'mirror', id: 'pg' }] }
    const { server, refs } = only(mergeServers([npmPostgres, mirror]))
    expect(refs).toEqual([npmPostgres.ref])
    expect(server.sources).toEqual([{ source: 'npm', id: '@example/postgres-mcp' }, { source: 'mirror', id: 'pg' }])
  })

  it('joins by repository URL written differently when neither side has a subfolder', () => {
    const npm = npmServer('pg-tools', { repository: { url: 'git+ssh://git@github.com/Acme/PG-Tools.git', source: 'github' } })
    const github = githubServer('acme/pg-tools')
    expect(only(mergeServers([npm, github])).server.sources.map((record) => record.source)).toEqual(['npm', 'github'])
  })

  it('does not join a monorepo: packages sharing a repository stay apart, and the repository joins none', () => {
    const repository = { url: 'https://github.com/modelcontextprotocol/servers', source: 'github' }
    const filesystem = npmServer('@modelcontextprotocol/server-filesystem', { repository })
    const memory = npmServer('@modelcontextprotocol/server-memory', { repository })
    const github = githubServer('modelcontextprotocol/servers', { popularity: { stars: 70_000 } })
    for (const order of [[filesystem, memory, github], [github, memory, filesystem], [memory, github, filesystem]]) {
      const merged = mergeServers(order)
      expect(merged.map((entry) => entry.refs)).toHaveLength(3)
      expect(merged.every((entry) => entry.refs.length === 1)).toBe(true)
    }
  })

  it('does not join by repository when subfolders differ, but does when they are equal', () => {
    const servers = 'https://github.com/modelcontextprotocol/servers'
    const filesystem = npmServer('@modelcontextprotocol/server-filesystem', { repository: { url: servers, source: 'github', subfolder: 'src/filesystem' } })
    const github = githubServer('modelcontextprotocol/servers')
    expect(mergeServers([filesystem, github])).toHaveLength(2)
    const registryEntry = registryServer('io.github.modelcontextprotocol/filesystem', { repository: { url: `${servers}/tree/main/src/filesystem`, source: 'github' } })
    expect(only(mergeServers([filesystem, registryEntry])).server.ref).toBe('registry:io.github.modelcontextprotocol/filesystem')
  })

  it('never joins two official names, even sharing a repository', () => {
    const repository = { url: 'https://github.com/acme/mcp-servers', source: 'github' }
    const merged = mergeServers([registryServer('io.github.acme/a', { repository }), registryServer('io.github.acme/b', { repository }), githubServer('acme/mcp-servers')])
    expect(merged).toHaveLength(3)
  })

  it('joins the packages one registry entry lists together', () => {
    const entry = registryServer('io.github.acme/both', { packages: [{ registryType: 'npm', identifier: 'acme-mcp' }, { registryType: 'npm', identifier: '@acme/mcp' }] })
    const { server } = only(mergeServers([npmServer('acme-mcp'), npmServer('@acme/mcp'), entry]))
    expect(server.sources.map((record) => record.id)).toEqual(['acme-mcp', '@acme/mcp', 'io.github.acme/both'])
  })

  it('does not join two packages claiming one name when no registry entry confirms it', () => {
    const merged = mergeServers([npmServer('pg-a', { mcpName: 'io.github.x/pg' }), npmServer('pg-b', { mcpName: 'io.github.x/pg' })])
    expect(merged).toHaveLength(2)
    expect(merged.every((entry) => entry.server.verified.every((fact) => !fact.verified))).toBe(true)
  })

  it('joins a GitHub repository declaring the name an npm package claims', () => {
    const github = githubServer('x/pg', { registryName: 'io.github.x/pg' })
    const { server } = only(mergeServers([npmServer('pg-a', { mcpName: 'io.github.x/pg' }), github]))
    // No registry entry: the claim stays a claim, and the package source is primary.
    expect(server.ref).toBe('npm:pg-a')
    expect(server.registryName).toBe('io.github.x/pg')
    expect(server.verified).toEqual([expect.objectContaining({ kind: 'npm-mcp-name', verified: false })])
  })

  it('normalises PyPI names: a registry entry listing Mcp_Server.Fetch joins pypi:mcp-server-fetch', () => {
    const pypi = pypiServer('mcp-server-fetch', { mcpName: 'io.github.example/fetch' })
    const entry = registryServer('io.github.example/fetch', { packages: [{ registryType: 'pypi', identifier: 'Mcp_Server.Fetch' }] })
    const { server } = only(mergeServers([pypi, entry]))
    expect(server.packages).toHaveLength(1)
    expect(server.verified).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'pypi-mcp-name', value: 'io.github.example/fetch', verified: true })]),
    )
  })

  it('leaves a claim the registry contradicts unverified, saying why, and does not join it', () => {
    const impostor = npmServer('postgres-mcp-fork', { mcpName: officialName })
    const merged = mergeServers([impostor, registryPostgres])
    expect(merged).toHaveLength(2)
    const fact = merged.find((entry) => entry.server.ref === impostor.ref)?.server.verified[0]
    expect(fact).toEqual({
      kind: 'npm-mcp-name',
      value: officialName,
      verified: false,
      detail: `contradicted by the official registry entry ${officialName}, which lists npm:@example/postgres-mcp, not npm:postgres-mcp-fork`,
      checkedAgainst: `registry:${officialName}`,
    })
    // A registry entry that lists no package of the claimant's kind contradicts it too.
    const remoteOnly = registryServer('io.github.x/remote', { remotes: [{ type: 'streamable-http', url: 'https://x.example/mcp' }] })
    const [claim] = mergeServers([pypiServer('x-remote', { mcpName: 'io.github.x/remote' }), remoteOnly])
    expect(claim?.server.verified[0]).toMatchObject({ verified: false, detail: 'contradicted by the official registry entry io.github.x/remote, which does not list pypi:x-remote' })
  })

  it('keeps an unchecked claim as it was when the registry entry is not at hand', () => {
    const [entry] = mergeServers([npmPostgres])
    expect(entry?.server).toBe(npmPostgres)
  })

  it('keeps the worst status, the largest numbers and every remote and capability', () => {
    const entry = registryServer('io.github.acme/files', {
      packages: [{ registryType: 'npm', identifier: 'acme-files' }],
      remotes: [{ type: 'streamable-http', url: 'https://files.example.com/mcp' }],
      capabilities: [{ kind: 'tools', name: 'read', origin: 'declared' }],
      popularity: { downloads: 40_000, period: 'month' },
    })
    const npm = npmServer('acme-files', {
      status: 'deprecated',
      statusMessage: 'use @acme/files',
      remotes: [{ type: 'streamable-http', url: 'https://files.example.com/mcp/' }, { type: 'sse', url: 'https://files.example.com/sse' }],
      capabilities: [{ kind: 'tools', name: 'read', origin: 'observed' }, { kind: 'prompts', origin: 'declared' }],
      popularity: { downloads: 20_000, period: 'week', sourceScore: 0.4 },
      updatedAt: 'not a date',
    })
    const { server } = only(mergeServers([entry, npm]))
    expect(server.status).toBe('deprecated')
    expect(server.statusMessage).toBe('use @acme/files')
    expect(server.remotes.map((remote) => remote.type)).toEqual(['streamable-http', 'sse'])
    expect(server.capabilities).toEqual([{ kind: 'tools', name: 'read', origin: 'observed' }, { kind: 'prompts', origin: 'declared' }])
    // 20 000 a week is more than 40 000 a month.
    expect(server.popularity).toEqual({ downloads: 20_000, period: 'week', sourceScore: 0.4 })
    expect(server.updatedAt).toBeUndefined()
  })

  it('does not join two GitHub repositories that list the same package', () => {
    const a = githubServer('acme/tool', { packages: [{ registryType: 'npm', identifier: 'acme-tool', transport: { type: 'stdio' } }] })
    const fork = githubServer('someone/tool', { packages: [{ registryType: 'npm', identifier: 'acme-tool', transport: { type: 'stdio' } }] })
    expect(mergeServers([a, fork])).toHaveLength(2)
  })
})

describe('the repository id of a merged entry', () => {
  // Installers compare the id with GitHub's to catch a recreated repository: it must be the registry's.
  const withId = (server: ServerMetadata, id: string): ServerMetadata => ({ ...server, repository: { ...(server.repository as NonNullable<ServerMetadata['repository']>), id } })

  it("keeps the registry's own id, and drops GitHub's when the registry entry records none", () => {
    expect(only(mergeServers([withId(registryPostgres, '4242'), withId(githubPostgres, '9999')])).server.repository).toMatchObject({ id: '4242' })
    const merged = only(mergeServers([registryPostgres, withId(githubPostgres, '9999')])).server.repository
    expect(merged?.url).toBe('https://github.com/example/postgres-mcp')
    expect(merged?.id).toBeUndefined()
  })
})
