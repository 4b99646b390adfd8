import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHttpClient, defaultUserAgent } from '@tekton/mcp-discovery'
import { generatePypiNames, pypiFixtureProjects, startFakePypi, startFakeServer } from '@tekton/mcp-testkit'
import type { FakePypi } from '@tekton/mcp-testkit'
import { createSimpleIndexHtmlParser, createSimpleIndexJsonParser, fetchSimpleIndex, simpleIndexAccept } from '../src/simple-index'
import type { FetchSimpleIndexOptions } from '../src/simple-index'

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = await startFakeServer(() => ({}))
  await server.close()
  return server.port
}

function parseAll(parserFor: typeof createSimpleIndexJsonParser, text: string, chunkSize: number): { names: string[]; summary: ReturnType<ReturnType<typeof createSimpleIndexJsonParser>['end']> } {
  const names: string[] = []
  const parser = parserFor((name) => names.push(name))
  const bytes = Buffer.from(text)
  for (let offset = 0; offset < bytes.length; offset += chunkSize) parser.write(bytes.subarray(offset, offset + chunkSize))
  return { names, summary: parser.end() }
}

const index = JSON.stringify({
  meta: { 'api-version': '1.3', '_last-serial': 9 },
  projects: [{ name: 'Zebra', '_last-serial': 1 }, { '_last-serial': 2, name: 'mcp-server-fetch', extra: { name: 'not-a-project', list: [1, 'x', null, true, false] } }, { name: 42 }, { name: 'm\u00e9lange' }],
})

describe('the PEP 691 JSON parser', () => {
  it('takes each project name and the api-version, whatever the chunk boundaries', () => {
    for (const size of [1, 2, 3, 7, 64, 100_000]) {
      const { names, summary } = parseAll(createSimpleIndexJsonParser, index, size)
      expect(names).toEqual(['Zebra', 'mcp-server-fetch', 'm\u00e9lange'])
      expect(summary).toEqual({ apiVersion: '1.3', projectCount: 4 })
    }
  })

  it.each([
    ['a cut-off body', index.slice(0, index.length - 5), /cut short/],
    ['a misplaced value', '{"meta" "x"}', /value where a colon belongs/],
    ['a missing comma', '{"projects": [{"name": "a"} {"name": "b"}]}', /value where a comma/],
    ['a misplaced colon', '{"projects": [:]}', /misplaced colon/],
    ['a misplaced comma', '{"projects": [,]}', /misplaced comma/],
    ['a misplaced bracket', '{"projects": [}', /misplaced \}/],
    ['a second document', '{"projects": []} {"projects": []}', /after the end/],
    ['a list at the top', '[{"name": "a"}]', /not a JSON object/],
    ['a scalar at the top', '"projects"', /not a JSON object/],
    ['no projects', '{"meta": {"api-version": "1.0"}}', /no "projects" list/],
    ['projects that are not a list', '{"projects": {"name": "a"}}', /not a list/],
    ['projects as a scalar', '{"projects": "a"}', /not a list/],
    ['another major version', '{"meta": {"api-version": "2.0"}, "projects": []}', /version 2\.0/],
    ['invalid JSON', '{"projects": [nul]}', /not valid JSON/],
  ])('refuses %s', (_, text, message) => {
    expect(() => parseAll(createSimpleIndexJsonParser, text, 5)).toThrow(message)
  })

  it('accepts an index without meta (older servers)', () => {
    expect(parseAll(createSimpleIndexJsonParser, '{"projects":[{"name":"a"}]}', 4)).toEqual({ names: ['a'], summary: { projectCount: 1 } })
  })
})

