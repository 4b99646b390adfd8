/**
 * Issue 12's "done when", as a new user would try it, over loopback fakes: a required secret
 * given with --secret-env reaches the server when the launcher starts it, and is in no output and
 * no file but the 0600 secret store; a remote-only official-registry entry installs with a
 * handshake over HTTP against the testkit's remote fixture (which refuses requests without the
 * key); a compose file applied twice changes nothing the second time.
 */
import { readFile, readdir, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { secretLauncherEntry, secretStoreFile } from '@tekton/mcp-installation'
import { buildFixtureServerPackage, callToolOverStdio, officialPostgresMcp, officialRemoteOnlyEntry, startFakeNpmRegistry, startFakeOfficialRegistry, startRemoteMcpFixture } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry, FakeOfficialRegistry, RemoteFixture } from '@tekton/mcp-testkit'
import { installEnvironment, run, temporaryHome } from './helpers'

const installTimeout = 600_000
const postgres = 'io.github.example/postgres-mcp'
const remoteName = 'io.example.test/remote-notes'
const secret = 'pg-secret-never-shown-4711'
const apiKey = 'remote-key-never-shown-0815'
let npm: FakeNpmRegistry
let official: FakeOfficialRegistry
let remote: RemoteFixture
const homes: Array<{ remove: () => Promise<void> }> = []

beforeAll(async () => {
  remote = await startRemoteMcpFixture({ name: 'notes-remote', version: '3.1.0', requiredHeader: { name: 'X-API-Key', value: apiKey } })
  ;[npm, official] = await Promise.all([
    startFakeNpmRegistry({ packages: [buildFixtureServerPackage({ name: '@example/postgres-mcp-server', keywords: ['mcp'], versions: [{ version: '1.0.0' }] })] }),
    startFakeOfficialRegistry({ servers: [officialPostgresMcp({ npmIdentifier: '@example/postgres-mcp-server' }), officialRemoteOnlyEntry({ name: remoteName, url: remote.streamableUrl })] }),
  ])
})

afterAll(async () => {
  await Promise.all([npm?.close(), official?.close(), remote?.close(), ...homes.map((home) => home.remove())])
})

async function newHome(): Promise<{ directory: string; env: Record<string, string> }> {
  const home = await temporaryHome()
  homes.push(home)
  return {
    directory: home.directory,
    env: installEnvironment(npm.url, home.directory, {
      TEKTON_MCP_SOURCES: 'registry,npm',
      TEKTON_MCP_REGISTRY_URL: official.baseUrl,
      DOCKER_HOST: `unix://${home.directory}/none.sock`,
      PGPASSWORD: secret,
      NOTES_API_KEY: apiKey,
    }),
  }
}

/** Every file under `directory` whose bytes hold `value`, relative. */
async function filesHolding(directory: string, value: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true })
  const holding: string[] = []
  for (const entry of entries.filter((candidate) => candidate.isFile())) {
    const file = path.join(entry.parentPath, entry.name)
    if ((await readFile(file)).includes(value)) holding.push(path.relative(directory, file))
  }
  return holding
}

const dataDirectory = (home: string) => path.join(home, 'data')
const storeOf = (home: string) => path.relative(home, secretStoreFile(dataDirectory(home)))

