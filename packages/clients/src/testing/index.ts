/**
 * The conformance suite every client writer runs (`@tekton/mcp-clients/testing`): what users
 * notice when a writer is wrong. The entry lands where the client reads it, in its shape, and the
 * client could start it (the command read back from the file answers an MCP handshake); the rest
 * of the user's file (comments, unknown keys, their own servers) is kept byte for byte; a file that
 * does not parse is left alone; a hand edit is not overwritten; two processes editing at once
 * both land; uninstall removes exactly our entries. Runner-agnostic: pass your runner's
 * `describe`/`it`/hooks; assertions use `node:assert`.
 *
 * ```ts
 * import { describe, it, beforeAll, afterAll } from '@jest/globals'
 * import { clientWriterConformance, sampleClientFiles } from '@tekton/mcp-clients/testing'
 * clientWriterConformance({ describe, it, beforeAll, afterAll }, { definition: vscode, server, ...sampleClientFiles(vscode) })
 * ```
 */
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { TektonError } from '@tekton/mcp-discovery'
import { handshake } from '@tekton/mcp-installation'
import type { ClientDefinition } from '../definitions'
import { backupSuffix } from '../edit-file'
import { createClientWriter } from '../writer'
import type { ClientWriterOptions } from '../writer'
import type { ClientWriter, StdioClientEntry } from '../spec'

type Body = () => void | Promise<void>

/** The parts of a test runner the suite needs (jest, vitest and node:test all fit). */
export interface TestApi {
  describe: (name: string, body: () => void) => void
  it: (name: string, body: Body, timeout?: number) => void
  beforeAll: (body: Body, timeout?: number) => void
  afterAll: (body: Body, timeout?: number) => void
}

export interface ClientConformanceFixture {
  definition: ClientDefinition
  /** An MCP server to start: absolute command and arguments (the testkit's fixture server). */
  server: { command: string; args: string[] }
  /** A user file with comments, unknown keys and a server of the user's own named `hand-written`. */
  handwritten: string
  /** A file that does not parse. */
  invalid: string
  /** The exact text expected after adding `golden-server` to `handwritten` (a golden file). */
  goldenAfterAdd?: string
}

/** An entry the suite writes. */
export function sampleEntry(name: string, server: { command: string; args: string[] }, extra: Partial<StdioClientEntry> = {}): StdioClientEntry {
  return { name, kind: 'stdio', command: server.command, args: [...server.args], env: { FIXTURE_MODE: 'conformance' }, secrets: [], ...extra }
}

/** A hand-written file and a broken one for a client, in its format and at its collection. */
export function sampleClientFiles(definition: ClientDefinition): { handwritten: string; invalid: string } {
  const [root] = definition.collection.path
  if (definition.format.name === 'toml') {
    return {
      handwritten: `# my codex settings\nmodel = "o3" # keep this comment\n\n[${root}.hand-written]\ncommand = "/usr/bin/true"\nargs = ["--mine"]\n\n[profiles.fast]\nmodel = "mini"\n`,
      invalid: `model = "o3"\n[${root}.broken\ncommand = \n`,
    }
  }
  if (definition.format.name === 'yaml') {
    const entry =
      definition.collection.kind === 'list'
        ? `${root}:\n  # the user's own server\n  - name: hand-written\n    command: /usr/bin/true\n    args: [--mine]\n`
        : `${root}:\n  # the user's own server\n  hand-written:\n    cmd: /usr/bin/true\n    args: [--mine]\n    enabled: true\n    type: stdio\n`
    return { handwritten: `# my settings\nname: Local Config\nversion: 1.0.0\nschema: v1\nGOOSE_PROVIDER: openai  # keep this comment\n${entry}`, invalid: `${root}:\n  - name: [unclosed\n  bad: : :\n` }
  }
  return {
    handwritten: `// my settings, with comments\n{\n  "theme": "dark", // an unknown key\n  "${root}": {\n    // the user's own server\n    "hand-written": {\n      "command": "/usr/bin/true",\n      "args": ["--mine"]\n    }\n  },\n  "zzz": [1, 2, 3]\n}\n`,
    invalid: `{\n  "${root}": {\n    "broken": { "command": \n}\n`,
  }
}

