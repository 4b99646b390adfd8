import { describe, expect, it } from '@jest/globals'
import type { SearchResult, ServerMetadata, ServerVersion } from '@tekton/mcp-discovery'
import { renderInfo } from '../src/output/info'
import { describeStatus, namedBySource, sourceNotes } from '../src/output/notes'
import { renderSearch } from '../src/output/search'
import { createStyle } from '../src/output/style'
import { clean, formatAge, formatCount, formatDate, renderColumns, truncate, visibleWidth } from '../src/output/text'
import { renderVersions } from '../src/output/versions'
import { renderCacheClear, renderCacheStats } from '../src/output/cache'

const plain = createStyle(false)

function server(overrides: Partial<ServerMetadata> = {}): ServerMetadata {
  return {
    ref: 'npm:example-mcp',
    name: 'example-mcp',
    description: 'An example server',
    version: '1.0.0',
    packages: [{ registryType: 'npm', identifier: 'example-mcp', version: '1.0.0', transport: { type: 'stdio' } }],
    remotes: [],
    capabilities: [],
    requirements: [],
    keywords: [],
    status: 'active',
    verified: [],
    sources: [{ source: 'npm', id: 'example-mcp' }],
    ...overrides,
  }
}

function version(value: string, overrides: Partial<ServerVersion> = {}): ServerVersion {
  return { version: value, prerelease: false, tags: [], ...overrides }
}

describe('text helpers', () => {
  it('strips terminal escapes and control characters from registry text', () => {
    expect(clean('evil\u001b[2J\u001b]0;title\u0007 text\u202e')).toBe('evil[2J]0;title text')
    expect(clean('two\n\nlines')).toBe('two lines')
    expect(clean(undefined)).toBe('')
  })

  it('truncates to the width with an ellipsis', () => {
    expect(truncate('abcdef', 4)).toBe('abc…')
    expect(truncate('abc', 4)).toBe('abc')
    expect(truncate('abc', 1)).toBe('…')
    expect(truncate('abc', 0)).toBe('')
  })

  it('lays out columns by terminal width: wide scripts take two columns, combining marks none', () => {
    expect(visibleWidth('\u001b[1mab\u001b[22m')).toBe(2)
    expect(visibleWidth('名前')).toBe(4)
    expect(visibleWidth('e\u0301')).toBe(1)
    expect(renderColumns([['名前', 'x', ''], ['ab', 'y', '']])).toEqual(['名前  x', 'ab    y'])
  })

  it('formats ages, counts and dates for people', () => {
    expect(formatAge(40_000)).toBe('40 s')
    expect(formatAge(12 * 60_000)).toBe('12 min')
    expect(formatAge(3 * 3_600_000)).toBe('3 h')
    expect(formatAge(72 * 3_600_000)).toBe('3 d')
    expect(formatCount(152_340)).toBe('152.3k')
    expect(formatCount(2_000_000)).toBe('2M')
    expect(formatCount(12)).toBe('12')
    expect(formatDate('2025-03-28T16:40:02.019Z')).toBe('2025-03-28')
    expect(formatDate('not a date')).toBe('')
  })
})

