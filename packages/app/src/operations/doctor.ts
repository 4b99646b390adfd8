/**
 * Doctor: the runtimes on the PATH, whether the data, cache and config directories can be
 * written, and whether each enabled source answers. Not ok when node, npm or the data directory
 * is missing; the rest are warnings.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { redact, toTektonError } from '@tekton/mcp-discovery'
import type { RegistrySource } from '@tekton/mcp-discovery'
import type { TektonMcpCore } from '../tekton-mcp'
import { checkErgon } from './ergon'
import type { ErgonCheck } from './ergon'

/** A program servers or installers run. */
export interface RuntimeCheck {
  /** `node`, `npm`, `python`, `venv`, `pip`, `uv`, `docker`, `docker engine`, `sandbox` (venv and pip are checked through python). */
  name: string
  /** Needed for anything to install (node and npm); the others only for some servers. */
  required: boolean
  found: boolean
  version?: string
  path?: string
  /** What it is for, or what to install when it is missing. */
  note: string
}

/** A directory tekton-mcp writes to, checked by creating a file in it. */
export interface DirectoryCheck {
  name: 'data' | 'cache' | 'config'
  path: string
  required: boolean
  writable: boolean
  error?: string
}

/** One enabled source, probed with its cheapest request. */
export interface RegistryCheck {
  source: string
  name: string
  reachable: boolean
  durationMs: number
  error?: { code: string; message: string }
}

export interface DoctorReport {
  /** False when a required check failed. */
  ok: boolean
  runtimes: RuntimeCheck[]
  directories: DirectoryCheck[]
  registries: RegistryCheck[]
  /** Ergon's store: where it is and whether its tables match (nothing is created to find out). */
  ergon: ErgonCheck
  /** Why `ok` is false, one sentence each. */
  problems: string[]
  /** What works less well than it could, one sentence each. */
  warnings: string[]
}

/** How long each source gets to answer: a doctor that hangs on a dead mirror helps no one. */
const probeTimeoutMs = 5000

export async function doctor(core: TektonMcpCore): Promise<DoctorReport> {
  const [runtimes, directories, registries, ergon] = await Promise.all([checkRuntimes(core.env), checkDirectories(core), checkSources(core), checkErgon(core)])
  const problems: string[] = []
  const warnings: string[] = [...registries.warnings]
  for (const runtime of runtimes) {
    if (runtime.found) continue
    if (runtime.name === 'docker engine') warnings.push(`No docker engine answers: ${runtime.note}`)
    else if (runtime.name === 'sandbox') warnings.push(`${runtime.note[0]?.toUpperCase() ?? ''}${runtime.note.slice(1)}`)
    else (runtime.required ? problems : warnings).push(`${runtime.name} is not on the PATH: ${runtime.note}`)
  }
  for (const directory of directories) {
    if (!directory.writable) (directory.required ? problems : warnings).push(`The ${directory.name} directory ${directory.path} is not writable: ${directory.error ?? 'unknown reason'}`)
  }
  for (const registry of registries.checks) {
    if (!registry.reachable) warnings.push(`${registry.source} did not answer: ${registry.error?.message ?? 'unknown reason'}`)
  }
  if (ergon.error) warnings.push(`Ergon's store${ergon.store ? ` (${ergon.store})` : ''} is not usable: ${ergon.error.message}`)
  for (const table of ergon.tables ?? []) {
    if (table.status === 'missing') warnings.push(`Ergon's table ${table.table} is missing (it is created on the first registration)`)
    else if (table.status === 'different') warnings.push(`Ergon's table ${table.table} differs from Ergon's: ${[...table.missingColumns.map((column) => `no ${column}`), ...table.nullabilityDiffers.map((column) => `${column} nullability`)].join(', ')}`)
  }
  return { ok: problems.length === 0, runtimes, directories, registries: registries.checks, ergon, problems, warnings }
}

/**
 * The engine the docker client talks to (DOCKER_HOST, DOCKER_CONTEXT): a client on the PATH
 * installs nothing when no engine answers, so doctor says which it is.
 */
async function checkDockerEngine(env: NodeJS.ProcessEnv): Promise<RuntimeCheck> {
  const { probeDocker } = await import('@tekton/mcp-installer-docker')
  const probe = await probeDocker({ env }).catch(() => undefined)
  const engine = probe?.checks.find((check) => check.requirement === 'docker engine')
  if (probe?.engineVersion !== undefined) {
    return { name: 'docker engine', required: false, found: true, version: probe.engineVersion, note: `runs container (OCI) servers (${engine?.found ?? 'answers'})` }
  }
  return { name: 'docker engine', required: false, found: false, note: `${engine?.found ?? 'no answer'}; ${engine?.hint ?? 'start a docker engine'}` }
}

/** Whether `install --sandbox` can work here: bubblewrap tried for real (user namespaces may be off). */
async function checkSandbox(env: NodeJS.ProcessEnv): Promise<RuntimeCheck> {
  const { createSandboxProbe } = await import('@tekton/mcp-installation')
  const found = await createSandboxProbe()({ env }).catch((error: unknown) => ({ kind: 'none' as const, reason: error instanceof Error ? error.message : String(error) }))
  if (found.kind === 'bubblewrap') {
    return { name: 'sandbox', required: false, found: true, path: found.path, ...(found.version ? { version: found.version } : {}), note: 'bubblewrap works here: Node and Python servers can run sandboxed' }
  }
  return { name: 'sandbox', required: false, found: false, note: `${found.reason}; an install asking for bubblewrap is refused, one asking for auto runs unsandboxed` }
}

