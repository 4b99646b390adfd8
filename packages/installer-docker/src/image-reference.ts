/**
 * Image references as docker reads them (`mcp/fetch`, `ghcr.io/owner/image:1.0`,
 * `127.0.0.1:5000/mcp/echo@sha256:…`), split into the registry to ask, the repository and the
 * tag or digest. The registry API is asked for a digest before anything is pulled, so this
 * must agree with docker on which host an image lives on: a first component is a host only when
 * it has a dot or a port, or is `localhost`.
 */
import { TektonError } from '@tekton/mcp-discovery'

export const label = '[docker installer]'

/** A parsed image reference. */
export interface ImageReference {
  /** The registry as docker names it: `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  registry: string
  /** The repository within it: `mcp/fetch`, `library/alpine` (Docker Hub's official images). */
  repository: string
  tag?: string
  digest?: string
}

const pathComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
const referencePattern = new RegExp(`^(?:((?:localhost|[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)+|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?|[a-zA-Z0-9-]+:[0-9]+)/)?(${pathComponent}(?:/${pathComponent})*)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`)

/** Docker Hub's names for itself: all mean `docker.io`. */
const dockerHubNames = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io'])

/** Parses an image reference; `E_INVALID_INPUT` when docker would not accept it either. */
export function parseImageReference(input: string): ImageReference {
  const text = typeof input === 'string' ? input.trim() : ''
  const match = text.length <= 255 ? referencePattern.exec(text) : null
  if (!match) {
    throw new TektonError('E_INVALID_INPUT', `${label} ${JSON.stringify(String(input).slice(0, 120))} is not an image reference`, {
      hint: 'Image references look like mcp/fetch, ghcr.io/owner/image:1.0 or registry.example.com/image@sha256:<64 hex>',
    })
  }
  const host = match[1]
  const registry = host === undefined || dockerHubNames.has(host.toLowerCase()) ? 'docker.io' : host.toLowerCase()
  let repository = match[2] as string
  // Docker Hub's official images live under library/ (`alpine` is `library/alpine`).
  if (registry === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`
  return { registry, repository, ...(match[3] ? { tag: match[3] } : {}), ...(match[4] ? { digest: match[4] } : {}) }
}

/** `registry/repository`, the name docker shows (`docker.io/mcp/fetch`). */
export function repositoryName(reference: ImageReference): string {
  return `${reference.registry}/${reference.repository}`
}

/** The reference with a digest and nothing else: what is pulled and run. */
export function pinnedReference(reference: ImageReference, digest: string): string {
  return `${repositoryName(reference)}@${digest}`
}

/** `registry/repository:tag` or `…@digest`, for messages. */
export function formatImageReference(reference: ImageReference): string {
  return `${repositoryName(reference)}${reference.tag ? `:${reference.tag}` : ''}${reference.digest ? `@${reference.digest}` : ''}`
}

/**
 * Where the registry's API answers: Docker Hub's API host for `docker.io`; plain http for
 * loopback registries (as dockerd treats 127.0.0.0/8 as insecure by default), https elsewhere.
 */
export function registryApiBase(registry: string): string {
  if (registry === 'docker.io') return 'https://registry-1.docker.io'
  const host = registry.replace(/:[0-9]+$/, '').replace(/^\[|\]$/g, '')
  const loopback = host === 'localhost' || /^127\.[0-9]+\.[0-9]+\.[0-9]+$/.test(host) || host === '::1'
  return `${loopback ? 'http' : 'https'}://${registry}`
}
