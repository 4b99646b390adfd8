/**
 * The local wheel index some machines carry (CI's and ours): directories of wheels that pip's
 * global configuration names as `file:` indexes (`pip config list` shows them), holding the
 * official Python MCP SDK and its whole dependency closure. Tests that install a server built on
 * the real SDK resolve the closure from there with pip (offline, fast), then serve exactly those
 * files from the loopback fake PyPI, so the installer under test sees an ordinary index.
 */
import { execFile } from 'node:child_process'
import { readFile, stat } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { filePath, normalizeProjectName } from '../pypi/project'
import type { FakePypiProject, PypiFile, PypiInfo } from '../pypi/project'

/** The service name tests pass to `serviceUnavailable`, and `.ci/run` to TEKTON_MCP_REQUIRE_SERVICES. */
export const pythonIndexService = 'python-index'

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0
      resolve({ code, stdout: String(stdout), stderr: String(stderr) })
    })
  })
}

/**
 * The `file:` indexes pip's configuration names that hold `project` (default `mcp`), from
 * `python3 -m pip config list`. `{ unavailable }` says why there are none, for `serviceUnavailable`.
 */
export async function findLocalWheelIndex(options: { project?: string; python?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ indexes: string[] } | { unavailable: string }> {
  const project = normalizeProjectName(options.project ?? 'mcp')
  const listed = await run(options.python ?? 'python3', ['-m', 'pip', 'config', 'list'], options.env ?? process.env, 60_000)
  if (listed.code !== 0) return { unavailable: `\`python3 -m pip config list\` failed: ${listed.stderr.trim().split('\n').at(-1) ?? `exit ${listed.code}`}` }
  const urls: string[] = []
  for (const line of listed.stdout.split('\n')) {
    const match = /^[^.]+\.(?:extra-index-url|index-url)='([^']*)'$/.exec(line.trim())
    if (match?.[1]) urls.push(...match[1].split(/\s+/).filter((url) => url.startsWith('file:')))
  }
  if (urls.length === 0) return { unavailable: 'pip\'s configuration names no file: index (pip config list)' }
  const holding: string[] = []
  for (const url of urls) {
    const directory = path.join(fileURLToPath(url), project)
    if (await stat(directory).then((info) => info.isDirectory(), () => false)) holding.push(url)
  }
  if (holding.length === 0) return { unavailable: `none of pip's file: indexes (${urls.join(', ')}) holds ${project}` }
  return { indexes: urls }
}

/** One file of a resolved closure, on the local disk. */
export interface LocalDistribution {
  name: string
  version: string
  filename: string
  /** Absolute path of the wheel. */
  file: string
}

/**
 * The closure pip resolves for `requirements` from the given `file:` indexes only (no other
 * configuration, no network), wheels only, for the `python` given.
 */
export async function resolveLocalClosure(indexes: readonly string[], requirements: readonly string[], options: { python?: string } = {}): Promise<LocalDistribution[]> {
  const [first, ...extra] = indexes
  if (first === undefined) throw new Error('resolveLocalClosure needs at least one index')
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PIP_CONFIG_FILE: '/dev/null', PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' }
  const args = ['-m', 'pip', 'install', '--dry-run', '--ignore-installed', '--only-binary', ':all:', '--report', '-', '--quiet', '--index-url', first, ...extra.flatMap((url) => ['--extra-index-url', url]), ...requirements]
  const result = await run(options.python ?? 'python3', args, env, 600_000)
  if (result.code !== 0) throw new Error(`pip could not resolve ${requirements.join(' ')} from ${indexes.join(', ')}: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`)
  const report = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as { install: Array<{ metadata: { name: string; version: string }; download_info: { url: string } }> }
  return report.install.map((item) => {
    const file = fileURLToPath(item.download_info.url)
    return { name: item.metadata.name, version: item.metadata.version, filename: path.basename(file), file }
  })
}

/**
 * Fake PyPI projects serving exactly these wheels (their real file names and bytes), one project
 * per distribution, so the loopback index lists what the local one did.
 */
export async function projectsFromLocalFiles(distributions: readonly LocalDistribution[]): Promise<FakePypiProject[]> {
  const projects = new Map<string, FakePypiProject>()
  for (const distribution of distributions) {
    const bytes = new Uint8Array(await readFile(distribution.file))
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const md5 = createHash('md5').update(bytes).digest('hex')
    const entry: PypiFile = {
      comment_text: '',
      digests: { blake2b_256: createHash('blake2b512').update(bytes).digest('hex').slice(0, 64), md5, sha256 },
      downloads: -1,
      filename: distribution.filename,
      has_sig: false,
      md5_digest: md5,
      packagetype: 'bdist_wheel',
      python_version: 'py3',
      requires_python: null,
      size: bytes.byteLength,
      upload_time: '2025-01-02T10:00:00',
      upload_time_iso_8601: '2025-01-02T10:00:00.000000Z',
      url: filePath(sha256, distribution.filename),
      yanked: false,
      yanked_reason: null,
    }
    const normalized = normalizeProjectName(distribution.name)
    const info = {
      name: distribution.name,
      version: distribution.version,
      summary: '',
      description: '',
      requires_python: null,
      requires_dist: null,
      package_url: `/project/${distribution.name}/`,
      project_url: `/project/${distribution.name}/`,
      release_url: `/project/${distribution.name}/${distribution.version}/`,
      yanked: false,
      yanked_reason: null,
    } as unknown as PypiInfo
    const existing = projects.get(normalized)
    if (existing) {
      ;(existing.document.releases[distribution.version] ??= []).push(entry)
      existing.files[distribution.filename] = bytes
      continue
    }
    projects.set(normalized, {
      name: distribution.name,
      normalizedName: normalized,
      document: { info, last_serial: 1, releases: { [distribution.version]: [entry] }, urls: [entry], vulnerabilities: [] },
      infoByVersion: { [distribution.version]: info },
      files: { [distribution.filename]: bytes },
    })
  }
  return [...projects.values()]
}
