/**
 * The sandbox proved from inside, as a user gets it: `install --sandbox` of the probe server from
 * a loopback npm registry (real npm, real bubblewrap, real handshake), then its recorded command
 * line started as a client would start it and its `probe` tool asked to reach a loopback port
 * this test listens on, write outside its paths and read a secret under the real HOME. The same
 * probe installed without a sandbox can do all of that, so the sandboxed answers mean something.
 * Skipped (or failed, under TEKTON_MCP_REQUIRE_SERVICES=bubblewrap) where bwrap cannot run.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, realpath, symlink, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import type { Server } from 'node:net'
import path from 'node:path'
import { bubblewrapService, buildProbeServerPackage, callToolOverStdio, fixturePythonProjects, pythonFixtureServerName, startFakeNpmRegistry, startFakePypi } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry, ProbeReport } from '@tekton/mcp-testkit'
import { installEnvironment, run, temporaryHome } from './helpers'

const bubblewrap = bubblewrapService()
const describeWithBubblewrap = 'path' in bubblewrap ? describe : describe.skip
/** Real installs and handshakes: minutes on a loaded machine; the limit only catches a hang. */
const installTimeout = 600_000
const ref = 'npm:@fixture/probe-server'
const secret = `secret-${randomBytes(8).toString('hex')}`

interface LaunchView {
  command: string
  args: string[]
  env: Record<string, string>
  sandbox?: { kind: string; network: boolean; writable: string[] }
}

let registry: FakeNpmRegistry
let listener: Server
let port = 0
let connections = 0
// The probe's report and our listener's accept arrive as two events in any order: a test that
// expects a connection waits for it to be counted (never for a time).
const connectionWaiters: Array<{ count: number; resolve: () => void }> = []
function counted(count: number): Promise<void> {
  if (connections >= count) return Promise.resolve()
  return new Promise((resolve) => connectionWaiters.push({ count, resolve }))
}
const homes: Array<{ remove: () => Promise<void> }> = []

/**
 * A user's machine: HOME with a secret file in it, and tekton-mcp's data under that HOME (the
 * default layout, the hard case: the sandbox must show the data directory but not the rest).
 */
async function userMachine(extra: Record<string, string> = {}): Promise<{ root: string; home: string; env: Record<string, string> }> {
  const temporary = await temporaryHome()
  homes.push(temporary)
  const home = path.join(temporary.directory, 'home')
  await mkdir(home, { recursive: true })
  await writeFile(path.join(home, 'secret.txt'), `${secret}\n`)
  const env = installEnvironment(registry.url, home, { TEKTON_MCP_HOME: path.join(home, '.tekton-mcp'), ...extra })
  return { root: temporary.directory, home, env }
}

async function recordedLaunch(env: Record<string, string>): Promise<LaunchView> {
  const listed = await run(['list', '--json'], { env })
  expect(listed.code).toBe(0)
  const [server] = (JSON.parse(listed.stdout) as { servers: Array<{ launch: LaunchView }> }).servers
  if (!server) throw new Error('nothing is installed')
  return server.launch
}

/** Starts the recorded launch as a client would (PATH and the real HOME) and asks the probe to try everything. */
async function probe(launch: LaunchView, machine: { root: string; home: string }, extraWrites: string[] = []): Promise<{ report: ProbeReport; outside: string; hostTmp: string }> {
  const outside = path.join(machine.root, `outside-${randomBytes(4).toString('hex')}.txt`)
  const hostTmp = path.join('/tmp', `tekton-probe-${randomBytes(6).toString('hex')}.txt`)
  const text = await callToolOverStdio(launch, { PATH: process.env.PATH ?? '', HOME: machine.home, ...launch.env }, 'probe', {
    connect: { host: '127.0.0.1', port },
    write: [outside, hostTmp, ...extraWrites],
    read: [path.join(machine.home, 'secret.txt')],
  })
  return { report: JSON.parse(text) as ProbeReport, outside, hostTmp }
}

beforeAll(async () => {
  registry = await startFakeNpmRegistry({ packages: [buildProbeServerPackage()] })
  listener = createServer((socket) => {
    connections += 1
    socket.destroy()
    for (const waiter of connectionWaiters.filter((candidate) => candidate.count <= connections)) {
      connectionWaiters.splice(connectionWaiters.indexOf(waiter), 1)
      waiter.resolve()
    }
  })
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
  const address = listener.address()
  port = typeof address === 'object' && address ? address.port : 0
})

afterAll(async () => {
  await new Promise((resolve) => listener?.close(resolve))
  await registry?.close()
  await Promise.all(homes.map((home) => home.remove()))
})