async function checkRuntimes(env: NodeJS.ProcessEnv): Promise<RuntimeCheck[]> {
  const { describeRuntime, findRuntime } = await import('@tekton/mcp-installation')
  const installHint = (name: string) => `install ${describeRuntime(name).displayName} from ${describeRuntime(name).installFrom}`
  const runtimes = [
    { name: 'node', required: true, purpose: 'runs npm servers', install: installHint('node') },
    { name: 'npm', required: true, purpose: 'installs npm servers', install: 'npm comes with Node.js: reinstall Node.js, or put npm on the PATH' },
    { name: 'python', required: false, purpose: 'runs PyPI servers', install: installHint('python') },
    // What the Python installer needs of that python: a venv per server, and pip to resolve and install.
    {
      name: 'venv',
      required: false,
      purpose: "python's venv module: a virtualenv per PyPI server",
      install: 'install the venv module of your Python (Debian and Ubuntu: apt install python3-venv)',
      commands: ['python3', 'python'],
      versionArguments: ['-I', '-c', 'import sys, venv; print(sys.version.split()[0])'],
    },
    {
      name: 'pip',
      required: false,
      purpose: 'resolves and installs PyPI servers (python3 -m pip; 22.3 or later, else ensurepip puts one in each venv)',
      install: 'install pip for your Python (python3 -m ensurepip --upgrade, or apt install python3-pip)',
      commands: ['python3', 'python'],
      versionArguments: ['-I', '-m', 'pip', '--version'],
    },
    { name: 'uv', required: false, purpose: 'optional: found, but the Python installer uses pip', install: 'optional: the Python installer uses pip' },
    { name: 'docker', required: false, purpose: 'for container (OCI) servers', install: installHint('docker') },
  ]
  // One at a time: seven version checks at once (pyenv-style shims are shell scripts starting
  // more processes) starve the sources' 5 s probes on a 2-core machine.
  const checks: RuntimeCheck[] = []
  for (const runtime of runtimes) checks.push(await checkRuntime(runtime))
  // A client alone runs nothing: the engine it talks to is checked too.
  if (checks.some((check) => check.name === 'docker' && check.found)) checks.push(await checkDockerEngine(env))
  checks.push(await checkSandbox(env))
  return checks

  async function checkRuntime(runtime: (typeof runtimes)[number]): Promise<RuntimeCheck> {
    // The PATH of this environment: the one installers and servers get.
    const lookup = {
      env,
      timeoutMs: 10_000,
      ...('commands' in runtime ? { commands: runtime.commands } : {}),
      ...('versionArguments' in runtime ? { versionArguments: runtime.versionArguments } : {}),
    }
    const found = await findRuntime(runtime.name, lookup).catch(() => null)
    if (!found) return { name: runtime.name, required: runtime.required, found: false, note: runtime.install }
    return { name: runtime.name, required: runtime.required, found: true, version: found.version, path: found.path, note: runtime.purpose }
  }
}

async function checkDirectories(core: TektonMcpCore): Promise<DirectoryCheck[]> {
  const directories: Array<{ name: DirectoryCheck['name']; required: boolean }> = [
    { name: 'data', required: true },
    { name: 'cache', required: false },
    { name: 'config', required: false },
  ]
  return Promise.all(
    directories.map(async ({ name, required }) => {
      const directory = core.paths[name]
      try {
        await writable(directory)
        return { name, path: directory, required, writable: true }
      } catch (error) {
        return { name, path: directory, required, writable: false, error: redact(error instanceof Error ? error.message : String(error)) }
      }
    }),
  )
}

/** Creates the directory if needed, then a file in it, then removes the file. */
async function writable(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true })
  const probe = path.join(directory, `.doctor-${process.pid}-${randomBytes(4).toString('hex')}.tmp`)
  await writeFile(probe, 'tekton-mcp doctor\n', { flag: 'wx' })
  await rm(probe, { force: true })
}

async function checkSources(core: TektonMcpCore): Promise<{ checks: RegistryCheck[]; warnings: string[] }> {
  let sources: readonly RegistrySource[]
  try {
    sources = core.sources()
  } catch (error) {
    // Misconfigured sources break search, not installs of servers already known.
    return { checks: [], warnings: [`The sources are misconfigured: ${redact(toTektonError(error).message)}`] }
  }
  return { checks: await Promise.all(sources.map((source) => probe(core, source))), warnings: [] }
}

async function probe(core: TektonMcpCore, source: RegistrySource): Promise<RegistryCheck> {
  const started = performance.now()
  const check = { source: source.id, name: source.displayName }
  if (!source.probe) return { ...check, reachable: false, durationMs: 0, error: { code: 'E_UNKNOWN_SOURCE', message: `${source.id} cannot be probed` } }
  try {
    await source.probe({ signal: AbortSignal.timeout(probeTimeoutMs), deadline: core.now() + probeTimeoutMs })
    return { ...check, reachable: true, durationMs: performance.now() - started }
  } catch (error) {
    const failure = toTektonError(error)
    return { ...check, reachable: false, durationMs: performance.now() - started, error: { code: failure.code, message: redact(failure.message) } }
  }
}
