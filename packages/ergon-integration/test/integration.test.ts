/**
 * MCPServerIntegration end to end: a fixture MCP server installed for real (a loopback npm
 * registry, real npm, a real handshake) and registered in an Ergon SQLite file; then updated to a
 * version that changes one tool, drops one and adds one; then uninstalled and installed again.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { MCPDiscoveryService } from '@tekton/mcp-discovery'
import { createInstallationService } from '@tekton/mcp-installation'
import type { MCPInstallationService } from '@tekton/mcp-installation'
import { createNodeInstaller } from '@tekton/mcp-installer-node'
import { createNpmRegistry } from '@tekton/mcp-registry-npm'
import { buildFixtureServerPackage, changedEchoInputSchema, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { autoRegistrationEnabled, createErgon, toolComponentName } from '../src/index'
import type { ComponentDict, Ergon } from '../src/index'

/** Real installs and handshakes: minutes on a loaded machine; the limit only catches a hang. */
const installTimeout = 600_000
const packageName = 'fixture-ergon'

const lookup = {
  name: 'lookup',
  description: 'Finds a word in the glossary',
  inputSchema: { type: 'object', properties: { word: { type: 'string', description: 'The word' }, limit: { type: 'integer', default: 3 } }, required: ['word'] },
}
const retire = { name: 'retire', description: 'Retires an entry', inputSchema: { type: 'object', properties: { id: { type: 'string' } } }, annotations: { destructiveHint: true } }
const translate = { name: 'translate', description: 'Translates a phrase', inputSchema: { type: 'object', properties: { phrase: { type: 'string' } } } }

let root: string
let registry: FakeNpmRegistry
let installation: MCPInstallationService
let ergon: Ergon

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'tekton-ergon-integration-'))
  await mkdir(path.join(root, 'home'), { recursive: true })
  registry = await startFakeNpmRegistry({
    packages: [
      buildFixtureServerPackage({
        name: packageName,
        description: 'A glossary server for Ergon tests',
        versions: [
          { version: '1.0.0', server: { tools: [lookup, retire] } },
          { version: '2.0.0', server: { tools: [lookup, translate], echoInputSchema: changedEchoInputSchema } },
        ],
      }),
    ],
  })
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: path.join(root, 'home'),
    npm_config_userconfig: path.join(root, 'home', '.npmrc'),
    npm_config_registry: `${registry.url}/`,
    npm_config_cache: path.join(root, 'npm-cache'),
  }
  const discovery = new MCPDiscoveryService({ sources: [createNpmRegistry({ baseUrl: registry.url, env })] })
  installation = createInstallationService({
    installers: [createNodeInstaller({ env })],
    resolve: (ref, options) => discovery.getServerMetadata(ref, options),
    env,
    home: path.join(root, 'tekton-mcp'),
  })
  ergon = await createErgon({ installation, env: { TEKTON_ROOT: path.join(root, 'Tekton') }, cwd: root })
}, installTimeout)

afterAll(async () => {
  await ergon?.close()
  await registry?.close()
  await rm(root, { recursive: true, force: true })
})

async function toolsOf(server: string): Promise<ComponentDict[]> {
  const [entry] = await ergon.integration.listRegistered({ activeOnly: false })
  expect(entry?.server.name).toBe(server)
  return entry!.tools
}

function parametersOf(tool: ComponentDict | undefined) {
  return tool?.parameters.map(({ name, type, required, default_value }) => ({ name, type, required, default_value }))
}

