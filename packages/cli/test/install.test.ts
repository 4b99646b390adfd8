/**
 * The install commands end to end, in-process: a loopback npm registry serving the fixture MCP
 * server's versions (1.0.0 works, 1.1.0 exits, 1.3.0 prints garbage, 2.0.0 changes a tool), a
 * real `npm` from PATH installing them, a real handshake, and a private TEKTON_MCP_HOME per group.
 * Installs take about half a second each, so tests that only read share one.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { buildFixtureServerPackage, fixtureNpmPackages, startFakeNpmRegistry, startTamperingNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { PromptInterruptedError } from '../src/io'
import { installEnvironment, run, stackFrame, temporaryHome } from './helpers'
import type { RunResult } from './helpers'

const fixture = '@fixture/mcp-server'
const ref = `npm:${fixture}`
const secret = 's3cret-value-never-printed'
/** Real installs and handshakes: minutes on a loaded machine; the limit only catches a hang. */
const installTimeout = 600_000

interface ServerView {
  name: string
  activeVersion: string
  registryType: string
  directory: string
  ref: string
  launch: { command: string; args: string[]; env: Record<string, string> }
  configuration: { env: Record<string, string>; args: string[] }
  handshake: { tools: Array<{ name: string }>; resources: Array<{ name: string }>; prompts: Array<{ name: string }> } | null
  missingEnv: string[]
}

let registry: FakeNpmRegistry
const homes: Array<{ directory: string; remove: () => Promise<void> }> = []

async function newHome(): Promise<{ directory: string; env: Record<string, string> }> {
  const home = await temporaryHome()
  homes.push(home)
  return { directory: home.directory, env: installEnvironment(registry.url, home.directory) }
}

async function listed(env: Record<string, string>): Promise<ServerView[]> {
  const result = await run(['list', '--json'], { env })
  expect(result.code).toBe(0)
  return (JSON.parse(result.stdout) as { servers: ServerView[] }).servers
}

