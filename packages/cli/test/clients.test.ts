/**
 * Client files from the command line, as a new user meets them: a HOME whose Claude Desktop,
 * VS Code and Codex configs already hold a server and comments of their own; `install --client`
 * adds one entry to each without disturbing the rest, the entry starts the server as written,
 * `clients` shows them, and `uninstall` leaves the three files exactly as they were. Secrets
 * never reach a client file or the output.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { handshake } from '@tekton/mcp-installation'
import { callToolOverStdio, fixtureNpmPackages, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { installEnvironment, run, temporaryHome } from './helpers'

const fixture = '@fixture/mcp-server'
const secret = 'tok-never-in-a-client-file'
const installTimeout = 600_000

const files = {
  claude: ['.config', 'Claude', 'claude_desktop_config.json'],
  vscode: ['.config', 'Code', 'User', 'mcp.json'],
  codex: ['.codex', 'config.toml'],
} as const
const originals = {
  claude: '{\n  "mcpServers": {\n    "my-notes": {\n      "command": "/usr/local/bin/notes-mcp",\n      "args": ["--dir", "/home/me/notes"]\n    }\n  },\n  "globalShortcut": "Ctrl+Space"\n}\n',
  vscode: '// Servers I set up by hand\n{\n  "servers": {\n    "my-notes": { "type": "stdio", "command": "/usr/local/bin/notes-mcp" } // do not touch\n  },\n  /* inputs come later */\n}\n',
  codex: '# Codex settings\nmodel = "o3"  # my model\n\n[mcp_servers.my-notes]\ncommand = "/usr/local/bin/notes-mcp"\nargs = ["--dir", "/home/me/notes"]   # hand written\n',
}

let registry: FakeNpmRegistry
let home: { directory: string; remove: () => Promise<void> }
let env: Record<string, string>
const file = (which: keyof typeof files) => path.join(home.directory, ...files[which])

beforeAll(async () => {
  registry = await startFakeNpmRegistry({ packages: Object.values(fixtureNpmPackages()) })
  home = await temporaryHome()
  env = installEnvironment(registry.url, home.directory, { TEKTON_MCP_HOME: path.join(home.directory, 'tekton-mcp') })
  for (const which of Object.keys(files) as (keyof typeof files)[]) {
    await mkdir(path.dirname(file(which)), { recursive: true })
    await writeFile(file(which), originals[which])
  }
})

afterAll(async () => {
  await registry?.close()
  await home?.remove()
})

describe('install --client, clients, uninstall', () => {
  it(
    'adds one entry to each client that starts the server as written, and uninstall removes exactly those',
    async () => {
      const installed = await run(['install', `npm:${fixture}@1.0.0`, '--client', 'claude-desktop,vscode,codex', '--yes'], { env })
      expect(installed.code).toBe(0)
      expect(installed.stdout).toContain('fixture-mcp-server added to vscode')
      const codex = await readFile(file('codex'), 'utf8')
      expect(codex.startsWith(originals.codex)).toBe(true)
      expect(codex.slice(originals.codex.length)).toMatch(/^\n\[mcp_servers\.fixture-mcp-server\]\ncommand = "\/[^"]+"\nargs = \["\/[^"]+server\.js"\]\n$/)
      expect(await readFile(file('vscode'), 'utf8')).toContain('"my-notes": { "type": "stdio", "command": "/usr/local/bin/notes-mcp" }, // do not touch\n    "fixture-mcp-server": {\n      "type": "stdio",')

      // What a client would run: the command and arguments exactly as in the TOML, with no PATH.
      const table = /\[mcp_servers\.fixture-mcp-server\]\ncommand = (.*)\nargs = (.*)\n/.exec(codex)!
      const command = JSON.parse(table[1]!) as string
      const args = JSON.parse(table[2]!) as string[]
      expect((await handshake({ command, args, env: {} }, { timeoutMs: 120_000 })).serverInfo.name).toBe(fixture)

      const listing = await run(['clients', '--json'], { env })
      expect(listing.code).toBe(0)
      const clients = JSON.parse(listing.stdout) as Array<{ id: string; detected: boolean; ours: Array<{ status: string }> }>
      expect(clients.filter((client) => client.ours.length > 0).map((client) => [client.id, client.detected, client.ours[0]!.status])).toEqual([
        ['claude-desktop', true, 'ok'],
        ['vscode', true, 'ok'],
        ['codex', true, 'ok'],
      ])
      const text = await run(['clients'], { env })
      expect(text.stdout).toMatch(/codex\s+yes\s+2\s+1\s/)

      const removed = await run(['uninstall', fixture], { env })
      expect(removed.code).toBe(0)
      expect(removed.stdout).toContain('fixture-mcp-server removed from codex')
      for (const which of Object.keys(files) as (keyof typeof files)[]) expect(await readFile(file(which), 'utf8')).toBe(originals[which])
    },
    installTimeout,
  )

  it(
    'keeps a secret out of client files and output: VS Code prompts for it, Codex starts it through the secret launcher',
    async () => {
      const installed = await run(['install', `npm:${fixture}@1.0.0`, '--env', `API_TOKEN=${secret}`, '--yes'], { env })
      expect(installed.code).toBe(0)
      const launched = await run(['configure', fixture, '--client', 'codex'], { env })
      expect(launched.code).toBe(0)
      const codex = await readFile(file('codex'), 'utf8')
      expect(codex.startsWith(originals.codex)).toBe(true)
      // The entry runs our launcher, which adds the secret from the 0600 store when the client starts it.
      const table = /\[mcp_servers\.fixture-mcp-server\]\ncommand = (.*)\nargs = (.*)\n/.exec(codex)!
      const launch = { command: JSON.parse(table[1]!) as string, args: JSON.parse(table[2]!) as string[] }
      expect(launch.args.some((argument) => argument.endsWith('launcher.js'))).toBe(true)
      const seen = JSON.parse(await callToolOverStdio(launch, {}, 'report_env', {})) as Record<string, string>
      expect(seen.API_TOKEN).toBe(secret)

      const vscode = await run(['configure', fixture, '--client', 'vscode', '--json'], { env })
      expect(vscode.code).toBe(0)
      const written = await readFile(file('vscode'), 'utf8')
      expect(written).toContain('"API_TOKEN": "${input:tekton-mcp.fixture-mcp-server.API_TOKEN}"')
      expect(written).toContain('"password": true')

      const printed = await run(['configure', fixture, '--client', 'codex,zed', '--print'], { env })
      expect(printed.code).toBe(0)
      expect(printed.stdout).toContain('API_TOKEN')

      const unknown = await run(['install', `npm:${fixture}`, '--client', 'vs-code', '--yes'], { env })
      expect(unknown.code).toBe(2)
      expect(unknown.stderr).toContain('E_CLIENT_UNKNOWN')

      for (const result of [installed, launched, vscode, printed, unknown]) expect(`${result.stdout}${result.stderr}`).not.toContain(secret)
      for (const which of Object.keys(files) as (keyof typeof files)[]) expect(await readFile(file(which), 'utf8')).not.toContain(secret)

      const plain = await run(['configure', fixture, '--client', 'codex', '--plain-secrets'], { env })
      expect(plain.code).toBe(0)
      expect(await readFile(file('codex'), 'utf8')).toContain(secret)
      expect(plain.stdout).not.toContain(secret)
    },
    installTimeout,
  )
})
