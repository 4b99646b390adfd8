/** From PyPI's JSON API documents to the data model: metadata, PEP 440 ordered versions, release files. */
import { normalizePypiName } from '@tekton/mcp-discovery'
import type { Package, Repository, ServerMetadata, ServerVersion, Verification } from '@tekton/mcp-discovery'
import { compare, explain, valid } from '@renovatebot/pep440'
import { compareNewestFirst, isHttpUrl, parseRepositoryUrl, withoutCredentials, type VersionScheme } from '@tekton/mcp-discovery/kit'
import { metadataReasons, nameReasons } from './classify'
import type { PypiFileData, PypiInfoData, PypiProjectData } from './schemas'

/** The source id PyPI results carry. */
export const pypiSourceId = 'pypi'

/** Why an `mcp-name:` claim is not verified yet: only the official registry listing this project confirms it. */
export const mcpNameDetail = 'claimed in the project description, not yet confirmed by the official registry'

/** What mapping needs to know about where a document came from. */
export interface MappingContext {
  /** The JSON API base the document came from, e.g. `https://pypi.org/pypi` (credentials are dropped). */
  jsonApiUrl: string
}

/** One uploaded file of a release, with what an installer needs to pin it. */
export interface PypiReleaseFile {
  filename: string
  url: string
  /** `bdist_wheel` or `sdist` (others are historical). */
  packagetype: string
  /** Hex SHA-256 of the file, from the index; absent only for documents that omit it. */
  sha256?: string
  requiresPython?: string
  yanked: boolean
  yankedReason?: string
  size?: number
  uploadedAt?: string
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}

// --- versions (PEP 440) ---

/** PEP 440 pre-release (including dev releases); a version PEP 440 rejects is judged by its letters. */
export function isPrerelease(version: string): boolean {
  if (valid(version) !== null) return explain(version)?.is_prerelease ?? false
  return /\d[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview|dev)\d*/i.test(version)
}

/** PEP 440 as a version scheme for the kit's newest-first order. */
const pep440Scheme: VersionScheme = { isValid: (version) => valid(version) !== null, compare }

/**
 * Newest first by PEP 440 (not semver: `1.0rc1 < 1.0 < 1.0.post1`, epochs, dev releases), through
 * the kit's one ordering rule: versions PEP 440 rejects (legacy uploads such as `2004d`) sort
 * after every valid one, by upload time, so one odd release never breaks the list.
 */
export function compareVersionsDescending(a: { version: string; publishedAt?: string | undefined }, b: { version: string; publishedAt?: string | undefined }): number {
  return compareNewestFirst(a, b, pep440Scheme)
}

function earliestUpload(files: readonly PypiFileData[]): string | undefined {
  const times = files.map((file) => asString(file.upload_time_iso_8601)).filter((time): time is string => time !== undefined)
  return times.sort()[0]
}

/** A release counts as yanked when it has files and every one of them is yanked (PEP 592 yanks files, PyPI yanks releases). */
function releaseYank(files: readonly PypiFileData[]): { yanked: boolean; reason?: string } {
  if (files.length === 0 || !files.every((file) => file.yanked === true)) return { yanked: false }
  const reason = files.map((file) => asString(file.yanked_reason)).find((text) => text !== undefined)
  return reason ? { yanked: true, reason } : { yanked: true }
}

/**
 * Every release, newest first by PEP 440, with its upload time (the first file's), prerelease and
 * yanked flags, and `latest` on the version PyPI describes in `info`. A yanked release's reason
 * is its `deprecated` message: the publisher asks people off it, though an exact pin still installs it.
 */
