/**
 * Newest-first ordering of a server's versions, one rule for every source: versions the scheme
 * understands first, by precedence; the others after them, by publication time. A registry
 * recommends a scheme but accepts any string, and one odd release must not break the list.
 */
import semver from 'semver'

/** A parsed semver version. */
export interface ParsedSemver {
  major: number
  minor: number
  patch: number
  prerelease: string[]
}

/**
 * Parses a semver version the way the `semver` package does: `1.2.3-beta.1+build`, with a
 * leading `v` or `=` and surrounding spaces allowed (tags and registries write `v1.2.3`).
 * `undefined` for anything else (`1.2`, `01.2.3`, `nightly`).
 */
export function parseSemver(version: string): ParsedSemver | undefined {
  const parsed = typeof version === 'string' ? semver.parse(version.trim()) : null
  return parsed ? { major: parsed.major, minor: parsed.minor, patch: parsed.patch, prerelease: parsed.prerelease.map(String) } : undefined
}

/** How a source's versions compare: which strings are versions, and their precedence. */
export interface VersionScheme {
  /** Whether `version` is a version of this scheme. */
  isValid(version: string): boolean
  /** Precedence of two valid versions: negative when `a` is older, 0 when equal, positive when newer. */
  compare(a: string, b: string): number
}

/** Semantic versioning 2.0.0 (build metadata ignored), read as `parseSemver` reads it. */
export const semverScheme: VersionScheme = {
  isValid: (version) => parseSemver(version) !== undefined,
  compare: (a, b) => semver.compare(a.trim(), b.trim()),
}

/** What ordering looks at. */
export interface OrderedVersion {
  version: string
  publishedAt?: string | undefined
}

/**
 * Comparator, newest first: valid versions by precedence (equal precedence: newer publication
 * first), then the others by publication time, newest first. Ties keep the given order
 * (`Array.prototype.sort` is stable).
 */
export function compareNewestFirst(a: OrderedVersion, b: OrderedVersion, scheme: VersionScheme = semverScheme): number {
  const validA = scheme.isValid(a.version)
  const validB = scheme.isValid(b.version)
  if (validA !== validB) return validA ? -1 : 1
  const byPrecedence = validA ? scheme.compare(b.version, a.version) : 0
  return byPrecedence || (b.publishedAt ?? '').localeCompare(a.publishedAt ?? '')
}

/** A copy of `versions`, newest first (see `compareNewestFirst`). */
export function sortNewestFirst<T extends OrderedVersion>(versions: readonly T[], scheme: VersionScheme = semverScheme): T[] {
  return [...versions].sort((a, b) => compareNewestFirst(a, b, scheme))
}
