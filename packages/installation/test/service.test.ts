import { appendFile, lstat, mkdir, readFile, readdir, readlink, rm, stat, utimes, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { fixtureServerSource } from '@tekton/mcp-testkit'
import { TektonError } from '@tekton/mcp-discovery'
import type { ServerMetadata } from '@tekton/mcp-discovery'
import { AlreadyInstalledError, HandshakeError, ToolChangesError, buildServerEnvironment, createInstallationService, handshake } from '../src/index'
import { serverSlug } from '../src/names'
import type { InstallationServiceOptions, MCPServerInstaller, ProgressEvent } from '../src/index'
import { createTestInstaller, testMetadata } from './fixtures/test-installer.mjs'
import type { TestInstallerOptions } from './fixtures/test-installer.mjs'
import { listTree, tempDirectory } from './helpers'

let root: string
let cleanup: () => Promise<void>
let homeCounter = 0

beforeAll(async () => {
  ;({ root, cleanup } = await tempDirectory())
})
afterAll(async () => {
  await cleanup()
})

const v1 = fixtureServerSource({ name: 'demo', version: '1.0.0' })
const v2 = fixtureServerSource({ name: 'demo', version: '2.0.0' })
const v2ChangedTool = fixtureServerSource({ name: 'demo', version: '2.0.0', echoInputSchema: { type: 'object', properties: { text: { type: 'string' }, loud: { type: 'boolean' } } } })

function setup(installerOptions: Partial<TestInstallerOptions> = {}, serviceOptions: Partial<InstallationServiceOptions> = {}) {
  homeCounter += 1
  const home = path.join(root, `home-${homeCounter}`)
  const installer = createTestInstaller({ versions: { '1.0.0': v1 }, ...installerOptions })
  const events: ProgressEvent[] = []
  const service = createInstallationService({
    installers: [installer],
    home,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TEKTON_CANARY_SECRET: 'canary-value-4242', NODE_OPTIONS: '--max-old-space-size=64' },
    // Generous: each handshake starts a real node process, which a loaded machine makes slow.
    handshakeTimeoutMs: 120_000,
    lockStaleMs: 30_000,
    progress: (event) => events.push(event),
    resolve: async (ref) => {
      const known = [demo, testMetadata('other-server')].find((metadata) => metadata.ref === ref)
      if (!known) throw new TektonError('E_NOT_FOUND', `no ${ref}`)
      return known
    },
    ...serviceOptions,
  })
  return { home, installer, service, events }
}

const demo = testMetadata('@acme/demo-server', {
  packageOverrides: {
    environmentVariables: [
      { name: 'DEMO_API_KEY', description: 'API key', isRequired: true, isSecret: true },
      { name: 'DEMO_MODE', default: 'fast', choices: ['fast', 'slow'] },
    ],
  },
})

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    if (TektonError.isInstance(error)) return error.code
    throw error
  }
  throw new Error('expected a failure')
}

