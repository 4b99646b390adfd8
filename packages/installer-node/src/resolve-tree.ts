/**
 * The whole tree resolved in-process into a lockfile (version 3) that `npm ci` installs as is.
 * Resolving with a first npm process (`npm install --package-lock-only`) cost 300–400 ms of npm
 * start-up on every install, for metadata our client fetches anyway; this resolver reads the same
 * packuments and lays the tree out as npm does: each dependency placed as high as it can go
 * without shadowing another's, the version npm would pick (the `latest` tag when it fits, else the
 * highest fitting version, engine-compatible and not deprecated first), peers beside their
 * dependent, optional dependencies kept in the lockfile for every platform, `npm:` aliases, and
 * npm's dep flags (`optional`, `peer`). Every edge of the result resolves to a version that
 * satisfies it, which is what `npm ci` checks before it installs offline.
 *
 * What it does not reproduce as npm does makes it step aside (`{ fallback }`), and npm resolves
 * the tree as before, through the metadata proxy: a shrinkwrap, bundled dependencies, a peer it
 * cannot place beside its dependent, a dependency missing from the registry (npm's message is the
 * familiar one), and non-registry dependencies when they are allowed. Non-registry dependencies
 * that are not allowed are refused here, with their path, before anything is fetched from them.
 */
import semver from 'semver'
import { redact } from '@tekton/mcp-discovery'
import { TektonError } from '@tekton/mcp-discovery'
import type { ReleaseAgeRule } from '@tekton/mcp-installation'
import { unsafeDependencyError } from './tree'
import { label } from './packument'
import { withoutYoungVersions, youngAgeOf } from './release-age'

type EdgeType = 'prod' | 'optional' | 'peer' | 'peerOptional'

/** A registry dependency spec: a range, an exact version or a dist-tag, of `packageName` (another name for `npm:` aliases). */
export interface RegistrySpec {
  packageName: string
  kind: 'range' | 'version' | 'tag'
  value: string
}

interface Edge {
  from: TreeNode
  name: string
  spec: RegistrySpec
  type: EdgeType
  to?: TreeNode
}

interface TreeNode {
  /** The folder name (the alias for an `npm:` alias). */
  name: string
  packageName: string
  version: string
  /** `node_modules/a/node_modules/b`; '' for the staging project. */
  location: string
  parent: TreeNode | undefined
  children: Map<string, TreeNode>
  edgesOut: Edge[]
  manifest: Record<string, unknown>
  resolved: string
  integrity?: string
  fromRegistry: boolean
}

/** The top-level package, installed from the verified tarball. */
export interface ResolveRoot {
  name: string
  /** The package.json inside the tarball (npm installs from it, not from the registry's copy). */
  manifest: Record<string, unknown>
  /** The `npm-shrinkwrap.json` inside the tarball: the package's tree as its publisher pinned it. */
  shrinkwrap?: string
  /** The lockfile's `resolved` of the top-level package (`file:package.tgz`). */
  resolved: string
  integrity: string
}

export interface ResolveTreeOptions {
  root: ResolveRoot
  /** The raw packument of `name`; rejects with `E_NOT_FOUND` when the registry has no such package. */
  packumentOf: (name: string) => Promise<unknown>
  /** The node npm will run on: engine-compatible versions are preferred, as npm does. */
  nodeVersion: string
  allowNonRegistry: boolean
  /** Who we are in the refusal. */
  what: string
  /**
   * The minimum release age: a dependency picked by a range or a dist-tag skips versions younger
   * than the rule (the packuments must then be full ones, with `time`); one with no old-enough
   * version is `E_POLICY_DENIED`. An exact dependency version is pinned, as an exact request for
   * the server is, and not held back.
   */
  releaseAge?: ReleaseAgeRule | undefined
}

/** The lockfile, with a note for each dependency the release age held back; or why npm must resolve the tree. */
export type TreeResolution = { lockfile: Record<string, unknown>; notes?: string[] } | { fallback: string }

/** Thrown inside the resolver to step aside for npm; never leaves it. */
class Fallback extends Error {}

/**
 * Reads a dependency spec as npm-package-arg would, for registry specs only: `npm:` aliases,
 * ranges (`''` and `*` included), exact versions, dist-tags. Anything else (git, URLs, files,
 * paths, links) is `undefined`.
 */
