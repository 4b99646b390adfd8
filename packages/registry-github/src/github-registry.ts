/** GitHub (github.com or GitHub Enterprise Server) as a RegistrySource, over its REST API. */
import { RegistryHttpError, TektonError, createHttpClient, parseRef, parseSearchQuery, redact } from '@tekton/mcp-discovery'
import type {
  CacheKind,
  CacheManager,
  HttpClient,
  HttpClientOptions,
  HttpRequestOptions,
  HttpResponse,
  RegistrySource,
  RequestContext,
  SearchPage,
  SearchQuery,
  SearchResult,
  SourceConfiguration,
  ServerMetadata,
  ServerVersion,
  SourceStatus,
} from '@tekton/mcp-discovery'
import { normalizeBaseUrl } from '@tekton/mcp-discovery/kit'
import type { ZodType } from 'zod'
import { detectInstall, installFileFor } from './install-detection'
import type { InstallDetection, InstallFile, InstallFileContents } from './install-detection'
import { githubRef, githubSourceId, mcpTopics, repositoryToMetadata, searchItemToResult } from './mapping'
import { createRateLimitTracker, formatResetTime, rateLimitExplanation, rateLimitHint, resourceOf, secondaryLimitFallbackMs } from './rate-limit'
import type { GithubRateLimitState, RateLimitReason } from './rate-limit'
import { GithubDirectorySchema, GithubFileSchema, GithubReleaseSchema, GithubReleasesSchema, GithubRepositorySchema, GithubSearchResponseSchema, GithubTagsSchema } from './schemas'
import type { GithubContentEntry, GithubFile, GithubRelease, GithubRepository, GithubSearchResponse } from './schemas'
import { markGithubLatest, releasesToVersions, tagsToVersions } from './versions'

/** The public GitHub API. */
export const defaultGithubApiUrl = 'https://api.github.com'
/** The REST API version requested (`X-GitHub-Api-Version`): answers keep this shape. */
export const githubApiVersion = '2022-11-28'
/** Search orders GitHub offers; `best-match` (GitHub's default) sends no `sort`. */
export const githubSearchSorts = ['best-match', 'stars', 'updated'] as const
export type GithubSearchSort = (typeof githubSearchSorts)[number]

/** Where the token in use came from; `none` when requests are anonymous. */
export type GithubTokenOrigin = 'option' | 'GITHUB_TOKEN' | 'GH_TOKEN' | 'none'

export interface GithubRegistryOptions {
  /**
   * The REST API's base URL; for GitHub Enterprise Server `https://<host>/api/v3`.
   * @default 'https://api.github.com'
   */
  baseUrl?: string
  /** Sent as `Authorization: Bearer` to `baseUrl`. @default `GITHUB_TOKEN`, else `GH_TOKEN`, from `env` */
  token?: string
  /** Where `GITHUB_TOKEN` and `GH_TOKEN` are read. @default process.env */
  env?: NodeJS.ProcessEnv
  /**
   * HTTP client. Rate limits are learnt and enforced through its request and response hooks
   * (`onRequest`, `onResponse`), so one of your own must call them as `createHttpClient`'s does.
   * @default `createHttpClient({ cache, now, ...httpClientOptions })`
   */
  http?: HttpClient
  /** Options of the default HTTP client (timeouts, retries, `fetch`); ignored with `http`. @default {} */
  httpClientOptions?: Omit<HttpClientOptions, 'cache'>
  /** Caches answers (through the default client) and remembers rate limits across processes. @default none */
  cache?: CacheManager
  /** Clock (epoch ms) for rate-limit windows. @default Date.now */
  now?: () => number
  /** Order of search hits. @default 'best-match' */
  sort?: GithubSearchSort
}

