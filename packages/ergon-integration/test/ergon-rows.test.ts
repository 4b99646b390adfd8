/**
 * Both directions between Ergon and us on one SQLite file: rows written with plain SQL the way
 * SQLAlchemy writes them for Ergon read correctly through our service, and the rows our service
 * writes hold exactly what SQLAlchemy would have stored (types and formats checked with SQL).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import Database from 'better-sqlite3'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { RepositoryService, isoformat, openErgonStore, pythonJsonDumps, registerTool, sqlTimestamp } from '../src/index'
import type { ErgonStore } from '../src/index'
import { golden, testClock } from './repository-suite'

let directory: string
let file: string
let store: ErgonStore
let repository: RepositoryService

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'tekton-ergon-rows-'))
  file = path.join(directory, 'ergon.db')
  store = await openErgonStore({ location: { dialect: 'sqlite', file, source: 'option' }, now: testClock().now })
  repository = new RepositoryService(store)
})

afterAll(async () => {
  await store.close()
  await rm(directory, { recursive: true, force: true })
})

/** What SQLAlchemy's unit of work sends for Ergon's create_tool, create_agent and create_workflow. */
function writeAsErgon(): void {
  const database = new Database(file)
  try {
    database.exec(`
      INSERT INTO components (name, type, description, created_at, updated_at, version, is_active)
        VALUES ('weather', 'tool', 'Looks up the weather', '2025-03-04 05:06:07.123456', '2025-03-04 05:06:07.123456', '0.1.0', 1);
      INSERT INTO tools (id, implementation_type, entry_point) VALUES (last_insert_rowid(), 'python', 'weather.main');
      INSERT INTO capabilities (component_id, name, description) VALUES (1, 'forecast', '');
      INSERT INTO parameters (component_id, name, description, type, required, default_value) VALUES (1, 'city', 'Where', 'string', 1, NULL);
      INSERT INTO parameters (component_id, name, description, type, required, default_value) VALUES (1, 'units', '', 'string', 0, '"metric"');
      INSERT INTO metadata (component_id, "key", value) VALUES (1, 'author', 'ergon');
      INSERT INTO metadata (component_id, "key", value) VALUES (1, 'author', 'ergon team');
      INSERT INTO component_files (component_id, filename, path, content_type) VALUES (1, 'weather.py', 'tools/weather.py', 'text/x-python');

      INSERT INTO components (name, type, description, created_at, updated_at, version, is_active)
        VALUES ('planner', 'agent_component', 'Plans trips', '2025-03-04 05:06:08.000000', '2025-03-04 05:06:08.000000', '1.2.0', 1);
      INSERT INTO repo_agents (id, model, system_prompt, tools) VALUES (last_insert_rowid(), 'claude', 'You plan.', '[{"name": "weather", "required": true}]');

      INSERT INTO components (name, type, description, created_at, updated_at, version, is_active)
        VALUES ('trip', 'workflow', 'A trip', '2025-03-04 05:06:09.500000', NULL, '0.1.0', 0);
      INSERT INTO workflows (id, definition) VALUES (last_insert_rowid(), '{"steps": ["plan", "book"], "retries": 2}');

      INSERT INTO components (name, type, description, created_at, updated_at, version, is_active)
        VALUES ('legacy', 'component', '', NULL, NULL, '0.1.0', NULL);
    `)
  } finally {
    database.close()
  }
}

describe('rows Ergon wrote', () => {
  it('read through our service as its to_dict() gives them (golden)', async () => {
    writeAsErgon()
    const all = await repository.listComponents({ activeOnly: false })
    expect(JSON.stringify(all)).toBe(JSON.stringify(await golden('ergon-written-to-dict.json')))
  })

  it('are found by search and by name, and updated the way Ergon updates them', async () => {
    expect((await repository.searchComponents('forecast')).map((hit) => hit.component.name)).toEqual(['weather'])
    // The workflow is inactive: listed only on request, never found by search.
    expect((await repository.listComponents()).map((component) => component.name)).toEqual(['weather', 'planner'])
    const updated = await repository.updateComponent(2, { tools: [{ name: 'weather' }, { name: 'maps' }] })
    expect(updated?.tools).toEqual([{ name: 'weather' }, { name: 'maps' }])
    const database = new Database(file, { readonly: true })
    try {
      expect(database.prepare('SELECT tools FROM repo_agents WHERE id = 2').get()).toEqual({ tools: '[{"name": "weather"}, {"name": "maps"}]' })
    } finally {
      database.close()
    }
  })
})

