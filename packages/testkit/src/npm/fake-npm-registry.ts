/**
 * A fake npm registry on 127.0.0.1 speaking the real protocol: `/-/v1/search`, full and
 * abbreviated packuments, version manifests, tarballs, `{"error":"Not found"}` bodies, ETags.
 * Faults come from the generic fake server, so every test can make it slow, flaky or broken.
 */
import { startFakeServer } from '../fake-server'
import type { FakeRequest, FakeResponse, FakeServer, FakeServerOptions } from '../fake-server'
import { abbreviatedManifestFields, integrityOf, tarballPath } from './packument'
import type { FakeNpmPackage, NpmManifest, NpmPackument } from './packument'
import { signNpmVersion } from './signing'
import type { RegistrySigningKey } from './signing'

export interface FakeNpmRegistryOptions extends FakeServerOptions {
  /** @default none: an empty registry */
  packages?: readonly FakeNpmPackage[]
  /** Answer 404 on `/-/v1/search`, as many mirrors and private registries do. @default false */
  searchUnsupported?: boolean
  /**
   * Signing keys served at `/-/npm/v1/keys` (made with `createRegistrySigningKey`). Without any the
   * fake answers 404 there, as mirrors do, and signs nothing. @default none
   */
  keys?: readonly RegistrySigningKey[]
  /** The key every served version with an integrity is signed with (`dist.signatures`). @default the first of `keys` */
  signWith?: RegistrySigningKey
}

export interface FakeNpmRegistry extends FakeServer {
  /** Packages served, by name; change it through `setPackage`/`removePackage`. */
  readonly packages: ReadonlyMap<string, FakeNpmPackage>
  /** Adds or replaces a package (a publish, as far as readers can tell). */
  setPackage(pkg: FakeNpmPackage): void
  removePackage(name: string): void
  /** Requests whose path starts with `prefix` (all requests without one), e.g. `/-/v1/search`. */
  countRequests(prefix?: string): number
  /** Replaces the served keys and the signing key (none: a registry that signs nothing). */
  setKeys(keys: readonly RegistrySigningKey[], signWith?: RegistrySigningKey): void
}

const notFound: FakeResponse = { status: 404, json: { error: 'Not found' } }
const abbreviatedType = 'application/vnd.npm.install-v1+json'
/** npm answers at most 250 results per search page. */
const maxSearchSize = 250

/** Splits `/@scope%2fname/1.0.0`, `/@scope/name/1.0.0` or `/name/latest` into name and rest. */
function parsePackagePath(pathname: string): { name: string; rest: string[] } | undefined {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname.slice(1))
  } catch {
    return undefined
  }
  const segments = decoded.split('/').filter((segment) => segment !== '')
  if (segments[0]?.startsWith('@')) {
    const [scope, name, ...rest] = segments
    return name ? { name: `${scope}/${name}`, rest } : undefined
  }
  const [name, ...rest] = segments
  return name ? { name, rest } : undefined
}

/** What the fake signs with; module state per registry, passed down explicitly. */
interface Signing {
  keys: readonly RegistrySigningKey[]
  signWith: RegistrySigningKey | undefined
}

/** `/-/npm/v1/attestations/<name>@<version>` (the name may be scoped, the slash encoded or not). */
function attestationsPath(name: string, version: string): string {
  return `/-/npm/v1/attestations/${name.replace('/', '%2f')}@${version}`
}

function withAbsoluteTarballs(manifest: NpmManifest, baseUrl: string, pkg: FakeNpmPackage, signing?: Signing): NpmManifest {
  const bytes = pkg.tarballs?.[manifest.version]
  const dist = { ...manifest.dist, tarball: `${baseUrl}${tarballPath(manifest.name, manifest.version)}` }
  if (bytes) dist.integrity = integrityOf(bytes)
  const override = pkg.distOverrides?.[manifest.version]
  if (override?.tarball !== undefined) dist.tarball = override.tarball
  if (override?.integrity === null) delete (dist as { integrity?: string }).integrity
  else if (override?.integrity !== undefined) dist.integrity = override.integrity
  const signed = dist as NpmManifest['dist'] & { signatures?: Array<{ keyid: string; sig: string }>; attestations?: { url: string; provenance: { predicateType: string } } }
  if (signing?.signWith && dist.integrity) signed.signatures = [signNpmVersion(signing.signWith, manifest.name, manifest.version, dist.integrity)]
  if (override?.signatures === null) delete signed.signatures
  else if (override?.signatures !== undefined) signed.signatures = override.signatures
  const bundle = pkg.attestations?.[manifest.version]
  if (bundle) {
    const predicateType = (bundle as { predicateType?: string }).predicateType ?? 'https://slsa.dev/provenance/v1'
    signed.attestations = { url: `${baseUrl}${attestationsPath(manifest.name, manifest.version)}`, provenance: { predicateType } }
  }
  return { ...manifest, dist }
}

