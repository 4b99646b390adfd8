import { afterEach, describe, expect, it } from '@jest/globals'
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { z } from 'zod'
import { createCacheManager } from '../src/cache/manager'
import { memoryCache } from '../src/cache/memory'
import { RegistryHttpError } from '../src/errors'
import { createHttpClient, defaultUserAgent } from '../src/http/client'
import type { HttpClientOptions } from '../src/http/types'
import { createRequestTrace } from '../src/spec/source'

// ---------------------------------------------------------------------------------------------
// A real HTTP server on 127.0.0.1, counting what it receives.

type Handler = (request: IncomingMessage, response: ServerResponse, index: number) => void

interface TestServer {
  url: string
  port: number
  requests: Array<{ url: string; headers: IncomingHttpHeaders }>
}

const servers: Server[] = []

async function startServer(handler: Handler): Promise<TestServer> {
  const requests: TestServer['requests'] = []
  const server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', headers: request.headers })
    handler(request, response, requests.length - 1)
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, port, requests }
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
})

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
  response.end(text)
}

// ---------------------------------------------------------------------------------------------
// A client whose clock stands still and whose sleeps are recorded instead of waited.

const startTime = Date.UTC(2025, 0, 15, 12, 0, 0)

function testClient(overrides: HttpClientOptions = {}) {
  const sleeps: number[] = []
  const clock = { now: startTime }
  const client = createHttpClient({
    // Loopback answers arrive at once, but a loaded machine may take seconds: tests about timeouts
    // pass their own short limit against a server that never answers.
    timeoutMs: 60_000,
    now: () => clock.now,
    sleep: async (ms) => {
      sleeps.push(ms)
    },
    ...overrides,
  })
  return { client, sleeps, clock }
}

async function failure(promise: Promise<unknown>): Promise<RegistryHttpError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof RegistryHttpError) return error
    throw error
  }
  throw new Error('expected the request to fail')
}

// The real cache manager over an in-memory tier, on the test's clock.

function testCache(now: () => number, options: { freshMs: number; staleWhileRevalidateMs: number }) {
  return createCacheManager({
    drivers: [memoryCache({ now })],
    now,
    ttl: { metadata: options.freshMs, search: options.freshMs },
    staleWhileRevalidateMs: options.staleWhileRevalidateMs,
  })
}

// ---------------------------------------------------------------------------------------------

