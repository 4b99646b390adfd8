/**
 * @tekton/mcp-registry-npm: MCP servers on the npm registry, or on any mirror speaking its
 * protocol, as a RegistrySource for @tekton/mcp-discovery.
 */
export { createNpmRegistry } from './npm-registry'
export type { NpmRegistryDescription, NpmRegistryOptions, NpmRegistrySource } from './npm-registry'
export { normalizeRegistryUrl, registryFor, resolveNpmRegistry } from './config'
export type { NpmExec, NpmRegistryOrigin, NpmRegistryTarget, ResolvedNpmRegistry, ResolveNpmRegistryOptions } from './config'
export { normalizeBin } from './mapping'
export type { NpmPackageEntry } from './mapping'