/** The GitHub source, plus what it knows of GitHub's rate limits. */
export interface GithubRegistrySource extends RegistrySource {
  /** Where the token came from (never the token itself); `none` when anonymous. */
  readonly tokenOrigin: GithubTokenOrigin
  /** The API base URL in use. */
  readonly baseUrl: string
  /**
   * What is known of each rate-limit class (`core`, `search`): the last limit, remaining count and
   * reset time GitHub reported, and until when requests are held back (also when another process
   * sharing the cache was refused).
   */
  rateLimits(): Promise<GithubRateLimitState[]>
  probe(context: RequestContext): Promise<void>
  /**
   * A repository's current numeric id (`GET /repos/{owner}/{repo}` → `id`, as a string), asked
   * afresh (never from the cache: a repository deleted and recreated an hour ago must show its new
   * id); `null` when GitHub answers 404. Rate limits apply as to every request. The ownership
   * check of official-registry entries compares it with the id the entry was published with.
   */
  repositoryId(fullName: string, context: RequestContext): Promise<string | null>
  /** GITHUB_TOKEN and GH_TOKEN (the token is sent, so it may change what is visible). */
  configuration(): Promise<SourceConfiguration>
}

/** Files larger than this are not fetched: no manifest is that big, and the contents API inlines up to 1 MB. */
const maxInstallFileBytes = 256 * 1024
/** The repository `probe` asks for: one that surely does not exist, so any answer is "not found". */
const probeRepository = 'tekton-mcp/doctor-probe'
const tokenPattern = /^[\x21-\x7e]+$/

function configError(message: string, hint?: string): TektonError {
  return new TektonError('E_CONFIG', `[github] ${message}`, hint ? { hint } : {})
}

/** The API base URL without a trailing slash; refuses what cannot be a GitHub API. */
export function normalizeApiUrl(raw: string): string {
  const hint = `Use ${defaultGithubApiUrl}, or https://<host>/api/v3 for GitHub Enterprise Server`
  const normalized = normalizeBaseUrl(raw, { source: 'github', what: 'baseUrl', hint, query: 'refuse', credentials: 'refuse' })
  const url = new URL(normalized)
  const host = url.hostname.toLowerCase()
  if (host === 'github.com' || host === 'www.github.com') {
    throw configError(`baseUrl ${url.origin} is the website, not the API`, `The REST API is at ${defaultGithubApiUrl}`)
  }
  return normalized
}

/** The token to send and where it came from: the option, else `GITHUB_TOKEN`, else `GH_TOKEN`. */
export function resolveGithubToken(options: Pick<GithubRegistryOptions, 'token' | 'env'>): { token?: string; origin: GithubTokenOrigin } {
  if (options.token !== undefined) {
    if (typeof options.token !== 'string' || !tokenPattern.test(options.token.trim())) {
      throw configError('the token option must be a non-empty string without spaces', 'Leave token out to use GITHUB_TOKEN or GH_TOKEN')
    }
    return { token: options.token.trim(), origin: 'option' }
  }
  const env = options.env ?? process.env
  for (const name of ['GITHUB_TOKEN', 'GH_TOKEN'] as const) {
    const value = env[name]?.trim()
    if (!value) continue
    // The value is never shown: it may be a real token with a stray character.
    if (!tokenPattern.test(value)) throw configError(`${name} does not hold a valid token (it contains spaces or control characters)`, `Set ${name} to the token alone, or unset it`)
    return { token: value, origin: name }
  }
  return { origin: 'none' }
}

function checkOptions(options: GithubRegistryOptions): void {
  if (typeof options !== 'object' || options === null) throw configError('createGithubRegistry expects an options object')
  if (options.http !== undefined && typeof options.http?.getJson !== 'function') throw configError('the http option must be an HttpClient (createHttpClient())')
  if (options.now !== undefined && typeof options.now !== 'function') throw configError('the now option must be a function')
  if (options.sort !== undefined && !(githubSearchSorts as readonly string[]).includes(options.sort)) {
    throw configError(`the sort option must be one of ${githubSearchSorts.join(', ')}`)
  }
  if (options.httpClientOptions !== undefined && (typeof options.httpClientOptions !== 'object' || options.httpClientOptions === null)) {
    throw configError('the httpClientOptions option must be an object')
  }
  if (options.env !== undefined && (typeof options.env !== 'object' || options.env === null)) throw configError('the env option must be an object')
}

function statusOf(error: unknown): number | undefined {
  return RegistryHttpError.isInstance(error) ? error.status : undefined
}

