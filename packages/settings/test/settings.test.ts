import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { TektonError } from '@tekton/mcp-discovery'
import { describeOrigin, isSettingKey, loadSettings, locateSettingsFiles, parseSettingValue, setSetting, systemConfigDir, unsetSetting } from '../src/index'

let root: string
let env: NodeJS.ProcessEnv
let project: string
let cwd: string

function write(file: string, text: string): string {
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, text)
  return file
}

const globalFile = () => path.join(root, 'etc', 'config.yaml')
const userFile = () => path.join(root, 'home', 'config', 'config.json')
const projectFile = () => path.join(project, '.tekton-mcp.yml')

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'tekton-settings-'))
  env = { TEKTON_MCP_HOME: path.join(root, 'home'), TEKTON_MCP_SYSTEM_CONFIG_DIR: path.join(root, 'etc') }
  project = path.join(root, 'work', 'project')
  cwd = path.join(project, 'src', 'deep')
  mkdirSync(cwd, { recursive: true })
})

afterEach(() => rmSync(root, { recursive: true, force: true }))

describe('layer discovery', () => {
  it('finds the project file upward from the working directory, the user file under TEKTON_MCP_HOME and the admin one where the variable says', () => {
    write(projectFile(), 'install:\n  sandbox: auto\n')
    write(userFile(), '{}')
    const located = locateSettingsFiles({ env, cwd })
    expect(located.project).toEqual({ file: projectFile(), exists: true, others: [] })
    expect(located.user).toEqual({ file: userFile(), exists: true, others: [] })
    expect(located.global).toEqual({ file: path.join(root, 'etc', 'config.json'), exists: false, others: [] })
    expect(loadSettings({ env, cwd }).value.install.sandbox).toBe('auto')
  })

  it('without a project file, one would be created in the working directory; the admin directory defaults to /etc/tekton-mcp', () => {
    expect(locateSettingsFiles({ env, cwd }).project).toEqual({ file: path.join(cwd, '.tekton-mcp.json'), exists: false, others: [] })
    expect(systemConfigDir({}, 'linux')).toBe('/etc/tekton-mcp')
    expect(systemConfigDir({ ProgramData: 'D:\\Data' }, 'win32')).toBe('D:\\Data\\tekton-mcp')
  })

  it('reads the first of .json, .yaml and .yml in one directory and warns about the others', () => {
    write(path.join(project, '.tekton-mcp.json'), '{ "install": { "sandbox": "bubblewrap" } }')
    write(projectFile(), 'install:\n  sandbox: auto\n')
    const loaded = loadSettings({ env, cwd })
    expect(loaded.value.install.sandbox).toBe('bubblewrap')
    expect(loaded.warnings).toEqual([expect.objectContaining({ file: projectFile(), message: expect.stringContaining('.tekton-mcp.json in the same directory is read instead') })])
  })
})

