/**
 * The SQL store: one Kysely query layer over SQLite (better-sqlite3, Ergon's default) and
 * PostgreSQL (`pg`, what a deployment that outgrows one machine points DATABASE_URL at).
 *
 * Opening makes the database usable without changing what exists: Ergon's tables are created
 * only when missing (never altered), then our own schema is brought up to date by the versioned
 * migrations. Both happen inside one write transaction, so two processes opening an empty
 * database at once do not both create it.
 *
 * Writers are serialised, because a CLI and an API process may register servers at the same
 * time: on SQLite by `BEGIN IMMEDIATE` (the write lock is taken up front, so a transaction never
 * has to upgrade from reading, which SQLite would refuse with SQLITE_BUSY instead of waiting) with
 * WAL and a busy timeout; on PostgreSQL by a transaction-scoped advisory lock.
 */
import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely'
import type { Generated, Transaction } from 'kysely'
import { TektonError } from '@tekton/mcp-discovery'
import { describeLocation, redactUrl } from './location'
import type { DatabaseLocation } from './location'
import { migrations } from './migrations'
import { createIndexStatements, createTableStatement, ergonTables, mcpServersTable } from './schema'
import type { Dialect, TableDefinition } from './schema'
import { sqlTimestamp } from './values'

/** A stored boolean: 0/1 on SQLite, true/false on PostgreSQL. */
export type StoredBoolean = number | boolean | null
/** A stored JSON value: text on SQLite, parsed on PostgreSQL. */
export type StoredJson = unknown

export interface ComponentsTable {
  id: Generated<number>
  name: string
  type: string
  description: string
  created_at: string | null
  updated_at: string | null
  version: string
  is_active: StoredBoolean
}
export interface ToolsTable {
  id: number
  implementation_type: string
  entry_point: string
}
export interface RepoAgentsTable {
  id: number
  model: string
  system_prompt: string
  tools: StoredJson
}
export interface WorkflowsTable {
  id: number
  definition: StoredJson
}
export interface McpServersTable {
  id: number
  installation_type: string
  package_name: string
  registry_source: string | null
  installed_version: string | null
  configuration: StoredJson
}
export interface CapabilitiesTable {
  id: Generated<number>
  component_id: number
  name: string
  description: string
}
export interface ParametersTable {
  id: Generated<number>
  component_id: number
  name: string
  description: string
  type: string
  required: StoredBoolean
  default_value: string | null
}
export interface MetadataTable {
  id: Generated<number>
  component_id: number
  key: string
  value: string
}
export interface ComponentFilesTable {
  id: Generated<number>
  component_id: number
  filename: string
  path: string
  content_type: string
}
export interface MigrationsTable {
  version: number
  name: string
  applied_at: string
}

/** Every table the store reads or writes. */
export interface ErgonDatabase {
  components: ComponentsTable
  tools: ToolsTable
  repo_agents: RepoAgentsTable
  workflows: WorkflowsTable
  mcp_servers: McpServersTable
  capabilities: CapabilitiesTable
  parameters: ParametersTable
  metadata: MetadataTable
  component_files: ComponentFilesTable
  tekton_mcp_migrations: MigrationsTable
}

/** Something queries run on: the store's database, or a transaction. */
export type Executor = Kysely<ErgonDatabase>

/** How one table compares with what Ergon (or our migrations) would have created. */
export interface TableCheck {
  table: string
  status: 'ok' | 'missing' | 'different'
  /** Columns the table should have and does not. */
  missingColumns: string[]
  /** Columns whose NOT NULL differs from Ergon's. */
  nullabilityDiffers: string[]
}

export interface ErgonStore {
  readonly dialect: Dialect
  readonly location: DatabaseLocation
  /** The query builder over the database. */
  readonly db: Kysely<ErgonDatabase>
  /** The clock (epoch ms) behind `created_at`/`updated_at`. */
  readonly now: () => number
  /** Runs `work` in a write transaction, serialised against every other writer (see the module comment). */
  write<T>(work: (transaction: Executor) => Promise<T>): Promise<T>
  /** Compares the tables with Ergon's and ours (what `doctor` shows). */
  checkTables(): Promise<TableCheck[]>
  /** The applied migration versions, oldest first. */
  appliedMigrations(): Promise<number[]>
  close(): Promise<void>
}

