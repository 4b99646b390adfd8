import { randomBytes } from 'node:crypto'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { redact, toTektonError } from '@tekton/mcp-discovery'
import type { RegistrySource } from '@tekton/mcp-discovery'
import { tektonPaths } from '@tekton/mcp-discovery/paths'
import { describeRuntime, findRuntime } from '@tekton/mcp-installation'
import type { Command } from '../command'
import type { CliIo } from '../io'
import { exitCodes } from '../exit-codes'
import type { DirectoryCheck, DoctorOutput, RegistryCheck, RuntimeCheck } from '../output/doctor'
import type { Discovery } from '../wiring'

/** How long each registry gets to answer: a doctor that hangs on a dead mirror helps no one. */
const registryTimeoutMs = 5000

/** The runtimes looked for, and what each is for. */
const runtimes: ReadonlyArray<{ name: string; required: boolean; purpose: string; install: string }> = [
  { name: 'node', required: true, purpose: 'runs npm servers', install: `install ${describeRuntime('node').displayName} from ${describeRuntime('node').installFrom}` },
  { name: 'npm', required: true, purpose: 'installs npm servers', install: 'npm comes with Node.js: reinstall Node.js, or put npm on the PATH' },
  { name: 'python', required: false, purpose: 'for Python (PyPI) servers', install: `install ${describeRuntime('python').displayName} from ${describeRuntime('python').installFrom}` },
  { name: 'docker', required: false, purpose: 'for container (OCI) servers', install: `install ${describeRuntime('docker').displayName} from ${describeRuntime('docker').installFrom}` },
]

/**
 * A server id each source surely does not have: asking for it is the cheapest request that proves
 * the source answers (a 404 is an answer, and is never cached, so every run asks again).
 */
const probeIds: Record<string, string> = {
  registry: 'io.github.tekton-mcp/doctor-probe',
  npm: 'tekton-mcp-doctor-probe',
  pypi: 'tekton-mcp-doctor-probe',
  github: 'tekton-mcp/doctor-probe',
}

/**
 * `doctor`: the runtimes on the PATH, whether the data, cache and config directories can be
 * written, and whether each configured source answers. Exit 1 when node, npm or the data
 * directory is missing; the rest are warnings.
 */
export const doctorCommand: Command<DoctorOutput> = {
  async run(_args, context) {
    const { io } = context
    context.progress.update('checking runtimes, directories and registries')
    const [runtimeChecks, directoryChecks, registryChecks] = await Promise.all([
      Promise.all(runtimes.map((runtime) => checkRuntime(runtime, io))),
      checkDirectories(io),
      checkRegistries(context.discovery()),
    ])
    context.progress.stop()
    const problems: string[] = []
    const warnings: string[] = [...registryChecks.warnings]
    for (const runtime of runtimeChecks) {
      if (runtime.found) continue
      ;(runtime.required ? problems : warnings).push(`${runtime.name} is not on the PATH: ${runtime.note}`)
    }
    for (const directory of directoryChecks) {
      if (directory.writable) continue
      ;(directory.required ? problems : warnings).push(`The ${directory.name} directory ${directory.path} is not writable: ${directory.error ?? 'unknown reason'}`)
    }
    for (const registry of registryChecks.checks) {
      if (!registry.reachable) warnings.push(`${registry.source} did not answer: ${registry.error?.message ?? 'unknown reason'}`)
    }
    return { ok: problems.length === 0, runtimes: runtimeChecks, directories: directoryChecks, registries: registryChecks.checks, problems, warnings }
  },
  exitCode: (output) => (output.ok ? exitCodes.ok : exitCodes.failure),
}

async function checkRuntime(runtime: (typeof runtimes)[number], io: CliIo): Promise<RuntimeCheck> {
  // The PATH of the CLI's environment: the one installers and servers get.
  const found = await findRuntime(runtime.name, { env: io.env, timeoutMs: 10_000 }).catch(() => null)
  if (!found) return { name: runtime.name, required: runtime.required, found: false, note: runtime.install }
  return { name: runtime.name, required: runtime.required, found: true, version: found.version, path: found.path, note: runtime.purpose }
}

async function checkDirectories(io: CliIo): Promise<DirectoryCheck[]> {
  const paths = tektonPaths(io.env)
  const directories: Array<{ name: DirectoryCheck['name']; required: boolean }> = [
    { name: 'data', required: true },
    { name: 'cache', required: false },
    { name: 'config', required: false },
  ]
  return Promise.all(
    directories.map(async ({ name, required }) => {
      const directory = paths[name]
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

async function checkRegistries(wiring: Promise<Discovery>): Promise<{ checks: RegistryCheck[]; warnings: string[] }> {
  let discovery: Discovery
  try {
    discovery = await wiring
  } catch (error) {
    // A bad TEKTON_MCP_SOURCES breaks search, not installs of servers already known.
    const failure = toTektonError(error)
    return { checks: [], warnings: [`The sources are misconfigured: ${redact(failure.message)}`] }
  }
  const all: Record<string, RegistrySource> = discovery.sources
  const checks = await Promise.all(discovery.sourceIds.map((id) => probe(id, all[id])))
  return { checks, warnings: [] }
}

async function probe(id: string, source: RegistrySource | undefined): Promise<RegistryCheck> {
  const started = performance.now()
  const name = source?.displayName ?? id
  const probeId = probeIds[id]
  if (!source || !probeId) return { source: id, name, reachable: false, durationMs: 0, error: { code: 'E_UNKNOWN_SOURCE', message: `no probe for source ${id}` } }
  try {
    await source.getMetadata(probeId, { signal: AbortSignal.timeout(registryTimeoutMs), deadline: Date.now() + registryTimeoutMs })
    return { source: id, name, reachable: true, durationMs: performance.now() - started }
  } catch (error) {
    const failure = toTektonError(error)
    return { source: id, name, reachable: false, durationMs: performance.now() - started, error: { code: failure.code, message: redact(failure.message) } }
  }
}
