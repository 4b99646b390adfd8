/**
 * The docker installer: an MCP server published as an OCI image, resolved from its tag to the
 * digest the registry serves before anything is pulled or run, pulled by that digest, and
 * launched as `docker run --rm -i` with the sandbox of SECURITY.md item 14 (no capabilities, no
 * new privileges, read-only root, a private /tmp, pids, memory and cpu limits, no network, an
 * init as PID 1). The launch spec names the digest, so a tag moved later changes nothing until
 * an update. Variables reach the container as `-e NAME`: their values stay in the docker CLI's
 * own environment and never appear in argv (`ps` shows argv to every user).
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { TektonError, createHttpClient } from '@tekton/mcp-discovery'
import type { HttpClient, Package, ServerMetadata } from '@tekton/mcp-discovery'
import { findOnPath } from '@tekton/mcp-discovery/kit'
import { resolvePackageLaunch } from '@tekton/mcp-installation'
import type { InstallContext, InstallResult, InstallSpec, InstallStep, LaunchSpec, MCPServerInstaller, OwnershipCheck, ProgressEvent, ReleaseAgeRule, RequirementReport, RuntimeInfo } from '@tekton/mcp-installation'
import { z } from 'zod'
import { defaultExec } from './exec'
import type { DockerInstallerExec, ExecResult } from './exec'
import { formatImageReference, label, parseImageReference, pinnedReference, repositoryName } from './image-reference'
import type { ImageReference } from './image-reference'
import { resolveManifest } from './registry-api'
import { checkImageReleaseAge, imageBuiltAt, imageReleaseAge, releaseAgePlanNote } from './release-age'

/** The label an image names its MCP server with (the official registry checks it). */
export const serverNameLabel = 'io.modelcontextprotocol.server.name'

/** The resources one server's container may use. */
export interface ContainerLimits {
  /** `--memory`. @default '512m' */
  memory?: string
  /** `--cpus`. @default '1' */
  cpus?: string
  /** `--pids-limit`. @default 256 */
  pids?: number
}

export interface DockerInstallerOptions {
  /** The docker CLI. @default `docker` on the PATH of the install's environment */
  dockerPath?: string
  /** HTTP client for the registry API (digests). @default `createHttpClient()` */
  http?: HttpClient
  /** Environment for docker (DOCKER_HOST, DOCKER_CONFIG, ...), unless a call's context gives one. @default process.env */
  env?: NodeJS.ProcessEnv
  /** Runs docker. @default execa, without a shell */
  exec?: DockerInstallerExec
  now?: () => number
  limits?: ContainerLimits
  /**
   * The container's network: `none` (the sandbox default: only `lo`), or `host` for servers that
   * must reach the network. An install's `spec.network` (`--sandbox-network`, the policy's
   * `network`) decides per server over this default; the plan says which. @default 'none'
   */
  network?: 'none' | 'host'
  /** How long `docker pull` may take, in ms. @default 600000 */
  pullTimeoutMs?: number
  /**
   * The minimum release age (the policy's `minimumReleaseAgeHours`), asked on each install: an
   * image named by tag built after its `publishedBefore` is refused; one pinned by digest is
   * not held back (see `release-age`). @default none
   */
  minimumReleaseAge?: () => ReleaseAgeRule | undefined | Promise<ReleaseAgeRule | undefined>
}

/** The installer, with its type narrowed. */
export interface DockerInstaller extends MCPServerInstaller {
  readonly type: 'docker'
  plan: NonNullable<MCPServerInstaller['plan']>
  uninstall: NonNullable<MCPServerInstaller['uninstall']>
}

const defaultLimits = { memory: '512m', cpus: '1', pids: 256 } as const
const dockerHint = 'Install Docker (https://docs.docker.com/engine/install/) or Podman, and make sure `docker` is on the PATH'
const engineHint =
  'Start the engine (`sudo systemctl start docker`, or open Docker Desktop), or point DOCKER_HOST at a running one (e.g. unix:///run/user/1000/podman/podman.sock from `podman system service`)'

/** Variables that tell the docker CLI which engine and configuration to use: the launch spec keeps them. */
export const dockerClientVariables = ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_CONFIG', 'DOCKER_CERT_PATH', 'DOCKER_TLS_VERIFY', 'DOCKER_API_VERSION'] as const

