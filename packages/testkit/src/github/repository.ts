/**
 * GitHub repository fixtures: a short description (owner, name, topics, stars, files, releases)
 * turned into what the fake GitHub serves, so fixtures stay readable. The JSON documents
 * themselves are rendered per request (their URLs depend on the fake's address).
 */
import { createHash } from 'node:crypto'

/** A license as GitHub describes it (`license` on a repository). */
export interface GithubLicense {
  key: string
  name: string
  spdx_id: string
  url: string | null
  node_id: string
}

/** One release as a fixture describes it. */
export interface GithubReleaseSpec {
  /** The tag, as written: `v1.2.0`, `1.2.0`, `release-2025-06`. */
  tag: string
  /** @default the tag */
  name?: string
  /** ISO time. Drafts have none on GitHub: ignored for them. @default a day after the previous release */
  publishedAt?: string
  prerelease?: boolean
  draft?: boolean
  body?: string
  /**
   * Marked "latest" by the maintainers (GitHub's `make_latest`), served by `releases/latest` in
   * place of GitHub's default there: the newest non-draft, non-prerelease release by date.
   */
  latest?: boolean
}

/** What `buildGithubRepo` takes. */
export interface GithubRepoSpec {
  owner: string
  name: string
  description?: string | null
  topics?: string[]
  stars?: number
  forks?: number
  /** An SPDX id (`MIT`, `Apache-2.0`), `NOASSERTION` for a license GitHub cannot identify, or null. @default null */
  license?: string | null
  archived?: boolean
  fork?: boolean
  /** For a fork: the upstream repository, `owner/name` (GitHub shows it as `parent`). */
  parent?: string
  homepage?: string | null
  language?: string | null
  /** @default 'main' */
  defaultBranch?: string
  /** @default '2025-06-01T10:00:00Z' */
  pushedAt?: string
  /** @default '2024-11-25T09:00:00Z' */
  createdAt?: string
  /** Owner type. @default 'User' */
  ownerType?: 'User' | 'Organization'
  /** Files on the default branch, by path; objects are written as pretty JSON, strings as they are. */
  files?: Record<string, string | object>
  /** Newest first, as GitHub lists them. */
  releases?: GithubReleaseSpec[]
  /** Tag names, newest first. @default the releases' tags */
  tags?: string[]
  /** @default a stable number derived from owner/name */
  id?: number
}

/** A release as the fake stores it (the API document without URLs). */
export interface GithubReleaseData {
  id: number
  tag_name: string
  name: string
  draft: boolean
  prerelease: boolean
  created_at: string
  published_at: string | null
  body: string
}

/** A repository as the fake serves it. Change fixtures through `startFakeGithub().setRepo`. */
export interface FakeGithubRepo {
  id: number
  owner: { login: string; id: number; type: 'User' | 'Organization' }
  name: string
  /** `owner/name` in the repository's own case. */
  fullName: string
  description: string | null
  topics: string[]
  stars: number
  forks: number
  license: GithubLicense | null
  archived: boolean
  fork: boolean
  parent: string | null
  homepage: string | null
  language: string | null
  defaultBranch: string
  pushedAt: string
  createdAt: string
  updatedAt: string
  /** File contents by path (no leading slash), as text. */
  files: Record<string, string>
  releases: GithubReleaseData[]
  tags: string[]
  /** The tag of the release `releases/latest` answers with; null when there is none (404). */
  latestRelease: string | null
}

const licenseNames: Record<string, string> = {
  MIT: 'MIT License',
  'Apache-2.0': 'Apache License 2.0',
  'GPL-3.0': 'GNU General Public License v3.0',
  'BSD-3-Clause': 'BSD 3-Clause "New" or "Revised" License',
  'MPL-2.0': 'Mozilla Public License 2.0',
  NOASSERTION: 'Other',
}

