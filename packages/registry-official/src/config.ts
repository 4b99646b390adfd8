/** Which registry to talk to and where its catalogue lives: options, then environment, then the official one. */
import path from 'node:path'
import { tektonPaths } from '@tekton/mcp-discovery'
import { decodeURIComponentSafely, normalizeBaseUrl, withoutCredentials } from '@tekton/mcp-discovery/kit'

/** The official MCP Registry. */
export const defaultRegistryUrl = 'https://registry.modelcontextprotocol.io'
/** Environment variable naming another registry (a sub-registry or a company mirror). */
export const registryUrlVariable = 'TEKTON_MCP_REGISTRY_URL'
/** Environment variable holding a bearer token for that registry, when it wants one. */
export const registryTokenVariable = 'TEKTON_MCP_REGISTRY_TOKEN'

/** A registry base URL as configured: http(s), without a trailing slash; a query or fragment is refused. */
export function normalizeRegistryUrl(raw: string, origin = 'the baseUrl option'): string {
  return normalizeBaseUrl(raw, {
    source: 'registry',
    what: origin,
    hint: `Use the registry's base URL (the API paths, /v0.1/servers, are appended to it), e.g. ${defaultRegistryUrl} or https://mirror.example.com/mcp`,
    query: 'refuse',
  })
}

/** The registry to use: `baseUrl`, else `TEKTON_MCP_REGISTRY_URL`, else the official registry. */
export function resolveRegistryUrl(options: { baseUrl?: string; env?: NodeJS.ProcessEnv } = {}): string {
  if (options.baseUrl !== undefined) return normalizeRegistryUrl(options.baseUrl)
  const fromEnv = (options.env ?? process.env)[registryUrlVariable]?.trim()
  if (fromEnv) return normalizeRegistryUrl(fromEnv, registryUrlVariable)
  return defaultRegistryUrl
}

/** True for the official registry itself (not a mirror or sub-registry). */
export function isOfficialRegistry(baseUrl: string): boolean {
  return withoutCredentials(baseUrl) === defaultRegistryUrl
}

/** `MCP Registry` for the official one; `MCP Registry (host/path)` for any other. */
export function registryDisplayName(baseUrl: string): string {
  if (isOfficialRegistry(baseUrl)) return 'MCP Registry'
  const url = new URL(withoutCredentials(baseUrl))
  return `MCP Registry (${url.host}${url.pathname === '/' ? '' : url.pathname})`
}

/** A file-name-safe form of a URL part. */
function safeSegment(segment: string): string {
  const safe = segment.replace(/[^A-Za-z0-9._-]+/g, '_')
  return safe === '' || safe === '.' || safe === '..' ? '_' : safe
}

/**
 * Where the catalogue of a registry is kept: `<cache>/registry/<host>[/<path>...]`, so the
 * official registry, a mirror on another host and one under a sub-path never share a file.
 */
export function defaultCatalogDir(baseUrl: string, env: NodeJS.ProcessEnv = process.env): string {
  const url = new URL(withoutCredentials(baseUrl))
  const parts = [safeSegment(url.host.replace(/:/g, '_')), ...url.pathname.split('/').filter(Boolean).map((segment) => safeSegment(decodeURIComponentSafely(segment)))]
  return path.join(tektonPaths(env).cache, 'registry', ...parts)
}
