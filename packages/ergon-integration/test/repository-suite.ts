/**
 * The repository service's behaviour, as one suite every engine runs (SQLite here, PostgreSQL in
 * repository.postgres.test.ts): what Ergon's RepositoryService and registration.py do, and what
 * its to_dict() gives, down to key order (golden JSON).
 */
import { describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { RepositoryService, registerTool, registerTools, unregisterTool } from '../src/index'
import type { ErgonStore } from '../src/index'

const here = path.dirname(fileURLToPath(import.meta.url))

/** 2026-01-02 03:04:05.678 UTC, then one second later at each call of `tick()`. */
export function testClock(): { now: () => number; tick: () => void } {
  let time = Date.UTC(2026, 0, 2, 3, 4, 5, 678)
  return { now: () => time, tick: () => void (time += 1000) }
}

export async function golden(name: string): Promise<unknown> {
  return JSON.parse(await readFile(path.join(here, 'fixtures', name), 'utf8'))
}

/** Opens a store on an empty database with the given clock. */
export type OpenEmptyStore = (now: () => number) => Promise<ErgonStore>

export function repositorySuite(engine: string, openEmpty: OpenEmptyStore): void {
  async function freshRepository() {
    const clock = testClock()
    const store = await openEmpty(clock.now)
    return { repository: new RepositoryService(store), clock, store }
  }

  async function fetchTool(repository: RepositoryService) {
    return repository.createTool({
      name: 'fetch_page',
      description: 'Fetches a web page and returns its text',
      entryPoint: 'fetch_page',
      capabilities: [{ name: 'web', description: 'Reads the web' }, { name: 'http' }],
      parameters: [
        { name: 'url', description: 'The address to fetch', required: true },
        { name: 'timeout', type: 'integer', defaultValue: '30' },
      ],
      metadata: { author: 'ergon', license: 'MIT' },
      files: [{ filename: 'fetch.py', path: 'tools/fetch.py' }],
    })
  }

  describe(`RepositoryService on ${engine}`, () => {
    it("creates a tool whose to_dict() is Ergon's, key for key and in order (golden)", async () => {
      const { repository } = await freshRepository()
      const tool = await fetchTool(repository)
      expect(JSON.stringify(tool)).toBe(JSON.stringify(await golden('tool-to-dict.json')))
      // And it reads back the same.
      expect(JSON.stringify(await repository.getComponent(tool.id))).toBe(JSON.stringify(tool))
    })

    it('answers null for a component that is not there, and the first match for a shared name', async () => {
      const { repository } = await freshRepository()
      expect(await repository.getComponent(999)).toBeNull()
      expect(await repository.getComponentByName('nothing')).toBeNull()
      const first = await repository.createTool({ name: 'dup', description: 'first', entryPoint: 'a' })
      await repository.createTool({ name: 'dup', description: 'second', entryPoint: 'b' })
      expect(await repository.getComponentByName('dup')).toMatchObject({ id: first.id, description: 'first' })
    })

    it('lists by type and active only, unless asked for every one', async () => {
      const { repository } = await freshRepository()
      const tool = await repository.createTool({ name: 'a', description: '', entryPoint: 'a' })
      const server = await repository.registerMcpServer({ name: 'srv', description: 'A server' }, { installationType: 'node', packageName: 'srv' })
      expect((await repository.listComponents()).map((item) => item.id)).toEqual([tool.id, server.id])
      expect((await repository.listComponents({ componentType: 'tool' })).map((item) => item.id)).toEqual([tool.id])
      await repository.deleteComponent(tool.id)
      expect((await repository.listComponents()).map((item) => item.id)).toEqual([server.id])
      expect((await repository.listComponents({ activeOnly: false })).map((item) => item.id)).toEqual([tool.id, server.id])
    })

    it('updates the fields it is given, bumps updated_at, ignores unknown keys, leaves children alone', async () => {
      const { repository, clock } = await freshRepository()
      const tool = await fetchTool(repository)
      clock.tick()
      const updated = await repository.updateComponent(tool.id, { description: 'Fetches pages', implementation_type: 'js', nonsense: 1, version: '0.2.0' })
      expect(updated).toMatchObject({ description: 'Fetches pages', implementation_type: 'js', version: '0.2.0', created_at: '2026-01-02T03:04:05.678000', updated_at: '2026-01-02T03:04:06.678000' })
      expect(updated!.capabilities).toEqual(tool.capabilities)
      expect(updated!.parameters).toEqual(tool.parameters)
      expect(updated).not.toHaveProperty('nonsense')
      expect(await repository.updateComponent(999, { description: 'x' })).toBeNull()
    })

    it('deletes softly: inactive, updated_at bumped, children kept', async () => {
      const { repository, clock } = await freshRepository()
      const tool = await fetchTool(repository)
      clock.tick()
      expect(await repository.deleteComponent(tool.id)).toBe(true)
      expect(await repository.deleteComponent(999)).toBe(false)
      const deleted = await repository.getComponent(tool.id)
      expect(deleted).toMatchObject({ is_active: false, updated_at: '2026-01-02T03:04:06.678000', parameters: tool.parameters, capabilities: tool.capabilities })
    })

    it('searches the text Ergon indexes: names, descriptions, capabilities, parameters; active ones only', async () => {
      const { repository } = await freshRepository()
      const tool = await fetchTool(repository)
      const other = await repository.createTool({ name: 'sum', description: 'Adds numbers', entryPoint: 'sum', parameters: [{ name: 'values', description: 'Numbers to add up' }] })
      const gone = await repository.createTool({ name: 'old_fetch', description: 'Fetches, badly', entryPoint: 'x' })
      await repository.deleteComponent(gone.id)
      expect((await repository.searchComponents('address')).map((hit) => hit.component.id)).toEqual([tool.id])
      expect((await repository.searchComponents('numbers')).map((hit) => hit.component.id)).toEqual([other.id])
      expect((await repository.searchComponents('reads web')).map((hit) => hit.component.id)).toEqual([tool.id])
      const both = await repository.searchComponents('fetches adds')
      expect(both.map((hit) => hit.component.id).sort()).toEqual([tool.id, other.id].sort())
      expect(both[0]!.score).toBeGreaterThan(0)
      expect(await repository.searchComponents('fetches adds', { limit: 1 })).toHaveLength(1)
      expect(await repository.searchComponents('fetches', { componentType: 'mcp_server' })).toEqual([])
      await expect(repository.searchComponents('x', { limit: 0 })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' })
    })

    it('registers, updates and lists MCP servers as mcp_server components (golden)', async () => {
      const { repository, clock } = await freshRepository()
      const server = await repository.registerMcpServer(
        { name: '@fixture/mcp-server', description: 'A fixture server', capabilities: [{ name: 'echo', description: 'Returns its text argument.' }], metadata: { mcp_ref: 'npm:@fixture/mcp-server' } },
        { installationType: 'node', packageName: '@fixture/mcp-server', registrySource: 'npm', installedVersion: '1.0.0', configuration: { command: 'node', args: ['server.js'], env: ['API_KEY'] } },
      )
      expect(JSON.stringify(server)).toBe(JSON.stringify(await golden('mcp-server-to-dict.json')))
      clock.tick()
      const updated = await repository.updateMcpServer(server.id, { capabilities: [{ name: 'echo' }, { name: 'sum', description: 'Adds' }] }, { installedVersion: '2.0.0', configuration: { command: 'node' } })
      expect(updated).toMatchObject({ version: '2.0.0', installed_version: '2.0.0', configuration: { command: 'node' }, updated_at: '2026-01-02T03:04:06.678000' })
      expect(updated!.capabilities.map((capability) => [capability.name, capability.description])).toEqual([['echo', ''], ['sum', 'Adds']])
      expect(await repository.updateMcpServer(999)).toBeNull()
      await repository.registerMcpServer({ name: 'py', packageName: 'mcp-py', installationType: 'python', registrySource: 'pypi' })
      expect((await repository.getMcpServers()).map((item) => item.name)).toEqual(['@fixture/mcp-server', 'py'])
      expect((await repository.getMcpServers({ installationType: 'python' })).map((item) => item.name)).toEqual(['py'])
      expect((await repository.getMcpServers({ registrySource: 'npm', name: '@fixture/mcp-server' })).map((item) => item.name)).toEqual(['@fixture/mcp-server'])
      await repository.deleteComponent(server.id)
      expect((await repository.getMcpServers()).map((item) => item.name)).toEqual(['py'])
      expect(await repository.getMcpServers({ activeOnly: false })).toHaveLength(2)
      await expect(repository.registerMcpServer({ name: 'nothing' })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' })
    })

    it("registers an MCP tool as registration.py does, and re-registration updates only Ergon's fields", async () => {
      const { repository, clock } = await freshRepository()
      const schema = {
        name: 'search',
        parameters: {
          type: 'object',
          properties: {
            query: { type: 'string', description: 'Words to look for' },
            limit: { type: 'integer', default: 10 },
            filters: { type: 'object', default: { lang: 'en', tags: ['a', 'é'] } },
            mode: { description: 'How' },
          },
          required: ['query'],
        },
      }
      const { component, created } = await registerTool(repository, { name: 'search', description: 'Searches', schema, tags: ['web', 'read'], metadata: { source: 'test' }, version: '1.0.0' })
      expect(created).toBe(true)
      expect(component).toMatchObject({ type: 'tool', implementation_type: 'mcp', entry_point: 'search', version: '1.0.0', metadata: { source: 'test' } })
      expect(component.capabilities.map((capability) => [capability.name, capability.description])).toEqual([['web', ''], ['read', '']])
      expect(component.parameters.map(({ name, description, type, required, default_value }) => ({ name, description, type, required, default_value }))).toEqual([
        { name: 'query', description: 'Words to look for', type: 'string', required: true, default_value: null },
        { name: 'limit', description: '', type: 'integer', required: false, default_value: '10' },
        // json.dumps: ", " and ": " separators, non-ASCII escaped.
        { name: 'filters', description: '', type: 'object', required: false, default_value: '{"lang": "en", "tags": ["a", "\\u00e9"]}' },
        { name: 'mode', description: 'How', type: 'string', required: false, default_value: null },
      ])
      clock.tick()
      const again = await registerTool(repository, { name: 'search', description: 'Searches better', schema: { name: 'search', parameters: { properties: { other: {} } } }, tags: ['new'], version: '2.0.0' })
      expect(again.created).toBe(false)
      expect(again.component).toMatchObject({ id: component.id, description: 'Searches better', version: '2.0.0', implementation_type: 'mcp', updated_at: '2026-01-02T03:04:06.678000' })
      expect(again.component.parameters).toEqual(component.parameters)
      expect(again.component.capabilities).toEqual(component.capabilities)
      expect(await unregisterTool(repository, 'search')).toBe(true)
      expect(await repository.getComponent(component.id)).toMatchObject({ is_active: false })
      expect(await unregisterTool(repository, 'nothing')).toBe(false)
    })

    it('registers many tools at once with the outcome of registering them one after the other', async () => {
      const { repository } = await freshRepository()
      const older = await repository.createTool({ name: 'b', description: 'old', entryPoint: 'b' })
      const schema = (name: string) => ({ name, parameters: { properties: { x: { type: 'number', default: 1.5 } } } })
      const outcomes = await registerTools(repository, [
        { name: 'a', description: 'A', schema: schema('a'), tags: ['t'] },
        { name: 'b', description: 'new', schema: schema('b'), version: '2.0.0' },
      ])
      expect(outcomes.map((outcome) => outcome.created)).toEqual([true, false])
      expect(outcomes[1]!.id).toBe(older.id)
      expect(await repository.getComponentByName('a')).toMatchObject({ implementation_type: 'mcp', entry_point: 'a', capabilities: [{ name: 't', description: '' }], parameters: [{ name: 'x', type: 'number', default_value: '1.5' }] })
      // Ergon's re-registration: description, version and implementation_type; parameters untouched.
      expect(await repository.getComponentByName('b')).toMatchObject({ description: 'new', version: '2.0.0', implementation_type: 'mcp', parameters: [] })
      const twice = await registerTools(repository, [
        { name: 'c', description: 'first', schema: schema('c') },
        { name: 'c', description: 'second', schema: schema('c') },
      ])
      expect(twice.map((outcome) => outcome.created)).toEqual([true, false])
      expect(twice[0]!.id).toBe(twice[1]!.id)
      expect(await repository.getComponentByName('c')).toMatchObject({ description: 'second' })
      expect(await registerTools(repository, [])).toEqual([])
    })

    it('rolls a write transaction back whole when it fails', async () => {
      const { repository } = await freshRepository()
      await expect(
        repository.transaction(async (transaction) => {
          await transaction.createTool({ name: 'half', description: '', entryPoint: 'half' })
          throw new Error('stop')
        }),
      ).rejects.toThrow('stop')
      expect(await repository.getComponentByName('half')).toBeNull()
    })
  })
}
