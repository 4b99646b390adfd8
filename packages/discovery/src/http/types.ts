/** The HTTP client every source uses: one place for timeouts, retries, rate limits and caching. */
import type { ZodType } from 'zod'
import type { CacheKind, CacheManager } from '../cache/types'
import type { RequestTrace } from '../spec/source'

export interface HttpClientOptions {
  /** Injected fetch (tests, embedders). @default a keep-alive undici agent with cached DNS lookups */
  fetch?: typeof globalThis.fetch
  /** @default `tekton-mcp/<version> (+https://github.com/tekton-ai/tekton-mcp-discovery)` */
  userAgent?: string
  /** Timeout per attempt in ms. @default 8000 */
  timeoutMs?: number
  /** Retries after the first attempt, for idempotent requests only. @default 2 */
  retries?: number
  /** Base backoff in ms; each retry waits base × 2^n with full jitter. @default 250 */
  backoffMs?: number
  /** A `Retry-After` longer than this fails at once as rate limited instead of waiting. @default 30000 */
  maxRetryAfterMs?: number
  /** Responses larger than this are refused. @default 32 MiB */
  maxResponseBytes?: number
  /** Token bucket per host. @default { requestsPerSecond: 10, burst: 20 } */
  rateLimit?: { requestsPerSecond: number; burst: number }
  /** Cache for conditional requests and freshness; without one nothing is cached. */
  cache?: CacheManager
  now?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

export interface HttpRequestOptions<T = unknown> {
  headers?: Record<string, string>
  signal?: AbortSignal
  trace?: RequestTrace
  /** Validates the parsed JSON body; a body that fails is E_BAD_RESPONSE and never cached. */
  schema?: ZodType<T>
  /**
   * Cache the parsed body under `key` with the freshness of `kind`; revalidated with ETag.
   * `writeBehind`: answer before the slower cache tiers are written (see `CacheFetchOptions`).
   */
  cache?: { key: string; kind: CacheKind; writeBehind?: boolean }
  timeoutMs?: number
  /** Retries after the first attempt, for this request. @default the client's `retries` */
  retries?: number
  /**
   * When the caller stops waiting (epoch ms; a source passes its `context.deadline`). A
   * `Retry-After` wait that would end after it fails at once with `E_RATE_LIMITED` and `retryAt`,
   * rather than running into the caller's timeout. Background refreshes ignore it.
   */
  deadline?: number
  /** Source id for error messages: `[npm] GET https://... 404`. */
  source?: string
  /**
   * Called before each attempt is sent (retries included). Throw to answer without sending: a
   * source that knows the server would refuse (a rate limit it remembers) throws its own typed
   * error, which is not retried, and a cached answer may still be served in its place.
   */
  onRequest?: (request: HttpRequestInfo) => void | Promise<void>
  /**
   * Called with each response before the client judges its status (successes, 304s and failures
   * alike), so a source can learn from headers the client does not pass on. Read the body through
   * `response.clone()`. Throw to fail the attempt with your own error (a typed rate limit); it is
   * not retried.
   */
  onResponse?: (response: Response, request: HttpRequestInfo) => void | Promise<void>
}

/** What hooks are told about a request. */
export interface HttpRequestInfo {
  /** The URL sent, without credentials. */
  url: string
  method: 'GET'
  /** The request's `source`, when given. */
  source: string | undefined
}

/** Options of `getStream`. */
export interface HttpStreamOptions extends Omit<HttpRequestOptions, 'schema' | 'cache'> {
  /** The `accept` header. @default `*\/*` */
  accept?: string
  /** Validators of the copy the caller holds: a 304 answers `notModified: true`. */
  etag?: string | undefined
  lastModified?: string | undefined
  /** Bytes the body may have after decompression, counted while it streams. @default the client's maxResponseBytes */
  maxBytes?: number
}

/** A streamed response: headers now, the body as it arrives. */
export interface HttpStreamResponse {
  /** 2xx, or 304 when `notModified`. */
  status: number
  statusText: string
  url: string
  headers: Headers
  notModified: boolean
  /**
   * The body, read as it arrives (empty when `notModified`). Reading it fails with a
   * `RegistryHttpError`: `E_TIMEOUT` (`timeoutMs` covers the whole download), `E_ABORTED`,
   * `E_RESPONSE_TOO_LARGE`, or `E_BAD_RESPONSE` when it is cut short. Cancel it to stop early.
   */
  body: ReadableStream<Uint8Array>
}

export interface HttpResponse<T> {
  data: T
  /** HTTP status of the last exchange (200, or 304 when revalidated; 0 when served from cache). */
  status: number
  url: string
  fromCache: boolean
  stale: boolean
  ageMs: number
}

export interface HttpClient {
  /** GET a JSON document. Retried, rate limited, size capped; cached when `cache` is given. */
  getJson<T = unknown>(url: string, options?: HttpRequestOptions<T>): Promise<HttpResponse<T>>
  /** GET raw bytes (tarballs, archives); never cached here. */
  getBytes(url: string, options?: Omit<HttpRequestOptions, 'schema' | 'cache'>): Promise<HttpResponse<Uint8Array>>
  /**
   * GET with the body as a stream, for downloads too big to hold (an index of tens of MB).
   * Retried and rate limited like the others until the headers arrive; never cached here.
   */
  getStream(url: string, options?: HttpStreamOptions): Promise<HttpStreamResponse>
}
