/**
 * The data model. `ServerMetadata` follows the official server.json (name, title, description,
 * version, repository, websiteUrl, packages, remotes) and adds what discovery knows beyond it:
 * capabilities, requirements, license, keywords, popularity, status, verified ownership facts and
 * the sources that know the server. Changing these shapes is a breaking change.
 */
import { z } from 'zod'
import { TektonError } from '../errors'
import { controlCharacterPattern } from '../refs'

/** An input a package or remote takes (server.json `Input` / `KeyValueInput`). */
export const InputSchema = z.object({
  name: z.string().optional(),
  description: z.string().optional(),
  format: z.enum(['string', 'number', 'boolean', 'filepath']).optional(),
  isRequired: z.boolean().optional(),
  isSecret: z.boolean().optional(),
  default: z.string().optional(),
  placeholder: z.string().optional(),
  value: z.string().optional(),
  choices: z.array(z.string()).optional(),
  variables: z.record(z.string(), z.unknown()).optional(),
})
export type Input = z.infer<typeof InputSchema>

/** A command-line argument (server.json `PositionalArgument` | `NamedArgument`). */
export const ArgumentSchema = InputSchema.extend({
  type: z.enum(['positional', 'named']),
  valueHint: z.string().optional(),
  isRepeated: z.boolean().optional(),
})
export type Argument = z.infer<typeof ArgumentSchema>

export const transportTypes = ['stdio', 'streamable-http', 'sse'] as const
export type TransportType = (typeof transportTypes)[number]

export const TransportSchema = z.object({
  type: z.enum(transportTypes),
  url: z.string().optional(),
  headers: z.array(InputSchema).optional(),
  variables: z.record(z.string(), InputSchema).optional(),
})
export type Transport = z.infer<typeof TransportSchema>

/** One way to install and run the server (server.json `Package`). */
export const PackageSchema = z.object({
  registryType: z.string(),
  identifier: z.string(),
  version: z.string().optional(),
  registryBaseUrl: z.string().optional(),
  transport: TransportSchema,
  runtimeHint: z.string().optional(),
  runtimeArguments: z.array(ArgumentSchema).optional(),
  packageArguments: z.array(ArgumentSchema).optional(),
  environmentVariables: z.array(InputSchema).optional(),
  fileSha256: z.string().optional(),
  /**
   * Executables the package provides, name → path inside the package (npm `bin`): the launch
   * entry an installer runs with `node`, without `npx`. server.json allows this extra field.
   */
  bin: z.record(z.string(), z.string()).optional(),
})
export type Package = z.infer<typeof PackageSchema>

export const RepositorySchema = z.object({
  url: z.string(),
  source: z.string(),
  id: z.string().optional(),
  subfolder: z.string().optional(),
})
export type Repository = z.infer<typeof RepositorySchema>

export const capabilityKinds = ['tools', 'resources', 'prompts', 'logging', 'completions', 'sampling', 'roots', 'elicitation'] as const

/**
 * Something a server offers. `origin: 'declared'` comes from metadata (keywords, server.json,
 * a README); `'observed'` from a real MCP handshake, which is the only proof.
 */
export const CapabilitySchema = z.object({
  kind: z.enum(capabilityKinds),
  /** A tool, resource or prompt name, when known. */
  name: z.string().optional(),
  description: z.string().optional(),
  origin: z.enum(['declared', 'observed']),
})
export type Capability = z.infer<typeof CapabilitySchema>

/** Something the machine must have to run the server. */
export const RequirementSchema = z.object({
  kind: z.enum(['runtime', 'os', 'cpu', 'env', 'docker']),
  /** `node`, `python`, `linux`, an environment variable's name, ... */
  name: z.string(),
  /** A version range in the runtime's own syntax (semver for node, PEP 440 for python). */
  range: z.string().optional(),
  optional: z.boolean().optional(),
  secret: z.boolean().optional(),
  description: z.string().optional(),
})
export type Requirement = z.infer<typeof RequirementSchema>

