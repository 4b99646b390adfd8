/**
 * MCPServerIntegration: installed servers in Ergon's repository. A server becomes an `mcp_server`
 * component (with its `mcp_servers` row and one capability per tool); each tool its handshake
 * recorded becomes an Ergon tool through the registration registration.py does, named
 * `<server>:<tool>` so two servers' `search` tools cannot collide, with `entry_point` the tool's
 * own name and metadata `mcp_server` naming the server.
 *
 * The registration follows the installed record, never the other way round: every call reads the
 * record and makes the repository match it. Which tools changed is decided by the digest the
 * installation recorded for each tool (kept in the tool's metadata `mcp_tool_sha256`): new tools
 * are added, tools the server no longer lists are soft-deleted, changed ones are updated (Ergon's
 * re-registration fields, plus their parameters, so Ergon shows what the tool now takes).
 * Everything for one server happens in one write transaction.
 */
import type { ErrorCode } from '@tekton/mcp-discovery'
import { TektonError } from '@tekton/mcp-discovery'
import type { InstalledServerView, MCPInstallationService, RecordedTool } from '@tekton/mcp-installation'
import type { ComponentDict } from './component-dict'
import type { McpInstalledInfo, McpServerMetadata, RepositoryService } from './repository'
import { componentTypes } from './schema'
import { parametersFromSchema, registerTools } from './tool-registration'

/** Metadata keys we write (values are strings: `metadata.value` is TEXT NOT NULL). */
export const metadataKeys = {
  /** On a tool: the server it belongs to. */
  server: 'mcp_server',
  /** On a tool: the installation's SHA-256 of its definition. */
  toolDigest: 'mcp_tool_sha256',
  /** On a server: the ref it was installed from. */
  ref: 'mcp_ref',
  /** On both: who wrote it. */
  registeredBy: 'registered_by',
} as const

const registeredBy = 'tekton-mcp'

/** What happened to the server's tools. */
export interface ToolChanges {
  added: string[]
  removed: string[]
  changed: string[]
  unchanged: string[]
}

/** The plan's result shape: `{ success, component_id, capabilities, error? }`, plus what changed. */
export interface RegistrationResult {
  success: boolean
  /** What was done: a registration (or update of one), or an unregistration. */
  action: 'register' | 'unregister'
  /** The server's component id; `null` when there is none. */
  component_id: number | null
  /** The server's capabilities (its tools' names). */
  capabilities: string[]
  error?: string
  /** The error's code when `success` is false. */
  code?: ErrorCode
  /** The server's name as installed. */
  server?: string
  tools?: ToolChanges
  /** False when the install skipped the handshake: the tools are unknown and left as they were. */
  toolsKnown?: boolean
}

/** The name of a server's tool in Ergon: namespaced by the server. */
export function toolComponentName(serverName: string, toolName: string): string {
  return `${serverName}:${toolName}`
}

/** Integration between installed MCP servers and Ergon's repository (see the module comment). */
export class MCPServerIntegration {
  readonly repository: RepositoryService
  readonly installation: MCPInstallationService

  constructor(repository: RepositoryService, installation: MCPInstallationService) {
    this.repository = repository
    this.installation = installation
  }

  /** Registers (or brings up to date) an installed server and its tools. */
  async registerInstalledServer(id: string): Promise<RegistrationResult> {
    return this.follow(id)
  }

  /** Applies what changed since the last registration (added, removed and changed tools). */
  async updateServerRegistration(id: string): Promise<RegistrationResult> {
    return this.follow(id)
  }

  /**
   * Soft-deletes the server's component and its tools. Works after the uninstall too: `id` is
   * then the server's name as registered.
   */
  async unregisterServer(id: string): Promise<RegistrationResult> {
    try {
      const installed = await this.installation.getInstalledServer(id).catch(() => null)
      const name = installed?.name ?? id
      return await this.repository.transaction(async (repository) => {
        const [server] = await repository.getMcpServers({ name, activeOnly: false })
        if (!server) return failure('unregister', 'E_NOT_REGISTERED', `${name} is not registered with Ergon`, name)
        await repository.deleteComponent(server.id)
        const removed: string[] = []
        for (const tool of await repository.componentsWithMetadata(componentTypes.tool, metadataKeys.server, name)) {
          if (tool.is_active === false) continue
          await repository.deleteComponent(tool.id)
          removed.push(tool.entry_point ?? tool.name)
        }
        return {
          success: true,
          action: 'unregister',
          component_id: server.id,
          capabilities: server.capabilities.map((capability) => capability.name),
          server: name,
          tools: { added: [], removed, changed: [], unchanged: [] },
        }
      })
    } catch (error) {
      return caught('unregister', error, id)
    }
  }

  /** Every registered server (active unless `activeOnly: false`) with its tools. */
  async listRegistered(options: { activeOnly?: boolean } = {}): Promise<Array<{ server: ComponentDict; tools: ComponentDict[] }>> {
    const servers = await this.repository.getMcpServers({ activeOnly: options.activeOnly ?? true })
    return Promise.all(
      servers.map(async (server) => {
        const tools = await this.repository.componentsWithMetadata(componentTypes.tool, metadataKeys.server, server.name)
        return { server, tools: options.activeOnly === false ? tools : tools.filter((tool) => tool.is_active !== false) }
      }),
    )
  }

