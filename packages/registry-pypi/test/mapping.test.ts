import { describe, expect, it } from '@jest/globals'
import { ServerMetadataSchema, ServerVersionSchema } from '@tekton/mcp-discovery'
import { compareVersionsDescending, isPrerelease, normalizeLicense, normalizeRepository, projectToMetadata, projectToVersions, repositoryFromUrl, splitKeywords, toReleaseFiles, websiteOf } from '../src/mapping'
import { extractMcpName, PypiProjectSchema } from '../src/schemas'
import type { PypiProjectData } from '../src/schemas'

const context = { jsonApiUrl: 'https://alice:s3cret@pypi.example/pypi' }

function file(version: string, overrides: Record<string, unknown> = {}) {
  return {
    filename: `demo-${version}.tar.gz`,
    url: `https://files.example/demo-${version}.tar.gz`,
    packagetype: 'sdist',
    digests: { sha256: 'A'.repeat(64), md5: 'x' },
    requires_python: '>=3.10',
    size: 1234,
    upload_time_iso_8601: `2025-01-0${version.length % 9}T00:00:00.000000Z`,
    yanked: false,
    yanked_reason: null,
    ...overrides,
  }
}

function project(info: Record<string, unknown>, releases: Record<string, unknown[]> = {}): PypiProjectData {
  return PypiProjectSchema.parse({ info: { name: 'demo-mcp', version: '1.0.0', ...info }, releases, urls: releases[String(info.version ?? '1.0.0')] ?? [] })
}

describe('the mcp-name marker', () => {
  it('is read anywhere in the description, inside an HTML comment too, exactly as the registry writes it', () => {
    expect(extractMcpName('# Server\n\n<!-- mcp-name: io.github.owner/server -->\n')).toBe('io.github.owner/server')
    expect(extractMcpName('Text mcp-name: io.github.owner/weather-server.')).toBe('io.github.owner/weather-server')
    expect(extractMcpName('mcp-name: not-a-name\nthen mcp-name: com.example/second')).toBe('com.example/second')
    expect(extractMcpName('mcp-name:io.github.owner/server')).toBeUndefined()
    expect(extractMcpName('no marker here')).toBeUndefined()
  })

  it('replaces the long description when parsed, and parsing the result again keeps it', () => {
    const raw = { info: { name: 'demo-mcp', version: '1.0.0', description: `${'x'.repeat(200_000)}\nmcp-name: io.github.owner/demo\n` }, releases: { '1.0.0': [file('1.0.0')] } }
    const once = PypiProjectSchema.parse(raw)
    expect(once.info).not.toHaveProperty('description')
    expect(once.info.mcpName).toBe('io.github.owner/demo')
    expect(PypiProjectSchema.parse(once)).toEqual(once)
    expect(JSON.stringify(once).length).toBeLessThan(2000)
  })

  it('drops one malformed file rather than the document', () => {
    const parsed = PypiProjectSchema.parse({ info: { name: 'demo', version: '1.0.0' }, releases: { '1.0.0': [file('1.0.0'), { filename: 42 }], '0.9': 'not a list' } })
    expect(parsed.releases?.['1.0.0']).toHaveLength(1)
    expect(parsed.releases?.['0.9']).toEqual([])
  })
})

