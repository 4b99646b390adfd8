/**
 * Lenient shapes of the JSON API's responses (`/pypi/<name>/json`, `/pypi/<name>/<version>/json`):
 * only what we read, every field optional where real documents omit or mistype it. Parsing also
 * reduces what is cached: the long description (a README, often hundreds of KiB) is replaced by
 * the `mcp-name:` claim found in it, and files keep the fields an installer needs.
 *
 * Every transform here is idempotent (its output parses to itself): the HTTP client validates
 * entries read back from the disk cache with the same schema.
 */
import { z } from 'zod'

/** The official MCP Registry's server name grammar: `namespace/name`. */
const serverNamePattern = /^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?\/[a-zA-Z0-9](?:[a-zA-Z0-9._-]*[a-zA-Z0-9])?/
const markerPrefix = 'mcp-name: '

/**
 * The server name claimed with the official registry's ownership marker, `mcp-name: <name>`,
 * anywhere in a long description (often inside an HTML comment, so it does not render). Read the
 * way the registry's own validator reads it: exactly `mcp-name: ` followed by a server name; the
 * first well-formed one counts.
 */
export function extractMcpName(description: string): string | undefined {
  for (let offset = description.indexOf(markerPrefix); offset >= 0; offset = description.indexOf(markerPrefix, offset + 1)) {
    const match = serverNamePattern.exec(description.slice(offset + markerPrefix.length, offset + markerPrefix.length + 220))
    if (match) return match[0]
  }
  return undefined
}

const optionalString = z.string().nullish().catch(undefined)

export const PypiFileSchema = z.object({
  filename: z.string(),
  url: z.string(),
  packagetype: optionalString,
  digests: z.object({ sha256: optionalString }).nullish().catch(undefined),
  requires_python: optionalString,
  size: z.number().nullish().catch(undefined),
  upload_time_iso_8601: optionalString,
  yanked: z.boolean().nullish().catch(undefined),
  yanked_reason: optionalString,
})
export type PypiFileData = z.infer<typeof PypiFileSchema>

/** A list of files where one malformed entry is dropped rather than failing the document. */
const FileListSchema = z
  .array(PypiFileSchema.nullable().catch(null))
  .catch([])
  .transform((files) => files.filter((file): file is PypiFileData => file !== null))

/**
 * PEP 792: a project's status and the maintainers' reason. An unknown status reads as absent:
 * a new one must not hide the project.
 */
export const ProjectStatusSchema = z.object({
  status: z.enum(['active', 'archived', 'quarantined', 'deprecated']).catch('active'),
  reason: optionalString,
})
export type ProjectStatusData = z.infer<typeof ProjectStatusSchema>

export const PypiInfoSchema = z
  .object({
    name: z.string(),
    version: z.string(),
    summary: optionalString,
    /** Replaced by `mcpName` when parsed. */
    description: z.unknown().optional(),
    /** The `mcp-name:` claim found in `description` (kept from an earlier parse when there is no description). */
    mcpName: optionalString,
    license: optionalString,
    license_expression: optionalString,
    classifiers: z.array(z.string()).nullish().catch(undefined),
    keywords: optionalString,
    requires_python: optionalString,
    requires_dist: z.array(z.string()).nullish().catch(undefined),
    project_urls: z.record(z.string(), z.string()).nullish().catch(undefined),
    home_page: optionalString,
    package_url: optionalString,
    project_url: optionalString,
    yanked: z.boolean().nullish().catch(undefined),
    yanked_reason: optionalString,
    /** PEP 792's project status, as the JSON API gives it (`active`, `archived`, `quarantined`, `deprecated`). */
    project_status: ProjectStatusSchema.nullish().catch(undefined),
  })
  .transform(({ description, mcpName, ...info }) => {
    const claimed = typeof description === 'string' ? extractMcpName(description) : (mcpName ?? undefined)
    return { ...info, ...(claimed === undefined ? {} : { mcpName: claimed }) }
  })
export type PypiInfoData = z.infer<typeof PypiInfoSchema>

/** `/pypi/<name>/json`: `releases` maps each version to its files; `urls` are the latest's files. */
export const PypiProjectSchema = z.object({
  info: PypiInfoSchema,
  /** PEP 792's project status as the Simple API (PEP 691) names it; read when `info` has none. */
  'project-status': ProjectStatusSchema.nullish().catch(undefined),
  releases: z.record(z.string(), FileListSchema).nullish().catch(undefined),
  urls: FileListSchema.optional(),
})
export type PypiProjectData = z.infer<typeof PypiProjectSchema>
