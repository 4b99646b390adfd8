import { afterEach, describe, expect, it } from '@jest/globals'
import { request as httpRequest } from 'node:http'
import { startFakeServer } from '../src/index'
import type { FakeServer } from '../src/index'

let server: FakeServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

async function hello(): Promise<FakeServer> {
  server = await startFakeServer((request) => ({ json: { hello: 'world', path: request.url.pathname } }))
  return server
}

/** Reads a response with node:http so a short body is visible as bytes, not just an error. */
function rawGet(url: string): Promise<{ status: number; headers: Record<string, unknown>; received: number; error?: Error }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { agent: false }, (response) => {
      let received = 0
      response.on('data', (chunk: Buffer) => {
        received += chunk.length
      })
      const finish = (error?: Error) => resolve({ status: response.statusCode ?? 0, headers: response.headers, received, ...(error ? { error } : {}) })
      response.on('end', () => finish())
      response.on('error', finish)
      response.on('aborted', () => finish(new Error('aborted')))
    })
    request.on('error', reject)
    request.end()
  })
}

describe('startFakeServer', () => {
  it('listens on 127.0.0.1 and records each request', async () => {
    const fake = await hello()
    expect(fake.url).toBe(`http://127.0.0.1:${fake.port}`)
    const response = await fetch(`${fake.url}/a/b?c=1`, { headers: { 'x-test': 'yes' } })
    expect(await response.json()).toEqual({ hello: 'world', path: '/a/b' })
    expect(fake.requests).toHaveLength(1)
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/a/b?c=1' })
    expect(fake.requests[0]?.headers['x-test']).toBe('yes')
  })

  it('adds an ETag and answers 304 when If-None-Match matches', async () => {
    const fake = await hello()
    const first = await fetch(`${fake.url}/x`)
    const etag = first.headers.get('etag')
    expect(etag).toMatch(/^".+"$/)
    const second = await fetch(`${fake.url}/x`, { headers: { 'if-none-match': etag ?? '' } })
    expect(second.status).toBe(304)
    const other = await fetch(`${fake.url}/x`, { headers: { 'if-none-match': '"something-else"' } })
    expect(other.status).toBe(200)
  })

  it('can leave ETags out', async () => {
    server = await startFakeServer(() => ({ body: 'plain' }), { etags: false })
    const response = await fetch(server.url)
    expect(response.headers.get('etag')).toBeNull()
    expect(await response.text()).toBe('plain')
  })

  it('answers 500 with the message when the handler throws', async () => {
    server = await startFakeServer(() => {
      throw new Error('handler broke')
    })
    const response = await fetch(server.url)
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual({ error: 'handler broke' })
  })

  it('answers a status fault with Retry-After, then recovers after `times`', async () => {
    const fake = await hello()
    fake.setFault({ kind: 'status', status: 429, retryAfter: 3, times: 1 })
    const limited = await fetch(`${fake.url}/x`)
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('3')
    const next = await fetch(`${fake.url}/x`)
    expect(next.status).toBe(200)
    expect(fake.requests.map((request) => request.fault)).toEqual(['status', undefined])
  })

  it('keeps a fault without `times` until it is cleared', async () => {
    const fake = await hello()
    fake.setFault({ kind: 'status', status: 500 })
    expect((await fetch(fake.url)).status).toBe(500)
    expect((await fetch(fake.url)).status).toBe(500)
    fake.setFault(null)
    expect((await fetch(fake.url)).status).toBe(200)
  })

  it('applies a fault only to matching paths (prefix or pattern)', async () => {
    const fake = await hello()
    fake.setFault({ kind: 'status', status: 503, path: '/broken' })
    fake.addFault({ kind: 'status', status: 502, path: /\/gateway$/ })
    expect((await fetch(`${fake.url}/fine`)).status).toBe(200)
    expect((await fetch(`${fake.url}/broken/deep`)).status).toBe(503)
    expect((await fetch(`${fake.url}/via/gateway`)).status).toBe(502)
  })

  it('rejects a fault scope with a non-positive count', async () => {
    const fake = await hello()
    expect(() => fake.setFault({ kind: 'hang', times: 0 })).toThrow(/positive integer/)
  })

  it('delays the answer: a client that gives up first sees no response', async () => {
    const fake = await hello()
    fake.setFault({ kind: 'delay', ms: 10_000, times: 1 })
    await expect(fetch(fake.url, { signal: AbortSignal.timeout(100) })).rejects.toThrow()
    fake.setFault({ kind: 'delay', ms: 1 })
    expect(await (await fetch(fake.url)).json()).toMatchObject({ hello: 'world' })
  })

  it('truncates: Content-Length announces more bytes than arrive', async () => {
    const fake = await hello()
    fake.setFault({ kind: 'truncate' })
    const result = await rawGet(`${fake.url}/x`)
    expect(result.status).toBe(200)
    expect(Number(result.headers['content-length'])).toBeGreaterThan(result.received)
    await expect(fetch(`${fake.url}/x`).then((response) => response.text())).rejects.toThrow()
  })

  it('serves invalid JSON with a JSON content type', async () => {
    const fake = await hello()
    fake.setFault({ kind: 'invalid-json' })
    const response = await fetch(fake.url)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    await expect(response.json()).rejects.toThrow(/JSON/)
  })

  it('records when the client gave up on a hanging request', async () => {
    const fake = await hello()
    fake.setFault({ kind: 'hang' })
    const controller = new AbortController()
    const pending = fetch(`${fake.url}/given-up`, { signal: controller.signal })
    while (fake.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(fake.requests[0]?.abandonedAt).toBeUndefined()
    const before = Date.now()
    controller.abort()
    await expect(pending).rejects.toThrow()
    while (fake.requests[0]?.abandonedAt === undefined) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(fake.requests[0]?.abandonedAt).toBeGreaterThanOrEqual(before)
  })

  it('hangs until the client aborts, and close() ends hanging sockets', async () => {
    const fake = await hello()
    fake.setFault({ kind: 'hang' })
    await expect(fetch(`${fake.url}/first`, { signal: AbortSignal.timeout(100) })).rejects.toThrow()
    const pending = fetch(`${fake.url}/second`)
    // Waits for the second by name: on a loaded machine the first may be given up before this
    // process's server has read it, so counting requests could wait forever.
    while (!fake.requests.some((request) => request.path === '/second')) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(fake.requests.find((request) => request.path === '/second')?.abandonedAt).toBeUndefined()
    await fake.close()
    await expect(pending).rejects.toThrow()
    await fake.close() // idempotent
  })
})
