/**
 * A real container engine and a real OCI registry for tests, both on this machine only:
 * Debian's `dockerd` with its own data-root, exec-root, pidfile and unix socket in a temp dir
 * (`--bridge=none --iptables=false`: no docker0, no private address range, no firewall rules),
 * and CNCF distribution's `docker-registry` on a free loopback port with its storage in the same
 * temp dir. Started once per test file (dockerd takes seconds), stopped by PID. When either
 * cannot start, `serviceUnavailable('docker' | 'registry', reason)` says why (and fails the run
 * where TEKTON_MCP_REQUIRE_SERVICES names it, as `.ci/run` does).
 *
 * `buildMcpImage` builds a test image FROM scratch with a static busybox and a tiny MCP stdio
 * server written in sh, labelled `io.modelcontextprotocol.server.name`, and pushes it.
 */
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { chmod, copyFile, mkdir, mkdtemp, open, rm, symlink, writeFile } from 'node:fs/promises'
import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { serviceUnavailable } from './required'

/** A running engine and registry. */
export interface DockerServices {
  /** `unix://<temp>/docker.sock`. */
  dockerHost: string
  /** process.env with DOCKER_HOST set: what the docker CLI (and our installer) should get. */
  env: NodeJS.ProcessEnv
  /** `127.0.0.1:<port>`: the loopback registry, which dockerd trusts over plain http. */
  registry: string
  /** The docker CLI used. */
  dockerPath: string
  /** Runs the docker CLI against this engine; resolves with what it printed, rejects on failure. */
  docker(args: readonly string[], options?: { input?: string; env?: NodeJS.ProcessEnv }): Promise<{ stdout: string; stderr: string }>
  /** Builds the MCP test image, pushes it as `<registry>/<repository>:<tag>` and returns its digest. */
  buildMcpImage(options: McpImageOptions): Promise<{ reference: string; digest: string }>
  /** Stops dockerd (SIGTERM, which stops its containerd) and the registry, and removes the temp dir. */
  stop(): Promise<void>
}

export interface McpImageOptions {
  repository: string
  tag: string
  /** The `io.modelcontextprotocol.server.name` label; left out when undefined. */
  serverName?: string
  /** `serverInfo.version` the server answers. @default the tag */
  version?: string
}

/** The outcome of `startDockerServices`: running services, or why not (for `describe.skip`). */
export type DockerServicesStart = { services: DockerServices; skip?: undefined } | { services?: undefined; skip: string }

/** A free loopback TCP port (closed again before returning). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

function onPath(program: string): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(directory, program)
    if (directory && existsSync(candidate)) return candidate
  }
  return undefined
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls `ready` every 100 ms until it answers true, the process died, or `limitMs` passed. */
async function waitFor(ready: () => Promise<boolean> | boolean, child: ChildProcess, limitMs: number): Promise<string | undefined> {
  const deadline = Date.now() + limitMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return `it exited (${child.exitCode ?? child.signalCode})`
    if (await ready()) return undefined
    await sleep(100)
  }
  return `it was not ready after ${limitMs / 1000} s`
}

/** Stops a process by PID and waits (generously) for it to be gone. */
async function stopProcess(pid: number | undefined): Promise<void> {
  if (pid === undefined || !alive(pid)) return
  process.kill(pid, 'SIGTERM')
  for (let waited = 0; waited < 30_000 && alive(pid); waited += 100) await sleep(100)
  if (alive(pid)) process.kill(pid, 'SIGKILL')
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ').slice(0, 400)
  } catch {
    return ''
  }
}

