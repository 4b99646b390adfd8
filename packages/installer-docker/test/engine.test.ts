/**
 * Against a real engine (dockerd from Debian's docker.io) and a real registry (docker-registry)
 * on loopback, both started by the testkit once for this file: an MCP server image installed by
 * tag runs by digest in the sandbox, answers the handshake through `docker run -i`, reports from
 * inside that it has no capabilities, a read-only root and only `lo`, and its uninstall removes
 * the image. The installer conformance suite runs here too, against the same engine (started
 * once per file). Skips with the reason where no engine starts (and fails under .ci/run instead).
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { TektonError } from '@tekton/mcp-discovery'
import type { ServerMetadata } from '@tekton/mcp-discovery'
import { buildServerEnvironment, createInstallationService } from '@tekton/mcp-installation'
import type { LaunchSpec, ReleaseAgeRule } from '@tekton/mcp-installation'
import { fromServerJson } from '@tekton/mcp-discovery'
import { installerConformance } from '@tekton/mcp-installation/testing'
import { officialPostgresMcp, startDockerServices } from '@tekton/mcp-testkit'
import { createDockerInstaller, imageServerMetadata } from '../src/index'

const started = await startDockerServices()
const services = started.services
afterAll(async () => {
  await services?.stop()
})

const describeEngine = services ? describe : describe.skip
let counter = 0

async function setup(resolveMap: Record<string, ServerMetadata> = {}, minimumReleaseAge?: ReleaseAgeRule) {
  const home = await mkdtemp(path.join(tmpdir(), 'tekton-docker-home-'))
  counter += 1
  const env = { ...services!.env }
  const installer = createDockerInstaller({ env, ...(minimumReleaseAge ? { minimumReleaseAge: () => minimumReleaseAge } : {}) })
  const service = createInstallationService({
    installers: [installer],
    home,
    env,
    handshakeTimeoutMs: 120_000,
    resolve: async (ref) => {
      const known = resolveMap[ref]
      if (known) return known
      if (ref.startsWith('docker:')) return imageServerMetadata(ref.slice('docker:'.length))
      throw new TektonError('E_NOT_FOUND', `no ${ref}`)
    },
  })
  return { home, service, cleanup: () => rm(home, { recursive: true, force: true }) }
}

/** Starts the launch spec, initializes, calls the fixture's `sandbox` tool and returns its text. */
async function sandboxReport(launch: LaunchSpec, env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(launch.command, launch.args, { env: buildServerEnvironment(env, {}, launch.env), stdio: ['pipe', 'pipe', 'pipe'] })
  let output = ''
  let errors = ''
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  const answered = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const line = output.split('\n').find((candidate) => candidate.includes('"id":2'))
      if (line) resolve(line)
    })
    child.on('close', (code) => reject(new Error(`the server exited (${code}) before answering: ${errors}`)))
  })
  child.stdin.write('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}\n')
  child.stdin.write('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"sandbox","arguments":{}}}\n')
  try {
    const line = await answered
    return (JSON.parse(line) as { result: { content: Array<{ text: string }> } }).result.content[0]!.text
  } finally {
    child.stdin.end()
    await new Promise((resolve) => (child.exitCode === null ? child.on('close', resolve) : resolve(undefined)))
  }
}

async function imagePresent(reference: string): Promise<boolean> {
  try {
    await services!.docker(['image', 'inspect', reference])
    return true
  } catch {
    return false
  }
}

