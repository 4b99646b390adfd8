/**
 * The install-time view of a package: its abbreviated packument (what npm itself reads to
 * install), parsed leniently, and the choice of one version from an exact version, a range or a
 * dist-tag, the way npm picks it.
 */
import { TektonError, redact } from '@tekton/mcp-discovery'
import type { HttpClient } from '@tekton/mcp-discovery'
import { withoutCredentials } from '@tekton/mcp-discovery/kit'
import { normalizeBin } from '@tekton/mcp-registry-npm'
import type { NpmRegistryTarget } from '@tekton/mcp-registry-npm'
import type { ReleaseAgeRule } from '@tekton/mcp-installation'
import { isMature, youngAgeOf } from './release-age'
import semver from 'semver'
import { z } from 'zod'

/** Who we are in messages. */
export const label = '[installer-node]'

/** npm's own Accept header: the abbreviated document when the registry has one, else the full one. */
const packumentAccept = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*'

const DistSchema = z.object({
  tarball: z.string(),
  integrity: z.string().nullish().catch(undefined),
  shasum: z.string().nullish().catch(undefined),
  /** The registry's ECDSA signatures of `<name>@<version>:<integrity>` (see registry-signatures). */
  signatures: z.array(z.object({ keyid: z.string(), sig: z.string() })).nullish().catch(undefined),
  /** Where the version's attestations are, and which provenance predicate they hold (see provenance). */
  attestations: z.object({ url: z.string(), provenance: z.object({ predicateType: z.string() }).nullish().catch(undefined) }).nullish().catch(undefined),
})

const ManifestSchema = z.object({
  name: z.string().nullish().catch(undefined),
  version: z.string(),
  bin: z.unknown().optional(),
  engines: z.unknown().optional(),
  deprecated: z.unknown().optional(),
  dependencies: z.unknown().optional(),
  hasInstallScript: z.unknown().optional(),
  scripts: z.unknown().optional(),
  dist: DistSchema.nullish().catch(undefined),
})

export const InstallPackumentSchema = z.object({
  name: z.string(),
  'dist-tags': z.record(z.string(), z.unknown()).nullish().catch(undefined),
  /** Publish times by version: in full packuments (abbreviated ones usually lack it). */
  time: z.record(z.string(), z.unknown()).nullish().catch(undefined),
  // A broken old manifest becomes null rather than making the whole package uninstallable.
  versions: z.record(z.string(), ManifestSchema.nullable().catch(null)).nullish().catch(undefined),
})
export type InstallPackument = z.infer<typeof InstallPackumentSchema>
export type InstallManifest = z.infer<typeof ManifestSchema>

/** What was asked for, once checked. */
export type VersionRequest = { kind: 'exact'; value: string; input: string } | { kind: 'range'; value: string; input: string } | { kind: 'tag'; value: string; input: string }

const versionInputPattern = /^[A-Za-z0-9.+~^<>=*|, -]{1,100}$/
const tagPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/
const versionHint = 'Give a version (1.2.3), a range (^1.2) or a dist-tag (latest, next), or leave it out for the latest'

/**
 * Reads a requested version strictly (user input): an exact version, else a semver range, else a
 * dist-tag name (npm forbids tags that parse as ranges). Anything else, shell metacharacters and
 * URLs included, is `E_INVALID_VERSION`: git, file and URL specs are never passed on to npm.
 */
export function parseVersionRequest(input: string | undefined): VersionRequest {
  if (input === undefined) return { kind: 'tag', value: 'latest', input: 'latest' }
  const shown = JSON.stringify(input.length > 60 ? `${input.slice(0, 60)}…` : input)
  if (typeof input !== 'string' || !versionInputPattern.test(input.trim())) {
    throw new TektonError('E_INVALID_VERSION', `${label} ${shown} is not a version, range or dist-tag`, { hint: versionHint })
  }
  const trimmed = input.trim()
  const exact = semver.valid(trimmed)
  if (exact !== null) return { kind: 'exact', value: exact, input: trimmed }
  const range = semver.validRange(trimmed)
  if (range !== null) return { kind: 'range', value: range, input: trimmed }
  if (tagPattern.test(trimmed)) return { kind: 'tag', value: trimmed, input: trimmed }
  throw new TektonError('E_INVALID_VERSION', `${label} ${shown} is not a version, range or dist-tag`, { hint: versionHint })
}

/** The registry path of a package: scoped names keep `@` and encode the slash, as npm does. */
function packagePath(name: string): string {
  return name.replace('/', '%2f')
}

