/**
 * The docs describe the API that ships: every route of the OpenAPI document is in
 * docs/mcp/api_reference.md (and every route it documents exists), its JSON examples parse, and
 * the examples in docs/mcp/examples.md run: the HTTP requests in order against the API over the
 * fake npm registry, and the JavaScript examples as modules.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fixtureNpmPackages, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { createMcpApi } from '../src/index'
import { applicationFor, installEnvironment, parseSse, removeHomes, temporaryHome, token } from './helpers'

const docs = path.resolve(import.meta.dirname, '..', '..', '..', 'docs', 'mcp')
const reference = readFileSync(path.join(docs, 'api_reference.md'), 'utf8')
const examples = readFileSync(path.join(docs, 'examples.md'), 'utf8')

/** Fenced blocks of `language` (with the rest of their info line). */
function blocks(markdown: string, language: string): Array<{ info: string; body: string }> {
  const found: Array<{ info: string; body: string }> = []
  for (const match of markdown.matchAll(/^```(\S+)([^\n]*)\n([^]*?)^```$/gm)) {
    if (match[1] === language) found.push({ info: (match[2] ?? '').trim(), body: match[3] ?? '' })
  }
  return found
}

let npm: FakeNpmRegistry
beforeAll(async () => {
  npm = await startFakeNpmRegistry({ packages: Object.values(fixtureNpmPackages()) })
})
afterAll(async () => {
  await npm?.close()
  await removeHomes()
})

describe('docs/mcp/api_reference.md', () => {
  it('documents every route of the OpenAPI document, and only those', async () => {
    const { app } = await applicationFor(npm.url)
    const document = (await (await createMcpApi(app, { token }).request('/openapi.json')).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> }
    expect(document.openapi).toBe('3.1.0')
    const routes = Object.entries(document.paths).flatMap(([route, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${route}`))
    expect(routes.length).toBeGreaterThan(15)
    for (const route of routes) expect(reference).toContain(`\`${route}\``)
    const documented = [...reference.matchAll(/`(GET|POST|PUT|DELETE) (\/[^`\s?]*)[^`]*`/g)].map((match) => `${match[1]} ${match[2]}`)
    const extra = documented.filter((route) => !routes.includes(route) && !['GET /openapi.json', 'GET /docs'].includes(route))
    expect(extra).toEqual([])
  })

  it('holds JSON examples that parse', () => {
    const examplesJson = blocks(reference, 'json')
    expect(examplesJson.length).toBeGreaterThan(10)
    for (const block of examplesJson) expect(() => JSON.parse(block.body)).not.toThrow()
  })
})

describe('docs/mcp/examples.md', () => {
  it('runs the HTTP examples in order, with the statuses they show', async () => {
    const { app } = await applicationFor(npm.url)
    const api = createMcpApi(app, { token })
    const requests = blocks(examples, 'http')
    expect(requests.length).toBeGreaterThan(8)
    let job = ''
    for (const { info, body } of requests) {
      const [head, ...rest] = body.replaceAll('$TOKEN', token).replaceAll('$JOB', job).split('\n')
      const [method, target] = (head ?? '').split(' ') as [string, string]
      const blank = rest.indexOf('')
      const headerLines = blank < 0 ? rest : rest.slice(0, blank)
      const payload = blank < 0 ? undefined : rest.slice(blank + 1).join('\n').trim() || undefined
      const headers = Object.fromEntries(headerLines.filter(Boolean).map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]))
      const response = await api.request(target, { method, headers, ...(payload ? { body: payload } : {}) })
      expect(`${method} ${target} -> ${response.status}`).toBe(`${method} ${target} -> ${info}`)
      if (response.status === 202) job = ((await response.json()) as { job: { id: string } }).job.id
      else if (target.endsWith('/events')) expect(JSON.parse(parseSse(await response.text()).at(-1)?.data ?? '{}')).toMatchObject({ state: 'succeeded' })
      else await response.arrayBuffer()
    }
    expect(job).not.toBe('')
  })

  it('runs the JavaScript examples', async () => {
    const [mount, library] = blocks(examples, 'js')
    const directory = await mkdtemp(path.join(import.meta.dirname, '.examples-'))
    try {
      await writeFile(path.join(directory, 'mount.mjs'), mount?.body ?? '')
      await writeFile(path.join(directory, 'library.mjs'), library?.body ?? '')
      const home = await temporaryHome()
      const env = installEnvironment(npm.url, home)
      const { createServer } = (await import(path.join(directory, 'mount.mjs'))) as { createServer: (token: string, env: NodeJS.ProcessEnv) => { request: (path: string) => Promise<Response> } }
      expect((await createServer(token, env).request('/api/v1/mcp/health')).status).toBe(200)
      const { firstResult } = (await import(path.join(directory, 'library.mjs'))) as { firstResult: (env: NodeJS.ProcessEnv) => Promise<string> }
      expect(await firstResult(env)).toBe('npm:@fixture/mcp-server')
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
  })
})
