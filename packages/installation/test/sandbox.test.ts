/**
 * The sandbox module: what the probe concludes on each platform and failure, how a mode is
 * decided, the bubblewrap command line it builds, the checks `verify` runs on a recorded one, and
 * the service carrying the sandbox through install, update and verify (real bwrap where it works).
 */
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { bubblewrapService, fixtureServerSource } from '@tekton/mcp-testkit'
import { TektonError } from '@tekton/mcp-discovery'
import { bubblewrapLaunch, checkSandboxMode, checkSandboxedLaunch, createInstallationService, createSandboxProbe, decideSandbox, relocateLaunchSpec, unwrapLaunch } from '../src/index'
import type { InstallationServiceOptions, LaunchSpec, SandboxProbe } from '../src/index'
import type { ProgramRunner } from '../src/run-program'
import { createTestInstaller, testMetadata } from './fixtures/test-installer.mjs'
import { tempDirectory } from './helpers'

let root: string
let cleanup: () => Promise<void>

beforeAll(async () => {
  ;({ root, cleanup } = await tempDirectory('tekton-sandbox-'))
})
afterAll(async () => {
  await cleanup()
})

/** A runner that answers like bwrap would, and counts its calls. */
function fakeBubblewrap(answer: { exitCode?: number; stderr?: string; failure?: string }): { run: ProgramRunner; calls: string[][] } {
  const calls: string[][] = []
  const run: ProgramRunner = async (_file, args) => {
    calls.push([...args])
    if (args[0] === '--version') return { exitCode: 0, stdout: 'bubblewrap 0.9.0', stderr: '' }
    return { stdout: '', stderr: answer.stderr ?? '', ...(answer.exitCode === undefined ? {} : { exitCode: answer.exitCode }), ...(answer.failure ? { failure: answer.failure } : {}) }
  }
  return { run, calls }
}

describe('createSandboxProbe', () => {
  it('says plainly that macOS and Windows have no sandbox, without running anything', async () => {
    const { run, calls } = fakeBubblewrap({ exitCode: 0 })
    expect(await createSandboxProbe({ platform: 'darwin', run })({ env: {} })).toEqual({ kind: 'none', reason: expect.stringMatching(/^no sandbox on this platform: macOS/) })
    expect(await createSandboxProbe({ platform: 'win32', run })({ env: {} })).toEqual({ kind: 'none', reason: expect.stringMatching(/^no sandbox on this platform: Windows/) })
    expect(calls).toEqual([])
  })

  it('finds no sandbox when bwrap is not on the PATH', async () => {
    const empty = path.join(root, 'empty-bin')
    await mkdir(empty, { recursive: true })
    const availability = await createSandboxProbe({ platform: 'linux', run: fakeBubblewrap({ exitCode: 0 }).run })({ env: { PATH: empty } })
    expect(availability).toEqual({ kind: 'none', reason: 'no sandbox on this platform: bwrap (bubblewrap) is not installed' })
  })

  it('tries bwrap and reports why it cannot create namespaces, asking again next time', async () => {
    const { run, calls } = fakeBubblewrap({ exitCode: 1, stderr: 'bwrap: setting up uid map: Permission denied\n' })
    const probe = createSandboxProbe({ platform: 'linux', bubblewrapPath: '/usr/bin/bwrap', run })
    expect(await probe({ env: {} })).toEqual({ kind: 'none', reason: 'no sandbox on this platform: bwrap cannot create namespaces here (bwrap: setting up uid map: Permission denied)' })
    await probe({ env: {} })
    expect(calls).toEqual([
      ['--unshare-all', '--ro-bind', '/', '/', 'true'],
      ['--unshare-all', '--ro-bind', '/', '/', 'true'],
    ])
  })

  it('uses bwrap when it works, with its version, and tries it once per process', async () => {
    const { run, calls } = fakeBubblewrap({ exitCode: 0 })
    const probe = createSandboxProbe({ platform: 'linux', bubblewrapPath: '/usr/bin/bwrap', run })
    expect(await probe({ env: {} })).toEqual({ kind: 'bubblewrap', path: '/usr/bin/bwrap', version: '0.9.0' })
    expect(await probe({ env: {} })).toEqual({ kind: 'bubblewrap', path: '/usr/bin/bwrap', version: '0.9.0' })
    expect(calls).toHaveLength(2)
  })
})

