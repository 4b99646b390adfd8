/**
 * @tekton/mcp-provenance: Sigstore attestations (npm provenance, PyPI PEP 740) verified offline
 * with sigstore-js against a pinned trusted root. Installers build one verifier per install and
 * report its checks; the installation service's trust rules judge them.
 */
export { sigstorePublicGoodTrustedRoot, trustedRootFromEnvironment, trustedRootVariable } from './trusted-root'
export type { SigstoreTrustedRootJson } from './trusted-root'
export { createAttestationVerifier, inTotoPayloadType, predicateRepositoryOf, slsaPredicateTypes } from './verifier'
export type { AttestationSubject, AttestationVerifier } from './verifier'
export { bundleFromPypiAttestation, bundleV03MediaType } from './pypi'
export { certificateIdentityOf, fulcioExtensionOids } from './certificate-identity'
export type { CertificateIdentity } from './certificate-identity'
