/**
 * @tekton/mcp-installer-node: MCP servers published on npm, installed into isolated prefixes from
 * integrity-verified tarballs with install scripts off, and launched with node directly.
 */
export { chooseBin, createNodeInstaller } from './node-installer'
export type { NodeInstaller, NodeInstallerOptions } from './node-installer'
export { defaultExec } from './exec'
export type { ExecOptions, ExecResult, NodeInstallerExec } from './exec'
export { InstallError, npmInstallArgs, tarballFileName } from './npm'
export { requireSha512, sha512Digests, sha512Of, verifyIntegrity } from './integrity'
export { parseVersionRequest, selectVersion } from './packument'
export type { InstallPackument, ReleaseAgeRule, SelectedVersion, VersionRequest } from './packument'
/** The PATH lookup installers use (the discovery kit's one), re-exported for embedders. */
export { findOnPath } from '@tekton/mcp-discovery/kit'
/**
 * Provenance is verified by @tekton/mcp-provenance (sigstore-js); the earlier names stay importable
 * from here: `trustedRootFrom` is `trustedRootFromEnvironment`, `sigstorePublicGoodRoot` the full
 * pinned public-good `trusted_root.json`, `TrustedRoot` its JSON object type.
 */
export {
  sigstorePublicGoodTrustedRoot as sigstorePublicGoodRoot,
  trustedRootFromEnvironment as trustedRootFrom,
  trustedRootVariable,
} from '@tekton/mcp-provenance'
export type { SigstoreTrustedRootJson as TrustedRoot } from '@tekton/mcp-provenance'
export { AttestationsResponseSchema, npmAttestationSubject, TrustedRootSchema, verifyProvenanceBundle } from './npm-provenance'
export { checkRegistrySignatures } from './registry-signatures'
export type { RegistryKey } from './registry-signatures'
