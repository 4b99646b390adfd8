/** The cache as a front end shows and clears it. */
import { TektonError } from '@tekton/mcp-discovery'
import type { CacheStats } from '@tekton/mcp-discovery'
import type { TektonMcpCore } from '../tekton-mcp'

export interface CacheSummary {
  /** The cache directory (under TEKTON_MCP_HOME when set). */
  directory: string
  stats: CacheStats
}

export interface CacheClearResult {
  directory: string
  /** The source whose entries were dropped, or null for everything. */
  source: string | null
  /** Entries removed, counted per tier. */
  removed: number
}

export async function cacheStats(core: TektonMcpCore): Promise<CacheSummary> {
  return { directory: core.paths.cache, stats: await core.cache.stats() }
}

/**
 * Drops every entry, or one source's (keys start with `<source>:`), enabled or not. An unknown
 * source is E_UNKNOWN_SOURCE: a typo would otherwise clear nothing and say "0 removed".
 */
export async function clearCache(core: TektonMcpCore, options: { source?: string } = {}): Promise<CacheClearResult> {
  const { source } = options
  if (source !== undefined) {
    const known = core.allSources().map((candidate) => candidate.id)
    if (!known.includes(source)) {
      throw new TektonError('E_UNKNOWN_SOURCE', `Unknown source ${JSON.stringify(source.slice(0, 60))}`, { hint: `Use one of ${known.join(', ')}, or leave the source out to clear everything` })
    }
  }
  // The cache absorbs driver failures to keep serving; here one means the entries may remain.
  const failedBefore = core.cacheErrors.length
  let removed: number
  if (source) {
    removed = await core.cache.invalidate({ prefix: `${source}:` })
  } else {
    const before = await core.cache.stats()
    await core.cache.clear()
    removed = before.drivers.reduce((sum, driver) => sum + driver.entries, 0)
  }
  const failed = core.cacheErrors[failedBefore]
  if (failed !== undefined) throw cacheFailure(core.paths.cache, failed)
  // A cleared cache starts over: sources remembered as unreachable are asked again at once.
  await core.unreachable.update({ reached: source ? [source] : core.allSources().map((candidate) => candidate.id) })
  return { directory: core.paths.cache, source: source ?? null, removed }
}

/** An E_CACHE error for a cache directory that could not be cleared, keeping the cause's own hint. */
export function cacheFailure(directory: string, cause: unknown): TektonError {
  if (TektonError.isInstance(cause) && cause.code === 'E_CACHE') {
    // The manager wraps a driver's failure; the driver's own error says more (e.g. who holds the lock).
    const inner: unknown = cause.cause
    return TektonError.isInstance(inner) && inner.code === 'E_CACHE' && inner.hint ? inner : cause
  }
  const reason = cause instanceof Error ? cause.message : String(cause)
  return new TektonError('E_CACHE', `Could not clear the cache in ${directory}: ${reason}`, {
    hint: 'Check that the cache directory (TEKTON_MCP_HOME, if set) is a directory you can write',
    cause,
  })
}
