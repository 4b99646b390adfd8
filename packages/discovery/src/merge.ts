/**
 * Identity resolution: the same server found in several sources becomes one result.
 *
 * A server is known under several names at once: its official MCP Registry name, the npm package
 * whose `mcpName` claims that name, the PyPI project whose description carries `mcp-name:`, the
 * packages its server.json lists, and the repository it lives in. Each entry a source returns
 * yields identity keys; entries sharing a key are joined with a union-find.
 *
 * Joining is cautious, because one wrong join hides a server behind another:
 * - A join is refused when the group would hold two official names, two GitHub repositories, or
 *   two different packages of one registry type that no registry entry of the group lists
 *   together (two npm packages of a monorepo are two servers, even with one repository URL).
 * - Every key joins all the groups holding it or none of them: when a key is ambiguous (a
 *   monorepo's repository shared by several packages) nobody gets it, whatever the order.
 * - A repository joins only entries whose subfolders are equal (or both absent): the servers of
 *   modelcontextprotocol/servers share a repository and differ by subfolder.
 * - An npm `mcpName` or PyPI `mcp-name:` claim the official registry contradicts (its entry of
 *   that name does not list the package) joins nothing and stays unverified, with the reason.
 */
import { parseRepositoryUrl } from './kit/repository-url'
import { normalizePypiName, tryParseRef, type RefKind } from './refs'
import type { Capability, Package, Popularity, Repository, Requirement, ServerMetadata, ServerStatus, SourceRecord, Transport, Verification } from './spec/metadata'

/** A server after merging, with the refs of every entry merged into it (its own ref first). */
export interface MergedServer {
  server: ServerMetadata
  refs: string[]
}

/** Options of `mergeServers()`. */
export interface MergeOptions {
  /**
   * The ref the merged server keeps when its group contains it (a lookup of `npm:x` stays
   * `npm:x`, so its versions match). @default the registry entry, else the first package's entry
   */
  primaryRef?: string
}

/** The keys by which a server is recognised in other sources. */
export interface ServerIdentity {
  /** The official registry name: a registry entry's own, or the one a package claims. */
  registryName?: string
  /** Whether `registryName` is the registry entry's own name rather than a claim. */
  official: boolean
  /** Packages as `registryType:identifier`, identifiers normalised (PyPI per PEP 503, OCI without tag). */
  packages: string[]
  /** The repository, canonical, with its subfolder when the server lives in one. */
  repository?: { url: string; subfolder?: string }
}

/**
 * A canonical repository URL for comparison: `https://host/owner/repo`, lower-case, without
 * `git+`, `.git`, a trailing slash, credentials or `ssh://git@` / `git@host:` forms; folder links
 * (`/tree/<branch>/<path>`) are cut to the repository. `undefined` when it is not a URL.
 */
export { canonicalRepositoryUrl } from './kit/repository-url'

function normalizeSubfolder(subfolder: string | undefined): string | undefined {
  const clean = subfolder?.trim().replace(/\\/g, '/').replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '').toLowerCase()
  return clean || undefined
}

/** The repository a server lives in, canonical, with its subfolder (from the field or a `/tree/` link). */
export function repositoryIdentity(repository: Repository | undefined): { url: string; subfolder?: string } | undefined {
  if (!repository?.url) return undefined
  const parsed = parseRepositoryUrl(repository.url)
  if (!parsed) return undefined
  const subfolder = normalizeSubfolder(repository.subfolder) ?? normalizeSubfolder(parsed.subfolder)
  return { url: parsed.url.toLowerCase(), ...(subfolder ? { subfolder } : {}) }
}

