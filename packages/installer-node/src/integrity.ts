/**
 * Tarball integrity (SECURITY 1): the bytes downloaded must hash to the sha512 the registry
 * published in `dist.integrity`, checked before anything is written or unpacked. sha1
 * (`dist.shasum`) is not enough: it is broken, so a package without a sha512 is refused.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { TektonError } from '@tekton/mcp-discovery'
import { label } from './packument'

/** The sha512 digests (base64) listed in a Subresource Integrity string; other algorithms are ignored. */
export function sha512Digests(integrity: string | null | undefined): string[] {
  if (!integrity) return []
  return integrity
    .trim()
    .split(/\s+/)
    .filter((entry) => entry.startsWith('sha512-'))
    // An SRI entry may carry `?options` after the digest.
    .map((entry) => entry.slice('sha512-'.length).split('?')[0] as string)
    .filter((digest) => /^[A-Za-z0-9+/]{86}==$/.test(digest))
}

/** `sha512-<base64>` of `bytes`, npm's form. */
export function sha512Of(bytes: Uint8Array): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`
}

/**
 * The sha512 digests `integrity` lists; none is `E_INTEGRITY_MISSING`. Called before downloading:
 * a tarball that cannot be checked is not worth fetching.
 */
export function requireSha512(integrity: string | null | undefined, what: string): string[] {
  const expected = sha512Digests(integrity)
  if (expected.length > 0) return expected
  const listed = integrity ? ` (it lists ${integrity.trim().split(/\s+/).map((entry) => entry.split('-')[0]).join(', ')} only)` : ''
  throw new TektonError('E_INTEGRITY_MISSING', `${label} ${what} has no sha512 in the registry's dist.integrity${listed}; refusing to install it`, {
    hint: 'Without a sha512 the download cannot be checked; pick another version or ask the publisher to republish it',
  })
}

/**
 * Checks `bytes` against `integrity` and returns the verified `sha512-...` value. No sha512 in it
 * is `E_INTEGRITY_MISSING`; a different hash is `E_INTEGRITY_MISMATCH` naming both.
 */
export function verifyIntegrity(bytes: Uint8Array, integrity: string | null | undefined, what: string): string {
  const expected = requireSha512(integrity, what)
  const actual = createHash('sha512').update(bytes).digest()
  const matches = expected.some((digest) => {
    const wanted = Buffer.from(digest, 'base64')
    return wanted.length === actual.length && timingSafeEqual(wanted, actual)
  })
  const actualText = `sha512-${actual.toString('base64')}`
  if (!matches) {
    throw new TektonError('E_INTEGRITY_MISMATCH', `${label} ${what}: the tarball does not match the registry's integrity: expected sha512-${expected[0]}, got ${actualText}`, {
      hint: 'The download differs from what was published (a tampered mirror or proxy, or a broken cache); nothing was installed. Try again, or check the registry configuration',
    })
  }
  return actualText
}
