/**
 * Long operations (install, update, uninstall, verify) run as jobs: the POST answers at once with
 * a job id, the work goes on here, and its step events are appended to a job store that any
 * instance can read. A client follows them as Server-Sent Events and may resume where it left off
 * (event ids are the store's); a cancel reaches the job through the store, so `DELETE` on any
 * instance stops a job running on another, with the same abort signal Ctrl-C gives the CLI.
 */
import { randomUUID } from 'node:crypto'
import { EventEmitter, on } from 'node:events'
import { hostname } from 'node:os'
import { TektonError, redact, toTektonError } from '@tekton/mcp-discovery'
import type { ProgressEvent } from '@tekton/mcp-installation'

/** What a job does. */
export type JobKind = 'install' | 'update' | 'uninstall' | 'verify'
/** Where a job is: `running` until it ends in one of the other three. */
export type JobState = 'running' | 'succeeded' | 'failed' | 'cancelled'

/** A job as `GET /jobs/:id` shows it. */
export interface JobRecord {
  id: string
  kind: JobKind
  /** The server's ref or installed name, as asked. */
  server: string
  state: JobState
  /** The machine that runs the job (installs stay on the host owning the install directory). */
  host: string
  /** The API instance that runs it. */
  instance: string
  createdAt: string
  finishedAt?: string
  /** The operation's outcome, when it succeeded. */
  result?: unknown
  /** Why it failed or was cancelled. */
  error?: { code: string; message: string; hint?: string }
}

/** One event of a job's stream: a step (the CLI's step lines), or its end with the final record. */
export interface JobEvent {
  /** Opaque, increasing within a job; a client sends the last one it saw as `Last-Event-ID`. */
  id: string
  event: 'step' | 'end'
  data: ProgressEvent | JobRecord
}

/**
 * Where job records and events live: in memory for one instance, in Redis for several. Every
 * method is about one job, so a store can keep each job under its own keys.
 */
export interface JobStore {
  readonly name: string
  create(record: JobRecord): Promise<void>
  get(id: string): Promise<JobRecord | undefined>
  /** Appends a step event. */
  appendStep(id: string, step: ProgressEvent): Promise<void>
  /** Writes the final record and appends the `end` event that closes every follower's stream. */
  finish(record: JobRecord): Promise<void>
  /** The events after `afterId` (all without it), then new ones as they come, ending after `end`. */
  follow(id: string, afterId: string | undefined, signal: AbortSignal): AsyncIterable<JobEvent>
  /** Tells whichever instance runs the job to cancel it. */
  requestCancel(id: string): Promise<void>
  /** Called with a job id whenever a cancel is requested (on any instance). Returns an unsubscribe. */
  onCancelRequest(listener: (id: string) => void): () => void
  close?(): Promise<void>
}

/**
 * An in-memory job store for one instance. Finished jobs are forgotten after `keep` newer ones
 * have been created, so a long-running server does not grow without bound.
 */
export function memoryJobStore(options: { keep?: number } = {}): JobStore {
  const keep = options.keep ?? 200
  const records = new Map<string, JobRecord>()
  const events = new Map<string, JobEvent[]>()
  const emitter = new EventEmitter()
  emitter.setMaxListeners(0)

  function push(id: string, event: JobEvent['event'], data: JobEvent['data']): void {
    const list = events.get(id)
    if (!list) return
    const item: JobEvent = { id: String(list.length + 1), event, data }
    list.push(item)
    emitter.emit(`event:${id}`, item)
  }

  return {
    name: 'memory',
    async create(record) {
      records.set(record.id, record)
      events.set(record.id, [])
      for (const [id, old] of records) {
        if (records.size <= keep) break
        if (old.state !== 'running') {
          records.delete(id)
          events.delete(id)
        }
      }
    },
    async get(id) {
      return records.get(id)
    },
    async appendStep(id, step) {
      push(id, 'step', step)
    },
    async finish(record) {
      records.set(record.id, record)
      push(record.id, 'end', record)
    },
    async *follow(id, afterId, signal) {
      const list = events.get(id)
      if (!list) return
      let next = afterId === undefined ? 0 : Math.max(0, Number.parseInt(afterId, 10) || 0)
      // Subscribed before reading what is there, so nothing appended in between is missed.
      const incoming = on(emitter, `event:${id}`, { signal })
      try {
        while (next < list.length) {
          const item = list[next++] as JobEvent
          yield item
          if (item.event === 'end') return
        }
        for await (const [item] of incoming as AsyncIterable<[JobEvent]>) {
          if (Number(item.id) <= next) continue
          next = Number(item.id)
          yield item
          if (item.event === 'end') return
        }
      } catch (error) {
        if (signal.aborted) return
        throw error
      } finally {
        // Removes the listener when the end was already in the list and `incoming` was never read.
        await incoming.return?.()
      }
    },
    async requestCancel(id) {
      emitter.emit('cancel', id)
    },
    onCancelRequest(listener) {
      emitter.on('cancel', listener)
      return () => emitter.off('cancel', listener)
    },
  }
}

