import { readFile, readdir, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { fixtureServerSource } from '@tekton/mcp-testkit'
import { createInstallationService, readEnvironmentFile, readSecretStore, secretLauncherEntry, secretStoreFile } from '../src/index'
import { parseLauncherArguments } from '../src/secret-launcher'
import { createStateStore } from '../src/state'
import { createTestInstaller, testMetadata } from './fixtures/test-installer.mjs'
import { tempDirectory } from './helpers'

let root: string
let cleanup: () => Promise<void>
let homeCounter = 0

beforeAll(async () => {
  ;({ root, cleanup } = await tempDirectory('tekton-secrets-'))
})
afterAll(async () => {
  await cleanup()
})

const declaredSecret = 'declared-secret-value-7731'
const givenSecret = 'given-secret-value-5512'

const demo = testMetadata('@acme/secret-demo', {
  packageOverrides: {
    environmentVariables: [
      { name: 'DEMO_API_KEY', description: 'API key', isRequired: true, isSecret: true },
      { name: 'DEMO_MODE', default: 'fast' },
    ],
  },
})

function setup() {
  homeCounter += 1
  const home = path.join(root, `home-${homeCounter}`)
  const installer = createTestInstaller({ versions: { '1.0.0': fixtureServerSource({ name: 'secret-demo', version: '1.0.0' }) } })
  const service = createInstallationService({
    installers: [installer],
    home,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    handshakeTimeoutMs: 120_000,
    lockStaleMs: 30_000,
  })
  return { home, service }
}

/** Every file under `directory`, with its path. */
async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true })
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name))
}

async function filesHolding(home: string, value: string): Promise<string[]> {
  const holding: string[] = []
  for (const file of await filesUnder(home)) if ((await readFile(file)).includes(value)) holding.push(path.relative(home, file))
  return holding
}

/** Starts `command args` as an MCP client would and returns what its `report_env` tool saw. */
async function reportedEnvironment(command: string, args: string[], env: Record<string, string>): Promise<Record<string, string>> {
  const transport = new StdioClientTransport({ command, args, env, stderr: 'pipe' })
  const client = new Client({ name: 'test', version: '1.0.0' })
  try {
    await client.connect(transport)
    const result = await client.callTool({ name: 'report_env', arguments: {} })
    return JSON.parse((result.content as Array<{ text: string }>)[0]!.text) as Record<string, string>
  } finally {
    await client.close()
  }
}

