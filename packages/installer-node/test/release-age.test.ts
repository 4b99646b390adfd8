// The minimum release age when a version is picked from a packument: pure, with publish times set
// relative to the rule's cutoff, so no clock is involved.
import { describe, expect, it } from '@jest/globals'
import { parseVersionRequest, selectVersion } from '../src/index'
import type { InstallPackument, ReleaseAgeRule } from '../src/index'
import { withoutYoungVersions } from '../src/release-age'

const hour = 3_600_000
const cutoff = Date.UTC(2026, 0, 10)
const rule: ReleaseAgeRule = { hours: 48, publishedBefore: cutoff, rule: 'policy.minimumReleaseAgeHours (/etc/tekton-mcp/config.json)' }

function packument(versions: Record<string, number | undefined>, tags: Record<string, string>): InstallPackument {
  const time: Record<string, string> = {}
  for (const [version, offset] of Object.entries(versions)) if (offset !== undefined) time[version] = new Date(cutoff + offset).toISOString()
  return {
    name: 'pkg',
    'dist-tags': tags,
    versions: Object.fromEntries(Object.keys(versions).map((version) => [version, { version, dist: { tarball: `http://127.0.0.1/pkg-${version}.tgz` } }])),
    time,
  }
}

describe('minimum release age', () => {
  const published = packument({ '1.0.0': -100 * hour, '1.1.0': -hour, '1.2.0': 5 * hour, '2.0.0-beta.1': 6 * hour, '0.9.0': undefined }, { latest: '1.2.0', next: '2.0.0-beta.1' })

  it('falls back from a young latest to the highest older stable version, with a note naming the rule', () => {
    const selected = selectVersion(published, parseVersionRequest(undefined), rule)
    expect(selected.version).toBe('1.1.0')
    expect(selected.notes[0]).toContain('pkg@1.2.0 was published')
    expect(selected.notes[0]).toContain('1.1.0 is installed instead, as policy.minimumReleaseAgeHours (/etc/tekton-mcp/config.json) asks')
  })

  it('a range keeps to old enough versions; an exact version is pinned; without the rule nothing changes', () => {
    expect(selectVersion(published, parseVersionRequest('^1.0.0'), rule).version).toBe('1.1.0')
    expect(selectVersion(published, parseVersionRequest('1.2.0'), rule).version).toBe('1.2.0')
    expect(selectVersion(published, parseVersionRequest(undefined)).version).toBe('1.2.0')
    expect(selectVersion(published, parseVersionRequest('1.0.0 - 1.1.0'), rule)).toMatchObject({ version: '1.1.0', notes: [] })
  })

  it('a prerelease tag may fall back to an older version, prereleases included', () => {
    const withBeta = packument({ '1.0.0': -100 * hour, '2.0.0-beta.0': -50 * hour, '2.0.0-beta.1': hour }, { latest: '1.0.0', next: '2.0.0-beta.1' })
    expect(selectVersion(withBeta, parseVersionRequest('next'), rule).version).toBe('2.0.0-beta.0')
  })

  it('a version without a publish time cannot be shown old enough; nothing old enough is E_POLICY_DENIED', () => {
    const young = packument({ '0.9.0': undefined, '1.0.0': hour }, { latest: '1.0.0' })
    expect(() => selectVersion(young, parseVersionRequest(undefined), rule)).toThrow(
      expect.objectContaining({ code: 'E_POLICY_DENIED', message: expect.stringContaining('pkg@latest: no matching version is older than 48 h (1.0.0 was published 47 h ago): refused by policy.minimumReleaseAgeHours') }),
    )
    const untimed = packument({ '1.0.0': undefined }, { latest: '1.0.0' })
    expect(() => selectVersion(untimed, parseVersionRequest('^1'), rule)).toThrow(/1\.0\.0 has no publish time/)
  })
})

describe('the packuments the tree is resolved from, under the rule', () => {
  it('drop the young and untimed versions and re-point the tags that named one; the packument itself is left as it was', () => {
    const served = packument({ '1.0.0': -100 * hour, '1.1.0': -hour, '1.2.0': 5 * hour, '2.0.0-beta.0': -50 * hour, '2.0.0-beta.1': 6 * hour, '0.9.0': undefined }, { latest: '1.2.0', next: '2.0.0-beta.1', old: '1.0.0', fresh: '0.9.0' })
    const mature = withoutYoungVersions(served, rule) as InstallPackument
    expect(Object.keys(mature.versions ?? {}).sort()).toEqual(['1.0.0', '1.1.0', '2.0.0-beta.0'])
    // latest falls back to a stable version, a prerelease tag may fall back to a prerelease; a tag with nothing older goes.
    expect(mature['dist-tags']).toEqual({ latest: '1.1.0', next: '2.0.0-beta.0', old: '1.0.0' })
    expect(served['dist-tags']?.latest).toBe('1.2.0')
    expect(Object.keys(served.versions ?? {})).toHaveLength(6)
  })
})
