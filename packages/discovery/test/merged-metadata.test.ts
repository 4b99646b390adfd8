import { describe, expect, it } from '@jest/globals'
import { MCPDiscoveryService, TektonError, createStaticRegistry, type RegistrySource, type SourceStatus } from '../src/index'
import { githubServer, npmServer, registryServer } from './fixtures/source-servers'

const officialName = 'io.github.example/postgres'
const npmPostgres = npmServer('@example/postgres-mcp', {
  mcpName: officialName,
  description: 'MCP server for Postgres',
  repository: { url: 'git+https://github.com/example/postgres-mcp.git', source: 'github' },
})
const registryPostgres = registryServer(officialName, {
  description: 'Query Postgres databases',
  packages: [{ registryType: 'npm', identifier: '@example/postgres-mcp' }, { registryType: 'oci', identifier: 'ghcr.io/example/postgres-mcp:1.2.0' }],
  repository: { url: 'https://github.com/example/postgres-mcp', source: 'github' },
})
// What the GitHub source's getMetadata returns: packages and the name found in the repository.
const githubPostgres = githubServer('example/postgres-mcp', {
  registryName: officialName,
  packages: [{ registryType: 'npm', identifier: '@example/postgres-mcp', transport: { type: 'stdio' } }],
  popularity: { stars: 1_200 },
})
const fork = npmServer('postgres-fork', { mcpName: officialName, description: 'A fork of postgres-mcp' })

/** `hang`: never answers, only fails when its signal aborts (so a timeout test holds under any load). */
type Behaviour = { fail?: Error; hang?: boolean }

function source(id: string, servers: Parameters<typeof createStaticRegistry>[0]['servers'], behaviour: Behaviour = {}, asked: string[] = []): RegistrySource {
  const catalogue = createStaticRegistry({ id, servers })
  return {
    ...catalogue,
    async getMetadata(lookup, context) {
      asked.push(`${id}:${lookup}`)
      if (behaviour.hang) {
        await new Promise((_resolve, reject) => {
          context.signal?.addEventListener('abort', () => reject(context.signal?.reason))
        })
      }
      if (behaviour.fail) throw behaviour.fail
      return catalogue.getMetadata(lookup, context)
    },
  }
}

function service(behaviours: Partial<Record<'npm' | 'registry' | 'github', Behaviour>> = {}, asked: string[] = []) {
  return new MCPDiscoveryService({
    sources: [
      source('npm', [npmPostgres, fork], behaviours.npm, asked),
      source('registry', [registryPostgres], behaviours.registry, asked),
      source('github', [githubPostgres], behaviours.github, asked),
    ],
    timeoutMs: 200,
  })
}

describe('MCPDiscoveryService.getMergedServerMetadata', () => {
  it('shows every source of a server looked up by its npm package, keeping the ref asked for', async () => {
    const statuses: SourceStatus[] = []
    const asked: string[] = []
    const server = await service({}, asked).getMergedServerMetadata('npm:@example/postgres-mcp', { onSourceStatus: (status) => statuses.push(status) })
    expect(server.ref).toBe('npm:@example/postgres-mcp')
    expect(server.name).toBe(officialName)
    expect(server.sources.map((record) => record.source)).toEqual(['npm', 'registry', 'github'])
    expect(server.packages.map((pkg) => pkg.registryType)).toEqual(['npm', 'oci'])
    expect(server.popularity?.stars).toBe(1_200)
    expect(server.verified).toContainEqual(expect.objectContaining({ kind: 'npm-mcp-name', value: officialName, verified: true }))
    expect(statuses.map((status) => [status.source, status.state])).toEqual([['npm', 'ok'], ['registry', 'ok'], ['github', 'ok']])
    // The registry and GitHub are asked at once, and nobody is asked twice.
    expect(asked).toEqual(['npm:@example/postgres-mcp', `registry:${officialName}`, 'github:example/postgres-mcp'])
  })

  it('follows keys found on the way: a repository names the registry entry, which lists the package', async () => {
    const asked: string[] = []
    const repository = githubServer('example/postgres-mcp', { registryName: officialName })
    const discovery = new MCPDiscoveryService({
      sources: [source('npm', [npmPostgres], {}, asked), source('registry', [registryPostgres], {}, asked), source('github', [repository], {}, asked)],
    })
    const server = await discovery.getMergedServerMetadata('github:example/postgres-mcp')
    expect(server.ref).toBe('github:example/postgres-mcp')
    expect(server.sources.map((record) => record.source)).toEqual(['github', 'registry', 'npm'])
    expect(server.packages.map((pkg) => pkg.registryType)).toEqual(['npm', 'oci'])
    // The npm package is only known once the registry entry has answered: a second round.
    expect(asked).toEqual(['github:example/postgres-mcp', `registry:${officialName}`, 'npm:@example/postgres-mcp'])
  })

  it('tolerates sources that fail or time out, reporting their status', async () => {
    const statuses: SourceStatus[] = []
    const server = await service({ github: { fail: new TektonError('E_RATE_LIMITED', '[github] 403 rate limited') }, registry: { hang: true } })
      .getMergedServerMetadata('npm:@example/postgres-mcp', { onSourceStatus: (status) => statuses.push(status) })
    expect(server.sources.map((record) => record.source)).toEqual(['npm'])
    expect(server.verified).toEqual([expect.objectContaining({ verified: false })])
    expect(statuses.map((status) => [status.source, status.state]).sort()).toEqual([['github', 'rate-limited'], ['npm', 'ok'], ['registry', 'timeout']])
  })

  it('does not merge a package whose claim the registry contradicts, and says so', async () => {
    const server = await service().getMergedServerMetadata('npm:postgres-fork')
    expect(server.sources.map((record) => record.source)).toEqual(['npm'])
    expect(server.verified).toEqual([expect.objectContaining({ verified: false, detail: expect.stringContaining('contradicted by the official registry entry'), checkedAgainst: `registry:${officialName}` })])
  })

  it('returns the server as found when no other source knows it', async () => {
    const lonely = npmServer('lonely-mcp')
    const discovery = new MCPDiscoveryService({ sources: [source('npm', [lonely]), source('registry', [registryPostgres])] })
    expect(await discovery.getMergedServerMetadata('npm:lonely-mcp')).toEqual(lonely)
  })

  it('resolves a bare package name to the merged server it belongs to', async () => {
    const server = await service().getMergedServerMetadata('postgres-mcp')
    expect(server.ref).toBe(`registry:${officialName}`)
    expect(server.sources.map((record) => record.source)).toEqual(['registry', 'npm', 'github'])
  })

  it('still fails when the server asked for cannot be found', async () => {
    await expect(service().getMergedServerMetadata('npm:no-such-package')).rejects.toMatchObject({ code: 'E_NOT_FOUND' })
  })

  it('stops when the caller aborts', async () => {
    const controller = new AbortController()
    const pending = service({ registry: { hang: true } }).getMergedServerMetadata('npm:@example/postgres-mcp', { signal: controller.signal })
    setTimeout(() => controller.abort(new TektonError('E_ABORTED', 'cancelled')), 20)
    await expect(pending).rejects.toMatchObject({ code: 'E_ABORTED' })
  })
})
