/**
 * Versions from GitHub releases and tags. Tags are free text (`v1.2.0`, `1.2.0`, `nightly`,
 * `server-x@1.0.0`), so only what is semver is ordered as semver; the rest keeps GitHub's order.
 */
import semver from 'semver'
import type { ServerVersion } from '@tekton/mcp-discovery'
import type { GithubRelease } from './schemas'

interface ParsedSemver {
  major: number
  minor: number
  patch: number
  prerelease: string[]
}

/** Parses a strict semver version (`1.2.3`, `1.2.3-beta.1+build`: no leading `v` or spaces); undefined otherwise. */
export function parseSemver(version: string): ParsedSemver | undefined {
  const parsed = semver.parse(version)
  // semver accepts `v1.2.3` and surrounding spaces; a tag's version must be written as it is.
  if (!parsed || parsed.version !== version.replace(/\+.*$/, '')) return undefined
  return { major: parsed.major, minor: parsed.minor, patch: parsed.patch, prerelease: parsed.prerelease.map(String) }
}

/**
 * The version a tag names: `v1.2.0` → `1.2.0` when what follows the `v` is semver; any other tag
 * (`1.2.0`, `v1.2`, `nightly`) as written.
 */
export function versionFromTag(tag: string): string {
  const trimmed = tag.trim()
  if (/^[vV]/.test(trimmed) && parseSemver(trimmed.slice(1))) return trimmed.slice(1)
  return trimmed
}

/**
 * Newest first: semver versions by precedence, then the others by publish time (newest first),
 * then in the order given (GitHub's).
 */
export function sortVersions(versions: ServerVersion[]): ServerVersion[] {
  const indexed = versions.map((entry, index) => ({ entry, index, valid: parseSemver(entry.version) !== undefined }))
  indexed.sort((a, b) => {
    if (a.valid && b.valid) return semver.compare(b.entry.version, a.entry.version) || a.index - b.index
    if (a.valid || b.valid) return a.valid ? -1 : 1
    return (b.entry.publishedAt ?? '').localeCompare(a.entry.publishedAt ?? '') || a.index - b.index
  })
  return indexed.map(({ entry }) => entry)
}

/**
 * The latest version: the highest stable one; without any, the first in `sorted` (newest first).
 * GitHub's own "latest release" is the newest by date, which a backport release would take over.
 */
export function latestOf(sorted: ServerVersion[]): ServerVersion | undefined {
  return sorted.find((entry) => !entry.prerelease) ?? sorted[0]
}

function isPrerelease(version: string, flagged: boolean): boolean {
  if (flagged) return true
  const parsed = parseSemver(version)
  return parsed !== undefined && parsed.prerelease.length > 0
}

/** Marks the latest version with the `latest` tag, as npm's dist-tag would. */
function withLatestTag(sorted: ServerVersion[]): ServerVersion[] {
  const latest = latestOf(sorted)
  if (latest) latest.tags = ['latest']
  return sorted
}

/**
 * Published releases as versions (drafts are skipped: they are not published), newest first,
 * one entry per version (a repository that tagged both `v1.0.0` and `1.0.0` lists it once).
 */
export function releasesToVersions(releases: readonly GithubRelease[]): ServerVersion[] {
  const seen = new Set<string>()
  const versions: ServerVersion[] = []
  for (const release of releases) {
    if (release.draft) continue
    const version = versionFromTag(release.tag_name)
    if (version === '' || seen.has(version)) continue
    seen.add(version)
    const entry: ServerVersion = { version, prerelease: isPrerelease(version, release.prerelease === true), tags: [] }
    if (release.published_at) entry.publishedAt = release.published_at
    versions.push(entry)
  }
  return withLatestTag(sortVersions(versions))
}

/** Tags as versions, for repositories that tag without publishing releases; tags carry no dates. */
export function tagsToVersions(tags: readonly string[]): ServerVersion[] {
  const seen = new Set<string>()
  const versions: ServerVersion[] = []
  for (const tag of tags) {
    const version = versionFromTag(tag)
    if (version === '' || seen.has(version)) continue
    seen.add(version)
    versions.push({ version, prerelease: isPrerelease(version, false), tags: [] })
  }
  return withLatestTag(sortVersions(versions))
}
