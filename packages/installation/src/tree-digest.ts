/**
 * A digest of a directory tree: every file's SHA-256 (and executable bit), every symlink's
 * target, by relative path. Recorded at install time; `verifyServer` recomputes it and lists
 * what changed, went missing or appeared.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { lstat, readdir, readlink } from 'node:fs/promises'
import path from 'node:path'

/** One entry of a tree manifest. */
export type TreeEntry = { type: 'file'; sha256: string; size: number; executable: boolean } | { type: 'symlink'; target: string }

export interface TreeManifest {
  /** `sha256:<hex>` over the sorted entries. */
  digest: string
  /** Relative path (with `/`) → entry. */
  files: Record<string, TreeEntry>
  fileCount: number
  totalBytes: number
}

export interface TreeDifference {
  changed: string[]
  missing: string[]
  added: string[]
}

function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256')
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')))
  })
}

/** Runs `work` over `items`, at most `limit` at a time (a node_modules tree has thousands of files). */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next]!
      next += 1
      await work(item)
    }
  })
  await Promise.all(workers)
}

/** The digest of a manifest's entries: the same files give the same digest on any machine. */
export function manifestDigest(files: Record<string, TreeEntry>): string {
  const hash = createHash('sha256')
  for (const name of Object.keys(files).sort()) {
    const entry = files[name]!
    const line = entry.type === 'file' ? `file ${entry.executable ? 'x' : '-'} ${entry.sha256} ${name}` : `symlink ${entry.target} ${name}`
    hash.update(`${line}\n`)
  }
  return `sha256:${hash.digest('hex')}`
}

/** Hashes every file under `root` (symlinks are recorded, not followed; empty directories do not count). */
export async function hashTree(root: string): Promise<TreeManifest> {
  const files: Record<string, TreeEntry> = {}
  const pendingFiles: Array<{ relative: string; absolute: string; size: number; executable: boolean }> = []
  let totalBytes = 0
  async function walk(directory: string, prefix: string): Promise<void> {
    const entries = await readdir(directory, { withFileTypes: true })
    for (const entry of entries) {
      const absolute = path.join(directory, entry.name)
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name
      if (entry.isSymbolicLink()) {
        files[relative] = { type: 'symlink', target: await readlink(absolute) }
      } else if (entry.isDirectory()) {
        await walk(absolute, relative)
      } else if (entry.isFile()) {
        const info = await lstat(absolute)
        totalBytes += info.size
        pendingFiles.push({ relative, absolute, size: info.size, executable: (info.mode & 0o111) !== 0 })
      }
      // Sockets, FIFOs and devices have no content to hash; a server that leaves one is odd but harmless.
    }
  }
  await walk(root, '')
  await forEachLimited(pendingFiles, 16, async (file) => {
    files[file.relative] = { type: 'file', sha256: await hashFile(file.absolute), size: file.size, executable: file.executable }
  })
  const sorted = Object.fromEntries(Object.keys(files).sort().map((name) => [name, files[name]!]))
  return { digest: manifestDigest(sorted), files: sorted, fileCount: Object.keys(sorted).length, totalBytes }
}

/** What differs between a recorded manifest and the tree now. */
export function compareTrees(recorded: Record<string, TreeEntry>, current: Record<string, TreeEntry>): TreeDifference {
  const difference: TreeDifference = { changed: [], missing: [], added: [] }
  for (const [name, entry] of Object.entries(recorded)) {
    const now = current[name]
    if (!now) difference.missing.push(name)
    else if (JSON.stringify(canonicalEntry(now)) !== JSON.stringify(canonicalEntry(entry))) difference.changed.push(name)
  }
  for (const name of Object.keys(current)) if (!(name in recorded)) difference.added.push(name)
  difference.changed.sort()
  difference.missing.sort()
  difference.added.sort()
  return difference
}

function canonicalEntry(entry: TreeEntry): unknown {
  return entry.type === 'file' ? ['file', entry.sha256, entry.executable] : ['symlink', entry.target]
}