/** The `authorization` header for `target`, when it has a token. */
export function authorization(target: NpmRegistryTarget): Record<string, string> {
  return target.token ? { authorization: `Bearer ${target.token}` } : {}
}

/**
 * Fetches the abbreviated packument of `name` from `target` (the full one with `full`: only it has
 * publish times, for a minimum release age and key expiry); `E_NOT_FOUND` when the registry has no such package.
 */
export async function fetchPackument(http: HttpClient, target: NpmRegistryTarget, name: string, signal?: AbortSignal, options: { full?: boolean } = {}): Promise<InstallPackument> {
  const url = `${target.baseUrl}/${packagePath(name)}`
  try {
    // Not cached: what is installed must be what the registry says now.
    const response = await http.getJson<InstallPackument>(url, {
      source: 'installer-node',
      headers: { accept: options.full ? 'application/json' : packumentAccept, ...authorization(target) },
      schema: InstallPackumentSchema,
      ...(signal ? { signal } : {}),
    })
    return response.data
  } catch (error) {
    if (TektonError.isInstance(error) && error.code === 'E_NOT_FOUND') {
      throw new TektonError('E_NOT_FOUND', `${label} ${name} is not on the npm registry ${redact(withoutCredentials(target.baseUrl))}`, {
        hint: target.scope
          ? `Packages of ${target.scope} are looked up on the registry configured for that scope; check @scope:registry in .npmrc and the name`
          : 'Check the package name, and the registry npm is configured to use (npm config get registry)',
        cause: error,
      })
    }
    throw error
  }
}

/** Versions of the packument that can be installed (a manifest with a tarball), newest first. */
function installableVersions(packument: InstallPackument): string[] {
  return Object.entries(packument.versions ?? {})
    .filter(([version, manifest]) => manifest !== null && manifest.dist?.tarball !== undefined && semver.valid(version) === version)
    .map(([version]) => version)
    .sort(semver.rcompare)
}

function deprecationOf(manifest: InstallManifest): string | undefined {
  // npm "undeprecates" by publishing an empty message, so only a non-empty one counts.
  return typeof manifest.deprecated === 'string' && manifest.deprecated.trim() !== '' ? manifest.deprecated.trim() : undefined
}

function tagsOf(packument: InstallPackument): Record<string, string> {
  const tags: Record<string, string> = {}
  for (const [tag, version] of Object.entries(packument['dist-tags'] ?? {})) if (typeof version === 'string') tags[tag] = version
  return tags
}

/** A version picked from a packument, with what a person should know about it. */
export interface SelectedVersion {
  version: string
  manifest: InstallManifest & { dist: z.infer<typeof DistSchema> }
  notes: string[]
}

/** A minimum release age for unpinned resolutions (shared by every installer: see the installation spec). */
export type { ReleaseAgeRule }

/** When a version was published, from the full packument's `time`; undefined when it does not say. */
/**
 * Picks the version npm would: an exact version as is; a dist-tag's version; for a range, the
 * `latest` version when it satisfies the range, else the highest satisfying version that is not
 * deprecated, else the highest satisfying one. No match is `E_VERSION_NOT_FOUND` listing the
 * newest versions (and the tags, for a tag).
 *
 * With a release age (and a request that is not an exact version), versions younger than the
 * rule, or without a publish time, are passed over: a tag then falls back to the highest older
 * version below it (a stable one, unless the tag names a prerelease), as pnpm's
 * minimumReleaseAge does. Nothing old enough is `E_POLICY_DENIED` naming the rule.
 */
export function selectVersion(packument: InstallPackument, request: VersionRequest, releaseAge?: ReleaseAgeRule): SelectedVersion {
  if (releaseAge && request.kind !== 'exact') return selectMatureVersion(packument, request, releaseAge)
  const name = packument.name
  const available = installableVersions(packument)
  const tags = tagsOf(packument)
  const manifestOf = (version: string) => packument.versions?.[version] ?? null
  let chosen: string | undefined
  if (request.kind === 'exact') {
    chosen = available.includes(request.value) ? request.value : undefined
  } else if (request.kind === 'tag') {
    const tagged = tags[request.value]
    chosen = tagged !== undefined && available.includes(tagged) ? tagged : undefined
  } else {
    const latest = tags.latest
    const satisfying = available.filter((version) => semver.satisfies(version, request.value))
    if (latest !== undefined && satisfying.includes(latest)) chosen = latest
    else chosen = satisfying.find((version) => deprecationOf(manifestOf(version) as InstallManifest) === undefined) ?? satisfying[0]
  }
  if (chosen === undefined) {
    const newest = available.slice(0, 5)
    const known = request.kind === 'tag' && Object.keys(tags).length > 0 ? `; tags: ${Object.entries(tags).map(([tag, version]) => `${tag} → ${version}`).join(', ')}` : ''
    const what = request.kind === 'tag' ? `no dist-tag "${request.value}"` : `no version matching "${request.input}"`
    throw new TektonError(
      'E_VERSION_NOT_FOUND',
      `${label} ${name} has ${what}; newest versions: ${newest.length > 0 ? newest.join(', ') : '(none)'}${known}`,
      { hint: available.length > 0 ? 'Pick one of the versions listed, or leave the version out for the latest' : `${name} has no installable version` },
    )
  }
  const manifest = manifestOf(chosen) as SelectedVersion['manifest']
  const notes: string[] = []
  const deprecated = deprecationOf(manifest)
  if (deprecated !== undefined) notes.push(`${name}@${chosen} is deprecated: ${deprecated}`)
  return { version: chosen, manifest, notes }
}