describe('precedence', () => {
  it('takes project over user over global over the defaults, and the environment over all, keeping each origin', () => {
    write(globalFile(), 'install:\n  handshakeTimeoutMs: 10000\n  sandbox: bubblewrap\nclients:\n  paths:\n    vscode: /admin/vscode.json\n')
    write(userFile(), '// mine\n{ "install": { "handshakeTimeoutMs": 20000 }, "clients": { "default": ["cursor"], "paths": { "zed": "/me/zed.json" } } }')
    write(projectFile(), 'install:\n  handshakeTimeoutMs: 40000\n')
    const loaded = loadSettings({ env: { ...env, TEKTON_MCP_SANDBOX: 'auto' }, cwd })
    expect(loaded.value.install).toEqual({ allowScripts: false, handshakeTimeoutMs: 40000, sandbox: 'auto' })
    expect(loaded.value.clients).toEqual({ default: ['cursor'], paths: { vscode: '/admin/vscode.json', zed: '/me/zed.json' } })
    expect(describeOrigin(loaded.origins['install.handshakeTimeoutMs']!)).toBe(projectFile())
    expect(describeOrigin(loaded.origins['install.sandbox']!)).toBe('$TEKTON_MCP_SANDBOX')
    expect(describeOrigin(loaded.origins['install.allowScripts']!)).toBe('default')
    expect(describeOrigin(loaded.origins['clients.paths.vscode']!)).toBe(globalFile())
    expect(describeOrigin(loaded.origins['clients.default']!)).toBe(userFile())
  })

  it('reads every override variable, and refuses a bad one naming it', () => {
    const loaded = loadSettings({
      env: { ...env, TEKTON_MCP_SOURCES: 'npm,registry', TEKTON_MCP_CLIENTS: 'vscode, cursor', TEKTON_MCP_ALLOW_SCRIPTS: 'yes', TEKTON_MCP_HANDSHAKE_TIMEOUT_MS: '5000' },
      cwd,
    })
    expect(loaded.value.sources).toEqual(['npm', 'registry'])
    expect(loaded.value.clients.default).toEqual(['vscode', 'cursor'])
    expect(loaded.value.install).toMatchObject({ allowScripts: true, handshakeTimeoutMs: 5000 })
    expect(loadSettings({ env: { ...env, TEKTON_MCP_ALLOW_SCRIPTS: 'off' }, cwd }).value.install.allowScripts).toBe(false)
    for (const [variable, value] of [['TEKTON_MCP_ALLOW_SCRIPTS', 'maybe'], ['TEKTON_MCP_HANDSHAKE_TIMEOUT_MS', '5'], ['TEKTON_MCP_SANDBOX', 'docker']] as const) {
      expect(() => loadSettings({ env: { ...env, [variable]: value }, cwd })).toThrow(expect.objectContaining({ code: 'E_SETTINGS_INVALID', message: expect.stringContaining(`$${variable}`) }))
    }
  })

  it('never lets a variable change the policy', () => {
    write(globalFile(), 'policy:\n  allowInstallScripts: false\n')
    const loaded = loadSettings({ env: { ...env, TEKTON_MCP_ALLOW_SCRIPTS: '1' }, cwd })
    expect(loaded.value.install.allowScripts).toBe(true)
    expect(loaded.policy.allowInstallScripts).toEqual({ value: false, origin: { scope: 'global', file: globalFile() } })
  })
})

describe('validation', () => {
  it('warns about an unknown key (ignored) and refuses a wrong type naming the file, the dotted path and a hint', () => {
    write(userFile(), '{ "install": { "handshakeTimeoutMs": 45000, "colour": "red" } }')
    const loaded = loadSettings({ env, cwd })
    expect(loaded.value.install.handshakeTimeoutMs).toBe(45000)
    expect(loaded.warnings).toEqual([{ severity: 'warning', file: userFile(), path: 'install.colour', message: 'unknown key "colour" is ignored' }])

    write(projectFile(), 'policy:\n  allowedSources: [npm, carrier-pigeon]\n')
    let error: unknown
    try {
      loadSettings({ env, cwd })
    } catch (caught) {
      error = caught
    }
    expect(TektonError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ code: 'E_SETTINGS_INVALID', hint: expect.stringContaining('Fix or remove') })
    expect((error as Error).message).toContain(`${projectFile()}: policy.allowedSources.1`)
  })

  it('refuses a file that does not parse, with where', () => {
    write(userFile(), '{ "install": { "sandbox": "auto", } ')
    expect(() => loadSettings({ env, cwd })).toThrow(expect.objectContaining({ code: 'E_SETTINGS_INVALID', message: expect.stringMatching(/not valid JSON: .*line 1/) }))
    write(userFile(), '[1, 2]')
    expect(() => loadSettings({ env, cwd })).toThrow(/expected an object of settings/)
    rmSync(userFile())
    write(projectFile(), 'install: [unclosed\n')
    expect(() => loadSettings({ env, cwd })).toThrow(/not valid YAML/)
  })

  it('knows its keys', () => {
    expect(isSettingKey('policy.minimumReleaseAgeHours')).toBe(true)
    expect(isSettingKey('clients.paths.vscode')).toBe(true)
    expect(isSettingKey('clients.paths.a.b')).toBe(false)
    expect(isSettingKey('install.colour')).toBe(false)
    expect(parseSettingValue('60000')).toBe(60000)
    expect(parseSettingValue('["npm"]')).toEqual(['npm'])
    expect(parseSettingValue('auto')).toBe('auto')
  })
})

