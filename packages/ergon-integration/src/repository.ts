/**
 * RepositoryService, mirroring Ergon's (`ergon/core/repository/repository.py`) over the SQL store,
 * with the plan's MCP server methods. Every method behaves as Ergon's does, including where that
 * surprises: `getComponentByName` returns the first match (names are not unique), `updateComponent`
 * sets only the fields it is given (unknown ones are ignored, capabilities and parameters are left
 * alone) and bumps `updated_at`, `deleteComponent` is soft (`is_active = false`, children kept).
 * The defaults Ergon keeps in Python (version `0.1.0`, `is_active`, timestamps,
 * `implementation_type 'python'`, `required false`, `""` descriptions) are applied here.
 *
 * Search is over the same text Ergon indexes (name, description, `Capability:` and `Parameter:`
 * lines), with MiniSearch instead of a FAISS vector store: it needs no model, and a word from a
 * tool's description finds the tool.
 */
import MiniSearch from 'minisearch'
import { TektonError } from '@tekton/mcp-discovery'
import { componentDicts } from './component-dict'
import type { ComponentDict } from './component-dict'
import { componentTypes } from './schema'
import type { ErgonStore, Executor } from './store'
import { pythonJsonDumps, sqlBoolean, sqlTimestamp } from './values'

export interface CapabilityInput {
  name: string
  /** @default "" */
  description?: string
}
export interface ParameterInput {
  name: string
  /** @default "" */
  description?: string
  /** @default "string" */
  type?: string
  /** @default false */
  required?: boolean
  /** Stored as given (registration passes the JSON-stringified default). @default null */
  defaultValue?: string | null
}
export interface FileInput {
  filename: string
  path: string
  /** @default "text/plain" */
  contentType?: string
}

/** `create_tool`'s arguments. */
export interface CreateToolInput {
  name: string
  description: string
  entryPoint: string
  /** @default "python" */
  implementationType?: string
  capabilities?: readonly CapabilityInput[]
  parameters?: readonly ParameterInput[]
  /** String values only: `metadata.value` is TEXT NOT NULL. */
  metadata?: Readonly<Record<string, string>>
  files?: readonly FileInput[]
  /** @default "0.1.0" */
  version?: string
}

/** What the plan's `register_mcp_server(metadata, installed_info)` takes from the server's metadata. */
export interface McpServerMetadata {
  name: string
  description?: string
  /** The component's version. @default installedInfo.installedVersion, else "0.1.0" */
  version?: string
  capabilities?: readonly CapabilityInput[]
  metadata?: Readonly<Record<string, string>>
  /** Used when there is no installedInfo. */
  installationType?: string
  packageName?: string
  registrySource?: string
}

/** What an installation adds: how and where the server is installed. */
export interface McpInstalledInfo {
  /** The installer type (`node`, `python`, `docker`). */
  installationType: string
  /** The package identifier. */
  packageName: string
  registrySource?: string | null
  installedVersion?: string | null
  /** JSON; never holds secret values. */
  configuration?: unknown
}

export interface McpServerFilters {
  name?: string
  installationType?: string
  registrySource?: string
  /** @default true */
  activeOnly?: boolean
}

export interface SearchResult {
  component: ComponentDict
  score: number
}

/** Fields of the base table `updateComponent` may set (Ergon's `hasattr` on the model). */
const componentFields = new Set(['name', 'type', 'description', 'created_at', 'updated_at', 'version', 'is_active'])
const subtypeFields: Record<string, { table: 'tools' | 'repo_agents' | 'workflows' | 'mcp_servers'; fields: Set<string>; json: Set<string> }> = {
  [componentTypes.tool]: { table: 'tools', fields: new Set(['implementation_type', 'entry_point']), json: new Set() },
  [componentTypes.agent]: { table: 'repo_agents', fields: new Set(['model', 'system_prompt', 'tools']), json: new Set(['tools']) },
  [componentTypes.workflow]: { table: 'workflows', fields: new Set(['definition']), json: new Set(['definition']) },
  [componentTypes.mcpServer]: {
    table: 'mcp_servers',
    fields: new Set(['installation_type', 'package_name', 'registry_source', 'installed_version', 'configuration']),
    json: new Set(['configuration']),
  },
}

