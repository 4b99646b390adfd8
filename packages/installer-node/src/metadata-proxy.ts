/**
 * A loopback registry that npm resolves the tree against, so npm never holds a token. npm keeps
 * a registry's `Authorization` on a redirect that changes only the port, so running the
 * resolution against the real registry with the token in npm's environment could forward it.
 * Instead npm is given `http://127.0.0.1:<port>/` as its registry (and every scope's), with no
 * token; this server fetches each packument through our HTTP client from the package's own
 * registry (the token only to that registry's URLs, and `fetch` drops it on any redirect to
 * another scheme, host or port), and rewrites its tarball URLs to loopback ones. After the
 * resolution `restoreLockfileUrls` puts the real URLs back into the lockfile, so the tree rule
 * judges, and the installed lockfile records, where each package really comes from.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { TektonError } from '@tekton/mcp-discovery'
import type { HttpClient } from '@tekton/mcp-discovery'
import { registryFor } from '@tekton/mcp-registry-npm'
import type { ResolvedNpmRegistry } from '@tekton/mcp-registry-npm'
import type { ReleaseAgeRule } from '@tekton/mcp-installation'
import { authorization } from './packument'
import { withoutYoungVersions } from './release-age'
import { createPackumentSource, packageNamePattern } from './packument-source'
import type { PackumentSource } from './packument-source'
import { onRegistryUrl } from './tree'

/** The loopback path of a rewritten tarball URL: `/-/tekton-tarball/<index>/<file name>`. */
const tarballPrefix = '/-/tekton-tarball/'
/** A running proxy: the registry URL to give npm, and the registry's view of what it served. */
export interface MetadataProxy {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly baseUrl: string
  /** The registry configuration npm runs with: the proxy for the registry and every scope, no tokens. */
  readonly registry: ResolvedNpmRegistry
  /** The first failure of an upstream request (not a 404), to report instead of npm's own message. */
  readonly failure: () => unknown
  /** The lockfile text with every loopback tarball URL replaced by the real one. */
  restoreLockfileUrls(lockfileText: string): string
  close(): Promise<void>
}

