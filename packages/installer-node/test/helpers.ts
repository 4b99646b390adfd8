import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createHttpClient } from '@tekton/mcp-discovery'
import type { HttpClient, Package, ServerMetadata } from '@tekton/mcp-discovery'
import type { InstallSpec, LaunchSpec } from '@tekton/mcp-installation'

/**
 * A real HTTP client with quick retries, so fault tests stay fast, and a minute per attempt: the
 * loopback fake answers at once, but a loaded machine can stall for seconds.
 */
export function quickHttp(): HttpClient {
  return createHttpClient({ backoffMs: 1, retries: 1, timeoutMs: 60_000 })
}

/** A temporary directory tree, removed by `cleanup`. */
export async function tempTree(prefix = 'tekton-node-'): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(path.join(tmpdir(), prefix))
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) }
}

/**
 * An environment with nothing npm would read from the real machine: a temporary HOME, user and
 * global config files inside `root` (absent unless written), the given npm cache, and our PATH.
 */
export function isolatedEnv(root: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: path.join(root, 'home'),
    npm_config_userconfig: path.join(root, 'home', '.npmrc'),
    npm_config_globalconfig: path.join(root, 'global', 'npmrc'),
    ...extra,
  }
}

/** A fresh, empty staging directory under `root`. */
export async function stagingIn(root: string, name = 'staging'): Promise<string> {
  const directory = path.join(root, name)
  await mkdir(directory, { recursive: true })
  return directory
}

export async function entries(directory: string): Promise<string[]> {
  return (await readdir(directory)).sort()
}

/** The package entry the service hands the installer. */
export function npmPackage(identifier: string, version?: string): Package {
  return { registryType: 'npm', identifier, ...(version ? { version } : {}), transport: { type: 'stdio' } }
}

export function installSpec(identifier: string, options: { version?: string; allowScripts?: boolean } = {}): InstallSpec {
  const pkg = npmPackage(identifier)
  const server: ServerMetadata = {
    ref: `npm:${identifier}`,
    name: identifier,
    description: 'test server',
    version: '0.0.0',
    packages: [pkg],
    remotes: [],
    capabilities: [],
    requirements: [],
    keywords: [],
    status: 'active',
    verified: [],
    sources: [],
  }
  return { server, package: pkg, ...(options.version ? { version: options.version } : {}), ...(options.allowScripts !== undefined ? { allowScripts: options.allowScripts } : {}) }
}

/**
 * Starts a launch spec as a client would (no shell, a minimal environment), sends MCP's
 * `initialize` over stdin and resolves with the first line the server answers, parsed.
 */
export function initialize(launch: LaunchSpec, timeoutMs = 120_000): Promise<{ result?: { serverInfo?: { name?: string; version?: string }; protocolVersion?: string }; error?: unknown }> {
  return new Promise((resolve, reject) => {
    const child = spawn(launch.command, launch.args, {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...launch.env },
      ...(launch.cwd ? { cwd: launch.cwd } : {}),
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
    })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`no answer to initialize within ${timeoutMs} ms; stderr: ${stderr}`))
    }, timeoutMs)
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const newline = stdout.indexOf('\n')
      if (newline < 0) return
      clearTimeout(timer)
      child.stdin.end()
      child.kill()
      try {
        resolve(JSON.parse(stdout.slice(0, newline)))
      } catch (error) {
        reject(error)
      }
    })
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('exit', (code) => {
      if (stdout.includes('\n')) return
      clearTimeout(timer)
      reject(new Error(`server exited with ${code} before answering; stderr: ${stderr}`))
    })
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'installer-node-test', version: '0.0.0' } } })}\n`,
    )
  })
}
