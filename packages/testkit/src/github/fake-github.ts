/**
 * A fake GitHub REST API on 127.0.0.1 shaped after the real one: repository search with
 * qualifiers, repositories, releases (and `releases/latest`), tags and the contents API, rate-limit headers on every
 * answer with a budget per resource class (`core`, `search`) and per caller, the 403 GitHub sends
 * when a budget is spent, and weak ETags whose 304s cost no budget (as GitHub promises).
 * Faults come from the generic fake server; `requests` and `countRequests` let a test assert that
 * nothing more was sent.
 */
import { createHash } from 'node:crypto'
import { startFakeServer } from '../fake-server'
import type { Fault, FakeRequest, FakeResponse, FakeServer, FakeServerOptions } from '../fake-server'
import { gitBlobSha, githubBase64, stableId } from './repository'
import type { FakeGithubRepo, GithubReleaseData } from './repository'

/** Rate-limit classes the fake keeps a budget for. `/rate_limit` itself is free, as on GitHub. */
export type GithubResource = 'core' | 'search'

/** Requests allowed per window, for callers without and with a token. */
export interface GithubBudget {
  anonymous: number
  authenticated: number
  windowMs: number
}

/** GitHub's own numbers: 60/h and 5,000/h for `core`, 10/min and 30/min for `search`. */
export const defaultGithubBudgets: Readonly<Record<GithubResource, GithubBudget>> = Object.freeze({
  core: { anonymous: 60, authenticated: 5000, windowMs: 60 * 60_000 },
  search: { anonymous: 10, authenticated: 30, windowMs: 60_000 },
})

export interface FakeGithubOptions extends Omit<FakeServerOptions, 'etags'> {
  /** @default none */
  repos?: readonly FakeGithubRepo[]
  /** Clock for rate-limit windows (epoch ms): tests move it forward instead of waiting. @default Date.now */
  now?: () => number
  /** Budgets per resource class, merged over `defaultGithubBudgets`. */
  budgets?: Partial<Record<GithubResource, Partial<GithubBudget>>>
  /** Tokens accepted; any other answers 401 "Bad credentials". @default any token is accepted */
  tokens?: readonly string[]
  /** Weak ETags on 200 answers and 304 for a matching `If-None-Match`. @default true */
  etags?: boolean
  /** Where the API lives on the server: `/api/v3` for GitHub Enterprise Server. @default '' */
  pathPrefix?: string
  /** Base of `html_url` links. @default 'https://github.com' */
  htmlUrl?: string
  /** Status of an exhausted budget: GitHub sends 403, sometimes 429. @default 403 */
  rateLimitStatus?: 403 | 429
  /** Mark search answers as `incomplete_results` (GitHub's search timed out). @default false */
  incompleteResults?: boolean
}

/** The state of one budget as the rate-limit headers report it. */
export interface GithubRateLimitSnapshot {
  resource: GithubResource
  limit: number
  remaining: number
  used: number
  /** When the window resets, in epoch seconds (`x-ratelimit-reset`). */
  reset: number
}

export interface FakeGithub extends FakeServer {
  /** The API's base URL (`url` plus `pathPrefix`): what a client takes as its base URL. */
  readonly apiUrl: string
  /** Repositories served, keyed by lower-case `owner/name`. */
  readonly repos: ReadonlyMap<string, FakeGithubRepo>
  setRepo(repo: FakeGithubRepo): void
  removeRepo(fullName: string): void
  /** Requests whose path below the API root starts with `prefix` (all without one), e.g. `/search`. */
  countRequests(prefix?: string): number
  /** The budget of `resource` for `token` (anonymous without one). */
  rateLimit(resource: GithubResource, token?: string): GithubRateLimitSnapshot
  /** Spends the rest of a budget, so the next request is refused until the window resets. */
  exhaust(resource: GithubResource, token?: string): void
  /** Starts every budget afresh. */
  resetRateLimits(): void
}