/** Ergon's repository service over the store (see the module comment). */
export class RepositoryService {
  readonly store: ErgonStore
  private readonly executor: Executor | undefined

  /** `executor`: a transaction to run in (see `transaction`); by default each method is its own. */
  constructor(store: ErgonStore, executor?: Executor) {
    this.store = store
    this.executor = executor
  }

  /** Runs `work` with a service whose every method runs in one write transaction. */
  async transaction<T>(work: (repository: RepositoryService) => Promise<T>): Promise<T> {
    if (this.executor) return work(this)
    return this.store.write((executor) => work(new RepositoryService(this.store, executor)))
  }

  private write<T>(work: (executor: Executor) => Promise<T>): Promise<T> {
    return this.executor ? work(this.executor) : this.store.write(work)
  }

  private get reader(): Executor {
    return this.executor ?? this.store.db
  }

  private timestamp(): string {
    return sqlTimestamp(this.store.now())
  }

  // ---------------------------------------------------------------- Ergon's methods

  /** `create_tool`: a `tools` row with its capabilities, parameters, metadata and files. */
  async createTool(input: CreateToolInput): Promise<ComponentDict> {
    return this.write(async (executor) => {
      const id = await this.insertComponent(executor, { name: input.name, description: input.description, type: componentTypes.tool, version: input.version })
      await executor
        .insertInto('tools')
        .values({ id, implementation_type: input.implementationType ?? 'python', entry_point: input.entryPoint })
        .execute()
      await this.insertChildren(executor, id, input)
      return (await this.load(executor, id))!
    })
  }

  /**
   * Many `create_tool`s at once: the same rows, written with a few statements for the whole
   * batch instead of several per tool (a server's fifty tools). Resolves to the new ids, in order.
   */
  async createTools(inputs: readonly CreateToolInput[]): Promise<number[]> {
    if (inputs.length === 0) return []
    return this.write(async (executor) => {
      const ids: number[] = []
      for (const chunk of chunks(inputs, batchRows)) {
        const now = this.timestamp()
        const names = chunk.map((input) => input.name)
        let chunkIds: number[]
        if (new Set(names).size === names.length) {
          // The ids come back matched by name: RETURNING promises no order, and names are unique here.
          const returned = await executor
            .insertInto('components')
            .values(chunk.map((input) => ({ name: input.name, type: componentTypes.tool, description: input.description, created_at: now, updated_at: now, version: input.version ?? '0.1.0', is_active: sqlBoolean(this.store.dialect, true) })))
            .returning(['id', 'name'])
            .execute()
          const byName = new Map(returned.map((row) => [row.name, Number(row.id)]))
          chunkIds = names.map((name) => byName.get(name)!)
        } else {
          chunkIds = []
          for (const input of chunk) chunkIds.push(await this.insertComponent(executor, { name: input.name, description: input.description, type: componentTypes.tool, version: input.version }))
        }
        await executor
          .insertInto('tools')
          .values(chunk.map((input, index) => ({ id: chunkIds[index]!, implementation_type: input.implementationType ?? 'python', entry_point: input.entryPoint })))
          .execute()
        await this.insertChildrenOf(executor, chunk.map((input, index) => ({ id: chunkIds[index]!, input })))
        ids.push(...chunkIds)
      }
      return ids
    })
  }

