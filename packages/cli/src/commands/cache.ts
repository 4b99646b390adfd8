import { answersDirectory, clearAnswers, countAnswers } from '../answer-cache'
import type { Command } from '../command'
import type { CacheClearOutput, CacheStatsOutput } from '../output/cache'
import { readString } from './arguments'

/** `cache stats`: where the cache lives, what each tier holds, and how many answers are kept. */
export const cacheStatsCommand: Command<CacheStatsOutput> = {
  async run(_args, context) {
    const { directory, stats } = await (await context.app()).cacheStats()
    const env = context.io.env
    return { directory, stats, answers: { directory: answersDirectory(env), entries: await countAnswers(env) } }
  },
}

/**
 * `cache clear [--source id]`: everything, or one source's entries. Answers always go entirely:
 * each one may combine several sources.
 */
export const cacheClearCommand: Command<CacheClearOutput> = {
  async run(args, context) {
    const source = readString(args.source)
    const app = await context.app()
    // First: it refuses an unknown source before anything is removed.
    const cleared = await app.clearCache(source === undefined ? {} : { source })
    const { cacheFailure } = await import('@tekton/mcp-app')
    const answers = await clearAnswers(context.io.env).catch((error: unknown) => {
      throw cacheFailure(app.paths.cache, error)
    })
    return { ...cleared, removed: cleared.removed + answers }
  },
}