function fullPackument(pkg: FakeNpmPackage, baseUrl: string, signing?: Signing): NpmPackument {
  const versions: Record<string, NpmManifest> = {}
  for (const [version, manifest] of Object.entries(pkg.packument.versions)) {
    versions[version] = withAbsoluteTarballs(manifest, baseUrl, pkg, signing)
  }
  return { ...pkg.packument, versions }
}

function abbreviatedPackument(pkg: FakeNpmPackage, baseUrl: string, signing?: Signing): Record<string, unknown> {
  const versions: Record<string, Record<string, unknown>> = {}
  for (const [version, manifest] of Object.entries(fullPackument(pkg, baseUrl, signing).versions)) {
    const reduced: Record<string, unknown> = {}
    for (const field of abbreviatedManifestFields) {
      if (manifest[field] !== undefined) reduced[field] = manifest[field]
    }
    versions[version] = reduced
  }
  return {
    name: pkg.packument.name,
    modified: pkg.packument.time.modified,
    'dist-tags': pkg.packument['dist-tags'],
    versions,
  }
}

interface ParsedSearchText {
  terms: string[]
  /** Each inner list is an OR group (`keywords:a,b`); `+` joins required keywords into one group each. */
  keywordGroups: string[][]
  excludedKeywords: string[]
}

/** Splits search text into free terms and the `keywords:` qualifier; other qualifiers are ignored. */
function parseSearchText(text: string): ParsedSearchText {
  const parsed: ParsedSearchText = { terms: [], keywordGroups: [], excludedKeywords: [] }
  for (const token of text.toLowerCase().split(/\s+/).filter(Boolean)) {
    const qualifier = /^([a-z-]+):(.*)$/.exec(token)
    if (!qualifier) {
      parsed.terms.push(token)
      continue
    }
    if (qualifier[1] !== 'keywords') continue
    for (const part of (qualifier[2] ?? '').split('+')) {
      const group: string[] = []
      for (const keyword of part.split(',').filter(Boolean)) {
        if (keyword.startsWith('-')) parsed.excludedKeywords.push(keyword.slice(1))
        else group.push(keyword)
      }
      if (group.length > 0) parsed.keywordGroups.push(group)
    }
  }
  return parsed
}

function latestManifest(pkg: FakeNpmPackage): NpmManifest | undefined {
  const latest = pkg.packument['dist-tags'].latest
  return latest ? pkg.packument.versions[latest] : undefined
}

/** Relevance of a package for the parsed text, 0 when it does not match. */
function relevance(pkg: FakeNpmPackage, search: ParsedSearchText): number {
  const manifest = latestManifest(pkg)
  const name = pkg.packument.name.toLowerCase()
  const unscoped = name.slice(name.indexOf('/') + 1)
  const description = (manifest?.description ?? pkg.packument.description ?? '').toLowerCase()
  const keywords = (manifest?.keywords ?? pkg.packument.keywords ?? []).map((keyword) => keyword.toLowerCase())
  if (search.excludedKeywords.some((keyword) => keywords.includes(keyword))) return 0
  if (!search.keywordGroups.every((group) => group.some((keyword) => keywords.includes(keyword)))) return 0
  let total = search.terms.length === 0 ? 1 : 0
  for (const term of search.terms) {
    let score = 0
    if (name === term || unscoped === term) score += 100
    else if (name.includes(term)) score += 10
    if (keywords.includes(term)) score += 5
    if (description.includes(term)) score += 1
    if (score === 0) return 0 // Every free term must match somewhere.
    total += score
  }
  return total
}

function searchObject(pkg: FakeNpmPackage, searchScore: number, baseUrl: string): Record<string, unknown> {
  const manifest = latestManifest(pkg)
  const packument = pkg.packument
  const name = packument.name
  const downloads = pkg.downloads ?? { weekly: 0, monthly: 0 }
  const popularity = Math.min(1, Math.log10(downloads.weekly + 1) / 7)
  const repository = manifest?.repository ?? packument.repository
  const repositoryUrl = typeof repository === 'string' ? repository : repository?.url
  const date = manifest ? packument.time[manifest.version] : packument.time.modified
  return {
    package: {
      name,
      scope: name.startsWith('@') ? name.slice(1, name.indexOf('/')) : 'unscoped',
      version: manifest?.version,
      description: manifest?.description ?? packument.description,
      keywords: manifest?.keywords ?? packument.keywords,
      date,
      links: {
        npm: `${baseUrl}/package/${name}`,
        homepage: manifest?.homepage ?? packument.homepage,
        repository: repositoryUrl,
        bugs: manifest?.bugs?.url,
      },
      author: manifest?.author ?? packument.author,
      publisher: manifest?._npmUser ?? packument.maintainers[0],
      maintainers: packument.maintainers,
      license: manifest?.license ?? packument.license,
    },
    score: pkg.score ?? { final: popularity, detail: { quality: 0.9, popularity, maintenance: 1 } },
    searchScore,
    downloads,
    dependents: 0,
    updated: date,
    flags: manifest?.deprecated ? { insecure: 0, deprecated: manifest.deprecated } : { insecure: 0 },
  }
}

