/**
 * The HTTP client every registry source shares: a timeout on every attempt, retries with jittered
 * backoff (GET only, so always safe to repeat), `Retry-After` honoured, a token bucket per host,
 * a response size cap, ETag revalidation through the cache manager, and errors that say who, what
 * and where without ever showing a credential.
 */
import type { CachedValue, CacheEntry, CacheLoader } from '../cache/types'
import { RegistryHttpError, TektonError, redact } from '../errors'
import { decodeURIComponentSafely } from '../kit/uri'
import type { RequestTrace } from '../spec/source'
import { BodyTooLargeError, discardBody, formatBytes, readBodyWithLimit } from './body'
import { createHttpError, describeStatus, describeTransportFailure, type RequestLabel } from './http-error'
import { createHostRateLimiter } from './rate-limit'
import { abortableSleep, backoffDelay, isRateLimitedForbidden, retryableStatuses, serverRequestedWait } from './retry'
import { defaultFetch } from './transport'
import { isConnectFailure, staleReasonOf } from '../unreachable-sources'
import type { HttpClient, HttpClientOptions, HttpRequestInfo, HttpRequestOptions, HttpResponse, HttpStreamOptions, HttpStreamResponse } from './types'

// Guarded so running the sources directly (without the build-time define) still works.
const packageVersion = typeof __PACKAGE_VERSION__ === 'string' ? __PACKAGE_VERSION__ : '0.0.0'

/** The User-Agent sent unless `userAgent` is given: registries ask clients to name themselves. */
export const defaultUserAgent = `tekton-mcp/${packageVersion} (+https://github.com/tekton-ai/tekton-mcp-discovery)`

const defaults = {
  timeoutMs: 8000,
  retries: 2,
  backoffMs: 250,
  maxRetryAfterMs: 30_000,
  maxResponseBytes: 32 * 1024 * 1024,
  rateLimit: { requestsPerSecond: 10, burst: 20 },
} as const

/**
 * Appended to every cache key: when the stored shape changes, bumping it makes old entries miss
 * instead of being read as the new shape. A suffix, so keys still start with the caller's key
 * and `invalidate({ prefix: 'npm:' })` still finds them.
 */
const cacheFormat = '#v1'

const networkHint = 'Check your connection or the registry URL'
const timeoutHint = 'The registry did not answer in time; try again later'
const rateLimitHint = 'The registry is rate limiting requests; wait and try again'

type Fetch = typeof globalThis.fetch

/** The validators of a copy held, for a conditional request. */
type Validators = Pick<CacheEntry, 'etag' | 'lastModified'>

/** One request, ready to send: URL without credentials, final headers, and how to describe it. */
interface PreparedRequest {
  url: string
  host: string
  headers: Record<string, string>
  label: RequestLabel
  signal: AbortSignal | undefined
  timeoutMs: number
  trace: RequestTrace | undefined
  /** When the caller stops waiting (epoch ms): a server-requested wait past it fails at once. */
  deadline: number | undefined
  /** Retries after the first attempt. */
  retries: number
  onRequest: HttpRequestOptions['onRequest']
  onResponse: HttpRequestOptions['onResponse']
  /** For `getStream`: hand the body over as a stream capped at this many bytes, instead of reading it. */
  streamLimit?: number
}

/** A successful exchange: 2xx with its body, or 304 to a conditional request (no body). */
interface Exchange {
  status: number
  statusText: string
  url: string
  headers: Headers
  body: Uint8Array | undefined
  /** For `getStream`: the body, still arriving. */
  stream?: ReadableStream<Uint8Array>
}

type AttemptOutcome =
  | { ok: true; exchange: Exchange }
  // `unknown`: a response hook may throw a source's own error.
  | { ok: false; error: unknown; retry: boolean; waitMs?: number | undefined }