describe('installServer', () => {
  it('installs into servers/<slug>/versions/<version>, points current at it and records it', async () => {
    const { home, service, events, installer } = setup()
    const outcome = await service.installServer(demo, { env: { DEMO_API_KEY: 'key-123456' } })
    expect(outcome.changed).toBe(true)
    expect(outcome.version).toBe('1.0.0')
    const slug = serverSlug('@acme/demo-server')
    expect(slug).toMatch(/^acme-demo-server-[0-9a-f]{8}$/)
    const versionDir = path.join(home, 'servers', slug, 'versions', '1.0.0')
    expect(outcome.server.directory).toBe(versionDir)
    expect(await readlink(path.join(home, 'servers', slug, 'current'))).toBe(path.join('versions', '1.0.0'))
    expect(await listTree(versionDir)).toEqual(['lib/', 'lib/partial.txt', 'server.js'])
    expect(await readdir(path.join(home, 'staging'))).toEqual([])
    // The launch spec was moved with its directory.
    expect(outcome.server.launch.command).toBe(process.execPath)
    expect(outcome.server.launch.args).toEqual([path.join(versionDir, 'server.js')])
    expect(outcome.handshake?.serverInfo).toEqual({ name: 'demo', version: '1.0.0' })
    expect(outcome.handshake?.tools.map((tool) => tool.name)).toEqual(['echo', 'report_env'])
    const state = JSON.parse(await readFile(path.join(home, 'installed.json'), 'utf8'))
    expect(state.schemaVersion).toBe(1)
    const record = state.servers['@acme/demo-server']
    expect(record).toMatchObject({
      name: '@acme/demo-server',
      slug,
      ref: 'npm:@acme/demo-server',
      installer: 'node',
      registryType: 'npm',
      identifier: '@acme/demo-server',
      activeVersion: '1.0.0',
      allowScripts: false,
      source: { name: '@acme/demo-server', description: 'The @acme/demo-server test server' },
      // The secret value lives in the secret store; the state names it.
      configuration: { env: {}, args: [], secrets: ['DEMO_API_KEY'] },
    })
    expect(record.versions['1.0.0']).toMatchObject({
      directory: versionDir,
      integrity: { source: 'test digest' },
      treeDigest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      fileCount: 2,
      runtime: { name: 'node', path: process.execPath },
      details: { installedBy: 'test-installer' },
    })
    expect(record.versions['1.0.0'].handshake.tools[0].sha256).toMatch(/^[0-9a-f]{64}$/)
    expect((await stat(path.join(home, 'installed.json'))).mode & 0o777).toBe(0o600)
    // Every step reported its start and its end, with a duration.
    const steps = events.filter((event) => event.phase === 'done').map((event) => event.step)
    expect(steps).toEqual(['resolve', 'requirements', 'download', 'verify', 'install', 'handshake', 'activate', 'record', 'cleanup'])
    expect(events.every((event) => event.phase === 'start' || typeof event.durationMs === 'number')).toBe(true)
    expect(events.filter((event) => event.step !== 'resolve').every((event) => event.server === '@acme/demo-server')).toBe(true)
    expect(installer.calls.find((call) => call.method === 'install')).toMatchObject({ allowScripts: false })
  })

  it('installs from a ref through resolve, with the version in the ref', async () => {
    const resolved: string[] = []
    const { service, installer } = setup(
      { versions: { '1.0.0': v1, '2.0.0': v2 } },
      {
        resolve: async (ref) => {
          resolved.push(ref)
          return demo
        },
      },
    )
    const outcome = await service.installServer('npm:@acme/demo-server@1.0.0')
    expect(resolved).toEqual(['npm:@acme/demo-server'])
    expect(outcome.version).toBe('1.0.0')
    expect(installer.calls.find((call) => call.method === 'install')?.version).toBe('1.0.0')
  })

  it('accepts the discovery service as the resolver', async () => {
    const { service } = setup({}, { resolve: { getServerMetadata: async () => demo } })
    expect((await service.installServer('npm:@acme/demo-server')).version).toBe('1.0.0')
  })

  it('installing again is a no-op; another version is E_ALREADY_INSTALLED; reinstall gets fresh files', async () => {
    const { home, service } = setup({ versions: { '1.0.0': v1, '2.0.0': v2 } })
    await service.installServer(demo, { version: '1.0.0', env: { DEMO_API_KEY: 'kept-key-1' } })
    const again = await service.installServer(demo)
    expect(again.changed).toBe(false)
    expect(again.notes[0]).toContain('already installed')
    expect((await service.installServer(demo, { version: '1.0.0' })).changed).toBe(false)
    const other = await service.installServer(demo, { version: '2.0.0' }).catch((caught: unknown) => caught)
    // The names and versions a front end needs to say how to update, in words and as data.
    expect(AlreadyInstalledError.isInstance(other)).toBe(true)
    expect(other).toMatchObject({ code: 'E_ALREADY_INSTALLED', hint: 'Update it to 2.0.0 instead', server: demo.name, installedVersion: '1.0.0', requestedVersion: '2.0.0' })
    expect((other as AlreadyInstalledError).toJSON()).toMatchObject({ code: 'E_ALREADY_INSTALLED', server: demo.name, installedVersion: '1.0.0', requestedVersion: '2.0.0' })
    expect(AlreadyInstalledError.isInstance(new TektonError('E_ALREADY_INSTALLED', 'plain'))).toBe(false)
    const slug = serverSlug(demo.name)
    const versionDir = path.join(home, 'servers', slug, 'versions', '1.0.0')
    await writeFile(path.join(versionDir, 'server.js'), 'tampered')
    const reinstalled = await service.installServer(demo, { version: '1.0.0', reinstall: true, env: { DEMO_MODE: 'slow' } })
    expect(reinstalled.changed).toBe(true)
    expect(reinstalled.server.configuration.env).toEqual({ DEMO_API_KEY: '••••', DEMO_MODE: 'slow' })
    expect(reinstalled.previousVersion).toBe('1.0.0')
    // Only the fresh directory is left, and it works.
    const versions = await readdir(path.join(home, 'servers', slug, 'versions'))
    expect(versions).toHaveLength(1)
    expect(versions[0]).toMatch(/^1\.0\.0~[0-9a-f]{6}$/)
    expect((await service.verifyServer(demo.name)).ok).toBe(true)
    expect(await codeOf(service.installServer(demo, { version: '2.0.0', reinstall: true }))).toBe('E_ALREADY_INSTALLED')
  })

  it('refuses a reinstall whose tools differ from the recorded ones', async () => {
    const { service } = setup({ versions: { '1.0.0': v1 } })
    await service.installServer(demo)
    const { service: changed } = setup({ versions: { '1.0.0': v2ChangedTool } }, { home: service.layout.root })
    expect(await codeOf(changed.installServer(demo, { reinstall: true }))).toBe('E_TOOLS_CHANGED')
    expect((await changed.verifyServer(demo.name)).ok).toBe(true)
  })

  it('picks the package of the ref kind an installer handles, else E_NO_INSTALLER listing the types', async () => {
    const pypiInstaller = createTestInstaller({ versions: { '1.0.0': v1 }, type: 'python', registryTypes: ['pypi'] })
    const { service } = setup({}, { installers: [pypiInstaller, createTestInstaller({ versions: { '1.0.0': v1 } })] })
    const both: ServerMetadata = {
      ...demo,
      ref: 'pypi:demo-server',
      packages: [...demo.packages, { registryType: 'pypi', identifier: 'demo-server', transport: { type: 'stdio' } }],
    }
    const outcome = await service.installServer(both)
    expect(outcome.server.registryType).toBe('pypi')
    expect(outcome.server.installer).toBe('python')

    const { service: dockerless } = setup()
    const error = await dockerless.installServer({ ...demo, packages: [{ registryType: 'oci', identifier: 'acme/demo', transport: { type: 'stdio' } }] }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'E_NO_INSTALLER' })
    expect((error as TektonError).hint).toContain('oci (stdio)')
    expect((error as TektonError).hint).toContain('installers configured for: npm')
    await expect(dockerless.installServer(demo, { registryType: 'pypi' })).rejects.toMatchObject({ code: 'E_NO_INSTALLER' })
  })

  it('refuses unmet requirements with what to install, writing nothing', async () => {
    const { home, service } = setup({ requirementsMet: false })
    const error = await service.installServer(demo).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'E_REQUIREMENTS' })
    expect((error as TektonError).hint).toContain('install Node.js 99 from https://nodejs.org')
    expect(await readdir(path.join(home, 'servers')).catch(() => [])).toEqual([])
    expect(await readdir(path.join(home, 'staging')).catch(() => [])).toEqual([])
  })

  it('leaves nothing behind when the installer fails, the server fails its handshake or the launch spec is bad', async () => {
    for (const [options, code] of [
      [{ failInstall: true }, 'E_INSTALL_FAILED'],
      [{ versions: { '1.0.0': fixtureServerSource({ behavior: 'exit' }) } }, 'E_HANDSHAKE_EXIT'],
      [{ versions: { '1.0.0': fixtureServerSource({ behavior: 'garbage' }) } }, 'E_HANDSHAKE_PROTOCOL'],
      [{ badLaunch: true }, 'E_INSTALLER_RESULT'],
    ] as const) {
      const { home, service } = setup(options)
      expect(await codeOf(service.installServer(demo))).toBe(code)
      expect(await readdir(path.join(home, 'servers')).catch(() => [])).toEqual([])
      expect(await readdir(path.join(home, 'staging'))).toEqual([])
      expect(await service.getInstalledServers()).toEqual([])
    }
  })

  it('can skip the handshake, and says so', async () => {
    const { service } = setup({ versions: { '1.0.0': fixtureServerSource({ behavior: 'exit' }) } })
    const outcome = await service.installServer(demo, { handshake: false })
    expect(outcome.handshake).toBeNull()
    expect(outcome.server.handshake).toBeNull()
    expect(outcome.notes.join(' ')).toContain('Handshake skipped')
  })

  it('refuses bad names, forbidden variables and bad arguments before writing anything (SECURITY 20)', async () => {
    const { home, service } = setup()
    for (const name of ['../evil', '@acme/../x', 'a;rm -rf ~', 'x'.repeat(300), 'name\u202e', '/abs', 'a//b', '$(id)']) {
      expect(await codeOf(service.installServer({ ...demo, name }))).toBe('E_INVALID_NAME')
    }
    expect(await codeOf(service.installServer(demo, { env: { NODE_OPTIONS: '--require ./x.js' } }))).toBe('E_FORBIDDEN_ENV')
    expect(await codeOf(service.installServer(demo, { env: { npm_config_registry: 'http://evil' } }))).toBe('E_FORBIDDEN_ENV')
    expect(await codeOf(service.installServer(demo, { env: { 'BAD NAME': 'x' } }))).toBe('E_INVALID_INPUT')
    expect(await codeOf(service.installServer(demo, { args: ['ok', 'nul\0byte'] }))).toBe('E_INVALID_INPUT')
    expect(await codeOf(service.installServer(demo, { env: { DEMO_MODE: 'turbo' } }))).toBe('E_INVALID_INPUT')
    expect(await codeOf(service.installServer(demo, { version: '1.0.0; rm -rf /' }))).toBe('E_INVALID_VERSION')
    expect(
      await codeOf(service.installServer({ ...demo, packages: [{ ...demo.packages[0]!, environmentVariables: [{ name: 'LD_PRELOAD', default: '/tmp/x.so' }] }] })),
    ).toBe('E_FORBIDDEN_ENV')
    expect(await listTree(home)).toEqual([])
  })

  it('needs a resolver to install from a ref', async () => {
    const { service } = setup({}, { resolve: undefined })
    expect(await codeOf(service.installServer('npm:@acme/demo-server'))).toBe('E_CONFIG')
    expect(await codeOf(service.installServer('npm:../x'))).toBe('E_INVALID_REF')
    expect(await codeOf(service.installServer({ ...demo, packages: 'npm' } as never))).toBe('E_INVALID_INPUT')
    expect(await codeOf(service.installServer(null as never))).toBe('E_INVALID_INPUT')
    const { service: misled } = setup({}, { resolve: async () => ({ name: 'x' }) as never })
    expect(await codeOf(misled.installServer('npm:x'))).toBe('E_BAD_RESPONSE')
  })
})

