/**
 * @tekton/mcp-registry-official: the official MCP Registry, or any registry speaking its v0.1
 * API (sub-registries, company mirrors), as a RegistrySource for @tekton/mcp-discovery, with a
 * local catalogue kept current by incremental sync so search is fast and works offline.
 */
export { createOfficialRegistry } from './official-registry'
export type { CatalogInfo, OfficialRegistryOptions, OfficialRegistrySource, SyncStats } from './official-registry'
export {
  defaultCatalogDir,
  defaultRegistryUrl,
  isOfficialRegistry,
  normalizeRegistryUrl,
  registryDisplayName,
  registryTokenVariable,
  registryUrlVariable,
  resolveRegistryUrl,
} from './config'
export {
  cleanServerJson,
  entriesToVersions,
  entryToMetadata,
  entryUrl,
  isRegistryName,
  officialListingDetail,
  officialMetaOf,
  packageFactValue,
  registryPackageFacts,
  registrySourceId,
  salvagePackage,
  salvageRemote,
  statusOf,
} from './mapping'
export type { MappingContext } from './mapping'
export { OfficialMetaSchema, OfficialServerEntrySchema, OfficialServerListSchema, nextCursorOf } from './schemas'
export type { OfficialMeta, OfficialServerEntry, OfficialServerList } from './schemas'
export { catalogFileName, catalogFormat, matchScore, readCatalog, searchCatalog, searchWords } from './catalog'
export type { Catalog, CatalogEntry, CatalogFile } from './catalog'
export { isPrerelease } from './versions'
