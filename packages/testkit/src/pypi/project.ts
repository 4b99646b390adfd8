/**
 * PyPI document shapes (the JSON API's `/pypi/<name>/json` as warehouse serves it) and a builder
 * that turns a short description of a project into a realistic document, so fixtures stay readable.
 */
import { createHash } from 'node:crypto'
import type { PypiProvenance } from './provenance'

/** One uploaded file, as listed in `releases` and `urls`. */
export interface PypiFile {
  comment_text: string
  digests: { blake2b_256: string; md5: string; sha256: string }
  downloads: number
  filename: string
  has_sig: boolean
  md5_digest: string
  packagetype: 'sdist' | 'bdist_wheel'
  python_version: string
  requires_python: string | null
  size: number
  upload_time: string
  upload_time_iso_8601: string
  /** Absolute once served; fixtures hold the path (`/packages/...`) and the fake adds its base URL. */
  url: string
  yanked: boolean
  yanked_reason: string | null
}

/** The `info` object: the project's metadata at one version. */
export interface PypiInfo {
  author: string
  author_email: string
  bugtrack_url: null
  classifiers: string[]
  description: string
  description_content_type: string
  docs_url: null
  download_url: string
  downloads: { last_day: number; last_month: number; last_week: number }
  dynamic: string[] | null
  home_page: string | null
  keywords: string | null
  license: string | null
  license_expression: string | null
  license_files: string[] | null
  maintainer: string
  maintainer_email: string
  name: string
  package_url: string
  platform: string | null
  project_url: string
  project_urls: Record<string, string> | null
  provides_extra: string[] | null
  release_url: string
  requires_dist: string[] | null
  requires_python: string | null
  summary: string
  version: string
  yanked: boolean
  yanked_reason: string | null
}

/** `GET /pypi/<name>/json`. `/pypi/<name>/<version>/json` is the same without `releases`. */
export interface PypiProjectDocument {
  info: PypiInfo
  last_serial: number
  releases: Record<string, PypiFile[]>
  urls: PypiFile[]
  vulnerabilities: unknown[]
}

/** A version in upload order, with what differs from the project's defaults. */
export interface PypiVersionSpec {
  version: string
  /** ISO time of the first file's upload. @default a day after the previous version */
  uploadedAt?: string
  /** Yank every file of this version; a string is the reason. */
  yanked?: boolean | string
  summary?: string
  description?: string
  requiresPython?: string | null
  requiresDist?: string[] | null
  /** Which files the release has. @default ['bdist_wheel', 'sdist']; `[]` for a release without files */
  files?: Array<'bdist_wheel' | 'sdist'>
}

/** A short description of a project for `buildPypiProject`. */
export interface PypiProjectSpec {
  /** The project name as registered (its case and separators are kept, as PyPI keeps them). */
  name: string
  summary?: string
  /** The long description (README); `mcpName` is added to it as an HTML comment. */
  description?: string
  /** Adds `<!-- mcp-name: <name> -->` to the description: the official MCP Registry's ownership marker. */
  mcpName?: string
  license?: string | null
  licenseExpression?: string | null
  classifiers?: string[]
  /** As PyPI serves it: one string, comma or space separated. */
  keywords?: string
  projectUrls?: Record<string, string>
  homePage?: string
  author?: string
  authorEmail?: string
  requiresPython?: string | null
  requiresDist?: string[] | null
  /** Versions in upload order (which need not be PEP 440 order); a string is `{ version }`. */
  versions: Array<string | PypiVersionSpec>
  /**
   * The version `info` describes. @default as PyPI picks it: the highest version that is neither
   * a prerelease nor yanked, else the highest not yanked, else the highest
   */
  latest?: string
  /** Yank every release (a string is the reason): the project is abandoned. */
  yanked?: boolean | string
  vulnerabilities?: unknown[]
  lastSerial?: number
  /** File contents by file name; others get a stand-in. Served at their `url` by the fake. */
  fileContents?: Record<string, Uint8Array>
}

