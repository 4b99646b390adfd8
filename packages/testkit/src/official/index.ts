export { officialRegistryMetaKey, startFakeOfficialRegistry } from './fake-official-registry'
export type {
  FakeOfficialEntry,
  FakeOfficialRegistry,
  FakeOfficialRegistryOptions,
  OfficialServerJson,
  OfficialServerResponse,
  OfficialStatus,
  StoredOfficialEntry,
} from './fake-official-registry'
export {
  generateOfficialServers,
  officialDeleted,
  officialDeprecated,
  officialFetch,
  officialFilesystemVersions,
  officialFixtureServers,
  officialGithub,
  officialNotesBundle,
  officialPostgresMcp,
  officialPostgresVersions,
  officialSqlToolsNuget,
  officialWeatherRemote,
  serverJsonSchema2025_12_11,
} from './fixtures'