/** Every file and directory under `directory`, relative; [] when it does not exist. */
async function tree(directory: string): Promise<string[]> {
  try {
    return (await readdir(directory, { recursive: true })).map(String).sort()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
}

/** The real npm's path on `searchPath`. */
async function findNpm(searchPath: string): Promise<string> {
  for (const directory of searchPath.split(path.delimiter)) {
    const candidate = path.join(directory, 'npm')
    if (await readFile(candidate).then(() => true, () => false)) return candidate
  }
  throw new Error('npm is not on PATH')
}

function everything(...results: RunResult[]): string {
  return results.map((result) => `${result.stdout}\n${result.stderr}`).join('\n')
}

beforeAll(async () => {
  registry = await startFakeNpmRegistry({
    packages: [
      ...Object.values(fixtureNpmPackages()),
      buildFixtureServerPackage({ name: 'fixture-future-node', versions: [{ version: '1.0.0', engines: { node: '>=99' } }] }),
      // Its next version wants a node that does not exist yet.
      buildFixtureServerPackage({ name: 'fixture-engines-later', versions: [{ version: '1.0.0' }, { version: '2.0.0', engines: { node: '>=99' } }] }),
      // Nothing in its metadata says MCP (it is the fixture server all the same, so a forced install works).
      // Works in every client, but prints a banner on stdout and answers resources/list and prompts/list with errors.
      buildFixtureServerPackage({
        name: 'fixture-rough-server',
        versions: [{ version: '1.0.0', server: { stdoutBanner: 'Rough MCP server v1 starting', resourcesError: -32603, promptsError: -32601 } }],
      }),
      buildFixtureServerPackage({ name: 'plain-tool', description: 'A command-line tool', keywords: ['cli'], versions: [{ version: '1.0.0' }] }),
    ],
  })
})

afterAll(async () => {
  await registry?.close()
  await Promise.all(homes.map((home) => home.remove()))
})

describe('install, then read-only commands on one shared install', () => {
  let env: Record<string, string>
  let installed: RunResult

  beforeAll(async () => {
    ;({ env } = await newHome())
    installed = await run(['install', `${ref}@1.0.0`, '--env', `API_TOKEN=${secret}`, '--yes'], { env })
  }, installTimeout)

  it('shows the plan and a line per finished step on stderr, and the installed server on stdout', () => {
    expect(installed.code).toBe(0)
    const { stdout, stderr } = installed
    // The plan: version, the whole command line, variable names, the directory.
    expect(stderr).toMatch(/^Install @fixture\/mcp-server 1\.0\.0\n/)
    expect(stderr).toMatch(/\n {2}command +\/\S+node \/\S+\/versions\/1\.0\.0\/node_modules\/@fixture\/mcp-server\/bin\/server\.js\n/)
    expect(stderr).toMatch(/\n {2}env +API_TOKEN \(values not shown\)\n/)
    expect(stderr).toMatch(/\n {2}directory +\/\S+\/data\/servers\/fixture-mcp-server-[0-9a-f]{8}\/versions\/1\.0\.0\n/)
    // Steps with their times, also without a terminal; the installer's own steps indented.
    for (const step of ['resolve', 'requirements', 'install', 'handshake', 'activate', 'record']) {
      // A step over a second prints as `1.3 s` (a loaded machine makes npm that slow).
      expect(stderr).toMatch(new RegExp(`\\n✓ ${step} +\\d+(\\.\\d+)? (ms|s|min)\\b`))
    }
    // Each step once: the installer's own resolve, requirements and install are not repeated under the service's.
    for (const step of ['resolve', 'requirements', 'install', 'download', 'verify', 'handshake']) {
      expect(stderr.match(new RegExp(`^ *✓ ${step} `, 'gm'))).toHaveLength(1)
    }
    expect(stderr).toMatch(/\n {2}✓ download +\d+(\.\d+)? m?s {2}http:\/\/127\.0\.0\.1:\d+\//)
    expect(stderr).toMatch(/\n {2}✓ verify +\d+(\.\d+)? m?s/)
    // Data only on stdout: the card with what the handshake found.
    expect(stdout).toMatch(/^✓ Installed @fixture\/mcp-server 1\.0\.0 in \d/)
    expect(stdout).not.toContain('✓ download')
    expect(stdout).toMatch(/\n {2}tools +2: echo, report_env\n/)
    expect(stdout).toMatch(/\n {2}resources +1: readme\n/)
    expect(stdout).toMatch(/\n {2}prompts +1: greet\n/)
    expect(stdout).toMatch(/\n {2}launch +\/\S+node \/\S+\/bin\/server\.js\n/)
  })

  it('lists it, with the full view in --json: tools, resources, prompts from the handshake', async () => {
    const text = await run(['list'], { env })
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^NAME +VERSION +TYPE +TOOLS +HANDSHAKE +DIRECTORY\n@fixture\/mcp-server +1\.0\.0 +npm +2 +ok \d{4}-\d\d-\d\d +\/\S+\/versions\/1\.0\.0\n$/)
    const [server, ...others] = await listed(env)
    expect(others).toEqual([])
    expect(server).toMatchObject({ name: fixture, ref, activeVersion: '1.0.0', registryType: 'npm', missingEnv: [] })
    expect(server?.handshake?.tools.map((tool) => tool.name)).toEqual(['echo', 'report_env'])
    expect(server?.handshake?.resources.map((resource) => resource.name)).toEqual(['readme'])
    expect(server?.handshake?.prompts.map((prompt) => prompt.name)).toEqual(['greet'])
    expect(server?.configuration.env).toEqual({ API_TOKEN: '••••' })
  })

  it('never prints a secret given with --env: not in the plan, the steps, the card, the list or any JSON', async () => {
    const json = await run(['install', ref, '--json', '--yes'], { env })
    const list = await run(['list', '--json'], { env })
    const yaml = await run(['list', '--format', 'yaml'], { env })
    const verify = await run(['verify', fixture, '--json'], { env })
    const text = everything(installed, json, list, yaml, verify)
    expect(text).toContain('API_TOKEN')
    expect(text).not.toContain(secret)
    // It is stored for the server in the secret store (a file only its owner reads), which is how
    // it reaches it; installed.json keeps only its name.
    const state = await readFile(path.join(env.TEKTON_MCP_HOME ?? '', 'data', 'installed.json'), 'utf8')
    expect(state).not.toContain(secret)
    const store = path.join(env.TEKTON_MCP_HOME ?? '', 'data', 'secrets', 'secrets.json')
    expect(await readFile(store, 'utf8')).toContain(secret)
    expect((await stat(store)).mode & 0o777).toBe(0o600)
  })

  it('answers "already installed" for the same server, and E_ALREADY_INSTALLED for another version', async () => {
    const again = await run(['install', ref], { env })
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/^@fixture\/mcp-server 1\.0\.0 is already installed\n/)
    // Nothing to confirm: no plan was shown.
    expect(again.stderr).not.toContain('Install @fixture')
    const json = JSON.parse((await run(['install', ref, '--json'], { env })).stdout) as { changed: boolean; version: string }
    expect(json).toMatchObject({ changed: false, version: '1.0.0' })
    const other = await run(['install', `${ref}@2.0.0`, '--yes'], { env })
    expect(other.code).toBe(1)
    expect(other.stderr).toMatch(/error E_ALREADY_INSTALLED: .*1\.0\.0.*2\.0\.0/)
    expect(other.stderr).toContain('hint: Update it instead: tekton-mcp update @fixture/mcp-server --to 2.0.0')
  })

  it('verifies files and handshake, by name, short name or ref', async () => {
    const short = await run(['verify', 'mcp-server', '--no-handshake'], { env })
    expect(short.code).toBe(0)
    expect(short.stdout).toMatch(/^✓ @fixture\/mcp-server 1\.0\.0: files intact\n/)
    const result = await run(['verify', ref], { env })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^✓ @fixture\/mcp-server 1\.0\.0: files intact, handshake ok\n/)
    expect(result.stdout).toMatch(/handshake +ok: 2 tools, 1 resource, 1 prompt; tools unchanged/)
    const filesOnly = await run(['verify', fixture, '--no-handshake', '--json'], { env })
    expect(filesOnly.code).toBe(0)
    expect(JSON.parse(filesOnly.stdout)).toMatchObject({ ok: true, handshake: null, files: { ok: true, changed: [], missing: [], added: [] } })
  })

  it(
    'keeps the old version active when the new one exits at start, and says so',
    async () => {
      const result = await run(['update', fixture, '--to', '1.1.0', '--yes'], { env })
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/^Update @fixture\/mcp-server 1\.0\.0 → 1\.1\.0\n/)
      expect(result.stderr).toMatch(/\n✗ handshake +\d+(\.\d+)? m?s\n/)
      expect(result.stderr).toContain('@fixture/mcp-server 1.0.0 is still active: the update changed nothing\n')
      expect(result.stderr).toMatch(/\nerror E_HANDSHAKE_EXIT: .*exited with code 1/)
      expect(result.stderr).not.toMatch(stackFrame)
      expect((await listed(env))[0]?.activeVersion).toBe('1.0.0')
      expect((await run(['verify', fixture], { env })).code).toBe(0)
      // Nothing of 1.1.0 is left behind.
      const files = await tree(path.join(env.TEKTON_MCP_HOME ?? '', 'data'))
      expect(files.filter((file) => file.includes('1.1.0'))).toEqual([])
    },
    installTimeout,
  )

  it(
    'refuses an update whose tools changed, showing the diff, unless approved (E_TOOLS_CHANGED, exit 1)',
    async () => {
      const result = await run(['update', fixture, '--to', '2.0.0', '--yes'], { env })
      expect(result.code).toBe(1)
      expect(result.stderr).toContain('Tools of 2.0.0 against 1.0.0 (still active):\n  ~ echo (inputSchema)\n')
      expect(result.stderr).toMatch(/\nerror E_TOOLS_CHANGED: @fixture\/mcp-server 2\.0\.0 changes its tools \(~ echo \(inputSchema\)\); 1\.0\.0 stays active\nhint: Review the changes, then update again with the tool changes approved; to accept them, pass --approve-tool-changes\n/)
      expect((await listed(env))[0]?.activeVersion).toBe('1.0.0')
      const json = await run(['update', fixture, '--to', '2.0.0', '--yes', '--json'], { env })
      expect(json.code).toBe(1)
      // The diff travels in the JSON error, so a program can show or approve it.
      expect(JSON.parse(json.stdout)).toEqual({ error: expect.objectContaining({ code: 'E_TOOLS_CHANGED', diff: expect.objectContaining({ changed: [{ name: 'echo', fields: ['inputSchema'] }] }) }) })
    },
    installTimeout,
  )

  it(
    'keeps the old version when the new one does not speak MCP',
    async () => {
      const result = await run(['update', fixture, '--to', '1.3.0', '--yes'], { env })
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/\nerror E_HANDSHAKE_PROTOCOL: /)
      expect((await listed(env))[0]?.activeVersion).toBe('1.0.0')
    },
    installTimeout,
  )
})

