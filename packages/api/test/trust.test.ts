/**
 * The install options the CLI has and the API now takes (secrets in the body, trust rules that
 * add to the policy, the lint policy, the sandbox), the trust report in the answers, and
 * `GET /audit`, which answers what `tekton-mcp audit --json` prints, verdict included. Real npm
 * installs from a loopback registry and real handshakes, through the Hono app without a port.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { createTektonMcp } from '@tekton/mcp-app'
import { bubblewrapService, fixtureNpmPackages, poisonedServerPackage, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { createMcpApi } from '../src/index'
import type { JobRecord, McpApi } from '../src/index'
import { auth, installEnvironment, jsonHeaders, parseSse, removeHomes, temporaryHome, token } from './helpers'

const plain = encodeURIComponent('npm:@fixture/mcp-server')
const poisoned = encodeURIComponent('npm:@fixture/poisoned-server')

let registry: FakeNpmRegistry

beforeAll(async () => {
  registry = await startFakeNpmRegistry({ packages: [...Object.values(fixtureNpmPackages()), poisonedServerPackage()] })
})

afterAll(async () => {
  await registry?.close()
  await removeHomes()
})

/** An API over a fresh home, or over `home` again (a new app reads its settings anew). */
async function apiFor(home?: string): Promise<{ api: McpApi; home: string; audit: () => Promise<unknown> }> {
  const directory = home ?? (await temporaryHome())
  const app = createTektonMcp({ env: installEnvironment(registry.url, directory), cwd: directory })
  return { api: createMcpApi(app, { token }), home: directory, audit: () => app.audit() }
}

async function post(api: McpApi, target: string, body: unknown): Promise<Response> {
  return api.request(target, { method: 'POST', headers: jsonHeaders, body: JSON.stringify(body) })
}

/** Follows a job to its end; the final record. */
async function finished(api: McpApi, accepted: Response): Promise<JobRecord> {
  expect(accepted.status).toBe(202)
  const { events } = (await accepted.json()) as { events: string }
  const parsed = parseSse(await (await api.request(events, { headers: auth })).text())
  return JSON.parse(parsed.at(-1)?.data ?? '{}') as JobRecord
}

/** The answer without its `checkedAt` times (the audit and each report say when they were made). */
function withoutTimes(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, field: unknown) => (key === 'checkedAt' ? undefined : field)))
}

interface AuditJson {
  ok: boolean
  failures: Array<{ server: string; check: string; status: string; detail: string }>
  servers: Array<{ server: string; lint: { status: string; policy: string } }>
  collisions: unknown[]
  checkedAt: string
}

describe('trust over HTTP', () => {
  it('answers the trust report with the job, refuses findings under lintPolicy refuse, needs approvals.lintFindings under warn, and GET /audit is the CLI audit with its verdict', async () => {
    const { api, home, audit } = await apiFor()
    const refused = await finished(api, await post(api, `/servers/${poisoned}`, { lintPolicy: 'refuse' }))
    expect(refused).toMatchObject({ state: 'failed', error: { code: 'E_LINT_REFUSED' } })

    // Under warn, findings need the approval the CLI asks for ("Install anyway?"): nothing is assumed over HTTP.
    const unapproved = await finished(api, await post(api, `/servers/${poisoned}`, {}))
    expect(unapproved).toMatchObject({ state: 'failed', error: { code: 'E_CONFIRMATION_REQUIRED', message: expect.stringContaining('hidden-unicode.zero-width') } })
    expect(await (await api.request('/servers')).json()).toMatchObject({ servers: [] })

    const started = await post(api, `/servers/${poisoned}`, { approvals: { lintFindings: true } })
    const accepted = (await started.clone().json()) as { trust: { server: string; lint: { status: string } } }
    expect(accepted.trust).toMatchObject({ server: '@fixture/poisoned-server', lint: { status: 'pending' } })
    const installed = await finished(api, started)
    expect(installed).toMatchObject({ state: 'succeeded', result: { trust: { lint: { status: 'findings', policy: 'warn' } } } })

    const answer = await api.request('/audit')
    expect(answer.status).toBe(200)
    const audited = (await answer.json()) as AuditJson
    expect(withoutTimes(audited)).toEqual(withoutTimes(await audit()))
    expect(audited).toMatchObject({ ok: true, failures: [], servers: [{ server: '@fixture/poisoned-server', lint: { status: 'findings' } }] })

    // The policy now refuses findings: the same record fails the audit (still 200: `ok` is the verdict).
    await mkdir(path.join(home, 'config'), { recursive: true })
    await writeFile(path.join(home, 'config', 'config.json'), JSON.stringify({ policy: { lint: 'refuse' } }))
    const strict = await apiFor(home)
    const failing = await strict.api.request('/audit')
    expect(failing.status).toBe(200)
    const verdict = (await failing.json()) as AuditJson
    expect(withoutTimes(verdict)).toEqual(withoutTimes(await strict.audit()))
    expect(verdict.ok).toBe(false)
    expect(verdict.failures).toEqual([expect.objectContaining({ server: '@fixture/poisoned-server', check: 'lint', status: 'findings' })])
  }, 600_000)

  it('adds trust rules to the policy: requireSignatures against a registry without keys is refused at once, before any job', async () => {
    const { api } = await apiFor()
    const refused = await post(api, `/servers/${plain}`, { version: '1.0.0', requireSignatures: true })
    expect(refused.status).toBe(422)
    const body = (await refused.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('E_SIGNATURE_REQUIRED')
    expect(body.error.message).toContain('requireSignatures, request')
    expect(((await (await api.request('/servers')).json()) as { servers: unknown[] }).servers).toEqual([])
    const badPolicy = await post(api, `/servers/${plain}`, { lintPolicy: 'sometimes' })
    expect(badPolicy.status).toBe(400)
  }, 600_000)

  it('keeps secrets from the body in the secret store: never in the state file, never answered back', async () => {
    const { api, home } = await apiFor()
    const job = await finished(api, await post(api, `/servers/${plain}`, { version: '1.0.0', secrets: { EXTRA_KEY: 'body-secret-4711' }, env: { LOG_LEVEL: 'debug' } }))
    expect(job.state).toBe('succeeded')
    const configuration = await api.request('/servers/mcp-server/config', { headers: auth })
    expect(await configuration.json()).toMatchObject({ env: { EXTRA_KEY: '••••', LOG_LEVEL: 'debug' } })
    expect(await readFile(path.join(home, 'data', 'installed.json'), 'utf8')).not.toContain('body-secret-4711')
    expect(JSON.stringify(job)).not.toContain('body-secret-4711')
    // The body is the only place for a secret: the install route declares no query parameter at all.
    const document = (await (await api.request('/openapi.json')).json()) as { paths: Record<string, Record<string, { parameters?: Array<{ in: string }> }>> }
    expect(document.paths['/servers/{id}']?.post?.parameters?.filter((parameter) => parameter.in !== 'path')).toEqual([])
  }, 600_000)

  const bubblewrap = bubblewrapService()
  const withBubblewrap = 'unavailable' in bubblewrap ? it.skip : it
  withBubblewrap('installs into the sandbox the body asks for, and the trust report says so', async () => {
    const { api } = await apiFor()
    const job = await finished(api, await post(api, `/servers/${plain}`, { version: '1.0.0', sandbox: 'bubblewrap' }))
    expect(job).toMatchObject({ state: 'succeeded', result: { trust: { sandbox: { status: 'bubblewrap', network: 'denied' } } } })
  }, 600_000)
})
