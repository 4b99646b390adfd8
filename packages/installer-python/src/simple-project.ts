/**
 * A project's files as the index lists them (PEP 691 JSON or PEP 503 HTML, over http(s) or from a
 * `file:` index on disk), and the choice of a version among them. The index's listing is where
 * the digests come from: pip's own report is cross-checked against it, never trusted alone, and
 * its `requires-python` and yanked flags decide before anything is created.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as pep440 from '@renovatebot/pep440'
import { TektonError, redact } from '@tekton/mcp-discovery'
import type { HttpClient } from '@tekton/mcp-discovery'
import { withoutCredentials } from '@tekton/mcp-discovery/kit'
import { checkVersionRange } from '@tekton/mcp-installation'
import { z } from 'zod'

export const label = '[installer-python]'

/** PEP 691 content types, JSON preferred, as pip asks. */
export const simpleProjectAccept = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01'

/** One file of a project, as an index lists it. */
export interface IndexFile {
  filename: string
  /** Absolute URL (credentials of the index kept, for the download). */
  url: string
  /** The sha256 the index publishes, lower-case hex; undefined when it publishes none. */
  sha256?: string
  requiresPython?: string
  /** `true`, or the reason, when yanked (PEP 592). */
  yanked?: string | true
  /** The index that listed it, without credentials. */
  index: string
  /** When it was uploaded (epoch ms), from PEP 700's `upload-time` (JSON pages only); undefined when the index does not say. */
  uploadedAt?: number
  /** Where the index serves the file's PEP 740 provenance (JSON `provenance`, HTML `data-provenance`), absolute. */
  provenanceUrl?: string
}

/** A file name read as a distribution: wheel or sdist, its project and version. */
export interface DistributionName {
  kind: 'wheel' | 'sdist'
  /** PEP 503 normalised project name. */
  project: string
  version: string
}

/** PEP 503: lower case, runs of `-`, `_`, `.` as one `-`. */
export function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-')
}

/** Reads `name-version(-build)?-py-abi-plat.whl` or `name-version.tar.gz`/`.zip`; undefined for anything else. */
export function parseDistributionName(filename: string): DistributionName | undefined {
  if (filename.endsWith('.whl')) {
    const parts = filename.slice(0, -4).split('-')
    if (parts.length !== 5 && parts.length !== 6) return undefined
    return { kind: 'wheel', project: normalizeProjectName(parts[0] as string), version: parts[1] as string }
  }
  const stem = filename.endsWith('.tar.gz') ? filename.slice(0, -7) : filename.endsWith('.zip') ? filename.slice(0, -4) : undefined
  if (stem === undefined) return undefined
  const dash = stem.lastIndexOf('-')
  if (dash <= 0) return undefined
  return { kind: 'sdist', project: normalizeProjectName(stem.slice(0, dash)), version: stem.slice(dash + 1) }
}

const JsonProjectSchema = z.object({
  files: z.array(
    z
      .object({
        filename: z.string(),
        url: z.string(),
        hashes: z.record(z.string(), z.string()).catch({}),
        'requires-python': z.string().nullish().catch(undefined),
        yanked: z.union([z.boolean(), z.string()]).nullish().catch(undefined),
        'upload-time': z.string().nullish().catch(undefined),
        provenance: z.string().nullish().catch(undefined),
      })
      .nullable()
      .catch(null),
  ),
})

function decodeHtml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&amp;/g, '&')
}

function attributeOf(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'i').exec(tag)
  if (!match) return undefined
  return decodeHtml(match[1] ?? match[2] ?? '')
}

/** PEP 700's `upload-time` (ISO 8601) as epoch ms; nothing when absent or unreadable. */
function uploadTimeOf(value: string | null | undefined): { uploadedAt?: number } {
  const when = typeof value === 'string' ? Date.parse(value) : Number.NaN
  return Number.isNaN(when) ? {} : { uploadedAt: when }
}

/** PEP 740's provenance link, absolute; a link that is not a URL is as good as none. */
function provenanceOf(link: string | null | undefined, pageUrl: string): { provenanceUrl?: string } {
  if (!link) return {}
  try {
    return { provenanceUrl: new URL(link, pageUrl).href }
  } catch {
    return {}
  }
}

