/**
 * Versions from GitHub releases and tags. Tags are free text (`v1.2.0`, `1.2.0`, `nightly`,
 * `chrome-devtools-mcp-v1.10.1` as release-please writes it, `server-x@1.0.0`), so each is
 * normalised first: a `v` and a package-name prefix are taken off when a version follows. Then
 * versions are ordered by semver, or by PEP 440 for a Python project (known by its language,
 * or by tags only PEP 440 reads: `v2.0.0rc1`, `v1.0.0.post1`); what neither reads comes after,
 * by date, then in GitHub's order.
 */
import { compare as comparePep440, explain, valid as validPep440 } from '@renovatebot/pep440'
import type { ServerVersion } from '@tekton/mcp-discovery'
import { parseSemver, semverScheme, sortNewestFirst } from '@tekton/mcp-discovery/kit'
import type { VersionScheme } from '@tekton/mcp-discovery/kit'
import type { GithubRelease } from './schemas'

/** PEP 440, as pip orders a Python project's versions. */
export const pep440Scheme: VersionScheme = { isValid: (version) => validPep440(version) !== null, compare: comparePep440 }

function isVersion(text: string): boolean {
  return parseSemver(text) !== undefined || validPep440(text) !== null
}

/**
 * The version a tag names: `v1.2.0` → `1.2.0`, `chrome-devtools-mcp-v1.10.1` → `1.10.1`,
 * `server-x@1.0.0` → `1.0.0`, `v2.0.0rc1` → `2.0.0rc1`, when what follows is a version (semver or
 * PEP 440); any other tag (`nightly`, `v1`) as written.
 */
export function versionFromTag(tag: string): string {
  const trimmed = tag.trim()
  if (/^[vV]\d/.test(trimmed) && isVersion(trimmed.slice(1)) && /\./.test(trimmed)) return trimmed.slice(1)
  if (/^\d/.test(trimmed)) return trimmed
  // A package-name prefix: release-please's `<name>-v1.2.3`, changesets' `<name>@1.2.3`.
  const prefixed = /^(.+?)(?:-v|-|@v|@|\/v|\/)(\d[^@/]*)$/.exec(trimmed)
  if (prefixed && isVersion(prefixed[2] as string) && /\./.test(prefixed[2] as string)) return prefixed[2] as string
  return trimmed
}

/** Whether a tag list reads as a Python project's: some versions only PEP 440 understands. */
function looksPep440(versions: readonly string[]): boolean {
  return versions.some((version) => parseSemver(version) === undefined && validPep440(version) !== null && /\d\.\d/.test(version))
}

/** The ordering scheme for a repository: PEP 440 for Python, else semver. */
export function schemeFor(versions: readonly string[], language?: string | null): VersionScheme {
  return language?.toLowerCase() === 'python' || looksPep440(versions) ? pep440Scheme : semverScheme
}

/**
 * The latest version: the highest stable one; without any, the first in `sorted` (newest first).
 * GitHub's own "latest release" is the newest by date, which a backport release would take over.
 */
export function latestOf(sorted: ServerVersion[]): ServerVersion | undefined {
  return sorted.find((entry) => !entry.prerelease) ?? sorted[0]
}

function isPrerelease(version: string, flagged: boolean, scheme: VersionScheme): boolean {
  if (flagged) return true
  if (scheme === pep440Scheme) return explain(version)?.is_prerelease === true
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
 * `language` is the repository's (GitHub's guess): Python orders by PEP 440.
 */
export function releasesToVersions(releases: readonly GithubRelease[], language?: string | null): ServerVersion[] {
  const published = releases.filter((release) => !release.draft)
  const scheme = schemeFor(published.map((release) => versionFromTag(release.tag_name)), language)
  const seen = new Set<string>()
  const versions: ServerVersion[] = []
  for (const release of published) {
    const version = versionFromTag(release.tag_name)
    if (version === '' || seen.has(version)) continue
    seen.add(version)
    const entry: ServerVersion = { version, prerelease: isPrerelease(version, release.prerelease === true, scheme), tags: [] }
    if (release.published_at) entry.publishedAt = release.published_at
    versions.push(entry)
  }
  return withLatestTag(sortNewestFirst(versions, scheme))
}

/**
 * The tag for the release a repository marks as latest on GitHub when that is not the version
 * we call latest (the newest non-prerelease by version order): a backport, or a maintainer's
 * choice. Both facts are shown, since which one a user wants depends on why it was marked.
 */
export const githubLatestTag = 'github-latest'

/**
 * Tags the version of `markedTag` (the tag of GitHub's `releases/latest`) with `github-latest`
 * when it is not already our `latest`; versions are changed in place and returned.
 */
export function markGithubLatest(versions: ServerVersion[], markedTag: string): ServerVersion[] {
  const marked = versions.find((entry) => entry.version === versionFromTag(markedTag))
  if (marked && !marked.tags.includes('latest') && !marked.tags.includes(githubLatestTag)) marked.tags.push(githubLatestTag)
  return versions
}

/** Tags as versions, for repositories that tag without publishing releases; tags carry no dates. */
export function tagsToVersions(tags: readonly string[], language?: string | null): ServerVersion[] {
  const scheme = schemeFor(tags.map(versionFromTag), language)
  const seen = new Set<string>()
  const versions: ServerVersion[] = []
  for (const tag of tags) {
    const version = versionFromTag(tag)
    if (version === '' || seen.has(version)) continue
    seen.add(version)
    versions.push({ version, prerelease: isPrerelease(version, false, scheme), tags: [] })
  }
  return withLatestTag(sortNewestFirst(versions, scheme))
}
