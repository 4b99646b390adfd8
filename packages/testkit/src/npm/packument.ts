/**
 * npm registry document shapes (as the registry serves them) and a builder that turns a short
 * description of a package into a realistic packument, so fixtures stay readable.
 */
import { createHash } from 'node:crypto'

export interface NpmPerson {
  name: string
  email?: string
  url?: string
}

export interface NpmUser {
  username: string
  email: string
}

export interface NpmDist {
  /** Absolute URL once served; fixtures hold the path only and the fake adds its own base URL. */
  tarball: string
  shasum: string
  integrity: string
  fileCount?: number
  unpackedSize?: number
}

/** One version's manifest: the package.json as published, plus the registry's fields. */
export interface NpmManifest {
  name: string
  version: string
  description?: string
  keywords?: string[]
  license?: string
  repository?: string | { type?: string; url: string; directory?: string }
  homepage?: string
  bugs?: { url?: string }
  author?: NpmPerson | string
  bin?: string | Record<string, string>
  main?: string
  type?: 'module' | 'commonjs'
  engines?: Record<string, string>
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  /** The official MCP Registry name this package claims. */
  mcpName?: string
  deprecated?: string
  dist: NpmDist
  _id?: string
  _npmUser?: NpmUser
  _nodeVersion?: string
  _npmVersion?: string
  maintainers?: NpmUser[]
  [field: string]: unknown
}

/** A full packument (`GET /<name>`). */
export interface NpmPackument {
  _id: string
  _rev?: string
  name: string
  description?: string
  'dist-tags': Record<string, string>
  versions: Record<string, NpmManifest>
  /** `created`, `modified`, then one ISO time per version in publish order. */
  time: Record<string, string>
  maintainers: NpmUser[]
  keywords?: string[]
  license?: string
  repository?: NpmManifest['repository']
  homepage?: string
  bugs?: { url?: string }
  author?: NpmPerson | string
  readme?: string
  readmeFilename?: string
}

/** Fields kept in the abbreviated ("corgi") manifest, served for `application/vnd.npm.install-v1+json`. */
export const abbreviatedManifestFields = [
  'name',
  'version',
  'deprecated',
  'dependencies',
  'optionalDependencies',
  'devDependencies',
  'bundleDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'bin',
  'directories',
  'dist',
  'engines',
  'cpu',
  'os',
  '_hasShrinkwrap',
  'hasInstallScript',
  'funding',
  'license',
] as const

/** A package as the fake registry serves it. */
export interface FakeNpmPackage {
  packument: NpmPackument
  /** Download counts reported in search results. */
  downloads?: { weekly: number; monthly: number }
  /** npm's search score details; derived from downloads when absent. */
  score?: { final: number; detail: { quality: number; popularity: number; maintenance: number } }
  /** Tarball bytes by version; such versions' `dist` is computed from them and served by the fake. */
  tarballs?: Record<string, Uint8Array>
  /**
   * What a registry or mirror got wrong in a version's `dist`, applied last: `integrity` replaced
   * (a `sha1-...` only) or removed (`null`), `tarball` pointing elsewhere (another host or port).
   */
  distOverrides?: Record<string, { integrity?: string | null; tarball?: string; signatures?: Array<{ keyid: string; sig: string }> | null }>
  /**
   * Provenance bundles by version (see `createFakeSigstore().attest`): served at
   * `/-/npm/v1/attestations/<name>@<version>`, and named in the version's `dist.attestations`.
   */
  attestations?: Record<string, Record<string, unknown>>
}

/** A version in publish order, with any manifest fields to set or override. */
export type NpmVersionSpec = { version: string; publishedAt: string } & Partial<Omit<NpmManifest, 'name' | 'version' | 'dist'>>

