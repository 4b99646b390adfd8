/**
 * Ergon's MCP tool registration (`ergon/core/repository/mcp/registration.py`), as it writes the
 * repository: a tool becomes a `tools` row with `implementation_type 'mcp'` and `entry_point` its
 * name; its parameters come from the schema's `properties` (type `string` when none is given,
 * `required` from the schema's `required`, the default as `json.dumps(default)`), its tags become
 * capabilities with an empty description. Registering a name that is already a tool updates only
 * `description`, `version`, `implementation_type` (and `updated_at`), as Ergon's does; unregistering
 * soft-deletes.
 */
import type { ComponentDict } from './component-dict'
import type { ParameterInput, RepositoryService } from './repository'
import { componentTypes } from './schema'
import { pythonJsonDumps } from './values'

/** `register_tool`'s arguments (without the Python callable). */
export interface ToolRegistration {
  /** The component's name (Ergon's registry key). */
  name: string
  description: string
  /** `{ name, parameters: { properties, required } }`, as registration.py's schema. */
  schema: { name: string; parameters?: JsonSchemaObject }
  tags?: readonly string[]
  metadata?: Readonly<Record<string, string>>
  /** @default "0.1.0" */
  version?: string
  /** The tool's own name, stored as `entry_point`. @default name */
  entryPoint?: string
}

/** The part of a JSON Schema object registration reads. */
export interface JsonSchemaObject {
  properties?: Record<string, unknown>
  required?: unknown
  [key: string]: unknown
}

/** The parameters registration.py derives from a tool's input schema. */
export function parametersFromSchema(schema: JsonSchemaObject | undefined): ParameterInput[] {
  const properties = schema && typeof schema.properties === 'object' && schema.properties !== null ? schema.properties : {}
  const required = new Set(Array.isArray(schema?.required) ? schema.required.filter((name): name is string => typeof name === 'string') : [])
  return Object.entries(properties).map(([name, raw]) => {
    const property = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>
    return {
      name,
      description: typeof property.description === 'string' ? property.description : '',
      // registration.py stores `param_schema.get("type", "string")`; a type list (`["string", "null"]`) is kept as JSON text.
      type: property.type === undefined ? 'string' : typeof property.type === 'string' ? property.type : pythonJsonDumps(property.type),
      required: required.has(name),
      defaultValue: Object.hasOwn(property, 'default') ? pythonJsonDumps(property.default) : null,
    }
  })
}

/**
 * `register_tool`: creates the tool, or, when the first component with that name is a tool,
 * updates what Ergon's code updates. Returns the component and whether it was created.
 */
export async function registerTool(repository: RepositoryService, registration: ToolRegistration): Promise<{ component: ComponentDict; created: boolean }> {
  return repository.transaction(async (transaction) => {
    const existing = await transaction.getComponentByName(registration.name)
    const version = registration.version ?? '0.1.0'
    if (existing && existing.type === componentTypes.tool) {
      const component = await transaction.updateComponent(existing.id, { description: registration.description, version, implementation_type: 'mcp' })
      return { component: component!, created: false }
    }
    const component = await transaction.createTool({ ...creationOf(registration), version })
    return { component, created: true }
  })
}

/**
 * `register_tool` for many tools in one transaction, with the same outcome as registering them
 * one after the other, written with a few statements per batch: one lookup of every name, then
 * Ergon's re-registration update for names that are tools already, and one batch of creates.
 * Resolves to each registration's component id and whether it was created, in order.
 */
export async function registerTools(repository: RepositoryService, registrations: readonly ToolRegistration[]): Promise<Array<{ id: number; created: boolean }>> {
  const names = registrations.map((registration) => registration.name)
  if (new Set(names).size !== names.length) {
    // The same name twice: the later one updates what the earlier created, as in a loop.
    return repository.transaction(async (transaction) => {
      const results: Array<{ id: number; created: boolean }> = []
      for (const registration of registrations) {
        const { component, created } = await registerTool(transaction, registration)
        results.push({ id: component.id, created })
      }
      return results
    })
  }
  return repository.transaction(async (transaction) => {
    const existing = await transaction.firstComponentsByName(names)
    const results: Array<{ id: number; created: boolean } | undefined> = []
    const creates: number[] = []
    for (const [index, registration] of registrations.entries()) {
      const found = existing.get(registration.name)
      if (found && found.type === componentTypes.tool) {
        await transaction.updateComponentFields(found.id, { description: registration.description, version: registration.version ?? '0.1.0', implementation_type: 'mcp' })
        results[index] = { id: found.id, created: false }
      } else {
        creates.push(index)
      }
    }
    const ids = await transaction.createTools(creates.map((index) => creationOf(registrations[index]!)))
    creates.forEach((index, position) => {
      results[index] = { id: ids[position]!, created: true }
    })
    return results as Array<{ id: number; created: boolean }>
  })
}

/** What `create_tool` gets for a registration. */
function creationOf(registration: ToolRegistration) {
  return {
    name: registration.name,
    description: registration.description,
    entryPoint: registration.entryPoint ?? registration.name,
    implementationType: 'mcp',
    capabilities: (registration.tags ?? []).map((tag) => ({ name: tag, description: '' })),
    parameters: parametersFromSchema(registration.schema.parameters),
    metadata: registration.metadata ?? {},
    version: registration.version ?? '0.1.0',
  }
}

/** `unregister_tool`: soft-deletes the first component with that name; `false` when there is none. */
export async function unregisterTool(repository: RepositoryService, name: string): Promise<boolean> {
  return repository.transaction(async (transaction) => {
    const existing = await transaction.getComponentByName(name)
    return existing ? transaction.deleteComponent(existing.id) : false
  })
}
