/**
 * @tekton/mcp-registry-pypi: MCP servers on PyPI, or on any index speaking its Simple and JSON
 * APIs, as a RegistrySource for @tekton/mcp-discovery.
 */
export { createPypiRegistry } from './pypi-registry'
export type { PypiIndexDescription, PypiRegistryOptions, PypiRegistrySource } from './pypi-registry'
export { defaultIndexUrl, jsonApiUrlFor, normalizeIndexUrl, parsePipConfig, pipConfigFiles, resolvePypiIndex } from './config'
export type { PipConfig, PypiIndexOrigin, ResolvedPypiIndex, ResolvePypiIndexOptions } from './config'
export { classifyName, looksLikeMcpName, mcpDependencies, metadataReasons, nameReasons, nameRuleVersion, notServers, requirementName } from './classify'
export type { McpMetadataSignals, NameStrength } from './classify'
export {
  compareVersionsDescending,
  isPrerelease,
  mcpNameDetail,
  nameOnlyMetadata,
  normalizeLicense,
  normalizeRepository,
  projectToMetadata,
  projectToVersions,
  pypiSourceId,
  registryBaseUrlOf,
  repositoryFromUrl,
  splitKeywords,
  toReleaseFiles,
  websiteOf,
} from './mapping'
export type { MappingContext, PypiReleaseFile } from './mapping'
export { extractMcpName, PypiFileSchema, PypiInfoSchema, PypiProjectSchema } from './schemas'
export type { PypiFileData, PypiInfoData, PypiProjectData } from './schemas'
export { createPypiNameIndex, defaultIndexTtlMs } from './name-index'
export type { LoadedNameIndex, PypiIndexInfo, PypiNameIndex, PypiNameIndexOptions } from './name-index'
export { queryTerms, searchEntries, toEntries } from './index-search'
export type { IndexEntry, IndexMatch } from './index-search'
export { createSimpleIndexHtmlParser, createSimpleIndexJsonParser, fetchSimpleIndex, simpleIndexAccept, SimpleIndexFormatError } from './simple-index'
export type { FetchSimpleIndexOptions, FetchSimpleIndexResult, SimpleIndexParser, SimpleIndexSummary } from './simple-index'
export { indexFiles, readStoredIndex, storeFormat } from './index-store'
export type { StoredIndex, StoredIndexMeta } from './index-store'
