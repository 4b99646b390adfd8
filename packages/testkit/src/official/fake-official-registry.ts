/**
 * A fake official MCP Registry on 127.0.0.1 speaking its v0.1 read API:
 * `GET /v0.1/servers` (opaque cursors, `limit` 1..100, `search`, `updated_since`, `version`,
 * `include_deleted`), `GET /v0.1/servers/{serverName}/versions` and
 * `GET /v0.1/servers/{serverName}/versions/{version|latest}`, with the registry's own answers:
 * `{ servers: [{ server, _meta }], metadata: { nextCursor, count } }`, problem+json errors
 * (`{"title":"Not Found","status":404,"detail":"Server not found"}`) and 422 for a `limit`
 * out of range. It can live under a sub-path (`basePath: '/mirror'`), as company mirrors do.
 * Faults come from the generic fake server.
 */
import { startFakeServer } from '../fake-server'
import type { FakeRequest, FakeResponse, FakeServer, FakeServerOptions } from '../fake-server'

/** Lifecycle status the registry keeps for each version. */
export type OfficialStatus = 'active' | 'deprecated' | 'deleted'

/** The registry's metadata key in API responses. */
export const officialRegistryMetaKey = 'io.modelcontextprotocol.registry/official'

/** A server.json document as publishers write it (only `name` and `version` are needed here). */
export interface OfficialServerJson {
  name: string
  version: string
  description?: string
  [field: string]: unknown
}

/** One published version of a server, as a test describes it. */
export interface FakeOfficialEntry {
  server: OfficialServerJson
  /** @default 'active' */
  status?: OfficialStatus
  statusMessage?: string
  /** When the version was published (ISO). @default the fake's clock at the time it is added */
  publishedAt?: string
  /** When the entry last changed (ISO). @default `publishedAt` */
  updatedAt?: string
}

/** One version as the fake stores it. */
export interface StoredOfficialEntry {
  server: OfficialServerJson
  status: OfficialStatus
  statusMessage?: string
  statusChangedAt?: string
  publishedAt: string
  updatedAt: string
  /** Publish order, for the listing's stable order and for cursors. */
  sequence: number
}

/** What the fake answers for one version: server.json plus the registry's own metadata. */
export interface OfficialServerResponse {
  server: OfficialServerJson
  _meta: Record<string, unknown>
}

export interface FakeOfficialRegistryOptions extends FakeServerOptions {
  /** Versions served at start. @default none: an empty registry */
  servers?: readonly FakeOfficialEntry[]
  /** Serve the API under this path, e.g. `/mirror` (a company mirror). @default '' */
  basePath?: string
  /** Clock for `publishedAt`/`updatedAt` of entries added or changed at runtime. @default Date.now */
  now?: () => number
  /**
   * Answer at most this many entries per page whatever `limit` asks (within 1..100), as some
   * sub-registries cap pages silently. @default no cap
   */
  pageCap?: number
}

export interface FakeOfficialRegistry extends FakeServer {
  /** `url` plus `basePath`: what a client is configured with. */
  readonly baseUrl: string
  readonly basePath: string
  /** Adds a version (a publish); the highest version (semver, else newest) becomes latest. */
  publish(entry: FakeOfficialEntry): StoredOfficialEntry
  /**
   * Edits a version's server.json in place (the registry's admin edit), the latest one unless
   * `version` is given; its `updatedAt` becomes now.
   */
  updateServer(name: string, patch: Partial<OfficialServerJson>, options?: { version?: string }): StoredOfficialEntry
  /** Sets the status of every version (or of `version`); `updatedAt` becomes now. */
  setStatus(name: string, status: OfficialStatus, options?: { version?: string; statusMessage?: string }): void
  /** `setStatus(name, 'deleted')`: what moderation does to spam and malware. */
  deleteServer(name: string, statusMessage?: string): void
  /** Forgets a server entirely (not something the API can do; for tests that need a blank slate). */
  removeServer(name: string): void
  /** Every stored version of a server (all servers without a name), in publish order. */
  entries(name?: string): StoredOfficialEntry[]
  /** Requests whose path after `basePath` starts with `prefix` (all requests, outside `basePath` too, without one). */
  countRequests(prefix?: string): number
  /** The URLs of those requests, to check the query parameters a client sent. */
  requestUrls(prefix?: string): URL[]
}