describe('the PEP 503 HTML parser', () => {
  const html = '<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.1"><title>Simple index</title></head>\n<body>\n<a href="/simple/zebra/">Zebra</a>\n<a href="/simple/mcp-server-fetch/" data-x="y">mcp-server-fetch</a>\n<A HREF="/simple/a-b/">a&amp;b</a >\n<a href="/simple/empty/"></a>\n</body></html>\n'

  it('takes anchor texts as names, whatever the chunk boundaries', () => {
    for (const size of [1, 5, 13, 10_000]) {
      const { names, summary } = parseAll(createSimpleIndexHtmlParser, html, size)
      expect(names).toEqual(['Zebra', 'mcp-server-fetch', 'a&b'])
      expect(summary).toEqual({ apiVersion: '1.1', projectCount: 4 })
    }
  })

  it('skips a malformed anchor and reads the ones after it', () => {
    const { names } = parseAll(createSimpleIndexHtmlParser, '<html><body><a href="/x/">broken<br></a>\n<a href="/y/">fine-mcp</a></body></html>', 3)
    expect(names).toEqual(['fine-mcp'])
  })

  it('refuses what is not HTML, another major version, and an anchor that never closes', () => {
    expect(() => parseAll(createSimpleIndexHtmlParser, 'plain text, no markup', 4)).toThrow(/neither PEP 691 JSON nor PEP 503 HTML/)
    expect(() => parseAll(createSimpleIndexHtmlParser, '<html><meta name="pypi:repository-version" content="2.0"><a href="/">x</a></html>', 4)).toThrow(/version 2\.0/)
    expect(() => parseAll(createSimpleIndexHtmlParser, `<html><a href="/">${'x'.repeat(70_000)}`, 10_000)).toThrow(/never closes/)
  })
})

