/**
 * Conversion between our `ServerMetadata` and the official `server.json` (schema 2025-12-11).
 *
 * server.json is what publishers write and the official registry serves; it is narrower than
 * what discovery knows (and caps `description` at 100 characters), so `toServerJson` keeps our
 * extra fields under `_meta["dev.tekton.mcp/discovery"]` and `fromServerJson` restores them: a
 * round trip loses nothing, and the output always validates against the official schema.
 */
import { z } from 'zod'
import { isHttpUrl } from '../kit/base-url'
import { formatRef } from '../refs'
import {
  PackageSchema,
  RepositorySchema,
  ServerMetadataSchema,
  TransportSchema,
  type Package,
  type Requirement,
  type ServerMetadata,
  type ServerStatus,
  type Transport,
} from './metadata'

export const serverJsonSchemaUrl = 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json'
/** Our key inside server.json `_meta`. */
export const discoveryMetaKey = 'dev.tekton.mcp/discovery'
/** The official registry's own metadata key in API responses. */
export const officialMetaKey = 'io.modelcontextprotocol.registry/official'

const registryNamePattern = /^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/
const maxDescription = 100
const maxTitle = 100

/** A server.json document (the subset of fields we read and write; `_meta` is open). */
export interface ServerJson {
  $schema?: string
  name: string
  title?: string
  description: string
  version: string
  repository?: { url: string; source: string; id?: string; subfolder?: string }
  websiteUrl?: string
  packages?: Package[]
  remotes?: Transport[]
  _meta?: Record<string, unknown>
}

function truncate(text: string, max: number): string {
  const clean = text.replace(/\s+/g, ' ').trim()
  return clean.length <= max ? clean : `${clean.slice(0, max - 1).trimEnd()}…`
}

/**
 * The server.json `name` for a server: its official registry name when it claims one, else a
 * name derived from its GitHub repository (`io.github.owner/repo`), else one under our own
 * namespace, so any discovered server can be exported.
 */
