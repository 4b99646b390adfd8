// The image release age on its own (the engine test shows it end to end): placeholder build
// times are unknown, an unknown or young build time refuses a tag, a digest-pinned image passes.
import { describe, expect, it } from '@jest/globals'
import { checkImageReleaseAge, imageBuiltAt, imageReleaseAge } from '../src/release-age'

const hour = 3_600_000
const cutoff = Date.UTC(2026, 0, 10)
const rule = { hours: 24, publishedBefore: cutoff, rule: 'policy.minimumReleaseAgeHours (/etc/tekton-mcp/config.yaml)' }

describe('image release age', () => {
  it('reads the build time, taking the epoch and Go\'s zero time (reproducible builds) as unknown', () => {
    expect(imageBuiltAt('2026-01-09T10:00:00.123456789Z')).toBe(Date.UTC(2026, 0, 9, 10, 0, 0, 123))
    expect(imageBuiltAt('1970-01-01T00:00:00Z')).toBeUndefined()
    expect(imageBuiltAt('0001-01-01T00:00:00Z')).toBeUndefined()
    expect(imageBuiltAt(undefined)).toBeUndefined()
    expect(imageReleaseAge(undefined, cutoff)).toEqual({})
    expect(imageReleaseAge(cutoff - 36 * hour, cutoff)).toEqual({ releaseAge: { publishedAt: new Date(cutoff - 36 * hour).toISOString(), hours: 36 } })
  })

  it('refuses a tag built after the cutoff or at an unknown time; passes an old enough tag, a pinned digest, or no rule', () => {
    expect(() => checkImageReleaseAge('r/x:1', false, cutoff + hour, rule)).toThrow(expect.objectContaining({ code: 'E_POLICY_DENIED', message: expect.stringContaining('r/x:1 was built 23 h ago, younger than 24 h: refused by policy.minimumReleaseAgeHours') }))
    expect(() => checkImageReleaseAge('r/x:1', false, undefined, rule)).toThrow(/has no build time/)
    expect(() => checkImageReleaseAge('r/x:1', false, cutoff - hour, rule)).not.toThrow()
    expect(() => checkImageReleaseAge('r/x@sha256:abc', true, cutoff + hour, rule)).not.toThrow()
    expect(() => checkImageReleaseAge('r/x:1', false, cutoff + hour, undefined)).not.toThrow()
  })
})
