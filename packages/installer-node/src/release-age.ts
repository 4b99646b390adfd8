/**
 * The minimum release age for the dependency tree. Supply-chain attacks mostly arrive through a
 * freshly published dependency, not through the server itself, so the rule that holds back the
 * server's own version holds for every dependency picked by a range or a dist-tag too: the
 * resolver, and npm when it resolves through the metadata proxy, see each packument without the
 * versions younger than the rule (or without a publish time), and with every dist-tag that named
 * one re-pointed to the highest older version below it (stable, unless the tag names a
 * prerelease), as pnpm's minimumReleaseAge does. Publish times are in full packuments only, so
 * the tree's packuments are fetched full when, and only when, the rule is set.
 */
import semver from 'semver'
import { hoursOldUnder } from '@tekton/mcp-installation'
import type { ReleaseAgeRule } from '@tekton/mcp-installation'

type RawPackument = { 'dist-tags'?: unknown; versions?: unknown; time?: unknown }

/** When `version` was published, from the packument's `time`; undefined when it does not say. */
export function publishTimeIn(packument: unknown, version: string): number | undefined {
  const time = (packument as RawPackument | null)?.time
  const value = typeof time === 'object' && time !== null ? (time as Record<string, unknown>)[version] : undefined
  const when = typeof value === 'string' ? Date.parse(value) : Number.NaN
  return Number.isNaN(when) ? undefined : when
}

/** Whether `version` was published before the rule's cutoff (a version without a publish time is not). */
export function isMature(packument: unknown, version: string, rule: ReleaseAgeRule): boolean {
  const when = publishTimeIn(packument, version)
  return when !== undefined && when <= rule.publishedBefore
}

/** `was published 3 h ago` / `has no publish time`: why a version was passed over. */
export function youngAgeOf(packument: unknown, version: string, rule: ReleaseAgeRule): string {
  const when = publishTimeIn(packument, version)
  if (when === undefined) return 'has no publish time'
  return `was published ${hoursOldUnder(rule, when)} h ago`
}

/**
 * A copy of `packument` holding only the versions old enough for `rule`, its dist-tags re-pointed
 * to the highest kept version at or below the one they named (a stable one, unless the tag names
 * a prerelease) and dropped when there is none. The packument itself is left as it is (it is
 * shared by whoever resolves the tree); one without versions is returned as is.
 */
export function withoutYoungVersions(packument: unknown, rule: ReleaseAgeRule): unknown {
  const data = packument as RawPackument | null
  const versions = data?.versions
  if (typeof versions !== 'object' || versions === null) return packument
  const kept = Object.fromEntries(Object.entries(versions as Record<string, unknown>).filter(([version]) => isMature(packument, version, rule)))
  const keptVersions = Object.keys(kept).filter((version) => semver.valid(version) !== null).sort(semver.rcompare)
  const tags: Record<string, string> = {}
  const declared = typeof data?.['dist-tags'] === 'object' && data['dist-tags'] !== null ? (data['dist-tags'] as Record<string, unknown>) : {}
  for (const [tag, version] of Object.entries(declared)) {
    if (typeof version !== 'string') continue
    if (Object.hasOwn(kept, version)) {
      tags[tag] = version
      continue
    }
    if (semver.valid(version) === null) continue
    const prerelease = semver.prerelease(version) !== null
    const older = keptVersions.find((candidate) => semver.lte(candidate, version) && (prerelease || semver.prerelease(candidate) === null))
    if (older !== undefined) tags[tag] = older
  }
  return { ...(data as object), 'dist-tags': tags, versions: kept }
}
