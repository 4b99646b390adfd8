/**
 * Ergon registration, as both front ends offer it: register and unregister an installed server,
 * list and search what Ergon's repository holds, and the registration that follows an install,
 * update or uninstall on its own when `TEKTON_MCP_ERGON_REGISTER=1` (or when asked, `--register`).
 * The registration follows the installed record: it runs after the installation changed, and a
 * registration that fails never undoes the install; it is reported beside it.
 */
import { TektonError, toTektonError } from '@tekton/mcp-discovery'
import type { ComponentDict, RegistrationResult, SearchResult, TableCheck } from '@tekton/mcp-ergon'
import type { TektonMcpCore } from '../tekton-mcp'

/** A registered server with its tools, as `ergon list` shows it. */
export interface RegisteredServer {
  server: ComponentDict
  /** Its tools (with `includeTools`), active ones. */
  tools?: ComponentDict[]
}

export interface ErgonListing {
  /** Where the repository is (`sqlite <file>` or the PostgreSQL URL without its password). */
  store: string
  servers: RegisteredServer[]
}

export interface ErgonSearchAnswer {
  store: string
  query: string
  results: SearchResult[]
}

/** What doctor says about Ergon's store. */
export interface ErgonCheck {
  /** False when neither DATABASE_URL nor TEKTON_ROOT says where Ergon's database is. */
  configured: boolean
  /** Whether installs, updates and uninstalls register on their own. */
  autoRegister: boolean
  /** `sqlite <file>` or `postgresql <url without password>`. */
  store?: string
  /** A SQLite file that does not exist yet (it is created on the first registration). */
  missing?: boolean
  /** Each of Ergon's tables and mcp_servers against its definition. */
  tables?: TableCheck[]
  /** True when every table is there with its columns. */
  tablesMatch?: boolean
  /** Our schema version in the database (0: not created yet). */
  schemaVersion?: number
  error?: { code: string; message: string }
}

/** The change an automatic registration follows. */
export type InstallationChange = 'install' | 'update' | 'uninstall'

/** Registers (or brings up to date) an installed server; throws the failure's code when it fails. */
export async function ergonRegister(core: TektonMcpCore, name: string): Promise<RegistrationResult> {
  const ergon = await core.ergon()
  return orThrow(await ergon.integration.registerInstalledServer(name))
}

/** Soft-deletes a registered server and its tools; throws E_NOT_REGISTERED when it is not registered. */
export async function ergonUnregister(core: TektonMcpCore, name: string): Promise<RegistrationResult> {
  const ergon = await core.ergon()
  return orThrow(await ergon.integration.unregisterServer(name))
}

/** The registered servers (active ones), with their tools when asked. */
export async function ergonList(core: TektonMcpCore, options: { includeTools?: boolean } = {}): Promise<ErgonListing> {
  const ergon = await core.ergon()
  const { describeLocation } = await import('@tekton/mcp-ergon')
  const entries = await ergon.integration.listRegistered()
  return {
    store: describeLocation(ergon.store.location),
    servers: entries.map((entry) => (options.includeTools ? { server: entry.server, tools: entry.tools } : { server: entry.server })),
  }
}

/** Searches Ergon's repository (every component type, active ones), best first. */
export async function ergonSearch(core: TektonMcpCore, query: string, options: { limit?: number } = {}): Promise<ErgonSearchAnswer> {
  if (query.trim() === '') throw new TektonError('E_INVALID_QUERY', 'ergon search needs words to search for')
  const ergon = await core.ergon()
  const { describeLocation } = await import('@tekton/mcp-ergon')
  const results = await ergon.repository.searchComponents(query, options.limit === undefined ? {} : { limit: options.limit })
  return { store: describeLocation(ergon.store.location), query, results }
}

/**
 * The registration that follows a change of the installation: when `register` is true, or when
 * automatic registration is on. Returns `undefined` when nothing was to be done (not asked, or an
 * uninstalled server that was never registered); a failure is returned, not thrown, because the
 * installation has changed already.
 */
export async function followInstallation(core: TektonMcpCore, name: string, change: InstallationChange, options: { register?: boolean } = {}): Promise<RegistrationResult | undefined> {
  const { autoRegistrationEnabled } = await import('@tekton/mcp-ergon')
  if (options.register !== true && !autoRegistrationEnabled(core.env)) return undefined
  try {
    const ergon = await core.ergon()
    if (change !== 'uninstall') return await ergon.integration.registerInstalledServer(name)
    const result = await ergon.integration.unregisterServer(name)
    return result.code === 'E_NOT_REGISTERED' ? undefined : result
  } catch (error) {
    const failure = toTektonError(error)
    return { success: false, action: change === 'uninstall' ? 'unregister' : 'register', component_id: null, capabilities: [], error: failure.message, code: failure.code, server: name }
  }
}

/**
 * Doctor's view of Ergon's store: where it is and whether its tables match, without creating
 * anything (a missing SQLite file is reported, not made).
 */
export async function checkErgon(core: TektonMcpCore): Promise<ErgonCheck> {
  const { autoRegistrationEnabled, describeLocation, ergonDatabaseLocation, inspectErgonStore } = await import('@tekton/mcp-ergon')
  const autoRegister = autoRegistrationEnabled(core.env)
  let location
  try {
    location = ergonDatabaseLocation(core.env, core.cwd)
  } catch (error) {
    const failure = toTektonError(error)
    return { configured: false, autoRegister, ...(autoRegister ? { error: { code: failure.code, message: failure.message } } : {}) }
  }
  const store = describeLocation(location)
  try {
    const inspection = await inspectErgonStore(location)
    if (!inspection.exists) return { configured: true, autoRegister, store, missing: true }
    return { configured: true, autoRegister, store, tables: inspection.tables, tablesMatch: inspection.tables.every((table) => table.status === 'ok'), schemaVersion: inspection.schemaVersion }
  } catch (error) {
    const failure = toTektonError(error)
    return { configured: true, autoRegister, store, error: { code: failure.code, message: failure.message } }
  }
}

function orThrow(result: RegistrationResult): RegistrationResult {
  if (result.success) return result
  throw new TektonError(result.code ?? 'E_ERGON_STORE', result.error ?? `registering ${result.server ?? 'the server'} failed`, {
    ...(result.code === 'E_NOT_INSTALLED' ? { hint: 'Only installed servers can be registered: install it first' } : {}),
  })
}
