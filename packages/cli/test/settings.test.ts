// `config` and `policy` as a new user meets them: the built executable spawned in a temporary
// HOME and project, files created and edited, the policy shown and refusing an install. Needs
// `tsup` to have run (turbo's test depends on build).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fixtureNpmPackages, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { installEnvironment, temporaryHome } from './helpers'

const bin = path.join(import.meta.dirname, '..', 'dist', 'bin.js')

interface Spawned {
  code: number
  stdout: string
  stderr: string
}

let registry: FakeNpmRegistry
let home: { directory: string; remove: () => Promise<void> }
let env: Record<string, string>
let project: string
let adminDir: string

function cli(argv: string[], cwd = project): Promise<Spawned> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...argv], { env, cwd, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr })
    })
  })
}

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run tsup (pnpm build) before these tests`)
  registry = await startFakeNpmRegistry({ packages: Object.values(fixtureNpmPackages()) })
  home = await temporaryHome()
  adminDir = path.join(home.directory, 'etc')
  project = path.join(home.directory, 'work', 'project')
  mkdirSync(path.join(project, 'sub'), { recursive: true })
  env = installEnvironment(registry.url, home.directory, { TEKTON_MCP_SYSTEM_CONFIG_DIR: adminDir, NO_COLOR: '1' })
})

afterAll(async () => {
  await registry?.close()
  await home?.remove()
})

const userFile = () => path.join(home.directory, 'config', 'config.json')
const projectFile = () => path.join(project, '.tekton-mcp.json')

describe('config', () => {
  it('path, set, show --origin, unset: files are created where config path said and every value names its file', async () => {
    const paths = await cli(['config', 'path'])
    expect(paths.code).toBe(0)
    expect(paths.stdout).toContain(`user     ${userFile()}  (not present)`)
    expect(paths.stdout).toContain(`global   ${path.join(adminDir, 'config.json')}  (not present)`)

    const set = await cli(['config', 'set', 'install.handshakeTimeoutMs', '60000'])
    expect(set).toMatchObject({ code: 0 })
    expect(set.stdout).toContain(`set install.handshakeTimeoutMs = 60000 in the user settings ${userFile()} (created)`)
    expect(JSON.parse(readFileSync(userFile(), 'utf8'))).toEqual({ install: { handshakeTimeoutMs: 60000 } })

    // From a subdirectory, the project file is created in the working directory; from the project, found upward.
    expect((await cli(['config', 'set', 'policy.allowedSources', '["registry"]', '--scope', 'project'])).code).toBe(0)
    const shown = await cli(['config', 'show', '--origin'], path.join(project, 'sub'))
    expect(shown.stdout).toContain(`install.handshakeTimeoutMs = 60000  # ${userFile()}`)
    expect(shown.stdout).toContain(`policy.allowedSources = ["registry"]  # ${projectFile()}`)
    expect(shown.stdout).toContain('install.sandbox = off  # default')

    const json = JSON.parse((await cli(['config', 'show', '--json'])).stdout)
    expect(json.value.install).toEqual({ allowScripts: false, handshakeTimeoutMs: 60000, sandbox: 'off' })
    expect(json.origins['policy.allowedSources']).toBe(projectFile())

    const unset = await cli(['config', 'unset', 'install.handshakeTimeoutMs'])
    expect(unset.stdout).toContain(`unset install.handshakeTimeoutMs in the user settings ${userFile()}`)
    expect((await cli(['config', 'unset', 'install.handshakeTimeoutMs'])).stdout).toContain('is not set in the user settings')
  })

  it('an invalid value or an unknown key exits 2 and writes nothing', async () => {
    const before = readFileSync(projectFile(), 'utf8')
    const invalid = await cli(['config', 'set', 'install.handshakeTimeoutMs', 'soon', '--scope', 'project'])
    expect(invalid.code).toBe(2)
    expect(invalid.stderr).toContain('E_SETTINGS_INVALID')
    expect(invalid.stderr).toContain('install.handshakeTimeoutMs')
    expect(invalid.stderr).toContain('nothing was written')
    const unknown = await cli(['config', 'set', 'install.colour', 'red', '--scope', 'project'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('"install.colour" is not a setting')
    expect(readFileSync(projectFile(), 'utf8')).toBe(before)
    expect((await cli(['config', 'set', 'install.sandbox', 'auto', '--scope', 'nowhere'])).code).toBe(2)
  })
})

describe('policy', () => {
  it('policy show names each rule, its value and its file, and a lower layer that loosens the administrator is warned about', async () => {
    mkdirSync(adminDir, { recursive: true })
    const adminFile = path.join(adminDir, 'config.yaml')
    writeFileSync(adminFile, '# set by IT\npolicy:\n  allowInstallScripts: false\n  requireSignatures: true\n')
    const loosen = await cli(['config', 'set', 'policy.allowInstallScripts', 'true'])
    expect(loosen.code).toBe(0)
    expect(loosen.stdout).toContain(`warning: ${userFile()}: policy.allowInstallScripts: allows what the administrator forbids: ${adminFile} sets false`)

    const shown = await cli(['policy', 'show'])
    expect(shown.code).toBe(0)
    expect(shown.stdout).toMatch(new RegExp(`allowedSources +\\["registry"\\]  from ${projectFile().replace(/[.]/g, '\\.')}`))
    expect(shown.stdout).toMatch(/allowInstallScripts +false {2}from .*etc\/config\.yaml/)
    expect(shown.stdout).toMatch(/requireSignatures +true {2}from .*etc\/config\.yaml \(read by the verification step\)/)
    expect(shown.stdout).toMatch(/minimumReleaseAgeHours +\(not set: unrestricted\)/)
    const json = JSON.parse((await cli(['policy', 'show', '--json'])).stdout)
    expect(json.rules).toContainEqual({ rule: 'allowInstallScripts', value: false, origin: adminFile, enforcedAt: 'plan' })
  })

  it('install is refused by the policy with the rule and the file, before anything is downloaded', async () => {
    const refused = await cli(['install', 'npm:@fixture/mcp-server', '--yes'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('E_POLICY_DENIED')
    expect(refused.stderr).toContain(`refused by policy.allowedSources (${projectFile()})`)
    expect((await cli(['config', 'unset', 'policy.allowedSources', '--scope', 'project'])).code).toBe(0)
    const scripts = await cli(['install', 'npm:@fixture/mcp-server', '--yes', '--allow-scripts'])
    expect(scripts.code).toBe(1)
    expect(scripts.stderr).toContain(`install scripts may not run: refused by policy.allowInstallScripts (${path.join(adminDir, 'config.yaml')})`)
    expect(registry.requests.some((request) => request.path.endsWith('.tgz'))).toBe(false)
  })
})
