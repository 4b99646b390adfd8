/**
 * The whole-tree rule. The top-level tarball's sha512 is checked before it is unpacked, but npm
 * resolves the rest of the tree by itself: a dependency from git, from a URL on another host, from
 * a directory (installed as a symlink out of the version directory), or with only a sha1 or no
 * integrity would install with no rule at all. So the tree is resolved first, into a lockfile
 * and without running anything, and every entry must be a tarball of the configured registry (or
 * of its scope's registry) with a sha512 integrity; only then is anything fetched or unpacked.
 */
import semver from 'semver'
import { z } from 'zod'
import { TektonError, redact } from '@tekton/mcp-discovery'
import { registryFor } from '@tekton/mcp-registry-npm'
import type { ResolvedNpmRegistry } from '@tekton/mcp-registry-npm'
import { nerfDart } from './npm'
import { label } from './packument'

const LockEntrySchema = z.looseObject({
  name: z.string().optional(),
  version: z.string().optional(),
  resolved: z.string().optional(),
  integrity: z.string().optional(),
  link: z.boolean().optional(),
  inBundle: z.boolean().optional(),
  dev: z.boolean().optional(),
  optional: z.boolean().optional(),
  os: z.array(z.string()).optional(),
  cpu: z.array(z.string()).optional(),
})

const LockfileSchema = z.looseObject({
  lockfileVersion: z.number(),
  packages: z.record(z.string(), LockEntrySchema),
})

/** One package of the resolved tree. */
export interface TreeEntry {
  /** Its key in the lockfile (`node_modules/a/node_modules/b`). */
  key: string
  /** The package name (from the key, or the entry's own for aliases). */
  name: string
  version?: string
  resolved?: string
  integrity?: string
  /** npm installs it on this platform (its `os` and `cpu` allow it). */
  forThisPlatform: boolean
}

/** What the tree rule found: the tarballs to fetch, and what it refuses (one sentence each). */
export interface TreeJudgement {
  fetch: Array<TreeEntry & { resolved: string; integrity: string }>
  refused: string[]
  /** Entries allowed only because non-registry dependencies were allowed, for the record. */
  allowed: string[]
}

/** Parses a `package-lock.json` (version 2 or 3, which have `packages`). */
export function parseLockfile(text: string, what: string): z.infer<typeof LockfileSchema> {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new TektonError('E_NPM_INSTALL_FAILED', `${label} npm wrote an unreadable lockfile for ${what}: ${(error as Error).message}`, { cause: error })
  }
  const parsed = LockfileSchema.safeParse(data)
  if (!parsed.success || parsed.data.lockfileVersion < 2) {
    throw new TektonError('E_NPM_INSTALL_FAILED', `${label} npm wrote a lockfile without a "packages" map for ${what}`, { hint: 'Use npm 7 or later' })
  }
  return parsed.data
}