describe('configuration and secrets', () => {
  it('stores secret values and shows them as •••• in every return value', async () => {
    const { service } = setup()
    const installed = await service.installServer(demo, { env: { DEMO_API_KEY: 'super-secret-key-1', DEMO_MODE: 'slow' }, args: ['--verbose'] })
    const views = [installed, installed.server, await service.getInstalledServers(), await service.getInstalledServer(demo.name), await service.getLaunchSpec(demo.name)]
    for (const view of views) expect(JSON.stringify(view)).not.toContain('super-secret-key-1')
    expect(installed.server.configuration.env).toEqual({ DEMO_API_KEY: '••••', DEMO_MODE: 'slow' })
    expect(installed.server.launch.env).toEqual({ DEMO_API_KEY: '••••', DEMO_MODE: 'slow' })
    expect(installed.server.launch.args.at(-1)).toBe('--verbose')
    expect(installed.server.missingEnv).toEqual([])
    expect((await service.getLaunchSpec(demo.name, { revealSecrets: true })).env.DEMO_API_KEY).toBe('super-secret-key-1')

    const configured = await service.configureServer(demo.name, { env: { MY_SERVICE_TOKEN: 'tok-abcdef', DEMO_MODE: null }, args: [] })
    expect(configured.configuration).toEqual({ env: { DEMO_API_KEY: '••••', MY_SERVICE_TOKEN: '••••' }, args: [], secrets: ['DEMO_API_KEY', 'MY_SERVICE_TOKEN'] })
    expect(configured.launch.env.DEMO_MODE).toBe('fast')
    const unset = await service.configureServer(demo.name, { unset: ['DEMO_API_KEY'] })
    expect(unset.missingEnv).toEqual(['DEMO_API_KEY'])
    const replaced = await service.configureServer(demo.name, { env: { DEMO_API_KEY: 'k2-value' }, replaceEnv: true })
    expect(Object.keys(replaced.configuration.env)).toEqual(['DEMO_API_KEY'])
  })

  it('refuses forbidden variables and bad choices in configure, and unknown servers', async () => {
    const { service } = setup()
    await service.installServer(demo)
    expect(await codeOf(service.configureServer(demo.name, { env: { DYLD_INSERT_LIBRARIES: '/x' } }))).toBe('E_FORBIDDEN_ENV')
    expect(await codeOf(service.configureServer(demo.name, { env: { PYTHONPATH: '/x' } }))).toBe('E_FORBIDDEN_ENV')
    expect(await codeOf(service.configureServer(demo.name, { env: { DEMO_MODE: 'warp' } }))).toBe('E_INVALID_INPUT')
    expect(await codeOf(service.configureServer('@acme/other', { env: {} }))).toBe('E_NOT_INSTALLED')
    expect(await codeOf(service.configureServer(demo.name, null as never))).toBe('E_INVALID_INPUT')
  })

  it('a server gets the allow-list and its own variables, not the parent environment (SECURITY 12)', async () => {
    const { service } = setup()
    await service.installServer(demo, { env: { DEMO_API_KEY: 'key-for-the-server' } })
    const launch = await service.getLaunchSpec(demo.name, { revealSecrets: true })
    const parent = { ...process.env, TEKTON_CANARY_SECRET: 'canary-value-4242', NODE_OPTIONS: '--max-old-space-size=64', npm_config_registry: 'http://127.0.0.1:1/' }
    process.env.TEKTON_CANARY_SECRET = 'canary-value-4242'
    const transport = new StdioClientTransport({ command: launch.command, args: launch.args, env: buildServerEnvironment(parent, {}, launch.env), stderr: 'pipe' })
    const client = new Client({ name: 'test', version: '1.0.0' })
    try {
      await client.connect(transport)
      const result = await client.callTool({ name: 'report_env', arguments: {} })
      const seen = JSON.parse((result.content as Array<{ text: string }>)[0]!.text) as Record<string, string>
      expect(seen.TEKTON_CANARY_SECRET).toBeUndefined()
      expect(seen.NODE_OPTIONS).toBeUndefined()
      expect(seen.npm_config_registry).toBeUndefined()
      expect(seen.DEMO_API_KEY).toBe('key-for-the-server')
      expect(seen.DEMO_MODE).toBe('fast')
      expect(seen.PATH).toBe(process.env.PATH)
    } finally {
      delete process.env.TEKTON_CANARY_SECRET
      await client.close()
    }
  })
})

