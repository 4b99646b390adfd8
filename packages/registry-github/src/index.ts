/**
 * @tekton/mcp-registry-github: MCP servers on GitHub (github.com or GitHub Enterprise Server),
 * found by topic, as a RegistrySource for @tekton/mcp-discovery.
 */
export { createGithubRegistry, defaultGithubApiUrl, githubSearchSorts, resolveGithubToken } from './github-registry'
export type { GithubRegistryOptions, GithubRegistrySource, GithubSearchSort, GithubTokenOrigin } from './github-registry'
export type { GithubRateLimitState } from './rate-limit'