export const PopularitySchema = z.object({
  /** Downloads in the last week or month, as `period` says. */
  downloads: z.number().nonnegative().optional(),
  period: z.enum(['week', 'month']).optional(),
  stars: z.number().nonnegative().optional(),
  /** A 0..1 score from the source itself (e.g. npm's search score), when it gives one. */
  sourceScore: z.number().optional(),
})
export type Popularity = z.infer<typeof PopularitySchema>

/**
 * A server's standing: `archived` (read-only, no longer maintained: a GitHub repository, a PyPI
 * project per PEP 792) sits between `deprecated` and `deleted`.
 */
export const serverStatuses = ['active', 'deprecated', 'archived', 'deleted'] as const
export const StatusSchema = z.enum(serverStatuses)
export type ServerStatus = z.infer<typeof StatusSchema>

/**
 * An ownership fact. `verified: true` only when two independent places agree (e.g. an npm
 * package's `mcpName` names a registry server that lists that npm package).
 */
export const VerificationSchema = z.object({
  kind: z.enum(['npm-mcp-name', 'pypi-mcp-name', 'oci-label', 'registry-package', 'repository']),
  /** The claimed name or link, e.g. `io.github.owner/server`. */
  value: z.string(),
  verified: z.boolean(),
  detail: z.string().optional(),
  /**
   * The entry the claim was checked against, as a ref (e.g. `registry:io.github.owner/server`),
   * when it was checked: it confirms the claim (`verified: true`) or contradicts it (`detail` says how).
   */
  checkedAgainst: z.string().optional(),
})
export type Verification = z.infer<typeof VerificationSchema>

/** One source that knows this server, under its own id. */
export const SourceRecordSchema = z.object({
  source: z.string(),
  id: z.string(),
  url: z.string().optional(),
  /** Why the source's entry was taken to be an MCP server (search filtering), when relevant. */
  reasons: z.array(z.string()).optional(),
})
export type SourceRecord = z.infer<typeof SourceRecordSchema>

export const ServerMetadataSchema = z.object({
  /** Canonical ref of the primary source, e.g. `npm:@modelcontextprotocol/server-filesystem`. */
  ref: z.string(),
  /** The server's name: its official registry name when known, else its package name. */
  name: z.string(),
  title: z.string().optional(),
  description: z.string(),
  /** Latest version. */
  version: z.string(),
  repository: RepositorySchema.optional(),
  websiteUrl: z.string().optional(),
  packages: z.array(PackageSchema),
  remotes: z.array(TransportSchema),
  capabilities: z.array(CapabilitySchema),
  requirements: z.array(RequirementSchema),
  license: z.string().optional(),
  keywords: z.array(z.string()),
  popularity: PopularitySchema.optional(),
  status: StatusSchema,
  /** The publisher's deprecation message, when deprecated. */
  statusMessage: z.string().optional(),
  verified: z.array(VerificationSchema),
  sources: z.array(SourceRecordSchema),
  /** Official registry name this server claims (npm `mcpName`, PyPI `mcp-name:`), when any. */
  registryName: z.string().optional(),
  publishedAt: z.string().optional(),
  updatedAt: z.string().optional(),
  /**
   * For a fork: the repository it was forked from (`owner/name`, or `unknown` when the source
   * does not say). A fork does not take the upstream's name, packages or verification.
   */
  forkOf: z.string().optional(),
})
export type ServerMetadata = z.infer<typeof ServerMetadataSchema>

export const ServerVersionSchema = z.object({
  version: z.string(),
  publishedAt: z.string().optional(),
  /** The deprecation message, or true when deprecated without one. */
  deprecated: z.union([z.string(), z.boolean()]).optional(),
  prerelease: z.boolean(),
  yanked: z.boolean().optional(),
  /** Why the version was yanked, when the index says (PEP 592). */
  yankedReason: z.string().optional(),
  /** Dist-tags (npm) or similar labels pointing at this version, e.g. `latest`. */
  tags: z.array(z.string()),
})
export type ServerVersion = z.infer<typeof ServerVersionSchema>

