/**
 * The store on SQLite files: the DDL a stock Ergon would find, tables never altered, migrations
 * applied once, WAL and the busy timeout, and where the database is by Ergon's rules.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import Database from 'better-sqlite3'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describeLocation, ergonDatabaseLocation, openErgonStore, parseDatabaseUrl, redactUrl, schemaVersion } from '../src/index'
import type { ErgonStore } from '../src/index'

const here = path.dirname(fileURLToPath(import.meta.url))
const cleanups: Array<() => Promise<void>> = []

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()))
})

async function temporaryDirectory(): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'tekton-ergon-store-'))
  cleanups.push(() => rm(directory, { recursive: true, force: true }))
  return directory
}

async function open(file: string): Promise<ErgonStore> {
  const store = await openErgonStore({ location: { dialect: 'sqlite', file, source: 'option' } })
  cleanups.unshift(() => store.close())
  return store
}

/** The reference's statements: `metadata.create_all`'s DDL, as `sqlite_master.sql` holds it. */
async function referenceStatements(): Promise<string[]> {
  const text = await readFile(path.join(here, 'fixtures', 'ergon-create-all.sql'), 'utf8')
  return text
    .split(';\n')
    .map((statement) => statement.replace(/^\n+/, ''))
    .filter((statement) => statement.trim() !== '')
}

function masterRows(file: string): Array<{ type: string; name: string; sql: string }> {
  const database = new Database(file, { readonly: true })
  try {
    return database.prepare("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid").all() as Array<{ type: string; name: string; sql: string }>
  } finally {
    database.close()
  }
}

const ergonNames = ['components', 'ix_components_name', 'ix_components_type', 'tools', 'repo_agents', 'workflows', 'capabilities', 'parameters', 'metadata', 'component_files']

describe('on an empty SQLite file', () => {
  it("creates Ergon's tables byte for byte as create_all does, in create_all's order", async () => {
    const file = path.join(await temporaryDirectory(), 'Ergon', 'ergon.db')
    await open(file)
    const rows = masterRows(file).filter((row) => ergonNames.includes(row.name))
    expect(rows.map((row) => row.name)).toEqual(ergonNames)
    const expected = await referenceStatements()
    expect(rows.map((row) => row.sql).sort()).toEqual([...expected].sort())
    // Each statement, one by one, so a difference names its table.
    for (const statement of expected) expect(rows.map((row) => row.sql)).toContain(statement)
  })

  it('adds mcp_servers as a joined subtype through migration 1, recorded once', async () => {
    const file = path.join(await temporaryDirectory(), 'ergon.db')
    const store = await open(file)
    expect(await store.appliedMigrations()).toEqual([1])
    expect(schemaVersion).toBe(1)
    const mcp = masterRows(file).find((row) => row.name === 'mcp_servers')
    expect(mcp?.sql).toBe(
      'CREATE TABLE mcp_servers (\n\tid INTEGER NOT NULL, \n\tinstallation_type VARCHAR NOT NULL, \n\tpackage_name VARCHAR NOT NULL, \n\tregistry_source VARCHAR, \n\tinstalled_version VARCHAR, \n\tconfiguration JSON, \n\tPRIMARY KEY (id), \n\tFOREIGN KEY(id) REFERENCES components (id)\n)',
    )
    await store.close()
    cleanups.shift()
    const again = await open(file)
    expect(await again.appliedMigrations()).toEqual([1])
    expect((await again.checkTables()).every((check) => check.status === 'ok')).toBe(true)
  })

  it('turns on WAL and a busy timeout', async () => {
    const file = path.join(await temporaryDirectory(), 'ergon.db')
    const store = await open(file)
    const { sql } = await import('kysely')
    const journal = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(store.db)
    expect(journal.rows[0]?.journal_mode).toBe('wal')
    const timeout = await sql<{ timeout: number }>`PRAGMA busy_timeout`.execute(store.db)
    expect(timeout.rows[0]?.timeout).toBeGreaterThanOrEqual(30_000)
  })
})