export function serverJsonName(metadata: ServerMetadata): string {
  for (const candidate of [metadata.registryName, metadata.name]) {
    if (candidate && registryNamePattern.test(candidate) && candidate.length <= 200) return candidate
  }
  const github = metadata.repository?.url.match(/^https?:\/\/github\.com\/([^/]+)\/([^/#?]+)/i)
  if (github?.[1] && github[2]) {
    return `io.github.${github[1].toLowerCase()}/${github[2].replace(/\.git$/, '')}`.slice(0, 200)
  }
  const local = metadata.name.replace(/^@/, '').replace(/[^a-zA-Z0-9._-]+/g, '-').replace(/^-+|-+$/g, '')
  return `dev.tekton.discovered/${local || 'server'}`.slice(0, 200)
}

function exportPackage(pkg: Package): Package {
  const result: Package = { ...pkg }
  // The schema forbids "latest" and ranges as a package version; leave it out rather than lie.
  if (!result.version || result.version === 'latest' || /[\^~<>=*x|\s]/.test(result.version)) delete result.version
  if (result.registryBaseUrl && !isHttpUrl(result.registryBaseUrl)) delete result.registryBaseUrl
  if (result.fileSha256 && !/^[a-f0-9]{64}$/.test(result.fileSha256)) delete result.fileSha256
  result.environmentVariables = result.environmentVariables?.filter((variable) => variable.name)
  if (!result.environmentVariables?.length) delete result.environmentVariables
  if (result.transport.type !== 'stdio' && !isHttpUrl(result.transport.url)) result.transport = { type: 'stdio' }
  return result
}

/** Converts to a server.json document that validates against the official schema. */
export function toServerJson(metadata: ServerMetadata): ServerJson {
  const name = serverJsonName(metadata)
  const document: ServerJson = {
    $schema: serverJsonSchemaUrl,
    name,
    description: truncate(metadata.description || metadata.title || metadata.name, maxDescription),
    version: metadata.version,
  }
  if (metadata.title) document.title = truncate(metadata.title, maxTitle)
  if (metadata.repository && isHttpUrl(metadata.repository.url)) document.repository = { ...metadata.repository }
  if (isHttpUrl(metadata.websiteUrl)) document.websiteUrl = metadata.websiteUrl
  if (metadata.packages.length) document.packages = metadata.packages.map(exportPackage)
  const remotes = metadata.remotes.filter((remote) => remote.type !== 'stdio' && isHttpUrl(remote.url))
  if (remotes.length) document.remotes = remotes
  const { ref, description, title, name: ourName, capabilities, requirements, license, keywords, popularity, status, statusMessage, verified, sources, registryName, publishedAt, updatedAt } = metadata
  document._meta = {
    [discoveryMetaKey]: {
      ref, name: ourName, description, title, capabilities, requirements, license, keywords, popularity,
      status, statusMessage, verified, sources, registryName, publishedAt, updatedAt,
    },
  }
  return document
}

/** Lenient reading of a server.json: registry data may lack fields or carry extra ones. */
const ServerJsonInputSchema = z.object({
  name: z.string(),
  title: z.string().nullish(),
  description: z.string().nullish(),
  version: z.string().nullish(),
  repository: RepositorySchema.partial({ source: true }).nullish(),
  websiteUrl: z.string().nullish(),
  packages: z.array(z.unknown()).nullish(),
  remotes: z.array(z.unknown()).nullish(),
  _meta: z.record(z.string(), z.unknown()).nullish(),
})

const OfficialMetaSchema = z.object({
  status: z.string().nullish(),
  publishedAt: z.string().nullish(),
  updatedAt: z.string().nullish(),
  isLatest: z.boolean().nullish(),
})

const runtimeByRegistryType: Record<string, Requirement> = {
  npm: { kind: 'runtime', name: 'node' },
  pypi: { kind: 'runtime', name: 'python' },
  oci: { kind: 'docker', name: 'docker' },
  nuget: { kind: 'runtime', name: 'dotnet' },
}

/** Requirements implied by a server's packages: runtimes and required environment variables. */
export function requirementsFromPackages(packages: Package[]): Requirement[] {
  const requirements: Requirement[] = []
  const seen = new Set<string>()
  const add = (requirement: Requirement) => {
    const key = `${requirement.kind}:${requirement.name}`
    if (seen.has(key)) return
    seen.add(key)
    requirements.push(requirement)
  }
  for (const pkg of packages) {
    const runtime = runtimeByRegistryType[pkg.registryType]
    // With several packages any one runtime will do, so none of them is strictly required.
    if (runtime) add(packages.length > 1 ? { ...runtime, optional: true } : runtime)
    for (const variable of pkg.environmentVariables ?? []) {
      if (!variable.name) continue
      add({
        kind: 'env',
        name: variable.name,
        optional: !variable.isRequired,
        ...(variable.isSecret ? { secret: true } : {}),
        ...(variable.description ? { description: variable.description } : {}),
      })
    }
  }
  return requirements
}

function toStatus(value: string | null | undefined): ServerStatus {
  return value === 'deprecated' || value === 'deleted' ? value : 'active'
}

/**
 * Reads a server.json (a file, or an entry from the official registry API) into ServerMetadata.
 * Our own `_meta` block, when present and valid, restores what server.json cannot hold.
 */
export function fromServerJson(input: unknown, options: { source?: string } = {}): ServerMetadata {
  const document = ServerJsonInputSchema.parse(input)
  const packages = (document.packages ?? []).flatMap((entry) => {
    const parsed = PackageSchema.safeParse(entry)
    return parsed.success ? [parsed.data] : []
  })
  const remotes = (document.remotes ?? []).flatMap((entry) => {
    const parsed = TransportSchema.safeParse(entry)
    return parsed.success ? [parsed.data] : []
  })
  const official = OfficialMetaSchema.safeParse(document._meta?.[officialMetaKey])
  const officialMeta = official.success ? official.data : undefined
  const source = options.source ?? 'registry'
  const base: ServerMetadata = {
    ref: formatRef({ kind: 'registry', id: document.name }),
    name: document.name,
    description: document.description ?? '',
    version: document.version ?? '0.0.0',
    packages,
    remotes,
    capabilities: [],
    requirements: requirementsFromPackages(packages),
    keywords: [],
    status: toStatus(officialMeta?.status),
    verified: [],
    sources: [{ source, id: document.name }],
    registryName: document.name,
  }
  if (document.title) base.title = document.title
  if (document.repository?.url) {
    base.repository = { ...document.repository, url: document.repository.url, source: document.repository.source ?? 'unknown' }
  }
  if (document.websiteUrl) base.websiteUrl = document.websiteUrl
  if (officialMeta?.publishedAt) base.publishedAt = officialMeta.publishedAt
  if (officialMeta?.updatedAt) base.updatedAt = officialMeta.updatedAt

  const ours = document._meta?.[discoveryMetaKey]
  if (ours && typeof ours === 'object') {
    const restored = ServerMetadataSchema.partial().safeParse(ours)
    if (restored.success) {
      const extras = Object.fromEntries(Object.entries(restored.data).filter(([, value]) => value !== undefined))
      return { ...base, ...extras }
    }
  }
  return base
}
