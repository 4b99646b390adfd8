import { describe, expect, it } from '@jest/globals'
import { normalizeBin } from '../src/index'
import { latestVersion, normalizeLicense, normalizeRepository, packumentToMetadata, packumentToVersions } from '../src/mapping'
import { mcpReasons, normalizeKeywords } from '../src/classify'

describe('mcpReasons', () => {
  it.each([
    ['@modelcontextprotocol/server-github', 'name:@modelcontextprotocol/server-*'],
    ['mcp-server-fetch', 'name:mcp-server-*'],
    ['@acme/weather-mcp-server', 'name:*-mcp-server'],
    ['@upstash/context7-mcp', 'name:*-mcp'],
    ['mcp-remote', 'name:mcp-*'],
    ['@acme/mcp', 'name:mcp'],
    ['acme.mcp.tools', 'name:mcp'],
  ])('recognises %s by name', (name, reason) => {
    expect(mcpReasons({ name })).toEqual([reason])
  })

  it('does not match mcp inside a word, and skips the SDK', () => {
    expect(mcpReasons({ name: 'mcpx-utils' })).toEqual([])
    expect(mcpReasons({ name: 'filesystem-utils', keywords: ['fs'] })).toEqual([])
    expect(mcpReasons({ name: '@modelcontextprotocol/sdk', keywords: ['mcp'] })).toEqual([])
  })

  it('records keywords (any case), mcpName and the SDK dependency', () => {
    expect(mcpReasons({ name: 'tools', keywords: ['MCP', 'Model-Context-Protocol'], mcpName: 'io.github.a/b', dependencies: { '@modelcontextprotocol/sdk': '^1' } })).toEqual([
      'keyword:mcp',
      'keyword:model-context-protocol',
      'mcpName:io.github.a/b',
      'dependency:@modelcontextprotocol/sdk',
    ])
  })
})

describe('normalisers', () => {
  it.each([
    ['git+https://github.com/modelcontextprotocol/servers.git', 'https://github.com/modelcontextprotocol/servers'],
    ['git+ssh://git@github.com/owner/repo.git', 'https://github.com/owner/repo'],
    ['git@github.com:owner/repo.git', 'https://github.com/owner/repo'],
    ['git://github.com/owner/repo.git', 'https://github.com/owner/repo'],
    ['github:owner/repo', 'https://github.com/owner/repo'],
    ['gitlab:group/project', 'https://gitlab.com/group/project'],
    ['owner/repo', 'https://github.com/owner/repo'],
    ['http://GitHub.com/owner/repo/', 'https://github.com/owner/repo'],
    ['https://git.example.com:8443/team/tool.git', 'https://git.example.com/team/tool'],
  ])('repository %s → %s', (input, expected) => {
    expect(normalizeRepository(input)?.url).toBe(expected)
  })

  it('rejects repository values that are not URLs', () => {
    expect(normalizeRepository('not a url at all')).toBeUndefined()
    expect(normalizeRepository('file:///tmp/repo')).toBeUndefined()
    expect(normalizeRepository('https://github.com')).toBeUndefined()
    expect(normalizeRepository(42)).toBeUndefined()
    expect(normalizeRepository({ url: 'https://gitlab.com/a/b', directory: './packages/x/' })).toEqual({ url: 'https://gitlab.com/a/b', source: 'gitlab', subfolder: 'packages/x' })
    expect(normalizeRepository('https://git.example.com/a/b')).toEqual({ url: 'https://git.example.com/a/b', source: 'git.example.com' })
  })

  it('reads licenses, keywords and bins in their historical forms', () => {
    expect(normalizeLicense({ type: 'MIT' })).toBe('MIT')
    expect(normalizeLicense([{ type: 'MIT' }, { type: 'Apache-2.0' }])).toBe('MIT OR Apache-2.0')
    expect(normalizeLicense(7)).toBeUndefined()
    expect(normalizeKeywords('mcp, server tools')).toEqual(['mcp', 'server', 'tools'])
    expect(normalizeKeywords(['mcp', 3, 'mcp', ' '])).toEqual(['mcp'])
    expect(normalizeBin('@scope/tool', './cli.js')).toEqual({ tool: './cli.js' })
    expect(normalizeBin('tool', { a: 'a.js', b: 5 })).toEqual({ a: 'a.js' })
    expect(normalizeBin('tool', {})).toBeUndefined()
  })
})

describe('packuments with gaps', () => {
  it('falls back to the highest stable version without a usable latest tag', () => {
    const packument = { name: 'mcp-x', 'dist-tags': { latest: '9.9.9' }, versions: { '1.0.0': { version: '1.0.0' }, '1.2.0': { version: '1.2.0' }, '2.0.0-rc.1': { version: '2.0.0-rc.1' } } }
    expect(latestVersion(packument)).toBe('1.2.0')
    expect(latestVersion({ name: 'mcp-x', versions: { '2.0.0-rc.1': { version: '2.0.0-rc.1' } } })).toBe('2.0.0-rc.1')
  })

  it('maps an unpublished package as deleted', () => {
    const metadata = packumentToMetadata({ name: 'mcp-gone', time: { created: '2024-01-01T00:00:00.000Z', modified: '2024-02-01T00:00:00.000Z', unpublished: { time: '2024-02-01T00:00:00.000Z', versions: ['1.0.0'] } } }, { baseUrl: 'http://127.0.0.1:1' })
    expect(metadata).toMatchObject({ status: 'deleted', version: '', packages: [], updatedAt: '2024-02-01T00:00:00.000Z' })
  })

  it('keeps registry credentials out of the package entry', () => {
    const metadata = packumentToMetadata({ name: 'mcp-x', 'dist-tags': { latest: '1.0.0' }, versions: { '1.0.0': { version: '1.0.0', license: { type: 'ISC' } } } }, { baseUrl: 'http://user:secret@127.0.0.1:1/npm' })
    expect(metadata.packages[0]?.registryBaseUrl).toBe('http://127.0.0.1:1/npm')
    expect(metadata.license).toBe('ISC')
  })

  it('sorts versions npm would reject after valid ones and skips broken manifests', () => {
    const versions = packumentToVersions({
      name: 'old',
      'dist-tags': { latest: '1.0.0', beta: 1 as unknown as string },
      versions: { '1.0.0': { version: '1.0.0', deprecated: '' }, '0.1': { version: '0.1' }, '0.2-beta': { version: '0.2-beta' }, '2.0.0': null },
      time: { '0.1': '2010-01-01T00:00:00.000Z', '0.2-beta': '2011-01-01T00:00:00.000Z' },
    })
    expect(versions.map((entry) => [entry.version, entry.prerelease, entry.deprecated])).toEqual([
      ['1.0.0', false, undefined],
      ['0.2-beta', true, undefined],
      ['0.1', false, undefined],
    ])
  })
})