const docs = 'https://docs.github.com/rest'
const supportedApiVersions: ReadonlySet<string> = new Set(['2022-11-28'])
const maxSearchQueryLength = 256
const maxSearchResults = 1000
/** Files above this are served without content (`encoding: "none"`), as the contents API does. */
const maxInlineFileBytes = 1024 * 1024

function notFound(documentation = docs): FakeResponse {
  return { status: 404, json: { message: 'Not Found', documentation_url: documentation, status: '404' } }
}

/** The secondary rate limit GitHub answers when requests come too fast: 403 and a message, `retry-after` when given. */
export function githubSecondaryRateLimitFault(retryAfter?: number): Fault {
  return {
    kind: 'status',
    status: 403,
    ...(retryAfter === undefined ? {} : { retryAfter }),
    body: {
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.',
      documentation_url: 'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
      status: '403',
    },
  }
}

interface Window {
  used: number
  resetAt: number
}

interface ParsedQuery {
  terms: string[]
  topics: string[]
  excludedTopics: string[]
  fields: Set<string> | undefined
  archived: boolean | undefined
  owners: string[]
  forks: 'exclude' | 'include' | 'only'
  language: string | undefined
}

/** Splits a search into free terms and the qualifiers the fake applies; other qualifiers are ignored. */
export function parseGithubSearchQuery(q: string): ParsedQuery {
  const parsed: ParsedQuery = { terms: [], topics: [], excludedTopics: [], fields: undefined, archived: undefined, owners: [], forks: 'exclude', language: undefined }
  for (const match of q.matchAll(/"([^"]*)"|(\S+)/g)) {
    const token = (match[1] ?? match[2] ?? '').toLowerCase()
    const qualifier = match[2] === undefined ? null : /^(-?)([a-z_]+):(.+)$/.exec(token)
    if (!qualifier) {
      if (token !== '') parsed.terms.push(token)
      continue
    }
    const [, negated, name, value = ''] = qualifier
    if (name === 'topic') (negated ? parsed.excludedTopics : parsed.topics).push(value)
    else if (name === 'in') parsed.fields = new Set(value.split(','))
    else if (name === 'archived') parsed.archived = value === 'true'
    else if (name === 'user' || name === 'org') parsed.owners.push(value)
    else if (name === 'fork') parsed.forks = value === 'only' ? 'only' : value === 'true' ? 'include' : 'exclude'
    else if (name === 'language') parsed.language = value
  }
  return parsed
}

/** Relevance of a repository for a parsed search; 0 when it does not match. */
function searchScore(repo: FakeGithubRepo, query: ParsedQuery): number {
  const topics = repo.topics.map((topic) => topic.toLowerCase())
  if (!query.topics.every((topic) => topics.includes(topic))) return 0
  if (query.excludedTopics.some((topic) => topics.includes(topic))) return 0
  if (query.archived !== undefined && repo.archived !== query.archived) return 0
  if (query.owners.length > 0 && !query.owners.includes(repo.owner.login.toLowerCase())) return 0
  if (query.forks === 'exclude' && repo.fork) return 0
  if (query.forks === 'only' && !repo.fork) return 0
  if (query.language !== undefined && repo.language?.toLowerCase() !== query.language) return 0
  // Without `in:`, GitHub matches the name, description and topics.
  const fields = query.fields ?? new Set(['name', 'description', 'topics'])
  const name = repo.name.toLowerCase()
  const description = (repo.description ?? '').toLowerCase()
  let total = query.terms.length === 0 ? 1 : 0
  for (const term of query.terms) {
    let score = 0
    if (fields.has('name')) score += name === term ? 100 : name.includes(term) ? 10 : 0
    if (fields.has('topics') && topics.some((topic) => topic.includes(term))) score += 5
    if (fields.has('description') && description.includes(term)) score += 1
    if (score === 0) return 0 // Every free term must match somewhere.
    total += score
  }
  return total
}

