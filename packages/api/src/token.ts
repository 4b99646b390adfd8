/**
 * The API token: 32 random bytes (base64url), made on first start and kept in a file only its
 * owner can read (0600), so a page in the browser, another user on the machine or a process that
 * only reaches the port cannot change what is installed. Compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { mkdir, open, readFile, chmod } from 'node:fs/promises'
import path from 'node:path'

/** Bytes of randomness in a new token (SECURITY.md item 19 asks for at least 32). */
export const tokenBytes = 32

/**
 * The token in `file`, created (with its directory, mode 0700) when the file does not exist.
 * An existing file that is readable by others is narrowed to 0600; one holding too short a token
 * is an error rather than a silently weak lock.
 */
export async function loadOrCreateToken(file: string): Promise<{ token: string; created: boolean }> {
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw error
  })
  if (existing !== undefined) {
    const token = existing.trim()
    if (Buffer.byteLength(token) < tokenBytes) throw new Error(`${file} holds a token shorter than ${tokenBytes} characters; delete the file to make a new one`)
    await chmod(file, 0o600)
    return { token, created: false }
  }
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  const token = randomBytes(tokenBytes).toString('base64url')
  // 'wx': two instances starting together do not overwrite each other's token.
  const handle = await open(file, 'wx', 0o600).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') return undefined
    throw error
  })
  if (!handle) return loadOrCreateToken(file)
  try {
    await handle.writeFile(`${token}\n`)
  } finally {
    await handle.close()
  }
  return { token, created: true }
}

/** Whether `given` is `expected`, in time that does not depend on where they differ. */
export function tokensMatch(given: string, expected: string): boolean {
  // Digests first: timingSafeEqual needs equal lengths, and the length must not leak either.
  const left = createHash('sha256').update(given).digest()
  const right = createHash('sha256').update(expected).digest()
  return timingSafeEqual(left, right)
}