describeWithBubblewrap('install --sandbox (bubblewrap)', () => {
  let machine: Awaited<ReturnType<typeof userMachine>>
  let installed: Awaited<ReturnType<typeof run>>

  beforeAll(async () => {
    machine = await userMachine()
    installed = await run(['install', ref, '--sandbox', '--yes'], { env: machine.env })
  }, installTimeout)

  it('installs, the handshake answering from inside the sandbox, and shows and records the sandbox', async () => {
    expect(installed.code).toBe(0)
    expect(installed.stderr).toMatch(/\n {2}command +\/\S*bwrap --unshare-all --die-with-parent --new-session --unshare-net .* -- \/\S+node \/\S+\/bin\/server\.js\n/)
    expect(installed.stderr).toMatch(/\n {2}sandbox +bubblewrap, no network, writes only \/\S+\/data and a private \/tmp\n/)
    expect(installed.stdout).toMatch(/\n {2}tools +1: probe\n/)
    const launch = await recordedLaunch(machine.env)
    expect(path.basename(launch.command)).toBe('bwrap')
    expect(launch.sandbox).toEqual({ kind: 'bubblewrap', network: false, writable: [expect.stringMatching(/\/servers\/fixture-probe-server-[0-9a-f]{8}\/data$/)] })
    // The real HOME is never bound: only the server's own data directory and its install.
    expect(launch.args).not.toContain(machine.home)
  })

  it(
    'cannot reach a loopback port, write outside its paths or read HOME, and can write its own data directory',
    async () => {
      const launch = await recordedLaunch(machine.env)
      const installDirectory = launch.args[launch.args.indexOf('--ro-bind', launch.args.indexOf('--tmpfs')) + 1] as string
      const before = connections
      const { report, outside, hostTmp } = await probe(launch, machine, [path.join(installDirectory, 'planted.js'), '/etc/tekton-probe'])
      expect(connections).toBe(before)
      expect(report.connect).toMatchObject({ ok: false })
      // What it wrote under /tmp went to its private /tmp, gone with it; the host has neither file.
      expect(existsSync(outside)).toBe(false)
      expect(existsSync(hostTmp)).toBe(false)
      // Its install and the system are read-only.
      expect(report.writes.slice(2)).toEqual([
        expect.objectContaining({ ok: false, code: 'EROFS' }),
        expect.objectContaining({ ok: false, code: 'EROFS' }),
      ])
      expect(existsSync(path.join(installDirectory, 'planted.js'))).toBe(false)
      // HOME is its data directory; the real one is not there.
      expect(report.reads).toEqual([expect.objectContaining({ ok: false, code: 'ENOENT' })])
      expect(JSON.stringify(report)).not.toContain(secret)
      const dataDirectory = launch.sandbox?.writable[0] as string
      expect(report.home).toBe(dataDirectory)
      expect(report.homeWrite.ok).toBe(true)
      expect(await readFile(path.join(dataDirectory, 'probe-home-write.txt'), 'utf8')).toBe('written by the probe\n')
    },
    installTimeout,
  )

  it(
    'verify finds the sandbox as recorded, and reports it when installed.json no longer sandboxes the network',
    async () => {
      const verified = await run(['verify', ref], { env: machine.env })
      expect(verified.code).toBe(0)
      expect(verified.stdout).toMatch(/\n {2}sandbox +bubblewrap, no network/)
      const stateFile = path.join(machine.home, '.tekton-mcp', 'data', 'installed.json')
      const state = await readFile(stateFile, 'utf8')
      await writeFile(stateFile, state.replace('"--unshare-net"', '"--share-net"'))
      try {
        const tampered = await run(['verify', ref], { env: machine.env })
        expect(tampered.code).not.toBe(0)
        expect(tampered.stdout).toContain('sandbox not as recorded')
        expect(tampered.stdout).toContain('--share-net is present although no network was granted')
      } finally {
        await writeFile(stateFile, state)
      }
    },
    installTimeout,
  )
})

describeWithBubblewrap('configure --sandbox', () => {
  it(
    'turns the sandbox off and on again for an installed server, each form proved by a handshake and by the probe',
    async () => {
      const machine = await userMachine()
      expect((await run(['install', ref, '--yes'], { env: machine.env })).code).toBe(0)
      const on = await run(['configure', 'probe-server', '--sandbox'], { env: machine.env })
      expect(on.code).toBe(0)
      expect(on.stdout).toMatch(/\n {2}sandbox +bubblewrap, no network/)
      let before = connections
      const sandboxed = await probe(await recordedLaunch(machine.env), machine)
      expect(connections).toBe(before)
      expect(sandboxed.report.reads).toEqual([expect.objectContaining({ ok: false })])
      expect((await run(['verify', ref], { env: machine.env })).code).toBe(0)
      const off = await run(['configure', 'probe-server', '--sandbox=off'], { env: machine.env })
      expect(off.code).toBe(0)
      expect(off.stdout).toMatch(/\n {2}sandbox +none\n/)
      before = connections
      const open = await probe(await recordedLaunch(machine.env), machine)
      await counted(before + 1)
      expect(connections).toBe(before + 1)
      expect(open.report.reads).toEqual([expect.objectContaining({ ok: true })])
      const usage = await run(['configure', 'probe-server', '--sandbox-network'], { env: machine.env })
      expect(usage.code).toBe(2)
      expect(usage.stderr).toContain('--sandbox-network needs --sandbox')
    },
    installTimeout,
  )
})

