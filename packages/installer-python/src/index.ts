/**
 * @tekton/mcp-installer-python: MCP servers published on a Python package index, installed into
 * a virtualenv per version from a hash-pinned closure that pip's own resolver chose, wheels only
 * unless allowed, and launched with the venv's python directly.
 */
export { createPythonInstaller, launchFor, venvPaths } from './python-installer'
export type { PythonInstaller, PythonInstallerOptions } from './python-installer'
export { defaultExec } from './exec'
export type { ExecOptions, ExecResult, PythonInstallerExec } from './exec'
export { PipError, installArgs, parseReport, pipEnvironment, requirementsFile, resolveArgs } from './pip'
export type { ResolvedDistribution } from './pip'
export { chooseEntry, parseEntryPoints, readZipEntry, wheelEntryPoints } from './entry-points'
export type { ServerEntry } from './entry-points'
export { chooseVersion, fetchProjectFiles, parseDistributionName, parseProjectPage, parsePythonVersionRequest, versionsOf } from './simple-project'
export type { ChosenVersion, DistributionName, IndexFile, PythonVersionRequest, VersionCandidate } from './simple-project'
export { findPython } from './runtime'
export type { PythonLookup, PythonProbe } from './runtime'
export { PypiProvenanceSchema, checkPypiProvenance, previousPublishedOfPython, pythonFileTrust, subjectNameMatches } from './pypi-provenance'
export type { PypiAttestationVerifier, PypiProvenanceObject } from './pypi-provenance'
export { attestationVerifierLoader } from './sigstore'
export type { TrustedRootJson } from './sigstore'