  /** The first component of each name (Ergon's `get_component_by_name`, for many names at once): id and type. */
  async firstComponentsByName(names: readonly string[]): Promise<Map<string, { id: number; type: string }>> {
    const found = new Map<string, { id: number; type: string }>()
    for (const chunk of chunks([...new Set(names)], batchRows)) {
      const rows = await this.reader.selectFrom('components').select(['id', 'name', 'type']).where('name', 'in', chunk).orderBy('id').execute()
      for (const row of rows) if (!found.has(row.name)) found.set(row.name, { id: Number(row.id), type: row.type })
    }
    return found
  }

  /** `get_component`: by id, any type, active or not; `null` when there is none. */
  async getComponent(id: number): Promise<ComponentDict | null> {
    return this.load(this.reader, id)
  }

  /** `get_component_by_name`: the first component with that name (names are not unique), or `null`. */
  async getComponentByName(name: string): Promise<ComponentDict | null> {
    const row = await this.reader.selectFrom('components').selectAll().where('name', '=', name).orderBy('id').limit(1).executeTakeFirst()
    return row ? ((await componentDicts(this.reader, [row]))[0] ?? null) : null
  }

  /** `list_components`: by type (`components.type`), active ones only unless `activeOnly: false`. */
  async listComponents(options: { componentType?: string; activeOnly?: boolean } = {}): Promise<ComponentDict[]> {
    let query = this.reader.selectFrom('components').selectAll().orderBy('id')
    if (options.componentType) query = query.where('type', '=', options.componentType)
    if (options.activeOnly !== false) query = query.where('is_active', '=', sqlBoolean(this.store.dialect, true))
    return componentDicts(this.reader, await query.execute())
  }

  /**
   * `search_components`: active components whose index text (see the module comment) matches,
   * best first, at most `limit` (default 10, as Ergon's).
   */
  async searchComponents(query: string, options: { componentType?: string; limit?: number } = {}): Promise<SearchResult[]> {
    const limit = options.limit ?? 10
    if (!Number.isInteger(limit) || limit < 1) throw new TektonError('E_INVALID_INPUT', `limit must be a positive whole number, got ${limit}`)
    const components = await this.listComponents({ ...(options.componentType ? { componentType: options.componentType } : {}) })
    const index = new MiniSearch<{ id: number; text: string }>({ fields: ['text'], storeFields: [] })
    index.addAll(components.map((component) => ({ id: component.id, text: indexText(component) })))
    const byId = new Map(components.map((component) => [component.id, component]))
    return index
      .search(query, { prefix: true, fuzzy: 0.2, combineWith: 'OR' })
      .slice(0, limit)
      .map((hit) => ({ component: byId.get(hit.id as number)!, score: hit.score }))
  }

  /**
   * `update_component`: sets the given fields that the component's model has (others are
   * ignored), bumps `updated_at`. Capabilities and parameters are left alone. `null` when absent.
   */
  async updateComponent(id: number, updates: Readonly<Record<string, unknown>>): Promise<ComponentDict | null> {
    return this.write(async (executor) => ((await this.applyUpdates(executor, id, updates)) ? this.load(executor, id) : null))
  }

  /** `update_component` without reading the component back; `false` when it is not there. */
  async updateComponentFields(id: number, updates: Readonly<Record<string, unknown>>): Promise<boolean> {
    return this.write((executor) => this.applyUpdates(executor, id, updates))
  }

  private async applyUpdates(executor: Executor, id: number, updates: Readonly<Record<string, unknown>>): Promise<boolean> {
    const current = await executor.selectFrom('components').select(['id', 'type']).where('id', '=', id).executeTakeFirst()
    if (!current) return false
    const base: Record<string, unknown> = {}
    const subtype: Record<string, unknown> = {}
    const own = subtypeFields[current.type]
    for (const [key, value] of Object.entries(updates)) {
      if (componentFields.has(key)) base[key] = key === 'is_active' ? (value === null ? null : sqlBoolean(this.store.dialect, Boolean(value))) : value
      else if (own?.fields.has(key)) subtype[key] = own.json.has(key) ? (value === null ? null : pythonJsonDumps(value)) : value
    }
    base.updated_at = this.timestamp()
    await executor.updateTable('components').set(base).where('id', '=', id).execute()
    if (own && Object.keys(subtype).length > 0) await executor.updateTable(own.table).set(subtype).where('id', '=', id).execute()
    return true
  }