describe('decideSandbox', () => {
  const none = { kind: 'none', reason: 'no sandbox on this platform: macOS has none tekton-mcp can use' } as const
  it('off is no sandbox and no note', () => {
    expect(decideSandbox('off', false, { kind: 'bubblewrap', path: '/usr/bin/bwrap' })).toEqual({ use: 'none' })
  })
  it('auto falls back to none, saying why', () => {
    expect(decideSandbox('auto', false, none)).toEqual({ use: 'none', note: "No sandbox on this platform: macOS has none tekton-mcp can use: the server runs with your user's access" })
  })
  it('bubblewrap where there is none is E_SANDBOX_UNAVAILABLE with the reason', () => {
    let thrown: unknown
    try {
      decideSandbox('bubblewrap', false, none)
    } catch (error) {
      thrown = error
    }
    expect(TektonError.isInstance(thrown) && thrown.code).toBe('E_SANDBOX_UNAVAILABLE')
    expect((thrown as TektonError).message).toContain('macOS')
  })
  it('uses bubblewrap when available, with the network as granted', () => {
    expect(decideSandbox('auto', true, { kind: 'bubblewrap', path: '/usr/bin/bwrap' })).toMatchObject({ use: 'bubblewrap', path: '/usr/bin/bwrap', network: true, note: expect.stringContaining('network granted') })
  })
  it('checks modes given by callers', () => {
    expect(checkSandboxMode('auto', 'sandbox')).toBe('auto')
    expect(() => checkSandboxMode('docker', 'sandbox')).toThrow('sandbox must be one of off, auto, bubblewrap, not "docker"')
  })
})

describe('bubblewrapLaunch', () => {
  /** A fake host: a system directory, a symlinked one, a runtime under /opt-like prefix, a home under the system directory. */
  async function host() {
    const base = path.join(root, `host-${Math.random().toString(16).slice(2)}`)
    const system = path.join(base, 'usr')
    await mkdir(path.join(system, 'home', 'alice'), { recursive: true })
    await symlink('usr', path.join(base, 'bin'))
    const runtime = path.join(base, 'opt', 'node-22', 'bin', 'node')
    await mkdir(path.dirname(runtime), { recursive: true })
    await writeFile(runtime, '')
    const install = path.join(base, 'data', 'servers', 'x', 'versions', '1.0.0')
    const data = path.join(base, 'data', 'servers', 'x', 'data')
    await mkdir(install, { recursive: true })
    return { base, system, runtime, install, data, home: path.join(system, 'home', 'alice') }
  }

  it('binds the system and the runtime read-only, the data directory writable as HOME, and hides a home under a bound directory', async () => {
    const fake = await host()
    const launch: LaunchSpec = { command: fake.runtime, args: [path.join(fake.install, 'server.js'), '--flag'], env: { MODE: 'fast' } }
    const wrapped = await bubblewrapLaunch(launch, {
      bubblewrapPath: '/usr/bin/bwrap',
      installDirectory: fake.install,
      dataDirectory: fake.data,
      home: fake.home,
      systemDirectories: [fake.system, path.join(fake.base, 'bin'), path.join(fake.base, 'missing')],
    })
    expect(wrapped).toEqual({
      command: '/usr/bin/bwrap',
      args: [
        '--unshare-all', '--die-with-parent', '--new-session', '--unshare-net',
        '--ro-bind', fake.system, fake.system,
        '--symlink', 'usr', path.join(fake.base, 'bin'),
        '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp',
        '--tmpfs', fake.home,
        '--ro-bind', path.join(fake.base, 'opt', 'node-22'), path.join(fake.base, 'opt', 'node-22'),
        '--ro-bind', fake.install, fake.install,
        '--bind', fake.data, fake.data,
        '--setenv', 'HOME', fake.data, '--setenv', 'TMPDIR', '/tmp',
        '--chdir', fake.data,
        '--', fake.runtime, path.join(fake.install, 'server.js'), '--flag',
      ],
      env: { MODE: 'fast' },
      sandbox: { kind: 'bubblewrap', network: false, writable: [fake.data] },
    })
    expect(unwrapLaunch(wrapped)).toEqual(launch)
    expect(checkSandboxedLaunch(wrapped, { writableUnder: path.join(fake.base, 'data', 'servers', 'x') })).toEqual([])
  })

  it('shares the network when granted (with the resolver stub), and keeps a cwd', async () => {
    const fake = await host()
    const wrapped = await bubblewrapLaunch(
      { command: fake.runtime, args: [], env: {}, cwd: fake.install },
      { bubblewrapPath: '/usr/bin/bwrap', installDirectory: fake.install, dataDirectory: fake.data, network: true, systemDirectories: [] },
    )
    expect(wrapped.args.slice(0, 7)).toEqual(['--unshare-all', '--die-with-parent', '--new-session', '--share-net', '--ro-bind-try', '/run/systemd/resolve', '/run/systemd/resolve'])
    expect(wrapped.args).toContain('--chdir')
    expect(wrapped.args[wrapped.args.indexOf('--chdir') + 1]).toBe(fake.install)
    expect(wrapped.sandbox?.network).toBe(true)
    expect(checkSandboxedLaunch(wrapped)).toEqual([])
  })

  it('refuses relative paths and a spec that is sandboxed already', async () => {
    const fake = await host()
    await expect(bubblewrapLaunch({ command: fake.runtime, args: [], env: {} }, { bubblewrapPath: 'bwrap', installDirectory: fake.install, dataDirectory: fake.data })).rejects.toThrow('must be absolute')
    const wrapped = await bubblewrapLaunch({ command: fake.runtime, args: [], env: {} }, { bubblewrapPath: '/usr/bin/bwrap', installDirectory: fake.install, dataDirectory: fake.data, systemDirectories: [] })
    await expect(bubblewrapLaunch(wrapped, { bubblewrapPath: '/usr/bin/bwrap', installDirectory: fake.install, dataDirectory: fake.data })).rejects.toThrow('sandboxed already')
  })

  it('moves with its directory: relocation rewrites the bound install and keeps the sandbox record', async () => {
    const fake = await host()
    const staged = await bubblewrapLaunch({ command: fake.runtime, args: [path.join(fake.install, 'a.js')], env: {} }, { bubblewrapPath: '/usr/bin/bwrap', installDirectory: fake.install, dataDirectory: fake.data, systemDirectories: [] })
    const moved = relocateLaunchSpec(staged, fake.install, '/final/1.0.0')
    expect(moved.args).toContain('/final/1.0.0/a.js')
    expect(moved.args.filter((argument) => argument === '/final/1.0.0')).toHaveLength(2)
    expect(moved.sandbox).toEqual(staged.sandbox)
  })
})