export function parseRegistrySpec(name: string, raw: string): RegistrySpec | undefined {
  const spec = raw.trim()
  if (spec.startsWith('npm:')) {
    const aliased = spec.slice(4)
    const at = aliased.lastIndexOf('@')
    const packageName = at > 0 ? aliased.slice(0, at) : aliased
    const sub = at > 0 ? aliased.slice(at + 1) : ''
    if (!/^(?:@[a-z0-9][\w.~-]*\/)?[a-z0-9][\w.~-]*$/i.test(packageName) || sub.startsWith('npm:')) return undefined
    const inner = parseRegistrySpec(packageName, sub)
    return inner && { ...inner, packageName }
  }
  if (spec === '' || spec === '*' || spec === 'x') return { packageName: name, kind: 'range', value: '*' }
  const exact = semver.valid(spec, { loose: true })
  if (exact !== null) return { packageName: name, kind: 'version', value: exact }
  if (semver.validRange(spec, { loose: true }) !== null) return { packageName: name, kind: 'range', value: spec }
  if (/^[A-Za-z][\w.-]*$/.test(spec) && encodeURIComponent(spec) === spec) return { packageName: name, kind: 'tag', value: spec }
  return undefined
}

/** Whether `node` satisfies `spec`, as npm's dep-valid judges it (a tag: any registry tarball). */
function satisfies(node: TreeNode, spec: RegistrySpec): boolean {
  if (node.packageName !== spec.packageName) return false
  if (spec.kind === 'tag') return node.fromRegistry
  if (spec.kind === 'range' && spec.value === '*') return true
  return semver.satisfies(node.version, spec.value, true)
}

interface RawPackument {
  'dist-tags'?: Record<string, unknown>
  versions?: Record<string, unknown>
}

function manifestOf(packument: RawPackument, version: string): Record<string, unknown> | undefined {
  const manifest = packument.versions?.[version]
  if (typeof manifest !== 'object' || manifest === null) return undefined
  const dist = (manifest as { dist?: { tarball?: unknown } }).dist
  return typeof dist?.tarball === 'string' ? (manifest as Record<string, unknown>) : undefined
}

function engineOk(manifest: Record<string, unknown>, nodeVersion: string): boolean {
  const node = (manifest.engines as { node?: unknown } | undefined)?.node
  if (typeof node !== 'string' || semver.validRange(node) === null) return true
  return semver.satisfies(nodeVersion, node, { includePrerelease: true })
}

const deprecated = (manifest: Record<string, unknown>) => typeof manifest.deprecated === 'string' && manifest.deprecated !== ''

/** npm-pick-manifest's choice: the tag; the exact version; else `latest` when it fits, else the best fitting version. */
export function pickVersion(packument: RawPackument, spec: RegistrySpec, nodeVersion: string): { version: string; manifest: Record<string, unknown> } | undefined {
  const tags = packument['dist-tags'] ?? {}
  const pick = (version: unknown) => {
    const manifest = typeof version === 'string' ? manifestOf(packument, version) : undefined
    return manifest && { version: version as string, manifest }
  }
  if (spec.kind === 'tag') return pick(tags[spec.value])
  if (spec.kind === 'version') return pick(spec.value)
  const latest = pick(tags.latest)
  if (latest && (spec.value === '*' || semver.satisfies(latest.version, spec.value, { loose: true })) && engineOk(latest.manifest, nodeVersion) && !deprecated(latest.manifest)) {
    return latest
  }
  const candidates = Object.keys(packument.versions ?? {})
    .filter((version) => semver.valid(version, { loose: true }) !== null && semver.satisfies(version, spec.value, { loose: true }))
    .map((version) => pick(version))
    .filter((candidate): candidate is { version: string; manifest: Record<string, unknown> } => candidate !== undefined)
  const rank = (candidate: { manifest: Record<string, unknown> }) => {
    const engine = engineOk(candidate.manifest, nodeVersion)
    const fresh = !deprecated(candidate.manifest)
    return [engine && fresh ? 1 : 0, engine ? 1 : 0, fresh ? 1 : 0]
  }
  candidates.sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)]
    for (let index = 0; index < ra.length; index += 1) if (ra[index] !== rb[index]) return (rb[index] as number) - (ra[index] as number)
    return semver.rcompare(a.version, b.version, true)
  })
  return candidates[0]
}

function record(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {}
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
}

