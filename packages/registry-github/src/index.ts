/**
 * @tekton/mcp-registry-github: MCP servers on GitHub (github.com or GitHub Enterprise Server),
 * found by topic, as a RegistrySource for @tekton/mcp-discovery.
 */
export { createGithubRegistry, decodeFile, defaultGithubApiUrl, githubApiVersion, githubSearchSorts, normalizeApiUrl, resolveGithubToken } from './github-registry'
export type { GithubRegistryOptions, GithubRegistrySource, GithubSearchSort, GithubTokenOrigin } from './github-registry'
export { detectInstall, dockerfileNote, installFileFor, installFiles, readDockerfileLabels, readPackageJson, readPyproject, readServerJson, serverNameLabel } from './install-detection'
export type { InstallDetection, InstallFile, InstallFileContents } from './install-detection'
export { archivedMessage, githubRef, githubSourceId, licenseOf, mcpTopics, repositoryToMetadata, searchItemToResult, topicReasons } from './mapping'
export type { MetadataParts } from './mapping'
export {
  createRateLimitTracker,
  formatResetTime,
  mentionsSecondaryLimit,
  rateLimitCacheKey,
  rateLimitCacheKind,
  rateLimitExplanation,
  rateLimitHint,
  resourceOf,
  secondaryLimitFallbackMs,
} from './rate-limit'
export type { GithubRateLimitState, RateLimitReason, RateLimitTracker, RateLimitTrackerOptions } from './rate-limit'
export { latestOf, releasesToVersions, tagsToVersions, versionFromTag } from './versions'
export type { GithubRelease, GithubRepository } from './schemas'