describe('confirmation', () => {
  it('fails with E_CONFIRMATION_REQUIRED (exit 2) without a terminal and without --yes, after showing the plan', async () => {
    const { directory, env } = await newHome()
    const result = await run(['install', ref], { env })
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^Install @fixture\/mcp-server 2\.0\.0\n/)
    expect(result.stderr).toMatch(/\nerror E_CONFIRMATION_REQUIRED: .+\nhint: Review the plan above, then pass --yes\n$/)
    expect(await tree(path.join(directory, 'data', 'servers'))).toEqual([])
    const json = await run(['install', ref, '--json'], { env })
    expect(JSON.parse(json.stdout)).toEqual({ error: expect.objectContaining({ code: 'E_CONFIRMATION_REQUIRED', hint: 'Review the plan above, then pass --yes' }) })
  })

  it('asks on a terminal; "n" installs nothing', async () => {
    const { directory, env } = await newHome()
    const result = await run(['install', `${ref}@^1`], { env, isTTY: { stdout: false, stderr: false, stdin: true }, prompt: () => 'n' })
    expect(result.questions).toEqual(['Install? [y/N] '])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^Install @fixture\/mcp-server 1\.3\.0\n/)
    expect(result.stderr).toMatch(/\nerror E_CANCELLED: Cancelled: Installing @fixture\/mcp-server 1\.3\.0 did not happen, nothing was changed\n/)
    expect(await tree(path.join(directory, 'data', 'servers'))).toEqual([])
    expect(await listed(env)).toEqual([])
  })

  it('exits 130 on Ctrl-C at the question, installing nothing', async () => {
    const { directory, env } = await newHome()
    const result = await run(['install', `${ref}@1.0.0`], {
      env,
      isTTY: { stdout: false, stderr: false, stdin: true },
      prompt: () => Promise.reject(new PromptInterruptedError()),
    })
    expect(result.code).toBe(130)
    expect(result.stderr).toMatch(/\nerror E_INTERRUPTED: Interrupted \(Ctrl-C\): Installing @fixture\/mcp-server 1\.0\.0 did not happen, nothing was changed\n/)
    expect(await tree(path.join(directory, 'data', 'servers'))).toEqual([])
  })

  it(
    'installs on "y"; verify names a changed file (exit 1); uninstall leaves no file of the server',
    async () => {
      const { directory, env } = await newHome()
      const result = await run(['install', `${ref}@1.0.0`], { env, isTTY: { stdout: false, stderr: false, stdin: true }, prompt: () => ' Y ' })
      expect(result.questions).toHaveLength(1)
      expect(result.code).toBe(0)
      const [server] = await listed(env)
      expect(server?.activeVersion).toBe('1.0.0')

      // A byte flipped in an installed file.
      const file = path.join(server?.directory ?? '', 'node_modules', '@fixture', 'mcp-server', 'server.js')
      const bytes = await readFile(file)
      bytes[10] = (bytes[10] ?? 0) ^ 0x20
      await writeFile(file, bytes)
      const verify = await run(['verify', fixture], { env })
      expect(verify.code).toBe(1)
      expect(verify.stdout).toMatch(/^✗ @fixture\/mcp-server 1\.0\.0: files changed/)
      expect(verify.stdout).toMatch(/\n {2}changed +node_modules\/@fixture\/mcp-server\/server\.js\n/)
      const json = await run(['verify', fixture, '--json', '--no-handshake'], { env })
      expect(json.code).toBe(1)
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, files: { ok: false, changed: ['node_modules/@fixture/mcp-server/server.js'] } })

      // The repair: the same version again, by the short name verify and the docs use.
      const repaired = await run(['install', 'mcp-server', '--force', '--yes'], { env })
      expect(repaired.code).toBe(0)
      expect(repaired.stderr).toMatch(/^Reinstall @fixture\/mcp-server 1\.0\.0\n/)
      expect(repaired.stdout).toMatch(/^✓ Installed @fixture\/mcp-server 1\.0\.0 in /)
      expect((await run(['verify', 'mcp-server'], { env })).code).toBe(0)
      const [reinstalled] = await listed(env)
      expect(reinstalled).toMatchObject({ activeVersion: '1.0.0', configuration: server?.configuration })
      // The damaged copy is gone once the fresh one is active.
      expect(reinstalled?.directory).not.toBe(server?.directory)
      expect(await tree(server?.directory ?? '')).toEqual([])
      // --force reinstalls the installed version, never another.
      const other = await run(['install', `${ref}@2.0.0`, '--force', '--yes'], { env })
      expect(other.code).toBe(1)
      expect(other.stderr).toContain('hint: Update it instead: tekton-mcp update @fixture/mcp-server --to 2.0.0')

      const removed = await run(['uninstall', 'mcp-server'], { env })
      expect(removed.code).toBe(0)
      expect(removed.stdout).toMatch(/^✓ Removed @fixture\/mcp-server 1\.0\.0 \(\/\S+\/servers\/fixture-mcp-server-[0-9a-f]{8}\)\n$/)
      expect(await tree(path.join(directory, 'data', 'servers'))).toEqual([])
      expect(await tree(path.join(directory, 'data', 'staging'))).toEqual([])
      expect(await listed(env)).toEqual([])
      const again = await run(['uninstall', fixture], { env })
      expect(again.code).toBe(3)
      expect(again.stderr).toMatch(/^error E_NOT_INSTALLED: "@fixture\/mcp-server" is not installed\nhint: Nothing is installed yet\n$/)
    },
    installTimeout,
  )
})

