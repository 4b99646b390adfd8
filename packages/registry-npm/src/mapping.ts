/** From npm's documents to the data model: packuments to metadata and versions, search hits to results. */
import type { Package, Repository, Requirement, SearchResult, ServerMetadata, ServerVersion, Verification } from '@tekton/mcp-discovery'
import semver from 'semver'
import { mcpReasons, normalizeKeywords, searchHitReasons } from './classify'
import { parseRepositoryUrl, sortNewestFirst, withoutCredentials } from '@tekton/mcp-discovery/kit'
import type { NpmManifestData, NpmPackumentData, NpmSearchObject } from './schemas'

/** The source id npm results carry. */
export const npmSourceId = 'npm'

/**
 * An npm package entry as this source produces it. Its `bin` map (command name → file) is the
 * launch entry an installer runs; server.json has no field for it, but its `Package` allows
 * extra properties, so exported documents stay valid.
 */
export type NpmPackageEntry = Package

/** Why an `mcpName` is not verified yet: only the official registry listing this package confirms it. */
export const mcpNameDetail = 'claimed by the package, not yet confirmed by the official registry'

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}

function asStringRecord(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const entries = Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string')
  return entries.length > 0 ? Object.fromEntries(entries) : undefined
}

/** An SPDX expression from `license`, the legacy `{ type }` object or a `licenses` array. */
export function normalizeLicense(value: unknown): string | undefined {
  if (typeof value === 'string') return asString(value)
  if (Array.isArray(value)) {
    const types = value.map(normalizeLicense).filter((type): type is string => type !== undefined)
    return types.length > 0 ? types.join(' OR ') : undefined
  }
  if (typeof value === 'object' && value !== null) return asString((value as { type?: unknown }).type)
  return undefined
}

const sourceByHost: Record<string, string> = { 'github.com': 'github', 'gitlab.com': 'gitlab', 'bitbucket.org': 'bitbucket' }

/**
 * The repository from any form npm accepts (`git+https`, `git://`, `git@host:path`, `ssh://`,
 * `github:` shorthands), plus npm's bare `owner/repo`, which means GitHub.
 */
function readRepositoryUrl(raw: string) {
  const value = raw.trim()
  return parseRepositoryUrl(/^[a-z0-9][\w.-]*\/[\w.-]+$/i.test(value) ? `https://github.com/${value}` : value)
}

