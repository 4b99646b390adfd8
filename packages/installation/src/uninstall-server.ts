/**
 * Uninstalling a server: the installer releases what it made outside the data directory (an
 * image), then the record goes, then `servers/<slug>`. Nothing else under the data directory is
 * touched.
 */
import { rm } from 'node:fs/promises'
import type { ProgressEvent } from './spec/installer'
import { sweep } from './cleanup'
import { requireRecord } from './server-view'
import { messageOf, progressFor, timed, withServerLock } from './service-context'
import type { ProgressListener, ServiceContext } from './service-context'

/** What `uninstallServer` removed. */
export interface UninstallOutcome {
  name: string
  /** The versions whose files were removed. */
  versions: string[]
  /** The directory removed (the server's whole directory). */
  removed: string
  notes: string[]
}

/**
 * Removes a server: its record, then its directory (every version, the pointer, the manifests)
 * and, through the installer's `uninstall`, what it created elsewhere. An installer that fails
 * to release something costs a note, not the uninstall.
 */
export async function uninstallServer(context: ServiceContext, name: string, options: { signal?: AbortSignal; progress?: ProgressListener }): Promise<UninstallOutcome> {
  const progress = progressFor(context, options.progress)
  const known = requireRecord(await context.state.read(), name)
  const emit = (event: ProgressEvent) => progress({ ...event, server: known.name })
  await sweep(context)
  return withServerLock(context, known.slug, `uninstall ${known.name}`, async () => {
    const record = requireRecord(await context.state.read(), known.name)
    const notes: string[] = []
    const installer = context.installers.find((candidate) => candidate.type === record.installer)
    if (installer?.uninstall) {
      const state = await context.state.read()
      const otherInstalls = Object.values(state.servers)
        .filter((server) => server.name !== record.name && server.installer === record.installer)
        .flatMap((server) => Object.values(server.versions).map((version) => ({ server: server.name, version: version.version, ...(version.details ? { details: version.details } : {}) })))
      for (const version of Object.values(record.versions)) {
        try {
          await installer.uninstall(
            { version: version.version, directory: version.directory, ...(version.details ? { details: version.details } : {}) },
            { env: context.env, otherInstalls, ...(options.signal ? { signal: options.signal } : {}) },
          )
        } catch (error) {
          notes.push(`The ${record.installer} installer could not release ${version.version}: ${messageOf(error)}`)
        }
      }
    } else if (!installer && !record.remote) {
      notes.push(`No ${record.installer} installer is configured: only the files under ${context.layout.serverDir(record.slug)} were removed`)
    }
    // The record goes first: killed after it, the directory is an orphan the next run removes;
    // killed before, the server is still installed. Never a record pointing at missing files.
    await timed(context, emit, 'record', 'remove', () =>
      context.state.update((state) => {
        delete state.servers[record.name]
      }),
    )
    const directory = context.layout.serverDir(record.slug)
    await timed(context, emit, 'cleanup', directory, () => rm(directory, { recursive: true, force: true, maxRetries: 3 }))
    return { name: record.name, versions: Object.keys(record.versions), removed: directory, notes }
  })
}