  /** `delete_component`: soft (`is_active = false`, `updated_at` bumped); `false` when absent. */
  async deleteComponent(id: number): Promise<boolean> {
    return this.write(async (executor) => {
      const result = await executor
        .updateTable('components')
        .set({ is_active: sqlBoolean(this.store.dialect, false), updated_at: this.timestamp() })
        .where('id', '=', id)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    })
  }

  // ---------------------------------------------------------------- the plan's MCP methods

  /** `register_mcp_server`: a new `mcp_server` component with its `mcp_servers` row. */
  async registerMcpServer(metadata: McpServerMetadata, installedInfo?: McpInstalledInfo): Promise<ComponentDict> {
    const installationType = installedInfo?.installationType ?? metadata.installationType
    const packageName = installedInfo?.packageName ?? metadata.packageName
    if (!installationType || !packageName) {
      throw new TektonError('E_INVALID_INPUT', `registerMcpServer(${metadata.name}): installationType and packageName are required (from installedInfo or metadata)`)
    }
    return this.write(async (executor) => {
      const version = metadata.version ?? installedInfo?.installedVersion ?? undefined
      const id = await this.insertComponent(executor, { name: metadata.name, description: metadata.description ?? '', type: componentTypes.mcpServer, version })
      await executor
        .insertInto('mcp_servers')
        .values({
          id,
          installation_type: installationType,
          package_name: packageName,
          registry_source: installedInfo?.registrySource ?? metadata.registrySource ?? null,
          installed_version: installedInfo?.installedVersion ?? null,
          configuration: installedInfo?.configuration === undefined ? null : pythonJsonDumps(installedInfo.configuration),
        })
        .execute()
      await this.insertChildren(executor, id, { capabilities: metadata.capabilities, metadata: metadata.metadata })
      return (await this.load(executor, id))!
    })
  }

  /**
   * `update_mcp_server`: description and version from `metadata`, the installation columns from
   * `installedInfo`; `updated_at` bumped. Capabilities are replaced by `metadata.capabilities`
   * when given (a server's capabilities are its tools, which an update changes). `null` when absent.
   */
  async updateMcpServer(id: number, metadata?: Partial<McpServerMetadata>, installedInfo?: Partial<McpInstalledInfo>): Promise<ComponentDict | null> {
    return this.write(async (executor) => {
      const current = await executor.selectFrom('components').select(['id', 'type']).where('id', '=', id).executeTakeFirst()
      if (!current || current.type !== componentTypes.mcpServer) return null
      const updates: Record<string, unknown> = {}
      if (metadata?.description !== undefined) updates.description = metadata.description
      const version = metadata?.version ?? installedInfo?.installedVersion ?? undefined
      if (version) updates.version = version
      if (installedInfo?.installationType !== undefined) updates.installation_type = installedInfo.installationType
      if (installedInfo?.packageName !== undefined) updates.package_name = installedInfo.packageName
      if (installedInfo?.registrySource !== undefined) updates.registry_source = installedInfo.registrySource
      if (installedInfo?.installedVersion !== undefined) updates.installed_version = installedInfo.installedVersion
      if (installedInfo?.configuration !== undefined) updates.configuration = installedInfo.configuration
      const bound = new RepositoryService(this.store, executor)
      await bound.updateComponent(id, updates)
      if (metadata?.capabilities) await bound.replaceCapabilities(id, metadata.capabilities)
      if (metadata?.metadata) await bound.setMetadata(id, metadata.metadata)
      return this.load(executor, id)
    })
  }