describe('source notes', () => {
  it('says nothing for a fresh answer and one line for anything else', () => {
    expect(describeStatus({ source: 'npm', state: 'ok' })).toBeUndefined()
    expect(describeStatus({ source: 'npm', state: 'ok', fromCache: true, ageMs: 3 * 3_600_000 })).toBe('served from cache, 3 h old')
    expect(describeStatus({ source: 'npm', state: 'stale', fromCache: true, ageMs: 60_000 })).toBe('served from cache, 1 min old (stale)')
    expect(describeStatus({ source: 'npm', state: 'unavailable' })).toBe('search endpoint unavailable')
    // PyPI's first search: the way out is a command, not waiting.
    expect(describeStatus({ source: 'pypi', state: 'unavailable', code: 'E_INDEX_BUILDING', needsSync: true })).toBe(
      'its name index is not built yet (a one-time download): run tekton-mcp sync --source pypi',
    )
    expect(describeStatus({ source: 'npm', state: 'skipped' })).toBe('skipped')
    expect(describeStatus({ source: 'npm', state: 'skipped', message: 'filtered out' })).toBe('skipped: filtered out')
    expect(describeStatus({ source: 'npm', state: 'timeout', code: 'E_TIMEOUT' })).toBe('timed out (E_TIMEOUT)')
    expect(describeStatus({ source: 'npm', state: 'rate-limited', retryAt: '2025-01-01T00:00:00.000Z' })).toBe('rate limited until 2025-01-01T00:00:00.000Z')
    expect(describeStatus({ source: 'npm', state: 'error', code: 'E_HTTP', message: 'GET failed E_HTTP' })).toBe('GET failed E_HTTP')
    expect(describeStatus({ source: 'npm', state: 'error' })).toBe('failed')
    expect(sourceNotes([{ source: 'npm', state: 'ok' }, { source: 'pypi', state: 'unavailable', message: 'search endpoint unavailable at http://127.0.0.1:1' }], plain))
      .toEqual(['pypi: search endpoint unavailable at http://127.0.0.1:1'])
  })

  it('words cache data: age, why a stale answer was served, what a sync would do', () => {
    const hour = 3_600_000
    const stale = { source: 'registry', state: 'stale', fromCache: true, ageMs: 26 * hour, stale: true } as const
    expect(describeStatus({ ...stale, staleReason: 'refreshing' })).toBe('served from cache, 26 h old (stale; refreshing in the background)')
    expect(describeStatus({ ...stale, staleReason: 'failed', code: 'E_HTTP', message: '[registry] GET x 502 Bad Gateway' }))
      .toBe('served from cache, 26 h old (stale; the refresh failed: [registry] GET x 502 Bad Gateway)')
    expect(describeStatus({ ...stale, staleReason: 'rate-limited' })).toBe('served from cache, 26 h old (stale; the source is rate limiting)')
    expect(describeStatus({ ...stale, staleReason: 'needs-sync', needsSync: true })).toBe('served from cache, 26 h old (stale; run tekton-mcp sync --source registry to refresh it)')
    expect(describeStatus({ source: 'npm', state: 'stale', message: 'offline' })).toBe('served from cache (stale: offline)')
    // An "ok" answer whose local data is out of date (PyPI's name index) says so, and what else went wrong.
    expect(describeStatus({ source: 'pypi', state: 'ok', stale: true, staleReason: 'refreshing', message: 'details unavailable for 1 project' }))
      .toBe('its local data is out of date (stale; refreshing in the background); details unavailable for 1 project')
    expect(describeStatus({ source: 'registry', state: 'unavailable', needsSync: true })).toBe('nothing to search yet: run tekton-mcp sync --source registry')
  })

  it('says when an unreachable source was last tried and when it is asked again, relative to now', () => {
    const now = Date.parse('2026-01-01T12:02:00Z')
    const skipped = {
      source: 'pypi',
      state: 'skipped',
      code: 'E_NETWORK',
      message: '[pypi] GET https://pypi.example/simple/ failed: getaddrinfo ENOTFOUND pypi.example',
      lastTriedAt: '2026-01-01T12:00:00.000Z',
      retryAt: '2026-01-01T12:05:00.000Z',
    } as const
    expect(sourceNotes([skipped], plain, now)).toEqual([
      'pypi: skipped: not reachable 2 min ago ([pypi] GET https://pypi.example/simple/ failed: getaddrinfo ENOTFOUND pypi.example); asked again in 3 min, or now with --refresh',
    ])
    expect(describeStatus(skipped)).toBe(
      'skipped: not reachable at 2026-01-01T12:00:00.000Z ([pypi] GET https://pypi.example/simple/ failed: getaddrinfo ENOTFOUND pypi.example); asked again after 2026-01-01T12:05:00.000Z, or now with --refresh',
    )
    expect(describeStatus({ source: 'pypi', state: 'skipped', lastTriedAt: '2026-01-01T12:03:00.000Z' }, now)).toBe('skipped: not reachable just now; ask it now with --refresh')
    expect(describeStatus({ source: 'github', state: 'rate-limited', retryAt: '2026-01-01T12:14:00.000Z' }, now)).toBe('rate limited; retry in 12 min')
    expect(describeStatus({ source: 'github', state: 'rate-limited', retryAt: '2026-01-01T12:00:00.000Z' }, now)).toBe('rate limited; retry now')
  })

  it('does not repeat the source when the message already names it', () => {
    expect(sourceNotes([{ source: 'npm', state: 'timeout', code: 'E_TIMEOUT', message: 'npm registry did not answer within 10000 ms' }], plain))
      .toEqual(['npm registry did not answer within 10000 ms (E_TIMEOUT)'])
    expect(namedBySource('npm', '[npm] GET http://127.0.0.1:1/x failed')).toBe('[npm] GET http://127.0.0.1:1/x failed')
    expect(namedBySource('npm', 'NPM: refused')).toBe('NPM: refused')
    expect(namedBySource('npm', 'npmx mirror refused')).toBe('npm: npmx mirror refused')
    expect(namedBySource('npm', 'timed out')).toBe('npm: timed out')
  })
})