describe('update with approval, update --all, configure, --no-handshake', () => {
  let env: Record<string, string>

  beforeAll(async () => {
    ;({ env } = await newHome())
    const result = await run(['install', `${ref}@1.0.0`, '--yes', '--no-handshake', '--arg', 'first'], { env })
    expect(result.code).toBe(0)
  }, installTimeout)

  it('installs without a handshake when asked, and says the tools are not recorded', async () => {
    const text = await run(['list'], { env })
    expect(text.stdout).toMatch(/\n@fixture\/mcp-server +1\.0\.0 +npm +- +skipped +\//)
    const [server] = await listed(env)
    expect(server?.handshake).toBeNull()
    expect(server?.configuration.args).toEqual(['first'])
    const verify = await run(['verify', fixture], { env })
    // Verify still starts it, and has nothing to compare its tools with.
    expect(verify.code).toBe(0)
    expect(verify.stdout).toContain('no recorded tools to compare with')
  })

  it('configures variables and arguments; secret values are shown as names only', async () => {
    const configured = await run(['configure', fixture, '--env', `API_TOKEN=${secret}`, '--env', 'MODE=fast', '--arg', 'two words', '--arg=--flag'], { env })
    expect(configured.code).toBe(0)
    expect(configured.stdout).toMatch(/^✓ Configured @fixture\/mcp-server 1\.0\.0\n/)
    expect(configured.stdout).toMatch(/\n {2}env +API_TOKEN, MODE \(values not shown\)\n/)
    expect(configured.stdout).toMatch(/\n {2}args +'two words' --flag\n/)
    expect(configured.stdout).not.toContain(secret)
    const [server] = await listed(env)
    expect(server?.configuration).toEqual({ env: { API_TOKEN: '••••', MODE: 'fast' }, args: ['two words', '--flag'], secrets: ['API_TOKEN'] })

    const unset = await run(['configure', ref, '--unset', 'MODE', '--clear-args', '--json'], { env })
    expect(unset.code).toBe(0)
    expect(JSON.parse(unset.stdout)).toMatchObject({ configuration: { env: { API_TOKEN: '••••' }, args: [] } })

    // With nothing to set, the current settings: values shown, secret ones masked.
    const shown = await run(['configure', 'mcp-server'], { env })
    expect(shown.code).toBe(0)
    expect(shown.stdout).toMatch(/^@fixture\/mcp-server 1\.0\.0 settings\n {2}env +API_TOKEN=••••\n {2}args +none\n/)
    expect(shown.stdout + shown.stderr).not.toContain(secret)
    expect(JSON.parse((await run(['configure', fixture, '--json'], { env })).stdout)).toMatchObject({ changed: false, configuration: { env: { API_TOKEN: '••••' }, args: [] } })
    expect((await run(['configure', fixture, '--arg', 'x', '--clear-args'], { env })).code).toBe(2)
    expect((await run(['configure', fixture, '--env', 'A=1', '--unset', 'A'], { env })).code).toBe(2)
    expect((await run(['configure', fixture, '--unset', '1BAD'], { env })).stderr).toMatch(/^error E_INVALID_INPUT: --unset "1BAD": not a variable name\n/)
    expect((await run(['configure', fixture, '--env', 'NODE_OPTIONS=--require=/tmp/x.js'], { env })).code).toBe(2)
    expect((await run(['configure', 'nothing-here', '--env', 'A=1'], { env })).code).toBe(3)
  })

  it(
    'updates to the latest with the plan shown, then finds everything up to date',
    async () => {
      const updated = await run(['update', ref, '--yes', '--approve-tool-changes'], { env })
      expect(updated.code).toBe(0)
      expect(updated.stderr).toMatch(/^Update @fixture\/mcp-server 1\.0\.0 → 2\.0\.0\n/)
      expect(updated.stdout).toMatch(/^✓ Updated @fixture\/mcp-server 1\.0\.0 → 2\.0\.0 in /)
      // No tools were recorded for 1.0.0 (no handshake), so there was nothing to compare.
      expect(updated.stdout).toContain('note: No tools were recorded for 1.0.0')
      const [server] = await listed(env)
      expect(server?.activeVersion).toBe('2.0.0')
      expect(server?.handshake?.tools.map((tool) => tool.name)).toEqual(['echo', 'report_env'])

      const single = await run(['update', fixture], { env })
      expect(single.code).toBe(0)
      expect(single.stdout).toBe('@fixture/mcp-server 2.0.0 is up to date\n')
      const all = await run(['update', '--all'], { env })
      expect(all.code).toBe(0)
      expect(all.stdout).toBe('= @fixture/mcp-server 2.0.0 up to date\n')
      const json = JSON.parse((await run(['update', '--all', '--json'], { env })).stdout) as { results: Array<{ name: string; ok: boolean; outcome: { changed: boolean } }> }
      expect(json.results).toEqual([expect.objectContaining({ name: fixture, ok: true, outcome: expect.objectContaining({ changed: false }) })])
    },
    installTimeout,
  )

  it(
    'calls an update to an older version a downgrade and asks; with --yes it goes ahead and says so',
    async () => {
      const declined = await run(['update', 'mcp-server', '--to', '1.0.0'], { env, isTTY: { stdout: false, stderr: false, stdin: true }, prompt: () => 'n' })
      expect(declined.questions).toEqual(['Downgrade? [y/N] '])
      expect(declined.code).toBe(1)
      expect(declined.stderr).toMatch(/^Downgrade @fixture\/mcp-server 2\.0\.0 → 1\.0\.0\n/)
      expect(declined.stderr).toContain('note: 1.0.0 is older than the active 2.0.0: this is a downgrade\n')
      expect(declined.stderr).toMatch(/\nerror E_CANCELLED: Cancelled: Downgrading @fixture\/mcp-server to 1\.0\.0 did not happen/)
      const forced = await run(['update', 'mcp-server', '--to', '1.0.0', '--yes', '--approve-tool-changes'], { env })
      expect(forced.code).toBe(0)
      expect(forced.stderr).toContain('Downgrading @fixture/mcp-server from 2.0.0 to 1.0.0 (--yes)\n')
      expect((await listed(env))[0]?.activeVersion).toBe('1.0.0')
    },
    installTimeout,
  )
})

describe('a package that shows no sign of being an MCP server', () => {
  it('is named so in the plan; --yes refuses it (E_NOT_MCP_SERVER, exit 2), a terminal asks, --force installs it', async () => {
    const { directory, env } = await newHome()
    const refused = await run(['install', 'npm:plain-tool', '--yes'], { env })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/\n  mcp +no sign of an MCP server: no MCP registry listing, keyword, name or SDK dependency\n/)
    expect(refused.stderr).toMatch(/\nerror E_NOT_MCP_SERVER: plain-tool shows no sign of being an MCP server.*\nhint: .*pass --force\n$/)
    expect(await tree(path.join(directory, 'data', 'servers'))).toEqual([])
    const asked = await run(['install', 'npm:plain-tool'], { env, isTTY: { stdout: false, stderr: false, stdin: true }, prompt: () => 'n' })
    expect(asked.questions).toEqual(['plain-tool shows no sign of being an MCP server. Install anyway? [y/N] '])
    expect(asked.code).toBe(1)
    const forced = await run(['install', 'npm:plain-tool', '--yes', '--force'], { env })
    expect(forced.code).toBe(0)
    expect(forced.stdout).toMatch(/^✓ Installed plain-tool 1\.0\.0 in /)
  }, installTimeout)

  it('says why a server is taken for one', async () => {
    const { env } = await newHome()
    const result = await run(['install', ref], { env })
    expect(result.stderr).toMatch(/\n {2}mcp +npm: /)
  })
})