describe('projectToMetadata', () => {
  it('maps summary, license, python requirement, links, the claim and the package entry', () => {
    const metadata = projectToMetadata(
      project(
        {
          summary: 'Demo MCP server',
          license_expression: 'MIT OR Apache-2.0',
          requires_python: '>=3.11',
          requires_dist: ['mcp>=1.2', "pytest; extra == 'test'"],
          keywords: 'demo, mcp',
          project_urls: { Documentation: 'https://demo.example/docs', 'Source Code': 'https://github.com/Owner/Demo-MCP.git' },
          description: '<!-- mcp-name: io.github.owner/demo -->',
          project_url: 'https://pypi.example/project/demo-mcp/',
        },
        { '1.0.0': [file('1.0.0', { upload_time_iso_8601: '2025-03-02T00:00:00.000000Z' }), file('1.0.0', { upload_time_iso_8601: '2025-03-01T00:00:00.000000Z' })], '0.1': [file('0.1', { upload_time_iso_8601: '2025-01-01T00:00:00Z' })] },
      ),
      context,
    )
    expect(ServerMetadataSchema.parse(metadata)).toEqual(metadata)
    expect(metadata).toMatchObject({
      ref: 'pypi:demo-mcp',
      name: 'demo-mcp',
      description: 'Demo MCP server',
      version: '1.0.0',
      license: 'MIT OR Apache-2.0',
      requirements: [{ kind: 'runtime', name: 'python', range: '>=3.11' }],
      keywords: ['demo', 'mcp'],
      repository: { url: 'https://github.com/Owner/Demo-MCP', source: 'github' },
      websiteUrl: 'https://demo.example/docs',
      registryName: 'io.github.owner/demo',
      verified: [{ kind: 'pypi-mcp-name', value: 'io.github.owner/demo', verified: false }],
      status: 'active',
      publishedAt: '2025-03-01T00:00:00.000000Z',
      updatedAt: '2025-03-02T00:00:00.000000Z',
      packages: [{ registryType: 'pypi', identifier: 'demo-mcp', version: '1.0.0', registryBaseUrl: 'https://pypi.example', transport: { type: 'stdio' }, runtimeHint: 'uvx' }],
      sources: [{ source: 'pypi', id: 'demo-mcp', url: 'https://pypi.example/project/demo-mcp/', reasons: ['name:*-mcp', 'dependency:mcp', 'mcp-name:io.github.owner/demo', 'keyword:mcp', 'summary:mcp'] }],
    })
    // Stored and shown: no password from the index URL.
    expect(JSON.stringify(metadata)).not.toContain('s3cret')
  })

  it('is deprecated when the latest release is yanked or the project is classified inactive', () => {
    const yanked = projectToMetadata(project({ yanked: true, yanked_reason: 'Security issue' }), context)
    expect(yanked).toMatchObject({ status: 'deprecated', statusMessage: 'latest release 1.0.0 is yanked: Security issue' })
    const allFilesYanked = projectToMetadata(project({}, { '1.0.0': [file('1.0.0', { yanked: true })] }), context)
    expect(allFilesYanked).toMatchObject({ status: 'deprecated', statusMessage: 'latest release 1.0.0 is yanked' })
    const inactive = projectToMetadata(project({ classifiers: ['Development Status :: 7 - Inactive'] }), context)
    expect(inactive).toMatchObject({ status: 'deprecated', statusMessage: 'classified as Development Status :: 7 - Inactive' })
    const partlyYanked = projectToMetadata(project({}, { '1.0.0': [file('1.0.0', { yanked: true }), file('1.0.0')] }), context)
    expect(partlyYanked.status).toBe('active')
  })

  it('maps PEP 792 project status: archived and deprecated as such, quarantined as gone, each with the reason', () => {
    const archived = projectToMetadata(project({ project_status: { status: 'archived', reason: 'Moved to mcp-server-x' } }), context)
    expect(archived).toMatchObject({ status: 'archived', statusMessage: 'archived by its maintainers: Moved to mcp-server-x' })
    const deprecated = projectToMetadata(project({ project_status: { status: 'deprecated' } }), context)
    expect(deprecated).toMatchObject({ status: 'deprecated', statusMessage: 'deprecated by its maintainers' })
    const quarantined = projectToMetadata(project({ project_status: { status: 'quarantined', reason: 'malware report' } }), context)
    expect(quarantined).toMatchObject({ status: 'deleted', statusMessage: 'quarantined by the index: malware report' })
    // As the Simple API names it, at the top of the document; an unknown status hides nothing.
    const simpleStyle = projectToMetadata(PypiProjectSchema.parse({ info: { name: 'demo-mcp', version: '1.0.0' }, 'project-status': { status: 'archived' } }), context)
    expect(simpleStyle.status).toBe('archived')
    expect(projectToMetadata(project({ project_status: { status: 'frozen-in-time' } }), context).status).toBe('active')
  })

  it('derives the project page from the registry when the document has none, and no repository from a non-forge home page', () => {
    const metadata = projectToMetadata(project({ name: 'Demo_MCP', home_page: 'https://demo.example' }), context)
    expect(metadata.sources[0]?.url).toBe('https://pypi.example/project/Demo_MCP/')
    expect(metadata.ref).toBe('pypi:demo-mcp')
    expect(metadata.repository).toBeUndefined()
    expect(metadata.websiteUrl).toBe('https://demo.example')
    expect(metadata.requirements).toEqual([{ kind: 'runtime', name: 'python' }])
  })
})