describe('createHttpClient: getJson', () => {
  it('returns the parsed body and names the product in User-Agent', async () => {
    const server = await startServer((_request, response) => sendJson(response, 200, { name: 'server-filesystem' }))
    const { client } = testClient()
    const trace = createRequestTrace()

    const response = await client.getJson<{ name: string }>(`${server.url}/package`, { trace })

    expect(response).toEqual({ data: { name: 'server-filesystem' }, status: 200, url: `${server.url}/package`, fromCache: false, stale: false, ageMs: 0 })
    expect(server.requests).toHaveLength(1)
    expect(server.requests[0]?.headers['user-agent']).toBe('tekton-mcp/0.0.0-test (+https://github.com/tekton-ai/tekton-mcp-discovery)')
    expect(server.requests[0]?.headers['user-agent']).toBe(defaultUserAgent)
    expect(server.requests[0]?.headers.accept).toBe('application/json')
    expect(trace.network).toBe(1)
  })

  it('lets the caller override headers and the User-Agent', async () => {
    const server = await startServer((_request, response) => sendJson(response, 200, {}))
    const { client } = testClient({ userAgent: 'embedder/1.0' })

    await client.getJson(`${server.url}/`, { headers: { Accept: 'application/vnd.npm.install-v1+json', 'X-Extra': 'yes' } })

    expect(server.requests[0]?.headers).toMatchObject({ 'user-agent': 'embedder/1.0', accept: 'application/vnd.npm.install-v1+json', 'x-extra': 'yes' })
  })

  it('parses JSON whatever the content type says, and drops __proto__ keys', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' })
      response.end('\uFEFF{"a":1,"__proto__":{"polluted":true}}')
    })
    const { client } = testClient()

    const { data } = await client.getJson<Record<string, unknown>>(`${server.url}/`)

    expect(data).toEqual({ a: 1 })
    expect(Object.hasOwn(data, '__proto__')).toBe(false)
  })

  it('maps 404 to E_NOT_FOUND without retrying', async () => {
    const server = await startServer((_request, response) => sendJson(response, 404, { error: 'Not found' }))
    const { client, sleeps } = testClient()

    const error = await failure(client.getJson(`${server.url}/missing-package`, { source: 'npm' }))

    expect(error.code).toBe('E_NOT_FOUND')
    expect(error.message).toBe(`[npm] GET ${server.url}/missing-package 404 Not Found`)
    expect(error.status).toBe(404)
    expect(error.retryable).toBe(false)
    expect(server.requests).toHaveLength(1)
    expect(sleeps).toEqual([])
  })

  it('never retries other 4xx, and hints at credentials on 401/403', async () => {
    const server = await startServer((_request, response) => sendJson(response, 403, { error: 'forbidden' }))
    const { client } = testClient()

    const error = await failure(client.getJson(`${server.url}/private`))

    expect(error).toMatchObject({ code: 'E_HTTP', status: 403, retryable: false })
    expect(error.hint).toMatch(/credentials/)
    expect(server.requests).toHaveLength(1)
  })

  it('retries a 500 with jittered backoff and returns the later success', async () => {
    const server = await startServer((_request, response, index) => {
      if (index === 0) sendJson(response, 500, { error: 'boom' })
      else sendJson(response, 200, { ok: true })
    })
    const { client, sleeps } = testClient({ backoffMs: 100 })
    const trace = createRequestTrace()

    const response = await client.getJson(`${server.url}/flaky`, { trace })

    expect(response.data).toEqual({ ok: true })
    expect(server.requests).toHaveLength(2)
    expect(trace.network).toBe(2)
    expect(sleeps).toHaveLength(1)
    expect(sleeps[0]).toBeGreaterThanOrEqual(0)
    expect(sleeps[0]).toBeLessThan(100)
  })

  it('gives up after the configured retries with a retryable E_HTTP', async () => {
    const server = await startServer((_request, response) => sendJson(response, 502, {}))
    const { client, sleeps } = testClient({ retries: 2, backoffMs: 100 })

    const error = await failure(client.getJson(`${server.url}/down`, { source: 'npm' }))

    expect(error).toMatchObject({ code: 'E_HTTP', status: 502, retryable: true })
    expect(error.message).toBe(`[npm] GET ${server.url}/down 502 Bad Gateway`)
    expect(server.requests).toHaveLength(3)
    // Full jitter over base × 2^n: the second wait may reach twice as far as the first.
    expect(sleeps).toHaveLength(2)
    expect(sleeps[1]).toBeLessThan(200)
  })

  it('waits exactly as long as Retry-After (seconds) asks on 429', async () => {
    const server = await startServer((_request, response, index) => {
      if (index === 0) sendJson(response, 429, { error: 'slow down' }, { 'retry-after': '2' })
      else sendJson(response, 200, { ok: true })
    })
    const { client, sleeps } = testClient()

    const response = await client.getJson(`${server.url}/busy`)

    expect(response.data).toEqual({ ok: true })
    expect(sleeps).toEqual([2000])
    expect(server.requests).toHaveLength(2)
  })

  it('understands Retry-After as an HTTP date on 503', async () => {
    const server = await startServer((_request, response, index) => {
      if (index === 0) sendJson(response, 503, {}, { 'retry-after': new Date(startTime + 5000).toUTCString() })
      else sendJson(response, 200, { ok: true })
    })
    const { client, sleeps } = testClient()

    await client.getJson(`${server.url}/maintenance`)

    expect(sleeps).toEqual([5000])
  })

  it('fails at once with E_RATE_LIMITED and retryAt when Retry-After is too long', async () => {
    const server = await startServer((_request, response) => sendJson(response, 429, {}, { 'retry-after': '120' }))
    const { client, sleeps } = testClient({ maxRetryAfterMs: 30_000 })

    const error = await failure(client.getJson(`${server.url}/limited`, { source: 'npm' }))

    expect(error.code).toBe('E_RATE_LIMITED')
    expect(error.retryAt).toBe(startTime + 120_000)
    expect(error.retryable).toBe(true)
    expect(error.message).toBe(`[npm] GET ${server.url}/limited 429 Too Many Requests; retry after 2025-01-15T12:02:00.000Z`)
    expect(server.requests).toHaveLength(1)
    expect(sleeps).toEqual([])
  })

  it('reports E_RATE_LIMITED when 429s outlast the retries', async () => {
    const server = await startServer((_request, response) => sendJson(response, 429, {}))
    const { client } = testClient({ retries: 1 })

    const error = await failure(client.getJson(`${server.url}/limited`))

    expect(error).toMatchObject({ code: 'E_RATE_LIMITED', status: 429, retryable: true, retryAt: undefined })
    expect(server.requests).toHaveLength(2)
  })

  it("treats GitHub's 403 with x-ratelimit-remaining: 0 as a rate limit until x-ratelimit-reset", async () => {
    const resetSeconds = Math.floor(startTime / 1000) + 3600
    const server = await startServer((_request, response) =>
      sendJson(response, 403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(resetSeconds) }),
    )
    const { client } = testClient()

    const error = await failure(client.getJson(`${server.url}/repos/owner/repo`, { source: 'github' }))

    expect(error).toMatchObject({ code: 'E_RATE_LIMITED', status: 403, retryAt: resetSeconds * 1000 })
    expect(server.requests).toHaveLength(1)
  })

  it('times out an attempt that never gets an answer with a retryable E_TIMEOUT', async () => {
    const server = await startServer(() => {
      // Never answers.
    })
    // Attempts are counted where they are sent: on a loaded machine an attempt can time out
    // before this process's server has even read it.
    let attempts = 0
    const counting: typeof globalThis.fetch = (input, init) => {
      attempts += 1
      return globalThis.fetch(input, init)
    }
    const { client } = testClient({ timeoutMs: 200, retries: 1, fetch: counting })

    const error = await failure(client.getJson(`${server.url}/hang`, { source: 'npm' }))

    expect(error.code).toBe('E_TIMEOUT')
    expect(error.retryable).toBe(true)
    expect(error.message).toBe(`[npm] GET ${server.url}/hang timed out after 200 ms`)
    expect(attempts).toBe(2)
  })

  it('applies the per-request timeout over the client default', async () => {
    const server = await startServer(() => {})
    const { client } = testClient({ timeoutMs: 60_000, retries: 0 })

    const error = await failure(client.getJson(`${server.url}/hang`, { timeoutMs: 150 }))

    expect(error.code).toBe('E_TIMEOUT')
  })

  it('times out a body that stalls half way', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-length': '100' })
      response.write('{"partial":')
    })
    const { client } = testClient({ timeoutMs: 200, retries: 0 })

    const error = await failure(client.getJson(`${server.url}/stall`))

    expect(error.code).toBe('E_TIMEOUT')
  })

  it('stops with E_ABORTED when the caller aborts, without retrying', async () => {
    const controller = new AbortController()
    const server = await startServer(() => controller.abort())
    const { client, sleeps } = testClient({ retries: 2 })

    const error = await failure(client.getJson(`${server.url}/slow`, { signal: controller.signal }))

    expect(error.code).toBe('E_ABORTED')
    expect(error.retryable).toBe(false)
    expect(server.requests).toHaveLength(1)
    expect(sleeps).toEqual([])
  })

  it('sends nothing when the signal is already aborted', async () => {
    const server = await startServer((_request, response) => sendJson(response, 200, {}))
    const { client } = testClient()

    const error = await failure(client.getJson(`${server.url}/`, { signal: AbortSignal.abort() }))

    expect(error.code).toBe('E_ABORTED')
    expect(server.requests).toHaveLength(0)
  })

  it('stops waiting out a Retry-After when the caller aborts', async () => {
    const controller = new AbortController()
    const server = await startServer((_request, response) => {
      sendJson(response, 503, {}, { 'retry-after': '3600' })
      setTimeout(() => controller.abort(), 50)
    })
    // The real, abortable sleep: an hour's wait must end as soon as the caller aborts (a minute
    // is generous for a loaded machine and still far from the hour).
    const client = createHttpClient({ maxRetryAfterMs: 2 * 3_600_000, timeoutMs: 60_000 })
    const started = Date.now()

    const error = await failure(client.getJson(`${server.url}/maintenance`, { signal: controller.signal }))

    expect(error.code).toBe('E_ABORTED')
    expect(Date.now() - started).toBeLessThan(60_000)
    expect(server.requests).toHaveLength(1)
  })

  it('rejects a body cut short (Content-Length larger than what arrives) as E_BAD_RESPONSE', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' })
      response.write('{"name":"server-filesystem","versions":{')
      setTimeout(() => response.socket?.destroy(), 20)
    })
    const { client } = testClient({ retries: 0 })

    const error = await failure(client.getJson(`${server.url}/truncated`, { source: 'npm' }))

    expect(error.code).toBe('E_BAD_RESPONSE')
    expect(error.message).toContain(`[npm] GET ${server.url}/truncated 200 OK body was cut short`)
    expect(server.requests).toHaveLength(1)
  })

  it('retries a truncated body, since the connection dropped', async () => {
    const server = await startServer((_request, response, index) => {
      if (index === 0) {
        response.writeHead(200, { 'content-length': '1000' })
        response.write('{"na')
        setTimeout(() => response.socket?.destroy(), 20)
      } else {
        sendJson(response, 200, { name: 'whole' })
      }
    })
    const { client } = testClient({ retries: 1 })

    const response = await client.getJson(`${server.url}/truncated`)

    expect(response.data).toEqual({ name: 'whole' })
    expect(server.requests).toHaveLength(2)
  })

  it('rejects invalid JSON as E_BAD_RESPONSE without retrying', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end('<html>Welcome to the captive portal</html>')
    })
    const { client } = testClient()

    const error = await failure(client.getJson(`${server.url}/portal`, { source: 'npm' }))

    expect(error.code).toBe('E_BAD_RESPONSE')
    expect(error.message).toContain(`[npm] GET ${server.url}/portal 200 OK returned invalid JSON`)
    expect(error.retryable).toBe(false)
    expect(server.requests).toHaveLength(1)
  })

  it('validates with the schema and names the first failing path', async () => {
    const server = await startServer((_request, response) => sendJson(response, 200, { name: 'x', versions: [{ version: '1.0.0' }, { version: 2 }] }))
    const schema = z.object({ name: z.string(), versions: z.array(z.object({ version: z.string() })) })
    const { client } = testClient()

    const error = await failure(client.getJson(`${server.url}/package`, { schema }))

    expect(error.code).toBe('E_BAD_RESPONSE')
    expect(error.message).toContain('unexpected shape at versions.1.version')
    expect(server.requests).toHaveLength(1)
  })

  it('returns what the schema outputs when the body matches', async () => {
    const server = await startServer((_request, response) => sendJson(response, 200, { name: 'x', extra: true }))
    const schema = z.object({ name: z.string().transform((name) => name.toUpperCase()) })
    const { client } = testClient()

    const { data } = await client.getJson(`${server.url}/package`, { schema })

    expect(data).toEqual({ name: 'X' })
  })

  it('reports a root-level schema mismatch as (root)', async () => {
    const server = await startServer((_request, response) => sendJson(response, 200, [1, 2]))
    const { client } = testClient()

    const error = await failure(client.getJson(`${server.url}/`, { schema: z.object({ name: z.string() }) }))

    expect(error.message).toContain('unexpected shape at (root)')
  })

  it('refuses a body whose Content-Length is over the cap before reading it', async () => {
    // Headers only, no body: the declared size alone must be enough to refuse it.
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) })
      response.flushHeaders()
    })
    const { client } = testClient({ maxResponseBytes: 1024 })

    const error = await failure(client.getJson(`${server.url}/huge`))

    expect(error.code).toBe('E_RESPONSE_TOO_LARGE')
    expect(error.message).toContain('200 OK response of 50 MiB exceeds the 1 KiB limit')
    expect(error.retryable).toBe(false)
    expect(server.requests).toHaveLength(1)
  })

  it('counts a chunked body while streaming and stops at the cap', async () => {
    let chunksWritten = 0
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      const writeChunk = (): void => {
        if (response.destroyed || chunksWritten >= 100) {
          response.end()
          return
        }
        chunksWritten += 1
        response.write('x'.repeat(512))
        setImmediate(writeChunk)
      }
      writeChunk()
    })
    const { client } = testClient({ maxResponseBytes: 2048 })

    const error = await failure(client.getJson(`${server.url}/stream`))

    expect(error.code).toBe('E_RESPONSE_TOO_LARGE')
    expect(error.message).toContain('more than 2 KiB')
    expect(server.requests).toHaveLength(1)
  })

  it('removes credentials from the URL (sent as Basic auth) and from every error', async () => {
    const server = await startServer((_request, response) => sendJson(response, 500, { error: 'boom' }))
    const { client } = testClient({ retries: 0 })
    const url = `http://alice:s3cr3t-pass@127.0.0.1:${server.port}/private/pkg?token=tok_abcdef123456&page=2`

    const error = await failure(client.getJson(url, { source: 'npm' }))

    expect(error.message).toBe(`[npm] GET http://***@127.0.0.1:${server.port}/private/pkg?token=***&page=2 500 Internal Server Error`)
    const everything = `${error.message} ${error.url} ${JSON.stringify(error)} ${String(error.stack)} ${String(error.cause)}`
    expect(everything).not.toContain('s3cr3t-pass')
    expect(everything).not.toContain('tok_abcdef123456')
    expect(server.requests[0]?.url).toBe('/private/pkg?token=tok_abcdef123456&page=2')
    expect(server.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('alice:s3cr3t-pass').toString('base64')}`)
  })

  it('keeps an explicit Authorization header over URL credentials, and out of errors', async () => {
    const server = await startServer((_request, response) => sendJson(response, 401, {}))
    const { client } = testClient()

    const error = await failure(client.getJson(`http://bob:pw@127.0.0.1:${server.port}/`, { headers: { Authorization: 'Bearer secret-token-value' } }))

    expect(server.requests[0]?.headers.authorization).toBe('Bearer secret-token-value')
    expect(`${error.message} ${JSON.stringify(error)} ${String(error.cause)}`).not.toContain('secret-token-value')
  })

  it('reports a refused connection as E_NETWORK with a hint, at once (no retry), credentials redacted', async () => {
    const server = await startServer(() => {})
    const closed = servers.pop()
    await new Promise<void>((resolve) => closed?.close(() => resolve()))
    const { client } = testClient({ retries: 1 })
    const trace = createRequestTrace()

    const error = await failure(client.getJson(`http://carol:hunter22@127.0.0.1:${server.port}/x?api_key=k3y-value`, { trace, source: 'npm' }))

    expect(error.code).toBe('E_NETWORK')
    expect(error.retryable).toBe(true)
    expect(error.hint).toBe('Check your connection or the registry URL')
    expect(error.message).toContain(`[npm] GET http://***@127.0.0.1:${server.port}/x?api_key=*** failed: `)
    expect(error.message).toContain('ECONNREFUSED')
    expect(`${error.message} ${JSON.stringify(error)} ${String(error.cause)}`).not.toMatch(/hunter22|k3y-value/)
    // A host that refuses is not asked again within the search: each try would only cost time.
    expect(trace.network).toBe(1)
  })

  it('rejects URLs it cannot or must not fetch', async () => {
    const { client } = testClient()

    await expect(client.getJson('not a url')).rejects.toMatchObject({ code: 'E_INVALID_INPUT' })
    await expect(client.getJson('file:///etc/passwd')).rejects.toMatchObject({ code: 'E_INVALID_INPUT' })
  })
})