describe('updateServer', () => {
  it('installs the new version beside the old, switches to it and returns the tool diff', async () => {
    const { home, service, installer } = setup({ versions: { '1.0.0': v1, '2.0.0': v2 } })
    await service.installServer(demo, { version: '1.0.0' })
    const updated = await service.updateServer(demo.name)
    expect(updated).toMatchObject({ changed: true, version: '2.0.0', previousVersion: '1.0.0' })
    expect(updated.toolDiff).toEqual({ added: [], removed: [], changed: [], unchanged: ['echo', 'report_env'] })
    const slug = serverSlug(demo.name)
    expect(await readlink(path.join(home, 'servers', slug, 'current'))).toBe(path.join('versions', '2.0.0'))
    expect((await readdir(path.join(home, 'servers', slug, 'versions'))).sort()).toEqual(['1.0.0', '2.0.0'])
    expect(Object.keys(updated.server.versions).sort()).toEqual(['1.0.0', '2.0.0'])
    expect(updated.server.handshake?.serverInfo.version).toBe('2.0.0')
    // Up to date: the plan says so before anything is downloaded.
    const installs = installer.calls.filter((call) => call.method === 'install').length
    const again = await service.updateServer(demo.name)
    expect(again.changed).toBe(false)
    expect(installer.calls.filter((call) => call.method === 'install').length).toBe(installs)
  })

  it('keeps one previous version by default', async () => {
    const v3 = fixtureServerSource({ name: 'demo', version: '3.0.0' })
    const { home, service } = setup({ versions: { '1.0.0': v1, '2.0.0': v2, '3.0.0': v3 } })
    await service.installServer(demo, { version: '1.0.0' })
    await service.updateServer(demo.name, { to: '2.0.0' })
    await service.updateServer(demo.name, { to: '3.0.0' })
    const slug = serverSlug(demo.name)
    expect((await readdir(path.join(home, 'servers', slug, 'versions'))).sort()).toEqual(['2.0.0', '3.0.0'])
    expect((await readdir(path.join(home, 'servers', slug, 'manifests'))).sort()).toEqual(['2.0.0.json', '3.0.0.json'])
  })

  it('without a plan, finds out the version by installing and discards it when it is the active one', async () => {
    const { home, service } = setup({ withPlan: false })
    await service.installServer(demo)
    const outcome = await service.updateServer(demo.name)
    expect(outcome.changed).toBe(false)
    expect(await readdir(path.join(home, 'staging'))).toEqual([])
  })

  // Only the server that never answers gets a short handshake limit: load can only make that one
  // time out later, while a short limit would turn a slow exit or slow garbage into a timeout.
  it.each([
    ['exits', fixtureServerSource({ behavior: 'exit' }), 'E_HANDSHAKE_EXIT', undefined],
    ['hangs', fixtureServerSource({ behavior: 'hang' }), 'E_HANDSHAKE_TIMEOUT', 800],
    ['is not MCP', fixtureServerSource({ behavior: 'garbage' }), 'E_HANDSHAKE_PROTOCOL', undefined],
  ])('rolls back when the new version %s: the old stays active and still works', async (_label, broken, code, handshakeTimeoutMs) => {
    const { home, service } = setup({ versions: { '1.0.0': v1, '2.0.0': broken } })
    await service.installServer(demo, { version: '1.0.0' })
    const before = await readFile(path.join(home, 'installed.json'), 'utf8')
    const error = await service.updateServer(demo.name, handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(HandshakeError)
    expect((error as HandshakeError).code).toBe(code)
    expect(await readFile(path.join(home, 'installed.json'), 'utf8')).toBe(before)
    const slug = serverSlug(demo.name)
    expect(await readdir(path.join(home, 'servers', slug, 'versions'))).toEqual(['1.0.0'])
    expect(await readlink(path.join(home, 'servers', slug, 'current'))).toBe(path.join('versions', '1.0.0'))
    expect(await readdir(path.join(home, 'staging'))).toEqual([])
    const launch = await service.getLaunchSpec(demo.name, { revealSecrets: true })
    expect((await handshake(launch, { timeoutMs: 120_000 })).serverInfo.version).toBe('1.0.0')
  })

  it('refuses changed tools without approval (E_TOOLS_CHANGED with the diff), and applies them with it', async () => {
    const { home, service } = setup({ versions: { '1.0.0': v1, '2.0.0': v2ChangedTool } })
    await service.installServer(demo, { version: '1.0.0' })
    const error = await service.updateServer(demo.name).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ToolChangesError)
    const refused = error as ToolChangesError
    expect(refused.code).toBe('E_TOOLS_CHANGED')
    expect(refused.diff.changed).toEqual([{ name: 'echo', fields: ['inputSchema'] }])
    expect(refused.message).toContain('~ echo (inputSchema)')
    expect(refused.message).toContain('1.0.0 stays active')
    expect(refused.toJSON().diff.changed).toHaveLength(1)
    expect((await service.getInstalledServer(demo.name))?.activeVersion).toBe('1.0.0')
    expect(await readdir(path.join(home, 'servers', serverSlug(demo.name), 'versions'))).toEqual(['1.0.0'])
    const approved = await service.updateServer(demo.name, { approveToolChanges: true })
    expect(approved.version).toBe('2.0.0')
    expect(approved.toolDiff?.changed).toEqual([{ name: 'echo', fields: ['inputSchema'] }])
  })

  it('says when there was no baseline to compare tools with', async () => {
    const { service } = setup({ versions: { '1.0.0': v1, '2.0.0': v2ChangedTool } })
    await service.installServer(demo, { version: '1.0.0', handshake: false })
    const outcome = await service.updateServer(demo.name)
    expect(outcome.toolDiff).toBeUndefined()
    expect(outcome.notes.join(' ')).toContain('nothing to compare')
  })

  it('resolves the recorded ref, and fails clearly for unknown servers and renamed ones', async () => {
    const resolved: string[] = []
    const { service } = setup({ versions: { '1.0.0': v1, '2.0.0': v2 } }, { resolve: async (ref) => (resolved.push(ref), demo) })
    await service.installServer(demo, { version: '1.0.0' })
    expect((await service.updateServer('npm:@acme/demo-server', { to: '2.0.0' })).version).toBe('2.0.0')
    expect(resolved).toEqual(['npm:@acme/demo-server'])
    expect(await codeOf(service.updateServer('@acme/unknown'))).toBe('E_NOT_INSTALLED')
    expect(await codeOf(service.updateServer(demo.name, { metadata: { ...demo, name: '@acme/other' } }))).toBe('E_INVALID_INPUT')
    expect(await codeOf(service.updateServer(demo.name, { to: '9.9.9', metadata: demo }))).toBe('E_INSTALL_FAILED')
  })
})