  /** `get_mcp_servers`: registered servers matching the filters (active ones unless `activeOnly: false`). */
  async getMcpServers(filters: McpServerFilters = {}): Promise<ComponentDict[]> {
    let query = this.reader
      .selectFrom('components')
      .innerJoin('mcp_servers', 'mcp_servers.id', 'components.id')
      .selectAll('components')
      .where('components.type', '=', componentTypes.mcpServer)
      .orderBy('components.id')
    if (filters.name !== undefined) query = query.where('components.name', '=', filters.name)
    if (filters.installationType !== undefined) query = query.where('mcp_servers.installation_type', '=', filters.installationType)
    if (filters.registrySource !== undefined) query = query.where('mcp_servers.registry_source', '=', filters.registrySource)
    if (filters.activeOnly !== false) query = query.where('components.is_active', '=', sqlBoolean(this.store.dialect, true))
    return componentDicts(this.reader, await query.execute())
  }

  // ---------------------------------------------------------------- shared by the integration

  /** Components of `type` carrying metadata `key = value` (e.g. a server's tools), any state. */
  async componentsWithMetadata(type: string, key: string, value: string): Promise<ComponentDict[]> {
    const rows = await this.reader
      .selectFrom('components')
      .selectAll()
      .where('type', '=', type)
      .where('id', 'in', (inner) => inner.selectFrom('metadata').select('component_id').where('key', '=', key).where('value', '=', value))
      .orderBy('id')
      .execute()
    return componentDicts(this.reader, rows)
  }

  /** Sets metadata keys (updating the first row of a key, adding missing ones). */
  async setMetadata(id: number, entries: Readonly<Record<string, string>>): Promise<void> {
    return this.write(async (executor) => {
    const existing = await executor.selectFrom('metadata').select(['id', 'key']).where('component_id', '=', id).orderBy('id').execute()
    for (const [key, value] of Object.entries(entries)) {
      const row = existing.find((candidate) => candidate.key === key)
      if (row) await executor.updateTable('metadata').set({ value }).where('id', '=', row.id).execute()
      else await executor.insertInto('metadata').values({ component_id: id, key, value }).execute()
    }
    })
  }

  /**
   * Makes a component's parameters these (matched by name: updated in place, added, and those no
   * longer declared removed). Ergon never does this itself; registration uses it for a tool whose
   * input schema changed, so the parameters Ergon shows are the ones the tool takes.
   */
  async replaceParameters(id: number, parameters: readonly ParameterInput[]): Promise<void> {
    return this.write(async (executor) => {
    const existing = await executor.selectFrom('parameters').select(['id', 'name']).where('component_id', '=', id).orderBy('id').execute()
    const wanted = new Set(parameters.map((parameter) => parameter.name))
    for (const parameter of parameters) {
      const values = parameterValues(this.store.dialect, id, parameter)
      const row = existing.find((candidate) => candidate.name === parameter.name)
      if (row) await executor.updateTable('parameters').set(values).where('id', '=', row.id).execute()
      else await executor.insertInto('parameters').values(values).execute()
    }
    const stale = existing.filter((row) => !wanted.has(row.name)).map((row) => row.id)
    if (stale.length > 0) await executor.deleteFrom('parameters').where('id', 'in', stale).execute()
    })
  }

  /** Makes a component's capabilities these (matched by name, as `replaceParameters`). */
  async replaceCapabilities(id: number, capabilities: readonly CapabilityInput[]): Promise<void> {
    return this.write(async (executor) => {
    const existing = await executor.selectFrom('capabilities').select(['id', 'name']).where('component_id', '=', id).orderBy('id').execute()
    const wanted = new Set(capabilities.map((capability) => capability.name))
    for (const capability of capabilities) {
      const row = existing.find((candidate) => candidate.name === capability.name)
      const description = capability.description ?? ''
      if (row) await executor.updateTable('capabilities').set({ description }).where('id', '=', row.id).execute()
      else await executor.insertInto('capabilities').values({ component_id: id, name: capability.name, description }).execute()
    }
    const stale = existing.filter((row) => !wanted.has(row.name)).map((row) => row.id)
    if (stale.length > 0) await executor.deleteFrom('capabilities').where('id', 'in', stale).execute()
    })
  }