describeEngine(`docker installer against a real engine${started.skip ? ` (${started.skip})` : ''}`, () => {
  it('installs by tag, runs by digest in the sandbox, answers the handshake and uninstalls the image', async () => {
    const { reference, digest } = await services!.buildMcpImage({ repository: 'mcp/echo', tag: '1.0.0', serverName: 'io.github.example/echo' })
    const { service, cleanup } = await setup()
    try {
      const plan = await service.planInstall(`docker:${reference}`, {})
      expect(plan.installer).toBe('docker')
      expect(plan.launch?.args).toContain(`${services!.registry}/mcp/echo@${digest}`)
      expect(plan.notes.join('\n')).toContain('--network none')

      const outcome = await service.installServer(`docker:${reference}`, {})
      expect(outcome.version).toBe('1.0.0')
      expect(outcome.handshake?.serverInfo.name).toBe('mcp/echo')
      expect(outcome.handshake?.tools.map((tool) => tool.name)).toEqual(['sandbox'])
      const installed = outcome.server
      const version = installed.versions['1.0.0']!
      const launch = version.launch
      expect(launch.command).toBe(services!.dockerPath)
      const pinned = `${services!.registry}/mcp/echo@${digest}`
      expect(launch.args).toEqual([
        'run', '--rm', '-i', '--init', '--pull', 'never', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--read-only', '--tmpfs=/tmp',
        '--pids-limit', '256', '--memory', '512m', '--cpus', '1', '--network', 'none', pinned,
      ])
      expect(launch.env.DOCKER_HOST).toBe(services!.dockerHost)
      expect(version.integrity).toEqual(expect.objectContaining({ value: digest, source: 'oci digest' }))

      // The sandbox, seen from inside the container the launch spec starts.
      const report = await sandboxReport(launch, services!.env)
      expect(report).toContain('capeff=0000000000000000')
      expect(report).toContain('root=read-only')
      expect(report).toContain('tmp=writable')
      expect(report).toMatch(/interfaces=lo\s+args=/)
      expect(report).not.toMatch(/interfaces=.*eth/)

      expect(await imagePresent(pinned)).toBe(true)
      const verified = await service.verifyServer(installed.name, {})
      expect(verified.ok).toBe(true)
      await service.uninstallServer(installed.name, {})
      expect(await imagePresent(pinned)).toBe(false)
    } finally {
      await cleanup()
    }
  })

  it('refuses an image whose name label claims another server, and leaves no image behind', async () => {
    const { reference, digest } = await services!.buildMcpImage({ repository: 'mcp/impostor', tag: '2', serverName: 'io.github.other/server' })
    const metadata = { ...imageServerMetadata(reference), name: 'io.github.example/impostor', ref: 'registry:io.github.example/impostor', registryName: 'io.github.example/impostor' }
    const { service, cleanup } = await setup({ 'registry:io.github.example/impostor': metadata })
    try {
      await expect(service.installServer('registry:io.github.example/impostor', {})).rejects.toMatchObject({ code: 'E_PACKAGE_MISMATCH' })
      expect(await imagePresent(`${services!.registry}/mcp/impostor@${digest}`)).toBe(false)
      expect(await service.getInstalledServers()).toEqual([])
    } finally {
      await cleanup()
    }
  })

  it('minimum release age: a tag built too recently is refused naming the rule and its file; pinned by digest it installs, and records its build time', async () => {
    const { reference, digest } = await services!.buildMcpImage({ repository: 'mcp/young', tag: '1.0.0', serverName: 'io.github.example/young' })
    const pinned = `${services!.registry}/mcp/young@${digest}`
    // The image's build time, as the engine reports it: the rule's cutoff is set from it, not from the clock.
    await services!.docker(['pull', '-q', pinned])
    const created = Date.parse((await services!.docker(['image', 'inspect', '--format', '{{.Created}}', pinned])).stdout.trim())
    await services!.docker(['image', 'rm', pinned])
    const hour = 3_600_000
    const ruleName = 'policy.minimumReleaseAgeHours (/etc/tekton-mcp/config.yaml)'
    const young = await setup({}, { hours: 48, publishedBefore: created - hour, rule: ruleName })
    try {
      const plan = await young.service.planInstall(`docker:${reference}`, {})
      expect(plan.notes).toContain(`${reference} is checked once pulled: an image built less than 48 h ago is refused (a tag has no older version to fall back to), as ${ruleName} asks`)
      await expect(young.service.installServer(`docker:${reference}`, { handshake: false })).rejects.toMatchObject({
        code: 'E_POLICY_DENIED',
        message: `[docker installer] ${reference} was built 47 h ago, younger than 48 h: refused by ${ruleName}`,
        hint: expect.stringContaining('there is no older version to fall back to'),
      })
      expect(await young.service.getInstalledServers()).toEqual([])
      expect(await imagePresent(pinned)).toBe(false)
      const byDigest = await young.service.installServer(`docker:${pinned}`, { handshake: false })
      expect(byDigest.verification?.releaseAge?.publishedAt).toBe(new Date(created).toISOString())
      expect(byDigest.trust?.releaseAge).toMatchObject({ status: 'known', publishedAt: new Date(created).toISOString() })
      await young.service.uninstallServer(byDigest.server.name, {})
    } finally {
      await young.cleanup()
    }
    const oldEnough = await setup({}, { hours: 48, publishedBefore: created + hour, rule: ruleName })
    try {
      const outcome = await oldEnough.service.installServer(`docker:${reference}`, { handshake: false })
      expect(outcome.version).toBe('1.0.0')
      expect(outcome.verification?.ownership).toEqual({ status: 'unverified', detail: 'the image claims io.github.example/young (io.modelcontextprotocol.server.name) but the server was not found through the MCP registry' })
      await oldEnough.service.uninstallServer(outcome.server.name, {})
    } finally {
      await oldEnough.cleanup()
    }
  })

  it('passes declared variables as -e NAME with the value only in the environment, and package arguments after the image', async () => {
    const { reference, digest } = await services!.buildMcpImage({ repository: 'mcp/greeter', tag: '3', serverName: 'io.github.example/greeter' })
    const base = imageServerMetadata(reference)
    const metadata: ServerMetadata = {
      ...base,
      ref: 'registry:io.github.example/greeter',
      name: 'io.github.example/greeter',
      packages: [
        {
          ...base.packages[0]!,
          environmentVariables: [{ name: 'GREETING', isRequired: true, isSecret: true }],
          packageArguments: [
            { type: 'named', name: '--mode', default: 'fast', choices: ['fast', 'slow'] },
            { type: 'positional', valueHint: 'target', isRequired: true },
          ],
        },
      ],
    }
    const { service, cleanup } = await setup({ 'registry:io.github.example/greeter': metadata })
    try {
      const outcome = await service.installServer('registry:io.github.example/greeter', { env: { GREETING: 'hello-secret-value' }, inputs: { target: 'world' } })
      const launch = outcome.server.versions['3']!.launch
      expect(launch.args.slice(-6)).toEqual(['-e', 'GREETING', `${services!.registry}/mcp/greeter@${digest}`, '--mode', 'fast', 'world'])
      expect(launch.args.join(' ')).not.toContain('hello-secret-value')
      const server = await service.getInstalledServer('io.github.example/greeter')
      const report = await sandboxReport({ ...launch, env: { ...launch.env, GREETING: 'hello-secret-value' } }, services!.env)
      expect(report).toContain('args=--mode fast world')
      expect(report).toContain('greeting=hello-secret-value')
      expect(server?.configuration.env.GREETING).toBe('••••')
      await service.uninstallServer('io.github.example/greeter', {})
    } finally {
      await cleanup()
    }
  })

  it('installs a registry entry\'s OCI package with --type oci: runtime arguments before the image, package arguments after, exactly', async () => {
    const { reference, digest } = await services!.buildMcpImage({ repository: 'example/postgres-mcp', tag: '1.0.0', serverName: 'io.github.example/postgres-mcp' })
    const entry = officialPostgresMcp({ ociIdentifier: reference })
    const metadata = { ...fromServerJson(entry.server), ref: 'registry:io.github.example/postgres-mcp' }
    const { service, cleanup, home } = await setup({ 'registry:io.github.example/postgres-mcp': metadata })
    try {
      await expect(service.installServer('registry:io.github.example/postgres-mcp', { registryType: 'oci', env: { PGPASSWORD: 'pw-secret-1234' } })).rejects.toMatchObject({
        code: 'E_MISSING_INPUT',
        message: 'io.github.example/postgres-mcp needs values for socket_dir, --statement-timeout, database_name',
      })
      const plan = await service.planInstall('registry:io.github.example/postgres-mcp', { registryType: 'oci' })
      expect(plan.missingInputs?.map((input) => input.key)).toEqual(['socket_dir', '--statement-timeout', 'database_name', 'PGPASSWORD'])
      expect(plan.packageChoice).toBe(`oci package ${reference}, as --type oci asks`)
      const outcome = await service.installServer('registry:io.github.example/postgres-mcp', {
        registryType: 'oci',
        env: { PGPASSWORD: 'pw-secret-1234' },
        inputs: { socket_dir: home, '--statement-timeout': '5000', database_name: 'app' },
      })
      const launch = outcome.server.versions['1.0.0']!.launch
      expect(launch.args.slice(20)).toEqual([
        '-e', 'PGPASSWORD', '-e', 'PGSSLMODE',
        '--mount', `type=bind,src=${home},dst=/run/postgresql,readonly`,
        `${services!.registry}/example/postgres-mcp@${digest}`,
        '--schema', 'public', '--mode', 'read-only', '--statement-timeout', '5000', 'app',
      ])
      expect(outcome.handshake?.serverInfo.name).toBe('example/postgres-mcp')
      const server = await service.getLaunchSpec('io.github.example/postgres-mcp', { revealSecrets: true })
      const report = await sandboxReport(server, services!.env)
      expect(report).toContain('args=--schema public --mode read-only --statement-timeout 5000 app')
      await service.uninstallServer('io.github.example/postgres-mcp', {})
    } finally {
      await cleanup()
    }
  })
})

// The suite every installer runs, over the same engine and registry: the launch spec names the
// image by digest and no file of the version directory, so moving the directory cannot break it.
installerConformance(
  { describe: services ? describe : describe.skip, it, beforeAll, afterAll },
  {
    name: `docker${started.skip ? ` (${started.skip})` : ''}`,
    launchOutsideDirectory: 'the image runs by digest from the engine',
    setup: async () => {
      const { reference } = await services!.buildMcpImage({ repository: 'mcp/conformance', tag: '1.0.0', serverName: 'io.github.example/conformance' })
      const workDirectory = await mkdtemp(path.join(tmpdir(), 'tekton-docker-conformance-'))
      const env = { ...services!.env }
      const specFor = (image: string) => {
        const server = imageServerMetadata(image)
        return { server, package: server.packages[0]! }
      }
      return {
        installer: createDockerInstaller({ env }),
        spec: specFor(reference),
        missingSpec: specFor(`${services!.registry}/mcp/not-published:1`),
        workDirectory,
        env,
        teardown: () => rm(workDirectory, { recursive: true, force: true }),
      }
    },
  },
)