function selectMatureVersion(packument: InstallPackument, request: VersionRequest, releaseAge: ReleaseAgeRule): SelectedVersion {
  const name = packument.name
  const mature = (version: string) => isMature(packument, version, releaseAge)
  // What would be chosen without the rule (this throws E_VERSION_NOT_FOUND when nothing matches at all).
  const unrestricted = selectVersion(packument, request)
  if (mature(unrestricted.version)) return unrestricted
  const available = installableVersions(packument).filter(mature)
  const tags = tagsOf(packument)
  let candidates: string[]
  if (request.kind === 'tag') {
    const tagged = tags[request.value] as string
    const prerelease = semver.prerelease(tagged) !== null
    candidates = available.filter((version) => semver.lte(version, tagged) && (prerelease || semver.prerelease(version) === null))
  } else {
    candidates = available.filter((version) => semver.satisfies(version, request.value))
  }
  const manifestOf = (version: string) => packument.versions?.[version] as InstallManifest
  const chosen = candidates.find((version) => deprecationOf(manifestOf(version)) === undefined) ?? candidates[0]
  const age = youngAgeOf(packument, unrestricted.version, releaseAge)
  if (chosen === undefined) {
    throw new TektonError(
      'E_POLICY_DENIED',
      `${label} ${name}@${request.input}: no matching version is older than ${releaseAge.hours} h (${unrestricted.version} ${age}): refused by ${releaseAge.rule}`,
      { hint: 'Wait until a version is old enough, or ask for an exact version (a pinned version is not held back)' },
    )
  }
  const selected = selectVersion(packument, { kind: 'exact', value: chosen, input: chosen })
  return {
    ...selected,
    notes: [`${name}@${unrestricted.version} ${age}, younger than ${releaseAge.hours} h: ${chosen} is installed instead, as ${releaseAge.rule} asks`, ...selected.notes],
  }
}

/** The `bin` entries of a manifest, name → path inside the package. */
export function binsOf(name: string, manifest: { bin?: unknown }): Record<string, string> {
  return normalizeBin(name, manifest.bin) ?? {}
}

/** `engines.node` of a manifest, when it is a usable range. */
export function enginesNodeOf(manifest: { engines?: unknown }): string | undefined {
  const engines = manifest.engines
  if (typeof engines !== 'object' || engines === null || Array.isArray(engines)) return undefined
  const node = (engines as Record<string, unknown>).node
  return typeof node === 'string' && node.trim() !== '' ? node.trim() : undefined
}

/** Whether a manifest says it has install scripts (`hasInstallScript`, or `scripts` in a full manifest). */
export function hasInstallScripts(manifest: InstallManifest): boolean {
  if (manifest.hasInstallScript === true) return true
  const scripts = manifest.scripts
  if (typeof scripts !== 'object' || scripts === null) return false
  return ['preinstall', 'install', 'postinstall'].some((script) => typeof (scripts as Record<string, unknown>)[script] === 'string')
}

/**
 * Libraries only an MCP server (or client) depends on: the official SDK and the frameworks built
 * on it. A package depending on none of them may still be a server, but most are not.
 */
const mcpLibraries = ['@modelcontextprotocol/sdk', 'fastmcp', 'mcp-framework', 'mcp-proxy', '@mastra/mcp', 'mcp-handler', '@vercel/mcp-adapter']

/** The MCP libraries among a manifest's dependencies, in the order listed above. */
export function mcpDependenciesOf(manifest: { dependencies?: unknown }): string[] {
  const dependencies = manifest.dependencies
  if (typeof dependencies !== 'object' || dependencies === null || Array.isArray(dependencies)) return []
  return mcpLibraries.filter((library) => Object.hasOwn(dependencies, library))
}
