/**
 * Semantic versioning precedence (semver 2.0.0), enough to order a server's versions newest
 * first. The registry recommends semver but accepts any string, so callers fall back to
 * publication time for the rest.
 */
import semver from 'semver'

/** A parsed semver version. */
export interface ParsedSemver {
  major: number
  minor: number
  patch: number
  prerelease: string[]
}

/** Parses `1.2.3-beta.1+build` (a leading `v` or `=` allowed); undefined when the text is not semver. */
export function parseSemver(version: string): ParsedSemver | undefined {
  const parsed = parseVersion(version)
  return parsed ? { major: parsed.major, minor: parsed.minor, patch: parsed.patch, prerelease: parsed.prerelease.map(String) } : undefined
}

function parseVersion(version: string): semver.SemVer | null {
  return semver.parse(version.trim().replace(/^=/, ''))
}

/** Semver precedence of two versions (build metadata ignored); undefined when either is not semver. */
export function compareSemver(a: string, b: string): number | undefined {
  const left = parseVersion(a)
  const right = parseVersion(b)
  return left && right ? semver.compare(left, right) : undefined
}

/** Whether a version is a prerelease: semver's `-identifiers`, or a common marker in other schemes. */
export function isPrerelease(version: string): boolean {
  const parsed = parseSemver(version)
  if (parsed) return parsed.prerelease.length > 0
  return /[-.](?:alpha|beta|rc|pre|preview|dev|next)\b/i.test(version)
}

/**
 * Newest first: semver versions by precedence (then by publication time for equal precedence),
 * other versions after them by publication time, newest first.
 */
export function compareNewestFirst(a: { version: string; publishedAt?: string }, b: { version: string; publishedAt?: string }): number {
  const bySemver = compareSemver(b.version, a.version)
  if (bySemver !== undefined && bySemver !== 0) return bySemver
  const validA = parseSemver(a.version) !== undefined
  const validB = parseSemver(b.version) !== undefined
  if (validA !== validB) return validA ? -1 : 1
  return (b.publishedAt ?? '').localeCompare(a.publishedAt ?? '')
}