describe('the secret store', () => {
  it('keeps secret values in one 0600 file, names only in the state, and the launcher gives them to the server', async () => {
    const { home, service } = setup()
    const outcome = await service.installServer(demo, { env: { DEMO_API_KEY: declaredSecret, DEMO_MODE: 'slow' }, secrets: { PLAIN_NAME: givenSecret } })
    expect(JSON.stringify(outcome)).not.toContain(declaredSecret)
    expect(JSON.stringify(outcome)).not.toContain(givenSecret)
    expect(outcome.server.configuration.env).toEqual({ DEMO_API_KEY: '••••', DEMO_MODE: 'slow', PLAIN_NAME: '••••' })

    const store = secretStoreFile(home)
    expect(await filesHolding(home, declaredSecret)).toEqual([path.relative(home, store)])
    expect(await filesHolding(home, givenSecret)).toEqual([path.relative(home, store)])
    if (process.platform !== 'win32') {
      expect((await stat(store)).mode & 0o777).toBe(0o600)
      expect((await stat(path.dirname(store))).mode & 0o777).toBe(0o700)
    }
    const state = JSON.parse(await readFile(path.join(home, 'installed.json'), 'utf8'))
    expect(state.servers[demo.name].configuration).toEqual({ env: { DEMO_MODE: 'slow' }, args: [], secrets: ['DEMO_API_KEY', 'PLAIN_NAME'] })

    const entry = secretLauncherEntry({ name: demo.name }, { home })
    expect(entry.command).toBe(process.execPath)
    expect(entry.args.join(' ')).not.toContain(declaredSecret)
    const seen = await reportedEnvironment(entry.command, entry.args, { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TEKTON_CANARY: 'canary-3141' })
    expect(seen.DEMO_API_KEY).toBe(declaredSecret)
    expect(seen.PLAIN_NAME).toBe(givenSecret)
    expect(seen.DEMO_MODE).toBe('slow')
    expect(seen.TEKTON_CANARY).toBeUndefined()

    // Unset and uninstall take the values out of the store too.
    await service.configureServer(demo.name, { unset: ['PLAIN_NAME'] })
    expect(await filesHolding(home, givenSecret)).toEqual([])
    await service.uninstallServer(demo.name)
    expect(await readSecretStore(store)).toEqual({ schemaVersion: 1, servers: {} })
  })

  it('migrates a state file holding secret values in clear text on its first write', async () => {
    const { home, service } = setup()
    await service.installServer(demo, { env: { DEMO_API_KEY: declaredSecret } })
    // An older tekton-mcp wrote the value into the state file itself.
    const stateFile = path.join(home, 'installed.json')
    const old = JSON.parse(await readFile(stateFile, 'utf8'))
    old.servers[demo.name].configuration = { env: { DEMO_API_KEY: declaredSecret, OTHER_TOKEN: 'other-token-9090' }, args: [] }
    await writeFile(stateFile, JSON.stringify(old))
    await writeFile(secretStoreFile(home), JSON.stringify({ schemaVersion: 1, servers: {} }))
    expect((await service.getLaunchSpec(demo.name, { revealSecrets: true })).env.DEMO_API_KEY).toBe(declaredSecret)

    await service.configureServer(demo.name, { env: { DEMO_MODE: 'slow' } })
    expect(await readFile(stateFile, 'utf8')).not.toContain(declaredSecret)
    expect(await readFile(stateFile, 'utf8')).not.toContain('other-token-9090')
    expect(await filesHolding(home, 'other-token-9090')).toEqual([path.relative(home, secretStoreFile(home))])
    const launch = await service.getLaunchSpec(demo.name, { revealSecrets: true })
    expect(launch.env).toMatchObject({ DEMO_API_KEY: declaredSecret, OTHER_TOKEN: 'other-token-9090', DEMO_MODE: 'slow' })
  })

  it('migrates a secret argument an older state holds in its launch and inputs on the first write', async () => {
    const { home } = setup()
    const stateFile = path.join(home, 'migrated.json')
    const secretsFile = path.join(home, 'migrated-secrets', 'secrets.json')
    const token = 'arg-token-never-kept-6161'
    const record = {
      name: 'x', slug: 'x', ref: 'npm:x', source: { name: 'x', description: '' }, installer: 'node', registryType: 'npm', identifier: 'x', activeVersion: '1',
      versions: {
        '1': {
          version: '1', directory: '/srv/x', installedAt: '', integrity: { value: 'sha512-x', source: 'registry' }, treeDigest: 'sha256:x', fileCount: 1,
          launch: { command: '/usr/bin/node', args: ['/srv/x/index.js', '--api-token', token, '--mode', 'fast'], env: {} }, handshake: null,
        },
      },
      configuration: { env: {}, args: [], inputs: { '--api-token': token, '--mode': 'fast' } }, environmentVariables: [], allowScripts: false, installedAt: '', updatedAt: '',
    }
    await import('node:fs/promises').then(({ mkdir }) => mkdir(home, { recursive: true }))
    await writeFile(stateFile, JSON.stringify({ schemaVersion: 1, servers: { x: record } }))
    const store = createStateStore({ file: stateFile, secretsFile })
    await store.update(() => undefined)
    const written = await readFile(stateFile, 'utf8')
    expect(written).not.toContain(token)
    expect(written).toContain('{tekton-secret:--api-token}')
    expect(written).toContain('"fast"')
    expect(await readSecretStore(secretsFile)).toEqual({ schemaVersion: 1, servers: { x: { inputs: { '--api-token': token } } } })
    const read = (await store.read()).servers.x!
    expect(read.versions['1']!.launch.args).toEqual(['/srv/x/index.js', '--api-token', token, '--mode', 'fast'])
    expect(read.configuration.secretInputs).toEqual(['--api-token'])
  })

  it('a store without a secrets file keeps values where they are; a broken store is E_SECRET_STORE without its text', async () => {
    const { home } = setup()
    const plain = createStateStore({ file: path.join(home, 'plain.json') })
    await plain.update((state) => {
      state.servers.x = {
        name: 'x', slug: 'x', ref: 'npm:x', source: { name: 'x', description: '' }, installer: 'node', registryType: 'npm', identifier: 'x', activeVersion: '1',
        versions: {}, configuration: { env: { X_TOKEN: 'kept-here' }, args: [] }, environmentVariables: [], allowScripts: false, installedAt: '', updatedAt: '',
      }
    })
    expect(await readFile(path.join(home, 'plain.json'), 'utf8')).toContain('kept-here')
    const broken = path.join(home, 'broken', 'secrets.json')
    await writeFile(path.join(home, 'broken.json'), '').catch(() => undefined)
    await import('node:fs/promises').then(({ mkdir }) => mkdir(path.dirname(broken), { recursive: true }))
    await writeFile(broken, '{"schemaVersion":1,"servers":{"x":{"env":{"A":"leaky-value-1"')
    const failure = await readSecretStore(broken).catch((error: unknown) => error as { code: string; message: string })
    expect(failure).toMatchObject({ code: 'E_SECRET_STORE' })
    expect((failure as { message: string }).message).not.toContain('leaky-value-1')
  })
})

describe('the launcher and environment files', () => {
  it('reads --home and one server name; anything else is E_USAGE', () => {
    expect(parseLauncherArguments(['--home', '/data', 'srv'], {})).toEqual({ home: path.resolve('/data'), server: 'srv' })
    expect(parseLauncherArguments(['--home=/data', 'srv'], {})).toEqual({ home: path.resolve('/data'), server: 'srv' })
    expect(() => parseLauncherArguments([], {})).toThrow(expect.objectContaining({ code: 'E_USAGE' }))
    expect(() => parseLauncherArguments(['a', 'b'], {})).toThrow(expect.objectContaining({ code: 'E_USAGE' }))
  })

  it('parses dotenv files and checks their names like --env', async () => {
    const { home } = setup()
    await import('node:fs/promises').then(({ mkdir }) => mkdir(home, { recursive: true }))
    const file = path.join(home, '.env')
    await writeFile(file, '# comment\nA_TOKEN=abc123\nexport B="two words"\nC=\'x=y\'\n')
    expect(await readEnvironmentFile(file)).toEqual({ A_TOKEN: 'abc123', B: 'two words', C: 'x=y' })
    await writeFile(file, 'NODE_OPTIONS=--require=/tmp/evil.js\n')
    await expect(readEnvironmentFile(file)).rejects.toMatchObject({ code: 'E_FORBIDDEN_ENV' })
    await expect(readEnvironmentFile(path.join(home, 'missing.env'))).rejects.toMatchObject({ code: 'E_INVALID_INPUT' })
  })
})
