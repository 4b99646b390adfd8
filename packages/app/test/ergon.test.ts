/**
 * Ergon registration through the application core: a fixture server installed for real (loopback
 * npm registry, real npm, real handshake), registered on request or automatically, followed
 * through update-all and uninstall; and doctor's view of the store, which never creates it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fixtureNpmPackages, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { createTektonMcp } from '../src/index'
import type { TektonMcp } from '../src/index'

/** Real installs and handshakes: minutes on a loaded machine; the limit only catches a hang. */
const installTimeout = 600_000
const fixture = '@fixture/mcp-server'

let root: string
let registry: FakeNpmRegistry
const apps: TektonMcp[] = []

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'tekton-app-ergon-'))
  registry = await startFakeNpmRegistry({ packages: Object.values(fixtureNpmPackages()) })
})

afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()))
  await registry?.close()
  await rm(root, { recursive: true, force: true })
})

function app(extra: Record<string, string> = {}): TektonMcp {
  const home = path.join(root, 'home')
  const created = createTektonMcp({
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      TEKTON_MCP_HOME: path.join(home, 'tekton-mcp'),
      npm_config_userconfig: path.join(home, 'npmrc'),
      npm_config_registry: `${registry.url}/`,
      TEKTON_MCP_SOURCES: 'npm',
      TEKTON_ROOT: path.join(root, 'Tekton'),
      ...extra,
    },
    cwd: root,
  })
  apps.push(created)
  return created
}

describe('registration through the application', () => {
  it(
    'registers only when asked, lists and searches what Ergon holds, and doctor sees the store',
    async () => {
      const application = app()
      // Nothing opened yet: doctor reports a database still to be made, and makes none.
      const before = await application.doctor()
      expect(before.ergon).toEqual({ configured: true, autoRegister: false, store: `sqlite ${path.join(root, 'Tekton', 'Ergon', 'ergon.db')}`, missing: true })
      expect(existsSync(path.join(root, 'Tekton', 'Ergon', 'ergon.db'))).toBe(false)

      const outcome = await (await application.installation()).installServer(`npm:${fixture}`, { version: '1.0.0' })
      expect(await application.followInstallation(outcome.server.name, 'install')).toBeUndefined()
      const registered = await application.followInstallation(outcome.server.name, 'install', { register: true })
      expect(registered).toMatchObject({ success: true, capabilities: ['echo', 'report_env'] })

      const listing = await application.ergonList({ includeTools: true })
      expect(listing.servers.map((entry) => [entry.server.name, entry.tools?.map((tool) => tool.entry_point)])).toEqual([[fixture, ['echo', 'report_env']]])
      expect((await application.ergonList()).servers[0]).not.toHaveProperty('tools')
      const found = await application.ergonSearch('environment variables', { limit: 5 })
      expect(found.results[0]?.component.name).toBe(`${fixture}:report_env`)
      expect(found.store).toContain('ergon.db')
      await expect(application.ergonSearch('  ')).rejects.toMatchObject({ code: 'E_INVALID_QUERY' })

      const after = await application.doctor()
      expect(after.ergon).toMatchObject({ configured: true, tablesMatch: true, schemaVersion: 1 })
      expect(after.warnings.filter((warning) => warning.includes('Ergon'))).toEqual([])
    },
    installTimeout,
  )

  it(
    'follows update-all and uninstall on its own with TEKTON_MCP_ERGON_REGISTER=1',
    async () => {
      const application = app({ TEKTON_MCP_ERGON_REGISTER: '1' })
      const [result] = await application.updateAll({ confirm: async () => undefined, approveToolChanges: true })
      expect(result).toMatchObject({ ok: true, ergon: { success: true, tools: { changed: ['echo'], added: [], removed: [] } } })
      const echo = (await application.ergonList({ includeTools: true })).servers[0]?.tools?.find((tool) => tool.entry_point === 'echo')
      expect(echo?.parameters.map((parameter) => parameter.name)).toEqual(['text', 'repeat'])

      await (await application.installation()).uninstallServer(fixture)
      const gone = await application.followInstallation(fixture, 'uninstall')
      expect(gone).toMatchObject({ success: true, tools: { removed: ['echo', 'report_env'] } })
      expect((await application.ergonList()).servers).toEqual([])
      // Never registered: nothing to follow.
      expect(await application.followInstallation('never-registered', 'uninstall')).toBeUndefined()
    },
    installTimeout,
  )

  it(
    'takes ergon as a client target: configure --client ergon registers the server, a second time updates it',
    async () => {
      const application = app({ TEKTON_ROOT: path.join(root, 'Tekton-clients') })
      const outcome = await (await application.installation()).installServer(`npm:${fixture}`, { version: '1.0.0' })
      expect(await application.resolveClientIds(['ergon'])).toEqual(['ergon'])
      const printed = await application.configureClients(outcome.server.name, { clients: ['ergon'], print: true })
      expect(printed.results).toMatchObject([{ client: 'ergon', action: 'printed' }])
      expect((await application.ergonList()).servers).toEqual([])
      const first = await application.configureClients(outcome.server.name, { clients: ['ergon'] })
      expect(first.results).toMatchObject([{ client: 'ergon', action: 'added', file: expect.stringContaining('Tekton-clients') }])
      expect((await application.ergonList({ includeTools: true })).servers.map((entry) => entry.tools?.length)).toEqual([2])
      const second = await application.configureClients(outcome.server.name, { clients: ['ergon'] })
      expect(second.results).toMatchObject([{ client: 'ergon', action: 'updated' }])
      await (await application.installation()).uninstallServer(fixture)
    },
    installTimeout,
  )

  it('says what is wrong in the plan shape or with the code', async () => {
    const application = app()
    await expect(application.ergonRegister('not-installed')).rejects.toMatchObject({ code: 'E_NOT_INSTALLED', hint: expect.any(String) })
    await expect(application.ergonUnregister('not-registered')).rejects.toMatchObject({ code: 'E_NOT_REGISTERED' })
    const unconfigured = app({ TEKTON_ROOT: '', DATABASE_URL: 'mysql://u:secret@db/ergon' })
    expect(await unconfigured.followInstallation('x', 'install', { register: true })).toMatchObject({ success: false, code: 'E_CONFIG', error: expect.not.stringContaining('secret') })
    await expect(unconfigured.ergonList()).rejects.toMatchObject({ code: 'E_CONFIG' })
    // Closing and opening again works (the CLI closes after every command).
    await application.close()
    expect((await application.ergonList()).store).toContain('ergon.db')
  })

  it('reports in doctor: not configured, expected but not configured, or unusable', async () => {
    const nowhere = await app({ TEKTON_ROOT: '' }).doctor()
    expect(nowhere.ergon).toEqual({ configured: false, autoRegister: false })
    const expected = await app({ TEKTON_ROOT: '', TEKTON_MCP_ERGON_REGISTER: '1' }).doctor()
    expect(expected.ergon).toMatchObject({ configured: false, autoRegister: true, error: { code: 'E_CONFIG' } })
    const unreachable = await app({ DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/ergon' }).doctor()
    expect(unreachable.ergon).toMatchObject({ configured: true, store: 'postgresql postgresql://nobody@127.0.0.1:1/ergon', error: { code: 'E_ERGON_STORE' } })
    expect(unreachable.warnings).toEqual(expect.arrayContaining([expect.stringContaining("Ergon's store")]))
  })
})