describe('licenses, keywords and links', () => {
  it('prefers the PEP 639 expression, then a short license name, then classifiers', () => {
    expect(normalizeLicense({ license_expression: 'Apache-2.0', license: 'MIT' })).toBe('Apache-2.0')
    expect(normalizeLicense({ license: 'BSD-3-Clause' })).toBe('BSD-3-Clause')
    expect(normalizeLicense({ license: 'Copyright (c) 2024\n\nPermission is hereby granted...', classifiers: ['License :: OSI Approved :: MIT License'] })).toBe('MIT')
    expect(normalizeLicense({ license: 'UNKNOWN', classifiers: ['License :: OSI Approved :: Apache Software License', 'License :: OSI Approved :: MIT License'] })).toBe('Apache Software License OR MIT')
    expect(normalizeLicense({ classifiers: ['Programming Language :: Python'] })).toBeUndefined()
  })

  it('splits keywords on commas, else on spaces', () => {
    expect(splitKeywords('mcp, llm,tools , mcp')).toEqual(['mcp', 'llm', 'tools'])
    expect(splitKeywords('mcp llm  tools')).toEqual(['mcp', 'llm', 'tools'])
    expect(splitKeywords(null)).toEqual([])
  })

  it('reads repositories from GitHub, GitLab and Bitbucket URLs, subfolders included', () => {
    expect(repositoryFromUrl('https://github.com/modelcontextprotocol/servers/tree/main/src/fetch')).toEqual({ url: 'https://github.com/modelcontextprotocol/servers', source: 'github', subfolder: 'src/fetch' })
    expect(repositoryFromUrl('git+https://www.github.com/o/r.git')).toEqual({ url: 'https://github.com/o/r', source: 'github' })
    expect(repositoryFromUrl('https://gitlab.com/group/sub/repo/-/tree/main/pkg')).toEqual({ url: 'https://gitlab.com/group/sub/repo', source: 'gitlab', subfolder: 'pkg' })
    expect(repositoryFromUrl('https://bitbucket.org/o/r/src/main/x')).toEqual({ url: 'https://bitbucket.org/o/r', source: 'bitbucket', subfolder: 'x' })
    for (const url of ['https://github.com/sponsors/o', 'https://github.com/o', 'https://example.com/o/r', 'not a url', 'ftp://github.com/o/r']) expect(repositoryFromUrl(url)).toBeUndefined()
  })

  it('takes Source before Homepage, and home_page last', () => {
    expect(normalizeRepository({ project_urls: { Homepage: 'https://github.com/o/site', Source: 'https://github.com/o/code' } })?.url).toBe('https://github.com/o/code')
    expect(normalizeRepository({ project_urls: { Homepage: 'https://o.example' }, home_page: 'https://gitlab.com/o/r' })?.url).toBe('https://gitlab.com/o/r')
    expect(websiteOf({ project_urls: { Funding: 'https://donate.example', Homepage: 'javascript:alert(1)' } })).toBeUndefined()
  })
})