const maxLimit = 100
const defaultLimit = 30
/** RFC 3339 date-time, as Go's `time.Parse(time.RFC3339, ...)` accepts it. */
const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i
const semverPattern = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/

/** Semver precedence; undefined when either side is not semver. */
function compareSemver(a: string, b: string): number | undefined {
  const left = semverPattern.exec(a)
  const right = semverPattern.exec(b)
  if (!left || !right) return undefined
  for (let index = 1; index <= 3; index += 1) {
    const difference = Number(left[index]) - Number(right[index])
    if (difference !== 0) return Math.sign(difference)
  }
  const leftPre = left[4]
  const rightPre = right[4]
  if (leftPre === undefined || rightPre === undefined) return leftPre === rightPre ? 0 : leftPre === undefined ? 1 : -1
  const leftParts = leftPre.split('.')
  const rightParts = rightPre.split('.')
  for (let index = 0; index < Math.max(leftParts.length, rightParts.length); index += 1) {
    const x = leftParts[index]
    const y = rightParts[index]
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1
    if (x === y) continue
    const numericX = /^\d+$/.test(x)
    const numericY = /^\d+$/.test(y)
    if (numericX && numericY) return Math.sign(Number(x) - Number(y))
    if (numericX !== numericY) return numericX ? -1 : 1
    return x < y ? -1 : 1
  }
  return 0
}

/** The registry's rule for "latest": higher semver wins; otherwise the later publish. */
function newer(a: StoredOfficialEntry, b: StoredOfficialEntry): boolean {
  const bySemver = compareSemver(a.server.version, b.server.version)
  if (bySemver !== undefined && bySemver !== 0) return bySemver > 0
  return a.publishedAt === b.publishedAt ? a.sequence > b.sequence : a.publishedAt > b.publishedAt
}

/** huma's error shape (RFC 9457 problem details), as the real registry answers. */
function problem(request: FakeRequest, status: number, title: string, detail: string, errors?: unknown[]): FakeResponse {
  return {
    status,
    headers: { 'content-type': 'application/problem+json' },
    json: {
      $schema: `${request.baseUrl}/schemas/ErrorModel.json`,
      title,
      status,
      detail,
      ...(errors ? { errors } : {}),
    },
  }
}

function encodeCursor(entry: StoredOfficialEntry): string {
  return Buffer.from(JSON.stringify({ n: entry.server.name, s: entry.sequence })).toString('base64url')
}

function decodeCursor(value: string): { n: string; s: number } | undefined {
  try {
    const cursor = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as { n?: unknown; s?: unknown }
    return typeof cursor.n === 'string' && typeof cursor.s === 'number' ? { n: cursor.n, s: cursor.s } : undefined
  } catch {
    return undefined
  }
}

/** Listing order: by name, then publish order; a cursor is "after this (name, sequence)". */
function compareEntries(a: { server: { name: string }; sequence: number }, b: { server: { name: string }; sequence: number }): number {
  if (a.server.name !== b.server.name) return a.server.name < b.server.name ? -1 : 1
  return a.sequence - b.sequence
}

