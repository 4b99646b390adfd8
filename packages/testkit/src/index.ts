/**
 * @tekton/mcp-testkit (private): loopback fakes of the registries our packages talk to, with
 * fault injection, and fixture data shaped like the real registries' responses.
 */
export { closedPort } from './closed-port'
export { etagOf, startFakeServer } from './fake-server'
export type { FakeHandler, FakeRequest, FakeResponse, FakeServer, FakeServerOptions, Fault, FaultScope, RecordedRequest } from './fake-server'
export { startFakeNpmRegistry } from './npm/fake-npm-registry'
export type { FakeNpmRegistry, FakeNpmRegistryOptions } from './npm/fake-npm-registry'
export { abbreviatedManifestFields, buildNpmPackage, integrityOf, tarballPath } from './npm/packument'
export type { FakeNpmPackage, NpmDist, NpmManifest, NpmPackageSpec, NpmPackument, NpmPerson, NpmUser, NpmVersionSpec } from './npm/packument'
export * from './npm/fixtures'
export * from './pypi/index'
export * from './github/index'
export * from './official/index'
export * from './mcp/index'
export { requiredServices, serviceIsRequired, serviceUnavailable } from './services/required'
export * from './relevance/fixtures'