/** What a job's work is handed: the signal a cancel aborts, and the listener for its steps. */
export interface JobContext {
  signal: AbortSignal
  progress: (event: ProgressEvent) => void
}

export interface JobRunnerOptions {
  store: JobStore
  /** @default os.hostname() */
  host?: string
  /** This instance's id. @default a random UUID */
  instance?: string
  now?: () => number
}

/** Starts jobs on this instance and cancels them, wherever the cancel was asked. */
export interface JobRunner {
  readonly store: JobStore
  readonly instance: string
  start(kind: JobKind, server: string, work: (context: JobContext) => Promise<unknown>): Promise<JobRecord>
  /** Asks the job to stop; E_JOB_NOT_FOUND or E_JOB_FINISHED when there is nothing to stop. */
  cancel(id: string): Promise<JobRecord>
  /** Jobs running on this instance. */
  running(): number
  /** Cancels the jobs running here and waits (at most `timeoutMs`) for them to clean up. */
  drain(options: { timeoutMs: number }): Promise<void>
}

export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const { store } = options
  const now = options.now ?? Date.now
  const host = options.host ?? hostname()
  const instance = options.instance ?? randomUUID()
  const active = new Map<string, { controller: AbortController; done: Promise<void> }>()
  store.onCancelRequest((id) => active.get(id)?.controller.abort())

  async function notFound(id: string): Promise<never> {
    throw new TektonError('E_JOB_NOT_FOUND', `No job ${JSON.stringify(id.slice(0, 80))}`, { hint: 'Jobs are kept for a while after they end; start the operation again' })
  }

  return {
    store,
    instance,
    async start(kind, server, work) {
      const record: JobRecord = { id: randomUUID(), kind, server, state: 'running', host, instance, createdAt: new Date(now()).toISOString() }
      await store.create(record)
      const controller = new AbortController()
      // Step events are written in order; a store that fails to take one must not fail the job.
      let writes = Promise.resolve()
      const progress = (event: ProgressEvent) => {
        writes = writes.then(() => store.appendStep(record.id, event)).catch(() => undefined)
      }
      const done = (async () => {
        let final: JobRecord
        try {
          const result = await work({ signal: controller.signal, progress })
          final = { ...record, state: 'succeeded', result: JSON.parse(JSON.stringify(result ?? null)) as unknown }
        } catch (error) {
          const failure = toTektonError(error)
          final = {
            ...record,
            state: controller.signal.aborted ? 'cancelled' : 'failed',
            error: { code: controller.signal.aborted ? 'E_ABORTED' : failure.code, message: redact(failure.message), ...(failure.hint ? { hint: redact(failure.hint) } : {}) },
          }
        }
        await writes
        await store.finish({ ...final, finishedAt: new Date(now()).toISOString() }).catch(() => undefined)
        active.delete(record.id)
      })()
      active.set(record.id, { controller, done })
      return record
    },
    async cancel(id) {
      const record = await store.get(id)
      if (!record) return notFound(id)
      if (record.state !== 'running') {
        throw new TektonError('E_JOB_FINISHED', `Job ${id} has ${record.state} already`, { hint: 'Read its outcome with GET /jobs/{id}' })
      }
      const local = active.get(id)
      if (local) local.controller.abort()
      else await store.requestCancel(id)
      return record
    },
    running: () => active.size,
    async drain({ timeoutMs }) {
      const jobs = [...active.values()]
      for (const job of jobs) job.controller.abort()
      let timer: NodeJS.Timeout | undefined
      await Promise.race([Promise.all(jobs.map((job) => job.done)), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))])
      clearTimeout(timer)
    },
  }
}
