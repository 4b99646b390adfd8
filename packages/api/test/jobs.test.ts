// The in-memory job store and runner on their own: what a follower of a finished job gets, that
// following leaves no listener behind, and that draining cancels what runs.
import { describe, expect, it } from '@jest/globals'
import { createJobRunner, memoryJobStore } from '../src/index'
import type { JobEvent } from '../src/index'

async function collect(events: AsyncIterable<JobEvent>): Promise<JobEvent[]> {
  const all: JobEvent[] = []
  for await (const event of events) all.push(event)
  return all
}

describe('memoryJobStore and createJobRunner', () => {
  it('replays a finished job to a late follower, from any event on', async () => {
    const runner = createJobRunner({ store: memoryJobStore(), host: 'here', instance: 'one', now: () => Date.parse('2026-01-01T00:00:00Z') })
    const job = await runner.start('verify', 'x', async ({ progress }) => {
      progress({ step: 'resolve', phase: 'start' })
      progress({ step: 'resolve', phase: 'done', durationMs: 1 })
      return { ok: true }
    })
    const events = await collect(runner.store.follow(job.id, undefined, new AbortController().signal))
    expect(events.map((event) => [event.id, event.event])).toEqual([
      ['1', 'step'],
      ['2', 'step'],
      ['3', 'end'],
    ])
    expect(events[2]?.data).toMatchObject({ state: 'succeeded', result: { ok: true }, host: 'here', instance: 'one', finishedAt: '2026-01-01T00:00:00.000Z' })
    expect((await collect(runner.store.follow(job.id, '2', new AbortController().signal))).map((event) => event.id)).toEqual(['3'])
    await expect(runner.cancel(job.id)).rejects.toMatchObject({ code: 'E_JOB_FINISHED' })
    await expect(runner.cancel('nope')).rejects.toMatchObject({ code: 'E_JOB_NOT_FOUND' })
  })

  it('drains: running jobs are cancelled and end cancelled', async () => {
    const runner = createJobRunner({ store: memoryJobStore() })
    const job = await runner.start('install', 'x', ({ signal }) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('stopped')))))
    expect(runner.running()).toBe(1)
    await runner.drain({ timeoutMs: 60_000 })
    expect(runner.running()).toBe(0)
    expect(await runner.store.get(job.id)).toMatchObject({ state: 'cancelled', error: { code: 'E_ABORTED' } })
  })

  it('forgets the oldest finished jobs beyond the number kept', async () => {
    const store = memoryJobStore({ keep: 2 })
    const runner = createJobRunner({ store })
    const first = await runner.start('verify', 'a', async () => null)
    await collect(store.follow(first.id, undefined, new AbortController().signal))
    await runner.start('verify', 'b', async () => null)
    await runner.start('verify', 'c', async () => null)
    expect(await store.get(first.id)).toBeUndefined()
  })
})