  private async follow(id: string): Promise<RegistrationResult> {
    try {
      const installed = await this.installation.getInstalledServer(id)
      if (!installed) return failure('register', 'E_NOT_INSTALLED', `${id} is not installed`, id)
      return await this.repository.transaction((repository) => synchronise(repository, installed))
    } catch (error) {
      return caught('register', error, id)
    }
  }
}

/** Makes the repository match the installed record, in the caller's transaction. */
async function synchronise(repository: RepositoryService, installed: InstalledServerView): Promise<RegistrationResult> {
  const toolsKnown = installed.handshake !== null
  const tools: readonly RecordedTool[] = installed.handshake?.tools ?? []
  const metadata: McpServerMetadata = {
    name: installed.name,
    description: installed.source.description,
    version: installed.activeVersion,
    ...(toolsKnown ? { capabilities: tools.map((tool) => ({ name: tool.name, description: tool.description ?? '' })) } : {}),
    metadata: { [metadataKeys.ref]: installed.ref, [metadataKeys.registeredBy]: registeredBy },
  }
  const installedInfo: McpInstalledInfo = {
    installationType: installed.installer,
    packageName: installed.identifier,
    registrySource: installed.registryType,
    installedVersion: installed.activeVersion,
    // What runs, with variable names only: values (secrets among them) stay in installed.json.
    configuration: {
      ref: installed.ref,
      command: installed.launch.command,
      args: installed.launch.args,
      env: Object.keys(installed.launch.env).sort(),
    },
  }
  const [existing] = await repository.getMcpServers({ name: installed.name, activeOnly: false })
  let server: ComponentDict
  if (existing) {
    server = (await repository.updateMcpServer(existing.id, metadata, installedInfo))!
    if (server.is_active !== true) server = (await repository.updateComponent(server.id, { is_active: true }))!
  } else {
    server = await repository.registerMcpServer(metadata, installedInfo)
  }

  const changes: ToolChanges = { added: [], removed: [], changed: [], unchanged: [] }
  if (toolsKnown) {
    const registered = await repository.componentsWithMetadata(componentTypes.tool, metadataKeys.server, installed.name)
    const byEntryPoint = new Map<string, ComponentDict>()
    for (const tool of registered) if (tool.entry_point && !byEntryPoint.has(tool.entry_point)) byEntryPoint.set(tool.entry_point, tool)
    const registrations = tools.map((tool) => ({
      name: byEntryPoint.get(tool.name)?.name ?? toolComponentName(installed.name, tool.name),
      entryPoint: tool.name,
      description: tool.description ?? '',
      schema: { name: tool.name, parameters: tool.inputSchema },
      tags: toolTags(tool),
      metadata: { [metadataKeys.server]: installed.name, [metadataKeys.toolDigest]: tool.sha256, [metadataKeys.registeredBy]: registeredBy },
      version: installed.activeVersion,
    }))
    const outcomes = await registerTools(repository, registrations)
    for (const [index, tool] of tools.entries()) {
      const previous = byEntryPoint.get(tool.name)
      const { id, created } = outcomes[index]!
      if (created || !previous) {
        changes.added.push(tool.name)
        continue
      }
      const restored = previous.is_active !== true
      const changed = previous.metadata[metadataKeys.toolDigest] !== tool.sha256
      if (changed || restored) {
        // Beyond Ergon's re-registration: the parameters and tags follow the new definition.
        await repository.replaceParameters(id, parametersFromSchema(tool.inputSchema))
        await repository.replaceCapabilities(id, registrations[index]!.tags.map((tag) => ({ name: tag, description: '' })))
        await repository.setMetadata(id, registrations[index]!.metadata)
        if (restored) await repository.updateComponentFields(id, { is_active: true })
      }
      if (restored) changes.added.push(tool.name)
      else if (changed) changes.changed.push(tool.name)
      else changes.unchanged.push(tool.name)
    }
    const listed = new Set(tools.map((tool) => tool.name))
    for (const [entryPoint, tool] of byEntryPoint) {
      if (listed.has(entryPoint) || tool.is_active === false) continue
      await repository.deleteComponent(tool.id)
      changes.removed.push(entryPoint)
    }
  }
  const final = (await repository.getComponent(server.id))!
  return {
    success: true,
    action: 'register',
    component_id: final.id,
    capabilities: final.capabilities.map((capability) => capability.name),
    server: installed.name,
    tools: changes,
    toolsKnown,
  }
}

/** A tool's tags: the behaviour hints its annotations set to true (`readOnlyHint`, ...). */
function toolTags(tool: RecordedTool): string[] {
  const annotations = tool.annotations ?? {}
  return Object.entries(annotations)
    .filter(([key, value]) => key.endsWith('Hint') && value === true)
    .map(([key]) => key)
    .sort()
}

function failure(action: RegistrationResult['action'], code: ErrorCode, message: string, server: string): RegistrationResult {
  return { success: false, action, component_id: null, capabilities: [], error: message, code, server }
}

function caught(action: RegistrationResult['action'], error: unknown, server: string): RegistrationResult {
  if (TektonError.isInstance(error)) return failure(action, error.code, error.message, server)
  return failure(action, 'E_ERGON_STORE', error instanceof Error ? error.message : String(error), server)
}