describe('editing', () => {
  it('changes one key of a YAML file and keeps its comments and other keys', async () => {
    const original = '# Project settings: reviewed by the platform team\ninstall:\n  sandbox: auto # the laptop has bubblewrap\n# keep npm only\npolicy:\n  allowedSources: [npm]\nextra: kept\n'
    write(projectFile(), original)
    const edit = await setSetting('install.handshakeTimeoutMs', 60000, { env, cwd, scope: 'project' })
    expect(edit).toMatchObject({ scope: 'project', file: projectFile(), changed: true, created: false })
    const text = readFileSync(projectFile(), 'utf8')
    expect(text).toBe(
      '# Project settings: reviewed by the platform team\ninstall:\n  sandbox: auto # the laptop has bubblewrap\n  handshakeTimeoutMs: 60000\n# keep npm only\npolicy:\n  allowedSources: [npm]\nextra: kept\n',
    )
    await unsetSetting('install.handshakeTimeoutMs', { env, cwd, scope: 'project' })
    expect(readFileSync(projectFile(), 'utf8')).toBe(original)
  })

  it('changes one key of a JSON file with comments, and creates a missing file', async () => {
    write(userFile(), '{\n  // slow servers here\n  "install": { "handshakeTimeoutMs": 60000 }\n}\n')
    await setSetting('clients.paths.vscode', '/custom/mcp.json', { env, cwd })
    expect(readFileSync(userFile(), 'utf8')).toContain('// slow servers here')
    expect(loadSettings({ env, cwd }).value.clients.paths).toEqual({ vscode: '/custom/mcp.json' })

    const created = await setSetting('policy.lint', 'refuse', { env, cwd, scope: 'global' })
    expect(created).toMatchObject({ created: true, file: path.join(root, 'etc', 'config.json') })
    expect(readFileSync(created.file, 'utf8')).toBe('{\n  "policy": {\n    "lint": "refuse"\n  }\n}\n')
  })

  it('writes nothing for an invalid value, an unknown key or a file that does not parse', async () => {
    const original = 'install:\n  handshakeTimeoutMs: 30000 # default\n'
    write(projectFile(), original)
    await expect(setSetting('install.handshakeTimeoutMs', 'soon', { env, cwd, scope: 'project' })).rejects.toMatchObject({
      code: 'E_SETTINGS_INVALID',
      message: expect.stringContaining('install.handshakeTimeoutMs: Invalid input: expected number'),
    })
    await expect(setSetting('install.colour', 'red', { env, cwd, scope: 'project' })).rejects.toMatchObject({ code: 'E_SETTINGS_INVALID', hint: expect.stringContaining('install.sandbox') })
    expect(readFileSync(projectFile(), 'utf8')).toBe(original)

    write(userFile(), '{ broken')
    await expect(setSetting('install.sandbox', 'auto', { env, cwd })).rejects.toThrow(/not valid JSON .*it was not changed/)
    expect(readFileSync(userFile(), 'utf8')).toBe('{ broken')
    await expect(setSetting('install.sandbox', undefined, { env, cwd, scope: 'project' })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' })
  })

  it('writes atomically, keeps the file mode, and leaves no temporary file', async () => {
    write(userFile(), '{}\n')
    chmodSync(userFile(), 0o600)
    await setSetting('install.allowScripts', true, { env, cwd })
    expect(statSync(userFile()).mode & 0o777).toBe(0o600)
    expect(readdirSync(path.dirname(userFile()))).toEqual(['config.json'])
  })

  it('an edit of one layer succeeds while another layer is invalid', async () => {
    write(userFile(), '{ "install": { "sandbox": 3 } }')
    await expect(setSetting('install.sandbox', 'auto', { env, cwd, scope: 'project' })).resolves.toMatchObject({ changed: true, warnings: [] })
    expect(readFileSync(path.join(cwd, '.tekton-mcp.json'), 'utf8')).toContain('"sandbox": "auto"')
  })

  it('an unset of a key the file does not have changes nothing', async () => {
    const edit = await unsetSetting('install.sandbox', { env, cwd, scope: 'project' })
    expect(edit).toMatchObject({ changed: false, created: false })
    expect(locateSettingsFiles({ env, cwd }).project.exists).toBe(false)
  })

  it('reports when a lower layer tries to loosen the administrator policy', async () => {
    write(globalFile(), 'policy:\n  requireSignatures: true\n')
    const edit = await setSetting('policy.requireSignatures', false, { env, cwd, scope: 'user' })
    expect(edit.warnings).toEqual([expect.objectContaining({ path: 'policy.requireSignatures', message: expect.stringContaining(globalFile()) })])
    expect(loadSettings({ env, cwd }).value.policy.requireSignatures).toBe(true)
  })
})
