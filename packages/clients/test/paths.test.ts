import { describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { clientDefinitions } from '../src/definitions'
import { createClientWriters, clientEntryName, createVsCodeClient, pickClientWriters } from '../src/index'
import { headerPath } from '../src/formats/toml'
import { tomlFormat } from '../src/formats/toml'

const where = {
  darwin: { platform: 'darwin' as const, home: '/Users/me', env: {}, cwd: '/work/project' },
  linux: { platform: 'linux' as const, home: '/home/me', env: { XDG_CONFIG_HOME: '/home/me/.xdg' }, cwd: '/work/project' },
  win32: { platform: 'win32' as const, home: 'C:\\Users\\me', env: { APPDATA: 'C:\\Users\\me\\AppData\\Roaming' }, cwd: 'C:\\work\\project' },
}

function userFile(id: string, platform: keyof typeof where): string {
  return clientDefinitions.find((definition) => definition.id === id)!.user(where[platform])
}

describe('client files per platform', () => {
  it('puts Claude Desktop and VS Code in the platform application-data directory', () => {
    expect(userFile('claude-desktop', 'darwin')).toBe('/Users/me/Library/Application Support/Claude/claude_desktop_config.json')
    expect(userFile('claude-desktop', 'win32')).toBe('C:\\Users\\me\\AppData\\Roaming\\Claude\\claude_desktop_config.json')
    expect(userFile('claude-desktop', 'linux')).toBe('/home/me/.xdg/Claude/claude_desktop_config.json')
    expect(userFile('vscode', 'darwin')).toBe('/Users/me/Library/Application Support/Code/User/mcp.json')
    expect(userFile('vscode', 'win32')).toBe('C:\\Users\\me\\AppData\\Roaming\\Code\\User\\mcp.json')
    expect(userFile('cline', 'linux')).toBe('/home/me/.xdg/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json')
  })

  it('follows CODEX_HOME and CLAUDE_CONFIG_DIR, and home-relative files elsewhere', () => {
    const codex = clientDefinitions.find((definition) => definition.id === 'codex')!
    expect(codex.user({ ...where.linux, env: { CODEX_HOME: '/opt/codex' } })).toBe('/opt/codex/config.toml')
    expect(userFile('codex', 'win32')).toBe('C:\\Users\\me\\.codex\\config.toml')
    const claudeCode = clientDefinitions.find((definition) => definition.id === 'claude-code')!
    expect(claudeCode.user({ ...where.darwin, env: { CLAUDE_CONFIG_DIR: '/Users/me/claude' } })).toBe('/Users/me/claude/.claude.json')
    expect(claudeCode.project!(where.darwin)).toBe('/work/project/.mcp.json')
    expect(userFile('goose', 'win32')).toBe('C:\\Users\\me\\AppData\\Roaming\\Block\\goose\\config\\config.yaml')
    expect(userFile('zed', 'darwin')).toBe('/Users/me/.config/zed/settings.json')
    expect(userFile('opencode', 'linux')).toBe('/home/me/.xdg/opencode/opencode.json')
  })

  it('takes a path override from settings, and refuses an unknown client id', async () => {
    const stateFile = '/tmp/tekton-state/client-entries.json'
    const writers = createClientWriters({ stateFile, ...where.linux, paths: { vscode: '/mnt/c/Users/me/AppData/Roaming/Code/User/mcp.json' } })
    expect(pickClientWriters(writers, ['vscode'])[0]!.locate('user')).toBe('/mnt/c/Users/me/AppData/Roaming/Code/User/mcp.json')
    expect(() => pickClientWriters(writers, ['vs-code'])).toThrow(expect.objectContaining({ code: 'E_CLIENT_UNKNOWN' }))
    expect(() => createClientWriters({ stateFile, paths: { nope: '/x' } })).toThrow(expect.objectContaining({ code: 'E_CLIENT_UNKNOWN' }))
    expect(createVsCodeClient({ stateFile, ...where.linux }).locate('project')).toBe('/work/project/.vscode/mcp.json')
  })

  it('names entries so every client accepts the key', () => {
    expect(clientEntryName('@fixture/mcp-server')).toBe('fixture-mcp-server')
    expect(clientEntryName('io.github.acme/files')).toBe('io-github-acme-files')
    expect(clientEntryName('@@@')).toBe('server')
  })
})

describe('TOML table edits', () => {
  it('reads quoted and dotted header keys', () => {
    expect(headerPath('[mcp_servers."a.b"] # note')).toEqual({ path: ['mcp_servers', 'a.b'], array: false })
    expect(headerPath("[[ profiles . 'x' ]]")).toEqual({ path: ['profiles', 'x'], array: true })
    expect(headerPath('key = "[not a header]"')).toBeUndefined()
  })

  it('refuses to edit an entry written as dotted keys rather than its own table, and keeps the file', () => {
    const text = '[mcp_servers]\nfiles.command = "/bin/x"\n'
    expect(() => tomlFormat.set(text, { kind: 'map', path: ['mcp_servers'] }, 'files', { command: '/bin/y', args: [] })).toThrow(/cannot be edited safely/)
  })

  it('keeps the mode of the file it rewrites', async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'tekton-mode-'))
    try {
      const file = path.join(base, 'config.toml')
      await writeFile(file, 'model = "o3"\n', { mode: 0o640 })
      const writer = createClientWriters({ stateFile: path.join(base, 'data', 'state.json'), ...where.linux, paths: { codex: file } }).find((item) => item.id === 'codex')!
      await writer.add({ name: 'files', kind: 'stdio', command: '/bin/x', args: [], env: {}, secrets: [] })
      expect((await stat(file)).mode & 0o777).toBe(0o640)
      expect(await readFile(file, 'utf8')).toContain('[mcp_servers.files]')
    } finally {
      await rm(base, { recursive: true, force: true })
    }
  })
})

describe('an entry in a form the writer cannot edit', () => {
  it('is refused with E_CLIENT_CONFIG_INVALID and the file is not changed', async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'tekton-dotted-'))
    try {
      const file = path.join(base, 'config.toml')
      const text = '[mcp_servers]\nfiles.command = "/bin/x"\n'
      await writeFile(file, text)
      const writer = createClientWriters({ stateFile: path.join(base, 'data', 'state.json'), ...where.linux, paths: { codex: file } }).find((item) => item.id === 'codex')!
      await expect(writer.add({ name: 'files', kind: 'stdio', command: '/bin/y', args: [], env: {}, secrets: [] }, { force: true })).rejects.toMatchObject({ code: 'E_CLIENT_CONFIG_INVALID' })
      expect(await readFile(file, 'utf8')).toBe(text)
    } finally {
      await rm(base, { recursive: true, force: true })
    }
  })
})
