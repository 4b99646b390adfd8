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
export { buildProbeServerPackage, callToolOverStdio, probeServerPackageName, probeServerSource } from './probe-server'
export type { ProbeAttempt, ProbeReport, ProbeRequest } from './probe-server'
export { poisonedAddTool, poisonedServerPackage, poisonedServerPackageName, poisonedToolsByRule, tagEncoded } from './poisoned-fixtures'
export { officialRemoteOnlyEntry, startRemoteMcpFixture } from './remote-fixture'
export type { RemoteFixture, RemoteFixtureOptions } from './remote-fixture'
