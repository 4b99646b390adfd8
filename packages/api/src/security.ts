/**
 * The checks SECURITY.md item 19 asks of a local API, run before any route. A web page the user
 * visits can send requests to 127.0.0.1 (and, through DNS rebinding, under a name it controls),
 * so: a `Host` outside the allowed names, a present foreign `Origin` and `Sec-Fetch-Site:
 * cross-site` are 403; CORS answers only the listed origins (Hono's `cors()` would say `*`);
 * a request that changes something must be JSON (a form cannot send that without a preflight),
 * carry the bearer token, stay under the body limit and within its client's rate.
 */
import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { cors } from 'hono/cors'
import { apiError } from './errors'
import { tokensMatch } from './token'

export interface ApiSecurityOptions {
  /** The bearer token mutations and job streams need (see `loadOrCreateToken`). */
  token: string
  /**
   * Host names (without port) the API answers to; a `Host` header naming another is refused, so
   * a rebound DNS name cannot reach it. @default ['localhost', '127.0.0.1', '[::1]']
   */
  allowedHosts?: readonly string[]
  /** Origins (`https://ergon.example`) allowed to call from a browser, CORS included. @default [] */
  allowedOrigins?: readonly string[]
  /** Largest request body, in bytes. @default 65536 */
  bodyLimitBytes?: number
  /** Changing requests one client may send per minute. @default 60 */
  mutationsPerMinute?: number
  /** The clock of the rate limit (epoch ms). @default Date.now */
  now?: () => number
  /** Where the rate limit's state is: `redisRateLimiter` shares it between instances. @default memoryRateLimiter() */
  rateLimiter?: RateLimiter
}

/** A token bucket per client: `perMinute` to start, refilled evenly. */
export interface RateLimiter {
  readonly name: string
  /** Takes one request from `client`'s bucket; when it is empty, how many seconds until one is back. */
  take(client: string, perMinute: number, now: number): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }>
}

/** Seconds until a bucket holding `tokens` has one again. */
export function secondsUntilToken(tokens: number, perMinute: number): number {
  return Math.max(1, Math.ceil(((1 - tokens) / perMinute) * 60))
}

/** The rate limit's state in this process (one instance). */
export function memoryRateLimiter(): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>()
  return {
    name: 'memory',
    async take(client, perMinute, time) {
      const bucket = buckets.get(client) ?? { tokens: perMinute, at: time }
      bucket.tokens = Math.min(perMinute, bucket.tokens + ((time - bucket.at) / 60_000) * perMinute)
      bucket.at = time
      buckets.set(client, bucket)
      if (buckets.size > 10_000) buckets.clear()
      if (bucket.tokens < 1) return { allowed: false, retryAfterSeconds: secondsUntilToken(bucket.tokens, perMinute) }
      bucket.tokens -= 1
      return { allowed: true }
    },
  }
}

export const defaultAllowedHosts = ['localhost', '127.0.0.1', '[::1]'] as const

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS'])
/** Routes whose POST body may be left out. */
const bodyOptional = /\/registration$/

/** The host name of a `Host` header, lower-cased and without its port. */
export function hostName(header: string): string {
  const host = header.trim().toLowerCase()
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1)
  const colon = host.indexOf(':')
  return colon < 0 ? host : host.slice(0, colon)
}