describe('versions: PEP 440 order, not semver', () => {
  it('orders pre, dev and post releases and epochs as PEP 440 does, invalid versions last', () => {
    const versions = ['1.0', '1.0rc1', '1.0.post1', '1.0.dev0', '0.9', '2.0a1', '1!0.1', 'not.a.version!', '1.0-1']
    const sorted = versions.map((version) => ({ version })).sort(compareVersionsDescending).map((entry) => entry.version)
    expect(sorted).toEqual(['1!0.1', '2.0a1', '1.0.post1', '1.0-1', '1.0', '1.0rc1', '1.0.dev0', '0.9', 'not.a.version!'])
  })

  it('flags prereleases (dev releases too), judging invalid versions by their letters', () => {
    expect(['1.0rc1', '1.0.dev3', '2.0a1', '1.0b2.post1'].every(isPrerelease)).toBe(true)
    expect(['1.0', '1.0.post1', '2025.4.7'].some(isPrerelease)).toBe(false)
    expect(isPrerelease('1.0-beta!')).toBe(true)
    expect(isPrerelease('weird!')).toBe(false)
  })

  it('lists every release with upload time, yanked flag and reason, and latest on info.version', () => {
    const data = project(
      { version: '1.1.0' },
      {
        '1.0.0': [file('1.0.0', { upload_time_iso_8601: '2025-01-01T00:00:00Z' })],
        '1.1.0': [file('1.1.0', { upload_time_iso_8601: '2025-02-01T00:00:00Z' })],
        '1.2.0': [file('1.2.0', { yanked: true, yanked_reason: 'broken' }), file('1.2.0', { yanked: true })],
        '1.3.0b1': [file('1.3.0b1')],
        '0.0.1': [],
        legacy: [file('legacy', { upload_time_iso_8601: '2020-01-01T00:00:00Z' })],
      },
    )
    const versions = projectToVersions(data)
    for (const version of versions) ServerVersionSchema.parse(version)
    expect(versions.map((entry) => entry.version)).toEqual(['1.3.0b1', '1.2.0', '1.1.0', '1.0.0', '0.0.1', 'legacy'])
    expect(versions[0]).toMatchObject({ prerelease: true, tags: [] })
    expect(versions[1]).toMatchObject({ yanked: true, yankedReason: 'broken', prerelease: false })
    expect(versions[2]).toEqual({ version: '1.1.0', prerelease: false, tags: ['latest'], publishedAt: '2025-02-01T00:00:00Z' })
    expect(versions[4]).toEqual({ version: '0.0.1', prerelease: false, tags: [] })
    // The parsed document is not changed (it may be shared through the memory cache).
    expect(Object.keys(data.releases ?? {})).toHaveLength(6)
  })

  it('lists the latest release from `urls` when a mirror omits `releases`', () => {
    const data = PypiProjectSchema.parse({ info: { name: 'demo', version: '2.0' }, urls: [file('2.0')] })
    expect(projectToVersions(data)).toEqual([expect.objectContaining({ version: '2.0', tags: ['latest'] })])
  })
})

describe('release files', () => {
  it('keeps what an installer pins: name, URL, type, sha256 (lower case), python range, yank, size, time', () => {
    const data = PypiProjectSchema.parse({ info: { name: 'demo', version: '1.0' }, urls: [file('1.0', { yanked: true, yanked_reason: 'oops' }), file('1.0', { digests: { sha256: 'not-hex' }, packagetype: null, size: -1, requires_python: null })] })
    expect(toReleaseFiles(data.urls ?? [])).toEqual([
      { filename: 'demo-1.0.tar.gz', url: 'https://files.example/demo-1.0.tar.gz', packagetype: 'sdist', sha256: 'a'.repeat(64), requiresPython: '>=3.10', yanked: true, yankedReason: 'oops', size: 1234, uploadedAt: expect.any(String) },
      { filename: 'demo-1.0.tar.gz', url: 'https://files.example/demo-1.0.tar.gz', packagetype: 'unknown', yanked: false, uploadedAt: expect.any(String) },
    ])
  })
})
