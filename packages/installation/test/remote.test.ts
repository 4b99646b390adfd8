import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startRemoteMcpFixture } from '@tekton/mcp-testkit'
import type { RemoteFixture } from '@tekton/mcp-testkit'
import type { ServerMetadata } from '@tekton/mcp-discovery'
import { createInstallationService, readSecretStore, resolveRemote, secretStoreFile } from '../src/index'
import { createTestInstaller, testMetadata } from './fixtures/test-installer.mjs'
import { tempDirectory } from './helpers'

let root: string
let cleanup: () => Promise<void>
let fixture: RemoteFixture
let homeCounter = 0
const apiKey = 'remote-api-key-60606'

beforeAll(async () => {
  ;({ root, cleanup } = await tempDirectory('tekton-remote-'))
  fixture = await startRemoteMcpFixture({ name: 'notes-remote', version: '3.1.0', requiredHeader: { name: 'X-API-Key', value: apiKey }, extraTools: ['list_notes'] })
})
afterAll(async () => {
  await fixture.close()
  await cleanup()
})

function remoteMetadata(transport: 'streamable-http' | 'sse', url: string, extra: Partial<ServerMetadata> = {}): ServerMetadata {
  return testMetadata('io.example/notes', {
    ref: 'registry:io.example/notes',
    version: '1.4.0',
    packages: [],
    remotes: [{ type: transport, url, headers: [{ name: 'X-API-Key', description: 'API key', isRequired: true, isSecret: true }] }],
    ...extra,
  }) as ServerMetadata
}

function setup() {
  homeCounter += 1
  const home = path.join(root, `home-${homeCounter}`)
  const service = createInstallationService({
    installers: [createTestInstaller({ versions: { '1.0.0': '' } })],
    home,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    handshakeTimeoutMs: 120_000,
  })
  return { home, service }
}

async function everyFileHolding(home: string, value: string): Promise<string[]> {
  const entries = await readdir(home, { withFileTypes: true, recursive: true })
  const holding: string[] = []
  for (const entry of entries.filter((candidate) => candidate.isFile())) {
    const file = path.join(entry.parentPath, entry.name)
    if ((await readFile(file)).includes(value)) holding.push(path.relative(home, file))
  }
  return holding
}

