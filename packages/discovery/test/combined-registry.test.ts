import { describe, expect, it } from '@jest/globals'
import { TektonError, RegistryHttpError, createCombinedRegistry, createStaticRegistry, searchWindow, type RegistrySource, type RequestContext, type SearchQuery } from '../src/index'
import { server } from './fixtures/servers'

const filesystem = server({ ref: 'npm:@modelcontextprotocol/server-filesystem', description: 'Filesystem access', keywords: ['mcp', 'filesystem'], popularity: { downloads: 100_000 } })
const fsUtils = server({ ref: 'npm:mcp-fs-utils', description: 'Helpers for filesystem servers', popularity: { downloads: 10 } })
const memory = server({ ref: 'npm:@modelcontextprotocol/server-memory', description: 'Knowledge graph memory' })
const remoteOnly = server({
  ref: 'registry:io.github.acme/files',
  name: 'io.github.acme/files',
  description: 'Remote filesystem',
  packages: [],
  remotes: [{ type: 'streamable-http', url: 'https://files.example.com/mcp' }],
  verified: [{ kind: 'registry-package', value: 'io.github.acme/files', verified: true }],
  sources: [{ source: 'registry', id: 'io.github.acme/files' }],
})

/**
 * Wraps a source so each call never answers, fails, or records what it was given. `never` only
 * fails when its signal aborts (or not at all with `ignoreSignal`): a timeout test with it holds
 * however slow the machine, since load can only make the deadline fire later.
 */
function wrap(source: RegistrySource, behaviour: { never?: boolean; fail?: Error; ignoreSignal?: boolean; trace?: Partial<RequestContext['trace']> }): RegistrySource {
  const run = async <T>(context: RequestContext, call: () => Promise<T>): Promise<T> => {
    if (behaviour.never) {
      await new Promise<void>((_resolve, reject) => {
        if (!behaviour.ignoreSignal) context.signal?.addEventListener('abort', () => reject(context.signal?.reason))
      })
    }
    if (behaviour.fail) throw behaviour.fail
    if (behaviour.trace && context.trace) Object.assign(context.trace, behaviour.trace)
    return call()
  }
  return {
    ...source,
    search: (query, context) => run(context, () => source.search(query, context)),
    getMetadata: (id, context) => run(context, () => source.getMetadata(id, context)),
    getVersions: (id, context) => run(context, () => source.getVersions(id, context)),
  }
}

const npm = () => createStaticRegistry({ id: 'npm', displayName: 'npm registry', servers: [filesystem, fsUtils, memory] })
const official = () => createStaticRegistry({ id: 'registry', displayName: 'MCP Registry', servers: [remoteOnly] })

