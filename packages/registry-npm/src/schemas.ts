/**
 * Lenient shapes of the npm registry's responses: only what we read, every field optional where
 * real packuments omit or mistype it. Fields whose type varies across decades of publishing
 * (`license`, `repository`, `bin`, ...) stay `unknown` and are normalised in mapping.ts.
 * Parsing also strips what we never read (readmes can be megabytes), keeping cache entries small.
 */
import { z } from 'zod'
import { searchHitReasons } from './classify'

export const NpmManifestSchema = z.object({
  version: z.string(),
  description: z.unknown().optional(),
  keywords: z.unknown().optional(),
  license: z.unknown().optional(),
  repository: z.unknown().optional(),
  homepage: z.unknown().optional(),
  bin: z.unknown().optional(),
  engines: z.unknown().optional(),
  dependencies: z.unknown().optional(),
  mcpName: z.unknown().optional(),
  deprecated: z.unknown().optional(),
})
export type NpmManifestData = z.infer<typeof NpmManifestSchema>

export const NpmPackumentSchema = z.object({
  name: z.string(),
  description: z.unknown().optional(),
  'dist-tags': z.record(z.string(), z.unknown()).nullish(),
  // A broken old manifest becomes null rather than hiding the whole package.
  versions: z.record(z.string(), NpmManifestSchema.nullable().catch(null)).nullish(),
  time: z.record(z.string(), z.unknown()).nullish(),
  keywords: z.unknown().optional(),
  license: z.unknown().optional(),
  repository: z.unknown().optional(),
  homepage: z.unknown().optional(),
})
export type NpmPackumentData = z.infer<typeof NpmPackumentSchema>

/**
 * A search hit reduced to the fields mapping reads: responses are cached, and a whole hit
 * (maintainers and their e-mail addresses, publisher, score details) is about ten times larger.
 */
export const NpmSearchObjectSchema = z.object({
  package: z.object({
    name: z.string(),
    version: z.string().nullish(),
    description: z.unknown().optional(),
    keywords: z.unknown().optional(),
    date: z.unknown().optional(),
    links: z.object({ npm: z.unknown().optional(), homepage: z.unknown().optional(), repository: z.unknown().optional() }).nullish(),
    license: z.unknown().optional(),
  }),
  score: z.object({ final: z.number().nullish() }).nullish(),
  downloads: z.object({ weekly: z.number().nullish() }).nullish(),
  flags: z.object({ deprecated: z.unknown().optional() }).nullish(),
})
export type NpmSearchObject = z.infer<typeof NpmSearchObjectSchema>

export const NpmSearchResponseSchema = z.object({
  // Each hit is checked on its own, so one odd entry does not fail the whole search. Hits that
  // are malformed, not MCP servers or not validly named become null before the response is
  // cached, rather than being removed: positions stay as npm ranked them (relevance uses them).
  objects: z
    .array(NpmSearchObjectSchema.nullable().catch(null))
    .transform((hits) => hits.map((hit) => (hit !== null && searchHitReasons(hit.package).length > 0 ? hit : null))),
  total: z.number().nullish(),
})
export type NpmSearchResponse = z.infer<typeof NpmSearchResponseSchema>