/** `node_modules/a/node_modules/@s/b` → `['a', '@s/b']`. */
export function lockKeyNames(key: string): string[] {
  return key.split(/(?:^|\/)node_modules\//).filter((part) => part !== '')
}

/** `root > a > @s/b`: how a person finds the entry in the tree. */
export function dependencyPath(rootName: string, key: string): string {
  const names = lockKeyNames(key)
  return [rootName, ...(names[0] === rootName ? names.slice(1) : names)].join(' > ')
}

function matchesPlatform(values: string[] | undefined, current: string): boolean {
  if (values === undefined || values.length === 0) return true
  const allowed = values.filter((value) => !value.startsWith('!'))
  if (values.includes(`!${current}`)) return false
  return allowed.length === 0 || allowed.includes(current)
}

/** Whether `url` is on `baseUrl`'s registry: same scheme, host, port and path prefix. */
export function onRegistryUrl(url: URL, baseUrl: string): boolean {
  return url.protocol === new URL(baseUrl).protocol && nerfDart(url.href).startsWith(nerfDart(baseUrl))
}

function hasSha512(integrity: string | undefined): boolean {
  return integrity !== undefined && integrity.split(/\s+/).some((part) => part.startsWith('sha512-'))
}

/**
 * Judges every entry of the lockfile but the root and the top-level package (`rootKey`, our
 * verified `file:` tarball). Bundled entries come inside their parent's tarball, whose integrity
 * covers them. With `allowNonRegistry`, entries from elsewhere are listed in `allowed` instead of
 * refused, but a registry tarball still needs its sha512.
 */
export function judgeTree(
  lockfile: z.infer<typeof LockfileSchema>,
  options: { rootName: string; rootKey: string; registry: ResolvedNpmRegistry; allowNonRegistry: boolean; platform?: string; arch?: string },
): TreeJudgement {
  const platform = options.platform ?? process.platform
  const arch = options.arch ?? process.arch
  const judgement: TreeJudgement = { fetch: [], refused: [], allowed: [] }
  for (const [key, entry] of Object.entries(lockfile.packages)) {
    if (key === '' || key === options.rootKey || entry.inBundle) continue
    if (entry.dev) continue // --omit=dev: npm does not install it
    const name = entry.name ?? lockKeyNames(key).at(-1) ?? key
    const where = dependencyPath(options.rootName, key)
    const forThisPlatform = matchesPlatform(entry.os, platform) && matchesPlatform(entry.cpu, arch)
    const elsewhere = (why: string) => {
      if (options.allowNonRegistry) judgement.allowed.push(`${where}: ${why}`)
      else judgement.refused.push(`${where}: ${why}`)
    }
    if (entry.link) {
      elsewhere(`a link to ${JSON.stringify(redact(entry.resolved ?? key))}, outside the registry`)
      continue
    }
    if (entry.resolved === undefined) {
      elsewhere('no resolved URL (a directory or an unknown source)')
      continue
    }
    let url: URL | undefined
    try {
      url = new URL(entry.resolved)
    } catch {
      url = undefined
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      elsewhere(`from ${JSON.stringify(redact(entry.resolved))}, not a registry tarball`)
      continue
    }
    const target = registryFor(options.registry, name)
    if (!onRegistryUrl(url, target.baseUrl)) {
      elsewhere(`from ${redact(url.href)}, not ${target.scope ? `the ${target.scope} registry` : 'the registry'} ${redact(target.baseUrl)}`)
      continue
    }
    if (!hasSha512(entry.integrity)) {
      judgement.refused.push(`${where}: ${entry.integrity ? `only a weak integrity (${entry.integrity.split('-')[0]})` : 'no integrity'}, so its tarball cannot be checked`)
      continue
    }
    if (forThisPlatform) judgement.fetch.push({ key, name, ...(entry.version ? { version: entry.version } : {}), resolved: url.href, integrity: entry.integrity as string, forThisPlatform })
  }
  return judgement
}

/**
 * Direct dependency specs that are not a registry version (range, tag or `npm:` alias): git,
 * URLs, `file:`, `link:` and paths. Checked before npm resolves anything, since resolving a git
 * spec already fetches the repository.
 */
export function nonRegistrySpecs(manifest: { dependencies?: unknown; optionalDependencies?: unknown; peerDependencies?: unknown }): Array<{ name: string; spec: string }> {
  const found: Array<{ name: string; spec: string }> = []
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies'] as const) {
    const specs = manifest[field]
    if (typeof specs !== 'object' || specs === null) continue
    for (const [name, spec] of Object.entries(specs as Record<string, unknown>)) {
      if (typeof spec !== 'string') continue
      if (!isRegistrySpec(spec)) found.push({ name, spec })
    }
  }
  return found
}

function isRegistrySpec(spec: string): boolean {
  const trimmed = spec.trim()
  if (trimmed.startsWith('npm:')) {
    const aliased = trimmed.slice(4)
    const at = aliased.lastIndexOf('@')
    return at <= 0 || isRegistrySpec(aliased.slice(at + 1))
  }
  if (trimmed === '' || trimmed === '*' || trimmed === 'latest') return true
  if (semver.validRange(trimmed) !== null) return true
  // A dist-tag: a word, without the `:` and `/` of URLs, git shorthands and paths.
  return /^[A-Za-z][\w.-]*$/.test(trimmed)
}

/** The refusal, naming the dependency paths. */
export function unsafeDependencyError(what: string, problems: string[]): TektonError {
  const shown = problems.slice(0, 5).join('; ')
  const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''
  return new TektonError('E_UNSAFE_DEPENDENCY', `${label} ${what} has dependencies that are not verified registry tarballs: ${shown}${more}`, {
    hint: 'Only tarballs of the configured registry (or a scope\'s registry) with a sha512 integrity are installed: git, URL, file and link dependencies can change without notice or point outside the install. To install it anyway, allow non-registry dependencies for this install',
  })
}