describe('createHttpClient: rate limiting', () => {
  it('delays a burst beyond the bucket, per host, shared by all requests of the client', async () => {
    const server = await startServer((_request, response) => sendJson(response, 200, {}))
    const { client, sleeps } = testClient({ rateLimit: { requestsPerSecond: 10, burst: 3 } })

    await Promise.all(Array.from({ length: 6 }, (_, index) => client.getJson(`${server.url}/item/${index}`)))

    // Three go at once; the next three wait one refill interval (100 ms) more each.
    expect(sleeps).toEqual([100, 200, 300])
    expect(server.requests).toHaveLength(6)
  })

  it('refills the bucket as time passes', async () => {
    const server = await startServer((_request, response) => sendJson(response, 200, {}))
    const { client, sleeps, clock } = testClient({ rateLimit: { requestsPerSecond: 2, burst: 1 } })

    await client.getJson(`${server.url}/a`)
    clock.now += 500
    await client.getJson(`${server.url}/b`)
    await client.getJson(`${server.url}/c`)

    expect(sleeps).toEqual([500])
  })
})

describe('createHttpClient: caching and ETag revalidation', () => {
  const body = { name: 'server-filesystem', version: '1.0.0' }
  const cacheOption = { key: 'npm:metadata:server-filesystem', kind: 'metadata' }

  /** Answers 200 with an ETag, and 304 to a request that presents it. */
  function etagServer() {
    return startServer((request, response) => {
      if (request.headers['if-none-match'] === '"v1"') {
        response.writeHead(304, { etag: '"v1"' })
        response.end()
      } else {
        sendJson(response, 200, body, { etag: '"v1"', 'last-modified': 'Wed, 15 Jan 2025 11:00:00 GMT' })
      }
    })
  }

  it('caches a 200 with its validators and serves it without a request while fresh', async () => {
    const server = await etagServer()
    const clock = { now: startTime }
    const cache = testCache(() => clock.now, { freshMs: 60_000, staleWhileRevalidateMs: 0 })
    const client = createHttpClient({ now: () => clock.now, sleep: async () => {}, timeoutMs: 60_000, cache })
    const trace = createRequestTrace()

    const first = await client.getJson(`${server.url}/pkg`, { cache: cacheOption, trace })
    expect(first).toMatchObject({ data: body, status: 200, fromCache: false, stale: false })
    expect(await cache.get(`${cacheOption.key}#v1`)).toEqual({ value: body, storedAt: startTime, etag: '"v1"', lastModified: 'Wed, 15 Jan 2025 11:00:00 GMT', ageMs: 0 })

    clock.now += 10_000
    const second = await client.getJson(`${server.url}/pkg`, { cache: cacheOption, trace })
    expect(second).toMatchObject({ data: body, status: 0, fromCache: true, stale: false, ageMs: 10_000 })
    expect(server.requests).toHaveLength(1)
    expect(trace).toMatchObject({ network: 1, cached: 1, stale: 0, oldestAgeMs: 10_000 })
  })

  it('after expiry sends If-None-Match and If-Modified-Since, and a 304 serves the cached body', async () => {
    const server = await etagServer()
    const clock = { now: startTime }
    const cache = testCache(() => clock.now, { freshMs: 60_000, staleWhileRevalidateMs: 0 })
    const client = createHttpClient({ now: () => clock.now, sleep: async () => {}, timeoutMs: 60_000, cache })
    await client.getJson(`${server.url}/pkg`, { cache: cacheOption })

    clock.now += 120_000
    const trace = createRequestTrace()
    const revalidated = await client.getJson(`${server.url}/pkg`, { cache: cacheOption, trace })

    expect(revalidated).toMatchObject({ data: body, status: 304, fromCache: false, stale: false, ageMs: 0 })
    expect(server.requests).toHaveLength(2)
    expect(server.requests[1]?.headers['if-none-match']).toBe('"v1"')
    expect(server.requests[1]?.headers['if-modified-since']).toBe('Wed, 15 Jan 2025 11:00:00 GMT')
    expect((await cache.get(`${cacheOption.key}#v1`))?.storedAt).toBe(clock.now)
    expect(trace.network).toBe(1)
  })

  it('revalidates in the background while serving the stale copy, and counts it as a revalidation', async () => {
    const server = await etagServer()
    const clock = { now: startTime }
    const cache = testCache(() => clock.now, { freshMs: 60_000, staleWhileRevalidateMs: 60_000 })
    const client = createHttpClient({ now: () => clock.now, sleep: async () => {}, timeoutMs: 60_000, cache })
    await client.getJson(`${server.url}/pkg`, { cache: cacheOption })

    clock.now += 90_000
    const trace = createRequestTrace()
    const stale = await client.getJson(`${server.url}/pkg`, { cache: cacheOption, trace })
    await cache.settle()

    expect(stale).toMatchObject({ data: body, status: 0, fromCache: true, stale: true, ageMs: 90_000 })
    expect(trace).toMatchObject({ cached: 1, stale: 1, oldestAgeMs: 90_000, network: 0 }) // the background refresh is not this caller's request
    expect(server.requests).toHaveLength(2)
    expect(server.requests[1]?.headers['if-none-match']).toBe('"v1"')
    expect((await cache.stats()).revalidations).toBe(1)
    expect((await cache.get(`${cacheOption.key}#v1`))?.storedAt).toBe(clock.now)
  })

  it('asks every time when the client has no cache, even with a cache option', async () => {
    const server = await etagServer()
    const { client } = testClient()

    await client.getJson(`${server.url}/pkg`, { cache: cacheOption })
    await client.getJson(`${server.url}/pkg`, { cache: cacheOption })

    expect(server.requests).toHaveLength(2)
    expect(server.requests[1]?.headers['if-none-match']).toBeUndefined()
  })

  it('never caches a bad body', async () => {
    const server = await startServer((_request, response, index) => {
      response.writeHead(200, { etag: '"bad"' })
      response.end(index === 0 ? '{"truncated":' : '{"name":42}')
    })
    const cache = testCache(() => startTime, { freshMs: 60_000, staleWhileRevalidateMs: 0 })
    const { client } = testClient({ cache })

    await expect(client.getJson(`${server.url}/pkg`, { cache: { key: 'k', kind: 'metadata' } })).rejects.toMatchObject({ code: 'E_BAD_RESPONSE' })
    await expect(client.getJson(`${server.url}/pkg`, { cache: { key: 'k', kind: 'metadata' }, schema: z.object({ name: z.string() }) })).rejects.toMatchObject({
      code: 'E_BAD_RESPONSE',
    })

    expect(await cache.get('k#v1')).toBeUndefined()
    expect((await cache.stats()).writes).toBe(0)
  })

  it('records a stale answer and the (redacted) reason it was needed in the trace', async () => {
    let up = true
    const server = await startServer((_request, response) => {
      if (up) sendJson(response, 200, { name: 'cached' }, { etag: '"e"' })
      else sendJson(response, 503, {})
    })
    const clock = { now: startTime }
    const cache = testCache(() => clock.now, { freshMs: 1000, staleWhileRevalidateMs: 0 })
    const client = createHttpClient({ now: () => clock.now, sleep: async () => {}, timeoutMs: 60_000, cache, retries: 0 })
    const url = `http://user:pw@127.0.0.1:${server.port}/search?token=abc12345`
    const options = { cache: { key: 'npm:search:x', kind: 'search' }, source: 'npm' }
    await client.getJson(url, options)

    up = false
    clock.now += 5000
    const trace = createRequestTrace()
    const response = await client.getJson(url, { ...options, trace })

    expect(response).toMatchObject({ data: { name: 'cached' }, fromCache: true, stale: true, ageMs: 5000, status: 0 })
    expect(trace).toMatchObject({ network: 1, cached: 1, stale: 1, oldestAgeMs: 5000 })
    expect(trace.staleBecause).toBe(`[npm] GET http://***@127.0.0.1:${server.port}/search?token=*** 503 Service Unavailable`)
  })

  it('does not hand back a stale fallback to a caller who aborted', async () => {
    const controller = new AbortController()
    const server = await startServer((_request, response, index) => {
      if (index === 0) sendJson(response, 200, { name: 'cached' })
      else controller.abort()
    })
    const clock = { now: startTime }
    const cache = testCache(() => clock.now, { freshMs: 1000, staleWhileRevalidateMs: 0 })
    const client = createHttpClient({ now: () => clock.now, sleep: async () => {}, timeoutMs: 60_000, cache })
    await client.getJson(`${server.url}/pkg`, { cache: { key: 'k', kind: 'metadata' } })
    clock.now += 5000

    const error = await failure(client.getJson(`${server.url}/pkg`, { cache: { key: 'k', kind: 'metadata' }, signal: controller.signal }))

    expect(error.code).toBe('E_ABORTED')
  })
})