/** The edges a package's manifest gives, in arborist's order: a later type replaces an earlier one of the same name. */
function edgeSpecsOf(manifest: Record<string, unknown>): Map<string, { raw: string; type: EdgeType }> {
  const edges = new Map<string, { raw: string; type: EdgeType }>()
  const meta = (manifest.peerDependenciesMeta ?? {}) as Record<string, { optional?: unknown } | undefined>
  for (const [name, raw] of Object.entries(record(manifest.peerDependencies))) edges.set(name, { raw, type: meta[name]?.optional === true ? 'peerOptional' : 'peer' })
  for (const [name, raw] of Object.entries(record(manifest.dependencies))) edges.set(name, { raw, type: 'prod' })
  for (const [name, raw] of Object.entries(record(manifest.optionalDependencies))) edges.set(name, { raw, type: 'optional' })
  return edges
}

function hasBundled(manifest: Record<string, unknown>): boolean {
  const bundled = manifest.bundleDependencies ?? manifest.bundledDependencies
  return bundled === true || (Array.isArray(bundled) && bundled.length > 0)
}

function isInside(node: TreeNode, ancestor: TreeNode): boolean {
  for (let current: TreeNode | undefined = node; current; current = current.parent) if (current === ancestor) return true
  return false
}

function resolveFrom(node: TreeNode, name: string): TreeNode | undefined {
  for (let current: TreeNode | undefined = node; current; current = current.parent) {
    const child = current.children.get(name)
    if (child) return child
  }
  return undefined
}

/** `root > a > b`: how a person finds the dependency in the tree. */
function pathOf(node: TreeNode, rootName: string): string {
  const names: string[] = []
  for (let current: TreeNode | undefined = node; current && current.location !== ''; current = current.parent) names.unshift(current.name)
  return [rootName, ...(names[0] === rootName ? names.slice(1) : names)].join(' > ')
}

/**
 * Resolves the tree. Resolves to the lockfile, or to `{ fallback: why }` when npm must resolve it;
 * throws `E_UNSAFE_DEPENDENCY` for non-registry dependencies that are not allowed.
 */
export async function resolveTree(options: ResolveTreeOptions): Promise<TreeResolution> {
  try {
    const notes: string[] = []
    const lockfile = await resolveOrStepAside(options, notes)
    return notes.length > 0 ? { lockfile, notes } : { lockfile }
  } catch (error) {
    if (error instanceof Fallback) return { fallback: error.message }
    throw error
  }
}