/** Starts the proxy on 127.0.0.1, on a free port, for one resolution. */
export async function startMetadataProxy(options: {
  http: HttpClient
  registry: ResolvedNpmRegistry
  timeoutMs: number
  signal?: AbortSignal | undefined
  /** Packages npm will ask for first (the top-level package's dependencies): fetched at once. */
  prefetch?: readonly string[]
  /** Where packuments come from: one shared with the in-process resolver, so nothing is fetched twice. @default a new one */
  source?: PackumentSource
  /**
   * The minimum release age: npm is served each packument without the versions younger than the
   * rule and with its dist-tags re-pointed (see release-age), so it cannot pick a young one. The
   * source must give full packuments (with `time`) then.
   */
  releaseAge?: ReleaseAgeRule | undefined
}): Promise<MetadataProxy> {
  const realUrls: string[] = []
  const indexOf = new Map<string, number>()
  let firstFailure: unknown
  let baseUrl = ''

  const loopbackTarball = (real: string): string => {
    let index = indexOf.get(real)
    if (index === undefined) {
      index = realUrls.length
      realUrls.push(real)
      indexOf.set(real, index)
    }
    const fileName = real.slice(real.lastIndexOf('/') + 1) || 'package.tgz'
    return `${baseUrl}${tarballPrefix}${index}/${encodeURIComponent(decodeURIComponentSafe(fileName))}`
  }

  /** A copy of the packument with loopback tarball URLs: the source's own copy is shared with the in-process resolver. */
  const rewritePackument = (served: unknown): unknown => {
    const packument = options.releaseAge === undefined ? served : withoutYoungVersions(served, options.releaseAge)
    const versions = (packument as { versions?: unknown } | null)?.versions
    if (typeof versions !== 'object' || versions === null) return packument
    const rewritten: Record<string, unknown> = {}
    for (const [version, manifest] of Object.entries(versions as Record<string, unknown>)) {
      const dist = (manifest as { dist?: unknown } | null)?.dist
      const tarball = typeof dist === 'object' && dist !== null ? (dist as { tarball?: unknown }).tarball : undefined
      rewritten[version] =
        typeof tarball === 'string' && /^https?:\/\//i.test(tarball) ? { ...(manifest as object), dist: { ...(dist as object), tarball: loopbackTarball(tarball) } } : manifest
    }
    return { ...(packument as object), versions: rewritten }
  }

  const upstreamOptions = (url: URL, name: string, accept: string) => {
    const target = registryFor(options.registry, name)
    return {
      source: 'installer-node',
      // The token goes to the package's own registry only; fetch drops it on a cross-origin redirect.
      headers: { accept, ...(onRegistryUrl(url, target.baseUrl) ? authorization(target) : {}) },
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    }
  }

  const source = options.source ?? createPackumentSource({ ...options, full: options.releaseAge !== undefined })

  const answer = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0] ?? '/'
    if (request.method !== 'GET') return send(response, 405, { error: 'Method not allowed' })
    if (path.startsWith(tarballPrefix)) {
      // npm does not fetch tarballs to resolve a lockfile, but if it does, it gets the real one.
      const index = Number(path.slice(tarballPrefix.length).split('/')[0])
      const real = Number.isInteger(index) ? realUrls[index] : undefined
      if (real === undefined) return send(response, 404, { error: 'Not found' })
      const url = new URL(real)
      const download = await options.http.getBytes(url.href, upstreamOptions(url, packageNameOfTarball(url), '*/*'))
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(download.data.byteLength) })
      response.end(download.data)
      return
    }
    const name = decodeURIComponentSafe(path.slice(1))
    if (!packageNamePattern.test(name)) return send(response, 404, { error: 'Not found' })
    try {
      send(response, 200, rewritePackument(await source.get(name)))
    } catch (error) {
      if (TektonError.isInstance(error) && error.code === 'E_NOT_FOUND') return send(response, 404, { error: 'Not found' })
      throw error
    }
  }

  const server: Server = createServer((request, response) => {
    answer(request, response).catch((error: unknown) => {
      firstFailure ??= error
      if (!response.headersSent) send(response, 502, { error: 'The registry could not be reached' })
      else response.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  for (const name of options.prefetch ?? []) source.prefetch(name)
  const scopes: Record<string, string> = {}
  for (const scope of Object.keys(options.registry.scopes)) scopes[scope] = baseUrl
  const { token: _token, scopeTokens: _scopeTokens, ...withoutTokens } = options.registry
  return {
    baseUrl,
    registry: { ...withoutTokens, baseUrl, scopes },
    failure: () => firstFailure,
    restoreLockfileUrls(lockfileText) {
      const lockfile = JSON.parse(lockfileText) as { packages?: Record<string, { resolved?: unknown }> }
      const prefix = `${baseUrl}${tarballPrefix}`
      for (const entry of Object.values(lockfile.packages ?? {})) {
        if (typeof entry?.resolved !== 'string' || !entry.resolved.startsWith(prefix)) continue
        const real = realUrls[Number(entry.resolved.slice(prefix.length).split('/')[0])]
        if (real !== undefined) entry.resolved = real
      }
      return `${JSON.stringify(lockfile, null, 2)}\n`
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) })
  response.end(text)
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** The package name in a registry tarball URL (`…/<name>/-/<file>`), or '' when it has none. */
function packageNameOfTarball(url: URL): string {
  const parts = url.pathname.split('/-/')[0]?.split('/').filter((part) => part !== '') ?? []
  const last = decodeURIComponentSafe(parts.at(-1) ?? '')
  const scoped = parts.at(-2)?.startsWith('@') ? `${decodeURIComponentSafe(parts.at(-2) as string)}/${last}` : last
  return packageNamePattern.test(scoped) ? scoped : ''
}