describe('verifyServer', () => {
  it('reports intact files and unchanged tools', async () => {
    const { service } = setup()
    await service.installServer(demo)
    const report = await service.verifyServer(demo.name)
    expect(report.ok).toBe(true)
    expect(report.files).toMatchObject({ ok: true, changed: [], missing: [], added: [], manifestIntact: true })
    expect(report.files.actual).toBe(report.files.expected)
    expect(report.handshake).toMatchObject({ ok: true, toolDiff: { added: [], removed: [], changed: [] } })
  })

  it('lists changed, missing and added files', async () => {
    const { service } = setup()
    const { server } = await service.installServer(demo)
    await appendFile(path.join(server.directory, 'server.js'), '\n// injected\n')
    await rm(path.join(server.directory, 'lib', 'partial.txt'))
    await writeFile(path.join(server.directory, 'extra.js'), 'console.log(1)')
    const report = await service.verifyServer(demo.name, { handshake: false })
    expect(report.ok).toBe(false)
    expect(report.files).toMatchObject({ ok: false, changed: ['server.js'], missing: ['lib/partial.txt'], added: ['extra.js'], manifestIntact: true })
    expect(report.handshake).toBeNull()
    expect(report.notes.join(' ')).toContain('Handshake skipped')
  })

  it('reports a server that no longer starts, and tools that changed since install', async () => {
    const { service } = setup()
    const { server } = await service.installServer(demo)
    await writeFile(path.join(server.directory, 'server.js'), fixtureServerSource({ name: 'demo', echoInputSchema: { type: 'object' } }))
    const changed = await service.verifyServer(demo.name)
    expect(changed.ok).toBe(false)
    expect(changed.handshake).toMatchObject({ ok: true, toolDiff: { changed: [{ name: 'echo', fields: ['inputSchema'] }] } })
    await writeFile(path.join(server.directory, 'server.js'), fixtureServerSource({ behavior: 'exit' }))
    const broken = await service.verifyServer(demo.name)
    expect(broken.handshake).toMatchObject({ ok: false, error: { code: 'E_HANDSHAKE_EXIT', exitCode: 1 } })
  })

  it('notices a tampered or missing file list, and a missing directory', async () => {
    const { home, service } = setup()
    const { server } = await service.installServer(demo)
    const manifest = path.join(home, 'servers', server.slug, 'manifests', '1.0.0.json')
    const text = JSON.parse(await readFile(manifest, 'utf8'))
    delete text.files['lib/partial.txt']
    await writeFile(manifest, JSON.stringify(text))
    await rm(path.join(server.directory, 'lib', 'partial.txt'))
    const tampered = await service.verifyServer(demo.name, { handshake: false })
    expect(tampered.files.manifestIntact).toBe(false)
    expect(tampered.files.ok).toBe(false)
    expect(tampered.notes.join(' ')).toContain('was changed too')
    await rm(manifest)
    expect((await service.verifyServer(demo.name, { handshake: false })).notes.join(' ')).toContain('missing or unreadable')
    await rm(server.directory, { recursive: true })
    const gone = await service.verifyServer(demo.name)
    expect(gone.ok).toBe(false)
    expect(gone.files.actual).toBe('missing')
    expect(gone.handshake).toBeNull()
  })

  it('fails, without starting anything, when installed.json points the launch command outside the install', async () => {
    const { home, service } = setup()
    const { server } = await service.installServer(demo)
    expect((await service.verifyServer(demo.name, { handshake: false })).launch).toEqual({ ok: true, problems: [] })
    const stateFile = path.join(home, 'installed.json')
    const state = JSON.parse(await readFile(stateFile, 'utf8'))
    const marker = path.join(home, 'started-from-outside')
    const version = state.servers[server.name].versions['1.0.0']
    version.launch.command = '/bin/sh'
    version.launch.args = ['-c', `touch ${marker}`, path.join(home, 'elsewhere.js')]
    await writeFile(stateFile, JSON.stringify(state))
    const report = await service.verifyServer(demo.name)
    expect(report.ok).toBe(false)
    expect(report.files.ok).toBe(true)
    expect(report.launch.ok).toBe(false)
    expect(report.launch.problems).toEqual([
      expect.stringContaining('the command /bin/sh is outside'),
      expect.stringContaining(`the argument ${path.join(home, 'elsewhere.js')} is outside`),
    ])
    expect(report.handshake).toBeNull()
    await expect(readFile(marker)).rejects.toMatchObject({ code: 'ENOENT' })
  })
})

