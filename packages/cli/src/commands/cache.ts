import { TektonError } from '@tekton/mcp-discovery'
import { answersDirectory, clearAnswers, countAnswers } from '../answer-cache'
import type { Command } from '../command'
import type { CacheClearOutput, CacheStatsOutput } from '../output/cache'
import { readString } from './arguments'

const sourceIdPattern = /^[a-z0-9][a-z0-9-]{0,39}$/

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
    if (source !== undefined && !sourceIdPattern.test(source)) {
      throw new TektonError('E_INVALID_INPUT', `${JSON.stringify(source)} is not a source id`, { hint: 'Use a source id such as npm' })
    }
    const { cache, cacheDirectory, cacheErrors } = await context.discovery()
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
