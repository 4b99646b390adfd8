/**
 * From the registry's `{ server, _meta }` entries to the data model. server.json is read with
 * `fromServerJson` (discovery), after a cleaning pass that keeps every package and remote it can
 * (one odd argument drops that argument, not the package), and only the registry's own `_meta`
 * key: registry data must not be able to restore our `dev.tekton.mcp/discovery` block and so
 * claim verified facts, other sources or popularity.
 */
import {
  ArgumentSchema,
  InputSchema,
  PackageSchema,
  TransportSchema,
  fromServerJson,
  normalizePypiName,
  officialMetaKey,
  transportTypes,
} from '@tekton/mcp-discovery'
import type { Argument, Input, Package, ServerMetadata, ServerVersion, Transport, Verification } from '@tekton/mcp-discovery'
import { sortNewestFirst } from '@tekton/mcp-discovery/kit'
import { OfficialMetaSchema } from './schemas'
import type { OfficialMeta, OfficialServerEntry, ServerJsonFields } from './schemas'
import { isPrerelease } from './versions'

/** The source id registry results carry (`registry:` refs). */
export const registrySourceId = 'registry'

/** Why a `registry-package` fact is verified, for the official registry. */
export const officialListingDetail = 'listed by the official MCP Registry'

const registryNamePattern = /^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/

/** The registry's name rule: reverse-DNS `namespace/name`, 3 to 200 characters. */
export function isRegistryName(name: string): boolean {
  return name.length >= 3 && name.length <= 200 && registryNamePattern.test(name)
}