/** Filters a search may apply; each works across sources. */
export const SearchFiltersSchema = z.strictObject({
  /** Only these sources (`npm`, `pypi`, `github`, `registry`, ...). */
  sources: z.array(z.string().min(1).max(40)).max(20).optional(),
  /** Only servers installable from these registry types (`npm`, `pypi`, `oci`, ...). */
  registryTypes: z.array(z.string().min(1).max(40)).max(20).optional(),
  /** Only servers offering one of these transports. */
  transports: z.array(z.enum(transportTypes)).max(3).optional(),
  /** Only servers declaring one of these capabilities or tags (keywords). */
  capabilities: z.array(z.string().min(1).max(100)).max(20).optional(),
  /** Only servers with verified ownership. */
  verifiedOnly: z.boolean().optional(),
})
export type SearchFilters = z.infer<typeof SearchFiltersSchema>

export const maxSearchLimit = 100
export const defaultSearchLimit = 20

export const SearchQuerySchema = z.strictObject({
  text: z
    .string()
    .trim()
    .max(200, 'a search is at most 200 characters')
    // The text is echoed in notes, hints and cache keys: it must print as what it is.
    .refine((text) => !controlCharacterPattern.test(text), 'a search cannot contain control or invisible characters'),
  filters: SearchFiltersSchema.optional(),
  limit: z.number().int().min(1).max(maxSearchLimit).optional(),
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor: z.string().max(2000).optional(),
})
export type SearchQuery = z.infer<typeof SearchQuerySchema>

/**
 * A source's check of the query it is handed (callers may bypass the service): the query with
 * its limit defaulted, or `E_INVALID_QUERY` naming the source and the first problem.
 */
export function parseSearchQuery(query: unknown, source: string): SearchQuery & { limit: number } {
  const parsed = SearchQuerySchema.safeParse(query)
  if (!parsed.success) {
    throw new TektonError('E_INVALID_QUERY', `[${source}] invalid search: ${parsed.error.issues[0]?.message ?? 'invalid query'}`)
  }
  return { ...parsed.data, limit: parsed.data.limit ?? defaultSearchLimit }
}

/** One query term and where it matched: `file` matched `filesystem` (a prefix) in the name. */
export const TermMatchSchema = z.object({
  /** The query term as typed (lower-cased). */
  term: z.string(),
  /** The word of the server it matched. */
  matchedAs: z.string(),
  kind: z.enum(['exact', 'prefix', 'fuzzy']),
  /** The fields it matched in: `name`, `title`, `keywords`, `description`. */
  fields: z.array(z.string()),
})
export type TermMatch = z.infer<typeof TermMatchSchema>

/**
 * The bounded quality components, each already weighted: their sum (clamped to [-60, 30]) is
 * `quality`. `verified` 0 or 8, `registry` 0 or 6 (listed in the official registry),
 * `downloads` 0..6 and `stars` 0..4 (log-scaled), `recency` 0..3, `sources` 0..3 (more than one
 * source agreeing); `status` -35 deprecated, -60 deleted.
 */
export const QualityComponentsSchema = z.object({
  verified: z.number(),
  /** Absent in answers from before it was counted. */
  registry: z.number().optional(),
  downloads: z.number(),
  stars: z.number(),
  recency: z.number(),
  status: z.number(),
  sources: z.number(),
})
export type QualityComponents = z.infer<typeof QualityComponentsSchema>