/** A stable positive number from text, standing in for GitHub's numeric ids. */
export function stableId(text: string): number {
  return Number.parseInt(createHash('sha1').update(text).digest('hex').slice(0, 7), 16) + 1000
}

function licenseOf(spdx: string | null | undefined): GithubLicense | null {
  if (!spdx) return null
  const key = spdx === 'NOASSERTION' ? 'other' : spdx.toLowerCase()
  return {
    key,
    name: licenseNames[spdx] ?? spdx,
    spdx_id: spdx,
    url: spdx === 'NOASSERTION' ? null : `https://api.github.com/licenses/${key}`,
    node_id: `MDc6TGljZW5zZ${stableId(spdx) % 100}`,
  }
}

function addDays(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * 86_400_000).toISOString().replace('.000Z', 'Z')
}

/** Turns a short description into a repository the fake serves. */
export function buildGithubRepo(spec: GithubRepoSpec): FakeGithubRepo {
  const fullName = `${spec.owner}/${spec.name}`
  const createdAt = spec.createdAt ?? '2024-11-25T09:00:00Z'
  const pushedAt = spec.pushedAt ?? '2025-06-01T10:00:00Z'
  const files: Record<string, string> = {}
  for (const [path, content] of Object.entries(spec.files ?? {})) {
    files[path.replace(/^\/+/, '')] = typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`
  }
  // Listed newest first; a release without a date is a day before the one listed above it.
  const specs = spec.releases ?? []
  const releases: GithubReleaseData[] = []
  let previous = pushedAt
  for (const release of specs) {
    const published = release.draft ? null : (release.publishedAt ?? addDays(previous, -1))
    if (published) previous = published
    releases.push({
      id: stableId(`${fullName}#${release.tag}`),
      tag_name: release.tag,
      name: release.name ?? release.tag,
      draft: release.draft ?? false,
      prerelease: release.prerelease ?? false,
      created_at: published ?? pushedAt,
      published_at: published,
      body: release.body ?? `Release ${release.tag}`,
    })
  }
  return {
    id: spec.id ?? stableId(fullName),
    owner: { login: spec.owner, id: stableId(spec.owner), type: spec.ownerType ?? 'User' },
    name: spec.name,
    fullName,
    description: spec.description ?? null,
    topics: spec.topics ?? [],
    stars: spec.stars ?? 0,
    forks: spec.forks ?? 0,
    license: licenseOf(spec.license),
    archived: spec.archived ?? false,
    fork: spec.fork ?? false,
    parent: spec.parent ?? null,
    homepage: spec.homepage ?? null,
    language: spec.language ?? null,
    defaultBranch: spec.defaultBranch ?? 'main',
    pushedAt,
    createdAt,
    updatedAt: pushedAt,
    files,
    releases,
    tags: spec.tags ?? specs.filter((release) => !release.draft).map((release) => release.tag),
    latestRelease: latestReleaseOf(releases, specs.find((release) => release.latest && !release.draft)?.tag),
  }
}

/** GitHub's latest release: the marked one, else the newest published non-prerelease by date. */
function latestReleaseOf(releases: readonly GithubReleaseData[], marked: string | undefined): string | null {
  if (marked !== undefined) return marked
  const candidates = releases.filter((release) => !release.draft && !release.prerelease && release.published_at !== null)
  candidates.sort((a, b) => Date.parse(b.published_at ?? '') - Date.parse(a.published_at ?? ''))
  return candidates[0]?.tag_name ?? null
}

/** The git blob id of a file's content, as the contents API reports it in `sha`. */
export function gitBlobSha(content: string): string {
  const bytes = Buffer.from(content)
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex')
}

/** Base64 as the contents API sends it: wrapped at 60 characters, each line ending in `\n`. */
export function githubBase64(content: string): string {
  const encoded = Buffer.from(content).toString('base64')
  return `${encoded.match(/.{1,60}/g)?.join('\n') ?? ''}\n`
}