/** The sh MCP server inside the test image. */
export function shMcpServer(name: string, version: string): string {
  return `#!/bin/sh
# A tiny MCP stdio server: newline-delimited JSON-RPC, enough for a handshake, and one tool
# (sandbox) that reports what the container may do, seen from inside.
reply() { printf '{"jsonrpc":"2.0","id":%s,"result":%s}\\n' "$1" "$2"; }
while IFS= read -r line; do
  id=$(printf '%s' "$line" | sed -n 's/.*"id":\\([0-9][0-9]*\\).*/\\1/p')
  [ -z "$id" ] && id=$(printf '%s' "$line" | sed -n 's/.*"id":\\("[^"]*"\\).*/\\1/p')
  method=$(printf '%s' "$line" | sed -n 's/.*"method":"\\([^"]*\\)".*/\\1/p')
  case "$method" in
    initialize)
      protocol=$(printf '%s' "$line" | sed -n 's/.*"protocolVersion":"\\([^"]*\\)".*/\\1/p')
      reply "$id" '{"protocolVersion":"'"\${protocol:-2025-06-18}"'","capabilities":{"tools":{},"resources":{},"prompts":{}},"serverInfo":{"name":"${name}","version":"${version}"}}' ;;
    tools/list)
      reply "$id" '{"tools":[{"name":"sandbox","description":"Reports capabilities, root file system, network interfaces, arguments and GREETING as seen inside the container","inputSchema":{"type":"object","properties":{}}}]}' ;;
    tools/call)
      caps=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
      if touch /probe 2>/dev/null; then root=writable; else root=read-only; fi
      if touch /tmp/probe 2>/dev/null; then tmp=writable; else tmp=read-only; fi
      nets=$(ls /sys/class/net | tr '\\n' ' ')
      text="capeff=$caps root=$root tmp=$tmp interfaces=$nets args=$ARGS greeting=$GREETING"
      reply "$id" '{"content":[{"type":"text","text":"'"$text"'"}]}' ;;
    resources/list) reply "$id" '{"resources":[]}' ;;
    resources/templates/list) reply "$id" '{"resourceTemplates":[]}' ;;
    prompts/list) reply "$id" '{"prompts":[]}' ;;
    ping) reply "$id" '{}' ;;
    notifications/*|'') ;;
    *) printf '{"jsonrpc":"2.0","id":%s,"error":{"code":-32601,"message":"method not found"}}\\n' "$id" ;;
  esac
done
`
}

/**
 * Starts dockerd and the registry; `{ skip }` (from `serviceUnavailable`) when either cannot
 * start. Call once per test file, in top-level code, and `stop()` in afterAll.
 */
