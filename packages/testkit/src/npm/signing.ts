/**
 * Registry signing keys made in the test, in the shape npm serves at `/-/npm/v1/keys`, and the
 * signatures npm puts in `dist.signatures`: ECDSA P-256 over `<name>@<version>:<integrity>`.
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto'
import type { KeyObject } from 'node:crypto'

export interface RegistrySigningKey {
  keyid: string
  privateKey: KeyObject
  /** The entry the fake serves in `/-/npm/v1/keys`. */
  entry: { keyid: string; keytype: 'ecdsa-sha2-nistp256'; scheme: 'ecdsa-sha2-nistp256'; key: string; expires: string | null }
}

/** A new P-256 key named like npm's (`SHA256:<base64 of the key's sha256>`). */
export function createRegistrySigningKey(options: { expires?: string | null; keyid?: string } = {}): RegistrySigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const der = publicKey.export({ type: 'spki', format: 'der' })
  const keyid = options.keyid ?? `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`
  return { keyid, privateKey, entry: { keyid, keytype: 'ecdsa-sha2-nistp256', scheme: 'ecdsa-sha2-nistp256', key: der.toString('base64'), expires: options.expires ?? null } }
}

/** npm's `dist.signatures` entry for a version. */
export function signNpmVersion(key: RegistrySigningKey, name: string, version: string, integrity: string): { keyid: string; sig: string } {
  return { keyid: key.keyid, sig: sign('sha256', Buffer.from(`${name}@${version}:${integrity}`), key.privateKey).toString('base64') }
}
