/**
 * SECURITY.md item 19, as a header matrix through `app.request()` and a few cases through a real
 * listener: which requests reach a route and which are refused, with the status and code a
 * client sees. Routes here need no registry: a refused request never reaches one, and an allowed
 * one is shown by reaching the route (404 E_NOT_INSTALLED from an empty home).
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { stat } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { serve } from '@hono/node-server'
import { createTektonMcp } from '@tekton/mcp-app'
import { createMcpApi, loadOrCreateToken, tokensMatch } from '../src/index'
import type { McpApiOptions } from '../src/index'
import { installEnvironment, removeHomes, temporaryHome, token } from './helpers'

afterAll(removeHomes)

async function newApi(options: Partial<McpApiOptions> = {}) {
  const home = await temporaryHome()
  return createMcpApi(createTektonMcp({ env: installEnvironment('http://127.0.0.1:9', home), cwd: home }), { token, ...options })
}

const good = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
const configure = (headers: Record<string, string>, body = '{"args":[]}') => ({ method: 'PUT', headers, body })

describe('the header matrix', () => {
  const cases: Array<[string, string, RequestInit, number, string | undefined]> = [
    // [what, path, request, status, code]
    ['a read without a token', '/servers', {}, 200, undefined],
    ['a change with the token (reaches the route)', '/servers/x/config', configure(good), 404, 'E_NOT_INSTALLED'],
    ['a change without a token', '/servers/x/config', configure({ 'content-type': 'application/json' }), 401, 'E_UNAUTHORIZED'],
    ['a change with a wrong token', '/servers/x/config', configure({ ...good, authorization: `Bearer ${'x'.repeat(43)}` }), 401, 'E_UNAUTHORIZED'],
    ['a change with a Basic header', '/servers/x/config', configure({ ...good, authorization: `Basic ${token}` }), 401, 'E_UNAUTHORIZED'],
    ['a change as a form', '/servers/x/config', configure({ ...good, 'content-type': 'application/x-www-form-urlencoded' }, 'args='), 415, 'E_UNSUPPORTED_MEDIA_TYPE'],
    ['a change as text/plain', '/servers/x/config', configure({ ...good, 'content-type': 'text/plain' }), 415, 'E_UNSUPPORTED_MEDIA_TYPE'],
    ['a change without a content type', '/servers/x/config', configure({ authorization: good.authorization }), 415, 'E_UNSUPPORTED_MEDIA_TYPE'],
    ['a delete without a body (no content type needed)', '/servers/x', { method: 'DELETE', headers: { authorization: good.authorization } }, 404, 'E_NOT_INSTALLED'],
    ['a job stream without a token', '/jobs/x/events', {}, 401, 'E_UNAUTHORIZED'],
    ['a job state without a token', '/jobs/x', {}, 401, 'E_UNAUTHORIZED'],
    ['a configuration read without a token', '/servers/x/config', {}, 401, 'E_UNAUTHORIZED'],
    ['a rebinding Host', '/servers', { headers: { host: 'attacker.example' } }, 403, 'E_FORBIDDEN'],
    ['a rebinding Host with the token', '/servers/x/config', configure({ ...good, host: 'attacker.example:8002' }), 403, 'E_FORBIDDEN'],
    ['Host 127.0.0.1 with a port', '/servers', { headers: { host: '127.0.0.1:8002' } }, 200, undefined],
    ['Host [::1] with a port', '/servers', { headers: { host: '[::1]:8002' } }, 200, undefined],
    ['Host localhost', '/servers', { headers: { host: 'LOCALHOST' } }, 200, undefined],
    ['a foreign Origin on a read', '/servers', { headers: { origin: 'https://attacker.example' } }, 403, 'E_FORBIDDEN'],
    ['a foreign Origin with the token', '/servers/x/config', configure({ ...good, origin: 'https://attacker.example' }), 403, 'E_FORBIDDEN'],
    ['Origin null', '/servers', { headers: { origin: 'null' } }, 403, 'E_FORBIDDEN'],
    ['the same origin (the /docs page)', '/servers', { headers: { host: 'localhost:8002', origin: 'http://localhost:8002' } }, 200, undefined],
    ['a same-named origin on another port', '/servers', { headers: { host: 'localhost:8002', origin: 'http://localhost:3000' } }, 403, 'E_FORBIDDEN'],
    ['Sec-Fetch-Site: cross-site', '/servers', { headers: { 'sec-fetch-site': 'cross-site' } }, 403, 'E_FORBIDDEN'],
    ['Sec-Fetch-Site: same-origin', '/servers', { headers: { 'sec-fetch-site': 'same-origin' } }, 200, undefined],
    ['a body over the limit', '/servers/x/config', configure(good, JSON.stringify({ args: ['x'.repeat(70_000)] })), 413, 'E_BODY_TOO_LARGE'],
  ]

  it.each(cases)('%s (%s)', async (_what, route, init, status, code) => {
    const api = await newApi()
    const response = await api.request(route, init)
    expect(response.status).toBe(status)
    if (code) {
      const body = (await response.json()) as { error: { code: string; message: string; hint?: string } }
      expect(body.error.code).toBe(code)
      expect(body.error.hint).toEqual(expect.any(String))
      // The token is never echoed back.
      expect(JSON.stringify(body)).not.toContain(token)
    }
    if (status === 401) expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/)
  })

  it('answers CORS only for the listed origins, never *', async () => {
    const api = await newApi({ allowedOrigins: ['https://ergon.example'] })
    const preflight = await api.request('/servers/x/config', {
      method: 'OPTIONS',
      headers: { origin: 'https://ergon.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,content-type' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://ergon.example')
    const listed = await api.request('/servers', { headers: { origin: 'https://ergon.example', 'sec-fetch-site': 'cross-site' } })
    expect(listed.status).toBe(200)
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://ergon.example')
    const other = await api.request('/servers', { headers: { origin: 'https://attacker.example' } })
    expect(other.status).toBe(403)
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
    const none = await (await newApi()).request('/servers', { headers: { origin: 'http://localhost' } })
    expect(none.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('answers other host names only when configured', async () => {
    const api = await newApi({ allowedHosts: ['mcp.internal'] })
    expect((await api.request('/servers', { headers: { host: 'mcp.internal:8002' } })).status).toBe(200)
    expect((await api.request('/servers', { headers: { host: 'localhost' } })).status).toBe(403)
  })

  it('limits changing requests per client, with Retry-After, on an injected clock', async () => {
    let time = 1_000_000
    const api = await newApi({ mutationsPerMinute: 3, now: () => time })
    const send = () => api.request('/servers/x/config', configure(good))
    for (let index = 0; index < 3; index++) expect((await send()).status).toBe(404)
    const limited = await send()
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('20')
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('E_TOO_MANY_REQUESTS')
    // Reads are not limited.
    expect((await api.request('/servers')).status).toBe(200)
    time += 20_000
    expect((await send()).status).toBe(404)
  })

  it('refuses to start with a short token', async () => {
    const home = await temporaryHome()
    expect(() => createMcpApi(createTektonMcp({ env: { TEKTON_MCP_HOME: home } }), { token: 'short' })).toThrow(/at least 32/)
  })
})

describe('the token file', () => {
  it('is made once with 32 random bytes, mode 0600, and read back after', async () => {
    const file = path.join(await temporaryHome(), 'config', 'api-token')
    const first = await loadOrCreateToken(file)
    expect(first.created).toBe(true)
    expect(Buffer.from(first.token, 'base64url')).toHaveLength(32)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    const second = await loadOrCreateToken(file)
    expect(second).toEqual({ token: first.token, created: false })
    expect(tokensMatch(first.token, second.token)).toBe(true)
    expect(tokensMatch(first.token, `${first.token}x`)).toBe(false)
  })
})

describe('through a real listener', () => {
  it('refuses a rebinding Host, a foreign Origin and a missing token; serves the docs', async () => {
    const api = await newApi()
    const server = serve({ fetch: api.fetch, hostname: '127.0.0.1', port: 0 })
    await new Promise((resolve) => server.once('listening', resolve))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      expect((await fetch(`${base}/health`)).status).toBe(200)
      // fetch() will not set Host; the rebinding case is an Origin through a name that resolves here.
      expect((await fetch(`${base}/servers`, { headers: { origin: 'https://attacker.example' } })).status).toBe(403)
      expect((await fetch(`${base}/servers/x/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401)
      expect((await fetch(`${base}/servers/x/config`, { method: 'PUT', headers: good, body: '{}' })).status).toBe(404)
      const rebound = await new Promise<number>((resolve, reject) => {
        import('node:http').then(({ request }) => {
          const sent = request(`${base}/servers`, { headers: { host: 'rebound.attacker.example' } }, (response) => {
            response.resume()
            resolve(response.statusCode ?? 0)
          })
          sent.on('error', reject)
          sent.end()
        }, reject)
      })
      expect(rebound).toBe(403)
      const docs = await fetch(`${base}/docs`)
      expect(docs.status).toBe(200)
      expect(await docs.text()).toContain('./docs/assets/swagger-ui-dist/swagger-ui-bundle.js')
      const bundle = await fetch(`${base}/docs/assets/swagger-ui-dist/swagger-ui-bundle.js`)
      expect(bundle.status).toBe(200)
      expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000)
      expect((await fetch(`${base}/docs/assets/swagger-ui-dist/index.html`)).status).toBe(404)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