describe('cleanup', () => {
  it('removes a server lock a killed run left behind, and never a fresh one', async () => {
    const { home, service } = setup()
    const locks = path.join(home, 'locks')
    await mkdir(path.join(locks, 'ghost.lock'), { recursive: true })
    await writeFile(path.join(locks, 'ghost.lock.holder.json'), JSON.stringify({ pid: 2 ** 22 + 1, hostname: 'gone', purpose: 'install ghost', since: '2026-01-01T00:00:00.000Z' }))
    const hourAgo = new Date(Date.now() - 3_600_000)
    await utimes(path.join(locks, 'ghost.lock'), hourAgo, hourAgo)
    await mkdir(path.join(locks, 'live.lock'))
    expect((await service.cleanup()).removed).toEqual([path.join(locks, 'ghost.lock')])
    expect((await readdir(locks)).sort()).toEqual(['live.lock'])
  })
})

describe('uninstallServer', () => {
  it('removes exactly the server directory and its record, and asks the installer to release the rest', async () => {
    const other = testMetadata('other-server')
    const { home, service, installer } = setup()
    await service.installServer(demo)
    await service.installServer(other)
    await mkdir(path.join(home, 'unrelated'))
    await writeFile(path.join(home, 'unrelated', 'keep.txt'), 'keep')
    const before = await listTree(home)
    const outcome = await service.uninstallServer(demo.name)
    expect(outcome).toMatchObject({ name: demo.name, versions: ['1.0.0'], removed: path.join(home, 'servers', serverSlug(demo.name)) })
    expect(installer.calls.filter((call) => call.method === 'uninstall')).toEqual([
      { method: 'uninstall', version: '1.0.0', directory: path.join(home, 'servers', serverSlug(demo.name), 'versions', '1.0.0') },
    ])
    const after = await listTree(home)
    const prefix = `servers/${serverSlug(demo.name)}/`
    expect(after).toEqual(before.filter((entry) => !entry.startsWith(prefix) && entry !== prefix))
    expect((await service.getInstalledServers()).map((server) => server.name)).toEqual(['other-server'])
    expect(await codeOf(service.uninstallServer(demo.name))).toBe('E_NOT_INSTALLED')
  })

  it('still removes the files when the installer cannot release something, and says so', async () => {
    const { service } = setup({ failUninstall: true })
    await service.installServer(demo)
    const outcome = await service.uninstallServer(demo.name)
    expect(outcome.notes.join(' ')).toContain('could not release')
    expect(await service.getInstalledServers()).toEqual([])
  })
})

