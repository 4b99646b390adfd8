/**
 * Server names become directory names. A name comes from registry data, so it is checked
 * before anything is written (SECURITY 20), and then mapped to a slug that is safe on every
 * file system and unique for any two names.
 */
import { createHash } from 'node:crypto'
import { TektonError, controlCharacterPattern } from '@tekton/mcp-discovery'

/** Longest server name accepted: npm's limit for a package name. */
export const maxServerNameLength = 214

// Letters, digits and the punctuation real names use (`@scope/name`, `io.github.owner/name`,
// `ghcr.io/owner/image`). No spaces, quotes, `$`, `;`, `|`, `&`, backslashes or colons.
const allowedCharacters = /^[A-Za-z0-9@._~/-]+$/

function invalidName(name: string, reason: string): TektonError {
  const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name)
  return new TektonError('E_INVALID_NAME', `Invalid server name ${shown}: ${reason}`, {
    hint: 'Server names look like name, @scope/name or io.github.owner/name: letters, digits, @ . _ ~ - and at most two /',
  })
}

/**
 * Checks a server name, throwing `E_INVALID_NAME` when it holds `..`, a slash out of place
 * (leading, trailing, doubled, more than two), control or invisible characters, shell
 * metacharacters, or is longer than 214 characters.
 */
export function assertValidServerName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) throw invalidName(String(name ?? ''), 'it is empty')
  if (name.length > maxServerNameLength) throw invalidName(name, `it is longer than ${maxServerNameLength} characters`)
  if (controlCharacterPattern.test(name)) throw invalidName(name, 'it contains control or invisible characters')
  if (!allowedCharacters.test(name)) throw invalidName(name, 'it contains characters other than letters, digits, @ . _ ~ - /')
  if (name.includes('..')) throw invalidName(name, 'it contains ..')
  const segments = name.split('/')
  if (segments.length > 3) throw invalidName(name, 'it has more than two /')
  segments.forEach((segment, index) => {
    if (segment === '') throw invalidName(name, 'a / is leading, trailing or doubled')
    if (segment.startsWith('.')) throw invalidName(name, 'a part starts with .')
    if (segment.includes('@') && !(index === 0 && segment.startsWith('@') && segment.indexOf('@', 1) === -1 && segments.length > 1)) {
      throw invalidName(name, '@ may only start a scope (@scope/name)')
    }
  })
  if (!/^[A-Za-z0-9@]/.test(name)) throw invalidName(name, 'it must start with a letter, a digit or @')
}

/**
 * A directory name for a server: lower-case `[a-z0-9-]` from the name, then 8 hex digits of its
 * SHA-256, so `@Scope/Name` and `scope-name` (which read alike) still get different slugs.
 * `@modelcontextprotocol/server-filesystem` → `modelcontextprotocol-server-filesystem-3f1c2a9b`.
 */
export function serverSlug(name: string): string {
  assertValidServerName(name)
  const readable = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '')
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8)
  return readable ? `${readable}-${hash}` : hash
}

const safeVersionPattern = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/

/**
 * A directory name for a version: the version itself when it is plain (`1.2.3`, `1.0.0-beta.1`),
 * else a safe form plus a hash (`sha256:ab…` → `sha256-ab…-1a2b3c4d`). Versions come from
 * registries, so `../x` never becomes a path.
 */
export function versionDirectoryName(version: string): string {
  if (typeof version !== 'string' || version.length === 0 || version.length > 300 || controlCharacterPattern.test(version)) {
    throw new TektonError('E_INVALID_VERSION', `Invalid version ${JSON.stringify(String(version).slice(0, 80))}`, { hint: 'Versions look like 1.2.3' })
  }
  if (safeVersionPattern.test(version) && !version.includes('..')) return version
  const readable = version.replace(/[^A-Za-z0-9._+-]+/g, '-').replace(/\.{2,}/g, '.').replace(/^[^A-Za-z0-9]+/, '').slice(0, 60)
  const hash = createHash('sha256').update(version).digest('hex').slice(0, 8)
  return readable ? `${readable}-${hash}` : hash
}
