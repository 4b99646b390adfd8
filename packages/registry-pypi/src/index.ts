/**
 * @tekton/mcp-registry-pypi: MCP servers on PyPI, or on any index speaking its Simple and JSON
 * APIs, as a RegistrySource for @tekton/mcp-discovery.
 */
export { createPypiRegistry } from './pypi-registry'
export type { PypiIndexDescription, PypiRegistryOptions, PypiRegistrySource } from './pypi-registry'
export { defaultIndexUrl, pipConfigFiles, resolvePypiIndex } from './config'
export type { PypiIndexOrigin, ResolvedPypiIndex, ResolvePypiIndexOptions } from './config'
export type { PypiReleaseFile } from './mapping'
export type { PypiIndexInfo } from './name-index'
export { searchEntries } from './index-search'
export type { IndexMatch } from './index-search'
