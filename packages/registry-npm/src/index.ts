/**
 * @tekton/mcp-registry-npm: MCP servers on the npm registry, or on any mirror speaking its
 * protocol, as a RegistrySource for @tekton/mcp-discovery.
 */
export { createNpmRegistry } from './npm-registry'
export type { NpmRegistryDescription, NpmRegistryOptions, NpmRegistrySource } from './npm-registry'
export { findAuthToken, normalizeRegistryUrl, npmConfigCacheKey, parseNpmrc, registryFor, resolveNpmRegistry, substituteEnv } from './config'
export type { NpmExec, NpmRegistryOrigin, NpmRegistryTarget, ResolvedNpmRegistry, ResolveNpmRegistryOptions } from './config'
export { mcpKeywords, mcpReasons, normalizeKeywords, searchHitReasons } from './classify'
export type { McpSignals } from './classify'
export {
  latestVersion,
  mcpNameDetail,
  normalizeBin,
  normalizeLicense,
  normalizeRepository,
  npmSourceId,
  packumentToMetadata,
  packumentToVersions,
} from './mapping'
export type { NpmPackageEntry } from './mapping'