/** `docker.io/library/postgres:16` → `postgres`: an image name without default registry, tag or digest. */
function normalizeImage(identifier: string): string {
  let image = identifier.trim().toLowerCase().replace(/@sha256:[a-f0-9]+$/, '')
  const slash = image.lastIndexOf('/')
  const colon = image.lastIndexOf(':')
  if (colon > slash) image = image.slice(0, colon)
  image = image.replace(/^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '')
  return image.replace(/^library\//, '')
}

/**
 * A package's identity key, `registryType:identifier`: npm names compare exactly (npm is case
 * sensitive), PyPI names PEP 503-normalised, OCI images without registry default, tag or digest.
 */
export function packageKey(registryType: string, identifier: string): string {
  const type = registryType.trim().toLowerCase()
  if (type === 'npm') return `npm:${identifier.trim()}`
  if (type === 'pypi') return `pypi:${normalizePypiName(identifier.trim())}`
  if (type === 'oci' || type === 'docker') return `oci:${normalizeImage(identifier)}`
  return `${type}:${identifier.trim()}`
}

/** The package an entry of a package source is: `npm:x` for the npm entry of x. */
function ownPackageKey(kind: RefKind | undefined, id: string): string | undefined {
  if (kind === 'npm') return packageKey('npm', id)
  if (kind === 'pypi') return packageKey('pypi', id)
  if (kind === 'docker') return packageKey('oci', id)
  return undefined
}

/** `npm:@scope/x` (a registry-package fact's value) to a package key. */
function factPackageKey(value: string): string | undefined {
  const colon = value.indexOf(':')
  if (colon <= 0 || colon === value.length - 1) return undefined
  return packageKey(value.slice(0, colon), value.slice(colon + 1))
}

function refOf(server: ServerMetadata): { kind: RefKind | undefined; id: string } {
  const parsed = tryParseRef(server.ref)
  return parsed ? { kind: parsed.kind, id: parsed.id } : { kind: undefined, id: server.ref }
}

/** The identity keys of one server, for merging and for asking other sources about it. */
export function identityOf(server: ServerMetadata): ServerIdentity {
  const { kind, id } = refOf(server)
  const official = kind === 'registry'
  const registryName = official ? server.name || id : server.registryName
  const packages = new Set<string>()
  const own = ownPackageKey(kind, id)
  if (own) packages.add(own)
  for (const pkg of server.packages) packages.add(packageKey(pkg.registryType, pkg.identifier))
  for (const fact of server.verified) {
    if (fact.kind !== 'registry-package') continue
    const key = factPackageKey(fact.value)
    if (key) packages.add(key)
  }
  let repository = repositoryIdentity(server.repository)
  if (!repository && kind === 'github') repository = { url: `https://github.com/${id.toLowerCase()}` }
  return {
    ...(registryName ? { registryName } : {}),
    official,
    packages: [...packages],
    ...(repository ? { repository } : {}),
  }
}

/**
 * Which source kinds win a field. The official registry holds what the publisher wrote for MCP
 * clients (a validated server.json with the official name); package registries describe the
 * package people install; GitHub describes a repository, which may hold more than this server.
 * Numbers (downloads, stars) take the largest; the repository comes from whoever has one.
 */
const precedenceByKind: Record<RefKind, number> = { registry: 0, npm: 1, pypi: 1, docker: 1, github: 2 }

interface Member {
  index: number
  server: ServerMetadata
  kind: RefKind | undefined
  precedence: number
  identity: ServerIdentity
  /** The package this entry is (for npm, PyPI and image entries). */
  own?: string
  /** Lower-case official name this entry is or claims, unless the registry contradicts the claim. */
  nameKey?: string
  repositoryKey?: string
}

interface GroupState {
  names: Set<string>
  repositories: Set<string>
  /** Packages that are entries of their own, by registry type. */
  owned: Map<string, Set<string>>
  /** Packages registry entries of the group list. */
  listed: Set<string>
}

function stateOf(member: Member): GroupState {
  const owned = new Map<string, Set<string>>()
  if (member.own) owned.set(member.own.slice(0, member.own.indexOf(':')), new Set([member.own]))
  return {
    names: new Set(member.nameKey ? [member.nameKey] : []),
    repositories: new Set(member.kind === 'github' && member.identity.repository ? [member.identity.repository.url] : []),
    owned,
    listed: new Set(member.identity.official ? member.identity.packages : []),
  }
}

function combine(states: GroupState[]): GroupState {
  const combined: GroupState = { names: new Set(), repositories: new Set(), owned: new Map(), listed: new Set() }
  for (const state of states) {
    for (const name of state.names) combined.names.add(name)
    for (const repository of state.repositories) combined.repositories.add(repository)
    for (const key of state.listed) combined.listed.add(key)
    for (const [type, keys] of state.owned) {
      const set = combined.owned.get(type) ?? new Set<string>()
      for (const key of keys) set.add(key)
      combined.owned.set(type, set)
    }
  }
  return combined
}

/** Whether a group could be one server: one name, one GitHub repository, one package per type unless listed together. */
function consistent(state: GroupState): boolean {
  if (state.names.size > 1 || state.repositories.size > 1) return false
  for (const keys of state.owned.values()) {
    if (keys.size > 1 && ![...keys].every((key) => state.listed.has(key))) return false
  }
  return true
}

class UnionFind {
  private readonly parent: number[]
  private readonly states: GroupState[]

  constructor(states: GroupState[]) {
    this.parent = states.map((_, index) => index)
    this.states = states
  }

  find(index: number): number {
    let root = index
    while (this.parent[root] !== root) root = this.parent[root] as number
    // Path compression keeps later finds short.
    let current = index
    while (this.parent[current] !== root) {
      const next = this.parent[current] as number
      this.parent[current] = root
      current = next
    }
    return root
  }

  /** Joins every group holding one of `indexes` when the result is consistent; otherwise none. */
  joinAllOrNone(indexes: number[]): boolean {
    const roots = [...new Set(indexes.map((index) => this.find(index)))].sort((a, b) => a - b)
    if (roots.length < 2) return true
    const combined = combine(roots.map((root) => this.states[root] as GroupState))
    if (!consistent(combined)) return false
    const [first, ...rest] = roots as [number, ...number[]]
    for (const root of rest) this.parent[root] = first
    this.states[first] = combined
    return true
  }
}

function nameKey(name: string): string {
  return name.trim().toLowerCase()
}

/**
 * Checks npm `mcpName` / PyPI `mcp-name:` claims against the official registry entries at hand:
 * a claim is verified when the entry of that name lists the package (both sides agree), and
 * stays unverified, saying why, when the entry lists other packages.
 * Returns the server with its facts updated, and whether the registry contradicted its claim.
 */
function checkClaim(member: Member, registryByName: Map<string, Member>): { server: ServerMetadata; contradicted: boolean } {
  const claim = member.identity.official ? undefined : member.identity.registryName
  if (!claim || !member.own) return { server: member.server, contradicted: false }
  const entry = registryByName.get(nameKey(claim))
  if (!entry) return { server: member.server, contradicted: false }
  const kind: Verification['kind'] = member.kind === 'pypi' ? 'pypi-mcp-name' : member.kind === 'docker' ? 'oci-label' : 'npm-mcp-name'
  const listed = entry.identity.packages.includes(member.own)
  const type = member.own.slice(0, member.own.indexOf(':'))
  const sameType = entry.identity.packages.filter((key) => key.startsWith(`${type}:`))
  const fact: Verification = listed
    ? { kind, value: claim, verified: true, detail: `confirmed by the official registry entry ${entry.server.name}, which lists ${member.own}`, checkedAgainst: entry.server.ref }
    : {
        kind,
        value: claim,
        verified: false,
        detail: sameType.length > 0
          ? `contradicted by the official registry entry ${entry.server.name}, which lists ${sameType.join(', ')}, not ${member.own}`
          : `contradicted by the official registry entry ${entry.server.name}, which does not list ${member.own}`,
        checkedAgainst: entry.server.ref,
      }
  const others = member.server.verified.filter((existing) => !(existing.kind === kind && nameKey(existing.value) === nameKey(claim)))
  return { server: { ...member.server, verified: [...others, fact] }, contradicted: !listed }
}

function firstDefined<T>(members: Member[], pick: (server: ServerMetadata) => T | undefined): T | undefined {
  for (const member of members) {
    const value = pick(member.server)
    if (value !== undefined && value !== '') return value
  }
  return undefined
}

const statusSeverity: Record<ServerStatus, number> = { active: 0, deprecated: 1, archived: 2, deleted: 3 }
const runtimeRequirementNames: Record<string, string> = { npm: 'node', pypi: 'python', oci: 'docker', nuget: 'dotnet' }

function mergePackages(members: Member[]): Package[] {
  const byKey = new Map<string, Package>()
  for (const member of members) {
    for (const pkg of member.server.packages) {
      const key = packageKey(pkg.registryType, pkg.identifier)
      const known = byKey.get(key)
      // The first (highest precedence) entry wins each field; later ones fill what it lacks (npm's `bin`).
      byKey.set(key, known ? { ...pkg, ...definedFields(known) } : pkg)
    }
  }
  return [...byKey.values()]
}

function definedFields<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>
}

