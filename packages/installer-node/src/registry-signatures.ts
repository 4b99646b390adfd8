/**
 * npm registry signatures, checked the way `npm audit signatures` checks them: the registry
 * publishes its ECDSA P-256 public keys at `/-/npm/v1/keys`, and signs `<name>@<version>:<integrity>`
 * for every version it serves (`dist.signatures`). A good signature means the name, version and
 * integrity (so the tarball) are what the registry published, whatever mirror or proxy served them.
 * A key counts only when it had not expired when the version was published.
 *
 * A registry that serves no keys (404: mirrors, private registries) cannot be checked: that is
 * a status (`no-keys`), not a failure; the trust rules decide whether it is acceptable.
 */
import { createPublicKey, verify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { TektonError } from '@tekton/mcp-discovery'
import type { HttpClient } from '@tekton/mcp-discovery'
import type { SignatureCheck } from '@tekton/mcp-installation'
import type { NpmRegistryTarget } from '@tekton/mcp-registry-npm'
import { z } from 'zod'
import { authorization } from './packument'

const RegistryKeySchema = z.object({
  keyid: z.string(),
  key: z.string(),
  keytype: z.string().nullish().catch(undefined),
  scheme: z.string().nullish().catch(undefined),
  expires: z.string().nullish().catch(undefined),
})
export const RegistryKeysSchema = z.object({ keys: z.array(RegistryKeySchema) })
export type RegistryKey = z.infer<typeof RegistryKeySchema>

export const DistSignatureSchema = z.object({ keyid: z.string(), sig: z.string() })
export type DistSignature = z.infer<typeof DistSignatureSchema>

/** A registry's keys, or `null` when it serves none. */
export type RegistryKeys = RegistryKey[] | null

/** How long fetched keys are reused (the registry rotates them rarely, and announces it). */
const keysTtlMs = 60 * 60 * 1000

/**
 * Fetches (and keeps for an hour, per registry URL) the registry's signing keys. A 404 means the
 * registry signs nothing (`null`); any other failure is thrown, since "keys unknown" must not
 * silently become "not signed".
 */
export function createKeysLoader(http: HttpClient, now: () => number): (target: NpmRegistryTarget, signal?: AbortSignal) => Promise<RegistryKeys> {
  const cache = new Map<string, { keys: RegistryKeys; at: number }>()
  return async (target, signal) => {
    const cached = cache.get(target.baseUrl)
    if (cached && now() - cached.at < keysTtlMs) return cached.keys
    let keys: RegistryKeys
    try {
      const response = await http.getJson(`${target.baseUrl}/-/npm/v1/keys`, {
        source: 'installer-node',
        headers: { accept: 'application/json', ...authorization(target) },
        schema: RegistryKeysSchema,
        ...(signal ? { signal } : {}),
      })
      keys = response.data.keys
    } catch (error) {
      if (!(TektonError.isInstance(error) && error.code === 'E_NOT_FOUND')) throw error
      keys = null
    }
    cache.set(target.baseUrl, { keys, at: now() })
    return keys
  }
}

function publicKeyOf(key: RegistryKey): KeyObject | undefined {
  try {
    return createPublicKey({ key: Buffer.from(key.key, 'base64'), format: 'der', type: 'spki' })
  } catch {
    return undefined
  }
}

/**
 * Checks a version's `dist.signatures` against the registry's keys. `publishedAt` (epoch ms) is
 * when the version was published: a key whose `expires` is at or before it does not count.
 */
export function checkRegistrySignatures(input: {
  name: string
  version: string
  integrity: string | undefined
  signatures: readonly DistSignature[] | undefined
  keys: RegistryKeys
  publishedAt: number
  registry: string
}): SignatureCheck {
  const { name, version, integrity, keys } = input
  const what = `${name}@${version}`
  const signatures = input.signatures ?? []
  const present = signatures.length > 0
  if (keys === null || keys.length === 0) {
    return { status: 'no-keys', present, detail: `the registry ${input.registry} serves no signing keys (a mirror or private registry?)` }
  }
  if (!present) return { status: 'failed', present, code: 'E_SIGNATURE_MISSING', detail: `the registry publishes signing keys but ${what} carries no signature` }
  const message = Buffer.from(`${name}@${version}:${integrity ?? ''}`)
  for (const signature of signatures) {
    const key = keys.find((candidate) => candidate.keyid === signature.keyid)
    if (!key) {
      return { status: 'failed', present, keyId: signature.keyid, code: 'E_SIGNATURE_UNKNOWN_KEY', detail: `${what} is signed with key ${signature.keyid}, which the registry does not list` }
    }
    if (key.expires) {
      const expires = Date.parse(key.expires)
      if (!Number.isNaN(expires) && expires <= input.publishedAt) {
        return { status: 'failed', present, keyId: key.keyid, code: 'E_SIGNATURE_KEY_EXPIRED', detail: `${what} was signed with key ${key.keyid}, which expired ${key.expires}, before the version was published (${new Date(input.publishedAt).toISOString()})` }
      }
    }
    const publicKey = publicKeyOf(key)
    let valid = false
    try {
      valid = publicKey !== undefined && verify('sha256', message, publicKey, Buffer.from(signature.sig, 'base64'))
    } catch {
      valid = false
    }
    if (!valid) {
      return { status: 'failed', present, keyId: key.keyid, code: 'E_SIGNATURE_INVALID', detail: `the signature by key ${key.keyid} does not match ${name}@${version}:${integrity ?? '(no integrity)'}` }
    }
  }
  const keyIds = [...new Set(signatures.map((signature) => signature.keyid))]
  return { status: 'verified', present, keyId: keyIds.join(', '), detail: `signed by the registry ${input.registry}` }
}
