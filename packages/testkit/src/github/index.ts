/** The fake GitHub REST API, its repository builder and fixture repositories. */
export { defaultGithubBudgets, githubSecondaryRateLimitFault, parseGithubSearchQuery, startFakeGithub } from './fake-github'
export type { FakeGithub, FakeGithubOptions, GithubBudget, GithubRateLimitSnapshot, GithubResource } from './fake-github'
export { buildGithubRepo, gitBlobSha, githubBase64 } from './repository'
export type { FakeGithubRepo, GithubLicense, GithubReleaseData, GithubReleaseSpec, GithubRepoSpec } from './repository'
export * from './fixtures'
