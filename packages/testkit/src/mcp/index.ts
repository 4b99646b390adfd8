export { fixtureServerSource, fixtureTools } from './fixture-server'
export type { FixtureBehavior, FixtureServerOptions, FixtureTool } from './fixture-server'
export {
  buildFixtureDependencyPackage,
  buildFixtureServerPackage,
  buildNpmTarball,
  changedEchoInputSchema,
  fixtureDependencyName,
  fixtureNpmPackages,
  fixtureServerPackageName,
  flipByte,
  postinstallMarkerFile,
  startTamperingNpmRegistry,
} from './npm-fixtures'
export type { FixtureNpmPackages, FixturePackageVersion, FixtureServerPackageSpec, NpmTarballFiles, TamperingNpmRegistryOptions } from './npm-fixtures'
export { officialRemoteOnlyEntry, startRemoteMcpFixture } from './remote-fixture'
export type { RemoteFixture, RemoteFixtureOptions } from './remote-fixture'