function mergeRemotes(members: Member[]): Transport[] {
  const byKey = new Map<string, Transport>()
  for (const member of members) {
    for (const remote of member.server.remotes) {
      const key = remote.url ? remote.url.trim().replace(/\/+$/, '') : remote.type
      if (!byKey.has(key)) byKey.set(key, remote)
    }
  }
  return [...byKey.values()]
}

function mergeCapabilities(members: Member[]): Capability[] {
  const byKey = new Map<string, Capability>()
  for (const member of members) {
    for (const capability of member.server.capabilities) {
      const key = `${capability.kind}:${capability.name ?? ''}`
      const known = byKey.get(key)
      // What a handshake observed beats what metadata declared.
      if (!known || (known.origin === 'declared' && capability.origin === 'observed')) byKey.set(key, capability)
    }
  }
  return [...byKey.values()]
}

function mergeRequirements(members: Member[], packages: Package[]): Requirement[] {
  const byKey = new Map<string, Requirement>()
  for (const member of members) {
    for (const requirement of member.server.requirements) {
      const key = `${requirement.kind}:${requirement.name}`
      const known = byKey.get(key)
      byKey.set(key, known ? { ...requirement, ...definedFields(known) } : requirement)
    }
  }
  const types = new Set(packages.map((pkg) => pkg.registryType.toLowerCase()))
  if (types.size < 2) return [...byKey.values()]
  // With install options of several kinds, any one runtime will do: none is strictly required.
  const runtimes = new Set([...types].map((type) => runtimeRequirementNames[type]).filter(Boolean))
  return [...byKey.values()].map((requirement) =>
    (requirement.kind === 'runtime' || requirement.kind === 'docker') && runtimes.has(requirement.name) ? { ...requirement, optional: true } : requirement,
  )
}