/**
 * `docker run` options a server.json's `runtimeArguments` may not set: each would undo part of
 * the sandbox (capabilities, privileges, the network, host namespaces, devices).
 */
export const forbiddenRuntimeOptions = [
  '--privileged',
  '--cap-add',
  '--security-opt',
  '--network',
  '--net',
  '--network-alias',
  '--pid',
  '--ipc',
  '--uts',
  '--userns',
  '--cgroupns',
  '--cgroup-parent',
  '--device',
  '--device-cgroup-rule',
  '--gpus',
  '--runtime',
  '--volumes-from',
  '--pull',
  '--rm',
  '--read-only',
  '--env-file',
] as const

const VersionSchema = z.looseObject({
  Client: z.looseObject({ Version: z.string() }).nullish(),
  Server: z.looseObject({ Version: z.string() }).nullish(),
})

const InspectSchema = z.looseObject({
  Id: z.string(),
  RepoDigests: z.array(z.string()).nullish(),
  /** The image config's `created` (its build time). */
  Created: z.string().nullish().catch(undefined),
  Config: z.looseObject({ Labels: z.record(z.string(), z.string()).nullish() }).nullish(),
})

function tail(text: string, lines = 3): string {
  return text.trim().split('\n').slice(-lines).join(' | ').slice(0, 500)
}

function failureOf(result: ExecResult): string {
  return tail(result.stderr) || result.failure || `exit code ${result.exitCode}`
}

