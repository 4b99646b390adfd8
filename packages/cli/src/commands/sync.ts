import { TektonError, isErrorCode, toTektonError } from '@tekton/mcp-discovery'
import type { Command } from '../command'
import type { SyncOutput, SyncSourceOutput } from '../output/sync'
import { readList } from './arguments'

/** Sources with a whole catalogue to keep locally: the registry's servers, PyPI's name index. */
const syncable = ['registry', 'pypi'] as const
type Syncable = (typeof syncable)[number]

/**
 * `sync [--source registry,pypi] [--full]`: brings the local catalogues up to date, so searches
 * answer from them (and keep answering offline). Each source is synced on its own; one failing
 * does not stop the other, and the command fails only when every one failed.
 */
export const syncCommand: Command<SyncOutput> = {
  async run(args, context) {
    const asked = readList(args.source) ?? [...syncable]
    const unknown = asked.filter((id) => !(syncable as readonly string[]).includes(id))
    if (unknown.length > 0) {
      throw new TektonError('E_INVALID_INPUT', `${unknown.map((id) => JSON.stringify(id)).join(', ')} has no catalogue to sync`, {
        hint: `Sync one or more of ${syncable.join(', ')}`,
      })
    }
    const full = args.full === true
    const { sources } = await context.discovery()
    const outcomes: SyncSourceOutput[] = []
    for (const id of asked as Syncable[]) {
      const started = context.io.now()
      context.progress.update(id === 'registry' ? 'syncing the MCP Registry catalogue' : 'updating the PyPI name index')
      try {
        if (id === 'registry') {
          const stats = await sources.registry.sync({}, { full })
          const info = await sources.registry.catalogInfo()
          outcomes.push({ source: id, ok: true, durationMs: context.io.now() - started, location: info.file, registry: stats })
        } else {
          const info = await sources.pypi.refreshIndex({ force: full })
          if (info.state === 'failed' || info.state === 'missing') {
            throw new TektonError(isErrorCode(info.lastError?.code) ? info.lastError.code : 'E_INDEX_FAILED', info.lastError?.message ?? 'the PyPI name index could not be built')
          }
          outcomes.push({
            source: id,
            ok: true,
            durationMs: context.io.now() - started,
            location: info.files.names,
            pypi: { names: info.nameCount ?? 0, projects: info.projectCount ?? 0, fetchedAt: info.fetchedAt ?? null },
          })
        }
      } catch (error) {
        const failure = toTektonError(error)
        outcomes.push({ source: id, ok: false, durationMs: context.io.now() - started, error: { code: failure.code, message: failure.message } })
      }
    }
    context.progress.stop()
    const failed = outcomes.filter((outcome) => !outcome.ok)
    if (failed.length === outcomes.length && failed[0]?.error) {
      throw new TektonError(isErrorCode(failed[0].error.code) ? failed[0].error.code : 'E_SOURCE_FAILED', failed.map((outcome) => `${outcome.source}: ${outcome.error?.message ?? 'failed'}`).join('; '), {
        hint: 'Check the network and each source\'s address (TEKTON_MCP_REGISTRY_URL, PIP_INDEX_URL); searches use what was synced before',
      })
    }
    return { sources: outcomes }
  },
}