describe('--handshake-timeout', () => {
  it('bounds the handshake, and the timeout hint names the flag', async () => {
    const { directory, env } = await newHome()
    // 1.2.0 never answers.
    const result = await run(['install', `${ref}@1.2.0`, '--yes', '--handshake-timeout', '1'], { env })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/\nerror E_HANDSHAKE_TIMEOUT: .*within 1000 ms.*\nhint: .*--handshake-timeout 60\b/)
    expect(await tree(path.join(directory, 'data', 'servers'))).toEqual([])
  }, installTimeout)
})

describe('update --all', () => {
  it(
    'asks once for every server with a newer version, and exits 1 when one fails',
    async () => {
      const { env } = await newHome()
      expect((await run(['install', `${ref}@1.0.0`, '--yes'], { env })).code).toBe(0)
      const refused = await run(['update', '--all'], { env })
      expect(refused.code).toBe(2)
      expect(refused.stderr).toMatch(/^Update @fixture\/mcp-server 1\.0\.0 → 2\.0\.0\n/)
      expect(refused.stderr).toContain('error E_CONFIRMATION_REQUIRED')
      const result = await run(['update', '--all', '--yes'], { env })
      expect(result.code).toBe(1)
      expect(result.stdout).toMatch(/^✗ @fixture\/mcp-server E_TOOLS_CHANGED: .*1\.0\.0 stays active\n$/)
      expect((await listed(env))[0]?.activeVersion).toBe('1.0.0')
    },
    installTimeout,
  )

  it('updates nothing when nothing is installed', async () => {
    const { env } = await newHome()
    const result = await run(['update', '--all'], { env })
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('No MCP servers installed: nothing to update.\n')
  })
})