async function resolveOrStepAside(options: ResolveTreeOptions, notes: string[]): Promise<Record<string, unknown>> {
  const { root, releaseAge } = options
  if (root.shrinkwrap !== undefined) return lockfileFromShrinkwrap(root, options.what)
  if (hasBundled(root.manifest)) throw new Fallback(`${options.what} bundles dependencies`)
  const project: TreeNode = { name: '', packageName: '', version: '', location: '', parent: undefined, children: new Map(), edgesOut: [], manifest: {}, resolved: '', fromRegistry: false }
  const top: TreeNode = {
    name: root.name,
    packageName: root.name,
    version: String(root.manifest.version ?? ''),
    location: `node_modules/${root.name}`,
    parent: project,
    children: new Map(),
    edgesOut: [],
    manifest: root.manifest,
    resolved: root.resolved,
    integrity: root.integrity,
    fromRegistry: false,
  }
  project.children.set(root.name, top)
  const refused: string[] = []
  /** Edges resolved so far, by name: a placement must not shadow one it does not satisfy. */
  const resolvedEdges = new Map<string, Edge[]>()
  const remember = (edge: Edge) => {
    const list = resolvedEdges.get(edge.name) ?? []
    list.push(edge)
    resolvedEdges.set(edge.name, list)
  }
  // Every packument of a level is asked for at once; the source fetches ahead of us too.
  const packuments = new Map<string, Promise<RawPackument | undefined>>()
  /** Each packument without its young versions, made once. */
  const maturePackuments = new Map<string, RawPackument>()
  const matureOf = (name: string, packument: RawPackument, rule: ReleaseAgeRule): RawPackument => {
    let view = maturePackuments.get(name)
    if (view === undefined) {
      view = withoutYoungVersions(packument, rule) as RawPackument
      maturePackuments.set(name, view)
    }
    return view
  }
  const packumentOf = (name: string) => {
    let pending = packuments.get(name)
    if (pending === undefined) {
      pending = options.packumentOf(name).then(
        (data) => data as RawPackument,
        (error: unknown) => {
          if (TektonError.isInstance(error) && error.code === 'E_NOT_FOUND') return undefined
          throw error
        },
      )
      pending.catch(() => undefined)
      packuments.set(name, pending)
    }
    return pending
  }

  const edgesOf = (node: TreeNode): Edge[] => {
    const edges: Edge[] = []
    for (const [name, { raw, type }] of [...edgeSpecsOf(node.manifest)].sort(([a], [b]) => a.localeCompare(b, 'en'))) {
      const spec = parseRegistrySpec(name, raw)
      if (spec === undefined) {
        if (options.allowNonRegistry) throw new Fallback(`${node.name} depends on ${name} from outside the registry`)
        refused.push(`${pathOf(node, root.name)} > ${name}: ${JSON.stringify(redact(raw))}`)
        continue
      }
      edges.push({ from: node, name, spec, type })
    }
    return edges
  }

  /** Where a new node for `edge` goes: the shallowest level that neither hides it nor breaks another edge. */
  const placementFor = (edge: Edge, candidate: { version: string }): TreeNode | undefined => {
    const peer = edge.type === 'peer' || edge.type === 'peerOptional'
    // A peer goes beside its dependent (its dependent's parent's node_modules) or higher, never inside it.
    const start = peer ? edge.from.parent : edge.from
    if (start === undefined) return undefined
    const levels: TreeNode[] = []
    for (let level: TreeNode | undefined = start; level; level = level.parent) {
      if (level.children.has(edge.name)) break
      levels.push(level)
    }
    if (peer && edge.from.children.has(edge.name)) return undefined
    const fits = (level: TreeNode) =>
      (resolvedEdges.get(edge.name) ?? []).every((other) => {
        if (!isInside(other.from, level) || other.to === undefined || isInside(other.to, level)) return true
        return other.spec.packageName === edge.spec.packageName && satisfiesVersion(candidate.version, other.spec)
      })
    for (const level of levels.reverse()) if (fits(level)) return level
    return undefined
  }

  // npm's order: the physically shallowest node first, then by location; its edges by name.
  // Placing a node reads its edges and starts fetching their packuments, so they are there when
  // its turn comes.
  const queue: TreeNode[] = []
  const enqueue = (node: TreeNode) => {
    node.edgesOut = edgesOf(node)
    for (const edge of node.edgesOut) void packumentOf(edge.spec.packageName)
    queue.push(node)
  }
  const depthOf = (node: TreeNode) => node.location.split('node_modules/').length
  enqueue(top)
  /** Resolves one edge, placing a node when nothing visible satisfies it. */
  const settle = async (edge: Edge): Promise<void> => {
    const existing = resolveFrom(edge.from, edge.name)
    if (existing && satisfies(existing, edge.spec)) {
      edge.to = existing
      remember(edge)
      return
    }
    // An optional peer is installed only when something else brings it.
    if (!existing && edge.type === 'peerOptional') return
    const packument = await packumentOf(edge.spec.packageName)
    let picked = packument && pickVersion(packument, edge.spec, options.nodeVersion)
    if (!picked) {
      if (edge.type === 'optional') return // npm leaves out an optional dependency it cannot find
      throw new Fallback(`no version of ${edge.spec.packageName} matches ${edge.spec.value}`)
    }
    if (releaseAge !== undefined && edge.spec.kind !== 'version' && packument !== undefined) {
      // The same pick among the versions old enough (the tags re-pointed), as pnpm's minimumReleaseAge does.
      const mature = pickVersion(matureOf(edge.spec.packageName, packument, releaseAge), edge.spec, options.nodeVersion)
      if (mature?.version !== picked.version) {
        const where = `${pathOf(edge.from, root.name)} > ${edge.name}`
        const young = `${edge.spec.packageName}@${picked.version} ${youngAgeOf(packument, picked.version, releaseAge)}`
        const wanted = edge.spec.value
        if (mature === undefined) {
          if (edge.type === 'optional') {
            notes.push(`${where}@${wanted}: no matching version is older than ${releaseAge.hours} h (${young}): the optional dependency is left out, as ${releaseAge.rule} asks`)
            return
          }
          throw new TektonError('E_POLICY_DENIED', `${label} ${options.what}: dependency ${where}@${wanted}: no matching version is older than ${releaseAge.hours} h (${young}): refused by ${releaseAge.rule}`, {
            hint: 'Wait until a version of the dependency is old enough, or install a version of the server whose dependencies are',
          })
        }
        notes.push(`${where}: ${young}, younger than ${releaseAge.hours} h: ${mature.version} is installed instead, as ${releaseAge.rule} asks`)
        picked = mature
      }
    }
    if (picked.manifest._hasShrinkwrap === true) throw new Fallback(`${edge.spec.packageName}@${picked.version} has a shrinkwrap`)
    if (hasBundled(picked.manifest)) throw new Fallback(`${edge.spec.packageName}@${picked.version} bundles dependencies`)
    const level = placementFor(edge, picked)
    if (level === undefined) throw new Fallback(`${edge.name} cannot be placed for ${edge.from.name}`)
    const dist = picked.manifest.dist as { tarball: string; integrity?: unknown }
    const placed: TreeNode = {
      name: edge.name,
      packageName: edge.spec.packageName,
      version: picked.version,
      location: `${level.location === '' ? '' : `${level.location}/`}node_modules/${edge.name}`,
      parent: level,
      children: new Map(),
      edgesOut: [],
      manifest: picked.manifest,
      resolved: dist.tarball,
      ...(typeof dist.integrity === 'string' ? { integrity: dist.integrity } : {}),
      fromRegistry: true,
    }
    level.children.set(edge.name, placed)
    edge.to = placed
    remember(edge)
    enqueue(placed)
  }
  while (queue.length > 0) {
    queue.sort((a, b) => depthOf(a) - depthOf(b) || a.location.localeCompare(b.location, 'en'))
    const node = queue.shift() as TreeNode
    for (const edge of node.edgesOut) await settle(edge)
  }
  if (refused.length > 0) throw unsafeDependencyError(options.what, refused)
  return lockfileOf(project, top)
}

