/**
 * Tool-name collisions: two installed servers that expose a tool of the same name. A client that
 * loads both may call the wrong one (or a hostile server may shadow a trusted one's tool by
 * offering the same name). Ergon registers tools as `<server>:<tool>` components, so its names are
 * namespaced and never collide there; this check reports the collision for the clients that are not.
 */
import type { InstalledState } from '../state'

/** A tool name offered by more than one installed server. */
export interface ToolCollision {
  tool: string
  /** The servers that offer it, sorted. */
  servers: string[]
}

/** The tools each installed server's active version recorded at its last handshake. */
export function installedToolsByServer(state: InstalledState): Array<{ server: string; tools: string[] }> {
  return Object.values(state.servers)
    .map((record) => ({ server: record.name, tools: (record.versions[record.activeVersion]?.handshake?.tools ?? []).map((tool) => tool.name) }))
    .sort((left, right) => left.server.localeCompare(right.server))
}

/**
 * Every tool name offered by two or more servers of `servers`; with `only`, just the collisions
 * that involve that server (a server about to be installed, with its handshake's tools).
 */
export function findToolCollisions(servers: ReadonlyArray<{ server: string; tools: readonly string[] }>, only?: string): ToolCollision[] {
  const offeredBy = new Map<string, Set<string>>()
  for (const { server, tools } of servers) {
    for (const tool of tools) {
      const owners = offeredBy.get(tool) ?? new Set<string>()
      owners.add(server)
      offeredBy.set(tool, owners)
    }
  }
  const collisions: ToolCollision[] = []
  for (const [tool, owners] of offeredBy) {
    if (owners.size < 2 || (only !== undefined && !owners.has(only))) continue
    collisions.push({ tool, servers: [...owners].sort() })
  }
  return collisions.sort((left, right) => left.tool.localeCompare(right.tool))
}