describe('search table', () => {
  const result = (ref: string, overrides: Partial<ServerMetadata> = {}, score = 0.5): SearchResult => ({ ref, score, server: server({ ref, ...overrides }) })

  it('fits descriptions to the terminal width and shows popularity', () => {
    const output = renderSearch({
      results: [
        result('npm:a', { description: 'x'.repeat(300), popularity: { downloads: 152_340, period: 'week' } }),
        result('npm:b', { popularity: { stars: 1200 } }),
        result('npm:c', { popularity: { downloads: 10, period: 'month' } }, 0.25),
        result('npm:d', {}, 0.125),
      ],
      sources: [{ source: 'npm', state: 'ok', fromCache: true, ageMs: 7_200_000 }],
      nextCursor: 'abc',
    }, plain, 80)
    const lines = output.split('\n')
    expect(lines[0]).toMatch(/^SERVER\s+VERSION\s+SOURCES\s+DESCRIPTION\s+POPULARITY$/)
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80)
    expect(output).toContain('…')
    expect(output).toContain('152.3k/wk')
    expect(output).toContain('1.2k ★')
    expect(output).toContain('10/mo')
    // No downloads or stars: the column stays empty rather than showing the rank score.
    expect(output).toMatch(/npm:d +1\.0\.0 +npm +An example server\n/)
    expect(output).toContain('more: --cursor abc')
    expect(output.trimEnd().split('\n').at(-1)).toBe('npm: served from cache, 2 h old')
  })

  it('marks deprecated, archived and deleted servers after the ref, and info gives the reason', () => {
    const rows = [
      { ref: 'npm:old-mcp', score: 1, server: server({ ref: 'npm:old-mcp', status: 'deprecated', statusMessage: 'use new-mcp' }) },
      { ref: 'github:legacy/old', score: 1, server: server({ ref: 'github:legacy/old', status: 'archived', statusMessage: 'archived on GitHub' }) },
      { ref: 'npm:gone-mcp', score: 1, server: server({ ref: 'npm:gone-mcp', status: 'deleted' }) },
      { ref: 'npm:kept-mcp', score: 1, server: server({ ref: 'npm:kept-mcp', status: 'deleted' }), installedHere: true },
      { ref: 'npm:fine-mcp', score: 1, server: server({ ref: 'npm:fine-mcp' }) },
    ]
    const output = renderSearch({ results: rows, sources: [], nextCursor: null }, plain, 120)
    expect(output).toContain('npm:old-mcp [deprecated]')
    expect(output).toContain('github:legacy/old [archived]')
    expect(output).toContain('npm:gone-mcp [deleted]')
    expect(output).not.toContain('npm:gone-mcp [deleted, installed here]')
    expect(output).toContain('npm:kept-mcp [deleted, installed here]')
    expect(output).not.toMatch(/npm:fine-mcp \[/)
    const card = renderInfo({ server: rows[1]!.server, versions: [], sources: [] }, plain)
    expect(card).toContain('archived: archived on GitHub')
    const fork = renderInfo({ server: server({ ref: 'github:someone/github-mcp', name: 'someone/github-mcp', forkOf: 'github/github-mcp-server' }), versions: [], sources: [] }, plain)
    expect(fork).toMatch(/fork of\s+github\/github-mcp-server/)
    expect(fork).not.toContain('claimed')
  })

  it('says so when nothing matched', () => {
    expect(renderSearch({ results: [], sources: [], nextCursor: null }, plain, 80)).toBe('No MCP servers found.\n')
  })

  it('colours only when asked', () => {
    const coloured = renderSearch({ results: [result('npm:a')], sources: [], nextCursor: null }, createStyle(true), 80)
    expect(coloured).toContain('\u001b[')
    expect(renderSearch({ results: [result('npm:a')], sources: [], nextCursor: null }, plain, 80)).not.toContain('\u001b[')
  })
})

