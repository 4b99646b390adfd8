/**
 * What the node installer verifies about the version it picked, before anything is unpacked:
 * the registry's signature, the provenance attestation, and what the previous published version
 * carried (the no-downgrade baseline); ownership (`mcpName`) once the package's own package.json
 * is at hand. The result is reported, never judged here: the installation service's trust rules
 * decide (see `judgeVerification` in @tekton/mcp-installation).
 */
import type { HttpClient } from '@tekton/mcp-discovery'
import { releaseAgeAt } from '@tekton/mcp-installation'
import type { OwnershipCheck, ProvenanceCheck, PublishedTrust, VerificationResult } from '@tekton/mcp-installation'
import { publishTimeIn } from './release-age'
import { withoutCredentials } from '@tekton/mcp-discovery/kit'
import type { NpmRegistryTarget } from '@tekton/mcp-registry-npm'
import semver from 'semver'
import { z } from 'zod'
import { authorization, fetchPackument } from './packument'
import type { InstallPackument, SelectedVersion } from './packument'
import { slsaPredicateTypes } from '@tekton/mcp-provenance'
import type { AttestationVerifier } from '@tekton/mcp-provenance'
import { AttestationsResponseSchema, npmAttestationSubject } from './npm-provenance'
import { checkRegistrySignatures } from './registry-signatures'
import type { RegistryKeys } from './registry-signatures'

export interface VersionVerifier {
  /** Signature, provenance and release age of `selected`, and the previous published version's trust. */
  verify(input: { name: string; target: NpmRegistryTarget; packument: InstallPackument; selected: SelectedVersion; signal?: AbortSignal | undefined }): Promise<{ verification: VerificationResult; previousPublished?: PublishedTrust }>
}

/** The version published before `version` (by semver; prereleases only before a prerelease), with what its metadata carries. */
export function previousPublishedOf(packument: InstallPackument, version: string): PublishedTrust | undefined {
  const prerelease = semver.prerelease(version) !== null
  const older = Object.entries(packument.versions ?? {})
    .filter(([candidate, manifest]) => manifest !== null && semver.valid(candidate) === candidate && semver.lt(candidate, version) && (prerelease || semver.prerelease(candidate) === null))
    .sort(([a], [b]) => semver.rcompare(a, b))
  const [previous, manifest] = older[0] ?? []
  if (previous === undefined || !manifest) return undefined
  return { version: previous, signed: (manifest.dist?.signatures ?? []).length > 0, attested: Boolean(manifest.dist?.attestations?.provenance) }
}

/** Ownership from the installed package.json's `mcpName` against the registry name the server is listed under. */
export function npmOwnership(registryName: string | undefined, mcpName: string | undefined): OwnershipCheck {
  if (registryName === undefined) {
    return mcpName
      ? { status: 'unverified', detail: `the package claims ${mcpName} (mcpName) but was not found through the MCP registry, so there is nothing to compare` }
      : { status: 'unverified', detail: 'no MCP registry name to compare (not listed in the registry, no mcpName)' }
  }
  if (mcpName === undefined) return { status: 'unverified', detail: `listed as ${registryName}, but the package.json names no mcpName` }
  if (mcpName !== registryName) return { status: 'mismatch', detail: `listed as ${registryName}, but the package.json claims mcpName ${mcpName}` }
  return { status: 'verified', by: 'npm mcpName', detail: `the package.json claims ${mcpName}` }
}

export function createVersionVerifier(options: { http: HttpClient; now: () => number; attestationVerifier: AttestationVerifier; loadKeys: (target: NpmRegistryTarget, signal?: AbortSignal) => Promise<RegistryKeys> }): VersionVerifier {
  const { http, now, attestationVerifier, loadKeys } = options

  async function provenanceOf(input: { name: string; target: NpmRegistryTarget; selected: SelectedVersion; signal?: AbortSignal | undefined }): Promise<ProvenanceCheck> {
    const { name, selected, target, signal } = input
    const attestations = selected.manifest.dist.attestations
    if (!attestations?.provenance) return { status: 'absent', detail: `${name}@${selected.version} was published without provenance` }
    const integrity = selected.manifest.dist.integrity ?? ''
    let url: URL
    try {
      url = new URL(attestations.url, `${target.baseUrl}/`)
    } catch {
      return { status: 'failed', code: 'E_PROVENANCE_INVALID', detail: `the attestations URL ${JSON.stringify(attestations.url)} is not a URL` }
    }
    const onRegistry = url.origin === new URL(target.baseUrl).origin
    const response = await http.getJson(url.href, {
      source: 'installer-node',
      headers: { accept: 'application/json', ...(onRegistry ? authorization(target) : {}) },
      schema: AttestationsResponseSchema,
      ...(signal ? { signal } : {}),
    })
    const provenance = response.data.attestations.find((attestation) => slsaPredicateTypes.includes(attestation.predicateType))
    if (!provenance) return { status: 'failed', code: 'E_PROVENANCE_INVALID', detail: `${withoutCredentials(url.href)} holds no SLSA provenance attestation although the version says it has one` }
    return attestationVerifier.verify({ bundle: provenance.bundle, subject: npmAttestationSubject(name, selected.version, integrity) })
  }

  return {
    async verify({ name, target, packument, selected, signal }) {
      const registry = withoutCredentials(target.baseUrl)
      const [keys, provenance] = await Promise.all([loadKeys(target, signal), provenanceOf({ name, target, selected, signal })])
      let publishedAt = publishTimeIn(packument, selected.version)
      const signatures = selected.manifest.dist.signatures ?? undefined
      // Abbreviated packuments lack publish times; a key that expires needs one, so then the full document is read.
      const needsTime = publishedAt === undefined && (keys ?? []).some((key) => key.expires && (signatures ?? []).some((signature) => signature.keyid === key.keyid))
      if (needsTime) publishedAt = publishTimeIn(await fetchPackument(http, target, name, signal, { full: true }), selected.version)
      const signature = checkRegistrySignatures({ name, version: selected.version, integrity: selected.manifest.dist.integrity ?? undefined, signatures, keys, publishedAt: publishedAt ?? now(), registry })
      const previousPublished = previousPublishedOf(packument, selected.version)
      const verification: VerificationResult = {
        signature,
        provenance,
        ownership: { status: 'unverified', detail: "not yet: the package.json's mcpName is compared once installed" },
        ...releaseAgeAt(publishedAt, now()),
      }
      return { verification, ...(previousPublished ? { previousPublished } : {}) }
    },
  }
}

export const McpNameSchema = z.object({ mcpName: z.string().optional().catch(undefined) })
