/**
 * Lenient shapes of the registry's responses: only what we read. server.json fields are kept as
 * `unknown` and cleaned in mapping.ts, so an odd field drops that field, not the server; an odd
 * entry in a list becomes null, not a failed page. Unread fields (icons, publisher-provided
 * `_meta`) are stripped, keeping cache entries and the catalogue small.
 */
import { z } from 'zod'

/** `_meta["io.modelcontextprotocol.registry/official"]`: what the registry says about an entry. */
export const OfficialMetaSchema = z.object({
  status: z.string().nullish(),
  statusMessage: z.string().nullish(),
  statusChangedAt: z.string().nullish(),
  publishedAt: z.string().nullish(),
  updatedAt: z.string().nullish(),
  isLatest: z.boolean().nullish(),
})
export type OfficialMeta = z.infer<typeof OfficialMetaSchema>

/** The server.json fields mapping reads. */
export const ServerJsonFieldsSchema = z.object({
  name: z.string(),
  title: z.unknown().optional(),
  description: z.unknown().optional(),
  version: z.unknown().optional(),
  repository: z.unknown().optional(),
  websiteUrl: z.unknown().optional(),
  packages: z.unknown().optional(),
  remotes: z.unknown().optional(),
  // Registries before the 2025-09-29 schema put their metadata inside server._meta.
  _meta: z.record(z.string(), z.unknown()).nullish().catch(undefined),
})
export type ServerJsonFields = z.infer<typeof ServerJsonFieldsSchema>

/** One `{ server, _meta }` entry (ServerResponse in the OpenAPI document). */
export const OfficialServerEntrySchema = z.object({
  server: ServerJsonFieldsSchema,
  _meta: z.record(z.string(), z.unknown()).nullish().catch(undefined),
})
export type OfficialServerEntry = z.infer<typeof OfficialServerEntrySchema>

/** A list of entries (ServerList): `/v0.1/servers` and `/v0.1/servers/{name}/versions`. */
export const OfficialServerListSchema = z.object({
  servers: z.array(OfficialServerEntrySchema.nullable().catch(null)),
  metadata: z
    .object({
      nextCursor: z.string().nullish(),
      // The field was `next_cursor` before the API settled on camelCase.
      next_cursor: z.string().nullish(),
      count: z.number().nullish(),
    })
    .nullish()
    .catch(undefined),
})
export type OfficialServerList = z.infer<typeof OfficialServerListSchema>

/** The cursor of the next page, whichever spelling the registry uses; undefined at the end. */
export function nextCursorOf(list: OfficialServerList): string | undefined {
  const cursor = list.metadata?.nextCursor ?? list.metadata?.next_cursor
  return cursor ? cursor : undefined
}
