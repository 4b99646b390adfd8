/**
 * Installed servers written into MCP clients' files, end to end: the fixture server installed for
 * real (loopback npm registry, real npm, real handshake), then written into Claude Desktop, VS Code
 * and Codex files that already hold a server and comments of the user's own. The entry's command,
 * read back from each file, answers a handshake; an update makes `listClients` call the entries
 * outdated until they are rewritten; uninstalling removes exactly ours.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { handshake } from '@tekton/mcp-installation'
import { fixtureNpmPackages, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { createTektonMcp } from '../src/index'
import type { TektonMcp } from '../src/index'

const installTimeout = 600_000
const fixture = '@fixture/mcp-server'

let root: string
let home: string
let registry: FakeNpmRegistry
let app: TektonMcp

const claudeFile = () => path.join(home, '.config', 'Claude', 'claude_desktop_config.json')
const vscodeFile = () => path.join(home, '.config', 'Code', 'User', 'mcp.json')
const codexFile = () => path.join(home, '.codex', 'config.toml')

const claudeText = '{\n  "mcpServers": {\n    "mine": { "command": "/usr/bin/mine", "args": [] }\n  },\n  "globalShortcut": "Ctrl+Space"\n}\n'
const vscodeText = '// my VS Code servers\n{\n  "servers": {\n    "mine": { "type": "stdio", "command": "/usr/bin/mine" } // keep\n  }\n}\n'
const codexText = '# my Codex settings\nmodel = "o3"\n\n[mcp_servers.mine]\ncommand = "/usr/bin/mine" # keep\n'

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'tekton-app-clients-'))
  home = path.join(root, 'home')
  registry = await startFakeNpmRegistry({ packages: Object.values(fixtureNpmPackages()) })
  for (const [file, text] of [
    [claudeFile(), claudeText],
    [vscodeFile(), vscodeText],
    [codexFile(), codexText],
  ] as const) {
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, text)
  }
  app = createTektonMcp({
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      TEKTON_MCP_HOME: path.join(home, 'tekton-mcp'),
      npm_config_userconfig: path.join(home, 'npmrc'),
      npm_config_registry: `${registry.url}/`,
      TEKTON_MCP_SOURCES: 'npm',
    },
    cwd: root,
    clients: { platform: 'linux', default: ['codex'] },
  })
})

afterAll(async () => {
  await app?.close()
  await registry?.close()
  await rm(root, { recursive: true, force: true })
})

describe('installed servers in client files', () => {
  it(
    'writes one entry per client that starts the server, follows an update, and is removed on uninstall',
    async () => {
      const service = await app.installation()
      await service.installServer(`npm:${fixture}`, { version: '1.0.0' })

      const printed = await app.configureClients(fixture, { clients: ['vscode'], print: true })
      expect(printed.results[0]).toMatchObject({ client: 'vscode', action: 'printed', name: 'fixture-mcp-server' })
      expect(await readFile(vscodeFile(), 'utf8')).toBe(vscodeText)

      const configured = await app.configureClients(fixture, { clients: ['claude-desktop', 'vscode', 'codex'] })
      expect(configured.results.map((result) => [result.client, result.action])).toEqual([
        ['claude-desktop', 'added'],
        ['vscode', 'added'],
        ['codex', 'added'],
      ])
      expect(await readFile(codexFile(), 'utf8')).toMatch(/^# my Codex settings\nmodel = "o3"\n\n\[mcp_servers\.mine\]\ncommand = "\/usr\/bin\/mine" # keep\n\n\[mcp_servers\.fixture-mcp-server\]\ncommand = "\//)
      expect(await readFile(vscodeFile(), 'utf8')).toContain('"mine": { "type": "stdio", "command": "/usr/bin/mine" }, // keep')

      const listing = await app.listClients()
      for (const id of ['claude-desktop', 'vscode', 'codex']) {
        const client = listing.find((item) => item.id === id)!
        expect(client.detected).toBe(true)
        expect(client.files[0]!.servers.sort()).toEqual(['fixture-mcp-server', 'mine'])
        expect(client.ours).toEqual([expect.objectContaining({ server: fixture, name: 'fixture-mcp-server', status: 'ok' })])
        const written = JSON.parse(JSON.stringify(client))
        expect(written).toBeTruthy()
      }
      // Each entry, read back from its file, starts the server (no npx, no PATH lookup).
      const { createClientWriters } = await import('@tekton/mcp-clients')
      const writers = createClientWriters({ stateFile: path.join(home, 'tekton-mcp', 'data', 'client-entries.json'), platform: 'linux', home, env: {}, cwd: root })
      for (const id of ['claude-desktop', 'vscode', 'codex']) {
        const entry = (await writers.find((writer) => writer.id === id)!.read()).entries.find((item) => item.name === 'fixture-mcp-server')
        expect(entry?.launch?.kind).toBe('stdio')
        if (entry?.launch?.kind !== 'stdio') continue
        expect(path.isAbsolute(entry.launch.command)).toBe(true)
        const result = await handshake({ command: entry.launch.command, args: entry.launch.args, env: entry.launch.env }, { timeoutMs: 120_000 })
        expect(result.serverInfo.name).toBe(fixture)
      }

      await service.updateServer(fixture, { to: '2.0.0', approveToolChanges: true })
      expect((await app.listClients()).find((item) => item.id === 'codex')!.ours[0]!.status).toBe('outdated')
      const rewritten = await app.rewriteClients(fixture)
      expect(rewritten.map((result) => result.action)).toEqual(['updated', 'updated', 'updated'])
      expect(await readFile(codexFile(), 'utf8')).toContain('2.0.0')
      expect((await app.listClients()).find((item) => item.id === 'codex')!.ours[0]!.status).toBe('ok')

      await service.uninstallServer(fixture)
      expect((await app.listClients()).find((item) => item.id === 'vscode')!.ours[0]!.status).toBe('orphaned')
      const removed = await app.removeFromClients(fixture)
      expect(removed.map((result) => result.action)).toEqual(['removed', 'removed', 'removed'])
      expect(await readFile(claudeFile(), 'utf8')).toBe(claudeText)
      expect(await readFile(vscodeFile(), 'utf8')).toBe(vscodeText)
      expect(await readFile(codexFile(), 'utf8')).toBe(codexText)
      expect((await app.listClients()).flatMap((client) => client.ours)).toEqual([])
    },
    installTimeout,
  )

  it('refuses when no client is named and none is a default', async () => {
    const bare = createTektonMcp({ env: { HOME: home, TEKTON_MCP_HOME: path.join(home, 'tekton-mcp') }, cwd: root })
    await expect(bare.configureClients(fixture, { clients: [] })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' })
    await expect(bare.configureClients(fixture, { clients: ['nope'] })).rejects.toMatchObject({ code: 'E_CLIENT_UNKNOWN' })
    await bare.close()
  })
})
