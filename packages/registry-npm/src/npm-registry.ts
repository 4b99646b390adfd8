/** The npm registry (or any mirror speaking its protocol) as a RegistrySource. */
import { RegistryHttpError, TektonError, createHttpClient, parseRef, parseSearchQuery, redact } from '@tekton/mcp-discovery'
import type { CacheManager, HttpClient, HttpResponse, RegistrySource, SourceConfiguration, RequestContext, SearchPage, SearchQuery, SearchResult, ServerMetadata, ServerVersion } from '@tekton/mcp-discovery'
import { mcpKeywords } from './classify'
import { withoutCredentials } from '@tekton/mcp-discovery/kit'
import { normalizeRegistryUrl, registryFor, resolveNpmRegistry } from './config'
import type { NpmExec, NpmRegistryTarget, ResolvedNpmRegistry } from './config'
import { npmSourceId, packumentToMetadata, packumentToVersions, searchObjectToResult } from './mapping'
import { NpmPackumentSchema, NpmSearchResponseSchema } from './schemas'
import type { NpmPackumentData, NpmSearchResponse } from './schemas'

export interface NpmRegistryOptions {
  /** Registry URL. @default npm's own configuration (see `resolveNpmRegistry`) */
  baseUrl?: string
  /** Bearer token for the registry. @default the `_authToken` configured for it in `.npmrc` */
  token?: string
  /** HTTP client. @default `createHttpClient({ cache })` */
  http?: HttpClient
  /** Cache for responses (through the default client) and for `npm config get registry`. @default none */
  cache?: CacheManager
  /** Environment for npm configuration. @default process.env */
  env?: NodeJS.ProcessEnv
  /** Where the project `.npmrc` search starts. @default process.cwd() */
  cwd?: string
  /** @default os.homedir() */
  homedir?: string
  /** Runs `npm config get registry` when nothing else names a registry. @default spawns npm */
  exec?: NpmExec
  now?: () => number
}

/** The npm source, plus a way to see which registry it talks to. */
export interface NpmRegistrySource extends RegistrySource {
  /**
   * The registry in use (without `user:password@`), where it was configured, the scope
   * registries (`scopes`), which configuration files were consulted (`consulted`) and which
   * environment variables they refer to (`variables`); tokens themselves are never returned, only
   * whether the default registry (`authenticated`) and which scopes (`authenticatedScopes`) have one.
   */
  resolveRegistry(): Promise<NpmRegistryDescription>
  probe(context: RequestContext): Promise<void>
  /** The npmrc files consulted, the variables they substituted, and npm's own (`npm_config_*`). */
  configuration(): Promise<SourceConfiguration>
}

/** What `resolveRegistry()` tells: the resolved registry without its tokens. */
export type NpmRegistryDescription = Omit<ResolvedNpmRegistry, 'token' | 'scopeTokens'> & {
  /** A token is configured for the default registry. */
  authenticated: boolean
  /** Scopes in `scopes` whose registry has a token configured. */
  authenticatedScopes: string[]
}

/** The package `probe` asks for: one that surely does not exist, so any answer is "not found". */
const probePackageName = 'tekton-mcp-doctor-probe'
/** npm's search answers at most this many hits per request. */
const maxSearchSize = 250
/** Hits asked for per result wanted: most hits for plain text are not MCP servers. */
const overFetch = 3
const minimumSearchSize = 50
/** Statuses with which registries without a search endpoint answer `/-/v1/search`. */
const searchUnsupportedStatuses: ReadonlySet<number> = new Set([404, 405, 501])
/** Added to the text of the second search, so MCP-tagged packages are found even when plain text ranks them low. */
const keywordQualifier = `keywords:${mcpKeywords.join(',')}`

function httpStatusOf(error: unknown): number | undefined {
  return RegistryHttpError.isInstance(error) ? error.status : undefined
}

