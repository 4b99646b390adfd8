import { afterAll, describe, expect, it } from '@jest/globals'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createCacheManager } from '../src/cache/manager'
import { memoryCache } from '../src/cache/memory'
import { createHttpClient } from '../src/http/client'
import { createRequestTrace } from '../src/spec/source'

// A stale-while-revalidate refresh outlives the call that started it; the caller's deadline
// (the combined registry aborts a source's signal when it gives up) must not kill it.
describe('background revalidation', () => {
  let version = 1
  /** Requests after the first wait for this: the refresh answers only once the caller has aborted. */
  let callerAborted: Promise<void> = Promise.resolve()
  const server = createServer((_request, response) => {
    void callerAborted.then(() => {
      const body = JSON.stringify({ version })
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      response.end(body)
    })
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('completes after the caller that started it aborts, and does not count in its trace', async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/thing`
    const clock = { now: Date.UTC(2026, 0, 1) }
    const cache = createCacheManager({ drivers: [memoryCache()], now: () => clock.now })
    const client = createHttpClient({ cache, now: () => clock.now, fetch: globalThis.fetch, timeoutMs: 60_000 })
    const request = { cache: { key: 'test:thing', kind: 'search' } }

    expect((await client.getJson<{ version: number }>(url, request)).data).toEqual({ version: 1 })
    version = 2
    clock.now += 11 * 60_000 // past the 10 min freshness of search entries, within the SWR window

    const controller = new AbortController()
    let abortedNow = () => {}
    callerAborted = new Promise<void>((resolve) => (abortedNow = resolve))
    const trace = createRequestTrace()
    const stale = await client.getJson<{ version: number }>(url, { ...request, signal: controller.signal, trace })
    expect(stale).toMatchObject({ data: { version: 1 }, stale: true, fromCache: true })
    controller.abort()
    abortedNow()
    await cache.settle()

    expect(trace.network).toBe(0)
    expect((await cache.stats()).errors).toBe(0)
    expect((await client.getJson<{ version: number }>(url, request)).data).toEqual({ version: 2 })
  })
})
