/**
 * Versioned migrations of our own schema (never of Ergon's tables, which are only created when
 * missing). Each runs once per database, in version order, inside the opening write transaction,
 * and is recorded in `tekton_mcp_migrations`. Append new ones; never edit an applied one.
 */
import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import { createTableStatement, mcpServersTable } from './schema'
import type { Dialect } from './schema'

export interface Migration {
  readonly version: number
  readonly name: string
  up(executor: Kysely<never> | Kysely<any>, dialect: Dialect): Promise<void>
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'mcp_servers: the MCPServer component subtype',
    async up(executor, dialect) {
      // An earlier tool (or a future Ergon) may have made it already: keep what is there.
      const exists =
        dialect === 'sqlite'
          ? (await sql<{ n: number }>`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'mcp_servers'`.execute(executor)).rows[0]?.n
          : (await sql<{ n: string }>`SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'mcp_servers'`.execute(executor)).rows[0]?.n
      if (Number(exists) > 0) return
      await sql.raw(createTableStatement(mcpServersTable, dialect)).execute(executor)
    },
  },
]

/** The newest schema version this package writes. */
export const schemaVersion = migrations.at(-1)!.version
