import { describe, expect, it } from '@jest/globals'
import { latestOf, releasesToVersions, tagsToVersions, versionFromTag } from '../src/versions'

describe('versionFromTag', () => {
  it('strips a leading v only when semver follows', () => {
    expect(versionFromTag('v1.2.3')).toBe('1.2.3')
    expect(versionFromTag('V2.0.0-rc.1')).toBe('2.0.0-rc.1')
    expect(versionFromTag('1.2.3')).toBe('1.2.3')
    expect(versionFromTag('v1')).toBe('v1')
    expect(versionFromTag('very-old')).toBe('very-old')
    expect(versionFromTag(' v0.1.0 ')).toBe('0.1.0')
  })
})

describe('normalised tags in semver or PEP 440 order', () => {
  it('takes off a package-name prefix as release-please and changesets write it, and orders by semver', () => {
    expect(versionFromTag('chrome-devtools-mcp-v1.10.1')).toBe('1.10.1')
    expect(versionFromTag('server-x@1.0.0')).toBe('1.0.0')
    expect(versionFromTag('nightly')).toBe('nightly')
    const versions = tagsToVersions(['chrome-devtools-mcp-v1.10.1', 'chrome-devtools-mcp-v1.11.0', 'chrome-devtools-mcp-v1.9.0', 'chrome-devtools-mcp-v1.11.1-beta.0'])
    expect(versions.map((entry) => entry.version)).toEqual(['1.11.1-beta.0', '1.11.0', '1.10.1', '1.9.0'])
    expect(versions.find((entry) => entry.tags.includes('latest'))?.version).toBe('1.11.0')
  })

  it('orders a Python project by PEP 440: a release candidate below its release, a post-release above it', () => {
    const versions = releasesToVersions(
      [
        { tag_name: 'v1.0.0.post1', published_at: '2025-03-01T00:00:00Z' },
        { tag_name: 'v2.0.0rc1', published_at: '2025-04-01T00:00:00Z' },
        { tag_name: 'v1.0.0', published_at: '2025-02-01T00:00:00Z' },
        { tag_name: 'v2.0.0', published_at: '2025-05-01T00:00:00Z' },
      ],
      'Python',
    )
    expect(versions.map((entry) => entry.version)).toEqual(['2.0.0', '2.0.0rc1', '1.0.0.post1', '1.0.0'])
    expect(versions.map((entry) => entry.prerelease)).toEqual([false, true, false, false])
    expect(versions[0]?.tags).toEqual(['latest'])
    // Without the language, tags only PEP 440 reads say the same.
    expect(tagsToVersions(['v1.0.0.post1', 'v2.0.0rc1', 'v1.0.0']).map((entry) => entry.version)).toEqual(['2.0.0rc1', '1.0.0.post1', '1.0.0'])
    expect(latestOf(tagsToVersions(['v1.0.0.post1', 'v2.0.0rc1', 'v1.0.0']))?.version).toBe('1.0.0.post1')
  })
})

describe('releasesToVersions', () => {
  it('skips drafts, keeps one entry per version and tags the highest stable one latest', () => {
    const versions = releasesToVersions([
      { tag_name: 'v3.0.0', draft: true, published_at: null },
      { tag_name: 'v2.1.0-rc.1', prerelease: false, published_at: '2025-06-03T00:00:00Z' },
      { tag_name: 'v1.9.1', published_at: '2025-06-02T00:00:00Z' },
      { tag_name: 'v2.0.0', prerelease: true, published_at: '2025-05-01T00:00:00Z' },
      { tag_name: '1.9.1', published_at: '2025-06-01T00:00:00Z' },
      { tag_name: ' ', published_at: '2025-06-01T00:00:00Z' },
    ])
    expect(versions).toEqual([
      { version: '2.1.0-rc.1', prerelease: true, tags: [], publishedAt: '2025-06-03T00:00:00Z' },
      // Flagged a prerelease on GitHub, though its tag says otherwise.
      { version: '2.0.0', prerelease: true, tags: [], publishedAt: '2025-05-01T00:00:00Z' },
      { version: '1.9.1', prerelease: false, tags: ['latest'], publishedAt: '2025-06-02T00:00:00Z' },
    ])
  })

  it('tags the newest as latest when every release is a prerelease', () => {
    expect(latestOf(tagsToVersions(['v0.2.0-beta', 'v0.1.0-beta']))?.version).toBe('0.2.0-beta')
    expect(tagsToVersions(['v0.2.0-beta', 'v0.1.0-beta'])[0]?.tags).toEqual(['latest'])
    expect(latestOf([])).toBeUndefined()
    expect(tagsToVersions([])).toEqual([])
  })
})