describe('createHttpClient: deadlines, background refreshes and cached values', () => {
  it('fails at once as rate limited when Retry-After would end after the deadline', async () => {
    const server = await startServer((_request, response) => sendJson(response, 429, {}, { 'retry-after': '20' }))
    const { client, sleeps } = testClient()

    const error = await failure(client.getJson(`${server.url}/pkg`, { source: 'npm', deadline: startTime + 10_000 }))

    expect(error.code).toBe('E_RATE_LIMITED')
    expect(error.retryAt).toBe(startTime + 20_000)
    expect(error.message).toBe(`[npm] GET ${server.url}/pkg 429 Too Many Requests; retry after ${new Date(startTime + 20_000).toISOString()}`)
    expect(sleeps).toEqual([])
    expect(server.requests).toHaveLength(1)
  })

  it('still waits out a Retry-After that ends before the deadline', async () => {
    const server = await startServer((_request, response, index) => {
      if (index === 0) sendJson(response, 429, {}, { 'retry-after': '2' })
      else sendJson(response, 200, { ok: true })
    })
    const { client, sleeps } = testClient()

    const response = await client.getJson(`${server.url}/pkg`, { deadline: startTime + 10_000 })

    expect(response.data).toEqual({ ok: true })
    expect(sleeps).toEqual([2_000])
  })

  it('makes a single attempt for a background refresh', async () => {
    let healthy = true
    const server = await startServer((_request, response) => {
      if (healthy) sendJson(response, 200, { name: 'cached' })
      else sendJson(response, 503, {})
    })
    const clock = { now: startTime }
    const cache = testCache(() => clock.now, { freshMs: 60_000, staleWhileRevalidateMs: 60_000 })
    const client = createHttpClient({ now: () => clock.now, sleep: async () => {}, timeoutMs: 60_000, cache, retries: 2 })
    await client.getJson(`${server.url}/pkg`, { cache: { key: 'npm:pkg', kind: 'metadata' } })

    healthy = false
    clock.now += 90_000
    const stale = await client.getJson(`${server.url}/pkg`, { cache: { key: 'npm:pkg', kind: 'metadata' } })
    await cache.settle()

    expect(stale).toMatchObject({ data: { name: 'cached' }, stale: true })
    // One request to fill the cache, then one (not three) for the refresh behind the stale answer.
    expect(server.requests).toHaveLength(2)
    expect((await cache.stats()).errors).toBe(1)
  })

  it('versions its cache keys after the caller\'s key, so invalidating by prefix still works', async () => {
    const server = await startServer((_request, response) => sendJson(response, 200, { name: 'x' }))
    const driver = memoryCache({ now: () => startTime })
    const cache = createCacheManager({ drivers: [driver], now: () => startTime })
    const { client } = testClient({ cache })

    await client.getJson(`${server.url}/pkg`, { cache: { key: 'npm:packument:x', kind: 'metadata' } })

    expect(await driver.keys()).toEqual(['npm:packument:x#v1'])
    expect(await cache.invalidate({ prefix: 'npm:' })).toBe(1)
  })

  it('drops a cached value its schema refuses and loads it again, unconditionally', async () => {
    let version = 1
    const server = await startServer((_request, response) => sendJson(response, 200, { version }, { etag: `"${version}"` }))
    const clock = { now: startTime }
    const driver = memoryCache({ now: () => clock.now })
    const cache = createCacheManager({ drivers: [driver], now: () => clock.now })
    const { client } = testClient({ cache })
    const schema = z.object({ version: z.number() })
    const request = { schema, cache: { key: 'npm:thing', kind: 'metadata' } }

    expect((await client.getJson(`${server.url}/thing`, request)).data).toEqual({ version: 1 })
    // A damaged entry (an older format, a hand-edited or half-written file) under the same validator.
    for (const key of await driver.keys()) await driver.set(key, { value: { version: 'one' }, storedAt: clock.now, etag: '"1"' }, 60_000)
    version = 2

    const response = await client.getJson(`${server.url}/thing`, request)

    expect(response).toMatchObject({ data: { version: 2 }, fromCache: false })
    expect(server.requests).toHaveLength(2)
    expect(server.requests[1]?.headers['if-none-match']).toBeUndefined()
    expect((await client.getJson(`${server.url}/thing`, request)).fromCache).toBe(true)
  })

  it('goes to the network when a damaged entry cannot be deleted', async () => {
    const server = await startServer((_request, response) => sendJson(response, 200, { version: 2 }))
    // A read-only cache file: reads work, deletes and writes fail.
    const stuck = {
      name: 'read-only',
      get: async () => ({ value: { version: 'damaged' }, storedAt: startTime }),
      set: async () => {
        throw new Error('EROFS: read-only file system')
      },
      delete: async () => {
        throw new Error('EROFS: read-only file system')
      },
      keys: async () => [],
      clear: async () => undefined,
    }
    const cache = createCacheManager({ drivers: [stuck], now: () => startTime })
    const { client } = testClient({ cache })

    const response = await client.getJson(`${server.url}/thing`, { schema: z.object({ version: z.number() }), cache: { key: 'npm:thing', kind: 'metadata' } })

    expect(response).toMatchObject({ data: { version: 2 }, fromCache: false })
    expect(server.requests).toHaveLength(1)
  })

  it('fails rather than serving a damaged value when the network fails too', async () => {
    let up = true
    const server = await startServer((_request, response) => {
      if (up) sendJson(response, 200, { version: 1 })
      else sendJson(response, 503, {})
    })
    const clock = { now: startTime }
    const driver = memoryCache({ now: () => clock.now })
    const cache = createCacheManager({ drivers: [driver], now: () => clock.now })
    const { client } = testClient({ cache, retries: 0 })
    const request = { schema: z.object({ version: z.number() }), cache: { key: 'npm:thing', kind: 'metadata' } }
    await client.getJson(`${server.url}/thing`, request)
    for (const key of await driver.keys()) await driver.set(key, { value: 'garbage', storedAt: clock.now }, 60_000)
    up = false

    await expect(client.getJson(`${server.url}/thing`, request)).rejects.toMatchObject({ code: 'E_HTTP' })
    expect(await driver.keys()).toEqual([])
  })
})