describe('info card', () => {
  it('shows launch, requirements, verification, deprecation and versions', () => {
    const card = renderInfo({
      server: server({
        title: 'Example',
        license: 'MIT',
        status: 'deprecated',
        statusMessage: 'use other-mcp',
        registryName: 'io.github.example/example',
        verified: [{ kind: 'npm-mcp-name', value: 'io.github.example/example', verified: false, detail: 'not listed' }],
        requirements: [
          { kind: 'runtime', name: 'node', range: '>=18' },
          { kind: 'env', name: 'API_KEY', secret: true, optional: true },
        ],
        capabilities: [{ kind: 'tools', name: 'read_file', origin: 'declared' }, { kind: 'prompts', origin: 'declared' }],
        remotes: [{ type: 'streamable-http', url: 'https://example.test/mcp' }],
        packages: [{
          registryType: 'npm', identifier: 'example-mcp', version: '1.0.0', transport: { type: 'stdio' },
          runtimeArguments: [{ type: 'named', name: '--yes' }],
          packageArguments: [{ type: 'positional', name: 'directory' }, { type: 'positional', value: '/tmp' }],
        }],
        popularity: { downloads: 1234 },
        publishedAt: '2025-01-01T00:00:00.000Z',
      }),
      versions: ['1.0.0', '0.9.0', '0.8.0', '0.7.0', '0.6.0', '0.5.0'].map((value, index) => version(value, index === 0 ? { tags: ['latest'] } : {})),
      sources: [],
    }, plain)
    expect(card).toContain('Example 1.0.0')
    expect(card).toMatch(/name\s+example-mcp/)
    expect(card).toMatch(/status\s+deprecated: use other-mcp/)
    expect(card).toMatch(/launch\s+npx -y --yes example-mcp@1.0.0 <directory> \/tmp \(stdio\)/)
    expect(card).toMatch(/remote\s+streamable-http https:\/\/example.test\/mcp/)
    expect(card).toMatch(/requires\s+node >=18, env API_KEY \(optional, secret\)/)
    expect(card).toMatch(/registry name\s+io.github.example\/example \(not verified: not listed\)/)
    expect(card).toMatch(/capabilities\s+tools:read_file, prompts/)
    expect(card).toMatch(/popularity\s+1.2k downloads\/week/)
    expect(card).toContain('1.0.0  latest')
    expect(card).toContain('… 1 more: tekton-mcp versions npm:example-mcp')
  })

  it('marks a claimed registry name that has no verification record', () => {
    const card = renderInfo({ server: server({ registryName: 'io.github.x/y' }), versions: [], sources: [] }, plain)
    expect(card).toMatch(/registry name\s+io.github.x\/y \(claimed\)/)
    expect(card).not.toContain('Versions')
  })
})

describe('versions table', () => {
  it('marks tags, prereleases, deprecations and hidden versions', () => {
    const output = renderVersions({
      ref: 'npm:example-mcp',
      versions: [
        version('2.0.0-beta.1', { prerelease: true, tags: ['next'], publishedAt: '2025-02-01T00:00:00Z' }),
        version('1.0.0', { tags: ['latest'], publishedAt: '2025-01-01T00:00:00Z' }),
        version('0.9.0', { yankedReason: 'broken', yanked: true }),
        version('0.8.0', { deprecated: true }),
      ],
      total: 6,
      sources: [{ source: 'npm', state: 'stale', fromCache: true, ageMs: 2 * 86_400_000, stale: true, staleReason: 'unreachable', message: 'getaddrinfo ENOTFOUND registry' }],
    }, plain)
    expect(output).toMatch(/2\.0\.0-beta\.1\s+next\s+2025-02-01\s+prerelease/)
    expect(output).toMatch(/1\.0\.0\s+latest\s+2025-01-01/)
    expect(output).toMatch(/0\.9\.0\s+yanked: broken/)
    expect(output).not.toContain('yanked deprecated')
    expect(output).toMatch(/0\.8\.0\s+deprecated/)
    expect(output).toContain('2 more not shown')
    expect(output).toContain('npm: served from cache, 2 d old (stale; the source could not be reached: getaddrinfo ENOTFOUND registry)')
    expect(renderVersions({ ref: 'npm:x', versions: [], total: 0, sources: [] }, plain)).toBe('No versions to show for npm:x.\n')
  })
})

describe('cache output', () => {
  it('lists tiers and what was cleared', () => {
    const stats = renderCacheStats({
      directory: '/tmp/cache',
      stats: { hits: 0, misses: 0, staleServed: 0, revalidations: 0, writes: 0, errors: 0, drivers: [{ name: 'memory', entries: 1 }, { name: 'file', entries: 3, location: '/tmp/cache/x' }] },
      answers: { directory: '/tmp/cache/answers', entries: 2 },
    }, plain)
    expect(stats).toContain('memory        1 entry')
    expect(stats).toContain('file          3 entries  /tmp/cache/x')
    expect(stats).toContain('answers       2 entries  /tmp/cache/answers')
    expect(renderCacheClear({ directory: '/tmp/cache', source: 'npm', removed: 2 }, plain)).toBe('cleared npm entries: 2 removed (/tmp/cache)\n')
    expect(renderCacheClear({ directory: '/tmp/cache', source: null, removed: 0 }, plain)).toContain('all entries')
  })
})
