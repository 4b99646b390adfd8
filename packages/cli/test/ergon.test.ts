/**
 * The `ergon` commands and `install --register` end to end, in-process: a loopback npm registry
 * serving the fixture MCP server, a real npm and handshake, and an Ergon SQLite database under a
 * temporary TEKTON_ROOT, as a new user would run them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import path from 'node:path'
import { fixtureNpmPackages, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { installEnvironment, run, temporaryHome } from './helpers'

const fixture = '@fixture/mcp-server'
/** Real installs and handshakes: minutes on a loaded machine; the limit only catches a hang. */
const installTimeout = 600_000

let registry: FakeNpmRegistry
let home: { directory: string; remove: () => Promise<void> }
let env: Record<string, string>

beforeAll(async () => {
  registry = await startFakeNpmRegistry({ packages: Object.values(fixtureNpmPackages()) })
  home = await temporaryHome()
  env = installEnvironment(registry.url, home.directory, { TEKTON_ROOT: path.join(home.directory, 'Tekton') })
})

afterAll(async () => {
  await registry?.close()
  await home?.remove()
})

describe('Ergon from the command line', () => {
  it(
    'install --register leaves one mcp_server component and one tool per MCP tool; list and search find them',
    async () => {
      const installed = await run(['install', `npm:${fixture}@1.0.0`, '--register', '--yes', '--json'], { env })
      expect(installed.code).toBe(0)
      const outcome = JSON.parse(installed.stdout) as { ergon: { success: boolean; component_id: number; capabilities: string[] } }
      expect(outcome.ergon).toMatchObject({ success: true, capabilities: ['echo', 'report_env'] })

      const listed = await run(['ergon', 'list', '--tools', '--json'], { env })
      expect(listed.code).toBe(0)
      const listing = JSON.parse(listed.stdout) as { store: string; servers: Array<{ server: { id: number; type: string }; tools: Array<{ entry_point: string; implementation_type: string; parameters: Array<{ name: string }> }> }> }
      expect(listing.store).toBe(`sqlite ${path.join(home.directory, 'Tekton', 'Ergon', 'ergon.db')}`)
      expect(listing.servers).toHaveLength(1)
      expect(listing.servers[0]!.server).toMatchObject({ id: outcome.ergon.component_id, type: 'mcp_server' })
      expect(listing.servers[0]!.tools.map((tool) => [tool.entry_point, tool.implementation_type, tool.parameters.map((parameter) => parameter.name)])).toEqual([
        ['echo', 'mcp', ['text']],
        ['report_env', 'mcp', []],
      ])

      const text = await run(['ergon', 'list', '--tools'], { env })
      expect(text.stdout).toMatch(/@fixture\/mcp-server\s+1\.0\.0\s+node\s+@fixture\/mcp-server\s+2/)
      expect(text.stdout).toMatch(/echo\s+text: string\s+Returns its text argument\./)

      const searched = await run(['ergon', 'search', 'environment'], { env })
      expect(searched.code).toBe(0)
      expect(searched.stdout).toMatch(/tool\s+@fixture\/mcp-server:report_env/)

      const again = await run(['ergon', 'register', 'mcp-server'], { env })
      expect(again.code).toBe(0)
      expect(again.stdout).toContain(`✓ Registered ${fixture} in Ergon (component ${outcome.ergon.component_id}, 2 tools)`)

      const doctor = await run(['doctor'], { env })
      expect(doctor.stdout).toMatch(/Ergon\n.*ergon\.db\s+tables match Ergon's, schema 1/)
    },
    installTimeout,
  )

  it(
    'follows update and uninstall with TEKTON_MCP_ERGON_REGISTER=1, then unregister finds nothing active',
    async () => {
      const automatic = { ...env, TEKTON_MCP_ERGON_REGISTER: '1' }
      const updated = await run(['update', fixture, '--to', '2.0.0', '--approve-tool-changes', '--yes'], { env: automatic })
      expect(updated.code).toBe(0)
      expect(updated.stdout).toContain(`✓ Registered ${fixture} in Ergon`)
      expect(updated.stdout).toContain('  ~ echo')
      const removed = await run(['uninstall', fixture, '--json'], { env: automatic })
      expect(removed.code).toBe(0)
      expect(JSON.parse(removed.stdout)).toMatchObject({ ergon: { success: true, tools: { removed: ['echo', 'report_env'] } } })
      const listed = await run(['ergon', 'list'], { env })
      expect(listed.stdout).toContain('No MCP servers registered.')
      // Still there, inactive: unregistering again changes nothing and says so.
      const unregistered = await run(['ergon', 'unregister', fixture], { env })
      expect(unregistered.code).toBe(0)
      expect(unregistered.stdout).toMatch(new RegExp(`^✓ Unregistered ${fixture} in Ergon \\(component \\d+\\)\n$`))
    },
    installTimeout,
  )

  it('fails with the catalogue codes: not registered, not installed, nowhere to write', async () => {
    const missing = await run(['ergon', 'unregister', 'never-registered'], { env })
    expect(missing.code).toBe(3)
    expect(missing.stderr).toContain('E_NOT_REGISTERED')
    const notInstalled = await run(['ergon', 'register', 'not-installed'], { env })
    expect(notInstalled.code).toBe(3)
    expect(notInstalled.stderr).toContain('E_NOT_INSTALLED')
    const nowhere = await run(['ergon', 'list'], { env: { ...env, TEKTON_ROOT: '' } })
    expect(nowhere.code).toBe(1)
    expect(nowhere.stderr).toContain('E_CONFIG')
    const search = await run(['ergon', 'search', 'nothing-like-this', '--json'], { env })
    expect(JSON.parse(search.stdout)).toMatchObject({ query: 'nothing-like-this', results: [] })
    const text = await run(['ergon', 'search', 'nothing-like-this'], { env })
    expect(text.stdout).toContain(`Nothing in Ergon's repository matches "nothing-like-this"`)
  })
})
