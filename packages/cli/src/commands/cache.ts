import { TektonError } from '@tekton/mcp-discovery'
import { answersDirectory, clearAnswers, countAnswers } from '../answer-cache'
import type { Command } from '../command'
import type { CacheClearOutput, CacheStatsOutput } from '../output/cache'
import { readString } from './arguments'

/** `cache stats`: where the cache lives, what each tier holds, and how many answers are kept. */
export const cacheStatsCommand: Command<CacheStatsOutput> = {
  async run(_args, context) {
    const { cache, cacheDirectory } = await context.discovery()
    const env = context.io.env
    return {
      directory: cacheDirectory,
      stats: await cache.stats(),
      answers: { directory: answersDirectory(env), entries: await countAnswers(env) },
    }
  },
}

/**
 * `cache clear [--source id]`: everything, or one source's entries (keys start with `<source>:`).
 * Answers always go entirely: each one may combine several sources.
 */
export const cacheClearCommand: Command<CacheClearOutput> = {
  async run(args, context) {
    const source = readString(args.source)
    const { cache, cacheDirectory, cacheErrors, sources } = await context.discovery()
    // Every source the CLI has, enabled or not: entries stay from before TEKTON_MCP_SOURCES changed.
    const known = Object.keys(sources)
    if (source !== undefined && !known.includes(source)) {
      // A typo would otherwise clear nothing and say "0 removed", as if the cache were empty.
      throw new TektonError('E_UNKNOWN_SOURCE', `Unknown source ${JSON.stringify(source.slice(0, 60))}`, { hint: `Use one of ${known.join(', ')}, or leave --source out to clear everything` })
    }
    const answers = await clearAnswers(context.io.env).catch((error: unknown) => {
      throw cacheFailure(cacheDirectory, error)
    })
    // The cache absorbs driver failures to keep serving; here one means the entries may remain.
    const failedBefore = cacheErrors.length
    let removed: number
    if (source) {
      removed = await cache.invalidate({ prefix: `${source}:` })
    } else {
      const before = await cache.stats()
      await cache.clear()
      removed = before.drivers.reduce((sum, driver) => sum + driver.entries, 0)
    }
    const failed = cacheErrors[failedBefore]
    if (failed !== undefined) throw cacheFailure(cacheDirectory, failed)
    return { directory: cacheDirectory, source: source || null, removed: removed + answers }
  },
}

/** An E_CACHE error for a cache directory that could not be cleared, keeping the cause's own hint. */
function cacheFailure(directory: string, cause: unknown): TektonError {
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