describe('a tampered download', () => {
  it('is refused with E_INTEGRITY_MISMATCH, leaving no file under servers/ or staging/', async () => {
    const packages = fixtureNpmPackages()
    const tampering = await startTamperingNpmRegistry({ packages: Object.values(packages), tamper: [{ name: fixture, version: '1.0.0' }] })
    const home = await temporaryHome()
    homes.push(home)
    try {
      const env = installEnvironment(tampering.url, home.directory)
      const result = await run(['install', `${ref}@1.0.0`, '--yes'], { env })
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/\n {2}✗ verify +\d+(\.\d+)? m?s\n/)
      expect(result.stderr).toMatch(/\nerror E_INTEGRITY_MISMATCH: .+\n/)
      expect(result.stdout).toBe('')
      expect(await tree(path.join(home.directory, 'data', 'servers'))).toEqual([])
      expect(await tree(path.join(home.directory, 'data', 'staging'))).toEqual([])
      expect(await listed(env)).toEqual([])
    } finally {
      await tampering.close()
    }
  })
})

describe('Ctrl-C during an install', () => {
  it('stops it, removes what was staged and records nothing', async () => {
    const { directory, env } = await newHome()
    // Interrupted while npm installs the verified tarball.
    const result = await run(['install', `${ref}@1.0.0`, '--yes'], { env, interruptWhen: (stderr) => stderr.includes('✓ verify') })
    // 130, as a shell reports a process that Ctrl-C ended.
    expect(result.code).toBe(130)
    expect(result.stderr).toContain('Stopping: removing what was staged')
    expect(result.stderr).toMatch(/\nerror E_INTERRUPTED: Interrupted \(Ctrl-C\): stopped, what was staged is removed and nothing was recorded\n/)
    expect(result.stdout).toBe('')
    expect(await tree(path.join(directory, 'data', 'servers'))).toEqual([])
    expect(await tree(path.join(directory, 'data', 'staging'))).toEqual([])
    expect(await listed(env)).toEqual([])
  }, installTimeout)
})