/** Validates an `owner/repo` id the way refs are, before it reaches a URL; returns it lower-case. */
function repositoryId(id: string): string {
  const ref = parseRef(`github:${typeof id === 'string' ? id : String(id)}`)
  if (ref.version !== undefined) {
    throw new TektonError('E_INVALID_REF', `Invalid GitHub repository "${id}": it carries a version`, { hint: 'Pass owner/repo alone, e.g. modelcontextprotocol/servers' })
  }
  return ref.id
}

function repoPath(fullName: string): string {
  const [owner = '', name = ''] = fullName.split('/')
  return `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`
}

/**
 * Creates the GitHub source. Nothing is sent until the first call; the token is resolved (and
 * checked) now, so a malformed one fails at start-up rather than on the first request.
 */
export function createGithubRegistry(options: GithubRegistryOptions = {}): GithubRegistrySource {
  checkOptions(options)
  const apiUrl = normalizeApiUrl(options.baseUrl ?? defaultGithubApiUrl)
  const { token, origin } = resolveGithubToken(options)
  const authenticated = token !== undefined
  const now = options.now ?? Date.now
  const sort = options.sort ?? 'best-match'
  const tracker = createRateLimitTracker({ now, cache: options.cache, apiBase: apiUrl, authenticated })
  const http = options.http ?? createHttpClient({ now, ...options.httpClientOptions, ...(options.cache ? { cache: options.cache } : {}) })
  const headers: Record<string, string> = {
    accept: 'application/vnd.github+json',
    'x-github-api-version': githubApiVersion,
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  }

  function rateLimitedError(url: string, resource: string, until: number, reason: RateLimitReason, cause?: unknown, refusedWith?: number): RegistryHttpError {
    const resetTime = formatResetTime(until, now())
    const displayUrl = redact(url)
    const status = refusedWith ?? statusOf(cause)
    return new RegistryHttpError(
      'E_RATE_LIMITED',
      `[github] GET ${displayUrl} rate limited until ${resetTime} (${rateLimitExplanation(reason, resource, authenticated)})`,
      { url: displayUrl, retryable: true, retryAt: until, ...(status === undefined ? {} : { status }) },
      { hint: rateLimitHint(reason, resource, authenticated, resetTime), ...(cause === undefined ? {} : { cause }) },
    )
  }

  /** A failure as the caller should see it: rate limits remembered and explained, a refused token named. */
  async function explain(error: unknown, url: string, resource: string): Promise<unknown> {
    if (!TektonError.isInstance(error)) return error
    const status = statusOf(error)
    if (error.code === 'E_RATE_LIMITED') {
      const retryAt = RegistryHttpError.isInstance(error) ? error.retryAt : undefined
      const known = await tracker.blockedUntil(resource)
      let until = known?.until
      let reason: RateLimitReason = known?.reason ?? 'primary'
      if (typeof retryAt === 'number' && (until === undefined || retryAt > until)) until = retryAt
      if (until === undefined) {
        // Rate limited without a time: GitHub asks for at least a minute.
        until = now() + secondaryLimitFallbackMs
        reason = 'secondary'
      }
      await tracker.block(resource, until, reason)
      return rateLimitedError(url, resource, until, reason, error)
    }
    if (status === 401) {
      const from = origin === 'option' ? 'the token option' : origin
      return new RegistryHttpError(error.code, error.message, { url: RegistryHttpError.isInstance(error) ? error.url : redact(url), status, retryable: false }, {
        hint: origin === 'none' ? 'GitHub refused the request as unauthenticated' : `GitHub refused the token from ${from}: it is wrong, expired or revoked`,
        cause: error,
      })
    }
    return error
  }

  async function get<T>(path: string, resource: string, schema: ZodType<T>, cache: { key: string; kind: CacheKind } | undefined, context: RequestContext): Promise<HttpResponse<T>> {
    const url = `${apiUrl}${path}`
    try {
      return await http.getJson<T>(url, {
        source: githubSourceId,
        headers,
        schema,
        ...rateLimitHooks(url),
        // Keys are written to disk: the API URL (never credentials, refused up front) and the path.
        ...(cache ? { cache: { key: cache.key, kind: cache.kind } } : {}),
        ...(context.signal ? { signal: context.signal } : {}),
        ...(context.trace ? { trace: context.trace } : {}),
        ...(context.deadline !== undefined ? { deadline: context.deadline } : {}),
      })
    } catch (error) {
      throw await explain(error, url, resource)
    }
  }

  /**
   * The rate-limit rules, as hooks of the client: a request for a class GitHub has blocked is not
   * sent (a cached answer may still stand in); every answer's `x-ratelimit-*` headers are
   * remembered; and a 403 that is a rate limit only by its body (a secondary limit) fails as one,
   * typed, where the client alone would see a plain 403.
   */
  function rateLimitHooks(url: string): Pick<HttpRequestOptions, 'onRequest' | 'onResponse'> {
    const resource = resourceOf(url, apiUrl)
    if (resource === undefined) return {}
    return {
      async onRequest() {
        const blocked = await tracker.blockedUntil(resource)
        if (blocked) throw rateLimitedError(url, resource, blocked.until, blocked.reason)
      },
      async onResponse(response) {
        await tracker.observe(resource, response)
        // 429s and 403s with no budget left are the client's own rate limits (it may wait one out).
        if (response.status !== 403 || response.headers.get('x-ratelimit-remaining')?.trim() === '0') return
        const blocked = await tracker.blockedUntil(resource)
        if (blocked) throw rateLimitedError(url, resource, blocked.until, blocked.reason, undefined, 403)
      },
    }
  }

  /** GET that answers null on 404 ("not there" is an answer). */
  async function getOrNull<T>(path: string, resource: string, schema: ZodType<T>, cache: { key: string; kind: CacheKind } | undefined, context: RequestContext): Promise<T | null> {
    try {
      return (await get(path, resource, schema, cache, context)).data
    } catch (error) {
      if (statusOf(error) === 404) return null
      throw error
    }
  }

  const key = (...parts: string[]) => `github:${parts[0]}:${apiUrl}:${parts.slice(1).join(':')}`

  function getRepository(fullName: string, context: RequestContext): Promise<GithubRepository | null> {
    return getOrNull(repoPath(fullName), 'core', GithubRepositorySchema, { key: key('repo', fullName.toLowerCase()), kind: 'metadata' }, context)
  }

  /** Releases (the 100 newest), else tags when there are no published releases; null for an unknown repository. */
  /** `language` (GitHub's guess for the repository) picks the order: PEP 440 for Python, else semver. */
  /**
   * `markedLatest`: also ask which release the repository marks as latest (one more request, so
   * only for a version list, not for every card's metadata) and tag it `github-latest` when it is
   * not the newest non-prerelease.
   */
  async function listVersions(fullName: string, context: RequestContext, language?: string | null, markedLatest = false): Promise<ServerVersion[] | null> {
    const lower = fullName.toLowerCase()
    const releases = await getOrNull<GithubRelease[]>(`${repoPath(fullName)}/releases?per_page=100`, 'core', GithubReleasesSchema, { key: key('releases', lower), kind: 'versions' }, context)
    if (releases === null) return null
    const fromReleases = releasesToVersions(releases, language)
    if (fromReleases.length > 0) {
      if (markedLatest) {
        const marked = await markedLatestRelease(fullName, context)
        if (marked) markGithubLatest(fromReleases, marked.tag_name)
      }
      return fromReleases
    }
    const tags = await getOrNull(`${repoPath(fullName)}/tags?per_page=100`, 'core', GithubTagsSchema, { key: key('tags', lower), kind: 'versions' }, context)
    return tags === null ? null : tagsToVersions(tags.map((tag) => tag.name), language)
  }

  /**
   * `GET /repos/{owner}/{repo}/releases/latest`: the release GitHub shows as latest (the newest by
   * date unless the maintainers chose another). An extra fact: when it cannot be had (no such
   * release, rate limited, offline) the list is shown without it rather than failing.
   */
  async function markedLatestRelease(fullName: string, context: RequestContext): Promise<GithubRelease | null> {
    try {
      return await getOrNull(`${repoPath(fullName)}/releases/latest`, 'core', GithubReleaseSchema, { key: key('latest-release', fullName.toLowerCase()), kind: 'versions' }, context)
    } catch {
      return null
    }
  }

  function contentsPath(fullName: string, path: string, branch: string | undefined): string {
    const encoded = path.split('/').map(encodeURIComponent).join('/')
    return `${repoPath(fullName)}/contents/${encoded}${branch ? `?${new URLSearchParams({ ref: branch })}` : ''}`
  }

  /** Lists the root (one request), then reads the install files it holds, in parallel. */
  async function readInstallFiles(fullName: string, branch: string | undefined, context: RequestContext): Promise<InstallFileContents> {
    const lower = fullName.toLowerCase()
    const branchKey = branch ?? ''
    // A missing root (an empty repository answers 404) has nothing to read.
    const entries = (await getOrNull(contentsPath(fullName, '', branch), 'core', GithubDirectorySchema, { key: key('contents', lower, branchKey, ''), kind: 'metadata' }, context)) ?? []
    const wanted = new Map<InstallFile, GithubContentEntry>()
    for (const entry of entries) {
      const role = entry.type === 'file' ? installFileFor(entry.name) : undefined
      if (role && !wanted.has(role) && (entry.size ?? 0) <= maxInstallFileBytes) wanted.set(role, entry)
    }
    const files: InstallFileContents = {}
    await Promise.all(
      [...wanted].map(async ([role, entry]) => {
        const file = await getOrNull<GithubFile>(contentsPath(fullName, entry.path, branch), 'core', GithubFileSchema, { key: key('contents', lower, branchKey, entry.path), kind: 'metadata' }, context)
        const text = file && decodeFile(file)
        if (text !== undefined && text !== null) files[role] = text
      }),
    )
    return files
  }

  async function searchOnce(text: string, topic: string, perPage: number, context: RequestContext): Promise<HttpResponse<GithubSearchResponse>> {
    const q = text ? `${text} topic:${topic}` : `topic:${topic}`
    const parameters = new URLSearchParams({ q, per_page: String(perPage) })
    if (sort !== 'best-match') parameters.set('sort', sort)
    return get(`/search/repositories?${parameters}`, 'search', GithubSearchResponseSchema, { key: key('search', q, sort, String(perPage)), kind: 'search' }, context)
  }

  function rateLimitedStatus(error: RegistryHttpError, resultCount: number): SourceStatus {
    const until = error.retryAt ?? now() + secondaryLimitFallbackMs
    // The message of the error minus its "[github] GET <url>" prefix: the status names the source.
    const reason = /rate limited until .*$/.exec(error.message)?.[0] ?? 'rate limited'
    return { source: githubSourceId, state: 'rate-limited', code: 'E_RATE_LIMITED', retryAt: new Date(until).toISOString(), message: reason, resultCount }
  }

  const source: GithubRegistrySource = {
    specVersion: 'v1',
    id: githubSourceId,
    displayName: 'GitHub',
    refKinds: ['github'],
    tokenOrigin: origin,
    baseUrl: apiUrl,

    /**
     * Two searches in parallel, merged and deduplicated: the text with `topic:mcp-server`, and the
     * text with `topic:mcp`. GitHub ANDs qualifiers and has no dependable OR between topic
     * qualifiers, so one query cannot ask for either topic. Each costs one of the 10 (30 with a
     * token) searches a minute; answers are cached, so repeating a search is free. Hits are
     * interleaved by GitHub's rank. A rate limit is a status, not an error.
     */
    async search(query: SearchQuery, context: RequestContext): Promise<SearchPage> {
      const { limit, text } = parseSearchQuery(query, 'github')
      const outcomes = await Promise.allSettled(mcpTopics.map((topic) => searchOnce(text, topic, limit, context)))
      let limited: RegistryHttpError | undefined
      const answered: Array<{ topic: string; response: HttpResponse<GithubSearchResponse> }> = []
      for (const [index, outcome] of outcomes.entries()) {
        if (outcome.status === 'fulfilled') {
          answered.push({ topic: mcpTopics[index] as string, response: outcome.value })
          continue
        }
        const error: unknown = outcome.reason
        if (RegistryHttpError.isInstance(error) && error.code === 'E_RATE_LIMITED') {
          limited ??= error
          continue
        }
        throw error
      }

      // Interleaved by rank (first of each list, then second, ...), one result per repository.
      const lists = answered.map(({ topic, response }) => ({ topic, items: response.data.items }))
      const topicsByRepository = new Map<string, string[]>()
      for (const { topic, items } of lists) {
        for (const item of items) {
          if (!item) continue
          const lower = item.full_name.toLowerCase()
          topicsByRepository.set(lower, [...(topicsByRepository.get(lower) ?? []), topic])
        }
      }
      const merged: GithubRepository[] = []
      const seen = new Set<string>()
      const longest = Math.max(0, ...lists.map(({ items }) => items.length))
      for (let position = 0; position < longest; position += 1) {
        for (const { items } of lists) {
          const item = items[position]
          if (!item || seen.has(item.full_name.toLowerCase())) continue
          seen.add(item.full_name.toLowerCase())
          merged.push(item)
        }
      }
      const results: SearchResult[] = []
      for (const [position, item] of merged.entries()) {
        if (results.length >= limit) break
        const result = searchItemToResult(item, topicsByRepository.get(item.full_name.toLowerCase()) ?? [], position, merged.length)
        if (result) results.push(result)
      }

      if (limited) return { results, sources: [rateLimitedStatus(limited, results.length)] }
      const status: SourceStatus = { source: githubSourceId, state: 'ok', resultCount: results.length }
      const responses = answered.map(({ response }) => response)
      if (responses.every((response) => response.fromCache)) {
        status.fromCache = true
        status.ageMs = Math.max(...responses.map((response) => response.ageMs))
      }
      if (responses.some((response) => response.data.incomplete_results)) status.message = 'GitHub search timed out: results may be incomplete'
      return { results, sources: [status] }
    },

    async getMetadata(id: string, context: RequestContext): Promise<ServerMetadata | null> {
      const lower = repositoryId(id)
      const repository = await getRepository(lower, context)
      if (!repository) return null
      // GitHub answers renamed repositories under their new name: use it from here on.
      const fullName = githubRef(repository.full_name) ? repository.full_name : lower
      const ref = githubRef(fullName) ?? `github:${lower}`
      const branch = repository.default_branch ?? undefined
      const [versions, files] = await Promise.all([listVersions(fullName, context, repository.language), readInstallFiles(fullName, branch, context)])
      const detection: InstallDetection = detectInstall(files)
      return repositoryToMetadata(repository, ref, { versions: versions ?? [], detection })
    },

    async getVersions(id: string, context: RequestContext): Promise<ServerVersion[] | null> {
      const lower = repositoryId(id)
      return listVersions(lower, context, undefined, true)
    },

    async repositoryId(fullName, context) {
      const lower = repositoryId(fullName)
      const repository = await getOrNull(repoPath(lower), 'core', GithubRepositorySchema, undefined, context)
      return repository === null ? null : String(repository.id)
    },

    async rateLimits() {
      // Blocks another process persisted are read into the tracker first.
      await Promise.all(['core', 'search'].map((resource) => tracker.blockedUntil(resource)))
      return tracker.snapshot()
    },

    async probe(context) {
      // A repository no one has: "not found" proves the API answers.
      await source.getMetadata(probeRepository, context)
    },

    async configuration(): Promise<SourceConfiguration> {
      return { files: [], variables: ['GITHUB_TOKEN', 'GH_TOKEN'] }
    },
  }
  return source
}

/** The text of a file from the contents API; undefined when it was not inlined (over 1 MB) or is not base64. */
export function decodeFile(file: GithubFile): string | undefined {
  if (file.type !== 'file' || file.encoding !== 'base64' || typeof file.content !== 'string') return undefined
  return Buffer.from(file.content.replace(/\s+/g, ''), 'base64').toString('utf8')
}