function checkOptions(options: NpmRegistryOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TektonError('E_CONFIG', '[npm] createNpmRegistry expects an options object')
  }
  if (options.baseUrl !== undefined) normalizeRegistryUrl(options.baseUrl, 'the baseUrl option')
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token.trim() === '')) {
    throw new TektonError('E_CONFIG', '[npm] the token option must be a non-empty string', { hint: 'Leave token out to use the one in .npmrc' })
  }
  if (options.http !== undefined && typeof options.http.getJson !== 'function') {
    throw new TektonError('E_CONFIG', '[npm] the http option must be an HttpClient (createHttpClient())')
  }
  for (const name of ['exec', 'now'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TektonError('E_CONFIG', `[npm] the ${name} option must be a function`)
    }
  }
}

/** Validates a package name the way refs do, before it reaches a URL. */
function packageName(id: string): string {
  const ref = parseRef(`npm:${id}`)
  if (ref.version !== undefined) {
    throw new TektonError('E_INVALID_REF', `Invalid npm package name "${id}": it carries a version`, {
      hint: 'Pass the package name alone, e.g. @modelcontextprotocol/server-filesystem',
    })
  }
  return ref.id
}

/** The registry's path for a package: scoped names keep `@` and encode the slash, as npm does. */
function packagePath(name: string): string {
  return name.replace('/', '%2f')
}

/**
 * Creates the npm source. The registry is resolved lazily, on the first request (reading
 * `.npmrc` files and maybe spawning npm), so creating a source costs nothing.
 */
