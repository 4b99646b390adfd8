/** Which registry to talk to and where its catalogue lives: options, then environment, then the official one. */
import path from 'node:path'
import { TektonError, redact, tektonPaths } from '@tekton/mcp-discovery'

/** The official MCP Registry. */
export const defaultRegistryUrl = 'https://registry.modelcontextprotocol.io'
/** Environment variable naming another registry (a sub-registry or a company mirror). */
export const registryUrlVariable = 'TEKTON_MCP_REGISTRY_URL'
/** Environment variable holding a bearer token for that registry, when it wants one. */
export const registryTokenVariable = 'TEKTON_MCP_REGISTRY_TOKEN'

/** A registry base URL as configured: http(s), without a trailing slash, query or fragment. */
export function normalizeRegistryUrl(raw: string, origin = 'the baseUrl option'): string {
  const trimmed = typeof raw === 'string' ? raw.trim() : ''
  let url: URL
  try {
    url = new URL(trimmed)
  } catch {
    throw new TektonError('E_CONFIG', `[registry] ${origin} is not a URL: ${JSON.stringify(redact(String(raw)))}`, {
      hint: `Use the registry's base URL, e.g. ${defaultRegistryUrl} or https://mirror.example.com/mcp`,
    })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TektonError('E_CONFIG', `[registry] ${origin} must be an http(s) URL, got ${url.protocol}`, { hint: `e.g. ${defaultRegistryUrl}` })
  }
  if (url.search !== '' || url.hash !== '') {
    throw new TektonError('E_CONFIG', `[registry] ${origin} must not have a query or fragment: ${redact(url.href)}`, {
      hint: 'Give the base the API paths (/v0.1/servers) are appended to',
    })
  }
  return url.href.replace(/\/+$/, '')
}

/** The URL without `user:password@`, for messages, cache keys and stored files. */
export function withoutCredentials(baseUrl: string): string {
  const url = new URL(baseUrl)
  url.username = ''
  url.password = ''
  return url.href.replace(/\/+$/, '')
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
  const parts = [safeSegment(url.host.replace(/:/g, '_')), ...url.pathname.split('/').filter(Boolean).map((segment) => safeSegment(decodeSafely(segment)))]
  return path.join(tektonPaths(env).cache, 'registry', ...parts)
}

function decodeSafely(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}
