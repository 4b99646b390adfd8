import type { Command } from '../command'
import type { SyncOutput } from '../output/sync'
import { readList } from './arguments'

/**
 * `sync [--source registry,pypi] [--full]`: brings the local catalogues up to date, so searches
 * answer from them (and keep answering offline). Fails only when every source asked failed.
 */
export const syncCommand: Command<SyncOutput> = {
  async run(args, context) {
    const sources = readList(args.source)
    const app = await context.app()
    return app.sync({
      ...(sources ? { sources } : {}),
      full: args.full === true,
      onSource: (source) => context.progress.update(`syncing ${source.displayName}`),
    })
  },
}
