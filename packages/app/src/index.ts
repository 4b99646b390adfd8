/**
 * @tekton/mcp-app: tekton-mcp's application core. `createTektonMcp()` composes the sources,
 * caches, discovery and installation once; its operations are what the CLI and the HTTP API both
 * call, so neither holds policy of its own.
 *
 * ```ts
 * const app = createTektonMcp()
 * const { results, sources } = await app.search({ text: 'filesystem' })
 * ```
 */
import type { SearchQuery } from '@tekton/mcp-discovery'
import { cacheStats, clearCache } from './operations/cache'
import type { CacheClearResult, CacheSummary } from './operations/cache'
import { audit } from './operations/audit'
import { applyCompose, exportCompose } from './operations/compose'
import type { ApplyComposeOptions, ApplyComposeResult, ComposeFile } from './operations/compose'
import { doctor } from './operations/doctor'
import type { AuditOutcome } from '@tekton/mcp-installation'
import { ergonList, ergonRegister, ergonSearch, ergonUnregister, followInstallation } from './operations/ergon'
import type { ErgonListing, ErgonSearchAnswer, InstallationChange } from './operations/ergon'
import type { RegistrationResult } from '@tekton/mcp-ergon'
import type { DoctorReport } from './operations/doctor'
import { describe, listVersions, search } from './operations/search'
import type { LookupOptions, SearchAnswer, ServerDescription, VersionList } from './operations/search'
import { sync } from './operations/sync'
import type { SyncOptions, SyncResult } from './operations/sync'
import { updateAll } from './operations/updates'
import type { UpdateAllOptions, UpdateResult } from './operations/updates'
import { setSettingValue, settingsPaths, showPolicy, showSettings, unsetSettingValue } from './operations/settings'
import type { PolicyView, SettingsChange, SettingsLayerView, SettingsView } from './operations/settings'
import type { SettingsScope } from '@tekton/mcp-settings'
import { createTektonMcpCore } from './tekton-mcp'
import { configureClients, listClients, removeFromClients, resolveClientIds, rewriteClients } from './operations/clients'
import type { ClientListing, ClientWriteResult, ConfigureClientsOptions, ConfigureClientsResult } from './operations/clients'
import type { TektonMcpCore, TektonMcpOptions } from './tekton-mcp'

export type { TektonMcpCore, TektonMcpOptions } from './tekton-mcp'
export { createDefaultSources, enabledSources, homedirOf, sourcesVariable } from './sources'
export type { DefaultSourcesOptions } from './sources'
export type { LookupOptions, SearchAnswer, ServerDescription, VersionList } from './operations/search'
export type { SyncOptions, SyncOutcome, SyncResult } from './operations/sync'
export type { DirectoryCheck, DoctorReport, RegistryCheck, RuntimeCheck } from './operations/doctor'
export type { CacheClearResult, CacheSummary } from './operations/cache'
export type { ErgonCheck, ErgonListing, ErgonSearchAnswer, InstallationChange, RegisteredServer } from './operations/ergon'
export type { ComponentDict, RegistrationResult, SearchResult as ErgonSearchResult, TableCheck } from '@tekton/mcp-ergon'
export { cacheFailure } from './operations/cache'
export { ComposeFileSchema, ComposeServerSchema, parseComposeFile } from './operations/compose'
export type { AppliedServer, ApplyComposeOptions, ApplyComposeResult, ComposeFile, ComposeServer, ConfigureClientsSeam } from './operations/compose'
export { planUpdate, requireInstalled } from './operations/updates'
export { checkInstallPlan, notMcpServerError } from './operations/install'
export type { InstallCheckOptions } from './operations/install'
export type { UpdateAllOptions, UpdatePlan, UpdateResult } from './operations/updates'
export type { PolicyRuleView, PolicyView, SettingsChange, SettingsLayerView, SettingsView } from './operations/settings'
export type { EffectivePolicy, LoadedSettings, Origin, PolicyRule, Settings, SettingsIssue, SettingsScope } from '@tekton/mcp-settings'
export type { AuditOutcome } from '@tekton/mcp-installation'
export type { ClientListing, ClientWriteResult, ClientsSettings, ConfigureClientsOptions, ConfigureClientsResult } from './operations/clients'
export { clientEntryFor } from './operations/clients'