/** A project as the fake serves it. */
export interface FakePypiProject {
  /** The registered name (as PyPI shows it). */
  name: string
  /** PEP 503: lower case, runs of `-`, `_`, `.` as one `-`. */
  normalizedName: string
  /** The document for `/pypi/<name>/json`, with file URLs as paths. */
  document: PypiProjectDocument
  /** `info` per version, for `/pypi/<name>/<version>/json`. */
  infoByVersion: Record<string, PypiInfo>
  /** Bytes of every file, by file name. */
  files: Record<string, Uint8Array>
  /**
   * PEP 740 provenance objects by file name, served by the Integrity API and linked from the
   * simple API (`withPypiProvenance`). @default none
   */
  provenance?: Record<string, PypiProvenance>
}

/** PEP 503 normalisation: lower case, runs of `-`, `_` and `.` become one `-`. */
export function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-')
}

/** The file-name form of a project name (wheel and sdist names use underscores, lower case). */
function fileStem(name: string): string {
  return normalizeProjectName(name).replace(/-/g, '_')
}

const prereleasePattern = /\d(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview|dev)\d*)/i

/** Whether a version is a PEP 440 pre- or development release (enough for fixtures). */
export function isFixturePrerelease(version: string): boolean {
  return prereleasePattern.test(version.replace(/^v/i, ''))
}

/**
 * Orders fixture versions by their release numbers, a prerelease before its release. Enough for
 * the fake to pick `latest` as PyPI does; the source under test orders with a real PEP 440 library.
 */
export function compareFixtureVersions(a: string, b: string): number {
  const numbers = (version: string) => (/^v?(\d+(?:\.\d+)*)/i.exec(version)?.[1] ?? '0').split('.').map(Number)
  const left = numbers(a)
  const right = numbers(b)
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0)
    if (difference !== 0) return difference
  }
  return Number(!isFixturePrerelease(a)) - Number(!isFixturePrerelease(b))
}

function digestsOf(bytes: Uint8Array): PypiFile['digests'] {
  return {
    blake2b_256: createHash('blake2b512').update(bytes).digest('hex').slice(0, 64),
    md5: createHash('md5').update(bytes).digest('hex'),
    sha256: createHash('sha256').update(bytes).digest('hex'),
  }
}

/** Where the fake serves a file: warehouse's `/packages/<2>/<2>/<60>/<filename>` layout. */
export function filePath(sha256: string, filename: string): string {
  return `/packages/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256.slice(4)}/${filename}`
}

function addDay(iso: string): string {
  return new Date(Date.parse(iso) + 86_400_000).toISOString()
}