function search(request: FakeRequest, packages: Iterable<FakeNpmPackage>): FakeResponse {
  const text = request.url.searchParams.get('text')?.trim()
  if (!text) return { status: 400, json: { error: 'a "text" query parameter is required' } }
  const size = Math.min(maxSearchSize, Math.max(1, Number(request.url.searchParams.get('size') ?? 20) || 20))
  const from = Math.max(0, Number(request.url.searchParams.get('from') ?? 0) || 0)
  const parsed = parseSearchText(text)
  const matched = [...packages]
    .map((pkg) => ({ pkg, score: relevance(pkg, parsed) }))
    .filter((entry) => entry.score > 0)
    .sort(
      (a, b) =>
        b.score - a.score ||
        (b.pkg.downloads?.weekly ?? 0) - (a.pkg.downloads?.weekly ?? 0) ||
        a.pkg.packument.name.localeCompare(b.pkg.packument.name),
    )
  return {
    json: {
      objects: matched.slice(from, from + size).map((entry) => searchObject(entry.pkg, entry.score, request.baseUrl)),
      total: matched.length,
      time: new Date().toUTCString(),
    },
  }
}

/** Starts a fake npm registry. */
export async function startFakeNpmRegistry(options: FakeNpmRegistryOptions = {}): Promise<FakeNpmRegistry> {
  const packages = new Map<string, FakeNpmPackage>()
  for (const pkg of options.packages ?? []) packages.set(pkg.packument.name, pkg)
  const signing: Signing = { keys: options.keys ?? [], signWith: options.signWith ?? options.keys?.[0] }

  const handler = (request: FakeRequest): FakeResponse => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return { status: 405, json: { error: 'Method not allowed' } }
    }
    const pathname = request.url.pathname
    if (pathname === '/-/v1/search') {
      return options.searchUnsupported ? notFound : search(request, packages.values())
    }
    if (pathname === '/-/ping') return { json: {} }
    if (pathname === '/-/npm/v1/keys') return signing.keys.length === 0 ? notFound : { json: { keys: signing.keys.map((key) => key.entry) } }
    if (pathname.startsWith('/-/npm/v1/attestations/')) {
      const spec = decodeURIComponent(pathname.slice('/-/npm/v1/attestations/'.length))
      const at = spec.lastIndexOf('@')
      const bundle = at > 0 ? packages.get(spec.slice(0, at))?.attestations?.[spec.slice(at + 1)] : undefined
      if (!bundle) return notFound
      const { predicateType = 'https://slsa.dev/provenance/v1', ...rest } = bundle as { predicateType?: string }
      return { json: { attestations: [{ predicateType, bundle: rest }] } }
    }
    const target = parsePackagePath(pathname)
    const pkg = target && packages.get(target.name)
    if (!target || !pkg) return notFound

    const [first, second] = target.rest
    if (first === '-') {
      const version = Object.keys(pkg.packument.versions).find(
        (candidate) => tarballPath(pkg.packument.name, candidate) === `/${target.name}/-/${second}`,
      )
      const bytes = version === undefined ? undefined : pkg.tarballs?.[version]
      return bytes ? { headers: { 'content-type': 'application/octet-stream' }, body: bytes } : notFound
    }
    if (first !== undefined) {
      const version = pkg.packument['dist-tags'][first] ?? first
      const manifest = pkg.packument.versions[version]
      if (!manifest) return { status: 404, json: { error: `version not found: ${first}` } }
      return { json: withAbsoluteTarballs(manifest, request.baseUrl, pkg, signing) }
    }
    const accept = String(request.headers.accept ?? '')
    if (accept.includes(abbreviatedType)) {
      return { headers: { 'content-type': abbreviatedType }, json: abbreviatedPackument(pkg, request.baseUrl, signing) }
    }
    return { json: fullPackument(pkg, request.baseUrl, signing) }
  }

  const server = await startFakeServer(handler, options)
  return {
    get url() {
      return server.url
    },
    get port() {
      return server.port
    },
    requests: server.requests,
    setFault: (fault) => server.setFault(fault),
    addFault: (fault) => server.addFault(fault),
    close: () => server.close(),
    packages,
    setPackage(pkg) {
      packages.set(pkg.packument.name, pkg)
    },
    removePackage(name) {
      packages.delete(name)
    },
    setKeys(keys, signWith) {
      signing.keys = keys
      signing.signWith = signWith ?? keys[0]
    },
    countRequests(prefix) {
      return prefix === undefined ? server.requests.length : server.requests.filter((request) => request.path.startsWith(prefix)).length
    },
  }
}
