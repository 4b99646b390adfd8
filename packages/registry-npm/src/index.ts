/**
 * @tekton/mcp-registry-npm: MCP servers on the npm registry, or on any mirror speaking its
 * protocol, as a RegistrySource for @tekton/mcp-discovery.
 */
export { createNpmRegistry } from './npm-registry'
export type { NpmRegistryOptions, NpmRegistrySource } from './npm-registry'
export { findAuthToken, normalizeRegistryUrl, npmConfigCacheKey, parseNpmrc, resolveNpmRegistry, substituteEnv } from './config'
export type { NpmExec, NpmRegistryOrigin, ResolvedNpmRegistry, ResolveNpmRegistryOptions } from './config'
export { mcpKeywords, mcpReasons } from './classify'
export type { McpSignals } from './classify'
export {
  latestVersion,
  mcpNameDetail,
  normalizeBin,
  normalizeKeywords,
  normalizeLicense,
  normalizeRepository,
  normalizeRepositoryUrl,
  npmSourceId,
  packumentToMetadata,
  packumentToVersions,
} from './mapping'
export type { NpmPackageEntry } from './mapping'
