/**
 * How a repository installs, read from the files at its root. These package entries are what
 * links a repository to the same server found on npm, PyPI or the MCP Registry, so each one is
 * only made from what a file states, never guessed:
 *
 * - `server.json`: the publisher's own description, the best there is: its packages, remotes,
 *   registry name and title are taken as they are.
 * - `package.json`: an npm package (`name`, `bin`, `engines.node`), unless `private`; `mcpName`
 *   is the registry name it claims.
 * - `pyproject.toml`: a PyPI package (`[project] name`, `requires-python`); a console script in
 *   `[project.scripts]` makes it runnable with `uvx`.
 * - `Dockerfile`: a note (`requirements: { kind: 'docker', name: 'dockerfile', optional: true }`)
 *   that an image can be built, and the registry name from an
 *   `io.modelcontextprotocol.server.name` label. No OCI package is made from it: a Dockerfile does
 *   not say where an image is published, and an installer pulling a guessed
 *   `ghcr.io/<owner>/<repo>` could run an image nobody named. An OCI package comes from server.json.
 */
import { fromServerJson, normalizePypiName, requirementsFromPackages, tryParseRef } from '@tekton/mcp-discovery'
import type { Package, Requirement, ServerMetadata, Transport } from '@tekton/mcp-discovery'
import { parse as parseToml } from 'smol-toml'
import { z } from 'zod'

/** The root files read, by their role. */
export const installFiles = ['server.json', 'package.json', 'pyproject.toml', 'Dockerfile'] as const
export type InstallFile = (typeof installFiles)[number]

/** The file contents found, as text, by role. */
export type InstallFileContents = Partial<Record<InstallFile, string>>

/** What the files say about installing the server. */
export interface InstallDetection {
  packages: Package[]
  remotes: Transport[]
  requirements: Requirement[]
  /** The MCP Registry name claimed: server.json `name`, package.json `mcpName`, or the Dockerfile label. */
  registryName?: string
  /** From server.json. */
  title?: string
  /** From server.json, for repositories without a description. */
  description?: string
  /** From server.json, package.json or pyproject.toml, for repositories without releases or tags. */
  declaredVersion?: string
  /** Why the repository is taken to be an MCP server, beyond its topics: `server.json`, `mcpName:<name>`, ... */
  reasons: string[]
  /** The files that were understood. */
  files: InstallFile[]
}

/** The label the MCP Registry reads from OCI images to tie an image to a server name. */
export const serverNameLabel = 'io.modelcontextprotocol.server.name'

/** The description of the Dockerfile requirement. */
export const dockerfileNote = 'The repository has a Dockerfile: an image can be built from it (no published image is named).'

/** JSON from a repository file: `__proto__` keys dropped; undefined when it does not parse. */
function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value))
  } catch {
    return undefined
  }
}

function isRegistryName(name: string): boolean {
  const ref = tryParseRef(`registry:${name}`)
  return ref !== undefined && ref.version === undefined && ref.id === name
}

const nonEmpty = z.string().trim().min(1)

const PackageJsonSchema = z.object({
  name: nonEmpty,
  version: nonEmpty.optional().catch(undefined),
  private: z.boolean().optional().catch(undefined),
  bin: z.union([nonEmpty, z.record(z.string(), z.string())]).optional().catch(undefined),
  mcpName: nonEmpty.optional().catch(undefined),
  engines: z.object({ node: nonEmpty.optional().catch(undefined) }).optional().catch(undefined),
})

/** The parts of a package.json that say how it installs; undefined when it names no valid npm package. */
export function readPackageJson(text: string): z.infer<typeof PackageJsonSchema> | undefined {
  const parsed = PackageJsonSchema.safeParse(parseJsonText(text))
  if (!parsed.success) return undefined
  const ref = tryParseRef(`npm:${parsed.data.name}`)
  if (ref === undefined || ref.version !== undefined || ref.id !== parsed.data.name) return undefined
  return parsed.data
}

const PyprojectSchema = z.object({
  project: z.object({
    name: nonEmpty,
    version: nonEmpty.optional().catch(undefined),
    'requires-python': nonEmpty.optional().catch(undefined),
    scripts: z.record(z.string(), z.string()).optional().catch(undefined),
  }),
})

/** `[project]` of a pyproject.toml; undefined when it is not TOML or names no valid PyPI project. */
export function readPyproject(text: string): z.infer<typeof PyprojectSchema>['project'] | undefined {
  let document: unknown
  try {
    document = parseToml(text)
  } catch {
    return undefined
  }
  const parsed = PyprojectSchema.safeParse(document)
  if (!parsed.success) return undefined
  const ref = tryParseRef(`pypi:${parsed.data.project.name}`)
  return ref === undefined || ref.version !== undefined ? undefined : parsed.data.project
}

