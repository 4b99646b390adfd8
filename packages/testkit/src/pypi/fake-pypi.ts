/**
 * A fake PyPI on 127.0.0.1 speaking the real protocols: the Simple API in both forms (PEP 691
 * JSON for `Accept: application/vnd.pypi.simple.v1+json`, the PEP 503 HTML otherwise), project
 * pages with file hashes, the JSON API (`/pypi/<name>/json`, `/pypi/<name>/<version>/json`) with
 * PyPI's redirects to the registered name, and the files themselves. PEP 740 provenance, for the
 * files a project has it for, is served by the Integrity API
 * (`/integrity/<project>/<version>/<filename>/provenance`) and linked from the simple API (the
 * JSON form's `provenance` key, the HTML form's `data-provenance`). ETags and faults come from the
 * generic fake server.
 */
import { startFakeServer } from '../fake-server'
import type { FakeRequest, FakeResponse, FakeServer, FakeServerOptions } from '../fake-server'
import { normalizeProjectName } from './project'
import type { FakePypiProject, PypiFile, PypiInfo } from './project'

export interface FakePypiOptions extends FakeServerOptions {
  /** Projects with documents (JSON API, project pages, files). @default none */
  projects?: readonly FakePypiProject[]
  /**
   * More names listed in the simple index only, e.g. `generatePypiNames(50_000)`: the index a
   * real PyPI serves is mostly projects a test never opens. @default none
   */
  indexNames?: readonly string[]
  /** Ignore `Accept` and serve the Simple API as HTML only, as older mirrors do. @default false */
  htmlOnly?: boolean
  /** `api-version` in the Simple API's `meta`. @default '1.1' */
  apiVersion?: string
}

export interface FakePypi extends FakeServer {
  /** The simple index URL, as pip's `index-url` would name it: `<url>/simple/`. */
  readonly indexUrl: string
  /** Projects served, by normalised name; change them through `setProject`/`removeProject`. */
  readonly projects: ReadonlyMap<string, FakePypiProject>
  /** Adds or replaces a project (an upload, as far as readers can tell). */
  setProject(project: FakePypiProject): void
  removeProject(name: string): void
  /** Replaces the names listed in the index besides the projects'. */
  setIndexNames(names: readonly string[]): void
  /** Requests whose path starts with `prefix` (all requests without one). */
  countRequests(prefix?: string): number
}

const jsonType = 'application/vnd.pypi.simple.v1+json'
const htmlType = 'application/vnd.pypi.simple.v1+html'
const integrityType = 'application/vnd.pypi.integrity.v1+json'
const notFound: FakeResponse = { status: 404, headers: { 'content-type': 'application/json' }, json: { message: 'Not Found' } }

/**
 * Content negotiation as PyPI does it: the highest `q` among the types it serves wins, JSON on a
 * tie; no usable `Accept` means HTML (PEP 691 keeps old clients working).
 */
