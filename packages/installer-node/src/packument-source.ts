/**
 * Packuments for one install, fetched through our HTTP client from each package's own registry
 * (the token only to that registry's URLs; `fetch` drops it on any redirect to another scheme,
 * host or port) and shared by whoever resolves the tree: the in-process resolver, or npm through
 * the loopback metadata proxy. Each is fetched once per install and not cached beyond it (what
 * is installed must be what the registry says now). Fetching one starts fetching the
 * dependencies of its `latest` version, which are most often asked for next, so the registry's
 * latency overlaps the resolution instead of adding to it, level after level of the tree.
 */
import type { HttpClient } from '@tekton/mcp-discovery'
import { registryFor } from '@tekton/mcp-registry-npm'
import type { ResolvedNpmRegistry } from '@tekton/mcp-registry-npm'
import { authorization } from './packument'
import { onRegistryUrl } from './tree'

/** npm's own Accept header for packuments: the abbreviated document when the registry has one. */
const packumentAccept = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*'
/** A package name, scoped or not, as npm encodes it. */
export const packageNamePattern = /^(?:@[a-z0-9][\w.~-]*\/)?[a-z0-9][\w.~-]*$/i
/** How many packuments one install fetches ahead at most. */
const maxPrefetched = 2000

export interface PackumentSource {
  /** The packument as the registry answered it (not to be changed); `E_NOT_FOUND` when it has no such package. */
  get(name: string): Promise<unknown>
  /** Starts fetching `name` without waiting; a failure is reported if it is asked for, and ignored if not. */
  prefetch(name: string): void
}

/**
 * `full` asks for the full packuments (with `time`, which the minimum release age reads), not the
 * abbreviated ones: bigger, so only when the rule is set.
 */
export function createPackumentSource(options: { http: HttpClient; registry: ResolvedNpmRegistry; timeoutMs: number; signal?: AbortSignal | undefined; full?: boolean | undefined }): PackumentSource {
  const packuments = new Map<string, Promise<unknown>>()
  const get = (name: string): Promise<unknown> => {
    let pending = packuments.get(name)
    if (pending === undefined) {
      // A scope with its own registry is looked up there only (dependency confusion).
      const target = registryFor(options.registry, name)
      const url = new URL(`${target.baseUrl}/${name.replace('/', '%2f')}`)
      pending = options.http
        .getJson<unknown>(url.href, {
          source: 'installer-node',
          headers: { accept: options.full === true ? 'application/json' : packumentAccept, ...(onRegistryUrl(url, target.baseUrl) ? authorization(target) : {}) },
          timeoutMs: options.timeoutMs,
          ...(options.signal ? { signal: options.signal } : {}),
        })
        .then((packument) => {
          for (const dependency of latestDependencies(packument.data)) prefetch(dependency)
          return packument.data
        })
      packuments.set(name, pending)
    }
    return pending
  }
  const prefetch = (name: string) => {
    if (packuments.has(name) || packuments.size >= maxPrefetched || !packageNamePattern.test(name)) return
    get(name).catch(() => undefined)
  }
  return { get, prefetch }
}

/** The names the `latest` version of a packument depends on (aliases and non-registry specs left out). */
function latestDependencies(packument: unknown): string[] {
  const data = packument as { 'dist-tags'?: { latest?: unknown }; versions?: Record<string, unknown> } | null
  const latest = data?.['dist-tags']?.latest
  const manifest = typeof latest === 'string' ? (data?.versions?.[latest] as { dependencies?: unknown; optionalDependencies?: unknown; peerDependencies?: unknown } | undefined) : undefined
  const names: string[] = []
  for (const specs of [manifest?.dependencies, manifest?.optionalDependencies, manifest?.peerDependencies]) {
    if (typeof specs !== 'object' || specs === null) continue
    for (const [name, spec] of Object.entries(specs as Record<string, unknown>)) {
      if (typeof spec === 'string' && !spec.startsWith('npm:') && !spec.includes(':') && !spec.includes('/')) names.push(name)
    }
  }
  return names
}