describe('remote servers', () => {
  it('records a remote-only server after a handshake over streamable HTTP, its secret header in the store', async () => {
    const { home, service } = setup()
    const metadata = remoteMetadata('streamable-http', fixture.streamableUrl)
    const plan = await service.planInstall(metadata)
    expect(plan).toMatchObject({ installer: 'remote', package: { registryType: 'remote', identifier: fixture.streamableUrl } })
    expect(plan.missingInputs?.map((input) => input.key)).toEqual(['X-API-Key'])
    await expect(service.installServer(metadata)).rejects.toMatchObject({ code: 'E_MISSING_INPUT' })

    const outcome = await service.installServer(metadata, { inputs: { 'X-API-Key': apiKey } })
    expect(outcome.changed).toBe(true)
    expect(outcome.handshake?.serverInfo).toEqual({ name: 'notes-remote', version: '3.1.0' })
    expect(outcome.handshake?.tools.map((tool) => tool.name)).toEqual(['echo', 'list_notes'])
    expect(outcome.server).toMatchObject({ installer: 'remote', registryType: 'remote', remote: { transport: 'streamable-http', url: fixture.streamableUrl, headers: { 'X-API-Key': '••••' } } })
    expect(JSON.stringify(outcome)).not.toContain(apiKey)
    expect(await everyFileHolding(home, apiKey)).toEqual([path.relative(home, secretStoreFile(home))])

    const listed = await service.getInstalledServers()
    expect(listed.map((server) => server.name)).toEqual(['io.example/notes'])
    expect((await service.installServer(metadata, { inputs: { 'X-API-Key': apiKey } })).changed).toBe(false)

    const verified = await service.verifyServer('io.example/notes')
    expect(verified.ok).toBe(true)
    expect(verified.handshake).toMatchObject({ ok: true, toolDiff: { added: [], removed: [], changed: [] } })
    const updated = await service.updateServer('io.example/notes')
    expect(updated.changed).toBe(false)
    // What an update plan passes back (the record's registry type) plans the remote again.
    expect((await service.planInstall(metadata, { registryType: 'remote' })).installer).toBe('remote')

    const removed = await service.uninstallServer('io.example/notes')
    expect(removed.notes).toEqual([])
    expect(await service.getInstalledServers()).toEqual([])
    expect(await readSecretStore(secretStoreFile(home))).toEqual({ schemaVersion: 1, servers: {} })
  })

  it('speaks SSE too, and a wrong key is E_HANDSHAKE_HTTP that records nothing and shows no key', async () => {
    const { service } = setup()
    const metadata = remoteMetadata('sse', fixture.sseUrl)
    const outcome = await service.installServer(metadata, { inputs: { 'X-API-Key': apiKey } })
    expect(outcome.server.remote?.transport).toBe('sse')
    expect(outcome.handshake?.tools.map((tool) => tool.name)).toEqual(['echo', 'list_notes'])
    await service.uninstallServer(metadata.name)

    const failure = (await service.installServer(remoteMetadata('streamable-http', fixture.streamableUrl), { inputs: { 'X-API-Key': 'wrong-key-12345' } }).catch((error: unknown) => error)) as { code: string; message: string }
    expect(failure).toMatchObject({ code: 'E_HANDSHAKE_HTTP' })
    expect(failure.message).not.toContain('wrong-key-12345')
    expect(await service.getInstalledServers()).toEqual([])
  })

  it('records without contacting the server when the handshake is skipped; --remote on a server with packages', async () => {
    const { service } = setup()
    const before = fixture.requests.byPath['/mcp'] ?? 0
    const metadata = remoteMetadata('streamable-http', 'http://127.0.0.1:9/mcp')
    const outcome = await service.installServer(metadata, { inputs: { 'X-API-Key': apiKey }, handshake: false })
    expect(outcome.handshake).toBeNull()
    expect(outcome.notes.join(' ')).toContain('Handshake skipped')
    expect(fixture.requests.byPath['/mcp'] ?? 0).toBe(before)

    const both = testMetadata('io.example/both', { ref: 'registry:io.example/both', remotes: [{ type: 'streamable-http', url: fixture.streamableUrl }] }) as ServerMetadata
    const plan = await service.planInstall(both)
    expect(plan.installer).toBe('node')
    const remotePlan = await service.planInstall(both, { remote: true })
    expect(remotePlan.installer).toBe('remote')
    await expect(service.planInstall(testMetadata('io.example/none') as ServerMetadata, { remote: true })).rejects.toMatchObject({ code: 'E_NO_REMOTE' })
  })

  it('fills URL variables and fixed header values, refusing header values that would split a header', () => {
    const resolved = resolveRemote(
      {
        type: 'streamable-http',
        url: 'https://{tenant}.example.com/mcp?region={region}',
        variables: { tenant: { isRequired: true }, region: { default: 'eu', choices: ['eu', 'us'] } },
        headers: [{ name: 'Authorization', value: 'Bearer {token}', variables: { token: { isRequired: true, isSecret: true } } }],
      },
      { tenant: 'acme', token: 'tok-99887766' },
    )
    expect(resolved).toMatchObject({ url: 'https://acme.example.com/mcp?region=eu', headers: { Authorization: 'Bearer tok-99887766' }, secretHeaders: ['Authorization'], missing: [] })
    expect(resolveRemote({ type: 'sse', url: 'https://{tenant}.example.com/sse', variables: { tenant: { isRequired: true } } }, {}).missing.map((input) => input.key)).toEqual(['tenant'])
    expect(() => resolveRemote({ type: 'sse', url: 'https://x.example.com/sse', headers: [{ name: 'X-Key' }] }, { 'X-Key': 'a\r\nInjected: 1' })).toThrow(expect.objectContaining({ code: 'E_INVALID_INPUT' }))
  })
})