export function negotiateSimpleFormat(accept: string | undefined, format: string | null): 'json' | 'html' {
  if (format === jsonType) return 'json'
  if (format === htmlType || format === 'text/html') return 'html'
  let best: { kind: 'json' | 'html'; q: number } | undefined
  for (const part of (accept ?? '').split(',')) {
    const [type = '', ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase())
    const qParameter = parameters.find((parameter) => parameter.startsWith('q='))
    const q = qParameter === undefined ? 1 : Number(qParameter.slice(2))
    if (!(q > 0)) continue
    const kind = type === jsonType ? 'json' : type === htmlType || type === 'text/html' || type === '*/*' ? 'html' : undefined
    if (kind === undefined) continue
    if (!best || q > best.q || (q === best.q && kind === 'json')) best = { kind, q }
  }
  return best?.kind ?? 'html'
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

function absolute(info: PypiInfo, baseUrl: string): PypiInfo {
  return { ...info, package_url: `${baseUrl}${info.package_url}`, project_url: `${baseUrl}${info.project_url}`, release_url: `${baseUrl}${info.release_url}` }
}

function absoluteFiles(files: readonly PypiFile[], baseUrl: string): PypiFile[] {
  return files.map((file) => ({ ...file, url: `${baseUrl}${file.url}` }))
}

function projectDocument(project: FakePypiProject, baseUrl: string): Record<string, unknown> {
  const { document } = project
  const releases = Object.fromEntries(Object.entries(document.releases).map(([version, files]) => [version, absoluteFiles(files, baseUrl)]))
  return { info: absolute(document.info, baseUrl), last_serial: document.last_serial, releases, urls: absoluteFiles(document.urls, baseUrl), vulnerabilities: document.vulnerabilities }
}

function releaseDocument(project: FakePypiProject, version: string, baseUrl: string): Record<string, unknown> | undefined {
  const info = project.infoByVersion[version]
  const files = project.document.releases[version]
  if (!info || !files) return undefined
  // The release endpoint no longer carries `releases` (removed by PyPI in 2023).
  return { info: absolute(info, baseUrl), last_serial: project.document.last_serial, urls: absoluteFiles(files, baseUrl), vulnerabilities: [] }
}

/** Where the Integrity API serves a file's PEP 740 provenance, when the project has it for that file. */
function provenanceUrl(project: FakePypiProject, file: PypiFile, baseUrl: string): string | null {
  if (!project.provenance?.[file.filename]) return null
  const version = Object.entries(project.document.releases).find(([, files]) => files.includes(file))?.[0] ?? ''
  return `${baseUrl}/integrity/${project.normalizedName}/${encodeURIComponent(version)}/${encodeURIComponent(file.filename)}/provenance`
}

/**
 * A PEP 691 project page: every file with its hashes, plus PEP 700's `versions`, `size` and
 * `upload-time` and PEP 740's `provenance` (a URL, or null when the file has none).
 */
function simpleProjectJson(project: FakePypiProject, baseUrl: string, apiVersion: string): Record<string, unknown> {
  const files = Object.values(project.document.releases).flatMap((list) =>
    list.map((file) => ({
      filename: file.filename,
      url: `${baseUrl}${file.url}`,
      hashes: { sha256: file.digests.sha256 },
      'requires-python': file.requires_python,
      yanked: file.yanked ? (file.yanked_reason ?? true) : false,
      size: file.size,
      'upload-time': file.upload_time_iso_8601,
      provenance: provenanceUrl(project, file, baseUrl),
    })),
  )
  return { meta: { 'api-version': apiVersion, '_last-serial': project.document.last_serial }, name: project.normalizedName, files, versions: Object.keys(project.document.releases) }
}

function simpleProjectHtml(project: FakePypiProject, baseUrl: string, apiVersion: string): string {
  const links = Object.values(project.document.releases).flatMap((list) =>
    list.map((file) => {
      const requires = file.requires_python ? ` data-requires-python="${escapeHtml(file.requires_python)}"` : ''
      const yanked = file.yanked ? ` data-yanked="${escapeHtml(file.yanked_reason ?? '')}"` : ''
      const provenance = provenanceUrl(project, file, baseUrl)
      const attested = provenance ? ` data-provenance="${escapeHtml(provenance)}"` : ''
      return `    <a href="${baseUrl}${file.url}#sha256=${file.digests.sha256}"${requires}${yanked}${attested}>${escapeHtml(file.filename)}</a><br />`
    }),
  )
  return `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="${apiVersion}">\n    <title>Links for ${escapeHtml(project.normalizedName)}</title>\n  </head>\n  <body>\n    <h1>Links for ${escapeHtml(project.normalizedName)}</h1>\n${links.join('\n')}\n  </body>\n</html>\n`
}

/** Starts a fake PyPI. */
export async function startFakePypi(options: FakePypiOptions = {}): Promise<FakePypi> {
  const projects = new Map<string, FakePypiProject>()
  for (const project of options.projects ?? []) projects.set(project.normalizedName, project)
  let indexNames: readonly string[] = options.indexNames ?? []
  const apiVersion = options.apiVersion ?? '1.1'
  // The full index is large; it is serialised once per change, not per request.
  let rendered: { json?: string; html?: string } = {}

  function indexedNames(): string[] {
    const names = new Map<string, string>()
    for (const name of indexNames) names.set(normalizeProjectName(name), name)
    for (const project of projects.values()) names.set(project.normalizedName, project.name)
    return [...names.values()]
  }

  function indexJson(): string {
    rendered.json ??= (() => {
      const projectsJson = indexedNames().map((name, index) => JSON.stringify({ name, '_last-serial': projects.get(normalizeProjectName(name))?.document.last_serial ?? 1_000_000 + index }))
      return `{"meta":{"_last-serial":${30_000_000 + projectsJson.length},"api-version":${JSON.stringify(apiVersion)}},"projects":[${projectsJson.join(',')}]}`
    })()
    return rendered.json
  }

  function indexHtml(): string {
    rendered.html ??= (() => {
      const links = indexedNames().map((name) => `    <a href="/simple/${normalizeProjectName(name)}/">${escapeHtml(name)}</a>`)
      return `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="${apiVersion}">\n    <title>Simple index</title>\n  </head>\n  <body>\n${links.join('\n')}\n  </body>\n</html>\n`
    })()
    return rendered.html
  }

  function simple(request: FakeRequest, segments: string[]): FakeResponse {
    const format = options.htmlOnly ? 'html' : negotiateSimpleFormat(request.headers.accept, request.url.searchParams.get('format'))
    const contentType = format === 'json' ? jsonType : `${htmlType}; charset=utf-8`
    // Vary on Accept, as PyPI does, so caches keep the two forms apart.
    const headers = { 'content-type': contentType, vary: 'Accept, Accept-Encoding' }
    if (!request.url.pathname.endsWith('/')) return { status: 301, headers: { location: `${request.url.pathname}/${request.url.search}` } }
    const [name] = segments
    if (name === undefined) return { headers, body: format === 'json' ? indexJson() : indexHtml() }
    const normalized = normalizeProjectName(name)
    if (normalized !== name) return { status: 301, headers: { location: `/simple/${normalized}/${request.url.search}` } }
    const project = projects.get(normalized)
    if (!project) return { status: 404, headers: { 'content-type': 'text/plain' }, body: '404 Not Found' }
    return format === 'json' ? { headers, json: simpleProjectJson(project, request.baseUrl, apiVersion) } : { headers, body: simpleProjectHtml(project, request.baseUrl, apiVersion) }
  }

  function jsonApi(request: FakeRequest, segments: string[]): FakeResponse {
    const [name, second, third] = segments
    const version = third === 'json' ? second : undefined
    if (name === undefined || (second !== 'json' && third !== 'json') || segments.length > 3) return notFound
    const project = projects.get(normalizeProjectName(name))
    if (!project) return notFound
    // PyPI redirects any other spelling to the registered name.
    if (name !== project.name) {
      return { status: 301, headers: { location: `/pypi/${project.name}/${version === undefined ? '' : `${version}/`}json` } }
    }
    if (version === undefined) return { json: projectDocument(project, request.baseUrl) }
    const document = releaseDocument(project, version, request.baseUrl)
    return document ? { json: document } : notFound
  }

  function file(pathname: string): FakeResponse {
    const filename = pathname.slice(pathname.lastIndexOf('/') + 1)
    for (const project of projects.values()) {
      const bytes = project.files[filename]
      const listed = Object.values(project.document.releases).some((list) => list.some((entry) => entry.url === pathname))
      if (bytes && listed) return { headers: { 'content-type': 'application/octet-stream' }, body: bytes }
    }
    return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' }
  }

  /** PyPI's Integrity API: `/integrity/<project>/<version>/<filename>/provenance`, 404 when the file has none. */
  function integrity(segments: string[]): FakeResponse {
    const [name, version, filename, leaf] = segments
    if (name === undefined || version === undefined || filename === undefined || leaf !== 'provenance' || segments.length !== 4) return notFound
    const project = projects.get(normalizeProjectName(name))
    const listed = project?.document.releases[version]?.some((file) => file.filename === filename) ?? false
    const provenance = listed ? project?.provenance?.[filename] : undefined
    if (!provenance) return { status: 404, headers: { 'content-type': 'application/json' }, json: { message: `No provenance available for ${filename}` } }
    return { headers: { 'content-type': integrityType }, json: provenance }
  }

  const handler = (request: FakeRequest): FakeResponse => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return { status: 405, json: { message: 'Method Not Allowed' } }
    const pathname = request.url.pathname
    let segments: string[]
    try {
      segments = pathname.split('/').filter(Boolean).map(decodeURIComponent)
    } catch {
      return notFound
    }
    const [root, ...rest] = segments
    if (root === 'simple') return simple(request, rest)
    if (root === 'pypi') return jsonApi(request, rest)
    if (root === 'packages') return file(pathname)
    if (root === 'integrity') return integrity(rest)
    if (root === 'project' && rest[0] !== undefined && projects.has(normalizeProjectName(rest[0]))) {
      return { headers: { 'content-type': 'text/html; charset=utf-8' }, body: `<!DOCTYPE html><title>${escapeHtml(rest[0])} · PyPI</title>` }
    }
    return notFound
  }

  const server = await startFakeServer(handler, options)
  return {
    get url() {
      return server.url
    },
    get port() {
      return server.port
    },
    get indexUrl() {
      return `${server.url}/simple/`
    },
    requests: server.requests,
    setFault: (fault) => server.setFault(fault),
    addFault: (fault) => server.addFault(fault),
    close: () => server.close(),
    projects,
    setProject(project) {
      projects.set(project.normalizedName, project)
      rendered = {}
    },
    removeProject(name) {
      projects.delete(normalizeProjectName(name))
      rendered = {}
    },
    setIndexNames(names) {
      indexNames = names
      rendered = {}
    },
    countRequests(prefix) {
      return prefix === undefined ? server.requests.length : server.requests.filter((request) => request.path.startsWith(prefix)).length
    },
  }
}
