/**
 * The Sigstore trusted root attestations are verified against, pinned in the package rather than
 * fetched at run time: whoever controls the network or the registry cannot swap it, and
 * verification works offline. `sigstore-public-good-trusted-root.json` is Sigstore's public-good
 * `trusted_root.json` (dev.sigstore.trustedroot.v1) exactly as published in
 * github.com/sigstore/root-signing `targets/trusted_root.json` (commit c9bda74ad222, 2025-09-22:
 * Rekor v1 and the Rekor v2 log2025-1, the CT logs, both Fulcio CAs and the timestamp authority).
 * When the public-good root rotates, this file changes with a release; a private Sigstore (or a
 * test) hands its own root through `TEKTON_MCP_SIGSTORE_TRUSTED_ROOT` or the installers' options.
 */
import { readFileSync } from 'node:fs'
import { TektonError } from '@tekton/mcp-discovery'
import { TrustedRoot } from '@sigstore/protobuf-specs'
import { toTrustMaterial } from '@sigstore/verify'
import type { TrustMaterial } from '@sigstore/verify'
import publicGoodRoot from './sigstore-public-good-trusted-root.json' with { type: 'json' }

/** A `trusted_root.json` object (dev.sigstore.trustedroot.v1 JSON: tlogs, ctlogs, certificateAuthorities, timestampAuthorities). */
export type SigstoreTrustedRootJson = Record<string, unknown>

/** Sigstore's public-good trusted root, pinned in the package. */
export const sigstorePublicGoodTrustedRoot: SigstoreTrustedRootJson = publicGoodRoot

/** The variable naming a trusted_root.json file to use instead of the pinned one. */
export const trustedRootVariable = 'TEKTON_MCP_SIGSTORE_TRUSTED_ROOT'

const label = '[provenance]'

/**
 * The keys and certificates of a trusted root, in the form sigstore-js verifies with. Throws
 * when the object is not a usable trusted root (no certificate authority or no transparency log,
 * or keys and certificates that do not parse).
 */
export function trustMaterialOf(root: SigstoreTrustedRootJson): TrustMaterial {
  if (typeof root !== 'object' || root === null || Array.isArray(root)) throw new Error('a trusted root is a JSON object')
  const parsed = TrustedRoot.fromJSON(root)
  if (parsed.certificateAuthorities.length === 0) throw new Error('it names no certificate authority (certificateAuthorities)')
  if (parsed.tlogs.length === 0) throw new Error('it names no transparency log (tlogs)')
  return toTrustMaterial(parsed)
}

/** The trusted root from `TEKTON_MCP_SIGSTORE_TRUSTED_ROOT` (a file), else the pinned public-good one. */
export function trustedRootFromEnvironment(env: Record<string, string | undefined>): SigstoreTrustedRootJson {
  const file = env[trustedRootVariable]
  if (file === undefined || file.trim() === '') return sigstorePublicGoodTrustedRoot
  let data: unknown
  try {
    data = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new TektonError('E_CONFIG', `${label} ${trustedRootVariable} names ${file}, which is not a readable JSON file: ${(error as Error).message}`, {
      cause: error,
      hint: `Point ${trustedRootVariable} at a Sigstore trusted_root.json, or unset it to use the pinned public-good root`,
    })
  }
  try {
    trustMaterialOf(data as SigstoreTrustedRootJson)
  } catch (error) {
    throw new TektonError('E_CONFIG', `${label} ${file} (${trustedRootVariable}) is not a Sigstore trusted root: ${(error as Error).message}`, {
      cause: error,
      hint: `Point ${trustedRootVariable} at a Sigstore trusted_root.json (tlogs, ctlogs, certificateAuthorities), or unset it to use the pinned public-good root`,
    })
  }
  return data as SigstoreTrustedRootJson
}