describe('planInstall', () => {
  it('shows the version, package, directory, full command line and variable names, writing nothing', async () => {
    const { home, service } = setup()
    const plan = await service.planInstall(demo, { env: { DEMO_API_KEY: 'secret-plan-key' }, args: ['--flag'] })
    expect(plan).toMatchObject({
      name: demo.name,
      ref: 'npm:@acme/demo-server',
      version: '1.0.0',
      exact: true,
      installer: 'node',
      package: { registryType: 'npm', identifier: '@acme/demo-server' },
      allowScripts: false,
      handshake: true,
      requirements: { ok: true },
    })
    const versionDir = path.join(home, 'servers', serverSlug(demo.name), 'versions', '1.0.0')
    expect(plan.directory).toBe(versionDir)
    expect(plan.launch).toEqual({ command: process.execPath, args: [path.join(versionDir, 'server.js'), '--flag'], env: { DEMO_MODE: 'fast', DEMO_API_KEY: '••••' } })
    expect(plan.envNames).toEqual(['DEMO_API_KEY', 'DEMO_MODE'])
    expect(plan.notes).toContain('planned by the test installer')
    expect(JSON.stringify(plan)).not.toContain('secret-plan-key')
    expect(await listTree(home)).toEqual([])
  })

  it('says what it cannot know without a plan, what is missing and what is installed', async () => {
    const { service } = setup({ withPlan: false, requirementsMet: false })
    const plan = await service.planInstall(demo)
    expect(plan.exact).toBe(false)
    expect(plan.launch).toBeUndefined()
    expect(plan.notes.join(' ')).toContain('cannot tell the command')
    expect(plan.notes.join(' ')).toContain('requirements are not met')
    expect(plan.notes.join(' ')).toContain('DEMO_API_KEY')
    const { service: installedService } = setup()
    await installedService.installServer(demo)
    expect((await installedService.planInstall(demo)).installedVersion).toBe('1.0.0')
  })
})

describe('short names', () => {
  it('finds an installed server by the last part of its name for every operation that names one', async () => {
    const { service } = setup()
    await service.installServer(demo, { env: { DEMO_API_KEY: 'k' } })
    expect((await service.getInstalledServer('demo-server'))?.name).toBe('@acme/demo-server')
    expect((await service.verifyServer('demo-server', { handshake: false })).ok).toBe(true)
    expect((await service.configureServer('demo-server', { env: { DEMO_MODE: 'slow' } })).configuration.env.DEMO_MODE).toBe('slow')
    expect((await service.getLaunchSpec('demo-server')).env.DEMO_MODE).toBe('slow')
    // A name with a scope or a ref is never read as a short name.
    expect(await service.getInstalledServer('@other/demo-server')).toBeNull()
    expect(await codeOf(service.verifyServer('npm:demo-server'))).toBe('E_NOT_INSTALLED')
    expect((await service.uninstallServer('demo-server')).name).toBe('@acme/demo-server')
    expect(await service.getInstalledServers()).toEqual([])
  })

  it('refuses a short name two installed servers share (E_AMBIGUOUS_NAME naming both), and installs by full name only', async () => {
    const { service } = setup()
    const other = testMetadata('@other/demo-server')
    await service.installServer(demo, { env: { DEMO_API_KEY: 'k' }, handshake: false })
    // Installing `@other/demo-server` is not taken for the installed `@acme/demo-server`.
    expect((await service.installServer(other, { handshake: false })).changed).toBe(true)
    const error = await service.uninstallServer('demo-server').catch((caught: unknown) => caught)
    expect(TektonError.isInstance(error) && error.code).toBe('E_AMBIGUOUS_NAME')
    expect((error as Error).message).toContain('@acme/demo-server, @other/demo-server')
    expect(await codeOf(service.getInstalledServer('demo-server'))).toBe('E_AMBIGUOUS_NAME')
    expect((await service.getInstalledServers()).map((server) => server.name)).toEqual(['@acme/demo-server', '@other/demo-server'])
  })
})