/** `LABEL` values of a Dockerfile (line continuations joined, quotes removed), by key. */
export function readDockerfileLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {}
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/)
  for (const line of lines) {
    const instruction = /^\s*LABEL\s+(.*)$/i.exec(line)
    if (!instruction?.[1]) continue
    for (const pair of instruction[1].matchAll(/([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S+)/g)) {
      const [, key = '', raw = ''] = pair
      const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw.startsWith("'") ? raw.slice(1, -1) : raw
      labels[key.replace(/^["']|["']$/g, '')] = value
    }
  }
  return labels
}

/** A server.json from a repository as metadata; undefined when it is not one. */
export function readServerJson(text: string): ServerMetadata | undefined {
  const document = parseJsonText(text)
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return undefined
  // `_meta` is where registries (and our own exports) keep facts a publisher cannot vouch for —
  // status, verification, sources. A file anyone can commit does not get to set them.
  const { _meta: _ignored, ...published } = document as Record<string, unknown>
  try {
    return fromServerJson(published, { source: 'github' })
  } catch {
    return undefined
  }
}

/** Registry types compare as written; npm names case-insensitively and PyPI names PEP 503-normalised. */
function packageKey(pkg: Package): string {
  const identifier = pkg.registryType === 'pypi' ? normalizePypiName(pkg.identifier) : pkg.identifier.toLowerCase()
  return `${pkg.registryType}:${identifier}`
}

/** Reads the files found at a repository's root into package entries, requirements and claims. */
export function detectInstall(files: InstallFileContents): InstallDetection {
  const detection: InstallDetection = { packages: [], remotes: [], requirements: [], reasons: [], files: [] }
  const ranges = new Map<string, string>()
  const claims: string[] = []
  const declaredVersions: string[] = []
  const add = (pkg: Package) => {
    const index = detection.packages.findIndex((known) => packageKey(known) === packageKey(pkg))
    const known = detection.packages[index]
    if (!known) {
      detection.packages.push(pkg)
      return
    }
    // server.json names the package; its own manifest adds how it launches, where server.json is silent.
    detection.packages[index] = { ...known, ...(known.runtimeHint === undefined && pkg.runtimeHint ? { runtimeHint: pkg.runtimeHint } : {}), ...(known.bin === undefined && pkg.bin ? { bin: pkg.bin } : {}) }
  }

  const serverJson = files['server.json'] === undefined ? undefined : readServerJson(files['server.json'])
  if (serverJson) {
    detection.files.push('server.json')
    detection.reasons.push('server.json')
    for (const pkg of serverJson.packages) add(pkg)
    detection.remotes.push(...serverJson.remotes)
    if (serverJson.registryName && isRegistryName(serverJson.registryName)) claims.push(serverJson.registryName)
    if (serverJson.title) detection.title = serverJson.title
    if (serverJson.description) detection.description = serverJson.description
    // fromServerJson fills in 0.0.0 for a document without a version: that is not a declared one.
    const declared = files['server.json'] === undefined ? undefined : z.object({ version: nonEmpty }).safeParse(parseJsonText(files['server.json']))
    if (declared?.success) declaredVersions.push(declared.data.version)
  }

  const packageJson = files['package.json'] === undefined ? undefined : readPackageJson(files['package.json'])
  if (packageJson) {
    detection.files.push('package.json')
    if (packageJson.version) declaredVersions.push(packageJson.version)
    if (packageJson.mcpName && isRegistryName(packageJson.mcpName)) {
      claims.push(packageJson.mcpName)
      detection.reasons.push(`mcpName:${packageJson.mcpName}`)
    }
    // A private package is never published: there is nothing on npm to install.
    if (packageJson.private !== true) {
      const bin = typeof packageJson.bin === 'string' ? { [packageJson.name.slice(packageJson.name.indexOf('/') + 1)]: packageJson.bin } : packageJson.bin
      // No version: the default branch may be ahead of (or behind) what is published.
      add({ registryType: 'npm', identifier: packageJson.name, transport: { type: 'stdio' }, runtimeHint: 'npx', ...(bin && Object.keys(bin).length > 0 ? { bin } : {}) })
      if (packageJson.engines?.node) ranges.set('node', packageJson.engines.node)
    }
  }

  const pyproject = files['pyproject.toml'] === undefined ? undefined : readPyproject(files['pyproject.toml'])
  if (pyproject) {
    detection.files.push('pyproject.toml')
    if (pyproject.version) declaredVersions.push(pyproject.version)
    const scripts = Object.keys(pyproject.scripts ?? {})
    // `uvx <name>` runs a console script; a project without one is a library or needs `python -m`.
    add({ registryType: 'pypi', identifier: pyproject.name, transport: { type: 'stdio' }, ...(scripts.length > 0 ? { runtimeHint: 'uvx' } : {}) })
    if (pyproject['requires-python']) ranges.set('python', pyproject['requires-python'])
  }

  detection.requirements = requirementsFromPackages(detection.packages).map((requirement) => {
    const range = requirement.kind === 'runtime' ? ranges.get(requirement.name) : undefined
    return range && requirement.range === undefined ? { ...requirement, range } : requirement
  })

  if (files.Dockerfile !== undefined) {
    detection.files.push('Dockerfile')
    detection.requirements.push({ kind: 'docker', name: 'dockerfile', optional: true, description: dockerfileNote })
    const label = readDockerfileLabels(files.Dockerfile)[serverNameLabel]
    if (label && isRegistryName(label)) {
      claims.push(label)
      detection.reasons.push(`label:${serverNameLabel}=${label}`)
    }
  }

  const registryName = claims[0]
  if (registryName) detection.registryName = registryName
  const declaredVersion = declaredVersions[0]
  if (declaredVersion) detection.declaredVersion = declaredVersion
  return detection
}

/** The file at the root that plays `role`: exact names, but `dockerfile` in any case (docker reads both). */
export function installFileFor(name: string): InstallFile | undefined {
  if (name.toLowerCase() === 'dockerfile') return 'Dockerfile'
  return (installFiles as readonly string[]).includes(name) ? (name as InstallFile) : undefined
}
