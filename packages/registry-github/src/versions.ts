/**
 * Versions from GitHub releases and tags. Tags are free text (`v1.2.0`, `1.2.0`, `nightly`,
 * `server-x@1.0.0`), so only what is semver is ordered as semver (the kit's `sortNewestFirst`);
 * the rest comes after, by date, then in GitHub's order.
 */
import type { ServerVersion } from '@tekton/mcp-discovery'
import { parseSemver, sortNewestFirst } from '@tekton/mcp-discovery/kit'
import type { GithubRelease } from './schemas'

/**
 * The version a tag names: `v1.2.0` → `1.2.0` when what follows the `v` is semver; any other tag
 * (`1.2.0`, `v1.2`, `nightly`) as written.
 */
export function versionFromTag(tag: string): string {
  const trimmed = tag.trim()
  if (/^[vV]\d/.test(trimmed) && parseSemver(trimmed.slice(1))) return trimmed.slice(1)
  return trimmed
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
  return withLatestTag(sortNewestFirst(versions))
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
  return withLatestTag(sortNewestFirst(versions))
}
