/**
 * A loopback HTTP server for tests, shared by every fake registry (npm now; PyPI, GitHub and the
 * official registry later). Handlers return a plain response object instead of writing to the
 * socket, so the server can apply faults (truncation, invalid JSON, ...) to any fake uniformly.
 */
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** A request as a handler sees it. */
export interface FakeRequest {
  method: string
  /** Path and query exactly as sent, e.g. `/@scope%2fname?write=true`. */
  path: string
  /** The parsed URL (against the server's own base URL). */
  url: URL
  headers: IncomingHttpHeaders
  /** The server's base URL, e.g. `http://127.0.0.1:43121`, for building absolute links. */
  baseUrl: string
}

/** What a handler answers. `json` is serialised; `body` is sent as is. */
export interface FakeResponse {
  status?: number
  headers?: Record<string, string>
  json?: unknown
  body?: string | Uint8Array
}

export type FakeHandler = (request: FakeRequest) => FakeResponse | Promise<FakeResponse>

/** A request the server received, kept for assertions. */
export interface RecordedRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  /** The fault applied to this request, if any. */
  fault?: Fault['kind']
  /**
   * For a `hang`: when the client gave up on it (or `close()` ended it); absent while the client
   * still waits, so a test can tell "returned while its request was pending" without a stopwatch.
   */
  abandonedAt?: number
}

/**
 * Faults a test can inject:
 * - `delay`: answer normally after `ms`;
 * - `status`: answer `status` (with `Retry-After` in seconds when given) instead of the real answer;
 * - `truncate`: announce the full `Content-Length`, send half the body, then destroy the socket;
 * - `invalid-json`: answer 200 with a JSON content type and a body that does not parse;
 * - `hang`: accept the request and never answer (until the client gives up or `close()`).
 */
export type Fault =
  | { kind: 'delay'; ms: number }
  | { kind: 'status'; status: number; retryAfter?: number; body?: unknown }
  | { kind: 'truncate' }
  | { kind: 'invalid-json' }
  | { kind: 'hang' }

/** Where a fault applies: the next `times` matching requests (default: all, until cleared). */
export interface FaultScope {
  times?: number
  /** Only requests whose path (with query) starts with this string or matches this pattern. */
  path?: string | RegExp
}

export interface FakeServerOptions {
  /**
   * Add a strong `ETag` to every 200 answer that has none, and answer 304 when `If-None-Match`
   * matches it, as registries and CDNs do. @default true
   */
  etags?: boolean
}