describe('an installed server in Ergon', () => {
  let serverName: string

  it(
    'is registered as one mcp_server component with one tools row per tool, parameters and all',
    async () => {
      const outcome = await installation.installServer(`npm:${packageName}`, { version: '1.0.0' })
      serverName = outcome.server.name
      expect(ergon.store.location).toMatchObject({ dialect: 'sqlite', file: path.join(root, 'Tekton', 'Ergon', 'ergon.db') })
      const result = await ergon.integration.registerInstalledServer(serverName)
      expect(result).toMatchObject({ success: true, capabilities: ['echo', 'report_env', 'lookup', 'retire'], toolsKnown: true })
      expect(result.tools?.added.sort()).toEqual(['echo', 'lookup', 'report_env', 'retire'])
      const [server] = await ergon.repository.getMcpServers()
      expect(server).toMatchObject({ id: result.component_id, type: 'mcp_server', name: serverName, description: 'A glossary server for Ergon tests', version: '1.0.0', installation_type: 'node', package_name: packageName, registry_source: 'npm', installed_version: '1.0.0' })
      expect(server!.configuration).toMatchObject({ ref: `npm:${packageName}`, command: expect.any(String) })
      const tools = await toolsOf(serverName)
      expect(tools.map((tool) => [tool.name, tool.entry_point, tool.implementation_type, tool.is_active])).toEqual([
        [toolComponentName(serverName, 'echo'), 'echo', 'mcp', true],
        [toolComponentName(serverName, 'report_env'), 'report_env', 'mcp', true],
        [toolComponentName(serverName, 'lookup'), 'lookup', 'mcp', true],
        [toolComponentName(serverName, 'retire'), 'retire', 'mcp', true],
      ])
      expect(parametersOf(tools.find((tool) => tool.entry_point === 'lookup'))).toEqual([
        { name: 'word', type: 'string', required: true, default_value: null },
        { name: 'limit', type: 'integer', required: false, default_value: '3' },
      ])
      // Annotations' hints are the tags, so the capabilities.
      expect(tools.find((tool) => tool.entry_point === 'retire')?.capabilities.map((capability) => capability.name)).toEqual(['destructiveHint'])
      expect(tools.find((tool) => tool.entry_point === 'lookup')?.metadata).toMatchObject({ mcp_server: serverName, mcp_tool_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })
      // A word from a tool's description finds the tool and the server.
      const hits = await ergon.repository.searchComponents('glossary')
      expect(hits.map((hit) => hit.component.name).sort()).toEqual([serverName, toolComponentName(serverName, 'lookup')].sort())
      // Registering again changes nothing.
      const again = await ergon.integration.registerInstalledServer(serverName)
      expect(again).toMatchObject({ success: true, component_id: result.component_id, tools: { added: [], removed: [], changed: [] } })
      expect(await ergon.repository.listComponents()).toHaveLength(5)
    },
    installTimeout,
  )

  it(
    'follows an update: the changed tool updated with its new parameters, the dropped one soft-deleted, the new one added',
    async () => {
      const before = await toolsOf(serverName)
      await installation.updateServer(serverName, { to: '2.0.0', approveToolChanges: true })
      const result = await ergon.integration.updateServerRegistration(serverName)
      expect(result.tools).toEqual({ added: ['translate'], removed: ['retire'], changed: ['echo'], unchanged: ['report_env', 'lookup'] })
      const tools = await toolsOf(serverName)
      const echo = tools.find((tool) => tool.entry_point === 'echo')
      expect(echo?.id).toBe(before.find((tool) => tool.entry_point === 'echo')?.id)
      expect(echo).toMatchObject({ version: '2.0.0', is_active: true })
      expect(parametersOf(echo)).toEqual([
        { name: 'text', type: 'string', required: true, default_value: null },
        { name: 'repeat', type: 'integer', required: true, default_value: null },
      ])
      expect(tools.find((tool) => tool.entry_point === 'retire')?.is_active).toBe(false)
      expect(tools.find((tool) => tool.entry_point === 'translate')?.is_active).toBe(true)
      const [server] = await ergon.repository.getMcpServers()
      expect(server).toMatchObject({ installed_version: '2.0.0', version: '2.0.0' })
      expect(server!.capabilities.map((capability) => capability.name)).toEqual(['echo', 'report_env', 'lookup', 'translate'])
    },
    installTimeout,
  )

  it(
    'is soft-deleted with its tools on uninstall, and comes back whole on reinstall',
    async () => {
      await installation.uninstallServer(serverName)
      const result = await ergon.integration.unregisterServer(serverName)
      expect(result).toMatchObject({ success: true })
      expect(result.tools?.removed.sort()).toEqual(['echo', 'lookup', 'report_env', 'translate'])
      expect(await ergon.repository.getMcpServers()).toEqual([])
      expect((await toolsOf(serverName)).every((tool) => tool.is_active === false)).toBe(true)
      expect(await ergon.repository.listComponents()).toEqual([])
      // Soft: every row is still there.
      expect(await ergon.repository.listComponents({ activeOnly: false })).toHaveLength(6)

      await installation.installServer(`npm:${packageName}`, { version: '1.0.0' })
      const back = await ergon.integration.registerInstalledServer(serverName)
      expect(back.tools?.added.sort()).toEqual(['echo', 'lookup', 'report_env', 'retire'])
      // translate went with the uninstall and 1.0.0 does not list it: it stays deleted.
      expect(back.tools?.removed).toEqual([])
      expect((await ergon.repository.listComponents()).map((component) => component.name).sort()).toEqual(
        [serverName, ...['echo', 'report_env', 'lookup', 'retire'].map((tool) => toolComponentName(serverName, tool))].sort(),
      )
      expect(await ergon.repository.listComponents({ activeOnly: false })).toHaveLength(6)
    },
    installTimeout,
  )

  it('answers failures in the plan shape, with a code', async () => {
    expect(await ergon.integration.registerInstalledServer('not-installed')).toMatchObject({ success: false, component_id: null, capabilities: [], code: 'E_NOT_INSTALLED' })
    expect(await ergon.integration.unregisterServer('never-registered')).toMatchObject({ success: false, code: 'E_NOT_REGISTERED', error: expect.stringContaining('never-registered') })
  })
})

describe('automatic registration', () => {
  it('is on only when TEKTON_MCP_ERGON_REGISTER says so', () => {
    expect(autoRegistrationEnabled({})).toBe(false)
    expect(autoRegistrationEnabled({ TEKTON_MCP_ERGON_REGISTER: '0' })).toBe(false)
    expect(autoRegistrationEnabled({ TEKTON_MCP_ERGON_REGISTER: '1' })).toBe(true)
    expect(autoRegistrationEnabled({ TEKTON_MCP_ERGON_REGISTER: 'True' })).toBe(true)
  })
})
