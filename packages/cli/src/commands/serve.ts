import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { TektonError } from '@tekton/mcp-discovery'
import type { Command } from '../command'
import { readString } from './arguments'
import { readValues } from './installing'

/** What `serve` prints when it stops. */
export interface ServeOutput {
  url: string
  tokenFile: string
  requests: number
  stoppedBy: 'SIGTERM' | 'SIGINT'
}

/** Addresses that only this machine reaches. */
const loopback = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

/**
 * `serve`: the HTTP API (`@tekton/mcp-api`) on 127.0.0.1 until SIGTERM or Ctrl-C. Prints where it
 * listens and where the token is (never the token), then one JSON access-log line per request on
 * stderr (method, path without the query, status, duration: no headers, so no token). Stopping
 * closes the listener, cancels running jobs (they remove what they staged) and waits for them.
 */
export const serveCommand: Command<ServeOutput> = {
  async run(args, context) {
    const [{ createMcpApi, loadOrCreateToken, connectRedis, redisCache, redisJobStore, redisRateLimiter, memoryJobStore, postgresJobStore, jobRecordsUrl }, { serve }, { Hono }] = await Promise.all([
      import('@tekton/mcp-api'),
      import('@hono/node-server'),
      import('hono'),
    ])
    const env = context.io.env
    // Several instances share the sources' cache (and what rate limits they met) and the jobs through Redis.
    const redisUrl = env['TEKTON_MCP_REDIS_URL']?.trim() || undefined
    const redis = redisUrl ? connectRedis(redisUrl) : undefined
    const app = redis
      ? await import('@tekton/mcp-app').then(async ({ createTektonMcp }) => {
          const { createCacheManager, memoryCache } = await import('@tekton/mcp-discovery')
          const cache = createCacheManager({ drivers: [memoryCache(), redisCache({ client: redis })], now: context.io.now })
          return createTektonMcp({ env, cwd: context.io.cwd, now: context.io.now, cache })
        })
      : await context.app()
    // Job records in PostgreSQL when DATABASE_URL names it (Ergon's database); events stay on Redis.
    const events = redis ? redisJobStore({ client: redis }) : undefined
    const recordsUrl = jobRecordsUrl(env)
    const jobStore = recordsUrl ? postgresJobStore({ url: recordsUrl, events: events ?? memoryJobStore() }) : events
    const port = typeof args.port === 'number' ? args.port : readPort(env['ERGON_PORT'])
    const host = readString(args.host)?.trim() || '127.0.0.1'
    const base = normaliseBase(readString(args.base) ?? '/api/v1/mcp')
    const tokenFile = path.resolve(context.io.cwd, readString(args.tokenFile) ?? path.join(app.paths.config, 'api-token'))
    const { token, created } = await loadOrCreateToken(tokenFile)
    const allowedHosts = ['localhost', '127.0.0.1', '[::1]', ...readValues(args.allowedHost)]
    if (!loopback.has(host) && host !== '0.0.0.0' && host !== '::') allowedHosts.push(host.includes(':') ? `[${host}]` : host)

    const api = createMcpApi(app, { token, allowedHosts, allowedOrigins: readValues(args.allowedOrigin), ...(jobStore ? { jobStore } : {}), ...(redis ? { rateLimiter: redisRateLimiter({ client: redis }) } : {}) })
    let requests = 0
    const root = new Hono()
    root.use('*', async (c, next) => {
      const started = performance.now()
      await next()
      requests++
      const entry = { time: new Date(context.io.now()).toISOString(), method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) }
      context.io.stderr(`${JSON.stringify(entry)}\n`)
    })
    root.route(base, api)

    const server = serve({ fetch: root.fetch, hostname: host, port })
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([error]) => {
        throw new TektonError('E_CONFIG', `Cannot listen on ${host}:${port}: ${(error as Error).message}`, { hint: 'Choose another port with --port, or stop what uses it' })
      }),
    ])
    const address = server.address() as AddressInfo
    const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}${base === '/' ? '' : base}`
    // One write, so a reader never sees the address without the token file.
    context.io.stderr(
      [
        `tekton-mcp API listening on ${url}`,
        `  token: ${tokenFile}${created ? ' (new)' : ''} — send it as Authorization: Bearer <token>`,
        `  reference: ${url}/docs`,
        ...(redisUrl ? [`  shared state: Redis at ${redisUrl.replace(/\/\/[^@/]*@/, '//***@')} (cache, rate limits, jobs, the per-client limit on changes)`] : []),
        ...(recordsUrl ? [`  job records: PostgreSQL at ${recordsUrl.replace(/\/\/[^@/]*@/, '//***@')} (table tekton_mcp_jobs)`] : []),
        ...(loopback.has(host) ? [] : [`  warning: bound to ${host}, reachable from other machines`]),
        '',
      ].join('\n'),
    )

    // The listeners stay until the end: a child-process library (execa's signal-exit) re-raises
    // a signal that no other listener is left to handle, which would kill the shutdown halfway.
    const releases: Array<() => void> = []
    const stoppedBy = await new Promise<ServeOutput['stoppedBy']>((resolve) => {
      releases.push(context.io.onInterrupt(() => resolve('SIGINT')))
      releases.push(context.io.onTerminate(() => resolve('SIGTERM')))
    })
    context.io.stderr(`stopping (${stoppedBy}): no new connections; cancelling ${api.jobs.running()} running jobs\n`)
    const closed = new Promise((resolve) => server.close(resolve))
    await api.jobs.drain({ timeoutMs: 30_000 })
    // Event streams end with their jobs; idle keep-alive connections would hold close() open.
    if ('closeIdleConnections' in server) server.closeIdleConnections()
    const timer = setTimeout(() => 'closeAllConnections' in server && server.closeAllConnections(), 5_000)
    await closed
    clearTimeout(timer)
    await app.settle({ timeoutMs: 2_000 })
    await jobStore?.close?.()
    redis?.disconnect()
    for (const release of releases) release()
    return { url, tokenFile, requests, stoppedBy }
  },
}

function readPort(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 8002
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TektonError('E_INVALID_INPUT', `ERGON_PORT ${JSON.stringify(value.slice(0, 20))} is not a port`, { hint: 'Set it to a number from 0 to 65535, or pass --port' })
  }
  return port
}

/** `/api/v1/mcp/` → `/api/v1/mcp`; `api` → `/api`; `/` stays. */
function normaliseBase(value: string): string {
  const trimmed = `/${value.trim().replace(/^\/+|\/+$/g, '')}`
  if (!/^\/[A-Za-z0-9._~\/-]*$/.test(trimmed)) throw new TektonError('E_INVALID_INPUT', `--base ${JSON.stringify(value.slice(0, 60))} is not a path`, { hint: 'e.g. --base /api/v1/mcp' })
  return trimmed
}
