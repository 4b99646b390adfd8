/**
 * Replacing a file so that readers (other processes included) see the old content or the new,
 * never a torn mix, and so that a crash or power loss right after the write does not leave an
 * empty file behind: the data is flushed to disk (fsync) before the rename makes it visible, and
 * the directory after, so the rename itself is durable.
 */
import { randomBytes } from 'node:crypto'
import { open, rename, rm } from 'node:fs/promises'
import path from 'node:path'

/** Options of `writeFileAtomic`. */
export interface WriteFileAtomicOptions {
  /** Permission bits of the new file. @default 0o600 (readable by the user only) */
  mode?: number
  /**
   * Called after the data is on disk and before the rename: throw to abandon the write (the old
   * file stays). A writer holding a lock checks here that it still holds it.
   */
  beforeRename?: () => void | Promise<void>
}

/** The suffix of temporary files: `<file>.<pid>.<random>.tmp`. Sweepers match on it. */
export const temporaryFileSuffix = '.tmp'

/**
 * Writes `data` to `file` atomically: a temporary sibling (`<file>.<pid>.<random>.tmp`), fsync,
 * rename over `file`, fsync of the directory. The directory must exist. On failure the
 * temporary file is removed and `file` is as it was.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: WriteFileAtomicOptions = {}): Promise<void> {
  const directory = path.dirname(file)
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}${temporaryFileSuffix}`
  try {
    const handle = await open(temporary, 'wx', options.mode ?? 0o600)
    try {
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await options.beforeRename?.()
    await rename(temporary, file)
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined)
    throw error
  }
  await syncDirectory(directory)
}

/** Makes a rename durable. Windows cannot open a directory for this, and does not need to. */
async function syncDirectory(directory: string): Promise<void> {
  if (process.platform === 'win32') return
  const handle = await open(directory, 'r').catch(() => undefined)
  if (!handle) return
  try {
    await handle.sync()
  } catch {
    // Some file systems refuse fsync on directories; the rename itself is still atomic.
  } finally {
    await handle.close()
  }
}