function satisfiesVersion(version: string, spec: RegistrySpec): boolean {
  if (spec.kind === 'tag') return true
  if (spec.kind === 'range' && spec.value === '*') return true
  return semver.satisfies(version, spec.value, true)
}

/** npm's calc-dep-flags: a node is optional (peer) unless a path of non-optional (non-peer) edges reaches it. */
function depFlags(project: TreeNode, top: TreeNode): { required: Set<TreeNode>; notPeer: Set<TreeNode> } {
  const walk = (follows: (edge: Edge) => boolean) => {
    const reached = new Set<TreeNode>([project])
    const queue = [project]
    for (let node = queue.shift(); node; node = queue.shift()) {
      for (const edge of node.edgesOut) {
        if (edge.to === undefined || reached.has(edge.to) || !follows(edge)) continue
        reached.add(edge.to)
        queue.push(edge.to)
      }
    }
    return reached
  }
  // The staging project depends on the top-level package only; everything else hangs from it.
  project.edgesOut = [{ from: project, name: top.name, spec: { packageName: top.packageName, kind: 'range', value: '*' }, type: 'prod', to: top }]
  return {
    required: walk((edge) => edge.type !== 'optional' && edge.type !== 'peerOptional'),
    notPeer: walk((edge) => edge.type !== 'peer' && edge.type !== 'peerOptional'),
  }
}

/** The lock entry fields npm copies from a manifest (shrinkwrap.js `pkgMetaKeys`), empty ones left out. */
const copiedFields = ['dependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta', 'funding', 'engines', 'os', 'cpu', 'libc', 'deprecated'] as const

function binOf(name: string, bin: unknown): Record<string, string> | undefined {
  const clean = (file: string) => file.replace(/\\/g, '/').split('/').filter((part) => part !== '' && part !== '.' && part !== '..').join('/')
  if (typeof bin === 'string' && bin.trim() !== '') return { [name.slice(name.indexOf('/') + 1)]: clean(bin) }
  const entries = Object.entries(record(bin)).map(([key, file]) => [key.slice(key.lastIndexOf('/') + 1), clean(file)] as const)
  return entries.length > 0 ? Object.fromEntries(entries) : undefined
}

/** A lock entry: where the package comes from, then what npm copies from its manifest. */
function lockEntryOf(manifest: Record<string, unknown>, source: { name?: string; version: string; resolved: string; integrity?: string }): Record<string, unknown> {
  const entry: Record<string, unknown> = { ...source }
  const scripts = record(manifest.scripts)
  if (manifest.hasInstallScript === true || ['preinstall', 'install', 'postinstall'].some((script) => scripts[script] !== undefined)) entry.hasInstallScript = true
  const license = manifest.license
  if (typeof license === 'string' && license !== '') entry.license = license
  else if (typeof (license as { type?: unknown } | undefined)?.type === 'string') entry.license = (license as { type: string }).type
  const bin = binOf(String(manifest.name ?? ''), manifest.bin)
  if (bin) entry.bin = bin
  for (const field of copiedFields) {
    const value = manifest[field]
    if (value === undefined || value === null || value === '' || value === false) continue
    if (typeof value === 'object' && Object.keys(value).length === 0) continue
    entry[field] = value
  }
  return entry
}