/** Why a result ranks where it does: the signals used, for `--json`. `score = relevance + quality`. */
export const RankSignalsSchema = z.object({
  /** 0..100: text match (up to 60) plus 40 for an exact name match. */
  relevance: z.number(),
  /** -60..30: the sum of `components`. */
  quality: z.number(),
  /** Fields that matched: `name:exact`, `name`, `name:prefix`, `title`, `keywords:fuzzy`, ... */
  matched: z.array(z.string()),
  /** The query typed the server's name exactly (a name, package or repository name). */
  exact: z.boolean().optional(),
  /** 0..1: the share of query terms matched, each weighted by its best field and match kind. */
  coverage: z.number().optional(),
  /** The full-text (BM25, field-boosted) score among this search's candidates. */
  textScore: z.number().optional(),
  /** Every query term that matched, with the word and fields it matched. */
  terms: z.array(TermMatchSchema).optional(),
  components: QualityComponentsSchema.optional(),
})
export type RankSignals = z.infer<typeof RankSignalsSchema>

export const SearchResultSchema = z.object({
  ref: z.string(),
  server: ServerMetadataSchema,
  score: z.number(),
  signals: RankSignalsSchema.optional(),
  /**
   * When several sources' entries were merged into this result: the ref of each, the result's
   * own `ref` first (e.g. `registry:io.github.owner/x`, `npm:x`, `github:owner/x`).
   */
  mergedRefs: z.array(z.string()).optional(),
  /**
   * Installed on this machine: set by the application for a server a source says was deleted
   * upstream (unpublished, quarantined), which still runs here; absent otherwise.
   */
  installedHere: z.boolean().optional(),
})
export type SearchResult = z.infer<typeof SearchResultSchema>

export const sourceStates = ['ok', 'stale', 'error', 'timeout', 'rate-limited', 'unavailable', 'skipped'] as const
export type SourceState = (typeof sourceStates)[number]

/**
 * Why a cached answer was served after its freshness ran out: `refreshing` (served while a
 * refresh runs in the background), `unreachable` (the source could not be reached: DNS, refused,
 * timeout), `rate-limited`, `failed` (the source answered with an error), `needs-sync` (a local
 * copy that only a sync refreshes, and none runs).
 */
export const staleReasons = ['refreshing', 'unreachable', 'rate-limited', 'failed', 'needs-sync'] as const
export type StaleReason = (typeof staleReasons)[number]

/**
 * How one source answered a request, as data: front ends word it ("served from cache, 3 h old",
 * "retry after 12:00", "sync first"), and nothing parses their sentences back.
 */
export const SourceStatusSchema = z.object({
  source: z.string(),
  state: z.enum(sourceStates),
  /** The error code, for every state but ok (and for a stale answer, the refresh's failure). */
  code: z.string().optional(),
  /** The error's own message, when the source failed or a refresh behind a stale answer did. */
  message: z.string().optional(),
  /** Served from cache (fresh or stale). */
  fromCache: z.boolean().optional(),
  /** Age of the cached answer in ms, when served from cache. */
  ageMs: z.number().optional(),
  /** The answer is older than its freshness allows; `staleReason` says why it was served anyway. */
  stale: z.boolean().optional(),
  staleReason: z.enum(staleReasons).optional(),
  /** When a rate limit resets, or a skipped source is asked again (ISO time), when known. */
  retryAt: z.string().optional(),
  /** The source has no local copy (a catalogue, a name index) to search yet: a sync builds it. */
  needsSync: z.boolean().optional(),
  /** For a source skipped as unreachable: when it was last tried (ISO time). */
  lastTriedAt: z.string().optional(),
  durationMs: z.number().optional(),
  resultCount: z.number().optional(),
})
export type SourceStatus = z.infer<typeof SourceStatusSchema>

export const SearchPageSchema = z.object({
  results: z.array(SearchResultSchema),
  sources: z.array(SourceStatusSchema),
  /** Present when more results may follow. */
  nextCursor: z.string().optional(),
  /** Total matches, when the sources report them. */
  total: z.number().optional(),
})
export type SearchPage = z.infer<typeof SearchPageSchema>
