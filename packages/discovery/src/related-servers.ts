/**
 * The other sources' view of one server, for `info`: from a server's identity keys (its official
 * name, the packages its registry entry lists, its GitHub repository) the refs to ask the other
 * sources about, asked in parallel, each under the source's own deadline, then merged.
 */
import type { CallOptions, CombinedRegistry } from './combined-registry'
import { identityOf, mergeServers } from './merge'
import { formatRef, tryParseRef, type RefKind } from './refs'
import type { ServerMetadata, SourceStatus } from './spec/metadata'
import type { RegistrySource } from './spec/source'

/** Ref kinds of package registry types: an `oci` package is a `docker:` ref. */
const refKindByRegistryType: Record<string, RefKind> = { npm: 'npm', pypi: 'pypi', oci: 'docker' }

/**
 * Refs under which other sources may know `server`: `registry:<name>` for its official name or
 * claim, `npm:`/`pypi:`/`docker:` for its packages, `github:owner/repo` for a GitHub repository
 * the server has to itself (not a monorepo subfolder, whose stars and packages are not its own).
 */
export function relatedRefs(server: ServerMetadata): string[] {
  const identity = identityOf(server)
  const candidates: string[] = []
  if (identity.registryName) candidates.push(`registry:${identity.registryName}`)
  for (const key of identity.packages) {
    const colon = key.indexOf(':')
    const kind = refKindByRegistryType[key.slice(0, colon)]
    if (kind) candidates.push(`${kind}:${key.slice(colon + 1)}`)
  }
  const repository = identity.repository
  const github = repository && !repository.subfolder ? /^https:\/\/github\.com\/([^/]+\/[^/]+)$/.exec(repository.url) : null
  if (github?.[1]) candidates.push(`github:${github[1]}`)
  const own = tryParseRef(server.ref)
  const ownRef = own ? formatRef(own, { withVersion: false }) : server.ref
  const refs = new Set<string>()
  for (const candidate of candidates) {
    const ref = tryParseRef(candidate)
    // Junk from registry data (an invalid name) is dropped rather than sent anywhere.
    if (!ref || ref.version !== undefined) continue
    const formatted = formatRef(ref)
    if (formatted !== ownRef) refs.add(formatted)
  }
  return [...refs]
}

/** Options of `lookupMergedMetadata()`. */
export interface MergedLookupOptions extends CallOptions {
  /** Told how each source answered, including those that failed (which do not fail the lookup). */
  onSourceStatus?: (status: SourceStatus) => void
  /**
   * Rounds of following new keys: the registry entry an npm claim names may list an image and a
   * repository, which a second round asks about. @default 2
   */
  rounds?: number
}

/**
 * Completes `primary` with what the other sources know about the same server: asks each related
 * ref's source (in parallel, each on its own deadline), follows new keys for `rounds` rounds,
 * and merges the entries that are the same server. The result keeps `primary.ref`. A source that
 * fails or does not know the server is reported through `onSourceStatus` and left out.
 */
export async function lookupMergedMetadata(registry: CombinedRegistry, primary: ServerMetadata, options: MergedLookupOptions = {}): Promise<ServerMetadata> {
  const sourceFor = (kind: RefKind): RegistrySource | undefined => registry.sources.find((source) => source.refKinds.includes(kind))
  const asked = new Set<string>([primary.ref, ...primary.sources.map((record) => `${record.source}\u0000${record.id}`)])
  const found: ServerMetadata[] = []
  let frontier = relatedRefs(primary)
  const rounds = options.rounds ?? 2
  for (let round = 0; round < rounds && frontier.length > 0; round += 1) {
    const calls: Array<Promise<ServerMetadata | undefined>> = []
    for (const candidate of frontier) {
      const ref = tryParseRef(candidate)
      const source = ref && sourceFor(ref.kind)
      if (!ref || !source || asked.has(candidate) || asked.has(`${source.id}\u0000${ref.id}`)) continue
      asked.add(candidate)
      asked.add(`${source.id}\u0000${ref.id}`)
      calls.push(
        registry.getMetadata(source, ref.id, options).then((outcome) => {
          options.onSourceStatus?.(outcome.status)
          return outcome.value ?? undefined
        }),
      )
    }
    const answers = (await Promise.all(calls)).filter((server): server is ServerMetadata => server !== undefined)
    found.push(...answers)
    frontier = [...new Set(answers.flatMap(relatedRefs))]
  }
  if (found.length === 0) return primary
  const merged = mergeServers([primary, ...found], { primaryRef: primary.ref })
  return merged.find((entry) => entry.refs.includes(primary.ref))?.server ?? primary
}
