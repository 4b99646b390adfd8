/**
 * What a settings file may hold, as zod schemas: one layer is strict (a key nobody reads is
 * reported, so a typo does not silently do nothing) and every key is optional (a layer sets only
 * what it changes). The merged value fills in the defaults, so a reader never needs to know them.
 *
 * Changing a key's name or type here breaks every file that sets it: add keys, never rename them.
 */
import { z } from 'zod'

/** The ids of the discovery sources (`TEKTON_MCP_SOURCES` takes the same). */
export const discoverySourceIds = ['registry', 'npm', 'pypi', 'github'] as const

/** The sources a server may come from, as the kind of its ref: the discovery sources, and `docker:` images. */
export const sourceIds = [...discoverySourceIds, 'docker'] as const

/** Registry types of the packages a server may be installed from (server.json `registryType`). */
export const registryTypes = ['npm', 'pypi', 'oci', 'nuget', 'mcpb'] as const

/** The kinds a publisher pattern may name, before its colon. */
export const publisherKinds = ['npm', 'pypi', 'oci', 'github', 'registry'] as const

/**
 * A publisher, scope or namespace pattern: `npm:@scope` (or `npm:name`), `pypi:project-glob`,
 * `oci:ghcr.io/owner`, `github:owner`, `registry:io.github.owner`; `*` matches within one path
 * segment, `**` across segments.
 */
const PublisherPatternSchema = z
  .string()
  .min(3)
  .max(300)
  .regex(/^(npm|pypi|oci|github|registry):[^\s:][^\s]*$/, {
    message: 'expected <kind>:<pattern> with kind npm, pypi, oci, github or registry (e.g. npm:@scope, github:owner)',
  })

const SourceIdSchema = z.enum(sourceIds)
const RegistryTypeSchema = z.enum(registryTypes)

/** The permission policy (issue 13 §2): every rule optional in a layer. */
export const PolicyLayerSchema = z.strictObject({
  /** Sources a server may be installed from (the ref's kind: `npm:`, `registry:`, ...). Unset: all. */
  allowedSources: z.array(SourceIdSchema).max(20).optional(),
  /** Registry types a package may come from. Unset: all. */
  allowedRegistryTypes: z.array(RegistryTypeSchema).max(20).optional(),
  /** Publisher patterns a server must match one of. Unset: any publisher. */
  allowedPublishers: z.array(PublisherPatternSchema).max(500).optional(),
  /** Publisher patterns refused, whatever else allows them. */
  deniedPublishers: z.array(PublisherPatternSchema).max(500).optional(),
  /** Whether install scripts may run at all (`--allow-scripts`, `install.allowScripts`). */
  allowInstallScripts: z.boolean().optional(),
  /** Network for sandboxed runs: `deny` unless granted, or `allow`. */
  network: z.enum(['deny', 'allow']).optional(),
  /** Versions younger than this many hours are skipped when resolving an unpinned version. */
  minimumReleaseAgeHours: z.number().min(0).max(24 * 365 * 10).optional(),
  /** Refuse a package whose registry signature cannot be verified. */
  requireSignatures: z.boolean().optional(),
  /** Refuse a package without verified provenance. */
  requireProvenance: z.boolean().optional(),
  /** Whether `--allow-non-registry-dependencies` may be used. */
  allowNonRegistryDependencies: z.boolean().optional(),
  /** Whether description-lint findings only warn or refuse an install. */
  lint: z.enum(['warn', 'refuse']).optional(),
})

/** One settings file (a layer): every key optional, unknown keys reported. */
export const SettingsLayerSchema = z.strictObject({
  /** The sources to ask, like `TEKTON_MCP_SOURCES` (which wins when set). Unset: all. */
  sources: z.array(z.enum(discoverySourceIds)).min(1).max(20).optional(),
  clients: z
    .strictObject({
      /** Client ids `install --client` writes to when none is given. */
      default: z.array(z.string().min(1).max(60)).max(50).optional(),
      /** A client's config file path, overriding where it is looked for. */
      paths: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,60}$/, { message: 'expected a client id (letters, digits, - and _)' }), z.string().min(1).max(4096)).optional(),
    })
    .optional(),
  install: z
    .strictObject({
      /** Run install scripts by default (policy.allowInstallScripts may forbid it). */
      allowScripts: z.boolean().optional(),
      /** Time a server's handshake gets, in ms. */
      handshakeTimeoutMs: z.number().int().min(1_000).max(3_600_000).optional(),
      /** Whether servers run in a sandbox: off, bubblewrap, or auto (the platform's, when present). */
      sandbox: z.enum(['off', 'bubblewrap', 'auto']).optional(),
    })
    .optional(),
  policy: PolicyLayerSchema.optional(),
})

export type SettingsLayer = z.infer<typeof SettingsLayerSchema>
export type PolicyLayer = z.infer<typeof PolicyLayerSchema>
export type PolicyRuleName = keyof PolicyLayer

/** The merged settings: every key has a value (policy rules stay optional: unset means unrestricted). */
export interface Settings {
  /** The sources to ask; undefined asks all. */
  sources?: Array<(typeof discoverySourceIds)[number]>
  clients: { default: string[]; paths: Record<string, string> }
  install: { allowScripts: boolean; handshakeTimeoutMs: number; sandbox: 'off' | 'bubblewrap' | 'auto' }
  policy: PolicyLayer
}

/** The value of each key nobody set. */
export const defaultSettings: Settings = {
  clients: { default: [], paths: {} },
  install: { allowScripts: false, handshakeTimeoutMs: 30_000, sandbox: 'off' },
  policy: {},
}

/**
 * Every key `config set` accepts, as dotted paths: the leaves of the schema, plus the map under
 * `clients.paths` (any `clients.paths.<client>`).
 */
export const settingKeys: readonly string[] = [
  'sources',
  'clients.default',
  'clients.paths',
  'install.allowScripts',
  'install.handshakeTimeoutMs',
  'install.sandbox',
  ...Object.keys(PolicyLayerSchema.shape).map((rule) => `policy.${rule}`),
]

/** Whether `key` names something a layer can hold (a known leaf, or one client's path). */
export function isSettingKey(key: string): boolean {
  return settingKeys.includes(key) || /^clients\.paths\.[A-Za-z0-9_-]{1,60}$/.test(key)
}