describe('on a database that has tables already', () => {
  it('leaves existing tables exactly as they are, and says which differ', async () => {
    const file = path.join(await temporaryDirectory(), 'ergon.db')
    const database = new Database(file)
    // An Ergon variant whose components has another column and whose tools lacks entry_point.
    database.exec('CREATE TABLE components (\n\tid INTEGER NOT NULL, \n\tname VARCHAR(255) NOT NULL, \n\ttype VARCHAR(50) NOT NULL, \n\tdescription TEXT NOT NULL, \n\tcreated_at DATETIME, \n\tupdated_at DATETIME, \n\tversion VARCHAR(50) NOT NULL, \n\tis_active BOOLEAN, \n\towner TEXT, \n\tPRIMARY KEY (id)\n)')
    database.exec('CREATE TABLE tools (id INTEGER NOT NULL, implementation_type VARCHAR(50), PRIMARY KEY (id))')
    database.close()
    const before = masterRows(file).filter((row) => row.name === 'components' || row.name === 'tools')
    const store = await open(file)
    const after = masterRows(file).filter((row) => row.name === 'components' || row.name === 'tools')
    expect(after).toEqual(before)
    // The missing ones were created.
    expect(masterRows(file).map((row) => row.name)).toEqual(expect.arrayContaining(['repo_agents', 'workflows', 'capabilities', 'parameters', 'metadata', 'component_files', 'mcp_servers']))
    const checks = await store.checkTables()
    expect(checks.find((check) => check.table === 'components')).toMatchObject({ status: 'ok' })
    expect(checks.find((check) => check.table === 'tools')).toMatchObject({ status: 'different', missingColumns: ['entry_point'], nullabilityDiffers: ['implementation_type'] })
  })

  it('keeps an mcp_servers table someone else made', async () => {
    const file = path.join(await temporaryDirectory(), 'ergon.db')
    const database = new Database(file)
    database.exec('CREATE TABLE mcp_servers (id INTEGER PRIMARY KEY, installation_type TEXT NOT NULL, package_name TEXT NOT NULL, registry_source TEXT, installed_version TEXT, configuration JSON)')
    database.close()
    const store = await open(file)
    expect(masterRows(file).find((row) => row.name === 'mcp_servers')?.sql).toContain('id INTEGER PRIMARY KEY, installation_type TEXT')
    expect(await store.appliedMigrations()).toEqual([1])
  })

  it('fails with E_ERGON_STORE naming the file when it is not a database', async () => {
    const directory = await temporaryDirectory()
    const file = path.join(directory, 'ergon.db')
    await import('node:fs/promises').then((fs) => fs.writeFile(file, 'this is not a database, just text that is long enough to have a header'))
    await expect(openErgonStore({ location: { dialect: 'sqlite', file, source: 'option' } })).rejects.toMatchObject({ code: 'E_ERGON_STORE', message: expect.stringContaining(file) })
  })
})

describe("the database's location, by Ergon's rules", () => {
  const cwd = '/work/project'

  it('is <TEKTON_ROOT>/Ergon/ergon.db by default', () => {
    expect(ergonDatabaseLocation({ TEKTON_ROOT: '/opt/Tekton' }, cwd)).toEqual({ dialect: 'sqlite', file: '/opt/Tekton/Ergon/ergon.db', source: 'TEKTON_ROOT' })
  })

  it('follows DATABASE_URL (any case) over TEKTON_ROOT: relative, absolute, memory', () => {
    expect(ergonDatabaseLocation({ TEKTON_ROOT: '/opt/Tekton', DATABASE_URL: 'sqlite:///ergon.db' }, cwd)).toEqual({ dialect: 'sqlite', file: '/work/project/ergon.db', source: 'DATABASE_URL' })
    expect(ergonDatabaseLocation({ database_url: 'sqlite:////data/database/ergon.db' }, cwd)).toMatchObject({ file: '/data/database/ergon.db' })
    expect(parseDatabaseUrl('sqlite:///data/x.db?timeout=5', cwd)).toMatchObject({ file: '/work/project/data/x.db' })
    expect(parseDatabaseUrl('sqlite://', cwd)).toMatchObject({ file: ':memory:' })
    expect(parseDatabaseUrl('sqlite:///:memory:', cwd)).toMatchObject({ file: ':memory:' })
  })

  it('takes postgresql URLs, with or without a driver name', () => {
    expect(parseDatabaseUrl('postgresql+psycopg2://u:p@db:5432/ergon', cwd)).toEqual({ dialect: 'postgres', url: 'postgresql://u:p@db:5432/ergon', source: 'option' })
    expect(parseDatabaseUrl('postgres://db/ergon', cwd)).toMatchObject({ dialect: 'postgres', url: 'postgresql://db/ergon' })
  })

  it('refuses other engines, SQLite URLs with a host, and nothing set, with E_CONFIG', () => {
    expect(() => parseDatabaseUrl('mysql://u:secret@db/ergon', cwd)).toThrow(expect.objectContaining({ code: 'E_CONFIG', message: expect.not.stringContaining('secret') }))
    expect(() => parseDatabaseUrl('sqlite://host/x.db', cwd)).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
    expect(() => ergonDatabaseLocation({}, cwd)).toThrow(expect.objectContaining({ code: 'E_CONFIG', hint: expect.stringContaining('TEKTON_ROOT') }))
  })

  it('is shown without a password', () => {
    expect(redactUrl('postgresql://user:hunter2@db:5432/ergon')).toBe('postgresql://user:••••@db:5432/ergon')
    expect(describeLocation({ dialect: 'postgres', url: 'postgresql://user:hunter2@db/ergon', source: 'DATABASE_URL' })).toBe('postgresql postgresql://user:••••@db/ergon')
    expect(describeLocation({ dialect: 'sqlite', file: '/x/ergon.db', source: 'TEKTON_ROOT' })).toBe('sqlite /x/ergon.db')
  })
})