describe('secrets, remotes and compose, as a user tries them', () => {
  it('a required secret given with --secret-env reaches the server through the launcher and nowhere else', async () => {
    const { directory, env } = await newHome()
    const installed = await run(['install', `registry:${postgres}`, '--secret-env', 'PGPASSWORD', '--input=--statement-timeout=5000', '--input', 'database_name=app', '--yes', '--json'], { env })
    expect(installed.stderr).not.toContain('error')
    expect(installed.code).toBe(0)
    const listed = await run(['list', '--json'], { env })
    const configured = await run(['configure', postgres], { env })
    for (const output of [installed, listed, configured]) expect(`${output.stdout}${output.stderr}`).not.toContain(secret)
    expect(JSON.parse(installed.stdout).server.configuration.env.PGPASSWORD).toBe('••••')

    expect(await filesHolding(directory, secret)).toEqual([storeOf(directory)])
    expect((await stat(secretStoreFile(dataDirectory(directory)))).mode & 0o777).toBe(0o600)

    // What a client entry runs: node, the launcher, the data directory and the name; no secret.
    const entry = secretLauncherEntry({ name: postgres }, { home: dataDirectory(directory) })
    expect(entry.args.join(' ')).not.toContain(secret)
    const transport = new StdioClientTransport({ command: entry.command, args: entry.args, env: { PATH: process.env.PATH ?? '', HOME: directory }, stderr: 'pipe' })
    const client = new Client({ name: 'a-client', version: '1.0.0' })
    try {
      await client.connect(transport)
      const reported = await client.callTool({ name: 'report_env', arguments: {} })
      const seen = JSON.parse((reported.content as Array<{ text: string }>)[0]!.text) as Record<string, string>
      expect(seen.PGPASSWORD).toBe(secret)
      expect(seen.NOTES_API_KEY).toBeUndefined()
    } finally {
      await client.close()
    }
  }, installTimeout)

  it('a remote-only registry entry installs with a handshake over HTTP, and list, verify, info and uninstall work on it', async () => {
    const { directory, env } = await newHome()
    const missing = await run(['install', `registry:${remoteName}`, '--yes'], { env })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('E_MISSING_INPUT')
    const refused = await run(['install', `registry:${remoteName}`, '--input', 'X-API-Key=not-the-key-999', '--yes'], { env })
    expect(refused.stderr).toContain('E_HANDSHAKE_HTTP')
    expect(refused.stderr).not.toContain('not-the-key-999')

    const before = remote.requests.byPath['/mcp'] ?? 0
    const installed = await run(['install', `registry:${remoteName}`, '--input', `X-API-Key=${apiKey}`, '--yes', '--json'], { env })
    expect(installed.code).toBe(0)
    expect(remote.requests.byPath['/mcp'] ?? 0).toBeGreaterThan(before)
    const outcome = JSON.parse(installed.stdout)
    expect(outcome.server).toMatchObject({ installer: 'remote', registryType: 'remote', remote: { transport: 'streamable-http', url: remote.streamableUrl, headers: { 'X-API-Key': '••••' } } })
    expect(outcome.handshake.serverInfo).toEqual({ name: 'notes-remote', version: '3.1.0' })
    expect(outcome.handshake.tools.map((tool: { name: string }) => tool.name)).toEqual(['echo'])

    const list = await run(['list'], { env })
    expect(list.stdout).toMatch(/remote-notes\s+1\.4\.0\s+remote\s+1/)
    const verify = await run(['verify', 'remote-notes'], { env })
    expect(verify.code).toBe(0)
    const info = await run(['info', `registry:${remoteName}`], { env })
    expect(info.stdout).toContain(remote.streamableUrl)
    // A client that starts only stdio servers gets a bridge: the entry runs our launcher, which
    // forwards stdio to the remote with the header from the secret store.
    const bridged = await run(['configure', 'remote-notes', '--client', 'claude-desktop', '--json'], { env })
    expect(bridged.code).toBe(0)
    const written = (JSON.parse(bridged.stdout) as { results: Array<{ file: string; name: string }> }).results[0]!
    const desktop = JSON.parse(await readFile(written.file, 'utf8')) as { mcpServers: Record<string, { command: string; args: string[] }> }
    const bridge = desktop.mcpServers[written.name]!
    expect(bridge.args.some((argument) => argument.endsWith('launcher.js'))).toBe(true)
    const beforeBridge = remote.requests.byPath['/mcp'] ?? 0
    expect(await callToolOverStdio(bridge, {}, 'echo', { text: 'through the bridge' })).toContain('through the bridge')
    expect(remote.requests.byPath['/mcp'] ?? 0).toBeGreaterThan(beforeBridge)
    for (const output of [installed, list, verify, info, bridged]) expect(`${output.stdout}${output.stderr}`).not.toContain(apiKey)
    expect(await filesHolding(directory, apiKey)).toEqual([storeOf(directory)])

    const uninstalled = await run(['uninstall', 'remote-notes'], { env })
    expect(uninstalled.code).toBe(0)
    expect(await filesHolding(directory, apiKey)).toEqual([])
  }, installTimeout)

  it('apply installs what a compose file declares; the second run changes nothing; export writes no secret', async () => {
    const { directory, env } = await newHome()
    const file = path.join(directory, 'tekton-mcp.yml')
    await writeFile(
      file,
      [
        'version: 1',
        'servers:',
        `  - ref: registry:${postgres}`,
        '    secretEnv: [PGPASSWORD]',
        '    env: { PGSSLMODE: require }',
        '    inputs: { --statement-timeout: "5000", database_name: app }',
        `  - ref: registry:${remoteName}`,
        '    secretInputs: { X-API-Key: NOTES_API_KEY }',
        '',
      ].join('\n'),
    )
    const first = await run(['apply', file, '--yes', '--json'], { env })
    expect(first.stderr).not.toContain('error')
    expect(first.code).toBe(0)
    expect(JSON.parse(first.stdout)).toMatchObject({ changed: true, servers: [{ name: postgres, action: 'installed' }, { name: remoteName, action: 'installed' }] })
    const second = await run(['apply', file, '--yes'], { env })
    expect(second.code).toBe(0)
    expect(second.stdout).toContain('Nothing to change')
    const third = await run(['apply', file, '--yes', '--json'], { env })
    expect(JSON.parse(third.stdout)).toMatchObject({ changed: false, servers: [{ action: 'unchanged' }, { action: 'unchanged' }] })

    const exported = await run(['export'], { env })
    expect(exported.stdout).toContain('secretEnv:\n      - PGPASSWORD')
    expect(exported.stdout).toContain('X-API-Key: X_API_KEY')
    for (const output of [first, second, third, exported]) {
      expect(`${output.stdout}${output.stderr}`).not.toContain(secret)
      expect(`${output.stdout}${output.stderr}`).not.toContain(apiKey)
    }
    expect(await filesHolding(directory, secret)).toEqual([storeOf(directory)])

    await writeFile(file, 'version: 1\nservers:\n  - ref: npm:x\n    env: { 1BAD: x }\n    clientz: []\n')
    const invalid = await run(['apply', file, '--yes'], { env })
    expect(invalid.code).toBe(2)
    expect(invalid.stderr).toContain('E_COMPOSE_INVALID')
    expect(invalid.stderr).toContain('servers.0.env.1BAD')
    expect(invalid.stderr).toContain('clientz')
  }, installTimeout)
})