function checkOptions(options: DockerInstallerOptions): void {
  if (typeof options !== 'object' || options === null) throw new TektonError('E_CONFIG', `${label} createDockerInstaller expects an options object`)
  if (options.dockerPath !== undefined && (typeof options.dockerPath !== 'string' || !path.isAbsolute(options.dockerPath))) {
    throw new TektonError('E_CONFIG', `${label} the dockerPath option must be an absolute path, got ${JSON.stringify(options.dockerPath)}`)
  }
  if (options.network !== undefined && options.network !== 'none' && options.network !== 'host') {
    throw new TektonError('E_CONFIG', `${label} the network option must be "none" or "host"`)
  }
  const limits = options.limits ?? {}
  if (limits.pids !== undefined && !(Number.isInteger(limits.pids) && limits.pids > 0)) throw new TektonError('E_CONFIG', `${label} limits.pids must be a positive integer`)
  if (limits.memory !== undefined && !/^[0-9]+[bkmg]?$/i.test(limits.memory)) throw new TektonError('E_CONFIG', `${label} limits.memory must look like 512m`)
  if (limits.cpus !== undefined && !/^[0-9]+(\.[0-9]+)?$/.test(limits.cpus)) throw new TektonError('E_CONFIG', `${label} limits.cpus must be a number such as 1 or 0.5`)
  for (const name of ['exec', 'now', 'minimumReleaseAge'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TektonError('E_CONFIG', `${label} the ${name} option must be a function`)
  }
  if (options.pullTimeoutMs !== undefined && !(typeof options.pullTimeoutMs === 'number' && options.pullTimeoutMs > 0)) {
    throw new TektonError('E_CONFIG', `${label} the pullTimeoutMs option must be a positive number of milliseconds`)
  }
}

/** The image a package names; without a tag in it, the version asked for (else the package's) is the tag. */
export function imageOf(pkg: Package, version: string | undefined): ImageReference {
  if (typeof pkg !== 'object' || pkg === null || pkg.registryType !== 'oci') {
    throw new TektonError('E_INVALID_INPUT', `${label} can only install oci packages, got registryType ${JSON.stringify(pkg?.registryType)}`)
  }
  const reference = parseImageReference(pkg.identifier)
  // The identifier's own tag or digest wins: a registry entry names the image of each version itself.
  if (reference.digest || reference.tag) return reference
  return { ...reference, tag: version ?? pkg.version ?? 'latest' }
}

/** Refuses runtime arguments that would undo the sandbox. */
export function checkRuntimeArguments(args: readonly string[], what: string): void {
  for (const argument of args) {
    const option = argument.split('=')[0] as string
    if (!(forbiddenRuntimeOptions as readonly string[]).includes(option)) continue
    throw new TektonError('E_INVALID_INPUT', `${label} ${what} asks docker for ${option}, which would undo the container sandbox; refusing it`, {
      hint: 'Servers run without capabilities, privileges, host namespaces, devices or network; ask the publisher for an image that needs none of them',
    })
  }
}

/**
 * The `docker run` command line: the sandbox, `-e NAME` for each declared variable (values from
 * the CLI's environment), the package's runtime arguments, the pinned image, its arguments.
 */
export function runArguments(input: {
  image: string
  variables: readonly string[]
  runtimeArguments: readonly string[]
  packageArguments: readonly string[]
  limits?: ContainerLimits
  network?: 'none' | 'host'
}): string[] {
  const limits = { ...defaultLimits, ...input.limits }
  return [
    'run',
    '--rm',
    '-i',
    '--init',
    '--pull',
    'never',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--read-only',
    // One word: `verify` refuses a recorded launch spec with an absolute argument outside the install.
    '--tmpfs=/tmp',
    '--pids-limit',
    String(limits.pids),
    '--memory',
    limits.memory,
    '--cpus',
    limits.cpus,
    '--network',
    input.network ?? 'none',
    ...input.variables.flatMap((name) => ['-e', name]),
    ...input.runtimeArguments,
    input.image,
    ...input.packageArguments,
  ]
}

/** The server name an image ref stands for when no registry names it: `127.0.0.1:5000/mcp/echo:1` → `127.0.0.1-5000/mcp/echo`. */
export function serverNameForImage(reference: ImageReference): string {
  const repository = reference.registry === 'docker.io' ? reference.repository.replace(/^library\//, '') : `${reference.registry.replace(/[:[\]]/g, '-')}/${reference.repository}`
  const parts = repository.split('/')
  return parts.length <= 3 ? repository : [...parts.slice(0, 2), parts.slice(2).join('-')].join('/')
}

/**
 * Metadata for `docker:<image>` refs, which no catalogue describes: one stdio OCI package, named
 * after the image. The install reads the image's `io.modelcontextprotocol.server.name` label.
 */
export function imageServerMetadata(image: string): ServerMetadata {
  const reference = parseImageReference(image)
  const identifier = formatImageReference(reference).replace(/^docker\.io\/library\//, 'docker.io/')
  return {
    ref: `docker:${image.trim()}`,
    name: serverNameForImage(reference),
    description: `The OCI image ${identifier}`,
    version: reference.tag ?? (reference.digest ? reference.digest.slice(0, 19) : 'latest'),
    packages: [{ registryType: 'oci', identifier, transport: { type: 'stdio' } }],
    remotes: [],
    capabilities: [],
    requirements: [],
    keywords: [],
    status: 'active',
    verified: [],
    sources: [],
  }
}

/** The official-registry name the metadata stands for, when it has one to compare the label with. */
function registryNameOf(server: ServerMetadata): string | undefined {
  if (server.registryName) return server.registryName
  return /^[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)+\/[^/]+$/.test(server.name) && server.ref.startsWith('registry:') ? server.name : undefined
}

/** What `docker version` says: the client, and the engine it talks to (or why none answers). */
export interface DockerProbe {
  checks: RequirementReport['checks']
  runtime?: RuntimeInfo
  /** The engine's version, when one answered. */
  engineVersion?: string
}

/**
 * The docker client on the PATH of `env` and the engine it talks to (DOCKER_HOST,
 * DOCKER_CONTEXT), each as a requirement check with a fix when missing. Never throws for "not
 * there". Used by `checkRequirements` and by doctor.
 */
export async function probeDocker(options: { env: NodeJS.ProcessEnv; dockerPath?: string; exec?: DockerInstallerExec; signal?: AbortSignal }): Promise<DockerProbe> {
  const { env, signal } = options
  const exec = options.exec ?? defaultExec
  const file = options.dockerPath ?? (await findOnPath('docker', env))
  if (file === undefined) {
    return {
      checks: [
        { requirement: 'docker client', ok: false, found: 'docker was not found on PATH', hint: dockerHint },
        { requirement: 'docker engine', ok: false, found: 'not checked: no client', hint: engineHint },
      ],
    }
  }
  const result = await exec(file, ['version', '--format', '{{json .}}'], { cwd: path.dirname(file), env, timeoutMs: 30_000, ...(signal ? { signal } : {}) })
  let parsed: z.infer<typeof VersionSchema> | undefined
  try {
    parsed = VersionSchema.parse(JSON.parse(result.stdout.trim().split('\n')[0] ?? ''))
  } catch {
    parsed = undefined
  }
  const clientVersion = parsed?.Client?.Version
  if (!clientVersion) {
    return { checks: [{ requirement: 'docker client', ok: false, found: `${file} did not answer \`docker version\`: ${failureOf(result)}`, hint: dockerHint }] }
  }
  const runtime: RuntimeInfo = { name: 'docker', path: file, version: clientVersion }
  const where = env.DOCKER_HOST ? ` at ${env.DOCKER_HOST}` : env.DOCKER_CONTEXT ? ` (context ${env.DOCKER_CONTEXT})` : ''
  const engine = parsed?.Server?.Version
  return {
    runtime,
    ...(engine ? { engineVersion: engine } : {}),
    checks: [
      { requirement: 'docker client', ok: true, found: `docker ${clientVersion} at ${file}` },
      engine
        ? { requirement: 'docker engine', ok: true, found: `engine ${engine}${where}` }
        : { requirement: 'docker engine', ok: false, found: `no engine answered${where}: ${tail(result.stderr, 1) || 'no answer'}`, hint: engineHint },
    ],
  }
}

/** Creates the docker installer. Nothing is read or spawned until the first call. */
export function createDockerInstaller(options: DockerInstallerOptions = {}): DockerInstaller {
  checkOptions(options)
  const http = options.http ?? createHttpClient({ timeoutMs: 30_000 })
  const exec = options.exec ?? defaultExec
  const now = options.now ?? Date.now
  const network = options.network ?? 'none'
  const pullTimeoutMs = options.pullTimeoutMs ?? 600_000
  const envOf = (context: { env?: NodeJS.ProcessEnv | undefined }): NodeJS.ProcessEnv => context.env ?? options.env ?? process.env

  async function docker(env: NodeJS.ProcessEnv, args: string[], signal: AbortSignal | undefined, timeoutMs = 60_000): Promise<ExecResult> {
    const file = options.dockerPath ?? (await findOnPath('docker', env))
    if (file === undefined) throw new TektonError('E_REQUIREMENTS', `${label} docker was not found on PATH`, { hint: dockerHint })
    return exec(file, args, { cwd: path.parse(process.cwd()).root, env, timeoutMs, ...(signal ? { signal } : {}) })
  }

  const probe = (env: NodeJS.ProcessEnv, signal: AbortSignal | undefined) => probeDocker({ env, exec, ...(options.dockerPath ? { dockerPath: options.dockerPath } : {}), ...(signal ? { signal } : {}) })

  async function step<T>(progress: ((event: ProgressEvent) => void) | undefined, name: InstallStep, detail: string, work: () => Promise<T> | T): Promise<T> {
    progress?.({ step: name, phase: 'start', detail })
    const started = now()
    const result = await work()
    progress?.({ step: name, phase: 'done', detail, durationMs: now() - started })
    return result
  }

  /** The launch spec for an image pinned by digest. */
  function launchFor(dockerPath: string, spec: InstallSpec, pinned: string, env: NodeJS.ProcessEnv): LaunchSpec {
    const what = `${spec.server.name}'s runtimeArguments`
    const resolved = resolvePackageLaunch(spec.package, spec.inputs ?? {})
    checkRuntimeArguments(resolved.runtimeArguments, what)
    const variables = (spec.package.environmentVariables ?? []).flatMap((variable) => (variable.name ? [variable.name] : []))
    const clientEnvironment: Record<string, string> = {}
    for (const name of dockerClientVariables) {
      const value = env[name]
      if (value) clientEnvironment[name] = value
    }
    return {
      command: dockerPath,
      args: runArguments({ image: pinned, variables, runtimeArguments: resolved.runtimeArguments, packageArguments: resolved.packageArguments, limits: options.limits ?? {}, network: networkOf(spec) }),
      env: clientEnvironment,
    }
  }

  /** The install's grant (`spec.network`, from `--sandbox-network` or the policy) over the installer's default. */
  function networkOf(spec: InstallSpec): 'none' | 'host' {
    return spec.network === undefined ? network : spec.network ? 'host' : 'none'
  }

  function notesFor(spec: InstallSpec): string[] {
    return networkOf(spec) === 'none'
      ? ['Runs in a container without network (--network none): a server that must reach the network will fail until a policy allows it']
      : ['Runs in a container on the host network (--network host)']
  }

  async function requireDocker(env: NodeJS.ProcessEnv, signal: AbortSignal | undefined): Promise<RuntimeInfo> {
    const found = await probe(env, signal)
    const unmet = found.checks.find((check) => !check.ok)
    if (unmet || !found.runtime) {
      throw new TektonError('E_REQUIREMENTS', `${label} ${unmet?.requirement ?? 'docker'}: ${unmet?.found ?? 'not found'}`, { hint: unmet?.hint ?? dockerHint })
    }
    return found.runtime
  }

  async function inspect(env: NodeJS.ProcessEnv, reference: string, signal: AbortSignal | undefined): Promise<z.infer<typeof InspectSchema> | undefined> {
    const result = await docker(env, ['image', 'inspect', '--format', '{{json .}}', reference], signal)
    if (result.exitCode !== 0) return undefined
    try {
      return InspectSchema.parse(JSON.parse(result.stdout))
    } catch {
      throw new TektonError('E_DOCKER_FAILED', `${label} docker image inspect ${reference} answered something that is not an image description`)
    }
  }

  async function removeImage(env: NodeJS.ProcessEnv, reference: string, signal: AbortSignal | undefined): Promise<void> {
    const result = await docker(env, ['image', 'rm', reference], signal)
    if (result.exitCode !== 0 && !/no such image/i.test(result.stderr)) {
      throw new TektonError('E_DOCKER_FAILED', `${label} docker image rm ${reference} failed: ${failureOf(result)}`)
    }
  }

  return {
    specVersion: 'v1',
    type: 'docker',
    registryTypes: ['oci'],

    async checkRequirements(pkg, context) {
      imageOf(pkg, pkg.version)
      const found = await probe(envOf(context), context.signal)
      return { ok: found.checks.every((check) => check.ok), ...(found.runtime ? { runtime: found.runtime } : {}), checks: found.checks }
    },

    async plan(spec, context) {
      const env = envOf(context)
      const reference = imageOf(spec.package, spec.version)
      const manifest = await resolveManifest(http, reference, context.signal ? { signal: context.signal } : {})
      const runtime = await requireDocker(env, context.signal)
      const pinned = pinnedReference(reference, manifest.digest)
      const version = spec.package.version ?? reference.tag ?? manifest.digest.slice(0, 19)
      const releaseAge = reference.digest ? undefined : await options.minimumReleaseAge?.()
      return {
        version,
        launch: launchFor(runtime.path, spec, pinned, env),
        notes: [
          `${formatImageReference(reference)} is ${manifest.digest}; that digest is pulled and run`,
          ...(releaseAge ? [releaseAgePlanNote(formatImageReference(reference), releaseAge)] : []),
          ...notesFor(spec),
        ],
      }
    },

    async install(spec, context: InstallContext): Promise<InstallResult> {
      const { stagingDir, signal, progress } = context
      if (typeof stagingDir !== 'string' || !path.isAbsolute(stagingDir)) {
        throw new TektonError('E_INVALID_INPUT', `${label} the staging directory must be an absolute path, got ${JSON.stringify(stagingDir)}`)
      }
      const env = envOf(context)
      await mkdir(stagingDir, { recursive: true })
      const before = new Set(await readdir(stagingDir))
      let pulledHere: string | undefined
      try {
        const reference = imageOf(spec.package, spec.version)
        const what = formatImageReference(reference)
        const manifest = await step(progress, 'resolve', what, () => resolveManifest(http, reference, signal ? { signal } : {}))
        const releaseAge = reference.digest ? undefined : await options.minimumReleaseAge?.()
        const runtime = await step(progress, 'requirements', 'docker', () => requireDocker(env, signal))
        const pinned = pinnedReference(reference, manifest.digest)
        const present = await inspect(env, pinned, signal)
        if (!present) {
          await step(progress, 'download', pinned, async () => {
            const result = await docker(env, ['pull', '--quiet', pinned], signal, pullTimeoutMs)
            if (result.exitCode !== 0) {
              throw new TektonError('E_DOCKER_FAILED', `${label} docker pull ${pinned} failed: ${failureOf(result)}`, {
                hint: 'Check that the engine can reach the registry (its own proxy and registry settings apply, not ours)',
              })
            }
          })
          pulledHere = pinned
        }
        const image = await step(progress, 'verify', pinned, async () => {
          const found = await inspect(env, pinned, signal)
          if (!found) throw new TektonError('E_DOCKER_FAILED', `${label} ${pinned} is not in the engine after the pull`)
          // The engine records the digest it pulled: the one resolved, or the install stops here.
          const digests = found.RepoDigests ?? []
          if (!digests.some((entry) => entry.endsWith(`@${manifest.digest}`))) {
            throw new TektonError('E_INTEGRITY_MISMATCH', `${label} the engine holds ${pinned} under ${digests.join(', ') || 'no digest'}`, {
              hint: 'The engine did not pull the digest the registry named; do not run it',
            })
          }
          const labelled = found.Config?.Labels?.[serverNameLabel]
          const expected = registryNameOf(spec.server)
          if (labelled && expected && labelled !== expected) {
            throw new TektonError('E_PACKAGE_MISMATCH', `${label} ${what} is labelled ${serverNameLabel}=${labelled}, but the registry lists it for ${expected}`, {
              hint: 'The image claims to be another server than the one it was installed as; do not run it',
            })
          }
          const builtAt = imageBuiltAt(found.Created)
          // Refused here, after the pull (the engine reads the build time from the image's config); the pulled image is removed below.
          checkImageReleaseAge(what, reference.digest !== undefined, builtAt, releaseAge)
          return { id: found.Id, ...(labelled ? { serverName: labelled } : {}), builtAt, ownership: ociOwnership(labelled, expected) }
        })
        const launch = launchFor(runtime.path, spec, pinned, env)
        await step(progress, 'install', pinned, () =>
          writeFile(
            path.join(stagingDir, 'image.json'),
            `${JSON.stringify({ image: repositoryName(reference), reference: what, digest: manifest.digest, imageId: image.id, ...(image.serverName ? { [serverNameLabel]: image.serverName } : {}) }, null, 2)}\n`,
            { flag: 'wx', mode: 0o644 },
          ),
        )
        const version = spec.package.version ?? spec.version ?? reference.tag ?? manifest.digest.slice(0, 19)
        const notes = [...notesFor(spec), ...(image.serverName ? [] : [`${what} has no ${serverNameLabel} label`])]
        return {
          version,
          launch,
          integrity: { value: manifest.digest, source: 'oci digest' },
          verification: {
            signature: { status: 'not-applicable', detail: 'OCI registries publish no registry signatures we check' },
            provenance: { status: 'not-applicable', detail: 'image attestations are not fetched' },
            ownership: image.ownership,
            digests: `pulled and run by the digest the registry served (${manifest.digest.slice(0, 19)}…)`,
            ...imageReleaseAge(image.builtAt, now()),
          },
          runtime,
          details: {
            image: repositoryName(reference),
            reference: what,
            digest: manifest.digest,
            mediaType: manifest.mediaType,
            imageId: image.id,
            pinned,
            pulled: pulledHere !== undefined,
            network,
            ...(image.serverName ? { serverNameLabel: image.serverName } : {}),
            notes,
          },
        }
      } catch (error) {
        if (pulledHere) await removeImage(env, pulledHere, undefined).catch(() => undefined)
        await removeCreated(stagingDir, before)
        throw error
      }
    },

    async uninstall(record, context) {
      const pinned = typeof record.details?.pinned === 'string' ? record.details.pinned : undefined
      if (!pinned || record.details?.pulled !== true) return
      // Another installed server (or version) running the same image keeps it.
      if (context.otherInstalls?.some((other) => other.details?.pinned === pinned)) return
      await removeImage(envOf(context), pinned, context.signal)
    },
  }
}

/** Ownership from the image's `io.modelcontextprotocol.server.name` label (a label naming another server was refused before). */
function ociOwnership(labelled: string | undefined, expected: string | undefined): OwnershipCheck {
  if (labelled && expected) return { status: 'verified', by: 'oci label', detail: `the image is labelled ${serverNameLabel}=${labelled}` }
  if (labelled) return { status: 'unverified', detail: `the image claims ${labelled} (${serverNameLabel}) but the server was not found through the MCP registry` }
  return { status: 'unverified', detail: expected ? `listed as ${expected}, but the image has no ${serverNameLabel} label` : `no MCP registry name to compare, and no ${serverNameLabel} label` }
}

async function removeCreated(stagingDir: string, before: ReadonlySet<string>): Promise<void> {
  let entries: string[]
  try {
    entries = await readdir(stagingDir)
  } catch {
    return
  }
  await Promise.all(entries.filter((entry) => !before.has(entry)).map((entry) => rm(path.join(stagingDir, entry), { recursive: true, force: true })))
}
