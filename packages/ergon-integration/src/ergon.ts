/**
 * One call that puts the pieces together for a front end: find Ergon's database by Ergon's rules,
 * open the store, and build the repository service and the integration over an installation.
 */
import type { MCPInstallationService } from '@tekton/mcp-installation'
import { MCPServerIntegration } from './integration'
import { ergonDatabaseLocation } from './location'
import type { DatabaseLocation } from './location'
import { RepositoryService } from './repository'
import { openErgonStore } from './store'
import type { ErgonStore } from './store'

/** The variable that turns on registration after every install, update and uninstall. */
export const autoRegisterVariable = 'TEKTON_MCP_ERGON_REGISTER'

/** Whether installs, updates and uninstalls register with Ergon on their own (`TEKTON_MCP_ERGON_REGISTER=1`). */
export function autoRegistrationEnabled(env: NodeJS.ProcessEnv): boolean {
  const value = env[autoRegisterVariable]?.trim().toLowerCase()
  return value === '1' || value === 'true' || value === 'yes' || value === 'on'
}

export interface ErgonOptions {
  /** The installation whose servers are registered. */
  installation: MCPInstallationService
  /** Where DATABASE_URL and TEKTON_ROOT are read. @default process.env */
  env?: NodeJS.ProcessEnv
  /** What a relative `sqlite:///x.db` is relative to. @default process.cwd() */
  cwd?: string
  /** The database, instead of Ergon's rules. */
  location?: DatabaseLocation
  /** The clock of `created_at`/`updated_at`. @default Date.now */
  now?: () => number
}

/** The store, the repository service over it and the integration. */
export interface Ergon {
  readonly store: ErgonStore
  readonly repository: RepositoryService
  readonly integration: MCPServerIntegration
  close(): Promise<void>
}

/** Opens Ergon's database (see `ergonDatabaseLocation`) and builds the services. */
export async function createErgon(options: ErgonOptions): Promise<Ergon> {
  const location = options.location ?? ergonDatabaseLocation(options.env ?? process.env, options.cwd ?? process.cwd())
  const store = await openErgonStore({ location, ...(options.now ? { now: options.now } : {}) })
  const repository = new RepositoryService(store)
  return { store, repository, integration: new MCPServerIntegration(repository, options.installation), close: () => store.close() }
}