  // ---------------------------------------------------------------- internals

  private async load(executor: Executor, id: number): Promise<ComponentDict | null> {
    const row = await executor.selectFrom('components').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? ((await componentDicts(executor, [row]))[0] ?? null) : null
  }

  /** The base row with Ergon's Python-side defaults. */
  private async insertComponent(executor: Executor, input: { name: string; description: string; type: string; version?: string | undefined }): Promise<number> {
    const now = this.timestamp()
    const row = await executor
      .insertInto('components')
      .values({
        name: input.name,
        type: input.type,
        description: input.description,
        created_at: now,
        updated_at: now,
        version: input.version ?? '0.1.0',
        is_active: sqlBoolean(this.store.dialect, true),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return Number(row.id)
  }

  private async insertChildren(executor: Executor, id: number, input: ChildrenInput): Promise<void> {
    await this.insertChildrenOf(executor, [{ id, input }])
  }

  /** The children of several components, one statement per table (per batch of rows). */
  private async insertChildrenOf(executor: Executor, components: ReadonlyArray<{ id: number; input: ChildrenInput }>): Promise<void> {
    const capabilities = components.flatMap(({ id, input }) => (input.capabilities ?? []).map((capability) => ({ component_id: id, name: capability.name, description: capability.description ?? '' })))
    for (const rows of chunks(capabilities, batchRows)) await executor.insertInto('capabilities').values(rows).execute()
    const parameters = components.flatMap(({ id, input }) => (input.parameters ?? []).map((parameter) => parameterValues(this.store.dialect, id, parameter)))
    for (const rows of chunks(parameters, batchRows)) await executor.insertInto('parameters').values(rows).execute()
    const metadata = components.flatMap(({ id, input }) => Object.entries(input.metadata ?? {}).map(([key, value]) => ({ component_id: id, key, value: String(value) })))
    for (const rows of chunks(metadata, batchRows)) await executor.insertInto('metadata').values(rows).execute()
    const files = components.flatMap(({ id, input }) => (input.files ?? []).map((file) => ({ component_id: id, filename: file.filename, path: file.path, content_type: file.contentType ?? 'text/plain' })))
    for (const rows of chunks(files, batchRows)) await executor.insertInto('component_files').values(rows).execute()
  }
}

type ChildrenInput = {
  capabilities?: readonly CapabilityInput[] | undefined
  parameters?: readonly ParameterInput[] | undefined
  metadata?: Readonly<Record<string, string>> | undefined
  files?: readonly FileInput[] | undefined
}

/** Rows per multi-row statement: 7 columns × 500 stays well under SQLite's 32,766 variables. */
const batchRows = 500

function chunks<Item>(items: readonly Item[], size: number): Item[][] {
  const result: Item[][] = []
  for (let index = 0; index < items.length; index += size) result.push(items.slice(index, index + size))
  return result
}

function parameterValues(dialect: ErgonStore['dialect'], componentId: number, parameter: ParameterInput) {
  return {
    component_id: componentId,
    name: parameter.name,
    description: parameter.description ?? '',
    type: parameter.type ?? 'string',
    required: sqlBoolean(dialect, parameter.required ?? false),
    default_value: parameter.defaultValue ?? null,
  }
}

/** The text Ergon's `_add_to_vector_store` builds for a component. */
export function indexText(component: ComponentDict): string {
  let text = `${component.name}\n${component.description}\n`
  for (const capability of component.capabilities) text += `Capability: ${capability.name} - ${capability.description}\n`
  for (const parameter of component.parameters) text += `Parameter: ${parameter.name} - ${parameter.description}\n`
  return text
}
