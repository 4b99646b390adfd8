import { TektonError } from '@tekton/mcp-discovery'
import type { Command } from '../command'
import { renderCacheClear, renderCacheStats } from '../output/cache'
import type { CacheClearOutput, CacheStatsOutput } from '../output/cache'
import { readString } from './arguments'

const sourceIdPattern = /^[a-z0-9][a-z0-9-]{0,39}$/

/** `cache stats`: where the cache lives and what each tier holds. */
export const cacheStatsCommand: Command<CacheStatsOutput> = {
  async run(_args, context) {
    const { cache, cacheDirectory } = await context.discovery()
    return { directory: cacheDirectory, stats: await cache.stats() }
  },
  renderText: (data, style) => renderCacheStats(data, style),
}

/** `cache clear [--source id]`: everything, or one source's entries (keys start with `<source>:`). */
export const cacheClearCommand: Command<CacheClearOutput> = {
  async run(args, context) {
    const source = readString(args.source)
    if (source !== undefined && !sourceIdPattern.test(source)) {
      throw new TektonError('E_INVALID_INPUT', `${JSON.stringify(source)} is not a source id`, { hint: 'Use a source id such as npm' })
    }
    const { cache, cacheDirectory } = await context.discovery()
    if (source) {
      const removed = await cache.invalidate({ prefix: `${source}:` })
      return { directory: cacheDirectory, source, removed }
    }
    const before = await cache.stats()
    await cache.clear()
    const removed = before.drivers.reduce((sum, driver) => sum + driver.entries, 0)
    return { directory: cacheDirectory, source: null, removed }
  },
  renderText: (data, style) => renderCacheClear(data, style),
}
