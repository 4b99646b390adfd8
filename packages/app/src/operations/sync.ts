/**
 * Sync: brings each source's local catalogue up to date (the registry's servers, PyPI's name
 * index), so searches answer from it and keep answering offline. Each source is synced on its
 * own; one failing does not stop the others, and the operation fails only when every one failed.
 */
import { TektonError, isErrorCode, redact, toTektonError } from '@tekton/mcp-discovery'
import type { RegistrySource, SourceSyncReport } from '@tekton/mcp-discovery'
import type { TektonMcpCore } from '../tekton-mcp'

export interface SyncOptions {
  /** Ids of the sources to sync; every enabled source that keeps a catalogue when absent. */
  sources?: readonly string[]
  /** Fetch everything again instead of only what changed. */
  full?: boolean
  /** Told as each source's sync starts, for progress. */
  onSource?: (source: { id: string; displayName: string }) => void
}

/** How one source's sync went. */
export interface SyncOutcome {
  source: string
  ok: boolean
  durationMs: number
  report?: SourceSyncReport
  error?: { code: string; message: string }
}

export interface SyncResult {
  sources: SyncOutcome[]
}

export async function sync(core: TektonMcpCore, options: SyncOptions = {}): Promise<SyncResult> {
  const syncable = core.sources().filter((source): source is RegistrySource & Required<Pick<RegistrySource, 'sync'>> => typeof source.sync === 'function')
  const known = syncable.map((source) => source.id)
  const asked = options.sources ?? known
  const unknown = asked.filter((id) => !known.includes(id))
  if (unknown.length > 0 || known.length === 0) {
    throw new TektonError('E_INVALID_INPUT', known.length === 0 ? 'No enabled source keeps a catalogue to sync' : `${unknown.map((id) => JSON.stringify(id)).join(', ')} has no catalogue to sync`, {
      hint: known.length === 0 ? 'Enable the registry or pypi source (TEKTON_MCP_SOURCES)' : `Sync one or more of ${known.join(', ')}`,
    })
  }
  const outcomes: SyncOutcome[] = []
  for (const source of syncable.filter((candidate) => asked.includes(candidate.id))) {
    const started = core.now()
    options.onSource?.({ id: source.id, displayName: source.displayName })
    try {
      const report = await source.sync(undefined, { full: options.full === true })
      outcomes.push({ source: source.id, ok: true, durationMs: core.now() - started, report })
    } catch (error) {
      const failure = toTektonError(error)
      outcomes.push({ source: source.id, ok: false, durationMs: core.now() - started, error: { code: failure.code, message: redact(failure.message) } })
    }
  }
  const failed = outcomes.filter((outcome) => !outcome.ok)
  if (failed.length === outcomes.length && failed[0]?.error) {
    throw new TektonError(isErrorCode(failed[0].error.code) ? failed[0].error.code : 'E_SOURCE_FAILED', failed.map((outcome) => `${outcome.source}: ${outcome.error?.message ?? 'failed'}`).join('; '), {
      hint: 'Check the network and each source\'s address (TEKTON_MCP_REGISTRY_URL, PIP_INDEX_URL); searches use what was synced before',
    })
  }
  return { sources: outcomes }
}