describe('createHttpClient: getBytes', () => {
  it('returns the exact bytes, asking for anything', async () => {
    const payload = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00, 0x7b])
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': payload.length })
      response.end(payload)
    })
    const { client } = testClient()

    const response = await client.getBytes(`${server.url}/pkg.tgz`)

    expect(Buffer.from(response.data).equals(payload)).toBe(true)
    expect(response).toMatchObject({ status: 200, fromCache: false, stale: false })
    expect(server.requests[0]?.headers.accept).toBe('*/*')
  })

  it('applies the size cap and retries to downloads too', async () => {
    const server = await startServer((_request, response, index) => {
      if (index === 0) sendJson(response, 503, {})
      else {
        response.writeHead(200)
        response.end(Buffer.alloc(4096))
      }
    })
    const { client } = testClient({ maxResponseBytes: 1024 })

    const error = await failure(client.getBytes(`${server.url}/big.tgz`))

    expect(error.code).toBe('E_RESPONSE_TOO_LARGE')
    expect(server.requests).toHaveLength(2)
  })

  it('returns an empty array for an empty body', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(204)
      response.end()
    })
    const { client } = testClient()

    const response = await client.getBytes(`${server.url}/empty`)

    expect(response.data).toEqual(new Uint8Array(0))
    expect(response.status).toBe(204)
  })
})

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text()
}