describe('bad input: coded errors before anything is installed', () => {
  let env: Record<string, string>
  let directory: string

  beforeAll(async () => {
    ;({ env, directory } = await newHome())
  })

  it.each([
    [['install', 'npm:../../etc', '--yes'], 2, 'E_INVALID_REF'],
    [['install', `${ref}@has spaces!`, '--yes'], 2, 'E_INVALID_REF'],
    [['install', 'pypi:', '--yes'], 2, 'E_INVALID_REF'],
    [['install', `${ref}@9.9.9`, '--yes'], 3, 'E_VERSION_NOT_FOUND'],
    [['install', 'npm:no-such-server', '--yes'], 3, 'E_NOT_FOUND'],
    [['install', ref, '--env', 'OPENSSL_CONF=/tmp/evil.cnf', '--yes'], 2, 'E_FORBIDDEN_ENV'],
    [['install', ref, '--env', 'NOEQUALS', '--yes'], 2, 'E_INVALID_INPUT'],
    [['install', ref, '--env', '1X=y', '--yes'], 2, 'E_INVALID_INPUT'],
    [['install', ref, '--env', 'NODE_OPTIONS=--inspect', '--yes'], 2, 'E_FORBIDDEN_ENV'],
    [['uninstall', 'npm:not-installed'], 3, 'E_NOT_INSTALLED'],
    [['verify', 'not-installed'], 3, 'E_NOT_INSTALLED'],
    [['update', 'not-installed', '--yes'], 3, 'E_NOT_INSTALLED'],
    [['update'], 2, 'E_USAGE'],
    [['update', 'x', '--all'], 2, 'E_USAGE'],
    [['update', '--all', '--to', '1.0.0'], 2, 'E_USAGE'],
    [['update', ' '], 2, 'E_INVALID_NAME'],
  ])('%j exits %i with %s', async (argv, code, errorCode) => {
    const result = await run(argv, { env })
    expect(result.code).toBe(code)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(new RegExp(`^error ${errorCode}: .+\\nhint: .+\\n$`))
    expect(result.stderr).not.toMatch(stackFrame)
    expect(await tree(path.join(directory, 'data', 'servers'))).toEqual([])
  })

  it('never echoes an --env value in its error', async () => {
    const result = await run(['install', ref, '--env', `bad-name=${secret}`, '--yes'], { env })
    expect(result.code).toBe(2)
    expect(result.stderr).not.toContain(secret)
  })

  it('reads what is installed even when the sources are misconfigured; installing says why it cannot', async () => {
    const misconfigured = { ...env, TEKTON_MCP_SOURCES: 'carrier-pigeon' }
    expect((await run(['list', '--json'], { env: misconfigured })).code).toBe(0)
    const install = await run(['install', ref, '--yes'], { env: misconfigured })
    expect(install.code).toBe(1)
    expect(install.stderr).toMatch(/^error E_CONFIG: TEKTON_MCP_SOURCES names unknown source "carrier-pigeon"\n/)
  })

  it('lists nothing in an empty home', async () => {
    const result = await run(['list'], { env })
    expect(result).toEqual({ code: 0, stdout: 'No MCP servers installed.\nInstall one: tekton-mcp install <ref>\n', stderr: '' })
    expect(JSON.parse((await run(['list', '--json'], { env })).stdout)).toEqual({ servers: [] })
  })
})

describe('a server a client would accept with warnings', () => {
  it(
    'installs it, and install, list and verify show the warnings (also in --json)',
    async () => {
      const { env } = await newHome()
      const installed = await run(['install', 'npm:fixture-rough-server', '--yes'], { env })
      expect(installed.code).toBe(0)
      expect(installed.stdout).toContain('warning: it advertises resources but answered resources/list with error -32603')
      expect(installed.stdout).toContain('warning: it advertises prompts but answered prompts/list with error -32601')
      expect(installed.stdout).toContain('"Rough MCP server v1 starting"')
      const list = await run(['list'], { env })
      expect(list.stdout).toMatch(/fixture-rough-server +1\.0\.0 +npm +2 +ok \(3 warnings\)/)
      expect(list.stdout).toContain('fixture-rough-server: warning: it wrote 1 line that is not JSON-RPC on stdout')
      const json = JSON.parse((await run(['list', '--json'], { env })).stdout) as { servers: Array<{ handshake: { warnings: Array<{ kind: string }> } }> }
      expect(json.servers[0]?.handshake.warnings.map((warning) => warning.kind)).toEqual(['resources-list-failed', 'prompts-list-failed', 'stdout-noise'])
      const verify = await run(['verify', 'fixture-rough-server'], { env })
      expect(verify.code).toBe(0)
      expect(verify.stdout).toContain('warning: it advertises resources but answered resources/list')
      const verifyJson = JSON.parse((await run(['verify', 'fixture-rough-server', '--json'], { env })).stdout) as { handshake: { result: { warnings: unknown[] } } }
      expect(verifyJson.handshake.result.warnings).toHaveLength(3)
    },
    installTimeout,
  )
})