function lockfileOf(project: TreeNode, top: TreeNode): Record<string, unknown> {
  const { required, notPeer } = depFlags(project, top)
  const nodes: TreeNode[] = []
  const collect = (node: TreeNode) => {
    for (const child of node.children.values()) {
      nodes.push(child)
      collect(child)
    }
  }
  collect(project)
  nodes.sort((a, b) => a.location.localeCompare(b.location, 'en'))
  const packages: Record<string, Record<string, unknown>> = { '': { dependencies: { [top.name]: top.resolved } } }
  for (const node of nodes) {
    const entry = lockEntryOf(node.manifest, { ...(node.name !== node.packageName ? { name: node.packageName } : {}), version: node.version, resolved: node.resolved, ...(node.integrity !== undefined ? { integrity: node.integrity } : {}) })
    if (!required.has(node)) entry.optional = true
    if (!notPeer.has(node)) entry.peer = true
    packages[node.location] = entry
  }
  return { lockfileVersion: 3, requires: true, packages }
}

/** The lockfile key `name` resolves to from the package at `fromKey`, as node's module lookup walks up. */
export function resolveLockKey(packages: Record<string, unknown>, fromKey: string, name: string): string | undefined {
  for (let key: string | undefined = fromKey; key !== undefined; ) {
    const candidate = key === '' ? `node_modules/${name}` : `${key}/node_modules/${name}`
    if (packages[candidate] !== undefined) return candidate
    if (key === '') return undefined
    const parent = key.lastIndexOf('/node_modules/')
    key = parent < 0 ? '' : key.slice(0, parent)
  }
  return undefined
}

type LockEntry = Record<string, unknown> & { version?: string; resolved?: string; dev?: boolean; link?: boolean; inBundle?: boolean }

/**
 * The tree a shrinkwrap pins, nothing resolved: `npm install <package>` puts a shrinkwrapped
 * package's tree inside its own node_modules, so do we. The tree rule still judges every entry
 * afterwards. A shrinkwrap this cannot take as is (an old format, entries without their URL, an
 * edge it does not satisfy) is left to npm.
 */
function lockfileFromShrinkwrap(root: ResolveRoot, what: string): Record<string, unknown> {
  let data: { lockfileVersion?: unknown; packages?: Record<string, LockEntry> }
  try {
    data = JSON.parse(root.shrinkwrap as string) as typeof data
  } catch {
    throw new Fallback(`${what}'s shrinkwrap does not parse`)
  }
  if (typeof data.lockfileVersion !== 'number' || data.lockfileVersion < 2 || typeof data.packages !== 'object' || data.packages === null) {
    throw new Fallback(`${what}'s shrinkwrap is of an old format`)
  }
  const topKey = `node_modules/${root.name}`
  const topEntry = lockEntryOf(root.manifest, { version: String(root.manifest.version ?? ''), resolved: root.resolved, integrity: root.integrity })
  const packages: Record<string, LockEntry> = { '': { dependencies: { [root.name]: root.resolved } }, [topKey]: topEntry }
  for (const [key, entry] of Object.entries(data.packages)) {
    if (key === '' || !key.startsWith('node_modules/') || typeof entry !== 'object' || entry === null) continue
    if (entry.dev === true) continue // --omit=dev
    if (entry.resolved === undefined && entry.inBundle !== true && entry.link !== true) throw new Fallback(`${what}'s shrinkwrap leaves out where ${key} comes from`)
    const { devOptional: _devOptional, ...kept } = entry
    packages[`${topKey}/${key}`] = kept
  }
  // npm ci installs it offline only when every edge holds; one that does not is npm's to report.
  for (const [key, entry] of Object.entries(packages)) {
    if (key === '' || entry.inBundle === true) continue
    for (const [name, { raw, type }] of edgeSpecsOf(entry)) {
      const spec = parseRegistrySpec(name, raw)
      const target = resolveLockKey(packages, key, name)
      if (target === undefined) {
        if (type === 'prod' || type === 'peer') throw new Fallback(`${what}'s shrinkwrap has no ${name} for ${key}`)
        continue
      }
      const version = packages[target]?.version
      if (spec !== undefined && spec.kind !== 'tag' && (version === undefined || !satisfiesVersion(version, spec))) throw new Fallback(`${what}'s shrinkwrap has ${name}@${version} where ${key} wants ${raw}`)
    }
  }
  return { lockfileVersion: 3, requires: true, packages }
}