async function streamFailure(stream: ReadableStream<Uint8Array>): Promise<RegistryHttpError> {
  return failure(readAll(stream))
}

describe('createHttpClient: getStream', () => {
  it('hands the body over as it arrives, with the headers, after retrying what failed before it', async () => {
    const server = await startServer((_request, response, index) => {
      if (index === 0) return sendJson(response, 503, {})
      response.writeHead(200, { 'content-type': 'text/html', etag: '"v2"' })
      response.write('<a>one</a>')
      setImmediate(() => response.end('<a>two</a>'))
    })
    const { client } = testClient()

    const response = await client.getStream(`${server.url}/simple/`, { accept: 'text/html' })

    expect(response).toMatchObject({ status: 200, notModified: false })
    expect(response.headers.get('etag')).toBe('"v2"')
    expect(await readAll(response.body)).toBe('<a>one</a><a>two</a>')
    expect(server.requests).toHaveLength(2)
    expect(server.requests[1]?.headers.accept).toBe('text/html')
  })

  it('asks conditionally and answers notModified on a 304', async () => {
    const server = await startServer((request, response) => {
      response.writeHead(request.headers['if-none-match'] === '"v1"' ? 304 : 200)
      response.end()
    })
    const { client } = testClient()

    const response = await client.getStream(`${server.url}/simple/`, { etag: '"v1"', lastModified: 'Wed, 15 Jan 2025 12:00:00 GMT' })

    expect(response).toMatchObject({ status: 304, notModified: true })
    expect(await readAll(response.body)).toBe('')
    expect(server.requests[0]?.headers['if-modified-since']).toBe('Wed, 15 Jan 2025 12:00:00 GMT')
  })

  it('fails the stream with E_RESPONSE_TOO_LARGE once the body passes the cap, and before reading when declared', async () => {
    const server = await startServer((request, response) => {
      if (request.url === '/declared') {
        response.writeHead(200, { 'content-length': '4096' })
        return response.end(Buffer.alloc(4096))
      }
      response.writeHead(200)
      response.end(Buffer.alloc(4096))
    })
    const { client } = testClient()

    const streamed = await client.getStream(`${server.url}/chunked`, { maxBytes: 1024 })
    expect((await streamFailure(streamed.body)).code).toBe('E_RESPONSE_TOO_LARGE')
    expect((await failure(client.getStream(`${server.url}/declared`, { maxBytes: 1024 }))).code).toBe('E_RESPONSE_TOO_LARGE')
  })

  it('fails the stream with E_BAD_RESPONSE when the body is shorter than declared', async () => {
    const fetch: typeof globalThis.fetch = async () => new Response('short', { status: 200, headers: { 'content-length': '100' } })
    const { client } = testClient({ fetch })

    const response = await client.getStream('https://index.example.com/simple/')

    expect(await streamFailure(response.body)).toMatchObject({ code: 'E_BAD_RESPONSE', message: expect.stringContaining('cut short: 5 of 100 bytes') })
  })

  it('covers the whole download with its timeout, body included', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-length': '100' })
      response.write('<a>')
    })
    const { client } = testClient({ retries: 0 })

    const response = await client.getStream(`${server.url}/stall`, { timeoutMs: 300 })

    expect((await streamFailure(response.body)).code).toBe('E_TIMEOUT')
  })

  it('stops with E_ABORTED when the caller aborts while the body streams', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200)
      response.write('<a>')
    })
    const { client } = testClient()
    const controller = new AbortController()

    const response = await client.getStream(`${server.url}/slow`, { signal: controller.signal, timeoutMs: 60_000 })
    const reader = response.body.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('<a>')
    controller.abort()

    await expect(reader.read()).rejects.toMatchObject({ code: 'E_ABORTED' })
  })

  it('stops reading when the caller cancels the stream', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200)
      response.write('<a>')
    })
    const { client } = testClient()

    const response = await client.getStream(`${server.url}/endless`, { timeoutMs: 60_000 })
    await response.body.cancel()

    await expect(response.body.getReader().read()).resolves.toMatchObject({ done: true })
  })
})