/**
 * Creates the HTTP client. Required options are checked here, so a bad configuration fails at
 * start-up rather than on the first request. Nothing is loaded or connected until the first request.
 */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const timeoutMs = options.timeoutMs ?? defaults.timeoutMs
  const retries = options.retries ?? defaults.retries
  const backoffMs = options.backoffMs ?? defaults.backoffMs
  const maxRetryAfterMs = options.maxRetryAfterMs ?? defaults.maxRetryAfterMs
  const maxResponseBytes = options.maxResponseBytes ?? defaults.maxResponseBytes
  const rateLimit = options.rateLimit ?? defaults.rateLimit
  const userAgent = options.userAgent ?? defaultUserAgent
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? abortableSleep
  const cache = options.cache

  requirePositive('timeoutMs', timeoutMs)
  requirePositive('maxResponseBytes', maxResponseBytes)
  requirePositive('rateLimit.requestsPerSecond', rateLimit.requestsPerSecond)
  requirePositive('rateLimit.burst', rateLimit.burst)
  requireNonNegative('backoffMs', backoffMs)
  requireNonNegative('maxRetryAfterMs', maxRetryAfterMs)
  if (!Number.isInteger(retries) || retries < 0) {
    throw new TektonError('E_CONFIG', `createHttpClient: retries must be a whole number ≥ 0, got ${retries}`)
  }

  const limiter = createHostRateLimiter({ ...rateLimit, now, sleep })
  let transport: Promise<Fetch> | undefined

  function getTransport(): Promise<Fetch> {
    transport ??= options.fetch ? Promise.resolve(options.fetch) : defaultFetch()
    return transport
  }

  function prepare(url: string, requestOptions: HttpRequestOptions<unknown>, accept: string): PreparedRequest {
    const label: RequestLabel = { source: requestOptions.source, method: 'GET', displayUrl: redact(url) }
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch (error) {
      throw createHttpError(label, 'E_INVALID_INPUT', 'is not a valid URL', { retryable: false }, { cause: error })
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw createHttpError(label, 'E_INVALID_INPUT', `uses ${parsed.protocol} but only http: and https: are supported`, { retryable: false })
    }
    const requestRetries = requestOptions.retries
    if (requestRetries !== undefined && (!Number.isInteger(requestRetries) || requestRetries < 0)) {
      throw createHttpError(label, 'E_INVALID_INPUT', `retries must be a whole number ≥ 0, got ${requestRetries}`, { retryable: false })
    }
    const headers: Record<string, string> = { 'user-agent': userAgent, accept }
    for (const [name, value] of Object.entries(requestOptions.headers ?? {})) headers[name.toLowerCase()] = value
    // fetch refuses URLs with credentials; registries configured as `https://user:pass@host`
    // (as .npmrc allows) expect them as Basic authentication instead.
    if (parsed.username !== '' || parsed.password !== '') {
      if (headers.authorization === undefined) {
        const credentials = `${decodeURIComponentSafely(parsed.username)}:${decodeURIComponentSafely(parsed.password)}`
        headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`
      }
      parsed.username = ''
      parsed.password = ''
    }
    return {
      url: parsed.href,
      host: parsed.host,
      headers,
      label,
      signal: requestOptions.signal,
      timeoutMs: requestOptions.timeoutMs ?? timeoutMs,
      trace: requestOptions.trace,
      deadline: requestOptions.deadline,
      retries: requestOptions.retries ?? retries,
      onRequest: requestOptions.onRequest,
      onResponse: requestOptions.onResponse,
    }
  }

  function requestInfo(request: PreparedRequest): HttpRequestInfo {
    return { url: request.label.displayUrl, method: 'GET', source: request.label.source }
  }

  function abortedError(request: PreparedRequest): RegistryHttpError {
    return createHttpError(request.label, 'E_ABORTED', 'aborted', { retryable: false }, { cause: request.signal?.reason })
  }

  /** Runs a wait (rate limit, backoff) that the caller may abort. */
  async function interruptible(request: PreparedRequest, wait: () => Promise<void>): Promise<void> {
    try {
      await wait()
    } catch (error) {
      if (request.signal?.aborted) throw abortedError(request)
      throw error
    }
  }

  /**
   * Sends the request, retrying what is worth retrying (at most `maxRetries` times), until it
   * succeeds or a final error.
   */
  async function send(request: PreparedRequest, conditional: Validators | undefined, maxRetries = request.retries): Promise<Exchange> {
    const fetcher = await getTransport()
    for (let attempt = 0; ; attempt += 1) {
      if (request.signal?.aborted) throw abortedError(request)
      // A hook that knows the answer already (a remembered rate limit) stops the request here.
      await request.onRequest?.(requestInfo(request))
      await interruptible(request, () => limiter.acquire(request.host, request.signal))
      const outcome = await attemptOnce(fetcher, request, conditional)
      if (outcome.ok) return outcome.exchange
      if (!outcome.retry || attempt >= maxRetries) throw outcome.error
      const waitMs = outcome.waitMs ?? backoffDelay(attempt, backoffMs)
      await interruptible(request, () => sleep(waitMs, request.signal))
    }
  }

  async function attemptOnce(fetcher: Fetch, request: PreparedRequest, conditional: Validators | undefined): Promise<AttemptOutcome> {
    const timeout = new AbortController()
    const timer = setTimeout(() => timeout.abort(new DOMException(`timed out after ${request.timeoutMs} ms`, 'TimeoutError')), request.timeoutMs)
    // A streamed body keeps the timer running until it is read to the end (or fails, or is cancelled).
    let timerHandedOver = false
    const signal = request.signal ? AbortSignal.any([request.signal, timeout.signal]) : timeout.signal
    const fail = (error: unknown, retry: boolean, waitMs?: number): AttemptOutcome => ({ ok: false, error, retry, waitMs })

    /** A caller abort or our own timeout explains any error thrown while it is in effect. */
    const interruptionError = (): RegistryHttpError | undefined => {
      if (request.signal?.aborted) return abortedError(request)
      if (timeout.signal.aborted) return createHttpError(request.label, 'E_TIMEOUT', `timed out after ${request.timeoutMs} ms`, { retryable: true }, { hint: timeoutHint })
      return undefined
    }
    const interruption = (): AttemptOutcome | undefined => {
      const error = interruptionError()
      return error ? fail(error, error.code === 'E_TIMEOUT') : undefined
    }

    const headers = { ...request.headers }
    if (conditional?.etag) headers['if-none-match'] = conditional.etag
    if (conditional?.lastModified) headers['if-modified-since'] = conditional.lastModified

    try {
      if (request.trace) request.trace.network += 1
      let response: Response
      try {
        response = await fetcher(request.url, { method: 'GET', headers, signal, redirect: 'follow' })
      } catch (error) {
        const interrupted = interruption()
        if (interrupted) return interrupted
        const { detail, cause } = describeTransportFailure(error)
        // A host that cannot be reached (no DNS answer, refused, no connection in time) is not
        // asked again at once: each try would cost the search another connect timeout.
        return fail(createHttpError(request.label, 'E_NETWORK', `failed: ${detail}`, { retryable: true }, { hint: networkHint, cause }), !isConnectFailure(error))
      }

      if (request.onResponse) {
        try {
          await request.onResponse(response, requestInfo(request))
        } catch (error) {
          await discardBody(response.body)
          return fail(error, false)
        }
      }

      const { status } = response
      const statusLabel = describeStatus(status, response.statusText)
      const exchange = (body: Uint8Array | undefined, stream?: ReadableStream<Uint8Array>): AttemptOutcome => ({
        ok: true,
        exchange: { status, statusText: response.statusText, url: response.url || request.url, headers: response.headers, body, ...(stream ? { stream } : {}) },
      })

      if (status === 304 && conditional) {
        await discardBody(response.body)
        return exchange(undefined)
      }

      if (status < 200 || status >= 300) {
        await discardBody(response.body)
        return statusFailure(request, response, statusLabel)
      }

      const limit = request.streamLimit ?? maxResponseBytes
      const tooLargeError = (size: string): RegistryHttpError =>
        createHttpError(request.label, 'E_RESPONSE_TOO_LARGE', `${statusLabel} response of ${size} exceeds the ${formatBytes(limit)} limit`, { status, retryable: false })
      const tooLarge = (size: string): AttemptOutcome => fail(tooLargeError(size), false)
      const declaredLength = parseContentLength(response.headers.get('content-length'))
      if (declaredLength !== undefined && declaredLength > limit) {
        await discardBody(response.body)
        return tooLarge(formatBytes(declaredLength))
      }
      // With Content-Encoding the declared length counts compressed bytes, so only compare without it.
      const expectedLength = response.headers.has('content-encoding') ? undefined : declaredLength
      const cutShort = (received: number): RegistryHttpError =>
        createHttpError(request.label, 'E_BAD_RESPONSE', `${statusLabel} body was cut short: ${received} of ${expectedLength} bytes`, { status, retryable: true })

      if (request.streamLimit !== undefined) {
        timerHandedOver = true
        const stream = streamBody(response.body, {
          limit,
          expectedLength,
          finish: () => clearTimeout(timer),
          tooLarge: () => tooLargeError(`more than ${formatBytes(limit)}`),
          cutShort,
          failed: (error) => {
            const interrupted = interruptionError()
            if (interrupted) return interrupted
            const { detail, cause } = describeTransportFailure(error)
            return createHttpError(request.label, 'E_BAD_RESPONSE', `${statusLabel} body was cut short: ${detail}`, { status, retryable: true }, { cause })
          },
        })
        return exchange(undefined, stream)
      }

      let body: Uint8Array
      try {
        body = await readBodyWithLimit(response.body, maxResponseBytes)
      } catch (error) {
        if (error instanceof BodyTooLargeError) return tooLarge(`more than ${formatBytes(maxResponseBytes)}`)
        const interrupted = interruption()
        if (interrupted) return interrupted
        const { detail, cause } = describeTransportFailure(error)
        // The connection dropped mid-body: likely transient, so worth another try like a network error.
        return fail(createHttpError(request.label, 'E_BAD_RESPONSE', `${statusLabel} body was cut short: ${detail}`, { status, retryable: true }, { cause }), true)
      }
      if (expectedLength !== undefined && body.byteLength < expectedLength) return fail(cutShort(body.byteLength), true)
      return exchange(body)
    } finally {
      if (!timerHandedOver) clearTimeout(timer)
    }
  }

  function statusFailure(request: PreparedRequest, response: Response, statusLabel: string): AttemptOutcome {
    const { status, headers } = response
    const time = now()
    const waitMs = serverRequestedWait(status, headers, time)
    const retryAt = waitMs === undefined ? undefined : time + waitMs
    const retryAtText = retryAt === undefined ? '' : `; retry after ${new Date(retryAt).toISOString()}`

    const pastDeadline = retryAt !== undefined && request.deadline !== undefined && retryAt > request.deadline
    if (waitMs !== undefined && (waitMs > maxRetryAfterMs || pastDeadline)) {
      // Waiting that long inside one command helps no one, and waiting past the caller's deadline
      // would only be reported as a timeout: report when it will work again.
      const error = createHttpError(request.label, 'E_RATE_LIMITED', `${statusLabel}${retryAtText}`, { status, retryable: true, ...(retryAt === undefined ? {} : { retryAt }) }, { hint: rateLimitHint })
      return { ok: false, error, retry: false }
    }
    if (status === 429 || isRateLimitedForbidden(status, headers)) {
      const error = createHttpError(request.label, 'E_RATE_LIMITED', `${statusLabel}${retryAtText}`, { status, retryable: true, ...(retryAt === undefined ? {} : { retryAt }) }, { hint: rateLimitHint })
      return { ok: false, error, retry: true, waitMs }
    }
    if (status === 404) {
      return { ok: false, error: createHttpError(request.label, 'E_NOT_FOUND', statusLabel, { status, retryable: false }), retry: false }
    }
    const retryable = retryableStatuses.has(status)
    const hint = status === 401 || status === 403 ? 'Check the credentials configured for this registry' : undefined
    const error = createHttpError(request.label, 'E_HTTP', statusLabel, { status, retryable }, hint ? { hint } : {})
    return { ok: false, error, retry: retryable, waitMs }
  }

  function decodeJson<T>(request: PreparedRequest, exchange: Exchange, schema: HttpRequestOptions<T>['schema']): T {
    const statusLabel = describeStatus(exchange.status, exchange.statusText)
    // TextDecoder drops a leading byte-order mark, which JSON.parse would reject.
    const text = new TextDecoder().decode(exchange.body)
    let data: unknown
    try {
      data = text.includes('"__proto__"') ? JSON.parse(text, dropPrototypeKeys) : JSON.parse(text)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      throw createHttpError(
        request.label,
        'E_BAD_RESPONSE',
        `${statusLabel} returned invalid JSON: ${reason}`,
        { status: exchange.status, retryable: false },
        { hint: 'The server did not answer with JSON; check the registry URL', cause: error },
      )
    }
    if (schema === undefined) return data as T
    const result = schema.safeParse(data)
    if (result.success) return result.data
    const issue = result.error.issues[0]
    const path = issue !== undefined && issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'
    throw createHttpError(
      request.label,
      'E_BAD_RESPONSE',
      `${statusLabel} returned an unexpected shape at ${path}: ${issue?.message ?? 'invalid'}`,
      { status: exchange.status, retryable: false },
      { cause: result.error },
    )
  }

  return {
    async getJson<T = unknown>(url: string, requestOptions: HttpRequestOptions<T> = {}): Promise<HttpResponse<T>> {
      const request = prepare(url, requestOptions as HttpRequestOptions<unknown>, 'application/json')
      const { schema } = requestOptions

      if (cache === undefined || requestOptions.cache === undefined) {
        const exchange = await send(request, undefined)
        const data = decodeJson(request, exchange, schema)
        return { data, status: exchange.status, url: exchange.url, fromCache: false, stale: false, ageMs: 0 }
      }

      const key = `${requestOptions.cache.key}${cacheFormat}`
      const { kind } = requestOptions.cache
      const fetchOptions = { writeBehind: requestOptions.cache.writeBehind === true }
      let loaded: { status: number; url: string } | undefined
      const load: CacheLoader<T> = async (previous, { background }) => {
        // A background refresh outlives this call: it runs without the caller's signal or
        // deadline, and its requests are not the caller's to count. It makes a single attempt:
        // someone already has an answer, and retries would keep a finished command waiting.
        const exchange = background
          ? await send({ ...request, signal: undefined, trace: undefined, deadline: undefined }, previous, 0)
          : await send(request, previous)
        if (exchange.status === 304 && previous !== undefined) {
          // Revalidated: the body we hold is current, and no bytes were downloaded.
          loaded = { status: 304, url: exchange.url }
          return { ...previous, storedAt: now() }
        }
        // Parsed and validated before returning, so a bad body throws and is never stored.
        const value = decodeJson(request, exchange, schema)
        loaded = { status: exchange.status, url: exchange.url }
        const etag = exchange.headers.get('etag')
        const lastModified = exchange.headers.get('last-modified')
        return { value, storedAt: now(), ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) }
      }
      let cached = await cache.fetch<T>(key, kind, load, fetchOptions)
      if (cached.fromCache && schema !== undefined) {
        // What comes back from disk was validated when stored, but the file may be from another
        // version, hand-edited or damaged: check it again and, when it fails, drop it and load
        // once without it (no validators, so a 304 cannot bring the damaged body back).
        const checked = schema.safeParse(cached.value)
        if (checked.success) {
          cached = { ...cached, value: checked.data }
        } else {
          await cache.delete(key)
          cached = await cache.fetch<T>(key, kind, load, fetchOptions)
          // A tier that failed to delete may hand the same entry back: go to the network instead.
          if (cached.fromCache && !schema.safeParse(cached.value).success) {
            const entry = await load(undefined, { background: false })
            cached = { value: entry.value, fromCache: false, stale: false, ageMs: 0 }
          }
        }
      }
      // A cache manager may fall back to a stale entry when the load fails; a caller who
      // aborted asked for no answer at all.
      if (request.signal?.aborted) throw abortedError(request)
      recordInTrace(request.trace, cached)
      return {
        data: cached.value,
        // A background revalidation may finish while we return; what we return came from cache.
        status: cached.fromCache ? 0 : (loaded?.status ?? 0),
        url: cached.fromCache ? request.url : (loaded?.url ?? request.url),
        fromCache: cached.fromCache,
        stale: cached.stale,
        ageMs: cached.ageMs,
      }
    },

    async getBytes(url: string, requestOptions: Omit<HttpRequestOptions, 'schema' | 'cache'> = {}): Promise<HttpResponse<Uint8Array>> {
      const request = prepare(url, requestOptions, '*/*')
      const exchange = await send(request, undefined)
      return { data: exchange.body ?? new Uint8Array(0), status: exchange.status, url: exchange.url, fromCache: false, stale: false, ageMs: 0 }
    },

    async getStream(url: string, requestOptions: HttpStreamOptions = {}): Promise<HttpStreamResponse> {
      const limit = requestOptions.maxBytes ?? maxResponseBytes
      requirePositive('maxBytes', limit)
      const request = { ...prepare(url, requestOptions, requestOptions.accept ?? '*/*'), streamLimit: limit }
      const { etag, lastModified } = requestOptions
      const conditional = etag || lastModified ? { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) } : undefined
      const exchange = await send(request, conditional)
      const notModified = exchange.status === 304
      return {
        status: exchange.status,
        statusText: exchange.statusText,
        url: exchange.url,
        headers: exchange.headers,
        notModified,
        body: exchange.stream ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() }),
      }
    },
  }
}

/** What `streamBody` needs to turn what happens while reading into the client's errors. */
interface StreamBodySettings {
  /** Bytes accepted, counted as they arrive (after decompression). */
  limit: number
  /** The declared length, when it can be checked (no Content-Encoding). */
  expectedLength: number | undefined
  /** Called once, when the body ends, fails or is cancelled: stops the attempt's timer. */
  finish: () => void
  tooLarge: () => RegistryHttpError
  cutShort: (received: number) => RegistryHttpError
  failed: (error: unknown) => RegistryHttpError
}

/**
 * The body of a streamed GET, passed on as it arrives with the client's guarantees kept: a size
 * cap counted while reading, a body shorter than declared is an error rather than a quiet end,
 * and every failure (timeout, abort, dropped connection) is a RegistryHttpError.
 */
function streamBody(body: ReadableStream<Uint8Array> | null, settings: StreamBodySettings): ReadableStream<Uint8Array> {
  const reader = body?.getReader()
  let received = 0
  let finished = false
  const finish = () => {
    if (finished) return
    finished = true
    settings.finish()
  }
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!reader) {
        finish()
        controller.close()
        return
      }
      let chunk: Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>
      try {
        chunk = await reader.read()
      } catch (error) {
        const failure = settings.failed(error)
        finish()
        controller.error(failure)
        return
      }
      if (chunk.done) {
        finish()
        if (settings.expectedLength !== undefined && received < settings.expectedLength) controller.error(settings.cutShort(received))
        else controller.close()
        return
      }
      received += chunk.value.byteLength
      if (received > settings.limit) {
        finish()
        await reader.cancel().catch(() => undefined)
        controller.error(settings.tooLarge())
        return
      }
      controller.enqueue(chunk.value)
    },
    async cancel(reason) {
      finish()
      await reader?.cancel(reason).catch(() => undefined)
    },
  })
}

function recordInTrace(trace: RequestTrace | undefined, cached: CachedValue<unknown>): void {
  if (trace === undefined) return
  if (cached.fromCache) {
    trace.cached += 1
    trace.oldestAgeMs = Math.max(trace.oldestAgeMs ?? 0, cached.ageMs)
  }
  if (cached.stale) trace.stale += 1
  if (cached.staleBecause !== undefined) {
    const reason = cached.staleBecause instanceof Error ? cached.staleBecause.message : String(cached.staleBecause)
    trace.staleBecause = redact(reason)
    trace.staleReason = staleReasonOf(cached.staleBecause)
    const code = (cached.staleBecause as { code?: unknown } | null)?.code
    if (typeof code === 'string') trace.staleCode = code
  }
}

function parseContentLength(value: string | null): number | undefined {
  if (value === null || !/^\s*\d+\s*$/.test(value)) return undefined
  return Number(value)
}

/** A `__proto__` key from outside data is dropped, so merging parsed objects later cannot reach a prototype. */
function dropPrototypeKeys(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value
}

function requirePositive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new TektonError('E_CONFIG', `createHttpClient: ${name} must be a positive number, got ${value}`)
  }
}

function requireNonNegative(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new TektonError('E_CONFIG', `createHttpClient: ${name} must be a number ≥ 0, got ${value}`)
  }
}