/** `repository` as a string or `{ url, directory }`, to the data model's repository. */
export function normalizeRepository(value: unknown): Repository | undefined {
  const raw = typeof value === 'string' ? value : typeof value === 'object' && value !== null ? (value as { url?: unknown }).url : undefined
  const location = typeof raw === 'string' ? readRepositoryUrl(raw) : undefined
  if (!location) return undefined
  const repository: Repository = { url: location.url, source: sourceByHost[location.host] ?? location.host }
  const directory = typeof value === 'object' && value !== null ? asString((value as { directory?: unknown }).directory) : undefined
  const subfolder = directory ?? location.subfolder
  if (subfolder) repository.subfolder = subfolder.replace(/^\.\//, '').replace(/\/+$/, '')
  return repository
}

/** The `bin` map; a string `bin` is installed under the package's unscoped name, as npm does. */
export function normalizeBin(name: string, value: unknown): Record<string, string> | undefined {
  if (typeof value === 'string' && value.trim() !== '') return { [name.slice(name.indexOf('/') + 1)]: value.trim() }
  return asStringRecord(value)
}

function deprecationOf(manifest: NpmManifestData | null | undefined): string | undefined {
  // npm "undeprecates" by publishing an empty message, so only a non-empty one counts.
  return asString(manifest?.deprecated)
}

function manifests(packument: NpmPackumentData): Array<[string, NpmManifestData]> {
  return Object.entries(packument.versions ?? {}).filter((entry): entry is [string, NpmManifestData] => entry[1] !== null)
}

function timeOf(packument: NpmPackumentData, key: string): string | undefined {
  return asString(packument.time?.[key])
}

/**
 * The version `latest` points at. Only when a packument has no usable `latest` tag, the highest
 * stable version stands in: publish order and semver order differ in real packuments.
 */
export function latestVersion(packument: NpmPackumentData): string | undefined {
  const tagged = asString(packument['dist-tags']?.latest)
  if (tagged && packument.versions?.[tagged]) return tagged
  const versions = manifests(packument).map(([version]) => version).filter((version) => semver.valid(version))
  const stable = versions.filter((version) => !semver.prerelease(version))
  return semver.rsort(stable.length > 0 ? stable : versions)[0]
}

export interface MappingContext {
  /** The registry the package came from, for `registryBaseUrl`. */
  baseUrl: string
}

function packageEntry(name: string, version: string | undefined, bin: Record<string, string> | undefined, context: MappingContext): NpmPackageEntry {
  const entry: NpmPackageEntry = {
    registryType: 'npm',
    identifier: name,
    ...(version ? { version } : {}),
    // Metadata is shown and stored: a registry URL with `user:password@` must not carry them along.
    registryBaseUrl: withoutCredentials(context.baseUrl),
    transport: { type: 'stdio' },
    // server.json's convention for npm packages: clients launch them with `npx <identifier>`.
    runtimeHint: 'npx',
  }
  if (bin) entry.bin = bin
  return entry
}

/** Maps a full packument to metadata; versions and popularity come from elsewhere. */
export function packumentToMetadata(packument: NpmPackumentData, context: MappingContext): ServerMetadata {
  const name = packument.name
  const version = latestVersion(packument)
  const manifest = version ? packument.versions?.[version] : undefined
  const deprecated = deprecationOf(manifest)
  const unpublished = version === undefined && typeof packument.time?.unpublished === 'object'
  const bin = normalizeBin(name, manifest?.bin)
  const engines = asStringRecord(manifest?.engines)
  const mcpName = asString(manifest?.mcpName)
  const repository = normalizeRepository(manifest?.repository ?? packument.repository)
  const homepage = asString(manifest?.homepage ?? packument.homepage)
  const license = normalizeLicense(manifest?.license ?? packument.license)

  const requirements: Requirement[] = [{ kind: 'runtime', name: 'node', ...(engines?.node ? { range: engines.node } : {}) }]
  const verified: Verification[] = mcpName ? [{ kind: 'npm-mcp-name', value: mcpName, verified: false, detail: mcpNameDetail }] : []
  const keywords = normalizeKeywords(manifest?.keywords ?? packument.keywords)
  const reasons = mcpReasons({ name, keywords, ...(mcpName ? { mcpName } : {}), ...(asStringRecord(manifest?.dependencies) ? { dependencies: asStringRecord(manifest?.dependencies) } : {}) })

  const metadata: ServerMetadata = {
    ref: `npm:${name}`,
    name,
    description: asString(manifest?.description) ?? asString(packument.description) ?? '',
    version: version ?? '',
    packages: version ? [packageEntry(name, version, bin, context)] : [],
    remotes: [],
    capabilities: [],
    requirements,
    keywords,
    status: unpublished ? 'deleted' : deprecated ? 'deprecated' : 'active',
    verified,
    sources: [{ source: npmSourceId, id: name, ...(reasons.length > 0 ? { reasons } : {}) }],
  }
  if (deprecated) metadata.statusMessage = deprecated
  if (unpublished) metadata.statusMessage = 'unpublished from the registry'
  if (repository) metadata.repository = repository
  if (homepage) metadata.websiteUrl = homepage
  if (license) metadata.license = license
  if (mcpName) metadata.registryName = mcpName
  const publishedAt = version ? timeOf(packument, version) : undefined
  if (publishedAt) metadata.publishedAt = publishedAt
  const updatedAt = timeOf(packument, 'modified')
  if (updatedAt) metadata.updatedAt = updatedAt
  return metadata
}

/** Every version with its publish time, deprecation, prerelease flag and dist-tags, newest first by semver. */
export function packumentToVersions(packument: NpmPackumentData): ServerVersion[] {
  const tagsByVersion = new Map<string, string[]>()
  for (const [tag, target] of Object.entries(packument['dist-tags'] ?? {})) {
    if (typeof target !== 'string') continue
    tagsByVersion.set(target, [...(tagsByVersion.get(target) ?? []), tag])
  }
  const versions = manifests(packument).map(([version, manifest]) => {
    const entry: ServerVersion = {
      version,
      prerelease: semver.valid(version) ? semver.prerelease(version) !== null : version.includes('-'),
      // `latest` first, then the other tags alphabetically, so output is stable.
      tags: (tagsByVersion.get(version) ?? []).sort((a, b) => (a === 'latest' ? -1 : b === 'latest' ? 1 : a.localeCompare(b))),
    }
    const publishedAt = timeOf(packument, version)
    if (publishedAt) entry.publishedAt = publishedAt
    const deprecated = deprecationOf(manifest)
    if (deprecated) entry.deprecated = deprecated
    return entry
  })
  // Versions npm itself would reject (very old packages) sort after valid ones, by publish time.
  return sortNewestFirst(versions)
}

/**
 * A search hit with its position, as a result; `undefined` when it does not look like an MCP
 * server or its name is not a valid npm package name.
 */
export function searchObjectToResult(object: NpmSearchObject, position: number, count: number, context: MappingContext): SearchResult | undefined {
  const pkg = object.package
  const reasons = searchHitReasons(pkg)
  if (reasons.length === 0) return undefined
  const keywords = normalizeKeywords(pkg.keywords)

  const links = object.package.links ?? {}
  const deprecated = object.flags?.deprecated
  const repository = typeof links.repository === 'string' ? normalizeRepository(links.repository) : undefined
  const homepage = asString(links.homepage)
  const license = normalizeLicense(pkg.license)
  const date = asString(pkg.date)
  const weekly = object.downloads?.weekly
  const sourceScore = object.score?.final
  const version = asString(pkg.version)

  const server: ServerMetadata = {
    ref: `npm:${pkg.name}`,
    name: pkg.name,
    description: asString(pkg.description) ?? '',
    version: version ?? '',
    packages: [packageEntry(pkg.name, version, undefined, context)],
    remotes: [],
    capabilities: [],
    requirements: [{ kind: 'runtime', name: 'node' }],
    keywords,
    status: deprecated ? 'deprecated' : 'active',
    verified: [],
    sources: [{ source: npmSourceId, id: pkg.name, ...(typeof links.npm === 'string' ? { url: links.npm } : {}), reasons }],
  }
  if (typeof deprecated === 'string' && deprecated.trim()) server.statusMessage = deprecated.trim()
  if (repository) server.repository = repository
  if (homepage) server.websiteUrl = homepage
  if (license) server.license = license
  // The search's `date` is when the latest version was published, as `publishedAt` is in metadata.
  if (date) server.publishedAt = date
  if (typeof weekly === 'number' || typeof sourceScore === 'number') {
    server.popularity = {
      ...(typeof weekly === 'number' && weekly >= 0 ? { downloads: weekly, period: 'week' as const } : {}),
      ...(typeof sourceScore === 'number' ? { sourceScore } : {}),
    }
  }
  // npm returns hits best first; keep that order as relevance in (0, 1].
  const relevance = (count - position) / count
  return { ref: server.ref, server, score: relevance, signals: { relevance, quality: sourceScore ?? 0, matched: reasons } }
}
