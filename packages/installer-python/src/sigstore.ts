/**
 * The Sigstore side of PEP 740, from @tekton/mcp-provenance (sigstore-js against a pinned trusted
 * root, the same verifier npm provenance goes through): loaded on first use, because most Python
 * installs never need it and sigstore-js is not small, and built once per trusted root, because
 * turning a trusted root into trust material is not free.
 */
import type { SigstoreTrustedRootJson } from '@tekton/mcp-provenance'
import type { PypiAttestationVerifier } from './pypi-provenance'

/** Sigstore's `trusted_root.json` object (`dev.sigstore.trustedroot.v1`), as @tekton/mcp-provenance takes it. */
export type TrustedRootJson = SigstoreTrustedRootJson

/**
 * A loader of the verifier for `trustedRoot`, or, without one, for the root named by
 * `TEKTON_MCP_SIGSTORE_TRUSTED_ROOT` in `env` (else Sigstore's public-good root, pinned).
 * A bad trusted-root file fails the install that needs it (`E_CONFIG`), not the ones that do not.
 */
export function attestationVerifierLoader(trustedRoot: TrustedRootJson | undefined): (env: NodeJS.ProcessEnv) => Promise<PypiAttestationVerifier> {
  const byRoot = new Map<string, Promise<PypiAttestationVerifier>>()
  return (env) => {
    const key = trustedRoot === undefined ? `env:${env.TEKTON_MCP_SIGSTORE_TRUSTED_ROOT ?? ''}` : 'option'
    let loading = byRoot.get(key)
    if (loading === undefined) {
      loading = import('@tekton/mcp-provenance').then(({ bundleFromPypiAttestation, createAttestationVerifier, trustedRootFromEnvironment }) => {
        const verifier = createAttestationVerifier(trustedRoot ?? trustedRootFromEnvironment(env))
        return { bundleFrom: bundleFromPypiAttestation, verify: (input) => verifier.verify(input) }
      })
      // A failure (a bad root file) is not remembered: the next install reads the file again.
      loading.catch(() => byRoot.delete(key))
      byRoot.set(key, loading)
    }
    return loading
  }
}
