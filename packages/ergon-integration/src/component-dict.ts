/**
 * Components as Ergon's `to_dict()` serialises them: the same keys in the same order, snake_case,
 * timestamps in `isoformat()`, booleans as booleans, JSON columns parsed, metadata as a mapping
 * (a later row with the same key wins, as in Python's dict comprehension), child lists in the
 * order the database returns them (insertion order; we ask for it explicitly by id).
 */
import type { Executor } from './store'
import { componentTypes } from './schema'
import { isoformat, readBoolean, readJson } from './values'

export interface CapabilityDict {
  id: number
  name: string
  description: string
}
export interface ParameterDict {
  id: number
  name: string
  description: string
  type: string
  required: boolean | null
  default_value: string | null
}
export interface FileDict {
  id: number
  filename: string
  path: string
  content_type: string
}

/** `Component.to_dict()`, plus the subtype's own fields. */
export interface ComponentDict {
  id: number
  name: string
  type: string
  description: string
  created_at: string | null
  updated_at: string | null
  version: string
  is_active: boolean | null
  capabilities: CapabilityDict[]
  parameters: ParameterDict[]
  metadata: Record<string, string>
  files: FileDict[]
  /** Tool */
  implementation_type?: string
  entry_point?: string
  /** AgentComponent */
  model?: string
  system_prompt?: string
  tools?: unknown
  /** Workflow */
  definition?: unknown
  /** MCPServer */
  installation_type?: string
  package_name?: string
  registry_source?: string | null
  installed_version?: string | null
  configuration?: unknown
}

interface ComponentRow {
  id: number
  name: string
  type: string
  description: string
  created_at: string | null
  updated_at: string | null
  version: string
  is_active: unknown
}

/** Loads the components with these rows' ids, with children and subtype fields, in the rows' order. */
export async function componentDicts(executor: Executor, rows: readonly ComponentRow[]): Promise<ComponentDict[]> {
  if (rows.length === 0) return []
  const ids = rows.map((row) => Number(row.id))
  const [capabilities, parameters, metadata, files, tools, agents, workflows, servers] = await Promise.all([
    executor.selectFrom('capabilities').selectAll().where('component_id', 'in', ids).orderBy('id').execute(),
    executor.selectFrom('parameters').selectAll().where('component_id', 'in', ids).orderBy('id').execute(),
    executor.selectFrom('metadata').selectAll().where('component_id', 'in', ids).orderBy('id').execute(),
    executor.selectFrom('component_files').selectAll().where('component_id', 'in', ids).orderBy('id').execute(),
    subtypeRows(executor, rows, componentTypes.tool, 'tools'),
    subtypeRows(executor, rows, componentTypes.agent, 'repo_agents'),
    subtypeRows(executor, rows, componentTypes.workflow, 'workflows'),
    subtypeRows(executor, rows, componentTypes.mcpServer, 'mcp_servers'),
  ])
  const group = <Row extends { component_id: number }>(list: Row[]) => {
    const map = new Map<number, Row[]>()
    for (const row of list) {
      const key = Number(row.component_id)
      map.set(key, [...(map.get(key) ?? []), row])
    }
    return map
  }
  const capabilitiesOf = group(capabilities)
  const parametersOf = group(parameters)
  const metadataOf = group(metadata)
  const filesOf = group(files)
  return rows.map((row) => {
    const id = Number(row.id)
    const dict: ComponentDict = {
      id,
      name: row.name,
      type: row.type,
      description: row.description,
      created_at: isoformat(row.created_at),
      updated_at: isoformat(row.updated_at),
      version: row.version,
      is_active: readBoolean(row.is_active),
      capabilities: (capabilitiesOf.get(id) ?? []).map((item) => ({ id: Number(item.id), name: item.name, description: item.description })),
      parameters: (parametersOf.get(id) ?? []).map((item) => ({
        id: Number(item.id),
        name: item.name,
        description: item.description,
        type: item.type,
        required: readBoolean(item.required),
        default_value: item.default_value,
      })),
      metadata: Object.fromEntries((metadataOf.get(id) ?? []).map((item) => [item.key, item.value])),
      files: (filesOf.get(id) ?? []).map((item) => ({ id: Number(item.id), filename: item.filename, path: item.path, content_type: item.content_type })),
    }
    const tool = tools.get(id)
    if (row.type === componentTypes.tool) Object.assign(dict, { implementation_type: tool?.implementation_type ?? null, entry_point: tool?.entry_point ?? null })
    const agent = agents.get(id)
    if (row.type === componentTypes.agent) Object.assign(dict, { model: agent?.model ?? null, system_prompt: agent?.system_prompt ?? null, tools: readJson(agent?.tools) })
    const workflow = workflows.get(id)
    if (row.type === componentTypes.workflow) Object.assign(dict, { definition: readJson(workflow?.definition) })
    const server = servers.get(id)
    if (row.type === componentTypes.mcpServer) {
      Object.assign(dict, {
        installation_type: server?.installation_type ?? null,
        package_name: server?.package_name ?? null,
        registry_source: server?.registry_source ?? null,
        installed_version: server?.installed_version ?? null,
        configuration: readJson(server?.configuration),
      })
    }
    return dict
  })
}

type SubtypeTable = 'tools' | 'repo_agents' | 'workflows' | 'mcp_servers'

async function subtypeRows(executor: Executor, rows: readonly ComponentRow[], type: string, table: SubtypeTable): Promise<Map<number, Record<string, any>>> {
  const ids = rows.filter((row) => row.type === type).map((row) => Number(row.id))
  if (ids.length === 0) return new Map()
  const found = (await executor.selectFrom(table).selectAll().where('id', 'in', ids).execute()) as Array<Record<string, any>>
  return new Map(found.map((row) => [Number(row.id), row]))
}
