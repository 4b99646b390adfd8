/** From GitHub's documents to the data model: repositories to metadata, search items to results. */
import { tryParseRef } from '@tekton/mcp-discovery'
import type { SearchResult, ServerMetadata, ServerVersion } from '@tekton/mcp-discovery'
import { isHttpUrl } from '@tekton/mcp-discovery/kit'
import type { InstallDetection } from './install-detection'
import type { GithubRepository } from './schemas'
import { latestOf } from './versions'

/** The source id GitHub results carry. */
export const githubSourceId = 'github'

/** The topics that mark a repository as an MCP server, most specific first; search asks for each. */
export const mcpTopics: readonly string[] = ['mcp-server', 'mcp']

/** The status message of an archived repository. */
export const archivedMessage = 'archived on GitHub'

function asString(value: string | null | undefined): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}

/**
 * The ref of a repository: `github:owner/repo`, lower-case as `parseRef` prints it, so one
 * repository has one ref however it is spelled (GitHub compares names case-insensitively); the
 * name keeps GitHub's case for display. Undefined when `full_name` is not a valid owner/repo.
 */
export function githubRef(fullName: string): string | undefined {
  const ref = tryParseRef(`github:${fullName}`)
  if (ref === undefined || ref.version !== undefined || ref.id !== fullName.toLowerCase()) return undefined
  return `github:${ref.id}`
}

/** `topic:<topic>` for each MCP topic the repository carries. */
export function topicReasons(topics: readonly string[]): string[] {
  const carried = new Set(topics.map((topic) => topic.toLowerCase()))
  return mcpTopics.filter((topic) => carried.has(topic)).map((topic) => `topic:${topic}`)
}

/** The SPDX id of a license, leaving out GitHub's `NOASSERTION` (a license it could not identify). */
export function licenseOf(repository: GithubRepository): string | undefined {
  const spdx = asString(repository.license?.spdx_id)
  return spdx && spdx !== 'NOASSERTION' ? spdx : undefined
}

/** What both search results and metadata show of a repository. */
function baseMetadata(repository: GithubRepository, ref: string, reasons: string[]): ServerMetadata {
  const topics = repository.topics ?? []
  const server: ServerMetadata = {
    ref,
    name: repository.full_name,
    description: asString(repository.description) ?? '',
    version: '',
    repository: { url: repository.html_url, source: githubSourceId, id: String(repository.id) },
    packages: [],
    remotes: [],
    capabilities: [],
    requirements: [],
    keywords: topics,
    status: repository.archived ? 'archived' : 'active',
    verified: [],
    sources: [{ source: githubSourceId, id: repository.full_name, url: repository.html_url, ...(reasons.length > 0 ? { reasons } : {}) }],
  }
  if (repository.archived) server.statusMessage = archivedMessage
  const homepage = asString(repository.homepage)
  if (isHttpUrl(homepage)) server.websiteUrl = homepage
  const license = licenseOf(repository)
  if (license) server.license = license
  if (typeof repository.stargazers_count === 'number' && repository.stargazers_count >= 0) server.popularity = { stars: repository.stargazers_count }
  const pushedAt = asString(repository.pushed_at)
  if (pushedAt) server.updatedAt = pushedAt
  return server
}

/**
 * A search item with its position in the merged list, as a result; undefined when its name is
 * not a valid owner/repo. `queriedTopics` are the topics of the searches that returned it, the
 * reasons when the item lists no topics (older GitHub Enterprise Server).
 */
export function searchItemToResult(repository: GithubRepository, queriedTopics: readonly string[], position: number, count: number): SearchResult | undefined {
  const ref = githubRef(repository.full_name)
  if (!ref) return undefined
  const reasons = repository.topics ? topicReasons(repository.topics) : []
  if (reasons.length === 0) reasons.push(...mcpTopics.filter((topic) => queriedTopics.includes(topic)).map((topic) => `topic:${topic}`))
  const server = baseMetadata(repository, ref, reasons)
  // GitHub ranks best match first; keep that order as relevance in (0, 1].
  const relevance = (count - position) / count
  return { ref, server, score: relevance, signals: { relevance, quality: 0, matched: reasons } }
}

export interface MetadataParts {
  /** Newest first; empty when the repository has neither releases nor tags. */
  versions: ServerVersion[]
  detection: InstallDetection
}

/** A repository with its versions and what its files say about installing it, as metadata. */
export function repositoryToMetadata(repository: GithubRepository, ref: string, parts: MetadataParts): ServerMetadata {
  const { detection } = parts
  const reasons = [...topicReasons(repository.topics ?? []), ...detection.reasons]
  const server = baseMetadata(repository, ref, reasons)
  const latest = latestOf(parts.versions)
  server.version = latest?.version ?? detection.declaredVersion ?? ''
  if (latest?.publishedAt) server.publishedAt = latest.publishedAt
  if (!server.description && detection.description) server.description = detection.description
  server.packages = detection.packages
  server.remotes = detection.remotes
  server.requirements = detection.requirements
  if (detection.title) server.title = detection.title
  if (repository.fork) {
    // A fork carries the upstream's files: its server.json names the upstream's registry entry
    // and packages. Taking them would make the fork pass for the upstream (and merge with it).
    server.forkOf = repository.parent?.full_name ?? 'unknown'
    server.packages = []
    server.remotes = []
    server.requirements = []
    server.version = latest?.version ?? ''
    return server
  }
  if (detection.registryName) {
    server.registryName = detection.registryName
    server.name = detection.registryName
  }
  return server
}