describe('what a plan says before asking', () => {
  it('lists the signs that a package is an MCP server, and none for a package that shows none', async () => {
    const { service } = setup()
    const plain = testMetadata('cowsay', { keywords: ['cow', 'ascii'] })
    expect((await service.planInstall(plain)).mcpSigns).toEqual([])
    const listed = testMetadata('weather', {
      keywords: ['MCP', 'weather'],
      registryName: 'io.github.acme/weather',
      sources: [{ source: 'registry', id: 'io.github.acme/weather' }, { source: 'npm', id: 'weather', reasons: ['dependency:@modelcontextprotocol/sdk'] }],
    })
    expect((await service.planInstall(listed)).mcpSigns).toEqual([
      'listed in the official MCP registry',
      'claims the MCP registry name io.github.acme/weather',
      'npm: dependency:@modelcontextprotocol/sdk',
      'keywords: MCP',
    ])
    expect((await service.planInstall(testMetadata('acme-mcp'))).mcpSigns).toEqual(['its name acme-mcp'])
  })

  it('adds the signs the installer found in the exact version it would install', async () => {
    const { service, installer } = setup()
    const plan = installer.plan!
    installer.plan = async (spec, context) => ({ ...(await plan(spec, context)), mcpSigns: ['depends on @modelcontextprotocol/sdk'] })
    expect((await service.planInstall(testMetadata('plain-name'))).mcpSigns).toEqual(['depends on @modelcontextprotocol/sdk'])
  })

  it('says whether the planned version is an upgrade, a downgrade or the installed one', async () => {
    const { service } = setup({ versions: { '1.0.0': v1, '2.0.0': v2 } })
    await service.installServer(demo, { version: '2.0.0', env: { DEMO_API_KEY: 'k' }, handshake: false })
    expect(await service.planInstall(demo, { version: '1.0.0' })).toMatchObject({ installedVersion: '2.0.0', versionChange: 'downgrade' })
    expect((await service.planInstall(demo, { version: '2.0.0' })).versionChange).toBe('same')
    expect((await service.planInstall(testMetadata('other-server'))).versionChange).toBeUndefined()
  })
})

describe('options', () => {
  it('checks options up front', () => {
    expect(() => createInstallationService({} as never)).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
    expect(() => createInstallationService({ installers: [{ type: 'node' } as unknown as MCPServerInstaller] })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
    expect(() => createInstallationService({ installers: [], handshakeTimeoutMs: -1 })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
    expect(() => createInstallationService({ installers: [], home: ' ' })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
  })

  it('defaults the data directory to TEKTON_MCP_HOME', () => {
    const service = createInstallationService({ installers: [], env: { TEKTON_MCP_HOME: path.join(root, 'tekton-home') } })
    expect(service.layout.root).toBe(path.join(root, 'tekton-home', 'data'))
    expect(service.layout.stateFile).toBe(path.join(root, 'tekton-home', 'data', 'installed.json'))
  })

  it('a progress listener that throws does not fail the install', async () => {
    const { service } = setup({}, { progress: () => { throw new Error('printer broke') } })
    expect((await service.installServer(demo)).changed).toBe(true)
  })
})

describe('cleanup', () => {
  it('removes staging left by dead processes and server directories no record names, and repairs the pointer', async () => {
    const { home, service } = setup()
    await service.installServer(demo)
    const slug = serverSlug(demo.name)
    // A staging directory of a process that is gone, one without an owner (old), an orphan server directory.
    const dead = path.join(home, 'staging', `${slug}.deadbeef0000`)
    await mkdir(path.join(dead, 'root'), { recursive: true })
    await writeFile(path.join(dead, 'owner.json'), JSON.stringify({ pid: 2 ** 22 + 12345, hostname: (await import('node:os')).hostname(), startedAt: new Date().toISOString(), slug, purpose: 'test' }))
    const live = path.join(home, 'staging', `${slug}.live00000000`)
    await mkdir(path.join(live, 'root'), { recursive: true })
    await writeFile(path.join(live, 'owner.json'), JSON.stringify({ pid: process.ppid, hostname: (await import('node:os')).hostname(), startedAt: new Date().toISOString(), slug, purpose: 'test' }))
    const orphan = path.join(home, 'servers', 'orphan-12345678', 'versions', '1.0.0')
    await mkdir(orphan, { recursive: true })
    const { removed } = await service.cleanup()
    expect(removed.sort()).toEqual([dead, path.join(home, 'servers', 'orphan-12345678')].sort())
    expect((await lstat(live)).isDirectory()).toBe(true)
    await rm(live, { recursive: true })
    // A pointer left on a version the record does not name (killed after the switch) is put back.
    const stray = path.join(home, 'servers', slug, 'versions', '9.9.9')
    await mkdir(stray)
    const link = path.join(home, 'servers', slug, 'current')
    await rm(link)
    await (await import('node:fs/promises')).symlink(path.join('versions', '9.9.9'), link)
    await service.configureServer(demo.name, { env: {} })
    await service.installServer(demo) // a no-op install still reconciles under the lock
    expect(await readlink(link)).toBe(path.join('versions', '1.0.0'))
    expect(await readdir(path.join(home, 'servers', slug, 'versions'))).toEqual(['1.0.0'])
  })
})