export function projectToVersions(project: PypiProjectData): ServerVersion[] {
  const latest = project.info.version
  // A copy: the parsed document may be shared through the memory cache.
  const releases: Record<string, PypiFileData[]> = { ...project.releases }
  // A mirror without `releases` still describes the latest release through `urls`.
  if (releases[latest] === undefined) releases[latest] = project.urls ?? []
  const versions = Object.entries(releases).map(([version, files]) => {
    const entry: ServerVersion = { version, prerelease: isPrerelease(version), tags: version === latest ? ['latest'] : [] }
    const publishedAt = earliestUpload(files)
    if (publishedAt) entry.publishedAt = publishedAt
    const yank = releaseYank(files)
    if (yank.yanked) {
      entry.yanked = true
      if (yank.reason) entry.yankedReason = yank.reason
    }
    return entry
  })
  return versions.sort(compareVersionsDescending)
}

/** Files of a release as an installer pins them (`--require-hashes` needs each sha256). */
export function toReleaseFiles(files: readonly PypiFileData[]): PypiReleaseFile[] {
  return files.map((file) => {
    const entry: PypiReleaseFile = { filename: file.filename, url: file.url, packagetype: asString(file.packagetype) ?? 'unknown', yanked: file.yanked === true }
    const sha256 = asString(file.digests?.sha256)?.toLowerCase()
    if (sha256 && /^[a-f0-9]{64}$/.test(sha256)) entry.sha256 = sha256
    const requiresPython = asString(file.requires_python)
    if (requiresPython) entry.requiresPython = requiresPython
    const yankedReason = asString(file.yanked_reason)
    if (entry.yanked && yankedReason) entry.yankedReason = yankedReason
    if (typeof file.size === 'number' && file.size >= 0) entry.size = file.size
    const uploadedAt = asString(file.upload_time_iso_8601)
    if (uploadedAt) entry.uploadedAt = uploadedAt
    return entry
  })
}

// --- licenses, keywords, links ---

/** License classifiers with one unambiguous SPDX identifier; others are shown as PyPI names them. */
const spdxByClassifier: Record<string, string> = {
  'MIT License': 'MIT',
  'ISC License (ISCL)': 'ISC',
  'Mozilla Public License 2.0 (MPL 2.0)': 'MPL-2.0',
  'GNU General Public License v3 (GPLv3)': 'GPL-3.0',
  'GNU Lesser General Public License v3 (LGPLv3)': 'LGPL-3.0',
  'GNU Affero General Public License v3': 'AGPL-3.0',
  'The Unlicense (Unlicense)': 'Unlicense',
  'Boost Software License 1.0 (BSL-1.0)': 'BSL-1.0',
}

/**
 * The license: the PEP 639 `license_expression`, else the `license` field when it is a name
 * (many projects paste the whole license text there), else the `License ::` classifiers.
 */
export function normalizeLicense(info: Pick<PypiInfoData, 'license' | 'license_expression' | 'classifiers'>): string | undefined {
  const expression = asString(info.license_expression)
  if (expression) return expression
  const license = asString(info.license)
  if (license && !license.includes('\n') && license.length <= 80 && license.toUpperCase() !== 'UNKNOWN') return license
  const fromClassifiers = (info.classifiers ?? [])
    .filter((classifier) => classifier.startsWith('License ::'))
    .map((classifier) => classifier.split('::').map((part) => part.trim()).at(-1) ?? '')
    .filter((name) => name !== '' && name !== 'OSI Approved')
    .map((name) => spdxByClassifier[name] ?? name)
  return fromClassifiers.length > 0 ? [...new Set(fromClassifiers)].join(' OR ') : undefined
}

/** `keywords` as PyPI serves it (one string, comma separated or, in older projects, space separated) as a list. */
export function splitKeywords(value: string | null | undefined): string[] {
  if (!value) return []
  const parts = value.includes(',') ? value.split(',') : value.split(/\s+/)
  return [...new Set(parts.map((part) => part.trim()).filter(Boolean))]
}

const sourceByHost: Record<string, string> = { 'github.com': 'github', 'gitlab.com': 'gitlab', 'bitbucket.org': 'bitbucket' }

/**
 * A repository from a project URL on GitHub, GitLab or Bitbucket: `https://github.com/o/r.git`,
 * `.../o/r/tree/main/src/x` (→ subfolder `src/x`), GitLab's `.../group/sub/r/-/tree/main/x`.
 * `undefined` for anything else (a personal site, a profile, an issue tracker's root).
 */
