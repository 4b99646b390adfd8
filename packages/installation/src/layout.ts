/**
 * Where things live under the data directory:
 *
 *   installed.json                         the state (installed.json.lock while written)
 *   servers/<slug>/versions/<version>/     one directory per installed version
 *   servers/<slug>/manifests/<version>.json  the file digests recorded at install time
 *   servers/<slug>/current -> versions/<version>   the active version (switched atomically)
 *   servers/<slug>/data/                   a sandboxed server's own writable directory (its HOME)
 *   staging/<slug>.<random>/root/          an install in progress (owner.json says whose)
 *   locks/<slug>.lock                      the per-server lock (while installing)
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { mkdir, readFile, readdir, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { isLockHeld, isProcessAlive } from './lock'

export interface InstallationLayout {
  /** The data directory. */
  root: string
  stateFile: string
  serversDir: string
  stagingDir: string
  locksDir: string
  serverDir(slug: string): string
  versionsDir(slug: string): string
  versionDir(slug: string, directoryName: string): string
  manifestFile(slug: string, directoryName: string): string
  /** A sandboxed server's writable data directory, HOME inside its sandbox (kept across versions). */
  dataDir(slug: string): string
  /** The active-version pointer (a symlink; a junction on Windows). */
  currentLink(slug: string): string
  serverLock(slug: string): string
}

/** The layout under `root` (nothing is created). */
export function installationLayout(root: string): InstallationLayout {
  const base = path.resolve(root)
  const serversDir = path.join(base, 'servers')
  const locksDir = path.join(base, 'locks')
  return {
    root: base,
    stateFile: path.join(base, 'installed.json'),
    serversDir,
    stagingDir: path.join(base, 'staging'),
    locksDir,
    serverDir: (slug) => path.join(serversDir, slug),
    versionsDir: (slug) => path.join(serversDir, slug, 'versions'),
    versionDir: (slug, directoryName) => path.join(serversDir, slug, 'versions', directoryName),
    manifestFile: (slug, directoryName) => path.join(serversDir, slug, 'manifests', `${directoryName}.json`),
    currentLink: (slug) => path.join(serversDir, slug, 'current'),
    dataDir: (slug) => path.join(serversDir, slug, 'data'),
    serverLock: (slug) => path.join(locksDir, `${slug}.lock`),
  }
}

/** Who a staging directory belongs to. */
export interface StagingOwner {
  pid: number
  hostname: string
  /** ISO time the staging directory was made. */
  startedAt: string
  slug: string
  purpose: string
}

export interface Staging {
  /** The empty directory handed to the installer. */
  dir: string
  /** The directory holding `dir` and `owner.json`. */
  container: string
  /** Removes the container and anything left in it. */
  dispose(): Promise<void>
}

const ownerFileName = 'owner.json'

/**
 * Makes `staging/<slug>.<random>/root/`, with `owner.json` beside `root` (not inside: the
 * installer's directory starts empty). The container appears with its owner file already in it
 * (made under a `.tmp` name, then renamed), so a sweep never sees an ownerless live directory.
 */
export async function createStaging(layout: InstallationLayout, slug: string, purpose: string, now: () => number = Date.now): Promise<Staging> {
  await mkdir(layout.stagingDir, { recursive: true })
  const name = `${slug}.${randomBytes(6).toString('hex')}`
  const container = path.join(layout.stagingDir, name)
  const building = `${container}.tmp`
  await mkdir(building)
  const owner: StagingOwner = { pid: process.pid, hostname: hostname(), startedAt: new Date(now()).toISOString(), slug, purpose }
  await writeFile(path.join(building, ownerFileName), JSON.stringify(owner), { mode: 0o600 })
  await rename(building, container)
  const dir = path.join(container, 'root')
  await mkdir(dir)
  return { dir, container, dispose: () => rm(container, { recursive: true, force: true, maxRetries: 3 }) }
}

async function readOwner(container: string): Promise<StagingOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(path.join(container, ownerFileName), 'utf8')) as Partial<StagingOwner>
    if (typeof owner.pid === 'number' && typeof owner.hostname === 'string' && typeof owner.slug === 'string') return owner as StagingOwner
  } catch {
    // Missing or torn: judged by age below.
  }
  return undefined
}

/**
 * Removes staging directories whose owner is dead: on this machine, its process is gone; from
 * another machine (a shared data directory), its server lock is no longer kept fresh. A live
 * install's directory is never touched. An ownerless directory (a process killed while making
 * it) is removed once it is a minute old. Returns what was removed.
 */
export async function sweepStaging(layout: InstallationLayout, options: { lockStaleMs: number; now?: () => number }): Promise<string[]> {
  const now = options.now ?? Date.now
  const names = await readdir(layout.stagingDir).catch(() => [] as string[])
  const removed: string[] = []
  const here = hostname()
  for (const name of names) {
    const container = path.join(layout.stagingDir, name)
    const owner = await readOwner(container)
    let dead: boolean
    if (!owner) {
      const info = await stat(container).catch(() => undefined)
      dead = info !== undefined && now() - info.mtimeMs > 60_000
    } else if (owner.hostname === here) {
      dead = owner.pid !== process.pid && !isProcessAlive(owner.pid)
    } else {
      dead = !(await isLockHeld(layout.serverLock(owner.slug), options.lockStaleMs))
    }
    if (dead) {
      await rm(container, { recursive: true, force: true, maxRetries: 3 })
      removed.push(container)
    }
  }
  return removed
}

/**
 * Points `link` at `targetDir` atomically: a new link under a temporary name, renamed over the
 * old one, so a reader sees the old target or the new one, never none.
 */
export async function switchPointer(link: string, targetDir: string): Promise<void> {
  const temporary = `${link}.${randomBytes(4).toString('hex')}.tmp`
  if (process.platform === 'win32') {
    // Junctions need no privilege but take absolute targets; Windows cannot rename over a
    // directory link, so there the switch is remove-then-create (not atomic).
    await symlink(targetDir, temporary, 'junction')
    await rm(link, { force: true, recursive: false }).catch(() => undefined)
  } else {
    await symlink(path.relative(path.dirname(link), targetDir), temporary, 'dir')
  }
  try {
    await rename(temporary, link)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
}

/** The directory name the pointer designates (`1.2.3`), or undefined when there is none. */
export async function readPointer(link: string): Promise<string | undefined> {
  try {
    return path.basename(await readlink(link))
  } catch {
    return undefined
  }
}