describe('fetchSimpleIndex against a fake PyPI', () => {
  let pypi: FakePypi
  let htmlOnly: FakePypi
  beforeAll(async () => {
    pypi = await startFakePypi({ projects: pypiFixtureProjects, indexNames: generatePypiNames(2000) })
    htmlOnly = await startFakePypi({ projects: pypiFixtureProjects, htmlOnly: true })
  })
  afterAll(async () => {
    await pypi.close()
    await htmlOnly.close()
  })

  const base = (url: string, extra: Partial<FetchSimpleIndexOptions> & { fetch?: typeof globalThis.fetch } = {}): FetchSimpleIndexOptions & { seen: string[] } => {
    const seen: string[] = []
    const { fetch = globalThis.fetch, ...rest } = extra
    return { url, http: createHttpClient({ fetch }), timeoutMs: 60_000, maxBytes: 10 * 1024 * 1024, onName: (name) => seen.push(name), seen, ...rest }
  }

  it('asks for JSON as pip does, streams every name, and reports validators', async () => {
    const options = base(pypi.indexUrl)
    const result = await fetchSimpleIndex(options)
    expect(result).toMatchObject({ notModified: false, format: 'json', apiVersion: '1.1', projectCount: 2008, etag: expect.stringMatching(/^"/) })
    expect(options.seen).toHaveLength(2008)
    expect(options.seen).toContain('Weather_MCP')
    const request = pypi.requests.at(-1)
    expect(request?.headers.accept).toBe(simpleIndexAccept)
    expect(request?.headers['user-agent']).toBe(defaultUserAgent)
  })

  it('answers notModified to a conditional request the server confirms', async () => {
    const first = await fetchSimpleIndex(base(pypi.indexUrl))
    const options = base(pypi.indexUrl, { etag: (first as { etag: string }).etag })
    expect(await fetchSimpleIndex(options)).toEqual({ notModified: true, etag: (first as { etag: string }).etag })
    expect(options.seen).toEqual([])
  })

  it('reads the HTML form from an index that serves no JSON', async () => {
    const options = base(htmlOnly.indexUrl)
    expect(await fetchSimpleIndex(options)).toMatchObject({ notModified: false, format: 'html', apiVersion: '1.1', projectCount: pypiFixtureProjects.length })
    expect(options.seen).toEqual(expect.arrayContaining(['mcp-server-fetch', 'Weather_MCP']))
  })

  it('sends credentials in the URL as Basic authentication and never shows them', async () => {
    const url = pypi.indexUrl.replace('http://', 'http://alice:s3cret%40pass@')
    await fetchSimpleIndex(base(url))
    expect(pypi.requests.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from('alice:s3cret@pass').toString('base64')}`)
    pypi.setFault({ kind: 'status', status: 500, times: 1 })
    const error = (await fetchSimpleIndex(base(url)).catch((caught: unknown) => caught)) as Error
    expect(error).toMatchObject({ code: 'E_HTTP', status: 500, retryable: true })
    expect(error.message).toContain('[pypi] GET http://')
    expect(error.message).not.toContain('s3cret')
  })

  it.each([
    [{ kind: 'truncate' } as const, 'E_BAD_RESPONSE', /cut short/],
    [{ kind: 'invalid-json' } as const, 'E_BAD_RESPONSE', /not valid JSON|cut short|not a list/],
    [{ kind: 'status', status: 404 } as const, 'E_NOT_FOUND', /404/],
    [{ kind: 'status', status: 401 } as const, 'E_HTTP', /401/],
    [{ kind: 'status', status: 429, retryAfter: 30 } as const, 'E_RATE_LIMITED', /429.*retry after/],
    [{ kind: 'status', status: 503, retryAfter: 5 } as const, 'E_RATE_LIMITED', /503/],
  ])('turns the fault %j into %s', async (fault, code, message) => {
    pypi.setFault({ ...fault, times: 1 })
    const options = base(pypi.indexUrl)
    const error = (await fetchSimpleIndex(options).catch((caught: unknown) => caught)) as Error & { code: string; hint?: string }
    expect(error.code).toBe(code)
    expect(error.message).toMatch(message)
    if (fault.kind === 'status' && fault.status === 401) expect(error.hint).toMatch(/credentials/)
  })

  it('says when a busy index (503 with Retry-After) may be asked again, on the injected clock', async () => {
    pypi.setFault({ kind: 'status', status: 503, retryAfter: 5, times: 1 })
    const now = Date.UTC(2025, 0, 15, 12, 0, 0)
    const error = (await fetchSimpleIndex(base(pypi.indexUrl, { now: () => now })).catch((caught: unknown) => caught)) as Error & { retryAt?: number }
    expect(error).toMatchObject({ code: 'E_RATE_LIMITED', status: 503, retryAt: now + 5000, message: expect.stringContaining('retry after 2025-01-15T12:00:05.000Z') })
  })

  it('gives up on a body larger than the cap, declared or streamed', async () => {
    await expect(fetchSimpleIndex(base(pypi.indexUrl, { maxBytes: 1000 }))).rejects.toMatchObject({ code: 'E_RESPONSE_TOO_LARGE' })
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('{"projects":['.padEnd(4096, ' ')))
      },
    })
    const streaming: typeof fetch = async () => new Response(endless, { headers: { 'content-type': 'application/vnd.pypi.simple.v1+json' } })
    await expect(fetchSimpleIndex(base('http://127.0.0.1:9/simple/', { fetch: streaming, maxBytes: 100_000 }))).rejects.toMatchObject({ code: 'E_RESPONSE_TOO_LARGE', message: expect.stringContaining('more than') })
  })

  it('times out, reports network failures, and stops when aborted', async () => {
    pypi.setFault({ kind: 'hang', times: 1 })
    await expect(fetchSimpleIndex(base(pypi.indexUrl, { timeoutMs: 200 }))).rejects.toMatchObject({ code: 'E_TIMEOUT', retryable: true })
    // On a loaded machine the request can be given up before the fake read it, leaving the fault armed.
    pypi.setFault(null)
    await expect(fetchSimpleIndex(base(`http://127.0.0.1:${await closedPort()}/simple/`))).rejects.toMatchObject({ code: 'E_NETWORK', message: expect.stringContaining('ECONNREFUSED') })
    const controller = new AbortController()
    controller.abort()
    await expect(fetchSimpleIndex(base(pypi.indexUrl, { signal: controller.signal }))).rejects.toMatchObject({ code: 'E_ABORTED' })
  })

  it('tells JSON from HTML by the first character when the content type says neither', async () => {
    const server = await startFakeServer((request) => ({ headers: { 'content-type': 'application/octet-stream' }, body: request.path === '/json/' ? ' {"projects":[{"name":"a-mcp"}]}' : '<html><a href="/a/">a-mcp</a></html>' }))
    try {
      const json = base(`${server.url}/json/`)
      expect(await fetchSimpleIndex(json)).toMatchObject({ format: 'json', projectCount: 1 })
      const html = base(`${server.url}/html/`)
      expect(await fetchSimpleIndex(html)).toMatchObject({ format: 'html', projectCount: 1 })
      expect([...json.seen, ...html.seen]).toEqual(['a-mcp', 'a-mcp'])
    } finally {
      await server.close()
    }
  })

  it('refuses an empty body as an index', async () => {
    const empty: typeof fetch = async () => new Response(null, { status: 200 })
    await expect(fetchSimpleIndex(base('http://127.0.0.1:9/simple/', { fetch: empty }))).rejects.toMatchObject({ code: 'E_BAD_RESPONSE' })
  })
})
