export { negotiateSimpleFormat, startFakePypi } from './fake-pypi'
export type { FakePypi, FakePypiOptions } from './fake-pypi'
export { buildPypiProject, compareFixtureVersions, filePath, isFixturePrerelease, normalizeProjectName } from './project'
export type { FakePypiProject, PypiFile, PypiInfo, PypiProjectDocument, PypiProjectSpec, PypiVersionSpec } from './project'
export * from './fixtures'
export { buildWheel, buildWheelProject, buildZip, wheelFileName } from './wheel'
export type { WheelSpec, WheelVersionSpec } from './wheel'
export {
  buildPythonFixtureHelper,
  buildPythonFixtureServer,
  fixturePythonProjects,
  pythonFixtureHelperName,
  pythonFixtureHelperSource,
  pythonFixtureServerName,
  pythonFixtureServerSource,
} from './python-fixtures'
export type { PythonFixtureVersion } from './python-fixtures'
export { attestPypiFile, pypiAttestationOf, pypiPublishPredicateType, pypiPublishStatement, withPypiProvenance } from './provenance'
export type { AttestPypiFileOptions, PypiAttestation, PypiProvenance, PypiPublisher, SignedStatement, StatementSigner } from './provenance'