export function createNpmRegistry(options: NpmRegistryOptions = {}): NpmRegistrySource {
  checkOptions(options)
  const http = options.http ?? createHttpClient(options.cache ? { cache: options.cache } : {})
  let resolving: Promise<ResolvedNpmRegistry> | undefined

  function registry(): Promise<ResolvedNpmRegistry> {
    resolving ??= resolveNpmRegistry(options).catch((error: unknown) => {
      resolving = undefined // a later call may succeed once the configuration is fixed
      throw error
    })
    return resolving
  }

  function requestOptions(target: NpmRegistryTarget, context: RequestContext) {
    return {
      source: npmSourceId,
      ...(target.token ? { headers: { authorization: `Bearer ${target.token}` } } : {}),
      ...(context.signal ? { signal: context.signal } : {}),
      ...(context.trace ? { trace: context.trace } : {}),
      ...(context.deadline !== undefined ? { deadline: context.deadline } : {}),
    }
  }

  async function getPackument(id: string, context: RequestContext): Promise<{ packument: NpmPackumentData; target: NpmRegistryTarget } | null> {
    const name = packageName(id)
    // A scope with its own registry is looked up there only: the default registry may hold a
    // look-alike published by anyone (dependency confusion).
    const target = registryFor(await registry(), name)
    try {
      const response = await http.getJson<NpmPackumentData>(`${target.baseUrl}/${packagePath(name)}`, {
        ...requestOptions(target, context),
        schema: NpmPackumentSchema,
        // One entry serves both `info` and `versions`. Keys are written to disk: no credentials.
        cache: { key: `npm:packument:${withoutCredentials(target.baseUrl)}:${name}`, kind: 'metadata' },
      })
      return { packument: response.data, target }
    } catch (error) {
      if (httpStatusOf(error) === 404) return null
      throw error
    }
  }

  async function searchOnce(resolved: ResolvedNpmRegistry, text: string, size: number, context: RequestContext): Promise<HttpResponse<NpmSearchResponse>> {
    const url = `${resolved.baseUrl}/-/v1/search?${new URLSearchParams({ text, size: String(size) })}`
    return http.getJson<NpmSearchResponse>(url, {
      ...requestOptions(resolved, context),
      schema: NpmSearchResponseSchema,
      // Keys are written to disk: no credentials.
      cache: { key: `npm:search:${withoutCredentials(resolved.baseUrl)}:${text}:${size}`, kind: 'search' },
    })
  }

  const source: NpmRegistrySource = {
    specVersion: 'v1',
    id: npmSourceId,
    displayName: 'npm registry',
    refKinds: ['npm'],

    /**
     * Two searches in parallel, merged: the plain text (hits in npm's relevance order, most of
     * them not MCP servers, filtered here) and the text restricted to MCP keywords (so tagged
     * servers that plain text ranks low still appear). Filtering sees names and keywords only:
     * `mcpName` and the SDK dependency are in packuments, and fetching one per hit would make a
     * search dozens of requests. Cursors are not used: the combined registry pages by asking
     * for a larger `limit`.
     */
    async search(query: SearchQuery, context: RequestContext): Promise<SearchPage> {
      const { limit, text } = parseSearchQuery(query, 'npm')
      const resolved = await registry()
      const plainSize = Math.min(maxSearchSize, Math.max(limit * overFetch, minimumSearchSize))
      // Keyword hits are nearly all servers already, so they need no over-fetching.
      const taggedSize = Math.min(maxSearchSize, Math.max(limit, minimumSearchSize))
      // npm requires search text; without any, list what is tagged as MCP.
      const searches: Array<[string, number]> = text ? [[text, plainSize], [`${text} ${keywordQualifier}`, taggedSize]] : [[keywordQualifier, taggedSize]]
      let responses: Array<HttpResponse<NpmSearchResponse>>
      try {
        responses = await Promise.all(searches.map(([sent, size]) => searchOnce(resolved, sent, size, context)))
      } catch (error) {
        const status = httpStatusOf(error)
        if (status !== undefined && searchUnsupportedStatuses.has(status)) {
          return {
            results: [],
            sources: [{ source: npmSourceId, state: 'unavailable', code: 'E_SEARCH_UNSUPPORTED', message: `search endpoint unavailable at ${redact(resolved.baseUrl)}` }],
          }
        }
        throw error
      }
      const hits = responses.flatMap((response) => response.data.objects)
      const seen = new Set<string>()
      const results: SearchResult[] = []
      hits.forEach((hit, position) => {
        // npm's own search only asks the default registry too; a hit in a scope that has its own
        // registry would be looked up there, so listing the default registry's one would mislead.
        if (hit === null || registryFor(resolved, hit.package.name).baseUrl !== resolved.baseUrl) return
        const result = searchObjectToResult(hit, position, hits.length, { baseUrl: resolved.baseUrl })
        if (!result || seen.has(result.ref) || results.length >= limit) return
        seen.add(result.ref)
        results.push(result)
      })
      const fromCache = responses.every((response) => response.fromCache)
      return {
        results,
        sources: [
          {
            source: npmSourceId,
            state: 'ok',
            resultCount: results.length,
            ...(fromCache ? { fromCache, ageMs: Math.max(...responses.map((response) => response.ageMs)) } : {}),
          },
        ],
      }
    },

    async getMetadata(id: string, context: RequestContext): Promise<ServerMetadata | null> {
      const found = await getPackument(id, context)
      return found && packumentToMetadata(found.packument, { baseUrl: found.target.baseUrl })
    },

    async getVersions(id: string, context: RequestContext): Promise<ServerVersion[] | null> {
      const found = await getPackument(id, context)
      return found && packumentToVersions(found.packument)
    },

    async resolveRegistry() {
      const { token, scopeTokens, ...resolved } = await registry()
      // Meant to be shown: passwords in registry URLs stay out of it like tokens do.
      const scopes = Object.fromEntries(Object.entries(resolved.scopes).map(([scope, url]) => [scope, withoutCredentials(url)]))
      return { ...resolved, baseUrl: withoutCredentials(resolved.baseUrl), scopes, authenticated: token !== undefined, authenticatedScopes: Object.keys(scopeTokens ?? {}).sort() }
    },

    async probe(context) {
      // A package no one publishes: "not found" proves the registry answers.
      await source.getMetadata(probePackageName, context)
    },

    async configuration(): Promise<SourceConfiguration> {
      const resolved = await registry()
      // HOME places ~/.npmrc, PREFIX the global npmrc; npm reads every npm_config_* (any case).
      return { files: [...resolved.consulted], variables: [...new Set(['HOME', 'USERPROFILE', 'PREFIX', ...resolved.variables])], variablePrefixes: ['npm_config_'] }
    },
  }
  return source
}