export interface FakeServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:43121`. */
  readonly url: string
  readonly port: number
  /** Every request received, in order (a test may reset it with `requests.length = 0`). */
  readonly requests: RecordedRequest[]
  /** Replaces the active faults with this one (or clears them with `null`). */
  setFault(fault: (Fault & FaultScope) | null): void
  /** Adds a fault after the active ones; the first matching fault with uses left applies. */
  addFault(fault: Fault & FaultScope): void
  /** Stops listening and destroys every open socket, hanging ones included. */
  close(): Promise<void>
}

interface ActiveFault {
  fault: Fault
  remaining: number
  path: string | RegExp | undefined
}

function toActive(fault: Fault & FaultScope): ActiveFault {
  const { times, path, ...rest } = fault
  if (times !== undefined && (!Number.isInteger(times) || times < 1)) {
    throw new TypeError(`fault times must be a positive integer, got ${times}`)
  }
  return { fault: rest as Fault, remaining: times ?? Number.POSITIVE_INFINITY, path }
}

function matches(active: ActiveFault, path: string): boolean {
  if (active.remaining <= 0) return false
  if (active.path === undefined) return true
  return typeof active.path === 'string' ? path.startsWith(active.path) : active.path.test(path)
}

function bodyOf(response: FakeResponse): { bytes: Buffer; contentType: string | undefined } {
  if (response.json !== undefined) {
    return { bytes: Buffer.from(JSON.stringify(response.json)), contentType: 'application/json' }
  }
  if (response.body === undefined) return { bytes: Buffer.alloc(0), contentType: undefined }
  return { bytes: Buffer.from(response.body), contentType: undefined }
}

/** A strong ETag over the body, quoted as HTTP wants it. */
export function etagOf(bytes: Uint8Array): string {
  return `"${createHash('sha1').update(bytes).digest('base64url')}"`
}

function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false
  return ifNoneMatch.split(',').some((candidate) => {
    const trimmed = candidate.trim()
    return trimmed === '*' || trimmed === etag || trimmed === `W/${etag}`
  })
}

/**
 * Starts a server on 127.0.0.1 on a free port. Every request is recorded, run through the active
 * fault (if one matches), then answered by `handler`. A handler that throws answers 500.
 */
export async function startFakeServer(handler: FakeHandler, options: FakeServerOptions = {}): Promise<FakeServer> {
  const useEtags = options.etags ?? true
  const requests: RecordedRequest[] = []
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  let faults: ActiveFault[] = []
  let closed = false
  let baseUrl = ''

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        resolve()
      }, ms)
      timers.add(timer)
    })

  function takeFault(path: string): Fault | undefined {
    const active = faults.find((candidate) => matches(candidate, path))
    if (!active) return undefined
    active.remaining -= 1
    return active.fault
  }

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = request.url ?? '/'
    const method = request.method ?? 'GET'
    const recorded: RecordedRequest = { method, path, headers: request.headers }
    requests.push(recorded)
    const fault = takeFault(path)
    if (fault) recorded.fault = fault.kind

    if (fault?.kind === 'hang') {
      // The socket stays open until the client or close() ends it.
      response.once('close', () => {
        recorded.abandonedAt = Date.now()
      })
      return
    }
    if (fault?.kind === 'delay') await wait(fault.ms)
    if (closed || response.destroyed) return
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter)
      response.writeHead(fault.status, headers)
      response.end(JSON.stringify(fault.body ?? { error: `fault: status ${fault.status}` }))
      return
    }
    if (fault?.kind === 'invalid-json') {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end('{"objects": [{"package": {"name": "truncated-in-the-mid')
      return
    }

    let result: FakeResponse
    try {
      result = await handler({ method, path, url: new URL(path, baseUrl), headers: request.headers, baseUrl })
    } catch (error) {
      result = { status: 500, json: { error: error instanceof Error ? error.message : String(error) } }
    }
    if (closed || response.destroyed) return
    const status = result.status ?? 200
    const { bytes, contentType } = bodyOf(result)
    const headers: Record<string, string> = { ...result.headers }
    const headerNames = new Set(Object.keys(headers).map((name) => name.toLowerCase()))
    if (contentType && !headerNames.has('content-type')) headers['content-type'] = contentType

    if (useEtags && status === 200 && method === 'GET' && !headerNames.has('etag')) {
      headers.etag = etagOf(bytes)
    }
    const etag = headers.etag ?? headers.ETag
    const ifNoneMatch = request.headers['if-none-match']
    if (etag && status === 200 && etagMatches(ifNoneMatch, etag)) {
      response.writeHead(304, { etag })
      response.end()
      return
    }

    if (fault?.kind === 'truncate') {
      headers['content-length'] = String(Math.max(bytes.length, 2))
      response.writeHead(status, headers)
      // Destroy once the partial body has left, so the client sees a short read, not a reset.
      const socket = response.socket
      response.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => socket?.destroy())
      return
    }
    headers['content-length'] = String(bytes.length)
    response.writeHead(status, headers)
    response.end(method === 'HEAD' ? undefined : bytes)
  }

  const server = createServer((request, response) => {
    answer(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500)
      response.end(String(error))
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  baseUrl = `http://127.0.0.1:${port}`

  return {
    url: baseUrl,
    port,
    requests,
    setFault(fault) {
      faults = fault ? [toActive(fault)] : []
    },
    addFault(fault) {
      faults.push(toActive(fault))
    },
    async close() {
      if (closed) return
      closed = true
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const socket of sockets) socket.destroy()
      server.closeAllConnections()
      await stopped
    },
  }
}
