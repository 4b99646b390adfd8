/**
 * The compose file through the app: parsing with dotted-path errors, `applyCompose` installing a
 * real fixture server from a loopback npm registry, changing nothing the second time, setting
 * what the file changes, and `exportCompose` writing names, never secret values.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fixtureNpmPackages, officialRemoteOnlyEntry, startFakeNpmRegistry, startFakeOfficialRegistry, startRemoteMcpFixture } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { createTektonMcp, parseComposeFile } from '../src/index'
import type { TektonMcp } from '../src/index'

const installTimeout = 600_000
const fixture = '@fixture/mcp-server'
const token = 'compose-token-value-2468'

let root: string
let registry: FakeNpmRegistry
let app: TektonMcp

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'tekton-app-compose-'))
  registry = await startFakeNpmRegistry({ packages: Object.values(fixtureNpmPackages()) })
  const home = path.join(root, 'home')
  app = createTektonMcp({
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      TEKTON_MCP_HOME: path.join(home, 'tekton-mcp'),
      npm_config_userconfig: path.join(home, 'npmrc'),
      npm_config_registry: `${registry.url}/`,
      TEKTON_MCP_SOURCES: 'npm',
      FIXTURE_TOKEN: token,
    },
    cwd: root,
  })
})

afterAll(async () => {
  await app?.close()
  await registry?.close()
  await rm(root, { recursive: true, force: true })
})

describe('parseComposeFile', () => {
  it('names every problem by its dotted path', async () => {
    await expect(parseComposeFile('version: 1\nservers: [\n', 'a.yml')).rejects.toMatchObject({ code: 'E_COMPOSE_INVALID', message: expect.stringContaining('not valid YAML') })
    const invalid = await parseComposeFile('version: 2\nservers:\n  - ref: npm:x\n    env: { A: 1 }\n    secretEnv: [bad-name]\n', 'b.yml').catch((error: unknown) => error as Error)
    expect(invalid).toMatchObject({ code: 'E_COMPOSE_INVALID' })
    expect((invalid as Error).message).toContain('version:')
    expect((invalid as Error).message).toContain('servers.0.env.A')
    expect((invalid as Error).message).toContain('servers.0.secretEnv.0')
    await expect(parseComposeFile('version: 1\nservers:\n  - ref: npm:x\n  - ref: npm:x\n', 'c.yml')).rejects.toMatchObject({ message: expect.stringContaining('servers.1.ref') })
    expect(await parseComposeFile('{"version": 1, "servers": []}', 'd.json')).toEqual({ version: 1, servers: [] })
  })
})

describe('applyCompose and exportCompose', () => {
  it('installs once, changes nothing the second time, sets what the file changes, exports without secrets', async () => {
    const file = path.join(root, 'tekton-mcp.yml')
    const declare = (mode: string) =>
      writeFile(file, `version: 1\nservers:\n  - ref: npm:${fixture}\n    env: { FIXTURE_MODE: ${mode} }\n    secretEnv: [FIXTURE_TOKEN]\n    args: [--verbose]\n    clients: [claude-desktop]\n`)
    await declare('fast')
    const clientCalls: Array<[string, readonly string[]]> = []
    const configureClients = async (name: string, clients: readonly string[]) => {
      clientCalls.push([name, clients])
      return { written: clients.length }
    }

    const first = await app.applyCompose({ file, configureClients })
    expect(first).toMatchObject({ changed: true, servers: [{ name: fixture, action: 'installed', clients: { written: 1 } }] })
    expect(clientCalls).toEqual([[fixture, ['claude-desktop']]])
    const second = await app.applyCompose({ file: 'tekton-mcp.yml' })
    expect(second.changed).toBe(false)
    expect(second.servers[0]).toMatchObject({ action: 'unchanged' })
    // Without a writer of its own, apply writes the entry's clients as `configure --client` does.
    expect(second.servers[0]!.notes.join(' ')).not.toContain('no client writers')
    expect(second.servers[0]).toMatchObject({ clients: { server: fixture, results: [{ client: 'claude-desktop' }] } })

    await declare('slow')
    const third = await app.applyCompose({ file })
    expect(third.servers[0]).toMatchObject({ action: 'configured', notes: ['set FIXTURE_MODE'], clients: { results: [{ client: 'claude-desktop' }] } })
    const launch = await (await app.installation()).getLaunchSpec(fixture, { revealSecrets: true })
    expect(launch.env).toMatchObject({ FIXTURE_MODE: 'slow', FIXTURE_TOKEN: token })
    expect(launch.args.at(-1)).toBe('--verbose')

    const { document, yaml } = await app.exportCompose()
    expect(document.servers).toEqual([{ ref: `npm:${fixture}`, version: '2.0.0', type: 'npm', env: { FIXTURE_MODE: 'slow' }, secretEnv: ['FIXTURE_TOKEN'], args: ['--verbose'] }])
    expect(yaml).not.toContain(token)
    expect(await readFile(path.join(root, 'home', 'tekton-mcp', 'data', 'installed.json'), 'utf8')).not.toContain(token)
    expect(await parseComposeFile(yaml, 'exported.yml')).toEqual(document)
  }, installTimeout)

  it('refuses a missing secret before installing anything, and a missing file', async () => {
    const file = path.join(root, 'missing-secret.yml')
    await writeFile(file, 'version: 1\nservers:\n  - ref: npm:other-server\n    secretEnv: [NOT_SET_ANYWHERE]\n')
    await expect(app.applyCompose({ file })).rejects.toMatchObject({ code: 'E_INVALID_INPUT', message: expect.stringContaining('servers.0.secretEnv: NOT_SET_ANYWHERE') })
    await writeFile(path.join(root, 'project.env'), 'FROM_FILE=1\n')
    await writeFile(file, 'version: 1\nservers:\n  - ref: npm:other-server\n    envFile: project.env\n    secretInputs: { X-Key: NOT_SET_EITHER }\n')
    await expect(app.applyCompose({ file })).rejects.toMatchObject({ code: 'E_INVALID_INPUT', message: expect.stringContaining('servers.0.secretInputs.X-Key') })
    await expect(parseComposeFile('just text', 'e.yml')).rejects.toMatchObject({ message: expect.stringContaining('(root)') })
    await expect(app.applyCompose({ file: path.join(root, 'nope.yml') })).rejects.toMatchObject({ code: 'E_COMPOSE_INVALID' })
  })
})

describe('a remote server in a compose file', () => {
  it('installs it over HTTP with its secret header from the environment, then changes nothing; export names the header', async () => {
    const key = 'compose-remote-key-1357'
    const remote = await startRemoteMcpFixture({ requiredHeader: { name: 'X-API-Key', value: key } })
    const official = await startFakeOfficialRegistry({ servers: [officialRemoteOnlyEntry({ url: remote.streamableUrl })] })
    const home = path.join(root, 'remote-home')
    const remoteApp = createTektonMcp({
      env: { PATH: process.env.PATH ?? '', HOME: home, TEKTON_MCP_HOME: home, TEKTON_MCP_SOURCES: 'registry', TEKTON_MCP_REGISTRY_URL: official.baseUrl, NOTES_KEY: key },
      cwd: root,
    })
    try {
      const file = path.join(root, 'remote.yml')
      await writeFile(file, 'version: 1\nservers:\n  - ref: registry:io.example.test/remote-notes\n    secretInputs: { X-API-Key: NOTES_KEY }\n')
      expect((await remoteApp.applyCompose({ file })).servers).toMatchObject([{ action: 'installed', version: '1.4.0' }])
      expect((await remoteApp.applyCompose({ file })).changed).toBe(false)
      const { document, yaml } = await remoteApp.exportCompose()
      expect(document.servers).toEqual([{ ref: 'registry:io.example.test/remote-notes', version: '1.4.0', remote: true, secretInputs: { 'X-API-Key': 'X_API_KEY' } }])
      expect(yaml).not.toContain(key)
    } finally {
      await remoteApp.close()
      await official.close()
      await remote.close()
    }
  }, installTimeout)
})
