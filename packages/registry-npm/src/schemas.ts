/**
 * Lenient shapes of the npm registry's responses: only what we read, every field optional where
 * real packuments omit or mistype it. Fields whose type varies across decades of publishing
 * (`license`, `repository`, `bin`, ...) stay `unknown` and are normalised in mapping.ts.
 * Parsing also strips what we never read (readmes can be megabytes), keeping cache entries small.
 */
import { z } from 'zod'

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

export const NpmSearchObjectSchema = z.object({
  package: z.object({
    name: z.string(),
    version: z.string().nullish(),
    description: z.unknown().optional(),
    keywords: z.unknown().optional(),
    date: z.unknown().optional(),
    links: z.record(z.string(), z.unknown()).nullish(),
    license: z.unknown().optional(),
  }),
  score: z.object({ final: z.number().nullish() }).nullish(),
  searchScore: z.number().nullish(),
  downloads: z.object({ weekly: z.number().nullish(), monthly: z.number().nullish() }).nullish(),
  flags: z.record(z.string(), z.unknown()).nullish(),
})
export type NpmSearchObject = z.infer<typeof NpmSearchObjectSchema>

export const NpmSearchResponseSchema = z.object({
  // Each object is checked on its own, so one odd entry does not fail the whole search.
  objects: z.array(z.unknown()),
  total: z.number().nullish(),
})
export type NpmSearchResponse = z.infer<typeof NpmSearchResponseSchema>
