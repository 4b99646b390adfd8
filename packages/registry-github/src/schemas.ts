/**
 * Lenient shapes of the GitHub REST API answers: only what we read, optional where GitHub (or an
 * older GitHub Enterprise Server) may leave a field out. Parsing strips the rest (owner details,
 * dozens of `*_url` templates), so cache entries stay small.
 */
import { z } from 'zod'

const LicenseSchema = z.object({ spdx_id: z.string().nullish(), name: z.string().nullish() }).nullish().catch(null)

/** A repository, as `/repos/{owner}/{repo}` and search items describe it. */
export const GithubRepositorySchema = z.object({
  id: z.number(),
  name: z.string(),
  full_name: z.string(),
  html_url: z.string(),
  description: z.string().nullish(),
  homepage: z.string().nullish(),
  fork: z.boolean().nullish(),
  archived: z.boolean().nullish(),
  disabled: z.boolean().nullish(),
  private: z.boolean().nullish(),
  stargazers_count: z.number().nullish(),
  license: LicenseSchema,
  topics: z.array(z.string()).nullish().catch(null),
  pushed_at: z.string().nullish(),
  created_at: z.string().nullish(),
  default_branch: z.string().nullish(),
  /** GitHub's guess of the main language: Python orders versions by PEP 440. */
  language: z.string().nullish().catch(undefined),
  /** A fork's upstream, in `GET /repos/{owner}/{repo}` only. */
  parent: z.object({ full_name: z.string() }).nullish().catch(undefined),
})
export type GithubRepository = z.infer<typeof GithubRepositorySchema>

export const GithubSearchResponseSchema = z.object({
  total_count: z.number().nullish(),
  incomplete_results: z.boolean().nullish(),
  // Each item is checked on its own, so one odd entry does not fail the whole page.
  items: z.array(GithubRepositorySchema.nullable().catch(null)),
})
export type GithubSearchResponse = z.infer<typeof GithubSearchResponseSchema>

export const GithubReleaseSchema = z.object({
  tag_name: z.string(),
  draft: z.boolean().nullish(),
  prerelease: z.boolean().nullish(),
  published_at: z.string().nullish(),
})
export type GithubRelease = z.infer<typeof GithubReleaseSchema>

export const GithubReleasesSchema = z.array(GithubReleaseSchema.nullable().catch(null)).transform((releases) => releases.filter((release): release is GithubRelease => release !== null))

export const GithubTagsSchema = z
  .array(z.object({ name: z.string() }).nullable().catch(null))
  .transform((tags) => tags.filter((tag): tag is { name: string } => tag !== null))

/** One entry of a directory listing from the contents API. */
export const GithubContentEntrySchema = z.object({
  type: z.string(),
  name: z.string(),
  path: z.string(),
  size: z.number().nullish(),
})
export type GithubContentEntry = z.infer<typeof GithubContentEntrySchema>

/** A directory listing (an array) or, when the path is a file, that file. */
export const GithubDirectorySchema = z.union([
  z.array(GithubContentEntrySchema.nullable().catch(null)).transform((entries) => entries.filter((entry): entry is GithubContentEntry => entry !== null)),
  // A file where a directory was expected: no entries to read.
  z.object({ type: z.string() }).transform((): GithubContentEntry[] => []),
])

/** A file from the contents API; `encoding` is `none` (and `content` empty) above 1 MB. */
export const GithubFileSchema = z.object({
  type: z.string(),
  path: z.string(),
  encoding: z.string().nullish(),
  content: z.string().nullish(),
  size: z.number().nullish(),
})
export type GithubFile = z.infer<typeof GithubFileSchema>

/** What a rate-limit block persisted in the cache holds. */
export const RateLimitBlockSchema = z.object({
  resource: z.string(),
  blockedUntil: z.number(),
  reason: z.enum(['primary', 'secondary', 'exhausted']),
})
export type RateLimitBlock = z.infer<typeof RateLimitBlockSchema>