function mergeVerified(members: Member[]): Verification[] {
  const byKey = new Map<string, Verification>()
  for (const member of members) {
    for (const fact of member.server.verified) {
      const key = `${fact.kind}:${fact.value.toLowerCase()}`
      const known = byKey.get(key)
      // A confirmation beats a claim; a checked claim beats an unchecked one.
      if (!known || (!known.verified && (fact.verified || (fact.checkedAgainst && !known.checkedAgainst)))) byKey.set(key, fact)
    }
  }
  return [...byKey.values()]
}

function mergePopularity(members: Member[]): Popularity | undefined {
  let popularity: Popularity | undefined
  for (const member of members) {
    const own = member.server.popularity
    if (!own) continue
    popularity ??= {}
    if (own.downloads !== undefined && (popularity.downloads === undefined || weekly(own) > weekly(popularity))) {
      popularity.downloads = own.downloads
      if (own.period) popularity.period = own.period
      else delete popularity.period
    }
    if (own.stars !== undefined) popularity.stars = Math.max(popularity.stars ?? 0, own.stars)
    if (own.sourceScore !== undefined) popularity.sourceScore = Math.max(popularity.sourceScore ?? Number.NEGATIVE_INFINITY, own.sourceScore)
  }
  return popularity
}

function weekly(popularity: Popularity): number {
  return popularity.period === 'month' ? (popularity.downloads ?? 0) / (30 / 7) : (popularity.downloads ?? 0)
}

function mergeSources(members: Member[]): SourceRecord[] {
  const records: SourceRecord[] = []
  // Listed in the order the sources answered, not by precedence: it reads as "found in npm, registry".
  for (const member of [...members].sort((a, b) => a.index - b.index)) {
    for (const record of member.server.sources) {
      if (!records.some((known) => known.source === record.source && known.id === record.id)) records.push(record)
    }
  }
  return records
}

function mergeKeywords(members: Member[]): string[] {
  const seen = new Set<string>()
  const keywords: string[] = []
  for (const member of members) {
    for (const keyword of member.server.keywords) {
      const key = keyword.toLowerCase()
      if (seen.has(key)) continue
      seen.add(key)
      keywords.push(keyword)
    }
  }
  return keywords
}

function latestDate(members: Member[], pick: (server: ServerMetadata) => string | undefined): string | undefined {
  let latest: { value: string; time: number } | undefined
  for (const member of members) {
    const value = pick(member.server)
    const time = value ? Date.parse(value) : Number.NaN
    if (value && !Number.isNaN(time) && (!latest || time > latest.time)) latest = { value, time }
  }
  return latest?.value
}

/**
 * The repository from whoever has one. With an official registry entry in the group, an `id`
 * stays only when it is the registry's own: installers compare that id with GitHub's to catch a
 * repository deleted and recreated since the entry was published, and GitHub's own id (from the
 * GitHub source) would always agree with itself.
 */
function mergeRepository(members: Member[], official: Member | undefined): ServerMetadata['repository'] {
  const repository = firstDefined(members, (entry) => entry.repository)
  if (!repository || !official || repository.id === undefined || official.server.repository === repository) return repository
  const { id: _notTheRegistrys, ...withoutId } = repository
  return withoutId
}

