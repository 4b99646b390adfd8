/**
 * Resolving a tag to its digest through the registry's own API (OCI distribution), before
 * anything is pulled or run: the manifest is fetched with every manifest and index media type in
 * `Accept` (or the registry answers for another manifest, with another digest), and its sha256 is
 * computed from the bytes received, so the digest pinned is the one of what the registry served.
 * Public images on hubs that want a token get one anonymously (the Bearer challenge).
 */
import { createHash } from 'node:crypto'
import { TektonError } from '@tekton/mcp-discovery'
import type { HttpClient } from '@tekton/mcp-discovery'
import { z } from 'zod'
import type { ImageReference } from './image-reference'
import { formatImageReference, label, registryApiBase } from './image-reference'

/** The four manifest types: OCI and Docker, single-platform and multi-platform. */
export const manifestMediaTypes = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
] as const

/** What the registry said a reference is. */
export interface ResolvedManifest {
  /** `sha256:<64 hex>` of the manifest bytes served. */
  digest: string
  /** The manifest's media type (an index for multi-platform images). */
  mediaType: string
}

const ManifestSchema = z.looseObject({ mediaType: z.string().optional(), schemaVersion: z.number().optional() })
const TokenSchema = z.looseObject({ token: z.string().optional(), access_token: z.string().optional() })

/** Parses `Bearer realm="…",service="…",scope="…"`. */
export function parseBearerChallenge(header: string | null): { realm: string; service?: string; scope?: string } | undefined {
  if (!header || !/^bearer\s/i.test(header)) return undefined
  const parameters: Record<string, string> = {}
  for (const match of header.slice(7).matchAll(/([a-zA-Z]+)="([^"]*)"/g)) parameters[(match[1] as string).toLowerCase()] = match[2] as string
  if (!parameters.realm) return undefined
  return { realm: parameters.realm, ...(parameters.service ? { service: parameters.service } : {}), ...(parameters.scope ? { scope: parameters.scope } : {}) }
}

export function sha256Digest(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`
}

/**
 * The digest `reference` names on its registry now. A reference that carries a digest is checked
 * against what the registry serves for it.
 */
export async function resolveManifest(http: HttpClient, reference: ImageReference, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<ResolvedManifest> {
  const what = formatImageReference(reference)
  const target = reference.digest ?? reference.tag ?? 'latest'
  const url = `${registryApiBase(reference.registry)}/v2/${reference.repository}/manifests/${target}`
  const accept = manifestMediaTypes.join(', ')
  let challenge: string | null = null
  let served: { digest: string | null; contentType: string | null } = { digest: null, contentType: null }
  const request = (authorization: Record<string, string>) => {
    options.signal?.throwIfAborted()
    return http.getBytes(url, {
      source: 'installer-docker',
      headers: { accept, ...authorization },
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onResponse: (response) => {
        if (response.status === 401) challenge = response.headers.get('www-authenticate')
        else served = { digest: response.headers.get('docker-content-digest'), contentType: response.headers.get('content-type') }
      },
    })
  }
  let response
  try {
    response = await request({})
  } catch (error) {
    const bearer = parseBearerChallenge(challenge)
    if (!bearer) throw notFoundOr(error, what)
    const token = await anonymousToken(http, bearer, reference.repository, options.signal)
    response = await request({ authorization: `Bearer ${token}` }).catch((retryError: unknown) => {
      throw notFoundOr(retryError, what)
    })
  }
  const digest = sha256Digest(response.data)
  if (served.digest && served.digest !== digest) {
    throw new TektonError('E_INTEGRITY_MISMATCH', `${label} the registry said ${what} is ${served.digest}, but the manifest it served is ${digest}`, {
      hint: 'Something between here and the registry changes what it serves; do not install it',
    })
  }
  if (reference.digest && reference.digest !== digest) {
    throw new TektonError('E_INTEGRITY_MISMATCH', `${label} ${what} was asked for, but the registry served a manifest with digest ${digest}`, {
      hint: 'The registry does not serve the image this digest names; do not install it',
    })
  }
  let parsed: z.infer<typeof ManifestSchema>
  try {
    parsed = ManifestSchema.parse(JSON.parse(Buffer.from(response.data).toString('utf8')))
  } catch {
    throw new TektonError('E_BAD_RESPONSE', `${label} the registry's manifest of ${what} is not JSON`)
  }
  const mediaType = parsed.mediaType ?? served.contentType?.split(';')[0]?.trim() ?? ''
  if (!(manifestMediaTypes as readonly string[]).includes(mediaType)) {
    throw new TektonError('E_BAD_RESPONSE', `${label} the registry answered ${what} with a ${mediaType || 'manifest of no type'}, not an image manifest or index`)
  }
  return { digest, mediaType }
}

function notFoundOr(error: unknown, what: string): unknown {
  if (TektonError.isInstance(error) && error.code === 'E_NOT_FOUND') {
    return new TektonError('E_NOT_FOUND', `${label} the registry has no image ${what}`, { hint: 'Check the image name and tag', cause: error })
  }
  return error
}

/** A pull token for `repository` from the challenge's realm, asked anonymously. */
async function anonymousToken(http: HttpClient, challenge: { realm: string; service?: string; scope?: string }, repository: string, signal: AbortSignal | undefined): Promise<string> {
  const realm = new URL(challenge.realm)
  if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(realm.hostname))) {
    throw new TektonError('E_BAD_RESPONSE', `${label} the registry asks for a token from ${realm.origin}, which is not https`)
  }
  if (challenge.service) realm.searchParams.set('service', challenge.service)
  realm.searchParams.set('scope', challenge.scope ?? `repository:${repository}:pull`)
  const answer = await http.getJson(realm.href, { source: 'installer-docker', schema: TokenSchema, ...(signal ? { signal } : {}) })
  const token = answer.data.token ?? answer.data.access_token
  if (!token) throw new TektonError('E_BAD_RESPONSE', `${label} ${realm.origin} answered no token`)
  return token
}
