/**
 * Removing what killed runs left behind. `sweep` runs before every install, update and uninstall
 * (and as `cleanup()`); `reconcileServer` runs under a server's lock before that server is
 * installed or updated. Neither touches a live install's files: only a lock holder may be
 * mid-install.
 */
import { readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { readPointer, sweepStaging, switchPointer } from './layout'
import { acquireLock, isLockHeld } from './lock'
import type { ServiceContext } from './service-context'
import { findRecord } from './server-view'

/**
 * Removes staging directories whose owner process is gone, server directories no record points
 * to (an install killed between the rename and the record), and server locks a killed run left
 * behind. Returns what it removed.
 */
export async function sweep(context: ServiceContext): Promise<string[]> {
  const removed = await sweepStaging(context.layout, { lockStaleMs: context.lockStaleMs, now: context.now })
  removed.push(...(await sweepStaleLocks(context)))
  const state = await context.state.read()
  const slugs = new Set(Object.values(state.servers).map((record) => record.slug))
  const entries = await readdir(context.layout.serversDir).catch(() => [] as string[])
  for (const slug of entries) {
    if (slugs.has(slug)) continue
    // The directory may be a live install's (renamed into place, record not yet written): only
    // its lock holder may be mid-install, so take the lock without waiting, then look again.
    const held = await acquireLock(context.layout.serverLock(slug), `cleanup ${slug}`, { staleMs: context.lockStaleMs, timeoutMs: 0 }).catch(() => undefined)
    if (!held) continue
    try {
      const fresh = await context.state.read()
      if (!Object.values(fresh.servers).some((record) => record.slug === slug)) {
        const directory = context.layout.serverDir(slug)
        await rm(directory, { recursive: true, force: true, maxRetries: 3 })
        removed.push(directory)
      }
    } finally {
      await held.release()
    }
  }
  return removed
}

/**
 * Server locks whose holder stopped keeping them fresh (it was killed): each is taken over the
 * way a waiting install would take it, then released, which removes it and its holder file. A
 * fresh lock, a live install's, is never touched.
 */
async function sweepStaleLocks(context: ServiceContext): Promise<string[]> {
  const locksDir = path.dirname(context.layout.serverLock('any'))
  const removed: string[] = []
  for (const entry of await readdir(locksDir).catch(() => [] as string[])) {
    if (!entry.endsWith('.lock')) continue
    const lockPath = path.join(locksDir, entry)
    if (await isLockHeld(lockPath, context.lockStaleMs)) continue
    const held = await acquireLock(lockPath, 'cleanup', { staleMs: context.lockStaleMs, timeoutMs: 0 }).catch(() => undefined)
    if (!held) continue
    await held.release()
    removed.push(lockPath)
  }
  return removed
}

/**
 * Holding the server's lock: makes its directory agree with its record. Version directories
 * and manifests no record names are removed (a run killed after the rename), and the pointer
 * is put back on the recorded active version (a run killed after switching it).
 */
export async function reconcileServer(context: ServiceContext, slug: string, name: string): Promise<void> {
  const record = findRecord(await context.state.read(), name)
  const serverDir = context.layout.serverDir(slug)
  if (!record) {
    await rm(serverDir, { recursive: true, force: true, maxRetries: 3 })
    return
  }
  const kept = new Set(Object.values(record.versions).map((version) => path.basename(version.directory)))
  const versionsDir = context.layout.versionsDir(slug)
  for (const entry of await readdir(versionsDir).catch(() => [] as string[])) {
    if (!kept.has(entry)) await rm(path.join(versionsDir, entry), { recursive: true, force: true, maxRetries: 3 })
  }
  const manifestsDir = path.dirname(context.layout.manifestFile(slug, 'x'))
  for (const entry of await readdir(manifestsDir).catch(() => [] as string[])) {
    if (!kept.has(entry.replace(/\.json$/, ''))) await rm(path.join(manifestsDir, entry), { force: true })
  }
  for (const entry of await readdir(serverDir).catch(() => [] as string[])) {
    if (entry.startsWith('current.') && entry.endsWith('.tmp')) await rm(path.join(serverDir, entry), { force: true })
  }
  const active = record.versions[record.activeVersion]
  if (active && (await readPointer(context.layout.currentLink(slug))) !== path.basename(active.directory)) {
    await switchPointer(context.layout.currentLink(slug), active.directory)
  }
}