function hasCode(code: string) {
  return (error: unknown) => TektonError.isInstance(error) && error.code === code
}

/** Registers the conformance tests for one client writer. */
export function clientWriterConformance(api: TestApi, fixture: ClientConformanceFixture): void {
  const { describe, it, beforeAll, afterAll } = api
  const { definition } = fixture
  describe(`client writer conformance: ${definition.id}`, () => {
    let root: string
    let count = 0
    beforeAll(async () => {
      root = await mkdtemp(path.join(os.tmpdir(), `tekton-clients-${definition.id}-`))
    })
    afterAll(async () => {
      await rm(root, { recursive: true, force: true })
    })

    /** A fresh HOME, project and data dir for one test. */
    async function sandbox(extra: Partial<ClientWriterOptions> = {}): Promise<{ writer: ClientWriter; file: string; options: ClientWriterOptions }> {
      const base = path.join(root, String(++count))
      const home = path.join(base, 'home')
      const cwd = path.join(base, 'project')
      await mkdir(home, { recursive: true })
      await mkdir(cwd, { recursive: true })
      const options: ClientWriterOptions = { stateFile: path.join(base, 'data', 'client-entries.json'), platform: process.platform, home, cwd, env: {}, ...extra }
      const writer = createClientWriter(definition, options)
      return { writer, file: writer.locate('user')!, options }
    }

    async function seed(file: string, text: string): Promise<void> {
      await mkdir(path.dirname(file), { recursive: true })
      await writeFile(file, text)
    }

    it('locates its user file under HOME (and its project file under the project, when it has one)', async () => {
      const { writer, options } = await sandbox()
      assert.ok(writer.locate('user')!.startsWith(options.home!), writer.locate('user'))
      if (writer.scopes.includes('project')) assert.ok(writer.locate('project')!.startsWith(options.cwd!), writer.locate('project'))
      else assert.equal(writer.locate('project'), undefined)
    })

    it('detects the client by its directory', async () => {
      const { writer } = await sandbox()
      const before = await writer.detect()
      assert.equal(before.installed, false)
      await mkdir(before.evidence, { recursive: true })
      assert.equal((await writer.detect()).installed, true)
    })

    it('adds an entry to a new file, and the command read back from the file answers an MCP handshake', async () => {
      const { writer, file } = await sandbox()
      const outcome = await writer.add(sampleEntry('fixture', fixture.server))
      assert.equal(outcome.action, 'added')
      const contents = await writer.read()
      const entry = contents.entries.find((item) => item.name === 'fixture')
      assert.ok(entry?.launch?.kind === 'stdio', `read back: ${JSON.stringify(entry)}`)
      assert.equal(entry.launch.command, fixture.server.command)
      assert.deepEqual(entry.launch.args, fixture.server.args)
      const result = await handshake({ command: entry.launch.command, args: entry.launch.args, env: entry.launch.env }, { timeoutMs: 60_000 })
      assert.ok(result.serverInfo.name.length > 0)
      assert.equal((await writer.listOurs())[0]?.status, 'ok')
      assert.ok((await stat(file)).isFile())
    })

    it('keeps comments, unknown keys and the user\'s own server byte for byte outside its entry', async () => {
      const { writer, file } = await sandbox()
      await seed(file, fixture.handwritten)
      await writer.add(sampleEntry('golden-server', { command: '/opt/tekton/bin/node', args: ['/opt/tekton/servers/golden/index.js', '--flag'] }))
      const afterAdd = await readFile(file, 'utf8')
      if (fixture.goldenAfterAdd !== undefined) assert.equal(afterAdd, fixture.goldenAfterAdd)
      assert.ok((await writer.read()).entries.some((entry) => entry.name === 'hand-written'))
      assert.equal(await readFile(`${file}${backupSuffix}`, 'utf8'), fixture.handwritten)
      await writer.remove('golden-server')
      assert.equal(await readFile(file, 'utf8'), fixture.handwritten)
    })

    it('updates its entry in place', async () => {
      const { writer, file } = await sandbox()
      await seed(file, fixture.handwritten)
      await writer.add(sampleEntry('fixture', fixture.server))
      const before = await readFile(file, 'utf8')
      const outcome = await writer.update(sampleEntry('fixture', { command: fixture.server.command, args: [...fixture.server.args, '--v2'] }))
      assert.equal(outcome.action, 'updated')
      const entry = (await writer.read()).entries.find((item) => item.name === 'fixture')
      assert.deepEqual(entry?.launch?.kind === 'stdio' && entry.launch.args.at(-1), '--v2')
      assert.equal(await readFile(`${file}${backupSuffix}`, 'utf8'), before)
      assert.equal((await writer.update(sampleEntry('fixture', { command: fixture.server.command, args: [...fixture.server.args, '--v2'] }))).action, 'unchanged')
    })

    it('leaves a file that does not parse untouched', async () => {
      const { writer, file } = await sandbox()
      await seed(file, fixture.invalid)
      await assert.rejects(writer.add(sampleEntry('fixture', fixture.server)), hasCode('E_CLIENT_CONFIG_INVALID'))
      await assert.rejects(writer.read(), hasCode('E_CLIENT_CONFIG_INVALID'))
      assert.equal(await readFile(file, 'utf8'), fixture.invalid)
      await assert.rejects(stat(`${file}${backupSuffix}`))
    })

    it('neither overwrites nor removes an entry it did not write, unless forced', async () => {
      const { writer, file } = await sandbox()
      await seed(file, fixture.handwritten)
      await assert.rejects(writer.add(sampleEntry('hand-written', fixture.server)), hasCode('E_CLIENT_ENTRY_NOT_OURS'))
      await assert.rejects(writer.remove('hand-written'), hasCode('E_CLIENT_ENTRY_NOT_OURS'))
      assert.equal(await readFile(file, 'utf8'), fixture.handwritten)
      assert.equal((await writer.remove('hand-written', { force: true })).action, 'removed')
      assert.ok(!(await writer.read()).entries.some((entry) => entry.name === 'hand-written'))
    })

    it('detects a hand edit of its entry and keeps it unless forced', async () => {
      const { writer, file } = await sandbox()
      await writer.add(sampleEntry('fixture', fixture.server))
      const text = await readFile(file, 'utf8')
      const current = definition.format.entries(text, definition.collection).get('fixture') as Record<string, unknown>
      const { name: _name, ...value } = current
      const edited = definition.format.set(text, definition.collection, 'fixture', { ...value, extraByHand: true })
      await writeFile(file, edited)
      assert.equal((await writer.listOurs())[0]?.status, 'changed')
      await assert.rejects(writer.update(sampleEntry('fixture', fixture.server)), hasCode('E_CLIENT_ENTRY_CHANGED'))
      await assert.rejects(writer.remove('fixture'), hasCode('E_CLIENT_ENTRY_CHANGED'))
      assert.equal(await readFile(file, 'utf8'), edited)
      assert.equal((await writer.update(sampleEntry('fixture', fixture.server), { force: true })).action, 'updated')
      assert.equal((await writer.listOurs())[0]?.status, 'ok')
    })

    it('lets two writers edit the same file at once without losing either entry (lock)', async () => {
      const { options, file } = await sandbox()
      await seed(file, fixture.handwritten)
      const first = createClientWriter(definition, options)
      const second = createClientWriter(definition, options)
      await Promise.all([first.add(sampleEntry('one', fixture.server)), second.add(sampleEntry('two', fixture.server)), first.add(sampleEntry('three', fixture.server))])
      const names = (await first.read()).entries.map((entry) => entry.name).sort()
      assert.deepEqual(names, ['hand-written', 'one', 'three', 'two'])
      assert.equal((await first.listOurs()).length, 3)
    })

    it('removes exactly its entries on uninstall and forgets them', async () => {
      const { writer, file } = await sandbox()
      await seed(file, fixture.handwritten)
      await writer.add(sampleEntry('one', fixture.server), { server: '@fixture/one' })
      await writer.add(sampleEntry('two', fixture.server), { server: '@fixture/two' })
      for (const owned of (await writer.listOurs()).filter((entry) => entry.server === '@fixture/one')) await writer.remove(owned.name)
      assert.deepEqual((await writer.read()).entries.map((entry) => entry.name).sort(), ['hand-written', 'two'])
      assert.deepEqual((await writer.listOurs()).map((entry) => entry.server), ['@fixture/two'])
      assert.equal((await writer.remove('one')).action, 'absent')
    })

    it('never writes a secret value into the file', async () => {
      const secretValue = 'sk-conformance-secret-value'
      const entry = sampleEntry('secretive', fixture.server, { env: { API_TOKEN: secretValue, MODE: 'x' }, secrets: [{ name: 'API_TOKEN' }] })
      const refused = await sandbox()
      if (definition.secretInputs) {
        await refused.writer.add(entry)
        const text = await readFile(refused.file, 'utf8')
        assert.ok(!text.includes(secretValue))
        assert.ok(text.includes('${input:'), text)
        assert.ok(text.includes('"password": true'), text)
        await refused.writer.remove('secretive')
        assert.ok(!(await readFile(refused.file, 'utf8')).includes('${input:'))
        return
      }
      await assert.rejects(refused.writer.add(entry), hasCode('E_CLIENT_SECRETS'))
      const launcher = await sandbox({ launchWithSecrets: (server) => ({ command: '/opt/tekton/bin/tekton-mcp-launch', args: [server.name] }) })
      await launcher.writer.add(entry)
      const text = await readFile(launcher.file, 'utf8')
      assert.ok(!text.includes(secretValue), text)
      const written = (await launcher.writer.read()).entries.find((item) => item.name === 'secretive')?.launch
      assert.ok(written?.kind === 'stdio')
      assert.equal(written.command, '/opt/tekton/bin/tekton-mcp-launch')
      const plain = await sandbox({ plainSecrets: true })
      await plain.writer.add(entry)
      assert.ok((await readFile(plain.file, 'utf8')).includes(secretValue))
    })

    it('writes a remote server in its own remote shape, or says it needs a bridge', async () => {
      const remote = { name: 'remote', kind: 'remote' as const, transport: 'streamable-http' as const, url: 'https://mcp.example.test/mcp', headers: { 'X-Team': 'blue' }, secretHeaders: [] }
      const { writer } = await sandbox()
      if (writer.remoteTransports.includes('streamable-http')) {
        await writer.add(remote)
        const written = (await writer.read()).entries.find((item) => item.name === 'remote')?.launch
        assert.ok(written?.kind === 'remote', JSON.stringify(written))
        assert.equal(written.url, remote.url)
        assert.deepEqual(written.headers, remote.headers)
        return
      }
      await assert.rejects(writer.add(remote), hasCode('E_CLIENT_UNSUPPORTED'))
      const bridged = await sandbox({ remoteBridge: (entry) => ({ command: '/opt/tekton/bin/bridge', args: [entry.url] }) })
      await bridged.writer.add(remote)
      const written = (await bridged.writer.read()).entries.find((item) => item.name === 'remote')?.launch
      assert.ok(written?.kind === 'stdio')
      assert.deepEqual([written.command, ...written.args], ['/opt/tekton/bin/bridge', remote.url])
    })

    it('starts a Windows batch shim through cmd /c', async () => {
      const { options } = await sandbox()
      const windows = createClientWriter(definition, { ...options, platform: 'win32', home: 'C:\\Users\\me', cwd: 'C:\\project', env: { APPDATA: 'C:\\Users\\me\\AppData\\Roaming' } })
      assert.ok(windows.locate('user')!.startsWith('C:\\Users\\me\\'), windows.locate('user'))
      const rendered = windows.render(sampleEntry('shim', { command: 'C:\\Program Files\\nodejs\\npx.cmd', args: ['-y', 'server'] }))
      const read = definition.read(rendered.value)
      assert.ok(read?.kind === 'stdio')
      assert.deepEqual([read.command, ...read.args], ['cmd', '/c', 'C:\\Program Files\\nodejs\\npx.cmd', '-y', 'server'])
    })
  })
}
