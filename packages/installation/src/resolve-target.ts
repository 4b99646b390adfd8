/**
 * From what a caller names to metadata: a ref (`npm:@scope/name@1.2.3`) or a bare name goes
 * through the `resolve` option, a `ServerMetadata` object is taken as it is. Either way the
 * metadata and the version asked for are checked before anything is installed.
 */
import { ServerMetadataSchema, TektonError, formatRef, looksLikeRef, parseRef } from '@tekton/mcp-discovery'
import type { RefKind, ServerMetadata } from '@tekton/mcp-discovery'
import { assertValidServerName } from './names'
import type { ServiceContext } from './service-context'

/** A resolved install target: the metadata, the ref to record, and what the ref asked for. */
export interface ResolvedTarget {
  server: ServerMetadata
  ref: string
  requestedVersion: string | undefined
  /** The ref's kind (`npm:` → npm), tried first when choosing a package. */
  preferredKind: RefKind | undefined
}

/** Resolves a ref or checks given metadata, with the version asked for (argument first, then the ref's). */
export async function resolveTarget(
  context: ServiceContext,
  target: string | ServerMetadata,
  version: string | undefined,
  signal: AbortSignal | undefined,
): Promise<ResolvedTarget> {
  if (typeof target === 'string') {
    const parsed = looksLikeRef(target) ? parseRef(target) : undefined
    if (!parsed) {
      if (target.length === 0 || target.length > 300) throw new TektonError('E_INVALID_REF', 'A server reference is required')
    }
    const bare = parsed ? formatRef(parsed, { withVersion: false }) : target.trim()
    const server = await resolveMetadata(context, bare, signal)
    assertValidServerName(server.name)
    return {
      server,
      ref: server.ref && looksLikeRef(server.ref) ? (safeFormatRef(server.ref) ?? bare) : bare,
      requestedVersion: checkRequestedVersion(version ?? parsed?.version),
      preferredKind: parsed?.kind,
    }
  }
  if (!target || typeof target !== 'object') throw new TektonError('E_INVALID_INPUT', 'installServer needs a ref or a ServerMetadata object')
  // The name is checked first, for its own code: it becomes a directory name.
  assertValidServerName(target.name)
  checkMetadata(target, 'E_INVALID_INPUT', 'the metadata given')
  const ref = target.ref && looksLikeRef(target.ref) ? safeFormatRef(target.ref) : undefined
  return {
    server: target,
    ref: ref ?? target.name,
    requestedVersion: checkRequestedVersion(version),
    preferredKind: ref ? parseRef(ref).kind : undefined,
  }
}

/** Asks the `resolve` option for a ref's metadata and checks what it returns. */
export async function resolveMetadata(context: ServiceContext, ref: string, signal: AbortSignal | undefined): Promise<ServerMetadata> {
  const resolver = context.resolver
  if (!resolver) {
    throw new TektonError('E_CONFIG', `Cannot resolve ${ref}: the installation service has no resolve option`, {
      hint: 'Pass resolve (e.g. the MCPDiscoveryService) to createInstallationService, or install from a ServerMetadata object',
    })
  }
  const signalContext = signal ? { signal } : {}
  const metadata = typeof resolver === 'function' ? await resolver(ref, signalContext) : await resolver.getServerMetadata(ref, signalContext)
  checkMetadata(metadata, 'E_BAD_RESPONSE', `the metadata resolved for ${ref}`)
  return metadata
}

/** Validates metadata without replacing it (installers may read fields the schema does not name). */
export function checkMetadata(metadata: unknown, code: 'E_INVALID_INPUT' | 'E_BAD_RESPONSE', what: string): asserts metadata is ServerMetadata {
  const parsed = ServerMetadataSchema.safeParse(metadata)
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`)
    throw new TektonError(code, `${what} is not valid server metadata: ${issues.join('; ')}`)
  }
}

/** Checks a version, range or tag given by a caller; `undefined` stays `undefined` (the latest). */
export function checkRequestedVersion(version: string | undefined): string | undefined {
  if (version === undefined) return undefined
  const trimmed = typeof version === 'string' ? version.trim() : ''
  if (!trimmed || trimmed.length > 100 || !/^[A-Za-z0-9.+~^<>=*|, :-]+$/.test(trimmed)) {
    throw new TektonError('E_INVALID_VERSION', `${JSON.stringify(String(version).slice(0, 80))} is not a version, range or tag`, {
      hint: 'Write a version such as 1.2.3, a range such as ^1.2 or a tag such as latest',
    })
  }
  return trimmed
}

/** A ref without its version, or `undefined` when it does not parse. */
export function safeFormatRef(ref: string): string | undefined {
  try {
    return formatRef(parseRef(ref), { withVersion: false })
  } catch {
    return undefined
  }
}
