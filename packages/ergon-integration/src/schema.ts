/**
 * Ergon's tables, as data. Ergon (Python, SQLAlchemy) owns these tables: a stock Ergon reading the
 * database must find exactly what `metadata.create_all` would have made, so the DDL is generated
 * here the way SQLAlchemy's compiler writes it (a tab before each column, `, ` after each, the
 * constraints last), byte for byte on SQLite, and in its PostgreSQL dialect's types there.
 * Tables are created when missing and never altered when present; our own table (`mcp_servers`,
 * the plan's component subtype) comes through the versioned migrations in `migrations.ts`.
 *
 * Nothing here has a `DEFAULT`, a `UNIQUE` or a cascade: Ergon keeps its defaults in Python, so
 * the writers in `repository.ts` set them (see the conventions in docs/mcp/ergon.md).
 */

/** The SQL engines the store runs on. */
export type Dialect = 'sqlite' | 'postgres'

/** One column: the generic (SQLAlchemy) type, rendered per dialect. */
export interface ColumnDefinition {
  readonly name: string
  readonly type: 'INTEGER' | 'TEXT' | 'DATETIME' | 'BOOLEAN' | 'JSON' | `VARCHAR(${number})` | 'VARCHAR'
  readonly notNull?: boolean
  /** The integer primary key of a base table: SERIAL on PostgreSQL (SQLAlchemy's autoincrement). */
  readonly autoincrement?: boolean
}

export interface TableDefinition {
  readonly name: string
  readonly columns: readonly ColumnDefinition[]
  /** `FOREIGN KEY(<column>) REFERENCES components (id)`. */
  readonly foreignKey?: string
  /** Indexes SQLAlchemy creates right after the table (`index=True` columns). */
  readonly indexes?: ReadonlyArray<{ readonly name: string; readonly column: string }>
}

const id: ColumnDefinition = { name: 'id', type: 'INTEGER', notNull: true }
const componentId: ColumnDefinition = { name: 'component_id', type: 'INTEGER', notNull: true }

/**
 * Ergon's tables in the order `create_all` created them on SQLite (so `sqlite_master` lists them
 * in the same order as a database Ergon made).
 */
export const ergonTables: readonly TableDefinition[] = [
  {
    name: 'components',
    columns: [
      { ...id, autoincrement: true },
      { name: 'name', type: 'VARCHAR(255)', notNull: true },
      { name: 'type', type: 'VARCHAR(50)', notNull: true },
      { name: 'description', type: 'TEXT', notNull: true },
      { name: 'created_at', type: 'DATETIME' },
      { name: 'updated_at', type: 'DATETIME' },
      { name: 'version', type: 'VARCHAR(50)', notNull: true },
      { name: 'is_active', type: 'BOOLEAN' },
    ],
    indexes: [
      { name: 'ix_components_name', column: 'name' },
      { name: 'ix_components_type', column: 'type' },
    ],
  },
  {
    name: 'tools',
    columns: [id, { name: 'implementation_type', type: 'VARCHAR(50)', notNull: true }, { name: 'entry_point', type: 'VARCHAR(255)', notNull: true }],
    foreignKey: 'id',
  },
  {
    name: 'repo_agents',
    columns: [id, { name: 'model', type: 'VARCHAR(255)', notNull: true }, { name: 'system_prompt', type: 'TEXT', notNull: true }, { name: 'tools', type: 'JSON' }],
    foreignKey: 'id',
  },
  { name: 'workflows', columns: [id, { name: 'definition', type: 'JSON', notNull: true }], foreignKey: 'id' },
  {
    name: 'capabilities',
    columns: [{ ...id, autoincrement: true }, componentId, { name: 'name', type: 'VARCHAR(255)', notNull: true }, { name: 'description', type: 'TEXT', notNull: true }],
    foreignKey: 'component_id',
  },
  {
    name: 'parameters',
    columns: [
      { ...id, autoincrement: true },
      componentId,
      { name: 'name', type: 'VARCHAR(255)', notNull: true },
      { name: 'description', type: 'TEXT', notNull: true },
      { name: 'type', type: 'VARCHAR(50)', notNull: true },
      { name: 'required', type: 'BOOLEAN' },
      { name: 'default_value', type: 'TEXT' },
    ],
    foreignKey: 'component_id',
  },
  {
    name: 'metadata',
    columns: [{ ...id, autoincrement: true }, componentId, { name: 'key', type: 'VARCHAR(255)', notNull: true }, { name: 'value', type: 'TEXT', notNull: true }],
    foreignKey: 'component_id',
  },
  {
    name: 'component_files',
    columns: [
      { ...id, autoincrement: true },
      componentId,
      { name: 'filename', type: 'VARCHAR(255)', notNull: true },
      { name: 'path', type: 'VARCHAR(512)', notNull: true },
      { name: 'content_type', type: 'VARCHAR(100)', notNull: true },
    ],
    foreignKey: 'component_id',
  },
]

/**
 * The plan's `MCPServer(Component)` model: `Column(String)` is an unsized VARCHAR, `JSON` is JSON,
 * joined to `components` on `id` like Ergon's own subtypes.
 */
export const mcpServersTable: TableDefinition = {
  name: 'mcp_servers',
  columns: [
    id,
    { name: 'installation_type', type: 'VARCHAR', notNull: true },
    { name: 'package_name', type: 'VARCHAR', notNull: true },
    { name: 'registry_source', type: 'VARCHAR' },
    { name: 'installed_version', type: 'VARCHAR' },
    { name: 'configuration', type: 'JSON' },
  ],
  foreignKey: 'id',
}

/** The polymorphic identities, as `components.type` holds them. */
export const componentTypes = {
  component: 'component',
  tool: 'tool',
  agent: 'agent_component',
  workflow: 'workflow',
  mcpServer: 'mcp_server',
} as const

/** Words SQLAlchemy quotes because they are reserved (only `key` occurs in these tables). */
const quotedNames = new Set(['key'])

function columnName(name: string): string {
  return quotedNames.has(name) ? `"${name}"` : name
}

function columnType(column: ColumnDefinition, dialect: Dialect): string {
  if (dialect === 'sqlite') return column.type
  if (column.autoincrement) return 'SERIAL'
  if (column.type === 'DATETIME') return 'TIMESTAMP WITHOUT TIME ZONE'
  return column.type
}

/**
 * `CREATE TABLE` as SQLAlchemy's DDL compiler writes it (without the surrounding newlines, which
 * SQLite does not keep in `sqlite_master.sql` either).
 */
export function createTableStatement(table: TableDefinition, dialect: Dialect): string {
  const lines = table.columns.map((column) => `${columnName(column.name)} ${columnType(column, dialect)}${column.notNull ? ' NOT NULL' : ''}`)
  lines.push('PRIMARY KEY (id)')
  if (table.foreignKey) lines.push(`FOREIGN KEY(${table.foreignKey}) REFERENCES components (id)`)
  return `CREATE TABLE ${table.name} (\n\t${lines.join(', \n\t')}\n)`
}

/** The table's `CREATE INDEX` statements, in SQLAlchemy's order. */
export function createIndexStatements(table: TableDefinition): string[] {
  return (table.indexes ?? []).map((index) => `CREATE INDEX ${index.name} ON ${table.name} (${index.column})`)
}
