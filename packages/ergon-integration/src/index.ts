/**
 * @tekton/mcp-ergon: Ergon's repository in a real SQL store (SQLite by default, PostgreSQL through
 * DATABASE_URL), the repository service Ergon's code has, and installed MCP servers registered in
 * it with their tools.
 *
 * ```ts
 * const ergon = await createErgon({ installation }) // DATABASE_URL, else <TEKTON_ROOT>/Ergon/ergon.db
 * const { success, component_id, capabilities } = await ergon.integration.registerInstalledServer('server-memory')
 * const hits = await ergon.repository.searchComponents('knowledge graph')
 * await ergon.close()
 * ```
 */
export { autoRegisterVariable, autoRegistrationEnabled, createErgon } from './ergon'
export type { Ergon, ErgonOptions } from './ergon'
export { MCPServerIntegration, metadataKeys, toolComponentName } from './integration'
export type { RegistrationResult, ToolChanges } from './integration'
export { describeLocation, ergonDatabaseLocation, parseDatabaseUrl, redactUrl } from './location'
export type { DatabaseLocation, LocationSource } from './location'
export { RepositoryService, indexText } from './repository'
export type { CapabilityInput, CreateToolInput, FileInput, McpInstalledInfo, McpServerFilters, McpServerMetadata, ParameterInput, SearchResult } from './repository'
export type { CapabilityDict, ComponentDict, FileDict, ParameterDict } from './component-dict'
export { schemaVersion } from './migrations'
export { componentTypes, createIndexStatements, createTableStatement, ergonTables, mcpServersTable } from './schema'
export type { ColumnDefinition, Dialect, TableDefinition } from './schema'
export { inspectErgonStore, openErgonStore } from './store'
export type { ErgonDatabase, ErgonStore, Executor, OpenStoreOptions, StoreInspection, TableCheck } from './store'
export { parametersFromSchema, registerTool, registerTools, unregisterTool } from './tool-registration'
export type { JsonSchemaObject, ToolRegistration } from './tool-registration'
export { isoformat, pythonJsonDumps, sqlTimestamp } from './values'
