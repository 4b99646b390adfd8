/**
 * Semantic versioning precedence (semver 2.0.0), enough to order a server's versions newest
 * first. The registry recommends semver but accepts any string, so callers fall back to
 * publication time for the rest.
 */

/** A parsed semver version. */
export interface ParsedSemver {
  major: number
  minor: number
  patch: number
  prerelease: string[]
}

const identifier = '(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)'
// A leading `v` or `=` is accepted, as node-semver's `valid()` does.
const semverPattern = new RegExp(
  `^[v=]?(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-(${identifier}(?:\\.${identifier})*))?(?:\\+[0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*)?$`,
)

/** Parses `1.2.3-beta.1+build`; undefined when the text is not semver. */
export function parseSemver(version: string): ParsedSemver | undefined {
  const match = semverPattern.exec(version.trim())
  if (!match) return undefined
  const [major, minor, patch] = [match[1], match[2], match[3]].map(Number) as [number, number, number]
  if (![major, minor, patch].every(Number.isSafeInteger)) return undefined
  return { major, minor, patch, prerelease: match[4] ? match[4].split('.') : [] }
}

function compareIdentifiers(a: string, b: string): number {
  const numericA = /^\d+$/.test(a)
  const numericB = /^\d+$/.test(b)
  if (numericA && numericB) return Math.sign(Number(a) - Number(b))
  // Numeric identifiers have lower precedence than alphanumeric ones.
  if (numericA !== numericB) return numericA ? -1 : 1
  return a < b ? -1 : a > b ? 1 : 0
}

/** Semver precedence of two versions (build metadata ignored); undefined when either is not semver. */
export function compareSemver(a: string, b: string): number | undefined {
  const left = parseSemver(a)
  const right = parseSemver(b)
  if (!left || !right) return undefined
  for (const key of ['major', 'minor', 'patch'] as const) {
    if (left[key] !== right[key]) return Math.sign(left[key] - right[key])
  }
  // A version without prerelease identifiers ranks above any prerelease of it.
  if (left.prerelease.length === 0 || right.prerelease.length === 0) {
    return left.prerelease.length === right.prerelease.length ? 0 : left.prerelease.length === 0 ? 1 : -1
  }
  const length = Math.max(left.prerelease.length, right.prerelease.length)
  for (let index = 0; index < length; index += 1) {
    const x = left.prerelease[index]
    const y = right.prerelease[index]
    if (x === undefined) return -1
    if (y === undefined) return 1
    const order = compareIdentifiers(x, y)
    if (order !== 0) return order
  }
  return 0
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