describe('createCombinedRegistry', () => {
  it('merges results from every source, best first, with a status each', async () => {
    const registry = createCombinedRegistry({ sources: [npm(), official()] })
    const page = await registry.search({ text: 'filesystem' })
    expect(page.results.map((result) => result.ref)).toEqual([
      'npm:@modelcontextprotocol/server-filesystem',
      'registry:io.github.acme/files',
      'npm:mcp-fs-utils',
    ])
    expect(page.sources.map((status) => [status.source, status.state, status.resultCount])).toEqual([
      ['npm', 'ok', 2],
      ['registry', 'ok', 1],
    ])
    expect(page.results[0]?.signals?.matched).toContain('name')
  })

  it('returns what arrived when one source times out, and says so', async () => {
    const registry = createCombinedRegistry({ sources: [npm(), wrap(official(), { never: true })], timeoutMs: 100 })
    const page = await registry.search({ text: 'filesystem' })
    expect(page.results.map((result) => result.ref)).not.toContain('registry:io.github.acme/files')
    const status = page.sources.find((entry) => entry.source === 'registry')
    expect(status?.state).toBe('timeout')
    expect(status?.code).toBe('E_TIMEOUT')
  })

  it('stops waiting for a source that ignores its abort signal', async () => {
    const registry = createCombinedRegistry({ sources: [npm(), wrap(official(), { never: true, ignoreSignal: true })], timeoutMs: 50 })
    const page = await registry.search({ text: 'memory' })
    expect(page.sources.find((entry) => entry.source === 'registry')?.state).toBe('timeout')
    expect(page.results.map((result) => result.ref)).toEqual(['npm:@modelcontextprotocol/server-memory'])
  })

  it('reports a rate-limited source with the time it resets', async () => {
    const retryAt = Date.UTC(2026, 10, 24, 12, 4)
    const limited = new RegistryHttpError('E_RATE_LIMITED', '[registry] GET https://x 429', { url: 'https://x', status: 429, retryable: true, retryAt })
    const registry = createCombinedRegistry({ sources: [npm(), wrap(official(), { fail: limited })] })
    const page = await registry.search({ text: 'filesystem' })
    expect(page.sources[1]).toMatchObject({ source: 'registry', state: 'rate-limited', retryAt: '2026-11-24T12:04:00.000Z' })
  })

  it('keeps a source\'s own "unavailable" status and turns plain errors into coded statuses', async () => {
    const unsupported: RegistrySource = {
      ...npm(),
      async search() {
        return { results: [], sources: [{ source: 'npm', state: 'unavailable', code: 'E_SEARCH_UNSUPPORTED', message: 'search endpoint unavailable' }] }
      },
    }
    const registry = createCombinedRegistry({ sources: [unsupported, wrap(official(), { fail: new Error('socket hang up') })] })
    const page = await registry.search({ text: 'files' })
    expect(page.sources).toEqual([
      expect.objectContaining({ source: 'npm', state: 'unavailable', code: 'E_SEARCH_UNSUPPORTED', message: 'search endpoint unavailable' }),
      expect.objectContaining({ source: 'registry', state: 'error', code: 'E_SOURCE_FAILED', message: 'socket hang up' }),
    ])
  })

  it('says when a source answered from cache, and how old the answer is', async () => {
    const registry = createCombinedRegistry({
      sources: [
        wrap(npm(), { trace: { network: 0, cached: 1, stale: 0, oldestAgeMs: 3 * 3_600_000 } }),
        wrap(official(), { trace: { network: 1, cached: 0, stale: 1, oldestAgeMs: 120_000, staleBecause: 'E_NETWORK' } }),
      ],
    })
    const page = await registry.search({ text: 'filesystem' })
    // Data, not sentences: the front end words them.
    expect(page.sources[0]).toMatchObject({ state: 'ok', fromCache: true, ageMs: 3 * 3_600_000 })
    expect(page.sources[0]).not.toHaveProperty('message')
    expect(page.sources[1]).toMatchObject({ state: 'stale', fromCache: true, ageMs: 120_000, stale: true, staleReason: 'failed', message: 'E_NETWORK' })
  })

  it('says why a stale answer was served: refreshing, or the refresh failed and how', async () => {
    const registry = createCombinedRegistry({
      sources: [
        wrap(npm(), { trace: { network: 0, cached: 1, stale: 1, oldestAgeMs: 60_000 } }),
        wrap(official(), { trace: { network: 1, cached: 1, stale: 1, oldestAgeMs: 60_000, staleBecause: '[registry] GET x failed', staleReason: 'unreachable', staleCode: 'E_NETWORK' } }),
      ],
    })
    const page = await registry.search({ text: 'filesystem' })
    expect(page.sources[0]).toMatchObject({ state: 'stale', stale: true, staleReason: 'refreshing' })
    expect(page.sources[0]).not.toHaveProperty('message')
    expect(page.sources[1]).toMatchObject({ state: 'stale', stale: true, staleReason: 'unreachable', code: 'E_NETWORK', message: '[registry] GET x failed' })
  })

  it('keeps what an "ok" source says of its own data: out of date, or needing a sync', async () => {
    const aging: RegistrySource = {
      ...npm(),
      async search() {
        return { results: [], sources: [{ source: 'npm', state: 'ok', stale: true, staleReason: 'refreshing', needsSync: false }] }
      },
    }
    const page = await createCombinedRegistry({ sources: [aging] }).search({ text: 'x' })
    expect(page.sources[0]).toMatchObject({ source: 'npm', state: 'ok', stale: true, staleReason: 'refreshing', needsSync: false })
  })

  it('queries only the sources asked for, and rejects unknown ones', async () => {
    const registry = createCombinedRegistry({ sources: [npm(), official()] })
    const page = await registry.search({ text: 'filesystem', filters: { sources: ['registry'] } })
    expect(page.sources.map((status) => status.source)).toEqual(['registry'])
    await expect(registry.search({ text: 'x', filters: { sources: ['cargo'] } })).rejects.toMatchObject({ code: 'E_UNKNOWN_SOURCE' })
  })

  it.each([
    [{ registryTypes: ['npm'] }, ['npm:@modelcontextprotocol/server-filesystem', 'npm:mcp-fs-utils']],
    [{ transports: ['streamable-http' as const] }, ['registry:io.github.acme/files']],
    [{ verifiedOnly: true }, ['registry:io.github.acme/files']],
    [{ capabilities: ['filesystem'] }, ['npm:@modelcontextprotocol/server-filesystem']],
  ])('applies filter %j across sources', async (filters, expected) => {
    const registry = createCombinedRegistry({ sources: [npm(), official()] })
    const page = await registry.search({ text: 'filesystem', filters })
    expect(page.results.map((result) => result.ref)).toEqual(expected)
  })

  it('de-duplicates a server two sources return, keeping both sources', async () => {
    const mirror = createStaticRegistry({ id: 'mirror', servers: [{ ...filesystem, sources: [{ source: 'mirror', id: 'fs' }] }] })
    const registry = createCombinedRegistry({ sources: [npm(), mirror] })
    const page = await registry.search({ text: 'filesystem' })
    const matches = page.results.filter((result) => result.ref === filesystem.ref)
    expect(matches).toHaveLength(1)
    expect(matches[0]?.server.sources.map((record) => record.source)).toEqual(['npm', 'mirror'])
  })

  it('pages with a cursor that is bound to its query', async () => {
    const registry = createCombinedRegistry({ sources: [npm(), official()] })
    const first = await registry.search({ text: 'filesystem', limit: 2 })
    expect(first.results).toHaveLength(2)
    expect(first.nextCursor).toBeDefined()
    const second = await registry.search({ text: 'filesystem', limit: 2, cursor: first.nextCursor as string })
    expect(second.results.map((result) => result.ref)).toEqual(['npm:mcp-fs-utils'])
    expect(second.nextCursor).toBeUndefined()
    await expect(registry.search({ text: 'memory', limit: 2, cursor: first.nextCursor as string })).rejects.toMatchObject({ code: 'E_INVALID_QUERY' })
    await expect(registry.search({ text: 'filesystem', cursor: 'garbage' })).rejects.toMatchObject({ code: 'E_INVALID_QUERY' })
  })

  it('pages through every result exactly once when a source truncates in its own order', async () => {
    // Equal scores, so our ranking orders by ref (weather-00 first) while the source lists its
    // matches the other way round and cuts its list at the limit it was asked for, as npm does.
    const servers = Array.from({ length: 30 }, (_, index) => server({ ref: `npm:weather-${String(index).padStart(2, '0')}`, description: 'Forecasts' }))
    const asked: number[] = []
    const shown: number[] = []
    const catalogue = createStaticRegistry({ id: 'npm', servers })
    const truncating: RegistrySource = {
      ...catalogue,
      async search(query: SearchQuery, context: RequestContext) {
        asked.push(query.limit ?? 0)
        shown.push(context.shown ?? 0)
        const page = await catalogue.search({ ...query, limit: 100 }, context)
        const results = [...page.results].sort((a, b) => b.ref.localeCompare(a.ref)).slice(0, query.limit)
        return { ...page, results }
      },
    }
    const registry = createCombinedRegistry({ sources: [truncating] })
    const seen: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const page = await registry.search({ text: 'weather', limit: 10, ...(cursor ? { cursor } : {}) })
      seen.push(...page.results.map((result) => result.ref))
      cursor = page.nextCursor
      pages += 1
    } while (cursor && pages < 10)
    expect(seen).toHaveLength(30)
    expect(new Set(seen).size).toBe(30)
    expect(seen).toEqual(servers.map((entry) => entry.ref))
    expect(pages).toBe(3)
    // Every page of the search asks for the same window, so each sees the same result set.
    expect(asked).toEqual([searchWindow, searchWindow, searchWindow])
    // ... and is told how far the page shown reaches, for the details it fetches.
    expect(shown).toEqual([10, 20, 30])
  })

  it('gives each source call a deadline of now plus its timeout', async () => {
    const deadlines: Array<number | undefined> = []
    const catalogue = npm()
    const recording: RegistrySource = {
      ...catalogue,
      async getMetadata(id, context) {
        deadlines.push(context.deadline)
        return catalogue.getMetadata(id, context)
      },
    }
    const registry = createCombinedRegistry({ sources: [recording], timeoutMs: 4_000, now: () => 1_000_000 })
    await registry.getMetadata(recording, '@modelcontextprotocol/server-memory')
    expect(deadlines).toEqual([1_004_000])
  })

  it('keeps the original error of a failed source alongside its status', async () => {
    const original = new TektonError('E_BAD_RESPONSE', '[npm] GET https://x 200 returned invalid JSON', { hint: 'check the registry URL', cause: new SyntaxError('Unexpected token') })
    const registry = createCombinedRegistry({ sources: [wrap(npm(), { fail: original })] })
    const outcome = await registry.getMetadata(registry.sources[0] as RegistrySource, 'x')
    expect(outcome.value).toBeUndefined()
    expect(outcome.error).toBe(original)
    expect(outcome.status).toMatchObject({ state: 'error', code: 'E_BAD_RESPONSE' })
  })

  it('fails the whole call when the caller aborts', async () => {
    const controller = new AbortController()
    const registry = createCombinedRegistry({ sources: [wrap(npm(), { never: true })] })
    const pending = registry.search({ text: 'x' }, { signal: controller.signal })
    controller.abort(new TektonError('E_ABORTED', 'cancelled by the user'))
    await expect(pending).rejects.toMatchObject({ code: 'E_ABORTED' })
  })

  it('refuses a bad configuration up front', () => {
    expect(() => createCombinedRegistry({ sources: [] })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }) as unknown as Error)
    expect(() => createCombinedRegistry({ sources: [npm(), npm()] })).toThrow(/share the id/)
    expect(() => createCombinedRegistry({ sources: [{ ...npm(), specVersion: 'v0' as 'v1' }] })).toThrow(/spec v0/)
  })
})