export function repositoryFromUrl(raw: string): Repository | undefined {
  // Project URLs are web links: scp-like and shorthand forms are not expected here.
  if (!/^(?:git\+)?[a-z][a-z\d+.-]*:\/\//i.test(raw.trim())) return undefined
  const location = parseRepositoryUrl(raw)
  const source = location ? sourceByHost[location.host] : undefined
  if (!location || !source) return undefined
  if (location.path.length < 2 || ['orgs', 'sponsors', 'users', 'settings'].includes(location.path[0] ?? '')) return undefined
  const repository: Repository = { url: location.url, source }
  if (location.subfolder) repository.subfolder = location.subfolder
  return repository
}

/** A `project_urls` label in a comparable form: `Source Code` → `sourcecode`. */
function labelKey(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]/g, '')
}

/** Labels that name the code, in the order they are trusted; home pages last, since they are often sites. */
const repositoryLabels = ['source', 'sourcecode', 'repository', 'repo', 'code', 'github', 'gitlab', 'homepage', 'home']
const websiteLabels = ['homepage', 'home', 'documentation', 'docs', 'website']

function labelled(info: Pick<PypiInfoData, 'project_urls'>, labels: readonly string[]): string[] {
  const byKey = new Map<string, string>()
  for (const [label, url] of Object.entries(info.project_urls ?? {})) {
    const key = labelKey(label)
    if (!byKey.has(key) && isHttpUrl(url)) byKey.set(key, url)
  }
  return labels.map((label) => byKey.get(label)).filter((url): url is string => url !== undefined)
}

/** The repository from `project_urls` (Source, Repository, Code, ..., Homepage), then `home_page`. */
export function normalizeRepository(info: Pick<PypiInfoData, 'project_urls' | 'home_page'>): Repository | undefined {
  const candidates = [...labelled(info, repositoryLabels), ...(isHttpUrl(asString(info.home_page)) ? [asString(info.home_page) as string] : [])]
  for (const candidate of candidates) {
    const repository = repositoryFromUrl(candidate)
    if (repository) return repository
  }
  return undefined
}

/** The project's web site: a Homepage or Documentation link, else `home_page`. */
export function websiteOf(info: Pick<PypiInfoData, 'project_urls' | 'home_page'>): string | undefined {
  const homePage = asString(info.home_page)
  return labelled(info, websiteLabels)[0] ?? (isHttpUrl(homePage) ? homePage : undefined)
}

/** `registryBaseUrl` as server.json uses it for PyPI: where `/pypi/<name>/json` lives, e.g. `https://pypi.org`. */
export function registryBaseUrlOf(jsonApiUrl: string): string {
  return withoutCredentials(jsonApiUrl).replace(/\/+$/, '').replace(/\/pypi$/, '')
}

/** The project's page for people: the document's `project_url`, else `<registry>/project/<name>/`. */
export function projectPageOf(info: Pick<PypiInfoData, 'name' | 'project_url' | 'package_url'>, context: MappingContext): string {
  const given = asString(info.project_url) ?? asString(info.package_url)
  if (isHttpUrl(given)) return withoutCredentials(given)
  return `${registryBaseUrlOf(context.jsonApiUrl)}/project/${encodeURIComponent(info.name)}/`
}

const inactiveClassifier = 'Development Status :: 7 - Inactive'

/** The package entry: launched with `uvx <name>`, the convention server.json uses for PyPI. */
export function packageEntry(name: string, version: string, context: MappingContext): Package {
  return { registryType: 'pypi', identifier: name, version, registryBaseUrl: registryBaseUrlOf(context.jsonApiUrl), transport: { type: 'stdio' }, runtimeHint: 'uvx' }
}