function pageParameters(url: URL, defaultSize = 30): { perPage: number; page: number } {
  const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? defaultSize) || defaultSize))
  const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1)
  return { perPage, page }
}

/** GitHub's `Link` header for a paginated list. */
function linkHeader(url: URL, page: number, perPage: number, total: number): Record<string, string> {
  const last = Math.max(1, Math.ceil(total / perPage))
  const link = (target: number, rel: string) => {
    const next = new URL(url)
    next.searchParams.set('page', String(target))
    next.searchParams.set('per_page', String(perPage))
    return `<${next.href}>; rel="${rel}"`
  }
  const links: string[] = []
  if (page > 1) links.push(link(page - 1, 'prev'))
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'))
  if (page > 1) links.push(link(1, 'first'))
  return links.length > 0 ? { link: links.join(', ') } : {}
}

/** Starts a fake GitHub REST API. */
export async function startFakeGithub(options: FakeGithubOptions = {}): Promise<FakeGithub> {
  const repos = new Map<string, FakeGithubRepo>()
  for (const repo of options.repos ?? []) repos.set(repo.fullName.toLowerCase(), repo)
  const now = options.now ?? Date.now
  const prefix = (options.pathPrefix ?? '').replace(/\/+$/, '')
  const htmlUrl = (options.htmlUrl ?? 'https://github.com').replace(/\/+$/, '')
  const useEtags = options.etags ?? true
  const budgets: Record<GithubResource, GithubBudget> = {
    core: { ...defaultGithubBudgets.core, ...options.budgets?.core },
    search: { ...defaultGithubBudgets.search, ...options.budgets?.search },
  }
  const windows = new Map<string, Window>()
  let apiBase = ''

  function limitOf(resource: GithubResource, identity: string | undefined): number {
    return identity === undefined ? budgets[resource].anonymous : budgets[resource].authenticated
  }

  /** The current window of a budget, a new one once the previous has reset. */
  function windowOf(resource: GithubResource, identity: string | undefined): Window {
    const key = `${resource}\0${identity ?? ''}`
    const time = now()
    let window = windows.get(key)
    if (window === undefined || time >= window.resetAt) {
      window = { used: 0, resetAt: time + budgets[resource].windowMs }
      windows.set(key, window)
    }
    return window
  }

  function snapshot(resource: GithubResource, identity: string | undefined): GithubRateLimitSnapshot {
    const window = windowOf(resource, identity)
    const limit = limitOf(resource, identity)
    return { resource, limit, remaining: Math.max(0, limit - window.used), used: Math.min(window.used, limit), reset: Math.ceil(window.resetAt / 1000) }
  }

  function rateLimitHeaders(state: GithubRateLimitSnapshot): Record<string, string> {
    return {
      'x-ratelimit-limit': String(state.limit),
      'x-ratelimit-remaining': String(state.remaining),
      'x-ratelimit-reset': String(state.reset),
      'x-ratelimit-used': String(state.used),
      'x-ratelimit-resource': state.resource,
    }
  }

  const repoApi = (repo: FakeGithubRepo) => `${apiBase}/repos/${repo.fullName}`

  function ownerJson(repo: FakeGithubRepo): Record<string, unknown> {
    const { login, id, type } = repo.owner
    return {
      login,
      id,
      node_id: `MDQ6VXNlcj${id}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
      gravatar_id: '',
      url: `${apiBase}/users/${login}`,
      html_url: `${htmlUrl}/${login}`,
      repos_url: `${apiBase}/users/${login}/repos`,
      type,
      user_view_type: 'public',
      site_admin: false,
    }
  }

  /** A repository as `/repos/{owner}/{repo}` and search items show it. */
  function repoJson(repo: FakeGithubRepo): Record<string, unknown> {
    const api = repoApi(repo)
    const size = Object.values(repo.files).reduce((total, content) => total + Buffer.byteLength(content), 0)
    return {
      id: repo.id,
      node_id: `R_kgDO${repo.id}`,
      name: repo.name,
      full_name: repo.fullName,
      private: false,
      owner: ownerJson(repo),
      html_url: `${htmlUrl}/${repo.fullName}`,
      description: repo.description,
      fork: repo.fork,
      url: api,
      releases_url: `${api}/releases{/id}`,
      tags_url: `${api}/tags`,
      contents_url: `${api}/contents/{+path}`,
      created_at: repo.createdAt,
      updated_at: repo.updatedAt,
      pushed_at: repo.pushedAt,
      git_url: `git://${new URL(htmlUrl).host}/${repo.fullName}.git`,
      ssh_url: `git@${new URL(htmlUrl).host}:${repo.fullName}.git`,
      clone_url: `${htmlUrl}/${repo.fullName}.git`,
      homepage: repo.homepage,
      size: Math.ceil(size / 1024),
      stargazers_count: repo.stars,
      watchers_count: repo.stars,
      language: repo.language,
      has_issues: true,
      has_projects: true,
      has_downloads: true,
      has_wiki: true,
      has_pages: false,
      has_discussions: false,
      forks_count: repo.forks,
      mirror_url: null,
      archived: repo.archived,
      disabled: false,
      open_issues_count: 0,
      license: repo.license,
      allow_forking: true,
      is_template: false,
      web_commit_signoff_required: false,
      topics: repo.topics,
      visibility: 'public',
      forks: repo.forks,
      open_issues: 0,
      watchers: repo.stars,
      default_branch: repo.defaultBranch,
    }
  }

  function releaseJson(repo: FakeGithubRepo, release: GithubReleaseData): Record<string, unknown> {
    const api = repoApi(repo)
    return {
      url: `${api}/releases/${release.id}`,
      assets_url: `${api}/releases/${release.id}/assets`,
      upload_url: `https://uploads.github.com/repos/${repo.fullName}/releases/${release.id}/assets{?name,label}`,
      html_url: `${htmlUrl}/${repo.fullName}/releases/tag/${encodeURIComponent(release.tag_name)}`,
      id: release.id,
      author: ownerJson(repo),
      node_id: `RE_kwDO${release.id}`,
      tag_name: release.tag_name,
      target_commitish: repo.defaultBranch,
      name: release.name,
      draft: release.draft,
      immutable: false,
      prerelease: release.prerelease,
      created_at: release.created_at,
      published_at: release.published_at,
      assets: [],
      tarball_url: `${api}/tarball/${release.tag_name}`,
      zipball_url: `${api}/zipball/${release.tag_name}`,
      body: release.body,
    }
  }

  function contentLinks(repo: FakeGithubRepo, path: string, kind: 'blob' | 'tree', sha: string, ref: string) {
    const self = `${repoApi(repo)}/contents/${path}?ref=${encodeURIComponent(ref)}`
    const git = `${repoApi(repo)}/git/${kind === 'blob' ? 'blobs' : 'trees'}/${sha}`
    const html = `${htmlUrl}/${repo.fullName}/${kind}/${ref}/${path}`
    return { url: self, html_url: html, git_url: git, _links: { self, git, html } }
  }

  function fileJson(repo: FakeGithubRepo, path: string, ref: string, withContent: boolean): Record<string, unknown> {
    const content = repo.files[path] ?? ''
    const size = Buffer.byteLength(content)
    const sha = gitBlobSha(content)
    const entry: Record<string, unknown> = {
      type: 'file',
      size,
      name: path.slice(path.lastIndexOf('/') + 1),
      path,
      sha,
      ...contentLinks(repo, path, 'blob', sha, ref),
      download_url: `https://raw.githubusercontent.com/${repo.fullName}/${ref}/${path}`,
    }
    if (withContent) {
      const inline = size <= maxInlineFileBytes
      entry.content = inline ? githubBase64(content) : ''
      entry.encoding = inline ? 'base64' : 'none'
    }
    return entry
  }

  /** The entries of a directory (`''` is the root): files directly in it and its subdirectories. */
  function listing(repo: FakeGithubRepo, directory: string, ref: string): Array<Record<string, unknown>> | undefined {
    const base = directory === '' ? '' : `${directory}/`
    const files: string[] = []
    const directories = new Set<string>()
    for (const path of Object.keys(repo.files)) {
      if (!path.startsWith(base)) continue
      const rest = path.slice(base.length)
      const slash = rest.indexOf('/')
      if (slash < 0) files.push(path)
      else directories.add(`${base}${rest.slice(0, slash)}`)
    }
    if (files.length === 0 && directories.size === 0) return undefined
    const entries = [
      ...[...directories].map((path) => {
        const sha = createHash('sha1').update(`tree ${repo.fullName} ${path}`).digest('hex')
        return { type: 'dir', size: 0, name: path.slice(path.lastIndexOf('/') + 1), path, sha, ...contentLinks(repo, path, 'tree', sha, ref), download_url: null }
      }),
      ...files.map((path) => fileJson(repo, path, ref, false)),
    ]
    return entries.sort((a, b) => String(a.name).localeCompare(String(b.name)))
  }

  function contents(repo: FakeGithubRepo, rawPath: string, url: URL): FakeResponse {
    const ref = url.searchParams.get('ref') ?? repo.defaultBranch
    if (ref !== repo.defaultBranch && !repo.tags.includes(ref)) {
      return { status: 404, json: { message: `No commit found for the ref ${ref}`, documentation_url: `${docs}/repos/contents#get-repository-content`, status: '404' } }
    }
    const path = rawPath.replace(/^\/+|\/+$/g, '')
    if (path === '' && Object.keys(repo.files).length === 0) {
      return { status: 404, json: { message: 'This repository is empty.', documentation_url: `${docs}/repos/contents#get-repository-content`, status: '404' } }
    }
    if (path !== '' && repo.files[path] !== undefined) return { json: fileJson(repo, path, ref, true) }
    const entries = listing(repo, path, ref)
    return entries ? { json: entries } : notFound(`${docs}/repos/contents#get-repository-content`)
  }

  function search(request: FakeRequest): FakeResponse {
    const q = request.url.searchParams.get('q')?.trim() ?? ''
    if (q === '') {
      return { status: 422, json: { message: 'Validation Failed', errors: [{ resource: 'Search', field: 'q', code: 'missing' }], documentation_url: `${docs}/search/search#search-repositories`, status: '422' } }
    }
    if (q.length > maxSearchQueryLength) {
      return {
        status: 422,
        json: { message: 'Validation Failed', errors: [{ message: `The search is longer than ${maxSearchQueryLength} characters.`, resource: 'Search', field: 'q', code: 'invalid' }], documentation_url: `${docs}/search/search#search-repositories`, status: '422' },
      }
    }
    const { perPage, page } = pageParameters(request.url)
    if ((page - 1) * perPage >= maxSearchResults) {
      return { status: 422, json: { message: `Only the first ${maxSearchResults} search results are available`, documentation_url: `${docs}/search/search`, status: '422' } }
    }
    const query = parseGithubSearchQuery(q)
    const sort = request.url.searchParams.get('sort')
    const ascending = request.url.searchParams.get('order') === 'asc'
    const matched = [...repos.values()].map((repo) => ({ repo, score: searchScore(repo, query) })).filter((entry) => entry.score > 0)
    const sortKey = (repo: FakeGithubRepo): number =>
      sort === 'stars' ? repo.stars : sort === 'forks' ? repo.forks : sort === 'updated' ? Date.parse(repo.updatedAt) : 0
    matched.sort((a, b) => {
      if (sort === 'stars' || sort === 'forks' || sort === 'updated') {
        const difference = sortKey(b.repo) - sortKey(a.repo)
        if (difference !== 0) return ascending ? -difference : difference
      }
      return b.score - a.score || b.repo.stars - a.repo.stars || a.repo.fullName.localeCompare(b.repo.fullName)
    })
    const top = matched[0]?.score ?? 1
    const items = matched.slice((page - 1) * perPage, page * perPage).map((entry) => ({ ...repoJson(entry.repo), score: Math.round((entry.score / top) * 1000) / 1000 }))
    return {
      headers: linkHeader(request.url, page, perPage, Math.min(matched.length, maxSearchResults)),
      json: { total_count: matched.length, incomplete_results: options.incompleteResults ?? false, items },
    }
  }

  function paginated<T>(request: FakeRequest, list: T[]): FakeResponse {
    const { perPage, page } = pageParameters(request.url)
    return { headers: linkHeader(request.url, page, perPage, list.length), json: list.slice((page - 1) * perPage, page * perPage) }
  }

  function route(request: FakeRequest, path: string, identity: string | undefined): FakeResponse {
    if (path === '/rate_limit') {
      const core = snapshot('core', identity)
      const searchState = snapshot('search', identity)
      const view = (state: GithubRateLimitSnapshot) => ({ limit: state.limit, used: state.used, remaining: state.remaining, reset: state.reset })
      return { json: { resources: { core: view(core), search: view(searchState) }, rate: view(core) } }
    }
    if (path === '/search/repositories') return search(request)
    const match = /^\/repos\/([^/]+)\/([^/]+)(?:\/(releases|tags|contents)(?:\/(.*))?)?$/.exec(path)
    if (!match) return notFound()
    const [, owner = '', name = '', section, rest] = match
    let fullName: string
    try {
      fullName = `${decodeURIComponent(owner)}/${decodeURIComponent(name)}`
    } catch {
      return notFound()
    }
    const repo = repos.get(fullName.toLowerCase())
    if (!repo) return notFound(`${docs}/repos/repos#get-a-repository`)
    if (section === undefined) {
      // GitHub names a fork's upstream only here, not in search items.
      const parent = repo.parent ? { parent: { full_name: repo.parent, html_url: `https://github.com/${repo.parent}` } } : {}
      return { json: { ...repoJson(repo), ...parent, network_count: repo.forks, subscribers_count: Math.ceil(repo.stars / 10) } }
    }
    if (section === 'releases' && rest === 'latest') {
      const latest = repo.releases.find((release) => release.tag_name === repo.latestRelease)
      return latest ? { json: releaseJson(repo, latest) } : notFound(`${docs}/releases/releases#get-the-latest-release`)
    }
    if (section === 'releases' && rest === undefined) return paginated(request, repo.releases.map((release) => releaseJson(repo, release)))
    if (section === 'tags' && rest === undefined) {
      return paginated(
        request,
        repo.tags.map((tag) => {
          const sha = createHash('sha1').update(`commit ${repo.fullName} ${tag}`).digest('hex')
          return { name: tag, zipball_url: `${repoApi(repo)}/zipball/refs/tags/${tag}`, tarball_url: `${repoApi(repo)}/tarball/refs/tags/${tag}`, commit: { sha, url: `${repoApi(repo)}/commits/${sha}` }, node_id: `REF_kwDO${stableId(tag)}` }
        }),
      )
    }
    if (section === 'contents') {
      let decoded: string
      try {
        decoded = decodeURIComponent(rest ?? '')
      } catch {
        return notFound()
      }
      return contents(repo, decoded, request.url)
    }
    return notFound()
  }

  function resourceOf(path: string): GithubResource | undefined {
    if (path === '/rate_limit') return undefined
    return path.startsWith('/search/') ? 'search' : 'core'
  }

  const handler = (request: FakeRequest): FakeResponse => {
    const common: Record<string, string> = {
      'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': createHash('sha1').update(`${request.path}${now()}`).digest('hex').slice(0, 16).toUpperCase(),
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return { ...notFound(), headers: common }
    const pathname = request.url.pathname
    if (prefix !== '' && pathname !== prefix && !pathname.startsWith(`${prefix}/`)) return { ...notFound(), headers: common }
    const path = pathname.slice(prefix.length) || '/'

    const authorization = String(request.headers.authorization ?? '')
    const token = /^(?:bearer|token)\s+(\S+)$/i.exec(authorization)?.[1]
    if (authorization !== '' && (token === undefined || (options.tokens !== undefined && !options.tokens.includes(token)))) {
      return { status: 401, headers: common, json: { message: 'Bad credentials', documentation_url: docs, status: '401' } }
    }
    const version = request.headers['x-github-api-version']
    if (typeof version === 'string' && !supportedApiVersions.has(version)) {
      return {
        status: 400,
        headers: common,
        json: { message: `Unsupported 'X-GitHub-Api-Version' header: ${version}. Supported versions are: ${[...supportedApiVersions].join(', ')}`, documentation_url: `${docs}/overview/api-versions`, status: '400' },
      }
    }
    common['x-github-api-version-selected'] = typeof version === 'string' ? version : '2022-11-28'

    const resource = resourceOf(path)
    if (resource !== undefined) {
      const window = windowOf(resource, token)
      if (window.used >= limitOf(resource, token)) {
        const message = token === undefined
          ? "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)"
          : `API rate limit exceeded for user ID ${stableId(token)}.`
        return {
          status: options.rateLimitStatus ?? 403,
          headers: { ...common, ...rateLimitHeaders(snapshot(resource, token)) },
          json: { message, documentation_url: `${docs}/overview/rate-limits-for-the-rest-api`, status: String(options.rateLimitStatus ?? 403) },
        }
      }
    }

    const answer = route(request, path, token)
    const headers: Record<string, string> = { ...common, ...answer.headers }
    const status = answer.status ?? 200
    if (useEtags && status === 200 && answer.json !== undefined) {
      const etag = `W/"${createHash('sha1').update(JSON.stringify(answer.json)).digest('hex')}"`
      headers.etag = etag
      const ifNoneMatch = String(request.headers['if-none-match'] ?? '')
      const matches = ifNoneMatch.split(',').some((candidate) => {
        const trimmed = candidate.trim()
        return trimmed === '*' || trimmed === etag || trimmed === etag.slice(2)
      })
      if (matches) {
        // GitHub does not count a 304 against the budget.
        return { status: 304, headers: { ...headers, ...(resource ? rateLimitHeaders(snapshot(resource, token)) : {}) } }
      }
    }
    if (resource !== undefined) windowOf(resource, token).used += 1
    return { ...answer, status, headers: { ...headers, ...(resource ? rateLimitHeaders(snapshot(resource, token)) : {}) } }
  }

  const server = await startFakeServer(handler, { etags: false })
  apiBase = `${server.url}${prefix}`
  return {
    get url() {
      return server.url
    },
    get port() {
      return server.port
    },
    apiUrl: apiBase,
    requests: server.requests,
    setFault: (fault) => server.setFault(fault),
    addFault: (fault) => server.addFault(fault),
    close: () => server.close(),
    repos,
    setRepo(repo) {
      repos.set(repo.fullName.toLowerCase(), repo)
    },
    removeRepo(fullName) {
      repos.delete(fullName.toLowerCase())
    },
    countRequests(pathPrefix) {
      const below = (path: string) => (path.startsWith(prefix) ? path.slice(prefix.length) : path)
      return pathPrefix === undefined ? server.requests.length : server.requests.filter((request) => below(request.path).startsWith(pathPrefix)).length
    },
    rateLimit(resource, token) {
      return snapshot(resource, token)
    },
    exhaust(resource, token) {
      windowOf(resource, token).used = limitOf(resource, token)
    },
    resetRateLimits() {
      windows.clear()
    },
  }
}