describe('createHttpClient: hooks', () => {
  it('lets onResponse see every response, and fail it with its own error, which is not retried', async () => {
    const server = await startServer((_request, response) => sendJson(response, 403, { message: 'You have exceeded a secondary rate limit' }))
    const { client } = testClient()
    const seen: Array<{ status: number; url: string; source: string | undefined }> = []
    const limited = new RegistryHttpError('E_RATE_LIMITED', '[github] secondary rate limit', { url: `${server.url}/search`, status: 403, retryable: true, retryAt: startTime + 60_000 })

    const error = await client
      .getJson(`${server.url}/search`, {
        source: 'github',
        onResponse: async (response, request) => {
          seen.push({ status: response.status, url: request.url, source: request.source })
          if (/secondary rate limit/.test(await response.clone().text())) throw limited
        },
      })
      .catch((caught: unknown) => caught)

    expect(error).toBe(limited)
    expect(seen).toEqual([{ status: 403, url: `${server.url}/search`, source: 'github' }])
    expect(server.requests).toHaveLength(1)
  })

  it('lets onRequest answer without sending, and a cached copy still stands in for the answer', async () => {
    const server = await startServer((_request, response) => sendJson(response, 200, { n: 1 }))
    const { client, clock } = testClient({ cache: testCache(() => clock.now, { freshMs: 1000, staleWhileRevalidateMs: 0 }) })
    let blocked = false
    const onRequest = () => {
      if (blocked) throw new RegistryHttpError('E_RATE_LIMITED', 'held back', { url: server.url, retryable: true })
    }
    await client.getJson(`${server.url}/a`, { cache: { key: 'test:a', kind: 'search' }, onRequest })
    blocked = true
    clock.now += 2000

    const stale = await client.getJson(`${server.url}/a`, { cache: { key: 'test:a', kind: 'search' }, onRequest })
    const uncached = await failure(client.getJson(`${server.url}/b`, { onRequest }))

    expect(stale).toMatchObject({ data: { n: 1 }, fromCache: true, stale: true })
    expect(uncached.message).toBe('held back')
    expect(server.requests).toHaveLength(1)
  })
})

