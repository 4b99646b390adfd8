/**
 * Job records in a real PostgreSQL (the testkit's startPostgres): the table is made when missing,
 * a record outlives the store that wrote it (an instance restarting), a client on an instance
 * whose events are in memory still follows a job running elsewhere to its end, and a database
 * that cannot be reached is E_ERGON_STORE (503), its password not repeated.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { createServer } from 'node:net'
import { TektonError } from '@tekton/mcp-discovery'
import { startPostgres } from '@tekton/mcp-testkit'
import { createJobRunner, jobRecordsUrl, memoryJobStore, postgresJobStore } from '../src/index'
import type { JobEvent, JobRecord, JobStore } from '../src/index'

const postgres = await startPostgres()
const stores: JobStore[] = []

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close?.()))
  if (typeof postgres !== 'string') await postgres.stop()
})

function store(url: string, extra: { table?: string; pollMs?: number } = {}): JobStore {
  const made = postgresJobStore({ url, events: memoryJobStore(), ...extra })
  stores.push(made)
  return made
}

async function collect(events: AsyncIterable<JobEvent>): Promise<JobEvent[]> {
  const list: JobEvent[] = []
  for await (const event of events) list.push(event)
  return list
}

if (typeof postgres === 'string') {
  describe.skip(postgres, () => it('needs PostgreSQL', () => undefined))
} else {
  describe('job records in PostgreSQL', () => {
    it('keeps a job from start to end, read by another instance, and after a restart', async () => {
      const url = await postgres.createDatabase('jobs_records')
      const a = createJobRunner({ store: store(url), host: 'host-a', instance: 'a' })
      let finish: (value: unknown) => void = () => undefined
      const started = await a.start('install', '@fixture/mcp-server', ({ progress }) => {
        progress({ step: 'install', phase: 'start', server: '@fixture/mcp-server' } as never)
        return new Promise((resolve) => (finish = resolve))
      })
      // Another instance (its own pool, its own in-memory events) reads the record.
      const b = store(url, { pollMs: 20 })
      expect(await b.get(started.id)).toMatchObject({ id: started.id, state: 'running', host: 'host-a', instance: 'a', kind: 'install' })
      const following = collect(b.follow(started.id, undefined, new AbortController().signal))
      finish({ version: '1.0.0', changed: true })
      const events = await following
      expect(events).toHaveLength(1)
      expect(events[0]).toMatchObject({ event: 'end', data: { state: 'succeeded', result: { version: '1.0.0', changed: true } } })
      const ended = (await b.get(started.id)) as JobRecord
      expect(ended.finishedAt).toBeDefined()
      // The instance that ran it streams its steps from its own events.
      const own = await collect(a.store.follow(started.id, undefined, new AbortController().signal))
      expect(own.map((event) => event.event)).toEqual(['step', 'end'])
      // A fresh store, as after a restart: the record is still there.
      expect(await store(url).get(started.id)).toEqual(ended)
      expect(await b.get('no-such-job')).toBeUndefined()
    })

    it('records failures with their code, in a table of its own name', async () => {
      const url = await postgres.createDatabase('jobs_failures')
      const runner = createJobRunner({ store: store(url, { table: 'api_jobs' }) })
      const job = await runner.start('verify', 'x', async () => {
        throw new TektonError('E_NOT_INSTALLED', 'not installed')
      })
      const events = await collect(runner.store.follow(job.id, undefined, new AbortController().signal))
      expect(events.at(-1)?.data).toMatchObject({ state: 'failed', error: { code: 'E_NOT_INSTALLED' } })
      expect(await runner.store.get(job.id)).toMatchObject({ state: 'failed', error: { code: 'E_NOT_INSTALLED', message: 'not installed' } })
      expect(() => postgresJobStore({ url, events: memoryJobStore(), table: 'jobs; DROP TABLE x' })).toThrow(TypeError)
    })
  })
}

describe('an unreachable PostgreSQL', () => {
  it('is E_ERGON_STORE, without the password', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address() as { port: number }
        server.close(() => resolve(address.port))
      })
    })
    const unreachable = store(`postgresql://tekton:hunter2secret@127.0.0.1:${port}/jobs`)
    const failure = (await unreachable.get('x').catch((error: unknown) => error)) as { code: string; message: string }
    expect(failure.code).toBe('E_ERGON_STORE')
    expect(failure.message).not.toContain('hunter2secret')
  })
})

describe('jobRecordsUrl', () => {
  it('takes PostgreSQL from DATABASE_URL in its SQLAlchemy forms, and leaves SQLite alone', () => {
    expect(jobRecordsUrl({ DATABASE_URL: 'postgresql+psycopg2://u:p@db:5432/ergon' })).toBe('postgresql://u:p@db:5432/ergon')
    expect(jobRecordsUrl({ DATABASE_URL: 'postgres://db/ergon' })).toBe('postgresql://db/ergon')
    expect(jobRecordsUrl({ DATABASE_URL: 'sqlite:////srv/ergon.db' })).toBeUndefined()
    expect(jobRecordsUrl({})).toBeUndefined()
  })
})