export interface OpenStoreOptions {
  location: DatabaseLocation
  /** Clock for timestamps. @default Date.now */
  now?: () => number
  /** How long a SQLite writer waits for another's lock, in ms. @default 30000 */
  busyTimeoutMs?: number
  /** PostgreSQL connections kept open. @default 4 */
  poolSize?: number
}

/** The advisory lock key every writer takes on PostgreSQL ("tekton-mcp ergon" as a number). */
const postgresWriteLock = 7_415_243_917

/**
 * Opens the store: connects, creates Ergon's tables where missing, applies pending migrations.
 * Throws `E_ERGON_STORE` when the database cannot be opened or prepared.
 */
export async function openErgonStore(options: OpenStoreOptions): Promise<ErgonStore> {
  const { location } = options
  const now = options.now ?? Date.now
  let db: Kysely<ErgonDatabase>
  try {
    db = location.dialect === 'sqlite' ? await sqliteDatabase(location.file, options.busyTimeoutMs ?? 30_000) : await postgresDatabase(location.url, options.poolSize ?? 4)
  } catch (error) {
    throw storeError(location, 'cannot be opened', error)
  }
  const dialect = location.dialect

  async function write<T>(work: (transaction: Executor) => Promise<T>): Promise<T> {
    return db.connection().execute(async (connection) => {
      await sql.raw(dialect === 'sqlite' ? 'BEGIN IMMEDIATE' : 'BEGIN').execute(connection)
      try {
        if (dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(${postgresWriteLock})`.execute(connection)
        const result = await work(connection)
        await sql.raw('COMMIT').execute(connection)
        return result
      } catch (error) {
        await sql.raw('ROLLBACK').execute(connection).catch(() => undefined)
        throw error
      }
    })
  }

  const store: ErgonStore = {
    dialect,
    location,
    db,
    now,
    write,
    checkTables: () => checkTables(db),
    async appliedMigrations() {
      const rows = await db.selectFrom('tekton_mcp_migrations').select('version').orderBy('version').execute()
      return rows.map((row) => Number(row.version))
    },
    close: () => db.destroy(),
  }
  try {
    await write((transaction) => prepare(transaction, dialect, now))
  } catch (error) {
    await db.destroy().catch(() => undefined)
    throw storeError(location, 'could not be prepared', error)
  }
  return store
}

/** Ergon's tables where missing, then our migrations; inside the opening write transaction. */
async function prepare(transaction: Executor, dialect: Dialect, now: () => number): Promise<void> {
  const existing = new Set(await tableNames(transaction, dialect))
  for (const table of ergonTables) {
    if (existing.has(table.name)) continue
    await sql.raw(createTableStatement(table, dialect)).execute(transaction)
    for (const statement of createIndexStatements(table)) await sql.raw(statement).execute(transaction)
  }
  if (!existing.has('tekton_mcp_migrations')) {
    await transaction.schema
      .createTable('tekton_mcp_migrations')
      .addColumn('version', 'integer', (column) => column.primaryKey())
      .addColumn('name', 'varchar(255)', (column) => column.notNull())
      .addColumn('applied_at', 'varchar(32)', (column) => column.notNull())
      .execute()
  }
  const applied = new Set((await transaction.selectFrom('tekton_mcp_migrations').select('version').execute()).map((row) => Number(row.version)))
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue
    await migration.up(transaction, dialect)
    await transaction.insertInto('tekton_mcp_migrations').values({ version: migration.version, name: migration.name, applied_at: sqlTimestamp(now()) }).execute()
  }
}

async function tableNames(executor: Executor, dialect: Dialect): Promise<string[]> {
  if (dialect === 'sqlite') {
    const result = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`.execute(executor)
    return result.rows.map((row) => row.name)
  }
  const result = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`.execute(executor)
  return result.rows.map((row) => row.name)
}

/** Each of Ergon's tables and `mcp_servers` against its definition: missing, or columns that differ. */
async function checkTables(db: Kysely<ErgonDatabase>): Promise<TableCheck[]> {
  const tables = await db.introspection.getTables()
  const byName = new Map(tables.map((table) => [table.name, table]))
  return [...ergonTables, mcpServersTable].map((definition: TableDefinition): TableCheck => {
    const actual = byName.get(definition.name)
    if (!actual) return { table: definition.name, status: 'missing', missingColumns: definition.columns.map((column) => column.name), nullabilityDiffers: [] }
    const columns = new Map(actual.columns.map((column) => [column.name, column]))
    const missingColumns = definition.columns.filter((column) => !columns.has(column.name)).map((column) => column.name)
    const nullabilityDiffers = definition.columns
      // A primary key is NOT NULL whatever the DDL says; SQLite reports an INTEGER PRIMARY KEY as nullable.
      .filter((column) => column.name !== 'id' && columns.has(column.name) && columns.get(column.name)!.isNullable === Boolean(column.notNull))
      .map((column) => column.name)
    return { table: definition.name, status: missingColumns.length + nullabilityDiffers.length === 0 ? 'ok' : 'different', missingColumns, nullabilityDiffers }
  })
}

/** What `inspectErgonStore` finds. */
export type StoreInspection = { exists: false } | { exists: true; tables: TableCheck[]; /** 0 when our migrations never ran here. */ schemaVersion: number }

/**
 * Looks at the database without changing it (for `doctor`): a SQLite file is opened read-only,
 * and one that does not exist is reported, not created. Throws `E_ERGON_STORE` when it cannot be read.
 */
export async function inspectErgonStore(location: DatabaseLocation): Promise<StoreInspection> {
  if (location.dialect === 'sqlite' && location.file !== ':memory:' && !existsSync(location.file)) return { exists: false }
  let db: Kysely<ErgonDatabase>
  try {
    db = location.dialect === 'sqlite' ? await sqliteDatabase(location.file, 5000, { readonly: true }) : await postgresDatabase(location.url, 1)
  } catch (error) {
    throw storeError(location, 'cannot be opened', error)
  }
  try {
    const tables = await checkTables(db)
    const latest = await db
      .selectFrom('tekton_mcp_migrations')
      .select((expression) => expression.fn.max('version').as('version'))
      .executeTakeFirst()
      .catch(() => undefined)
    return { exists: true, tables, schemaVersion: Number(latest?.version ?? 0) }
  } catch (error) {
    throw storeError(location, 'cannot be read', error)
  } finally {
    await db.destroy()
  }
}

async function sqliteDatabase(file: string, busyTimeoutMs: number, options: { readonly?: boolean } = {}): Promise<Kysely<ErgonDatabase>> {
  const { default: Database } = await import('better-sqlite3')
  // Ergon's init_db creates the folder too.
  if (file !== ':memory:' && !options.readonly) mkdirSync(path.dirname(file), { recursive: true })
  const database = new Database(file, { timeout: busyTimeoutMs, readonly: options.readonly === true, fileMustExist: options.readonly === true })
  if (options.readonly) return new Kysely<ErgonDatabase>({ dialect: new SqliteDialect({ database }) })
  if (file !== ':memory:') database.pragma('journal_mode = WAL')
  database.pragma(`busy_timeout = ${Math.floor(busyTimeoutMs)}`)
  return new Kysely<ErgonDatabase>({ dialect: new SqliteDialect({ database }) })
}

async function postgresDatabase(url: string, poolSize: number): Promise<Kysely<ErgonDatabase>> {
  const { default: pg } = await import('pg')
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // TIMESTAMP WITHOUT TIME ZONE as its text: naive UTC, as Ergon reads it, not shifted into
    // this machine's time zone by a JavaScript Date.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === 1114 ? (value: string) => value : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  })
  // An idle connection the server closes (a restart, an administrator) is an event, not a crash:
  // the pool drops it and the next query opens another.
  pool.on('error', () => undefined)
  // Fail now, with the URL in the message, rather than at the first query.
  const client = await pool.connect()
  client.release()
  return new Kysely<ErgonDatabase>({ dialect: new PostgresDialect({ pool }) })
}

function storeError(location: DatabaseLocation, what: string, cause: unknown): TektonError {
  const reason = cause instanceof Error ? cause.message : String(cause)
  const where = describeLocation(location)
  return new TektonError('E_ERGON_STORE', `The Ergon database (${where}) ${what}: ${location.dialect === 'postgres' ? reason.replaceAll(location.url, redactUrl(location.url)) : reason}`, {
    hint:
      location.dialect === 'sqlite'
        ? 'Check that the directory is writable and the file is a SQLite database (DATABASE_URL or TEKTON_ROOT decide which file)'
        : 'Check that the PostgreSQL server in DATABASE_URL is running and the user may create tables',
    cause,
  })
}

export type { Transaction }
