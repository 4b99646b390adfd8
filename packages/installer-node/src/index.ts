/**
 * @tekton/mcp-installer-node: MCP servers published on npm, installed into isolated prefixes from
 * integrity-verified tarballs with install scripts off, and launched with node directly.
 */
export { chooseBin, createNodeInstaller, trustedRootFrom, trustedRootVariable } from './node-installer'
export type { NodeInstaller, NodeInstallerOptions } from './node-installer'
export { defaultExec } from './exec'
export type { ExecOptions, ExecResult, NodeInstallerExec } from './exec'
export { InstallError, npmInstallArgs, tarballFileName } from './npm'
export { requireSha512, sha512Digests, sha512Of, verifyIntegrity } from './integrity'
export { parseVersionRequest, selectVersion } from './packument'
export type { InstallPackument, ReleaseAgeRule, SelectedVersion, VersionRequest } from './packument'
/** The PATH lookup installers use (the discovery kit's one), re-exported for embedders. */
export { findOnPath } from '@tekton/mcp-discovery/kit'
export { sigstorePublicGoodRoot, TrustedRootSchema } from './trusted-root'
export type { TrustedRoot } from './trusted-root'
export { verifyProvenanceBundle } from './provenance'
export { checkRegistrySignatures } from './registry-signatures'
export type { RegistryKey } from './registry-signatures'
