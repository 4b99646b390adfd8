/**
 * Finding `node` and `npm` the way a shell would, on the PATH of the environment we were given
 * (not ours): desktop clients start servers without the user's shell, so the launch spec records
 * an absolute path, and that path must be the one the user's PATH picks.
 */
import { stat } from 'node:fs/promises'
import path from 'node:path'
import semver from 'semver'
import { findOnPath } from '@tekton/mcp-discovery/kit'
import type { RuntimeInfo } from '@tekton/mcp-installation'
import type { NodeInstallerExec } from './exec'

/** Remembers `node --version` per binary (path, size, modification time): a spawn costs ~40 ms. */
const versionCache = new Map<string, string>()

/**
 * The version of the node binary at `file` (`20.20.2`), from `node --version`; undefined when it
 * does not run or does not answer a version.
 */
export async function nodeVersionOf(file: string, exec: NodeInstallerExec, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<string | undefined> {
  let key: string
  try {
    const info = await stat(file)
    key = `${file}\0${info.size}\0${info.mtimeMs}`
  } catch {
    return undefined
  }
  const cached = versionCache.get(key)
  if (cached !== undefined) return cached
  // NODE_OPTIONS could make `node --version` load code; nothing else of the environment matters.
  const { NODE_OPTIONS: _ignored, ...quiet } = env
  const result = await exec(file, ['--version'], { cwd: path.dirname(file), env: quiet, timeoutMs: 15_000, ...(signal ? { signal } : {}) })
  const version = result.exitCode === 0 ? semver.valid(result.stdout.trim()) : null
  if (version === null) return undefined
  versionCache.set(key, version)
  return version
}

/** Where node was looked for and what was found. */
export interface NodeLookup {
  runtime?: RuntimeInfo
  /** What went wrong when `runtime` is absent, for a check's `found` text. */
  problem?: string
}

/** Finds node (`nodePath` when given, else on the PATH of `env`) and asks its version. */
export async function findNode(options: { nodePath?: string | undefined; env: NodeJS.ProcessEnv; exec: NodeInstallerExec; signal?: AbortSignal | undefined }): Promise<NodeLookup> {
  const file = options.nodePath ?? (await findOnPath('node', options.env))
  if (file === undefined) return { problem: 'node was not found on PATH' }
  const version = await nodeVersionOf(file, options.exec, options.env, options.signal)
  if (version === undefined) return { problem: `${file} did not answer \`--version\` with a version` }
  return { runtime: { name: 'node', path: file, version } }
}