describe('createHttpClient: injected fetch and options', () => {
  it('uses an injected fetch instead of the default transport', async () => {
    const seen: string[] = []
    const fetch: typeof globalThis.fetch = async (input) => {
      seen.push(String(input))
      return new Response('{"injected":true}', { status: 200 })
    }
    const { client } = testClient({ fetch })

    const { data } = await client.getJson('https://registry.example.com/pkg')

    expect(data).toEqual({ injected: true })
    expect(seen).toEqual(['https://registry.example.com/pkg'])
  })

  it('notices a body shorter than its Content-Length even when the transport does not', async () => {
    const fetch: typeof globalThis.fetch = async () => new Response('{"a":1}', { status: 200, headers: { 'content-length': '500' } })
    const { client } = testClient({ fetch, retries: 0 })

    const error = await failure(client.getJson('https://registry.example.com/pkg'))

    expect(error.code).toBe('E_BAD_RESPONSE')
    expect(error.message).toContain('cut short: 7 of 500 bytes')
  })

  it('sends URL credentials it cannot percent-decode as they are', async () => {
    let authorization: string | null = null
    const fetch: typeof globalThis.fetch = async (_input, init) => {
      authorization = new Headers(init?.headers).get('authorization')
      return new Response('{}', { status: 200 })
    }
    const { client } = testClient({ fetch })

    await client.getJson('https://a%zz:b@registry.example.com/pkg')

    expect(authorization).toBe(`Basic ${Buffer.from('a%zz:b').toString('base64')}`)
  })

  it('passes on a failure of an injected sleep that was not an abort', async () => {
    const fetch: typeof globalThis.fetch = async () => new Response('{}', { status: 500 })
    const client = createHttpClient({
      fetch,
      sleep: async () => {
        throw new Error('timer broke')
      },
    })

    await expect(client.getJson('https://registry.example.com/pkg')).rejects.toThrow('timer broke')
  })

  it('treats a 304 nobody asked for as an error', async () => {
    const fetch: typeof globalThis.fetch = async () => new Response(null, { status: 304 })
    const { client } = testClient({ fetch })

    await expect(client.getJson('https://registry.example.com/pkg')).rejects.toMatchObject({ code: 'E_HTTP', status: 304, retryable: false })
  })

  it('checks its options up front', () => {
    expect(() => createHttpClient({ timeoutMs: 0 })).toThrow(/timeoutMs/)
    expect(() => createHttpClient({ retries: 1.5 })).toThrow(/retries/)
    expect(() => createHttpClient({ backoffMs: -1 })).toThrow(/backoffMs/)
    expect(() => createHttpClient({ rateLimit: { requestsPerSecond: 0, burst: 1 } })).toThrow(/requestsPerSecond/)
  })
})
