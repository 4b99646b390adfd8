/**
 * Job records in PostgreSQL (DATABASE_URL=postgresql://..., the database Ergon's store uses):
 * several API instances behind a load balancer read one durable record per job, which says which
 * host and instance runs it, its state, timestamps, and its result or error, kept after any
 * instance restarts.
 *
 * The split: PostgreSQL holds the records; the events (steps, the end) and cancel requests go
 * through another store, `events`: Redis (`redisJobStore`, a stream per job and pub/sub for
 * cancels) when several instances run, so a client on B follows and cancels a job running on A.
 * With an in-memory `events` store, a client on another instance still follows a job to its end:
 * without steps, by reading the record until it has ended.
 */
import pg from 'pg'
import type { ProgressEvent } from '@tekton/mcp-installation'
import { TektonError } from '@tekton/mcp-discovery'
import type { JobEvent, JobRecord, JobStore } from './jobs'

export interface PostgresJobStoreOptions {
  /** The pool to use (closed by `close()` only when this store made it from `url`). */
  pool?: pg.Pool
  /** A `postgresql://` URL, when no pool is given. */
  url?: string
  /** Where events and cancel requests go: `redisJobStore` for several instances. */
  events: JobStore
  /** The table of job records. @default 'tekton_mcp_jobs' */
  table?: string
  /** How long finished jobs are kept, in days. @default 7 */
  keepDays?: number
  /** How often a follower without events reads the record again, in ms. @default 1000 */
  pollMs?: number
}

const tablePattern = /^[a-z_][a-z0-9_]{0,62}$/

interface JobRow {
  id: string
  kind: JobRecord['kind']
  server: string
  state: JobRecord['state']
  host: string
  instance: string
  created_at: Date
  finished_at: Date | null
  result: unknown
  error: JobRecord['error'] | null
}

function toRecord(row: JobRow): JobRecord {
  return {
    id: row.id,
    kind: row.kind,
    server: row.server,
    state: row.state,
    host: row.host,
    instance: row.instance,
    createdAt: row.created_at.toISOString(),
    ...(row.finished_at ? { finishedAt: row.finished_at.toISOString() } : {}),
    ...(row.state === 'succeeded' ? { result: row.result } : {}),
    ...(row.error ? { error: row.error } : {}),
  }
}

/** Job records in PostgreSQL, events through `options.events`; the table is made when missing. */
export function postgresJobStore(options: PostgresJobStoreOptions): JobStore {
  const table = options.table ?? 'tekton_mcp_jobs'
  if (!tablePattern.test(table)) throw new TypeError(`postgresJobStore: table ${JSON.stringify(table)} is not a plain lower-case identifier`)
  if (!options.pool && !options.url) throw new TypeError('postgresJobStore: give a pool or a url')
  const ownPool = !options.pool
  const pool = options.pool ?? new pg.Pool({ connectionString: options.url, max: 5, connectionTimeoutMillis: 5_000 })
  // A pool's idle client that loses its server must not crash the process.
  pool.on('error', () => undefined)
  const { events } = options
  const keepDays = options.keepDays ?? 7
  const pollMs = options.pollMs ?? 1_000
  let prepared: Promise<void> | undefined
  let created = 0

  async function query<Row extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<Row>> {
    try {
      prepared ??= pool
        .query(
          `CREATE TABLE IF NOT EXISTS ${table} (
            id text PRIMARY KEY, kind text NOT NULL, server text NOT NULL, state text NOT NULL,
            host text NOT NULL, instance text NOT NULL, created_at timestamptz NOT NULL,
            finished_at timestamptz, result jsonb, error jsonb)`,
        )
        .then(() => undefined)
      prepared.catch(() => (prepared = undefined))
      await prepared
      return await pool.query<Row>(text, values)
    } catch (error) {
      throw new TektonError('E_ERGON_STORE', `The job records in PostgreSQL (DATABASE_URL, the database of Ergon's store) could not be read or written: ${(error as Error).message}`, {
        hint: 'Check that DATABASE_URL names a reachable PostgreSQL and its user may create tables',
        cause: error,
      })
    }
  }

  async function get(id: string): Promise<JobRecord | undefined> {
    const { rows } = await query<JobRow>(`SELECT * FROM ${table} WHERE id = $1`, [id])
    return rows[0] ? toRecord(rows[0]) : undefined
  }

  const wait = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
      signal.addEventListener('abort', done, { once: true })
    })

  return {
    name: `postgresql+${events.name}`,
    async create(record) {
      await query(`INSERT INTO ${table} (id, kind, server, state, host, instance, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
        record.id,
        record.kind,
        record.server,
        record.state,
        record.host,
        record.instance,
        record.createdAt,
      ])
      await events.create(record)
      // Now and then, finished jobs older than `keepDays` go.
      if (created++ % 100 === 0) await query(`DELETE FROM ${table} WHERE finished_at < now() - make_interval(days => $1)`, [keepDays]).catch(() => undefined)
    },
    get,
    async appendStep(id, step: ProgressEvent) {
      await events.appendStep(id, step)
    },
    async finish(record) {
      await query(`UPDATE ${table} SET state = $2, finished_at = $3, result = $4, error = $5 WHERE id = $1`, [
        record.id,
        record.state,
        record.finishedAt ?? new Date().toISOString(),
        record.result === undefined ? null : JSON.stringify(record.result),
        record.error ? JSON.stringify(record.error) : null,
      ])
      await events.finish(record)
    },
    async *follow(id, afterId, signal): AsyncIterable<JobEvent> {
      for await (const event of events.follow(id, afterId, signal)) {
        yield event
        if (event.event === 'end') return
      }
      // The events store knows nothing of this job (it runs on another instance, events in memory):
      // the record says when it has ended.
      while (!signal.aborted) {
        const record = await get(id)
        if (!record) return
        if (record.state !== 'running') {
          yield { id: 'end', event: 'end', data: record }
          return
        }
        await wait(pollMs, signal)
      }
    },
    requestCancel: (id) => events.requestCancel(id),
    onCancelRequest: (listener) => events.onCancelRequest(listener),
    async close() {
      await events.close?.()
      if (ownPool) await pool.end()
    },
  }
}

/**
 * The `postgresql://` URL job records go to when DATABASE_URL names PostgreSQL (in any of the
 * SQLAlchemy forms Ergon accepts, `postgresql+psycopg2://...` included); `undefined` for SQLite or
 * when it is not set, where jobs stay where they were (memory, or Redis).
 */
export function jobRecordsUrl(env: NodeJS.ProcessEnv): string | undefined {
  const url = env['DATABASE_URL']?.trim()
  const match = url ? /^postgres(?:ql)?(?:\+[a-z0-9_]+)?:\/\/(.*)$/i.exec(url) : null
  return match ? `postgresql://${match[1]}` : undefined
}