describe('checkSandboxedLaunch', () => {
  const sandboxed: LaunchSpec = {
    command: '/usr/bin/bwrap',
    args: ['--unshare-all', '--die-with-parent', '--new-session', '--unshare-net', '--ro-bind', '/usr', '/usr', '--bind', '/d/servers/x/data', '/d/servers/x/data', '--', '/usr/bin/node', 'a.js'],
    env: {},
    sandbox: { kind: 'bubblewrap', network: false, writable: ['/d/servers/x/data'] },
  }
  const tampered = (change: (args: string[]) => string[], sandbox = sandboxed.sandbox) => checkSandboxedLaunch({ ...sandboxed, args: change([...sandboxed.args]), ...(sandbox ? { sandbox } : {}) }, { writableUnder: '/d/servers/x' })

  it('passes what bubblewrapLaunch made, and an unsandboxed spec has nothing to check', () => {
    expect(tampered((args) => args)).toEqual([])
    expect(checkSandboxedLaunch({ command: '/usr/bin/node', args: [], env: {} })).toEqual([])
  })

  it('names each way the flags stop isolating the server', () => {
    expect(tampered((args) => args.filter((arg) => arg !== '--die-with-parent'))).toEqual(['the sandbox flag --die-with-parent is missing'])
    expect(tampered((args) => args.map((arg) => (arg === '--unshare-net' ? '--share-net' : arg)))).toEqual([
      '--share-net is present although no network was granted',
      '--unshare-net is missing although no network was granted',
    ])
    expect(tampered((args) => ['--bind', '/', '/', ...args])).toEqual(['/ is bound writable but is not among the recorded writable paths'])
    expect(tampered((args) => ['--dev-bind', '/dev', '/dev', ...args])).toEqual(['the sandbox flag --dev-bind is not one tekton-mcp records'])
    expect(tampered((args) => args.filter((arg) => arg !== '--'))).toEqual(['the sandbox flags do not end with --, so the server command cannot be told apart'])
    expect(tampered((args) => args, { kind: 'bubblewrap', network: false, writable: ['/home/alice'] })).toEqual([
      '/d/servers/x/data is bound writable but is not among the recorded writable paths',
      'the writable path /home/alice is outside /d/servers/x',
    ])
    expect(tampered((args) => args, { kind: 'bubblewrap', network: true, writable: ['/d/servers/x/data'] })).toEqual(['the network was granted but --share-net is missing'])
    expect(checkSandboxedLaunch({ ...sandboxed, command: '/tmp/evil' })).toEqual(['the command /tmp/evil is not bubblewrap'])
  })
})