export async function startDockerServices(): Promise<DockerServicesStart> {
  const dockerPath = onPath('docker')
  const dockerd = onPath('dockerd')
  const registryProgram = onPath('docker-registry')
  if (!dockerPath) return { skip: serviceUnavailable('docker', 'the docker CLI is not on PATH (apt-get install docker.io)') }
  if (!dockerd) return { skip: serviceUnavailable('docker', 'dockerd is not on PATH (apt-get install docker.io)') }
  if (process.getuid?.() !== 0) return { skip: serviceUnavailable('docker', 'dockerd needs root here (rootless docker is not set up by the tests)') }
  if (!registryProgram) return { skip: serviceUnavailable('registry', 'docker-registry is not on PATH (apt-get install docker-registry)') }

  const dir = await mkdtemp(path.join(tmpdir(), 'tekton-docker-'))
  const socket = path.join(dir, 'docker.sock')
  const dockerHost = `unix://${socket}`
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: dockerHost }
  delete env.DOCKER_CONTEXT
  const children: ChildProcess[] = []
  const stopAll = async () => {
    await Promise.all(children.map((child) => stopProcess(child.pid)))
    await rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined)
  }

  const docker: DockerServices['docker'] = (args, options = {}) =>
    new Promise((resolve, reject) => {
      const child = spawn(dockerPath, [...args], { env: options.env ?? env, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      child.on('error', reject)
      child.on('close', (code) => (code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`docker ${args.join(' ')} exited ${code}: ${stderr.trim()}`))))
      if (options.input !== undefined && child.stdin) {
        // A docker that exits before reading its input must not fail the test with EPIPE.
        child.stdin.on('error', () => undefined)
        child.stdin.end(options.input)
      }
    })

  // The registry first: it is ready in a fraction of a second, while dockerd takes seconds.
  const port = await freeLoopbackPort()
  const registry = `127.0.0.1:${port}`
  await writeFile(
    path.join(dir, 'registry.yml'),
    `version: 0.1\nlog: {level: error, accesslog: {disabled: true}}\nstorage:\n  filesystem: {rootdirectory: ${path.join(dir, 'registry-data')}}\n  delete: {enabled: true}\nhttp: {addr: "${registry}"}\n`,
  )
  const registryLog = path.join(dir, 'registry.log')
  const registryChild = spawn(registryProgram, ['serve', path.join(dir, 'registry.yml')], { stdio: ['ignore', (await open(registryLog, 'w')).fd, (await open(registryLog, 'a')).fd] })
  children.push(registryChild)

  const dockerdLog = path.join(dir, 'dockerd.log')
  const dockerdChild = spawn(
    dockerd,
    [
      '--data-root', path.join(dir, 'data'),
      '--exec-root', path.join(dir, 'exec'),
      '--pidfile', path.join(dir, 'dockerd.pid'),
      '-H', dockerHost,
      '--bridge=none', '--iptables=false', '--ip6tables=false', '--ip-masq=false', '--userland-proxy=false',
    ],
    { stdio: ['ignore', (await open(dockerdLog, 'w')).fd, (await open(dockerdLog, 'a')).fd] },
  )
  children.push(dockerdChild)

  const registryProblem = await waitFor(
    async () => {
      try {
        return (await fetch(`http://${registry}/v2/`)).ok
      } catch {
        return false
      }
    },
    registryChild,
    30_000,
  )
  if (registryProblem) {
    const reason = `docker-registry did not start: ${registryProblem} ${logTail(registryLog)}`
    await stopAll()
    return { skip: serviceUnavailable('registry', reason) }
  }
  const dockerProblem = await waitFor(() => spawnSync(dockerPath, ['version', '--format', '{{.Server.Version}}'], { env, stdio: 'ignore', timeout: 10_000 }).status === 0, dockerdChild, 90_000)
  if (dockerProblem) {
    const reason = `dockerd did not start: ${dockerProblem} ${logTail(dockerdLog)}`
    await stopAll()
    return { skip: serviceUnavailable('docker', reason) }
  }

  const buildMcpImage: DockerServices['buildMcpImage'] = async ({ repository, tag, serverName, version }) => {
    const context = await mkdtemp(path.join(dir, 'image-'))
    const rootfs = path.join(context, 'rootfs')
    await mkdir(path.join(rootfs, 'bin'), { recursive: true })
    await mkdir(path.join(rootfs, 'tmp'), { recursive: true })
    await copyFile(existsSync('/bin/busybox') ? '/bin/busybox' : '/usr/bin/busybox', path.join(rootfs, 'bin', 'busybox'))
    await chmod(path.join(rootfs, 'bin', 'busybox'), 0o755)
    for (const applet of ['sh', 'sed', 'printf', 'cat', 'ls', 'tr', 'touch', 'echo']) await symlink('busybox', path.join(rootfs, 'bin', applet))
    await writeFile(path.join(rootfs, 'bin', 'mcp-sh'), `${shMcpServer(repository, version ?? tag)}`, { mode: 0o755 })
    // `$@` reaches the server as ARGS: a tool reports it, proving packageArguments arrive as argv.
    await writeFile(path.join(rootfs, 'bin', 'entry'), '#!/bin/sh\nARGS="$*" exec /bin/mcp-sh\n', { mode: 0o755 })
    const labelLine = serverName === undefined ? '' : `LABEL io.modelcontextprotocol.server.name="${serverName}"\n`
    await writeFile(path.join(context, 'Dockerfile'), `FROM scratch\nCOPY rootfs/ /\n${labelLine}ENTRYPOINT ["/bin/entry"]\n`)
    const reference = `${registry}/${repository}:${tag}`
    await docker(['build', '-q', '-t', reference, context], { env: { ...env, DOCKER_BUILDKIT: '0' } })
    await docker(['push', '-q', reference])
    const inspected = await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', reference])
    const digests = JSON.parse(inspected.stdout) as string[]
    const digest = digests.find((entry) => entry.startsWith(`${registry}/${repository}@`))?.split('@')[1]
    if (!digest) throw new Error(`pushed ${reference} but the engine recorded no digest for it (${inspected.stdout.trim()})`)
    // Only the registry keeps it: installs must pull it.
    await docker(['image', 'rm', reference])
    await rm(context, { recursive: true, force: true })
    return { reference, digest }
  }

  return { services: { dockerHost, env, registry, dockerPath, docker, buildMcpImage, stop: stopAll } }
}
