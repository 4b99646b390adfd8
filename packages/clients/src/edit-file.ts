/**
 * One change to a client's config file, made safely: under a lock (in our data dir, so nothing
 * is left next to the user's file but the backup), only when the file parses, through a text
 * edit that keeps the rest of the file, with a backup of the previous file beside it
 * (`<file>.tekton-mcp.bak`), written atomically (temporary file + rename) with the file's mode.
 */
import { createHash } from 'node:crypto'
import { chmod, copyFile, mkdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { TektonError } from '@tekton/mcp-discovery'
import { writeFileAtomic } from '@tekton/mcp-discovery/kit'
import { withLock } from '@tekton/mcp-installation'
import type { ConfigFormat } from './formats/format'

/** The suffix of the backup kept beside a client file we changed. */
export const backupSuffix = '.tekton-mcp.bak'

/** The file's text, or undefined when it does not exist. */
export async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** Parses a client's file, or `E_CLIENT_CONFIG_INVALID` naming the file and where it fails. */
export function parseClientFile(format: ConfigFormat, text: string, file: string): unknown {
  try {
    return format.parse(text)
  } catch (error) {
    throw new TektonError('E_CLIENT_CONFIG_INVALID', `${file} is not valid ${format.name.toUpperCase()}: ${(error as Error).message}`, {
      hint: 'Fix the file (or move it aside) and try again; it was not changed',
      cause: error,
    })
  }
}

export interface EditClientFileOptions {
  file: string
  format: ConfigFormat
  /** Text for a file that does not exist yet. */
  newFileText: string
  /** Where locks live (our data dir). */
  lockDirectory: string
  lockTimeoutMs: number
  /**
   * Computes the new text from the current one (parsed already); returns undefined to write
   * nothing. Runs under the lock, so what it read is what is replaced.
   */
  change: (text: string, exists: boolean) => Promise<string | undefined> | string | undefined
  /** Runs under the lock once the outcome is settled (written or not): records ownership. */
  committed?: (written: boolean) => Promise<void>
}

/** Applies `change` under the lock; returns whether the file was written and its backup. */
export async function editClientFile(options: EditClientFileOptions): Promise<{ written: boolean; backup?: string }> {
  const { file, format } = options
  await mkdir(options.lockDirectory, { recursive: true })
  const lockName = `client-${createHash('sha256').update(path.resolve(file)).digest('hex').slice(0, 16)}.lock`
  return withLock(path.join(options.lockDirectory, lockName), `edit ${file}`, { staleMs: 10_000, timeoutMs: options.lockTimeoutMs }, async (held) => {
    const existing = await readText(file)
    const text = existing ?? options.newFileText
    parseClientFile(format, text, file)
    const next = await options.change(text, existing !== undefined)
    if (next === undefined || (existing !== undefined && next === existing)) {
      await options.committed?.(false)
      return { written: false }
    }
    try {
      format.parse(next)
    } catch (error) {
      throw new TektonError('E_INTERNAL', `editing ${file} produced text that does not parse (${(error as Error).message}); nothing was written`, { cause: error })
    }
    let mode = 0o600
    let backup: string | undefined
    if (existing !== undefined) {
      mode = (await stat(file)).mode & 0o777
      backup = `${file}${backupSuffix}`
      await copyFile(file, backup)
    } else {
      await mkdir(path.dirname(file), { recursive: true })
    }
    held.assertHeld()
    await writeFileAtomic(file, next, { mode })
    // The umask narrowed the mode the temporary file was created with: give the file its own back.
    if (process.platform !== 'win32') await chmod(file, mode)
    await options.committed?.(true)
    return backup ? { written: true, backup } : { written: true }
  })
}