describeWithBubblewrap('install --sandbox --sandbox-network', () => {
  it(
    'grants the network: the probe reaches the loopback port, and still cannot read HOME',
    async () => {
      const machine = await userMachine()
      const installed = await run(['install', ref, '--sandbox', '--sandbox-network', '--yes'], { env: machine.env })
      expect(installed.code).toBe(0)
      const launch = await recordedLaunch(machine.env)
      expect(launch.sandbox?.network).toBe(true)
      const before = connections
      const { report } = await probe(launch, machine)
      expect(report.connect).toEqual({ ok: true })
      await counted(before + 1)
      expect(connections).toBe(before + 1)
      expect(report.reads).toEqual([expect.objectContaining({ ok: false })])
    },
    installTimeout,
  )
})

describeWithBubblewrap('a Python server with --sandbox', () => {
  it(
    "runs its venv's python inside: the handshake answers, HOME is its data directory, and only the interpreter's own prefix is bound",
    async () => {
      const { server, helper } = fixturePythonProjects()
      const index = await startFakePypi({ projects: [server, helper] })
      try {
        const machine = await userMachine({ TEKTON_MCP_SOURCES: 'pypi', PIP_INDEX_URL: index.indexUrl, PIP_CONFIG_FILE: '/dev/null' })
        const installed = await run(['install', `pypi:${pythonFixtureServerName}`, '--sandbox', '--yes'], { env: { ...machine.env, PIP_CACHE_DIR: path.join(machine.root, 'pip-cache') } })
        expect(installed.code).toBe(0)
        expect(installed.stdout).toMatch(/\n {2}tools +2: greet, report_env\n/)
        const launch = await recordedLaunch(machine.env)
        expect(launch.sandbox).toMatchObject({ kind: 'bubblewrap', network: false })
        expect(launch.args.slice(launch.args.indexOf('--') + 1, launch.args.indexOf('--') + 2)).toEqual([expect.stringMatching(/\/versions\/[^/]+\/venv\/bin\/python$/)])
        expect(launch.args).not.toContain(machine.home)
        // The venv's python is followed to its interpreter, whose prefix alone is bound; nothing above HOME is.
        const readOnly = launch.args.flatMap((argument, position) => (argument === '--ro-bind' ? [launch.args[position + 1] as string] : []))
        const interpreter = await realpath(launch.args[launch.args.indexOf('--') + 1] as string)
        expect(readOnly.some((directory) => interpreter.startsWith(`${directory}/`))).toBe(true)
        expect(readOnly.filter((directory) => `${machine.home}/`.startsWith(`${directory}/`))).toEqual([])
        const seen = JSON.parse(await callToolOverStdio(launch, { PATH: process.env.PATH ?? '', HOME: machine.home }, 'report_env', {})) as Record<string, string>
        expect(seen['HOME']).toBe(launch.sandbox?.writable[0])
      } finally {
        await index.close()
      }
    },
    installTimeout,
  )
})

describe('without a sandbox', () => {
  it(
    'the same probe reaches the port, writes outside and reads the secret under HOME (what the sandbox takes away)',
    async () => {
      const machine = await userMachine()
      const installed = await run(['install', ref, '--yes'], { env: machine.env })
      expect(installed.code).toBe(0)
      const launch = await recordedLaunch(machine.env)
      expect(launch.sandbox).toBeUndefined()
      const before = connections
      const { report, outside } = await probe(launch, machine)
      await counted(before + 1)
      expect(connections).toBe(before + 1)
      expect(existsSync(outside)).toBe(true)
      expect(report.reads).toEqual([expect.objectContaining({ ok: true, content: `${secret}\n` })])
    },
    installTimeout,
  )

  it(
    'where bwrap is missing, --sandbox fails with E_SANDBOX_UNAVAILABLE and --sandbox=auto installs with the reason noted',
    async () => {
      // A PATH with node and npm only: this machine without bubblewrap.
      const machine = await userMachine()
      const bin = path.join(machine.root, 'bin')
      await mkdir(bin)
      for (const program of ['node', 'npm']) {
        const found = (process.env.PATH ?? '').split(path.delimiter).map((directory) => path.join(directory, program)).find((candidate) => existsSync(candidate))
        if (found) await symlink(found, path.join(bin, program))
      }
      const env = { ...machine.env, PATH: bin }
      const refused = await run(['install', ref, '--sandbox=bubblewrap', '--yes'], { env })
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain('E_SANDBOX_UNAVAILABLE')
      expect(refused.stderr).toContain('bwrap (bubblewrap) is not installed')
      expect(refused.stderr).toContain('--sandbox=auto')
      const auto = await run(['install', ref, '--sandbox=auto', '--yes'], { env })
      expect(auto.code).toBe(0)
      expect(auto.stderr).toMatch(/\n {2}sandbox +none \(No sandbox on this platform: bwrap \(bubblewrap\) is not installed: the server runs with your user's access\)\n/)
      expect((await recordedLaunch(env)).sandbox).toBeUndefined()
    },
    installTimeout,
  )
})