/** Maps a project document to metadata (of the version PyPI calls latest); `reasons` says why it looks like an MCP server. */
export function projectToMetadata(project: PypiProjectData, context: MappingContext): ServerMetadata {
  const { info } = project
  const name = info.name
  const normalized = normalizePypiName(name)
  const version = info.version
  const latestFiles = project.releases?.[version] ?? project.urls ?? []
  const yank = info.yanked === true ? { yanked: true, reason: asString(info.yanked_reason) } : releaseYank(latestFiles)
  const classifiers = info.classifiers ?? []
  const inactive = classifiers.includes(inactiveClassifier)
  const keywords = splitKeywords(info.keywords)
  const mcpName = asString(info.mcpName)
  const requiresPython = asString(info.requires_python)
  const repository = normalizeRepository(info)
  const website = websiteOf(info)
  const license = normalizeLicense(info)
  const reasons = [...nameReasons(name), ...metadataReasons({ requiresDist: info.requires_dist ?? undefined, mcpName, keywords, summary: asString(info.summary) })]
  const verified: Verification[] = mcpName ? [{ kind: 'pypi-mcp-name', value: mcpName, verified: false, detail: mcpNameDetail }] : []

  const metadata: ServerMetadata = {
    ref: `pypi:${normalized}`,
    name,
    description: asString(info.summary) ?? '',
    version,
    packages: [packageEntry(name, version, context)],
    remotes: [],
    capabilities: [],
    requirements: [{ kind: 'runtime', name: 'python', ...(requiresPython ? { range: requiresPython } : {}) }],
    keywords,
    status: 'active',
    verified,
    sources: [{ source: pypiSourceId, id: normalized, url: projectPageOf(info, context), ...(reasons.length > 0 ? { reasons } : {}) }],
  }
  const projectStatus = info.project_status ?? project['project-status'] ?? undefined
  const statusReason = asString(projectStatus?.reason)
  if (projectStatus && projectStatus.status !== 'active') {
    // PEP 792. A quarantined project cannot be installed (the index hides its files): for us it is gone.
    metadata.status = projectStatus.status === 'quarantined' ? 'deleted' : projectStatus.status
    const said = projectStatus.status === 'quarantined' ? 'quarantined by the index' : `${projectStatus.status} by its maintainers`
    metadata.statusMessage = statusReason ? `${said}: ${statusReason}` : said
  } else if (yank.yanked) {
    metadata.status = 'deprecated'
    metadata.statusMessage = yank.reason ? `latest release ${version} is yanked: ${yank.reason}` : `latest release ${version} is yanked`
  } else if (inactive) {
    metadata.status = 'deprecated'
    metadata.statusMessage = `classified as ${inactiveClassifier}`
  }
  if (repository) metadata.repository = repository
  if (website) metadata.websiteUrl = website
  if (license) metadata.license = license
  if (mcpName) metadata.registryName = mcpName
  const publishedAt = earliestUpload(latestFiles)
  if (publishedAt) metadata.publishedAt = publishedAt
  const allFiles = Object.values(project.releases ?? {}).flat()
  const updatedAt = allFiles
    .map((file) => asString(file.upload_time_iso_8601))
    .filter((time): time is string => time !== undefined)
    .sort()
    .at(-1)
  if (updatedAt) metadata.updatedAt = updatedAt
  return metadata
}

/**
 * Metadata for a project the name index lists but whose document could not be read: enough to
 * show and install it by name (the same ref as full metadata), nothing more.
 */
export function nameOnlyMetadata(name: string, context: MappingContext): ServerMetadata {
  const normalized = normalizePypiName(name)
  const reasons = nameReasons(name)
  return {
    ref: `pypi:${normalized}`,
    name,
    description: '',
    version: '',
    packages: [],
    remotes: [],
    capabilities: [],
    requirements: [{ kind: 'runtime', name: 'python' }],
    keywords: [],
    status: 'active',
    verified: [],
    sources: [{ source: pypiSourceId, id: normalized, url: `${registryBaseUrlOf(context.jsonApiUrl)}/project/${encodeURIComponent(name)}/`, ...(reasons.length > 0 ? { reasons } : {}) }],
  }
}