const bubblewrap = bubblewrapService()
const describeWithBubblewrap = 'path' in bubblewrap ? describe : describe.skip
const v1 = fixtureServerSource({ name: 'demo', version: '1.0.0' })
const v2 = fixtureServerSource({ name: 'demo', version: '2.0.0' })

let homeCounter = 0
function service(options: Partial<InstallationServiceOptions> = {}) {
  homeCounter += 1
  const home = path.join(root, `service-${homeCounter}`)
  const installer = createTestInstaller({ versions: { '1.0.0': v1, '2.0.0': v2 } })
  const metadata = testMetadata('@acme/sandboxed')
  return {
    home,
    service: createInstallationService({
      installers: [installer],
      home,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      handshakeTimeoutMs: 120_000,
      resolve: async () => metadata,
      ...options,
    }),
  }
}

const noSandboxHere: SandboxProbe = async () => ({ kind: 'none', reason: 'no sandbox on this platform: macOS has none tekton-mcp can use (bubblewrap is Linux only)' })

describe('the service without a sandbox on this platform', () => {
  it('refuses --sandbox=bubblewrap before installing anything, and says so in the plan', async () => {
    const { service: installation, home } = service({ sandbox: { probe: noSandboxHere } })
    await expect(installation.planInstall('npm:@acme/sandboxed', { sandbox: 'bubblewrap' })).rejects.toMatchObject({ code: 'E_SANDBOX_UNAVAILABLE' })
    await expect(installation.installServer('npm:@acme/sandboxed', { sandbox: 'bubblewrap' })).rejects.toMatchObject({ code: 'E_SANDBOX_UNAVAILABLE' })
    expect(await installation.getInstalledServers()).toEqual([])
    await expect(readFile(path.join(home, 'installed.json'))).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('configureSandbox refuses bubblewrap and leaves the installed launch as it was', async () => {
    const { service: installation } = service({ sandbox: { probe: noSandboxHere } })
    const installed = await installation.installServer('npm:@acme/sandboxed', { version: '1.0.0' })
    await expect(installation.configureSandbox('@acme/sandboxed', { sandbox: 'bubblewrap' })).rejects.toMatchObject({ code: 'E_SANDBOX_UNAVAILABLE' })
    expect((await installation.getInstalledServer('@acme/sandboxed'))?.launch).toEqual(installed.server.launch)
    await expect(installation.configureSandbox('@acme/sandboxed', { sandbox: 'sometimes' as 'auto' })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' })
  }, 600_000)

  it('hands a network grant to a container installer, records it and grants it again on update', async () => {
    homeCounter += 1
    const docker = createTestInstaller({ versions: { '1.0.0': v1, '2.0.0': v2 }, type: 'docker', registryTypes: ['npm'] })
    const installation = createInstallationService({
      installers: [docker],
      home: path.join(root, `service-${homeCounter}`),
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      handshakeTimeoutMs: 120_000,
      resolve: async () => testMetadata('@acme/contained'),
      sandbox: { probe: noSandboxHere },
    })
    const plan = await installation.planInstall('npm:@acme/contained', { version: '1.0.0', sandbox: 'bubblewrap', sandboxNetwork: true })
    expect(plan.sandbox).toEqual({ kind: 'none', note: 'Runs in its container sandbox (the docker flags); bubblewrap is for Node and Python servers' })
    await installation.installServer('npm:@acme/contained', { version: '1.0.0', sandboxNetwork: true })
    expect(await installation.state.read().then((state) => state.servers['@acme/contained']?.sandbox)).toEqual({ mode: 'off', network: true })
    await installation.updateServer('@acme/contained', { to: '2.0.0' })
    expect(docker.calls.filter((call) => call.method === 'install').map((call) => call.network)).toEqual([true, true])
  }, 600_000)

  it('auto installs unsandboxed with the reason as a note, in the plan and the outcome', async () => {
    const { service: installation } = service({ sandbox: { probe: noSandboxHere, mode: 'auto' } })
    const plan = await installation.planInstall('npm:@acme/sandboxed')
    expect(plan.sandbox).toEqual({ kind: 'none', note: expect.stringMatching(/^No sandbox on this platform: macOS/) })
    const outcome = await installation.installServer('npm:@acme/sandboxed')
    expect(outcome.notes).toContainEqual(expect.stringMatching(/^No sandbox on this platform/))
    expect(outcome.server.launch.sandbox).toBeUndefined()
  }, 600_000)
})

describeWithBubblewrap('the service with bubblewrap', () => {
  it('handshakes inside the sandbox, keeps it through an update, and verify finds it as recorded', async () => {
    const { service: installation } = service()
    const plan = await installation.planInstall('npm:@acme/sandboxed', { version: '1.0.0', sandbox: 'bubblewrap' })
    expect(plan.sandbox).toMatchObject({ kind: 'bubblewrap', network: false })
    expect(path.basename(plan.launch?.command ?? '')).toBe('bwrap')
    const installed = await installation.installServer('npm:@acme/sandboxed', { version: '1.0.0', sandbox: 'bubblewrap' })
    expect(installed.handshake?.serverInfo).toEqual({ name: 'demo', version: '1.0.0' })
    expect(installed.server.launch.sandbox).toMatchObject({ kind: 'bubblewrap', network: false })
    const updated = await installation.updateServer('@acme/sandboxed', { to: '2.0.0' })
    expect(updated.handshake?.serverInfo.version).toBe('2.0.0')
    expect(updated.server.launch.sandbox).toMatchObject({ kind: 'bubblewrap', network: false })
    expect(updated.server.launch.args).toContain(updated.server.directory)
    const verified = await installation.verifyServer('@acme/sandboxed')
    expect(verified).toMatchObject({ ok: true, launch: { ok: true, problems: [] }, sandbox: { kind: 'bubblewrap', network: false } })
  }, 600_000)

  it('configureSandbox wraps an installed server after a handshake inside, and unwraps it again', async () => {
    const { service: installation } = service()
    const installed = await installation.installServer('npm:@acme/sandboxed', { version: '1.0.0' })
    expect(installed.server.launch.sandbox).toBeUndefined()
    const on = await installation.configureSandbox('@acme/sandboxed', { sandbox: 'bubblewrap', network: true })
    expect(on.handshake?.serverInfo).toEqual({ name: 'demo', version: '1.0.0' })
    expect(on.server.launch.sandbox).toMatchObject({ kind: 'bubblewrap', network: true })
    expect(on.server.launch.args).toContain('--share-net')
    expect((await installation.verifyServer('@acme/sandboxed')).ok).toBe(true)
    const off = await installation.configureSandbox('@acme/sandboxed', { sandbox: 'off', handshake: false })
    expect(off.handshake).toBeNull()
    expect(off.server.launch).toEqual(installed.server.launch)
    expect(off.notes).toEqual(['Handshake skipped: the server was not started in its new form'])
    expect((await installation.verifyServer('@acme/sandboxed')).ok).toBe(true)
  }, 600_000)

  it('verify reports a server installed sandboxed whose recorded launch no longer is, and does not start it', async () => {
    const { service: installation, home } = service()
    await installation.installServer('npm:@acme/sandboxed', { version: '1.0.0', sandbox: 'bubblewrap' })
    const stateFile = path.join(home, 'installed.json')
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as { servers: Record<string, { versions: Record<string, { launch: LaunchSpec }> }> }
    const version = state.servers['@acme/sandboxed']?.versions['1.0.0']
    if (!version) throw new Error('no record')
    version.launch = unwrapLaunch(version.launch)
    await writeFile(stateFile, JSON.stringify(state))
    const verified = await installation.verifyServer('@acme/sandboxed')
    expect(verified.ok).toBe(false)
    expect(verified.launch.problems).toEqual(['sandbox: it was installed to run in bubblewrap, but its recorded launch is not sandboxed'])
    expect(verified.handshake).toBeNull()
  }, 600_000)
})