/** One group's entries as one server; `members` are in precedence order. */
function mergeGroup(members: Member[], primaryRef: string | undefined): MergedServer {
  const [first] = members as [Member, ...Member[]]
  if (members.length === 1) return { server: first.server, refs: [first.server.ref] }
  const primary = members.find((member) => member.server.ref === primaryRef) ?? first
  const official = members.find((member) => member.identity.official)
  const packages = mergePackages(members)
  const worst = members.reduce((found, member) => (statusSeverity[member.server.status] > statusSeverity[found.server.status] ? member : found), first)
  const claimed = members.find((member) => member.nameKey && !member.identity.official)
  const server: ServerMetadata = {
    ref: primary.server.ref,
    // The official name, when a registry entry is part of the group, is the name people publish under.
    name: official?.server.name ?? first.server.name,
    description: firstDefined(members, (entry) => entry.description) ?? '',
    // The primary entry's version: `ref` and `version` must describe the same thing.
    version: primary.server.version || (firstDefined(members, (entry) => entry.version) ?? ''),
    packages,
    remotes: mergeRemotes(members),
    capabilities: mergeCapabilities(members),
    requirements: mergeRequirements(members, packages),
    keywords: mergeKeywords(members),
    // Any source marking the server deprecated or deleted is a warning worth keeping.
    status: worst.server.status,
    verified: mergeVerified(members),
    sources: mergeSources(members),
  }
  const optional = {
    title: firstDefined(members, (entry) => entry.title),
    repository: mergeRepository(members, official),
    websiteUrl: firstDefined(members, (entry) => entry.websiteUrl),
    license: firstDefined(members, (entry) => entry.license),
    popularity: mergePopularity(members),
    statusMessage: worst.server.statusMessage,
    registryName: official?.identity.registryName ?? claimed?.identity.registryName ?? firstDefined(members, (entry) => entry.registryName),
    publishedAt: firstDefined(members, (entry) => entry.publishedAt),
    updatedAt: latestDate(members, (entry) => entry.updatedAt),
  }
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (server as Record<string, unknown>)[key] = value
  }
  const refs = [server.ref, ...members.map((member) => member.server.ref).filter((ref) => ref !== server.ref)]
  return { server, refs: [...new Set(refs)] }
}

/**
 * Merges entries of the same server found in several sources. Returns one server per group, in
 * the order each group first appears in `servers`; a server nothing joins is returned as it was
 * (with its npm/PyPI name claim checked when its registry entry is among `servers`).
 */
export function mergeServers(servers: readonly ServerMetadata[], options: MergeOptions = {}): MergedServer[] {
  const members: Member[] = servers.map((server, index) => {
    const { kind, id } = refOf(server)
    const identity = identityOf(server)
    const repository = identity.repository
    const own = ownPackageKey(kind, id)
    return {
      index,
      server,
      kind,
      precedence: kind ? precedenceByKind[kind] : 1,
      identity,
      ...(own ? { own } : {}),
      ...(identity.registryName ? { nameKey: nameKey(identity.registryName) } : {}),
      ...(repository ? { repositoryKey: `${repository.url}#${repository.subfolder ?? ''}` } : {}),
    }
  })

  const registryByName = new Map<string, Member>()
  for (const member of members) {
    if (member.identity.official && member.nameKey && !registryByName.has(member.nameKey)) registryByName.set(member.nameKey, member)
  }
  for (const member of members) {
    const checked = checkClaim(member, registryByName)
    member.server = checked.server
    // A claim the registry contradicts must not pull the package into that registry entry.
    if (checked.contradicted) delete member.nameKey
  }

  // Keys in a fixed order (same ref, packages, names, then repositories, the weakest), each
  // group of members sorted by ref: the outcome does not depend on the order sources answered in.
  const byRef = [...members].sort((a, b) => (a.server.ref < b.server.ref ? -1 : a.server.ref > b.server.ref ? 1 : a.index - b.index))
  const keyGroups = new Map<string, number[]>()
  const add = (key: string, member: Member) => {
    const group = keyGroups.get(key)
    if (group) group.push(member.index)
    else keyGroups.set(key, [member.index])
  }
  for (const member of byRef) add(`ref\u0000${member.server.ref}`, member)
  for (const member of byRef) for (const key of member.identity.packages) add(`package\u0000${key}`, member)
  for (const member of byRef) if (member.nameKey) add(`name\u0000${member.nameKey}`, member)
  for (const member of byRef) if (member.repositoryKey) add(`repository\u0000${member.repositoryKey}`, member)

  const unionFind = new UnionFind(members.map(stateOf))
  for (const indexes of keyGroups.values()) unionFind.joinAllOrNone(indexes)

  const groups = new Map<number, Member[]>()
  for (const member of members) {
    const root = unionFind.find(member.index)
    const group = groups.get(root)
    if (group) group.push(member)
    else groups.set(root, [member])
  }
  return [...groups.values()]
    .sort((a, b) => (a[0] as Member).index - (b[0] as Member).index)
    .map((group) => mergeGroup([...group].sort((a, b) => a.precedence - b.precedence || a.index - b.index), options.primaryRef))
}