/** Reads a project page, JSON (PEP 691) or HTML (PEP 503); relative URLs against `pageUrl`. */
export function parseProjectPage(body: string, pageUrl: string, index: string): IndexFile[] {
  const trimmed = body.trimStart()
  const files: IndexFile[] = []
  if (trimmed.startsWith('{')) {
    let data: unknown
    try {
      data = JSON.parse(trimmed)
    } catch (error) {
      throw new TektonError('E_BAD_RESPONSE', `${label} ${redact(pageUrl)} is not valid JSON`, { cause: error })
    }
    const parsed = JsonProjectSchema.safeParse(data)
    if (!parsed.success) throw new TektonError('E_BAD_RESPONSE', `${label} ${redact(pageUrl)} is not a PEP 691 project page (no files list)`)
    for (const file of parsed.data.files) {
      if (!file) continue
      const sha256 = file.hashes.sha256?.toLowerCase()
      files.push({
        filename: file.filename,
        url: new URL(file.url, pageUrl).href,
        ...(sha256 ? { sha256 } : {}),
        ...(file['requires-python'] ? { requiresPython: file['requires-python'] } : {}),
        ...(file.yanked ? { yanked: file.yanked === true ? true : file.yanked } : {}),
        ...uploadTimeOf(file['upload-time']),
        index,
        ...provenanceOf(file.provenance, pageUrl),
      })
    }
    return files
  }
  for (const match of body.matchAll(/<a\s[^>]*>([^<]*)<\/a>/gi)) {
    const tag = match[0].slice(0, match[0].indexOf('>') + 1)
    const href = attributeOf(tag, 'href')
    if (href === undefined) continue
    const url = new URL(href, pageUrl)
    const fragment = /^#sha256=([0-9a-fA-F]{64})$/.exec(url.hash)
    url.hash = ''
    const filename = decodeHtml(match[1] ?? '').trim() || decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf('/') + 1))
    const requiresPython = attributeOf(tag, 'data-requires-python')
    const yanked = attributeOf(tag, 'data-yanked')
    const provenance = attributeOf(tag, 'data-provenance')
    files.push({
      filename,
      url: url.href,
      ...(fragment?.[1] ? { sha256: fragment[1].toLowerCase() } : {}),
      ...(requiresPython ? { requiresPython } : {}),
      ...(yanked !== undefined ? { yanked: yanked === '' ? true : yanked } : {}),
      index,
      ...provenanceOf(provenance, pageUrl),
    })
  }
  return files
}

/**
 * Lists `project`'s files on every index, in pip's order (the index URL, then each extra index).
 * An index that does not have the project (404, or no directory for a `file:` index) lists none.
 */
export async function fetchProjectFiles(
  http: HttpClient,
  indexes: readonly string[],
  project: string,
  options: { signal?: AbortSignal | undefined; timeoutMs?: number } = {},
): Promise<IndexFile[]> {
  const normalized = normalizeProjectName(project)
  const lists = await Promise.all(
    indexes.map(async (index) => {
      const base = index.endsWith('/') ? index : `${index}/`
      const pageUrl = new URL(`${encodeURIComponent(normalized)}/`, base).href
      const shown = withoutCredentials(base)
      if (pageUrl.startsWith('file:')) {
        const directory = fileURLToPath(pageUrl)
        let body: string
        try {
          body = await readFile(path.join(directory, 'index.html'), 'utf8')
        } catch {
          return []
        }
        return parseProjectPage(body, pageUrl, shown)
      }
      try {
        const response = await http.getBytes(pageUrl, {
          source: 'installer-python',
          headers: { accept: simpleProjectAccept },
          ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        })
        return parseProjectPage(Buffer.from(response.data).toString('utf8'), response.url || pageUrl, shown)
      } catch (error) {
        if (TektonError.isInstance(error) && error.code === 'E_NOT_FOUND') return []
        if ((error as { status?: number }).status === 404) return []
        throw error
      }
    }),
  )
  return lists.flat()
}

/** One version of a project and its files. */
export interface VersionCandidate {
  version: string
  files: IndexFile[]
  wheels: IndexFile[]
  yanked: boolean
  /** The `requires-python` of its files (the first one given). */
  requiresPython?: string
}

/** What was asked: nothing (the latest), an exact version, or a PEP 440 specifier. */
export type PythonVersionRequest = { kind: 'latest' } | { kind: 'exact'; version: string } | { kind: 'range'; range: string }

/** Reads a requested version: empty or `latest` is the latest, a bare version is exact, else a specifier. */
export function parsePythonVersionRequest(requested: string | undefined): PythonVersionRequest {
  const text = requested?.trim() ?? ''
  if (text === '' || text === 'latest') return { kind: 'latest' }
  const exact = text.startsWith('==') && !text.includes('*') && !text.includes(',') ? text.slice(2).trim() : text
  if (pep440.valid(exact) !== null) return { kind: 'exact', version: exact }
  if (pep440.validRange(text)) return { kind: 'range', range: text }
  throw new TektonError('E_INVALID_VERSION', `${label} ${JSON.stringify(text)} is neither a PEP 440 version nor a version specifier`, {
    hint: 'Ask for a version such as 1.2.0, or a specifier such as >=1.2,<2',
  })
}