/** A short description of a package for `buildNpmPackage`. */
export interface NpmPackageSpec {
  name: string
  description?: string
  keywords?: string[]
  license?: string
  repository?: NpmManifest['repository']
  homepage?: string
  author?: NpmPerson | string
  maintainers?: NpmUser[]
  bin?: NpmManifest['bin']
  engines?: Record<string, string>
  dependencies?: Record<string, string>
  mcpName?: string
  readme?: string
  /** Versions in the order they were published (which need not be semver order). */
  versions: NpmVersionSpec[]
  /** @default { latest: the last published version without a prerelease part } */
  distTags?: Record<string, string>
  downloads?: { weekly: number; monthly: number }
  tarballs?: Record<string, Uint8Array>
}

/** `sha512-<base64>`, the Subresource Integrity string npm writes in `dist.integrity`. */
export function integrityOf(bytes: Uint8Array): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`
}

/** The tarball path npm uses: `/<name>/-/<unscoped name>-<version>.tgz`. */
export function tarballPath(name: string, version: string): string {
  const unscoped = name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name
  return `/${name}/-/${unscoped}-${version}.tgz`
}

function distFor(name: string, version: string, bytes: Uint8Array | undefined): NpmDist {
  // Without real bytes, hash a stand-in so the fields look real; such tarballs are not served.
  const content = bytes ?? Buffer.from(`${name}@${version}`)
  return {
    tarball: tarballPath(name, version),
    shasum: createHash('sha1').update(content).digest('hex'),
    integrity: integrityOf(content),
    fileCount: 12,
    unpackedSize: content.length * 40,
  }
}

/** Builds a realistic packument from a short description. */
export function buildNpmPackage(spec: NpmPackageSpec): FakeNpmPackage {
  const maintainers = spec.maintainers ?? [{ username: 'publisher', email: 'publisher@example.com' }]
  const versions: Record<string, NpmManifest> = {}
  const time: Record<string, string> = {}
  const first = spec.versions[0]
  const last = spec.versions.at(-1)
  if (!first || !last) throw new TypeError(`${spec.name}: a package needs at least one version`)
  time.created = first.publishedAt
  time.modified = last.publishedAt
  for (const { publishedAt, ...overrides } of spec.versions) {
    const manifest: NpmManifest = {
      name: spec.name,
      description: spec.description,
      keywords: spec.keywords,
      license: spec.license,
      repository: spec.repository,
      homepage: spec.homepage,
      author: spec.author,
      bin: spec.bin,
      main: 'dist/index.js',
      type: 'module',
      engines: spec.engines,
      dependencies: spec.dependencies,
      mcpName: spec.mcpName,
      ...overrides,
      dist: distFor(spec.name, overrides.version, spec.tarballs?.[overrides.version]),
      _id: `${spec.name}@${overrides.version}`,
      _npmUser: maintainers[0],
      _nodeVersion: '22.11.0',
      _npmVersion: '10.9.0',
      maintainers,
    }
    for (const key of Object.keys(manifest)) {
      if (manifest[key] === undefined) delete manifest[key]
    }
    versions[overrides.version] = manifest
    time[overrides.version] = publishedAt
  }
  const stable = spec.versions.filter((entry) => !entry.version.includes('-')).at(-1) ?? last
  const packument: NpmPackument = {
    _id: spec.name,
    _rev: `${spec.versions.length}-${createHash('md5').update(spec.name).digest('hex')}`,
    name: spec.name,
    description: spec.description,
    'dist-tags': spec.distTags ?? { latest: stable.version },
    versions,
    time,
    maintainers,
    keywords: spec.keywords,
    license: spec.license,
    repository: spec.repository,
    homepage: spec.homepage,
    author: spec.author,
    readme: spec.readme ?? `# ${spec.name}\n\n${spec.description ?? ''}\n`,
    readmeFilename: 'README.md',
  }
  for (const key of Object.keys(packument) as Array<keyof NpmPackument>) {
    if (packument[key] === undefined) delete packument[key]
  }
  const result: FakeNpmPackage = { packument }
  if (spec.downloads) result.downloads = spec.downloads
  if (spec.tarballs) result.tarballs = spec.tarballs
  return result
}
