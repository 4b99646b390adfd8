import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createHttpClient } from '@tekton/mcp-discovery'
import type { HttpClient, Package, ServerMetadata } from '@tekton/mcp-discovery'
import type { InstallSpec, LaunchSpec } from '@tekton/mcp-installation'

/** A real HTTP client with quick retries, so fault tests stay fast. */
export function quickHttp(): HttpClient {
  return createHttpClient({ backoffMs: 1, retries: 1, timeoutMs: 60_000 })
}

/** A temporary directory tree, removed by `cleanup`. */
export async function tempTree(prefix = 'tekton-python-'): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(path.join(tmpdir(), prefix))
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) }
}

/**
 * An environment with nothing pip would read from the real machine: no configuration file
 * (PIP_CONFIG_FILE=/dev/null), the loopback index, a temporary HOME and pip cache, and our PATH.
 */
export function isolatedEnv(root: string, indexUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: path.join(root, 'home'),
    PIP_CONFIG_FILE: '/dev/null',
    PIP_INDEX_URL: indexUrl,
    PIP_CACHE_DIR: path.join(root, 'pip-cache'),
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

export function pypiPackage(identifier: string, version?: string): Package {
  return { registryType: 'pypi', identifier, ...(version ? { version } : {}), transport: { type: 'stdio' } }
}

export function installSpec(identifier: string, options: { version?: string; allowScripts?: boolean } = {}): InstallSpec {
  const pkg = pypiPackage(identifier)
  const server: ServerMetadata = {
    ref: `pypi:${identifier}`,
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
      `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'installer-python-test', version: '0.0.0' } } })}\n`,
    )
  })
}