describe('rows we write', () => {
  it('hold what SQLAlchemy stores: naive UTC text with microseconds, 0/1, JSON text, strings, "" descriptions', async () => {
    const { component } = await registerTool(repository, {
      name: 'srv:lookup',
      entryPoint: 'lookup',
      description: 'Looks things up',
      schema: { name: 'lookup', parameters: { properties: { q: { type: 'string' }, n: { type: 'integer', default: 5 } }, required: ['q'] } },
      tags: ['readOnlyHint'],
      metadata: { mcp_server: 'srv' },
    })
    await repository.registerMcpServer({ name: 'srv' }, { installationType: 'node', packageName: 'srv', configuration: { args: ['--port', 1] } })
    const database = new Database(file, { readonly: true })
    try {
      const base = database.prepare('SELECT typeof(created_at) AS t, created_at, updated_at, typeof(is_active) AS b, is_active, version FROM components WHERE id = ?').get(component.id) as Record<string, unknown>
      expect(base).toEqual({ t: 'text', created_at: '2026-01-02 03:04:05.678000', updated_at: '2026-01-02 03:04:05.678000', b: 'integer', is_active: 1, version: '0.1.0' })
      expect(database.prepare('SELECT implementation_type, entry_point FROM tools WHERE id = ?').get(component.id)).toEqual({ implementation_type: 'mcp', entry_point: 'lookup' })
      expect(database.prepare('SELECT name, description, type, typeof(required) AS r, required, default_value FROM parameters WHERE component_id = ? ORDER BY id').all(component.id)).toEqual([
        { name: 'q', description: '', type: 'string', r: 'integer', required: 1, default_value: null },
        { name: 'n', description: '', type: 'integer', r: 'integer', required: 0, default_value: '5' },
      ])
      expect(database.prepare('SELECT name, description FROM capabilities WHERE component_id = ?').all(component.id)).toEqual([{ name: 'readOnlyHint', description: '' }])
      expect(database.prepare("SELECT typeof(value) AS t, value FROM metadata WHERE component_id = ? AND \"key\" = 'mcp_server'").get(component.id)).toEqual({ t: 'text', value: 'srv' })
      expect(database.prepare("SELECT m.configuration, c.type FROM mcp_servers m JOIN components c ON c.id = m.id WHERE c.name = 'srv'").get()).toEqual({ configuration: '{"args": ["--port", 1]}', type: 'mcp_server' })
    } finally {
      database.close()
    }
  })
})

describe('value conversions', () => {
  it("write datetime.utcnow()'s text and read it as isoformat(), which drops a zero fraction", () => {
    expect(sqlTimestamp(Date.UTC(2026, 11, 7, 20, 1, 2, 3))).toBe('2026-12-07 20:01:02.003000')
    expect(isoformat('2026-12-07 20:01:02.003000')).toBe('2026-12-07T20:01:02.003000')
    expect(isoformat('2026-12-07 20:01:02.000000')).toBe('2026-12-07T20:01:02')
    // PostgreSQL prints trailing zeros away.
    expect(isoformat('2026-12-07 20:01:02.5')).toBe('2026-12-07T20:01:02.500000')
    expect(isoformat(new Date(Date.UTC(2026, 0, 1)))).toBe('2026-01-01T00:00:00')
    expect(isoformat(null)).toBeNull()
    expect(isoformat('yesterday')).toBe('yesterday')
    expect(() => sqlTimestamp(Number.NaN)).toThrow(RangeError)
  })

  it("dump JSON as Python's json.dumps does", () => {
    expect(pythonJsonDumps({ a: [1, 'x', null, true, false], b: { c: 'ü\u2028' }, skipped: undefined })).toBe('{"a": [1, "x", null, true, false], "b": {"c": "\\u00fc\\u2028"}}')
    expect(pythonJsonDumps('tab\there')).toBe('"tab\\there"')
    expect(pythonJsonDumps(undefined)).toBe('null')
    expect(pythonJsonDumps(Number.POSITIVE_INFINITY)).toBe('Infinity')
    expect(pythonJsonDumps(Number.NaN)).toBe('NaN')
  })
})