describe('engines.node like npm', () => {
  it(
    "a mismatch installs with a warning; with npm's engine-strict it is refused before the question, and --ignore-engines overrides it",
    async () => {
      const { env, directory } = await newHome()
      const strict = { ...env, npm_config_engine_strict: 'true' }
      const refused = await run(['install', 'npm:fixture-future-node'], { env: strict })
      expect(refused.code).toBe(1)
      expect(refused.stderr).toMatch(/^error E_REQUIREMENTS: .*>=99/)
      expect(refused.stderr).toMatch(/\nhint: .*or install anyway with --ignore-engines/)
      expect(await tree(path.join(directory, 'data', 'servers'))).toEqual([])
      const overridden = await run(['install', 'npm:fixture-future-node', '--ignore-engines', '--yes'], { env: strict })
      expect(overridden.code).toBe(0)
      expect(overridden.stdout).toContain('note: fixture-future-node@1.0.0 declares engines.node >=99')
      const json = JSON.parse((await run(['list', '--json'], { env })).stdout) as { servers: Array<{ versions: Record<string, { warnings?: string[] }> }> }
      expect(json.servers[0]?.versions['1.0.0']?.warnings).toEqual([expect.stringContaining('engine-strict overridden with ignoreEngines')])
    },
    installTimeout,
  )

  it(
    "update and update --all honour --ignore-engines under npm's engine-strict, from planning to install",
    async () => {
      const { env } = await newHome()
      expect((await run(['install', 'npm:fixture-engines-later@1.0.0', '--yes'], { env })).code).toBe(0)
      const strict = { ...env, npm_config_engine_strict: 'true' }
      const refusedAll = await run(['update', '--all', '--yes'], { env: strict })
      expect(refusedAll.code).toBe(1)
      expect(everything(refusedAll)).toContain('E_REQUIREMENTS')
      const refusedOne = await run(['update', 'fixture-engines-later', '--yes'], { env: strict })
      expect(refusedOne.code).toBe(1)
      expect(refusedOne.stderr).toMatch(/error E_REQUIREMENTS: .*>=99/)
      expect((await listed(env))[0]?.activeVersion).toBe('1.0.0')
      const updated = await run(['update', '--all', '--yes', '--ignore-engines'], { env: strict })
      expect(updated.code).toBe(0)
      expect((await listed(env))[0]?.activeVersion).toBe('2.0.0')
    },
    installTimeout,
  )

  it(
    'update --all stops an npm that makes no progress after --npm-inactivity-timeout, and the old version stays',
    async () => {
      const { env, directory } = await newHome()
      expect((await run(['install', 'npm:fixture-engines-later@1.0.0', '--yes'], { env })).code).toBe(0)
      // An npm whose install never writes a line nor uses CPU: everything else goes to the real one.
      const realNpm = await findNpm(env.PATH ?? '')
      const bin = path.join(directory, 'stalling-bin')
      await mkdir(bin, { recursive: true })
      await writeFile(path.join(bin, 'npm'), `#!/bin/sh\nfor argument in "$@"; do [ "$argument" = ci ] && exec sleep 600; done\nexec ${JSON.stringify(realNpm)} "$@"\n`)
      await chmod(path.join(bin, 'npm'), 0o755)
      const stalled = await run(['update', '--all', '--yes', '--npm-inactivity-timeout', '1'], { env: { ...env, PATH: `${bin}${path.delimiter}${env.PATH ?? ''}` } })
      expect(stalled.code).toBe(1)
      expect(everything(stalled)).toContain('E_NPM_STALLED')
      expect((await listed(env))[0]?.activeVersion).toBe('1.0.0')
    },
    installTimeout,
  )

  it(
    'without engine-strict the plan shows the mismatch and the install goes on',
    async () => {
      const { env } = await newHome()
      const installed = await run(['install', 'npm:fixture-future-node', '--yes'], { env })
      expect(installed.code).toBe(0)
      expect(installed.stderr).toContain('declares engines.node >=99')
      expect(installed.stdout).toContain('npm only warns (EBADENGINE) unless engine-strict is set')
    },
    installTimeout,
  )
})
