/**
 * @tekton/mcp-installer-docker: MCP servers published as OCI images, pinned to the digest their
 * registry serves, pulled by that digest and run with `docker run` in a sandbox.
 */
export { checkRuntimeArguments, createDockerInstaller, probeDocker, dockerClientVariables, forbiddenRuntimeOptions, imageOf, imageServerMetadata, runArguments, serverNameForImage, serverNameLabel } from './docker-installer'
export type { ContainerLimits, DockerInstaller, DockerInstallerOptions, DockerProbe } from './docker-installer'
export { defaultExec } from './exec'
export type { DockerInstallerExec, ExecOptions, ExecResult } from './exec'
export { formatImageReference, parseImageReference, pinnedReference, registryApiBase, repositoryName } from './image-reference'
export type { ImageReference } from './image-reference'
export { manifestMediaTypes, parseBearerChallenge, resolveManifest, sha256Digest } from './registry-api'
export type { ResolvedManifest } from './registry-api'
