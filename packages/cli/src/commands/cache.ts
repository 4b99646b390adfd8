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
    const { cache, cacheDirectory } = await context.discovery()
    const answers = await clearAnswers(context.io.env)
    if (source) {
      const removed = await cache.invalidate({ prefix: `${source}:` })
      return { directory: cacheDirectory, source, removed: removed + answers }
    }
    const before = await cache.stats()
    await cache.clear()
    const removed = before.drivers.reduce((sum, driver) => sum + driver.entries, 0)
    return { directory: cacheDirectory, source: null, removed: removed + answers }
  },
}
