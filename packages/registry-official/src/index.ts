/**
 * @tekton/mcp-registry-official: the official MCP Registry, or any registry speaking its v0.1
 * API (sub-registries, company mirrors), as a RegistrySource for @tekton/mcp-discovery, with a
 * local catalogue kept current by incremental sync so search is fast and works offline.
 */
export { createOfficialRegistry } from './official-registry'
export type { CatalogInfo, OfficialRegistryOptions, OfficialRegistrySource, SyncStats } from './official-registry'
export { defaultRegistryUrl, registryTokenVariable, registryUrlVariable } from './config'