/** Groups files by version (PEP 440 normalised), newest first; files whose names cannot be read are left out. */
export function versionsOf(project: string, files: readonly IndexFile[]): VersionCandidate[] {
  const normalized = normalizeProjectName(project)
  const byVersion = new Map<string, IndexFile[]>()
  for (const file of files) {
    const name = parseDistributionName(file.filename)
    if (!name || name.project !== normalized) continue
    const version = pep440.clean(name.version) ?? undefined
    if (version === undefined) continue
    const list = byVersion.get(version) ?? []
    // The same file from two indexes: the first index wins, as pip prefers it on a tie.
    if (!list.some((entry) => entry.filename === file.filename)) list.push(file)
    byVersion.set(version, list)
  }
  return [...byVersion.entries()]
    .sort(([left], [right]) => pep440.compare(right, left))
    .map(([version, list]) => {
      const requiresPython = list.find((file) => file.requiresPython !== undefined)?.requiresPython
      return {
        version,
        files: list,
        wheels: list.filter((file) => file.filename.endsWith('.whl')),
        yanked: list.every((file) => file.yanked !== undefined),
        ...(requiresPython !== undefined ? { requiresPython } : {}),
      }
    })
}

/** The version chosen, and what the plan should say about it. */
export interface ChosenVersion {
  version: string
  candidate: VersionCandidate
  notes: string[]
}

function admits(requiresPython: string | undefined, pythonVersion: string): boolean {
  if (requiresPython === undefined) return true
  try {
    return checkVersionRange(pythonVersion, requiresPython, { syntax: 'pep440' })
  } catch {
    return true // pip ignores a requires-python it cannot read, and so do we
  }
}

/**
 * Picks the version pip would: the newest that matches the request, is not yanked (unless asked
 * for exactly, which is then warned about), is not a prerelease (unless asked for or the only
 * kind), has a wheel (unless sdists are allowed), and admits the interpreter's version
 * (`requires-python`). When the only matches exclude the interpreter, that is `E_REQUIREMENTS`,
 * before anything is created.
 */
export function chooseVersion(
  project: string,
  candidates: readonly VersionCandidate[],
  request: PythonVersionRequest,
  options: { pythonVersion: string; allowSdists: boolean },
): ChosenVersion {
  if (candidates.length === 0) {
    throw new TektonError('E_NOT_FOUND', `${label} no index lists a file of ${project}`, {
      hint: 'Check the name, and the index pip is configured with (index-url and extra-index-url in pip.conf, or PIP_INDEX_URL)',
    })
  }
  const matching = candidates.filter((candidate) => {
    if (request.kind === 'exact') return pep440.eq(candidate.version, request.version)
    if (request.kind === 'range') return pep440.satisfies(candidate.version, request.range, { prereleases: true })
    return true
  })
  if (matching.length === 0) {
    throw new TektonError('E_VERSION_NOT_FOUND', `${label} ${project} has no version matching ${request.kind === 'exact' ? request.version : request.kind === 'range' ? request.range : 'latest'}`, {
      hint: `Versions listed: ${candidates
        .slice(0, 8)
        .map((candidate) => candidate.version)
        .join(', ')}`,
    })
  }
  const notes: string[] = []
  const usable = matching.filter((candidate) => {
    if (candidate.yanked && request.kind !== 'exact') return false
    return candidate.wheels.length > 0 || options.allowSdists
  })
  const stable = usable.filter((candidate) => !pep440.explain(candidate.version)?.is_prerelease)
  const prereleasesWanted = request.kind === 'exact' || (request.kind === 'range' && /\d(a|b|rc|dev)/i.test(request.range))
  const ordered = prereleasesWanted || stable.length === 0 ? usable : stable
  const fitting = ordered.find((candidate) => admits(candidate.requiresPython, options.pythonVersion))
  if (fitting === undefined) {
    const excluded = ordered[0]
    if (excluded?.requiresPython !== undefined) {
      throw new TektonError('E_REQUIREMENTS', `${label} ${project} ${excluded.version} requires Python ${excluded.requiresPython}, and the interpreter found is ${options.pythonVersion}`, {
        hint: `Install a Python that satisfies ${excluded.requiresPython} and put it first on the PATH (or pass the pythonPath option)`,
      })
    }
    const onlySdists = matching.some((candidate) => candidate.wheels.length === 0 && !candidate.yanked)
    throw new TektonError(onlySdists ? 'E_REQUIREMENTS' : 'E_VERSION_NOT_FOUND', `${label} ${project} has no installable version${onlySdists ? ': only source distributions, which run code to build' : ' (every match is yanked)'}`, {
      hint: onlySdists ? 'Allow install scripts for this server if you trust its build (it then builds from source)' : 'Ask for a yanked version exactly (==1.2.3) if you really need it',
    })
  }
  if (fitting !== ordered[0] && ordered[0]?.requiresPython !== undefined) {
    notes.push(`${project} ${ordered[0].version} requires Python ${ordered[0].requiresPython}; ${fitting.version} is the newest that runs on ${options.pythonVersion}`)
  }
  if (fitting.yanked) {
    const reason = fitting.files.find((file) => typeof file.yanked === 'string')?.yanked
    notes.push(`${project} ${fitting.version} is yanked${typeof reason === 'string' ? ` (${reason})` : ''}; installing it because it was asked for exactly`)
  }
  if (fitting.wheels.length === 0) notes.push(`${project} ${fitting.version} has no wheel: it is built from source, which runs its build code (allowed for this server)`)
  return { version: fitting.version, candidate: fitting, notes }
}