/** Starts a fake official MCP Registry. */
export async function startFakeOfficialRegistry(options: FakeOfficialRegistryOptions = {}): Promise<FakeOfficialRegistry> {
  const now = options.now ?? Date.now
  const basePath = (options.basePath ?? '').replace(/\/+$/, '')
  if (basePath !== '' && !basePath.startsWith('/')) throw new TypeError(`basePath must start with "/", got ${basePath}`)
  const byName = new Map<string, StoredOfficialEntry[]>()
  let sequence = 0

  function latestOf(name: string): StoredOfficialEntry | undefined {
    let latest: StoredOfficialEntry | undefined
    for (const entry of byName.get(name) ?? []) if (!latest || newer(entry, latest)) latest = entry
    return latest
  }

  function respond(entry: StoredOfficialEntry): OfficialServerResponse {
    const official: Record<string, unknown> = {
      status: entry.status,
      publishedAt: entry.publishedAt,
      updatedAt: entry.updatedAt,
      isLatest: latestOf(entry.server.name) === entry,
    }
    if (entry.statusMessage !== undefined) official.statusMessage = entry.statusMessage
    if (entry.statusChangedAt !== undefined) official.statusChangedAt = entry.statusChangedAt
    return { server: structuredClone(entry.server), _meta: { [officialRegistryMetaKey]: official } }
  }

  function publish(input: FakeOfficialEntry): StoredOfficialEntry {
    const { name, version } = input.server
    const versions = byName.get(name) ?? []
    if (versions.some((entry) => entry.server.version === version)) {
      throw new Error(`${name}@${version} is already published`)
    }
    const publishedAt = input.publishedAt ?? new Date(now()).toISOString()
    const stored: StoredOfficialEntry = {
      server: structuredClone(input.server),
      status: input.status ?? 'active',
      publishedAt,
      updatedAt: input.updatedAt ?? publishedAt,
      sequence: (sequence += 1),
    }
    if (input.statusMessage !== undefined) stored.statusMessage = input.statusMessage
    versions.push(stored)
    byName.set(name, versions)
    return stored
  }

  function find(name: string, version: string | undefined): StoredOfficialEntry {
    const entry = version === undefined ? latestOf(name) : byName.get(name)?.find((candidate) => candidate.server.version === version)
    if (!entry) throw new Error(`no such server: ${name}${version === undefined ? '' : `@${version}`}`)
    return entry
  }

  function setStatus(name: string, status: OfficialStatus, statusOptions: { version?: string; statusMessage?: string } = {}): void {
    const targets = statusOptions.version === undefined ? (byName.get(name) ?? []) : [find(name, statusOptions.version)]
    if (targets.length === 0) throw new Error(`no such server: ${name}`)
    const at = new Date(now()).toISOString()
    for (const entry of targets) {
      entry.status = status
      entry.statusChangedAt = at
      entry.updatedAt = at
      if (statusOptions.statusMessage === undefined) delete entry.statusMessage
      else entry.statusMessage = statusOptions.statusMessage
    }
  }

  for (const entry of options.servers ?? []) publish(entry)

  function list(request: FakeRequest): FakeResponse {
    const query = request.url.searchParams
    const limitText = query.get('limit')
    const limit = limitText === null ? defaultLimit : Number(limitText)
    if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
      const message = !Number.isInteger(limit) ? 'expected integer' : limit < 1 ? 'expected number >= 1' : `expected number <= ${maxLimit}`
      return problem(request, 422, 'Unprocessable Entity', 'validation failed', [{ message, location: 'query.limit', value: limitText }])
    }
    const updatedSinceText = query.get('updated_since')
    let updatedSince: number | undefined
    if (updatedSinceText !== null && updatedSinceText !== '') {
      updatedSince = Date.parse(updatedSinceText)
      if (!rfc3339.test(updatedSinceText) || Number.isNaN(updatedSince)) {
        return problem(request, 400, 'Bad Request', 'Invalid updated_since format: expected RFC3339 timestamp (e.g., 2025-08-07T13:15:04.280Z)')
      }
    }
    const includeDeletedText = query.get('include_deleted')
    if (includeDeletedText !== null && includeDeletedText !== 'true' && includeDeletedText !== 'false') {
      return problem(request, 422, 'Unprocessable Entity', 'validation failed', [{ message: 'expected boolean', location: 'query.include_deleted', value: includeDeletedText }])
    }
    if (updatedSince !== undefined && includeDeletedText === 'false') {
      return problem(request, 400, 'Bad Request', 'Cannot set include_deleted=false when using updated_since (incremental sync requires deleted servers)')
    }
    // Incremental sync must see deletions, so updated_since always includes deleted servers.
    const includeDeleted = updatedSince !== undefined || includeDeletedText === 'true'
    const cursorText = query.get('cursor')
    const cursor = cursorText ? decodeCursor(cursorText) : undefined
    if (cursorText && !cursor) return problem(request, 400, 'Bad Request', 'Invalid cursor parameter')
    const search = query.get('search')?.toLowerCase()
    const version = query.get('version')

    const matching = [...byName.values()]
      .flat()
      .filter((entry) => {
        if (version === 'latest' && latestOf(entry.server.name) !== entry) return false
        if (version && version !== 'latest' && entry.server.version !== version) return false
        if (search && !entry.server.name.toLowerCase().includes(search)) return false
        if (updatedSince !== undefined && !(Date.parse(entry.updatedAt) > updatedSince)) return false
        if (!includeDeleted && entry.status === 'deleted') return false
        return true
      })
      .sort(compareEntries)
    const start = cursor ? matching.findIndex((entry) => compareEntries(entry, { server: { name: cursor.n }, sequence: cursor.s }) > 0) : 0
    const rest = start < 0 ? [] : matching.slice(start)
    const page = rest.slice(0, Math.min(limit, options.pageCap ?? limit))
    const last = page.at(-1)
    const metadata: Record<string, unknown> = { count: page.length }
    if (last && rest.length > page.length) metadata.nextCursor = encodeCursor(last)
    return { json: { servers: page.map(respond), metadata } }
  }

  function serverRoute(request: FakeRequest, segments: string[]): FakeResponse {
    // `{serverName}` is one path segment: the slash in a name must be sent as %2F.
    const [encodedName, versionsWord, encodedVersion, ...extra] = segments
    if (encodedName === undefined || versionsWord !== 'versions' || extra.length > 0) return { status: 404, body: '404 page not found' }
    let name: string
    let version: string | undefined
    try {
      name = decodeURIComponent(encodedName)
      version = encodedVersion === undefined ? undefined : decodeURIComponent(encodedVersion)
    } catch {
      return problem(request, 400, 'Bad Request', 'Invalid server name encoding')
    }
    const includeDeleted = request.url.searchParams.get('include_deleted') === 'true'
    const visible = (byName.get(name) ?? []).filter((entry) => includeDeleted || entry.status !== 'deleted')
    if (version === undefined) {
      if (visible.length === 0) return problem(request, 404, 'Not Found', 'Server not found')
      // The registry lists versions newest first by publication date.
      const ordered = [...visible].sort((a, b) => (a.publishedAt === b.publishedAt ? b.sequence - a.sequence : a.publishedAt < b.publishedAt ? 1 : -1))
      return { json: { servers: ordered.map(respond), metadata: { count: ordered.length } } }
    }
    const entry = version === 'latest' ? latestOf(name) : visible.find((candidate) => candidate.server.version === version)
    if (!entry || (!includeDeleted && entry.status === 'deleted')) return problem(request, 404, 'Not Found', 'Server not found')
    return { json: respond(entry) }
  }

  const handler = (request: FakeRequest): FakeResponse => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return problem(request, 405, 'Method Not Allowed', `method ${request.method} not allowed`)
    const pathname = request.url.pathname
    if (basePath !== '' && pathname !== basePath && !pathname.startsWith(`${basePath}/`)) return { status: 404, body: '404 page not found' }
    // Split before decoding, so an encoded slash stays inside its segment.
    const segments = pathname.slice(basePath.length).split('/').filter((segment) => segment !== '')
    const [apiVersion, collection, ...rest] = segments
    if ((apiVersion !== 'v0.1' && apiVersion !== 'v0') || collection !== 'servers') return { status: 404, body: '404 page not found' }
    return rest.length === 0 ? list(request) : serverRoute(request, rest)
  }

  const server = await startFakeServer(handler, options)
  // Requests outside basePath never match a prefix: they did not reach the registry's API.
  const relativePath = (path: string) => (basePath === '' || path === basePath || path.startsWith(`${basePath}/`) || path.startsWith(`${basePath}?`) ? path.slice(basePath.length) : undefined)
  const selected = (prefix: string | undefined) => server.requests.filter((request) => prefix === undefined || relativePath(request.path)?.startsWith(prefix))

  return {
    get url() {
      return server.url
    },
    get port() {
      return server.port
    },
    baseUrl: `${server.url}${basePath}`,
    basePath,
    requests: server.requests,
    setFault: (fault) => server.setFault(fault),
    addFault: (fault) => server.addFault(fault),
    close: () => server.close(),
    publish,
    updateServer(name, patch, updateOptions = {}) {
      const entry = find(name, updateOptions.version)
      entry.server = { ...entry.server, ...structuredClone(patch), name: entry.server.name, version: entry.server.version }
      entry.updatedAt = new Date(now()).toISOString()
      return entry
    },
    setStatus,
    deleteServer(name, statusMessage) {
      setStatus(name, 'deleted', statusMessage === undefined ? {} : { statusMessage })
    },
    removeServer(name) {
      byName.delete(name)
    },
    entries(name) {
      const all = name === undefined ? [...byName.values()].flat() : (byName.get(name) ?? [])
      return [...all].sort((a, b) => a.sequence - b.sequence)
    },
    countRequests(prefix) {
      return selected(prefix).length
    },
    requestUrls(prefix) {
      return selected(prefix).map((request) => new URL(request.path, server.url))
    },
  }
}
