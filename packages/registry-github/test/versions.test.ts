import { describe, expect, it } from '@jest/globals'
import { latestOf, releasesToVersions, tagsToVersions, versionFromTag } from '../src/versions'

describe('versionFromTag', () => {
  it('strips a leading v only when semver follows', () => {
    expect(versionFromTag('v1.2.3')).toBe('1.2.3')
    expect(versionFromTag('V2.0.0-rc.1')).toBe('2.0.0-rc.1')
    expect(versionFromTag('1.2.3')).toBe('1.2.3')
    expect(versionFromTag('v1.2')).toBe('v1.2')
    expect(versionFromTag('very-old')).toBe('very-old')
    expect(versionFromTag(' v0.1.0 ')).toBe('0.1.0')
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