/** Host, Origin and Sec-Fetch-Site checks, then CORS for the listed origins. */
export function requestOriginGuard(options: ApiSecurityOptions): MiddlewareHandler[] {
  const allowedHosts = new Set((options.allowedHosts ?? defaultAllowedHosts).map((host) => host.toLowerCase()))
  const allowedOrigins = new Set(options.allowedOrigins ?? [])
  const guard: MiddlewareHandler = async (context, next) => {
    const hostHeader = context.req.header('host') ?? new URL(context.req.url).host
    if (!allowedHosts.has('*') && !allowedHosts.has(hostName(hostHeader))) {
      throw apiError('E_FORBIDDEN', `Host ${JSON.stringify(hostHeader.slice(0, 100))} is not one this API answers to`, 'Call it as localhost or 127.0.0.1, or add the name to the allowed hosts')
    }
    const origin = context.req.header('origin')
    // Same origin: the API's own pages (the /docs reference) under a host that passed the check above.
    if (origin !== undefined && !allowedOrigins.has(origin) && !sameOrigin(origin, hostHeader)) {
      throw apiError('E_FORBIDDEN', `Origin ${JSON.stringify(origin.slice(0, 100))} may not call this API`, 'Add the origin to the allowed origins if its pages should call the API')
    }
    if (context.req.header('sec-fetch-site') === 'cross-site' && (origin === undefined || !allowedOrigins.has(origin))) {
      throw apiError('E_FORBIDDEN', 'A cross-site request may not call this API', 'Call it from the same site, or add the calling origin to the allowed origins')
    }
    await next()
  }
  if (allowedOrigins.size === 0) return [guard]
  return [
    guard,
    cors({
      origin: [...allowedOrigins],
      allowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID'],
      exposeHeaders: ['Location', 'Retry-After'],
      maxAge: 600,
    }),
  ]
}

function sameOrigin(origin: string, hostHeader: string): boolean {
  try {
    const url = new URL(origin)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === hostHeader.trim().toLowerCase()
  } catch {
    return false
  }
}

/** The bearer token, checked in constant time. */
export function requireToken(options: Pick<ApiSecurityOptions, 'token'>): MiddlewareHandler {
  return async (context, next) => {
    const header = context.req.header('authorization') ?? ''
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (!match || !tokensMatch(match[1] as string, options.token)) {
      throw apiError('E_UNAUTHORIZED', header ? 'The API token is wrong' : 'This request needs the API token', 'Send Authorization: Bearer <token>, the token from the file tekton-mcp serve printed', {
        'www-authenticate': 'Bearer realm="tekton-mcp"',
      })
    }
    await next()
  }
}

/**
 * For requests that change something: JSON only (no form or text/plain, which a foreign page
 * can send without a preflight), the body limit, the token, and the client's rate.
 */
export function mutationGuard(options: ApiSecurityOptions, clientOf: (context: Parameters<MiddlewareHandler>[0]) => string): MiddlewareHandler {
  const limit = options.bodyLimitBytes ?? 65_536
  const perMinute = options.mutationsPerMinute ?? 60
  const now = options.now ?? Date.now
  const token = requireToken(options)
  const size = bodyLimit({
    maxSize: limit,
    onError: () => {
      throw apiError('E_BODY_TOO_LARGE', `The body is larger than ${limit} bytes`, 'Send a smaller request')
    },
  })
  const limiter = options.rateLimiter ?? memoryRateLimiter()
  return async (context, next) => {
    if (safeMethods.has(context.req.method)) return next()
    const type = context.req.header('content-type')
    // A DELETE, and a POST to a route whose body is optional (a registration), may send nothing.
    const mayBeEmpty = context.req.method === 'DELETE' || (context.req.method === 'POST' && bodyOptional.test(context.req.path))
    const hasBody = !mayBeEmpty || type !== undefined || (context.req.header('content-length') ?? '0') !== '0'
    if (hasBody && !/^application\/json\s*(;|$)/i.test(type ?? '')) {
      throw apiError('E_UNSUPPORTED_MEDIA_TYPE', `A ${context.req.method} must send JSON, not ${JSON.stringify((type ?? 'no content type').slice(0, 60))}`, 'Send Content-Type: application/json and a JSON body ({} when there is nothing to say)')
    }
    await token(context, async () => {
      const taken = await limiter.take(clientOf(context), perMinute, now())
      if (!taken.allowed) {
        const seconds = taken.retryAfterSeconds
        throw apiError('E_TOO_MANY_REQUESTS', `More than ${perMinute} changing requests a minute from this client`, `Wait ${seconds} s`, { 'retry-after': String(seconds) })
      }
      await size(context, next)
    })
  }
}