/** Builds a realistic JSON API document from a short description. */
export function buildPypiProject(spec: PypiProjectSpec): FakePypiProject {
  const versions = spec.versions.map((entry): PypiVersionSpec => (typeof entry === 'string' ? { version: entry } : entry))
  if (versions.length === 0) throw new TypeError(`${spec.name}: a project needs at least one version`)
  const normalizedName = normalizeProjectName(spec.name)
  const files: Record<string, Uint8Array> = {}
  const releases: Record<string, PypiFile[]> = {}
  const infoByVersion: Record<string, PypiInfo> = {}
  const projectYankReason = typeof spec.yanked === 'string' ? spec.yanked : null
  let uploadedAt = '2025-01-02T10:00:00.000000Z'

  for (const [index, entry] of versions.entries()) {
    uploadedAt = entry.uploadedAt ?? (index === 0 ? uploadedAt : addDay(uploadedAt))
    const yanked = Boolean(entry.yanked ?? spec.yanked)
    const yankedReason = typeof entry.yanked === 'string' ? entry.yanked : yanked ? projectYankReason : null
    const requiresPython = entry.requiresPython !== undefined ? entry.requiresPython : (spec.requiresPython ?? null)
    const kinds = entry.files ?? ['bdist_wheel', 'sdist']
    releases[entry.version] = kinds.map((kind, fileIndex) => {
      const filename = kind === 'sdist' ? `${fileStem(spec.name)}-${entry.version}.tar.gz` : `${fileStem(spec.name)}-${entry.version}-py3-none-any.whl`
      const bytes = spec.fileContents?.[filename] ?? Buffer.from(`${filename}: fixture bytes for ${spec.name} ${entry.version}\n`)
      files[filename] = bytes
      const digests = digestsOf(bytes)
      const time = new Date(Date.parse(uploadedAt) + fileIndex * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
      return {
        comment_text: '',
        digests,
        downloads: -1,
        filename,
        has_sig: false,
        md5_digest: digests.md5,
        packagetype: kind,
        python_version: kind === 'sdist' ? 'source' : 'py3',
        requires_python: requiresPython,
        size: bytes.byteLength,
        upload_time: time.slice(0, 19),
        upload_time_iso_8601: time,
        url: filePath(digests.sha256, filename),
        yanked,
        yanked_reason: yankedReason,
      }
    })
    const description = [entry.description ?? spec.description ?? `# ${spec.name}\n\n${entry.summary ?? spec.summary ?? ''}\n`, spec.mcpName ? `\n<!-- mcp-name: ${spec.mcpName} -->\n` : ''].join('')
    infoByVersion[entry.version] = {
      author: spec.author ?? '',
      author_email: spec.authorEmail ?? 'Publisher <publisher@example.com>',
      bugtrack_url: null,
      classifiers: spec.classifiers ?? [],
      description,
      description_content_type: 'text/markdown',
      docs_url: null,
      download_url: '',
      downloads: { last_day: -1, last_month: -1, last_week: -1 },
      dynamic: null,
      home_page: spec.homePage ?? null,
      keywords: spec.keywords ?? null,
      license: spec.license ?? null,
      license_expression: spec.licenseExpression ?? null,
      license_files: null,
      maintainer: '',
      maintainer_email: '',
      name: spec.name,
      // Absolute URLs are filled in by the fake, which knows its own address.
      package_url: `/project/${spec.name}/`,
      platform: null,
      project_url: `/project/${spec.name}/`,
      project_urls: spec.projectUrls ?? null,
      provides_extra: null,
      release_url: `/project/${spec.name}/${entry.version}/`,
      requires_dist: entry.requiresDist !== undefined ? entry.requiresDist : (spec.requiresDist ?? null),
      requires_python: requiresPython,
      summary: entry.summary ?? spec.summary ?? '',
      version: entry.version,
      yanked,
      yanked_reason: yankedReason,
    }
  }

  const latest = spec.latest ?? pickLatest(versions.map((entry) => ({ version: entry.version, yanked: Boolean(entry.yanked ?? spec.yanked) })))
  const info = infoByVersion[latest]
  if (!info) throw new TypeError(`${spec.name}: latest ${latest} is not one of its versions`)
  return {
    name: spec.name,
    normalizedName,
    document: {
      info,
      last_serial: spec.lastSerial ?? 20_000_000 + versions.length,
      releases,
      urls: releases[latest] ?? [],
      vulnerabilities: spec.vulnerabilities ?? [],
    },
    infoByVersion,
    files,
  }
}

/** PyPI's choice for `info`: highest stable and not yanked, else highest not yanked, else highest. */
function pickLatest(versions: Array<{ version: string; yanked: boolean }>): string {
  const highest = (candidates: typeof versions) => [...candidates].sort((a, b) => compareFixtureVersions(b.version, a.version))[0]?.version
  const notYanked = versions.filter((entry) => !entry.yanked)
  return highest(notYanked.filter((entry) => !isFixturePrerelease(entry.version))) ?? highest(notYanked) ?? (highest(versions) as string)
}