/** The application: its core, and the operations front ends call. */
export interface TektonMcp extends TektonMcpCore {
  /** One page of results; rejects when every source failed (see `search` in the docs). */
  search(query: SearchQuery, options?: LookupOptions): Promise<SearchAnswer>
  /** A server's card: merged metadata, versions, and how each source answered. */
  describe(ref: string, options?: LookupOptions): Promise<ServerDescription>
  /** Every version of a server, newest first. */
  versions(ref: string, options?: LookupOptions): Promise<VersionList>
  /** Brings the sources' local catalogues up to date. */
  sync(options?: SyncOptions): Promise<SyncResult>
  /** Runtimes, directories and sources, checked. */
  doctor(): Promise<DoctorReport>
  /** Every installed server's trust report (from the records) and the tool names two servers share. */
  audit(): Promise<AuditOutcome>
  /** Plans every installed server's update, confirms through `options.confirm`, then applies. */
  updateAll(options: UpdateAllOptions): Promise<UpdateResult[]>
  cacheStats(): Promise<CacheSummary>
  clearCache(options?: { source?: string }): Promise<CacheClearResult>
  /** Registers an installed server and its tools in Ergon's repository (or brings them up to date). */
  ergonRegister(name: string): Promise<RegistrationResult>
  /** Soft-deletes a server and its tools in Ergon's repository. */
  ergonUnregister(name: string): Promise<RegistrationResult>
  /** The servers registered in Ergon's repository, with their tools when asked. */
  ergonList(options?: { includeTools?: boolean }): Promise<ErgonListing>
  /** Searches Ergon's repository (servers, tools and everything else it holds). */
  ergonSearch(query: string, options?: { limit?: number }): Promise<ErgonSearchAnswer>
  /**
   * The registration that follows an install, update or uninstall: done when `register` is
   * true or TEKTON_MCP_ERGON_REGISTER is on; `undefined` when there was nothing to do.
   */
  followInstallation(name: string, change: InstallationChange, options?: { register?: boolean }): Promise<RegistrationResult | undefined>
  /** The merged settings, read afresh, with the origin of each value and the layers' files. */
  showSettings(): Promise<SettingsView>
  /** Where the global, user and project files are (or would be created). */
  settingsPaths(): Promise<SettingsLayerView[]>
  /** Sets one key in one layer's file (a JSON literal, else a string); nothing is written when the result is invalid. */
  setSetting(key: string, value: string, scope?: SettingsScope): Promise<SettingsChange>
  /** Removes one key from one layer's file. */
  unsetSetting(key: string, scope?: SettingsScope): Promise<SettingsChange>
  /** Every policy rule, its value and the file it came from. */
  showPolicy(): Promise<PolicyView>
  /** Writes an installed server's entry into the named clients' files (or shows it, with `print`). */
  configureClients(name: string, options: ConfigureClientsOptions): Promise<ConfigureClientsResult>
  /** The client ids a write will use (the settings' defaults when none given); rejects an unknown id. */
  resolveClientIds(ids: readonly string[]): Promise<string[]>
  /** Every client: detected or not, its files and servers, our entries and their drift. */
  listClients(): Promise<ClientListing[]>
  /** Removes a server's entries from every client file we wrote them into (uninstall). */
  removeFromClients(server: string, options?: { force?: boolean }): Promise<ClientWriteResult[]>
  /** Rewrites a server's entries with its current launch (update). */
  rewriteClients(server: string, options?: { force?: boolean }): Promise<ClientWriteResult[]>
  /**
   * Installs, configures (and registers in Ergon) the servers a compose file declares, changing
   * only what differs: a second run of the same file changes nothing (`changed: false`).
   */
  applyCompose(options: ApplyComposeOptions): Promise<ApplyComposeResult>
  /** The installation as a compose file (secret values left out: named in `secretEnv`). */
  exportCompose(): Promise<{ document: ComposeFile; yaml: string }>
}

/** Builds the application; nothing is read or fetched until an operation needs it. */
export function createTektonMcp(options: TektonMcpOptions = {}): TektonMcp {
  const core = createTektonMcpCore(options)
  return Object.assign(core, {
    search: (query: SearchQuery, lookup?: LookupOptions) => search(core, query, lookup),
    describe: (ref: string, lookup?: LookupOptions) => describe(core, ref, lookup),
    versions: (ref: string, lookup?: LookupOptions) => listVersions(core, ref, lookup),
    sync: (syncOptions?: SyncOptions) => sync(core, syncOptions),
    doctor: () => doctor(core),
    audit: () => audit(core),
    updateAll: (updateOptions: UpdateAllOptions) => updateAll(core, updateOptions),
    cacheStats: () => cacheStats(core),
    clearCache: (clearOptions?: { source?: string }) => clearCache(core, clearOptions),
    ergonRegister: (name: string) => ergonRegister(core, name),
    ergonUnregister: (name: string) => ergonUnregister(core, name),
    ergonList: (listOptions?: { includeTools?: boolean }) => ergonList(core, listOptions),
    ergonSearch: (query: string, searchOptions?: { limit?: number }) => ergonSearch(core, query, searchOptions),
    followInstallation: (name: string, change: InstallationChange, followOptions?: { register?: boolean }) => followInstallation(core, name, change, followOptions),
    showSettings: () => showSettings(core),
    settingsPaths: () => settingsPaths(core),
    setSetting: (key: string, value: string, scope?: SettingsScope) => setSettingValue(core, key, value, scope),
    unsetSetting: (key: string, scope?: SettingsScope) => unsetSettingValue(core, key, scope),
    showPolicy: () => showPolicy(core),
    configureClients: (name: string, clientOptions: ConfigureClientsOptions) => configureClients(core, core.clientsSettings, name, clientOptions),
    listClients: () => listClients(core, core.clientsSettings),
    resolveClientIds: (ids: readonly string[]) => resolveClientIds(core, core.clientsSettings, ids),
    removeFromClients: (server: string, removeOptions?: { force?: boolean }) => removeFromClients(core, core.clientsSettings, server, removeOptions),
    rewriteClients: (server: string, rewriteOptions?: { force?: boolean }) => rewriteClients(core, core.clientsSettings, server, rewriteOptions),
    // A compose entry's clients are written as `configure --client` writes them.
    applyCompose: (applyOptions: ApplyComposeOptions) =>
      applyCompose(core, { configureClients: (name, clients) => configureClients(core, core.clientsSettings, name, { clients }), ...applyOptions }),
    exportCompose: () => exportCompose(core),
  })
}