export interface MappingContext {
  /** The registry's base URL, without credentials: entry links are built from it. */
  baseUrl: string
  /** Whether it is the official registry (the wording of ownership facts depends on it). */
  official: boolean
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The registry's metadata of an entry: the top-level `_meta`, else the pre-2025-09-29 place inside server. */
export function officialMetaOf(entry: OfficialServerEntry): OfficialMeta {
  const parsed = OfficialMetaSchema.safeParse(entry._meta?.[officialMetaKey] ?? entry.server._meta?.[officialMetaKey])
  return parsed.success ? parsed.data : {}
}

/** The status an entry has: `active`, `deprecated` or `deleted` (anything else reads as active). */
export function statusOf(meta: OfficialMeta): 'active' | 'deprecated' | 'deleted' {
  return meta.status === 'deprecated' || meta.status === 'deleted' ? meta.status : 'active'
}

function validItems<T>(value: unknown, parse: (item: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(value)) return undefined
  const items = value.flatMap((item) => {
    const parsed = parse(item)
    return parsed === undefined ? [] : [parsed]
  })
  return items.length > 0 ? items : undefined
}

const parseInput = (item: unknown): Input | undefined => {
  const parsed = InputSchema.safeParse(item)
  return parsed.success ? parsed.data : undefined
}
const parseNamedInput = (item: unknown): Input | undefined => {
  const parsed = parseInput(item)
  return parsed?.name ? parsed : undefined
}
const parseArgument = (item: unknown): Argument | undefined => {
  const parsed = ArgumentSchema.safeParse(item)
  return parsed.success ? parsed.data : undefined
}

/** A transport with its unusable parts dropped; undefined when its type is unknown. */
function salvageTransport(value: unknown): Transport | undefined {
  const parsed = TransportSchema.safeParse(value)
  if (parsed.success) return parsed.data
  if (!isRecord(value) || !(transportTypes as readonly unknown[]).includes(value.type)) return undefined
  const transport: Transport = { type: value.type as Transport['type'] }
  const url = asString(value.url)
  if (url) transport.url = url
  const headers = validItems(value.headers, parseNamedInput)
  if (headers) transport.headers = headers
  if (isRecord(value.variables)) {
    const variables = Object.fromEntries(Object.entries(value.variables).flatMap(([key, item]) => {
      const input = parseInput(item)
      return input ? [[key, input]] : []
    }))
    if (Object.keys(variables).length > 0) transport.variables = variables
  }
  return transport
}

/**
 * A package with its unusable parts dropped: a package is kept whenever it names its registry
 * type and identifier, because the merge uses it to link the server to npm, PyPI or an image.
 */
export function salvagePackage(value: unknown): Package | undefined {
  const parsed = PackageSchema.safeParse(value)
  if (parsed.success) return parsed.data
  if (!isRecord(value)) return undefined
  const registryType = asString(value.registryType)
  const identifier = asString(value.identifier)
  if (!registryType || !identifier) return undefined
  // Local packages speak stdio unless they say otherwise (server.json requires `transport` since 2025-09).
  const pkg: Package = { registryType, identifier, transport: salvageTransport(value.transport) ?? { type: 'stdio' } }
  for (const field of ['version', 'registryBaseUrl', 'runtimeHint', 'fileSha256'] as const) {
    const text = asString(value[field])
    if (text) pkg[field] = text
  }
  const runtimeArguments = validItems(value.runtimeArguments, parseArgument)
  if (runtimeArguments) pkg.runtimeArguments = runtimeArguments
  const packageArguments = validItems(value.packageArguments, parseArgument)
  if (packageArguments) pkg.packageArguments = packageArguments
  const environmentVariables = validItems(value.environmentVariables, parseNamedInput)
  if (environmentVariables) pkg.environmentVariables = environmentVariables
  return pkg
}

/** A remote with its unusable parts dropped; undefined unless it is HTTP with a URL. */
export function salvageRemote(value: unknown): Transport | undefined {
  const transport = salvageTransport(value)
  return transport && transport.type !== 'stdio' && transport.url ? transport : undefined
}

/** server.json reduced to clean, typed fields, with only the registry's own `_meta`. */
export function cleanServerJson(server: ServerJsonFields, meta: OfficialMeta): Record<string, unknown> {
  const document: Record<string, unknown> = { name: server.name, description: asString(server.description) ?? '' }
  const title = asString(server.title)
  if (title) document.title = title
  const version = asString(server.version)
  if (version) document.version = version
  if (isRecord(server.repository) && asString(server.repository.url)) {
    const repository: Record<string, string> = { url: asString(server.repository.url) as string }
    for (const field of ['source', 'id', 'subfolder'] as const) {
      const text = asString(server.repository[field])
      if (text) repository[field] = text
    }
    document.repository = repository
  }
  const websiteUrl = asString(server.websiteUrl)
  if (websiteUrl) document.websiteUrl = websiteUrl
  document.packages = validItems(server.packages, salvagePackage) ?? []
  document.remotes = validItems(server.remotes, salvageRemote) ?? []
  document._meta = { [officialMetaKey]: meta }
  return document
}

/** What a package listing proves: `npm:<name>`, `pypi:<normalised name>`, `oci:<image>`, ... */
export function packageFactValue(pkg: Package): string {
  // PyPI compares names normalised (PEP 503), so the merge must too.
  const identifier = pkg.registryType === 'pypi' ? normalizePypiName(pkg.identifier) : pkg.identifier
  return `${pkg.registryType}:${identifier}`
}

/**
 * One verified `registry-package` fact per package: the registry only lists a package under a
 * name whose namespace the publisher proved to own, so a package's own claim of that name (npm
 * `mcpName`, PyPI `mcp-name:`) is confirmed when the registry lists it.
 */
export function registryPackageFacts(packages: Package[], context: MappingContext): Verification[] {
  const detail = context.official ? officialListingDetail : `listed by the MCP Registry at ${new URL(context.baseUrl).host}`
  const values = [...new Set(packages.map(packageFactValue))]
  return values.map((value) => ({ kind: 'registry-package', value, verified: true, detail }))
}

/** The API URL of one version of a server: where its entry can be read. */
export function entryUrl(baseUrl: string, name: string, version: string | undefined): string {
  return `${baseUrl}/v0.1/servers/${encodeURIComponent(name)}/versions/${encodeURIComponent(version ?? 'latest')}`
}

/**
 * Maps an entry to metadata; undefined when its name breaks the registry's own rule (it could not
 * be used as a ref). A deleted entry maps with status `deleted`; callers decide to hide it.
 */
export function entryToMetadata(entry: OfficialServerEntry, context: MappingContext): ServerMetadata | undefined {
  const name = entry.server.name
  if (!isRegistryName(name)) return undefined
  const meta = officialMetaOf(entry)
  const metadata = fromServerJson(cleanServerJson(entry.server, meta), { source: registrySourceId })
  const version = asString(entry.server.version)
  metadata.sources = [{ source: registrySourceId, id: name, url: entryUrl(context.baseUrl, name, version) }]
  metadata.verified = registryPackageFacts(metadata.packages, context)
  const statusMessage = asString(meta.statusMessage)
  if (statusMessage && metadata.status !== 'active') metadata.statusMessage = statusMessage
  return metadata
}

/**
 * Every version of a server, newest first (semver precedence where the versions are semver,
 * else publication time); `latest` tags the registry's latest, deprecated versions carry their
 * message (or `true`). Deleted versions are left out, as the registry itself hides them.
 */
export function entriesToVersions(entries: ReadonlyArray<OfficialServerEntry | null>): ServerVersion[] {
  const byVersion = new Map<string, ServerVersion>()
  for (const entry of entries) {
    if (!entry || !isRegistryName(entry.server.name)) continue
    const version = asString(entry.server.version)
    const meta = officialMetaOf(entry)
    const status = statusOf(meta)
    if (!version || status === 'deleted' || byVersion.has(version)) continue
    const item: ServerVersion = { version, prerelease: isPrerelease(version), tags: meta.isLatest ? ['latest'] : [] }
    const publishedAt = asString(meta.publishedAt)
    if (publishedAt) item.publishedAt = publishedAt
    if (status === 'deprecated') item.deprecated = asString(meta.statusMessage) ?? true
    byVersion.set(version, item)
  }
  return sortNewestFirst([...byVersion.values()])
}
