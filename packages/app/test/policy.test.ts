/**
 * The permission policy through the application, against the testkit's fake npm registry: each
 * rule decidable when an install is planned refuses with the rule and the file it came from,
 * before anything is downloaded; the release age holds back an unpinned version that is too new.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdirSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { buildFixtureServerPackage, fixtureNpmPackages, poisonedServerPackage, poisonedServerPackageName, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { createTektonMcp } from '../src/index'

const hour = 3_600_000
// The clock the application is given: publish times are set relative to it, never to the wall clock.
const now = Date.UTC(2026, 5, 1, 12)
const fixture = '@fixture/mcp-server'
const fresh = '@fresh/mcp-server'

let root: string
let registry: FakeNpmRegistry
let run = 0
let home: string
let adminDir: string
let cwd: string

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'tekton-app-policy-'))
  const freshPackage = buildFixtureServerPackage({
    name: fresh,
    versions: [
      { version: '1.0.0', publishedAt: new Date(now - 200 * hour).toISOString() },
      { version: '1.1.0', publishedAt: new Date(now - 10 * hour).toISOString() },
    ],
  })
  const scripted = buildFixtureServerPackage({ name: '@scripted/mcp-server', versions: [{ version: '1.0.0', postinstallMarker: true }] })
  registry = await startFakeNpmRegistry({ packages: [...Object.values(fixtureNpmPackages()), freshPackage, scripted, poisonedServerPackage()] })
})

afterAll(async () => {
  await registry?.close()
  await rm(root, { recursive: true, force: true })
})

beforeEach(() => {
  run += 1
  home = path.join(root, `run-${run}`, 'home')
  adminDir = path.join(root, `run-${run}`, 'etc')
  cwd = path.join(root, `run-${run}`, 'project')
  mkdirSync(cwd, { recursive: true })
})

function write(file: string, text: string): string {
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, text)
  return file
}
const adminFile = (text: string) => write(path.join(adminDir, 'config.yaml'), text)
const userFile = (text: string) => write(path.join(home, 'tekton-mcp', 'config', 'config.yaml'), text)
const projectFile = (text: string) => write(path.join(cwd, '.tekton-mcp.yaml'), text)

function app() {
  return createTektonMcp({
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      TEKTON_MCP_HOME: path.join(home, 'tekton-mcp'),
      TEKTON_MCP_SYSTEM_CONFIG_DIR: adminDir,
      npm_config_userconfig: path.join(home, 'npmrc'),
      npm_config_registry: `${registry.url}/`,
      TEKTON_MCP_SOURCES: 'npm',
    },
    cwd,
    now: () => now,
  })
}

describe('refusals at plan time name the rule and the file', () => {
  it('allowedSources: planning and installing are refused, and nothing is installed', async () => {
    const file = userFile('policy:\n  allowedSources: [registry]\n')
    const application = app()
    const service = await application.installation()
    const expected = { code: 'E_POLICY_DENIED', message: expect.stringContaining(`comes from the npm source, which is not in [registry]: refused by policy.allowedSources (${file})`) }
    await expect(service.planInstall(`npm:${fixture}`)).rejects.toMatchObject(expected)
    await expect(service.installServer(`npm:${fixture}`, { version: '1.0.0' })).rejects.toMatchObject(expected)
    expect(await service.getInstalledServers()).toEqual([])
    // No tarball was asked for.
    expect(registry.requests.some((request) => request.path.endsWith('.tgz'))).toBe(false)
  })

  it('deniedPublishers in the administrator file wins over a project that allows the scope', async () => {
    const file = adminFile('policy:\n  deniedPublishers: ["npm:@fixture"]\n')
    projectFile('policy:\n  allowedPublishers: ["npm:@fixture"]\n')
    const service = await app().installation()
    await expect(service.planInstall(`npm:${fixture}`)).rejects.toMatchObject({
      code: 'E_POLICY_DENIED',
      message: expect.stringContaining(`is npm:${fixture}, denied by "npm:@fixture": refused by policy.deniedPublishers (${file})`),
    })
  })

  it('allowedPublishers: a scope outside the list is refused, one inside is planned', async () => {
    const file = projectFile('policy:\n  allowedPublishers: ["npm:@fresh"]\n')
    const service = await app().installation()
    await expect(service.planInstall(`npm:${fixture}`)).rejects.toMatchObject({ code: 'E_POLICY_DENIED', message: expect.stringContaining(`policy.allowedPublishers (${file})`) })
    await expect(service.planInstall(`npm:${fresh}@1.0.0`)).resolves.toMatchObject({ name: fresh, version: '1.0.0' })
  })

  it('allowedRegistryTypes refuses an npm package where only images are allowed', async () => {
    const file = userFile('policy:\n  allowedRegistryTypes: [oci]\n')
    const service = await app().installation()
    await expect(service.planInstall(`npm:${fixture}`)).rejects.toMatchObject({ code: 'E_POLICY_DENIED', message: expect.stringContaining(`policy.allowedRegistryTypes (${file})`) })
  })

  it('allowInstallScripts: asking for scripts is refused; a settings default of true yields to the policy', async () => {
    const file = adminFile('policy:\n  allowInstallScripts: false\n')
    userFile('install:\n  allowScripts: true\n')
    const service = await app().installation()
    await expect(service.planInstall('npm:@scripted/mcp-server', { allowScripts: true })).rejects.toMatchObject({
      code: 'E_POLICY_DENIED',
      message: expect.stringContaining(`install scripts may not run: refused by policy.allowInstallScripts (${file})`),
    })
    const plan = await service.planInstall('npm:@scripted/mcp-server')
    expect(plan.allowScripts).toBe(false)
    await expect(service.installServer('npm:@scripted/mcp-server', { allowScripts: true })).rejects.toMatchObject({ code: 'E_POLICY_DENIED' })
  })

  it('install.allowScripts from the settings is the default when the policy allows it', async () => {
    userFile('install:\n  allowScripts: true\n')
    const plan = await (await app().installation()).planInstall('npm:@scripted/mcp-server')
    expect(plan.allowScripts).toBe(true)
    expect(plan.notes.join('\n')).toContain('has install scripts, and they will run')
  })

  it('allowNonRegistryDependencies: the override is refused where the policy forbids it', async () => {
    const file = userFile('policy:\n  allowNonRegistryDependencies: false\n')
    const service = await app().installation()
    await expect(service.planInstall(`npm:${fixture}`, { allowNonRegistryDependencies: true })).rejects.toMatchObject({
      code: 'E_POLICY_DENIED',
      message: expect.stringContaining(`policy.allowNonRegistryDependencies (${file})`),
    })
    await expect(service.planInstall(`npm:${fixture}@1.0.0`)).resolves.toMatchObject({ version: '1.0.0' })
  })
})

describe('trust rules of the policy reach every install', () => {
  it('requireSignatures: a registry that serves no keys is refused, naming the policy file, and a flag cannot drop it', async () => {
    const file = userFile('policy:\n  requireSignatures: true\n')
    const service = await app().installation()
    const plan = await service.planInstall(`npm:${fixture}`, { version: '1.0.0' })
    expect(plan.trustRefusal).toMatchObject({ code: 'E_SIGNATURE_REQUIRED', message: expect.stringContaining(file) })
    await expect(service.installServer(`npm:${fixture}`, { version: '1.0.0', requireSignatures: false })).rejects.toMatchObject({ code: 'E_SIGNATURE_REQUIRED' })
    expect(await service.getInstalledServers()).toEqual([])
  })

  it('lint: refuse turns description findings into a refusal even when the call asks to warn', async () => {
    userFile('policy:\n  lint: refuse\n')
    const service = await app().installation()
    const plan = await service.planInstall(`npm:${poisonedServerPackageName}`)
    expect(plan.trust.lint.policy).toBe('refuse')
    await expect(service.installServer(`npm:${poisonedServerPackageName}`, { lintPolicy: 'warn' })).rejects.toMatchObject({ code: 'E_LINT_REFUSED' })
    expect(await service.getInstalledServers()).toEqual([])
  }, 120_000)
})

describe('minimum release age', () => {
  it('skips a version younger than the rule for an unpinned request, and says so', async () => {
    const file = adminFile('policy:\n  minimumReleaseAgeHours: 72\n')
    const service = await app().installation()
    const plan = await service.planInstall(`npm:${fresh}`)
    expect(plan.version).toBe('1.0.0')
    expect(plan.notes).toContainEqual(`${fresh}@1.1.0 was published 10 h ago, younger than 72 h: 1.0.0 is installed instead, as policy.minimumReleaseAgeHours (${file}) asks`)
    // A range resolves the same way; an exact version is pinned and not held back.
    expect((await service.planInstall(`npm:${fresh}@^1.0.0`)).version).toBe('1.0.0')
    expect((await service.planInstall(`npm:${fresh}@1.1.0`)).version).toBe('1.1.0')
  })

  it('refuses when no matching version is old enough, naming the rule and its file', async () => {
    const file = userFile('policy:\n  minimumReleaseAgeHours: 500\n')
    const service = await app().installation()
    await expect(service.planInstall(`npm:${fresh}`)).rejects.toMatchObject({
      code: 'E_POLICY_DENIED',
      message: expect.stringContaining(`no matching version is older than 500 h (1.1.0 was published 10 h ago): refused by policy.minimumReleaseAgeHours (${file})`),
    })
    await expect(service.installServer(`npm:${fresh}`)).rejects.toMatchObject({ code: 'E_POLICY_DENIED' })
    expect(await service.getInstalledServers()).toEqual([])
  })

  it('without the rule the newest version is planned', async () => {
    expect((await (await app().installation()).planInstall(`npm:${fresh}`)).version).toBe('1.1.0')
  })
})

describe('settings on the core', () => {
  it('reads the settings once per core and exposes the policy with origins for the other steps', async () => {
    const file = adminFile('policy:\n  requireSignatures: true\n  network: deny\n  lint: refuse\ninstall:\n  handshakeTimeoutMs: 45000\n')
    const application = app()
    const settings = await application.settings()
    expect(await application.settings()).toBe(settings)
    expect(settings.value.install.handshakeTimeoutMs).toBe(45000)
    const policy = await application.policy()
    expect(policy.requireSignatures).toEqual({ value: true, origin: { scope: 'global', file } })
    expect(policy.network?.value).toBe('deny')
    expect(policy.lint?.value).toBe('refuse')
    const shown = await application.showPolicy()
    expect(shown.rules.find((rule) => rule.rule === 'requireSignatures')).toEqual({ rule: 'requireSignatures', value: true, origin: file, enforcedAt: 'verification' })
    expect(shown.rules.find((rule) => rule.rule === 'allowedSources')).toEqual({ rule: 'allowedSources', value: null, origin: null, enforcedAt: 'plan' })
  })

  it('the sources setting narrows the sources unless TEKTON_MCP_SOURCES is set, and answers depend on the settings files', async () => {
    const file = projectFile('sources: [registry, github]\n')
    const { TEKTON_MCP_SOURCES: _variable, ...withoutVariable } = app().env
    const configured = createTektonMcp({ env: withoutVariable, cwd, now: () => now })
    expect(configured.sources().map((source) => source.id)).toEqual(['registry', 'github'])
    expect(app().sources().map((source) => source.id)).toEqual(['npm'])
    expect((await configured.configuration()).files).toContain(file)
    expect((await configured.configuration()).variables).toEqual(expect.arrayContaining(['TEKTON_MCP_SYSTEM_CONFIG_DIR', 'TEKTON_MCP_HANDSHAKE_TIMEOUT_MS']))
  })

  it('client targets and client file paths come from the settings', async () => {
    const codexFile = path.join(root, `run-${run}`, 'elsewhere', 'codex.toml')
    userFile(`clients:\n  default: [codex]\n  paths:\n    codex: ${codexFile}\n`)
    const application = app()
    expect(await application.resolveClientIds([])).toEqual(['codex'])
    const codex = (await application.listClients()).find((client) => client.id === 'codex')
    expect(JSON.stringify(codex)).toContain(codexFile)
  })

  it('an invalid settings file stops installs with the file and the key', async () => {
    const file = userFile('install:\n  handshakeTimeoutMs: soon\n')
    await expect(app().installation()).rejects.toMatchObject({ code: 'E_SETTINGS_INVALID', message: expect.stringContaining(`${file}: install.handshakeTimeoutMs`) })
  })

  it('shows, sets and unsets through the application', async () => {
    const application = app()
    const change = await application.setSetting('policy.allowedSources', '["npm","registry"]', 'project')
    expect(change).toMatchObject({ scope: 'project', file: path.join(cwd, '.tekton-mcp.json'), created: true, value: ['npm', 'registry'] })
    const view = await application.showSettings()
    expect(view.value.policy.allowedSources).toEqual(['npm', 'registry'])
    expect(view.origins['policy.allowedSources']).toBe(path.join(cwd, '.tekton-mcp.json'))
    expect((await application.settingsPaths()).map((layer) => [layer.scope, layer.exists])).toEqual([['global', false], ['user', false], ['project', true]])
    expect(await application.unsetSetting('policy.allowedSources', 'project')).toMatchObject({ changed: true })
    expect((await application.showSettings()).value.policy).toEqual({})
  })
})
