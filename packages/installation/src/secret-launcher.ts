/**
 * The secret launcher: what a client configuration runs instead of the server itself when the
 * client cannot take secrets by indirection (`${input:…}`, `${env:…}`). It is
 * `node <abs path>/launcher.js --home <data dir> <server>`: no secret in the client file, none
 * in argv. It reads the state and the secret store, then starts the server's recorded launch
 * with the allow-listed environment plus the configured and secret variables, with stdio
 * inherited (the client speaks MCP to the server directly), signals forwarded and the server's
 * exit status as its own.
 */
import { remoteClientTransport } from './remote-server'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { TektonError, toTektonError } from '@tekton/mcp-discovery'
import { tektonPaths } from '@tekton/mcp-discovery/paths'
import { buildServerEnvironment } from './environment'
import { installationLayout } from './layout'
import { maskSecretInputs, secretInputsOf } from './secret-inputs'
import { secretStoreFile } from './secret-store'
import { effectiveLaunch } from './server-configuration'
import { requireRecord } from './server-view'
import { createStateStore } from './state'
import type { InstalledServer } from './state'

/** The launcher script shipped beside this module (`dist/launcher.js`). */
export function secretLauncherScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const sibling = path.join(here, 'launcher.js')
  // Run from the sources (tests), the built script is in dist/.
  return existsSync(sibling) ? sibling : path.join(here, '..', 'dist', 'launcher.js')
}

export interface SecretLauncherOptions {
  /** The data directory holding the state and the secret store. @default tektonPaths(env).data */
  home?: string
  /** Used for the default `home`. @default process.env */
  env?: NodeJS.ProcessEnv
  /** The Node.js that runs the launcher. @default process.execPath (absolute: clients do not inherit PATH) */
  nodePath?: string
}

/**
 * The command and arguments a client entry runs to start `record` with its secrets added by the
 * launcher: absolute paths only, the server's name and the data directory as the only arguments.
 */
export function secretLauncherEntry(record: Pick<InstalledServer, 'name'>, options: SecretLauncherOptions = {}): { command: string; args: string[] } {
  const home = path.resolve(options.home ?? tektonPaths(options.env ?? process.env).data)
  return { command: options.nodePath ?? process.execPath, args: [secretLauncherScript(), '--home', home, record.name] }
}

/** `launcher.js [--home <dir>] <server>` → the data directory and the server's name. */
export function parseLauncherArguments(argv: readonly string[], env: NodeJS.ProcessEnv): { home: string; server: string } {
  let home: string | undefined
  const rest: string[] = []
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index]!
    if (argument === '--home') home = argv[++index]
    else if (argument.startsWith('--home=')) home = argument.slice('--home='.length)
    else rest.push(argument)
  }
  if (rest.length !== 1 || home === '') {
    throw new TektonError('E_USAGE', 'usage: tekton-mcp-launch [--home <data directory>] <server>', { hint: 'Client entries written by tekton-mcp name the server and the data directory' })
  }
  return { home: path.resolve(home ?? tektonPaths(env).data), server: rest[0]! }
}

/**
 * Starts the server named in `argv` as recorded, with its secrets, and resolves with the exit
 * status to leave with (a signal that ended the server is re-raised on ourselves by the bin).
 */
export async function runSecretLauncher(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const { home, server } = parseLauncherArguments(argv, env)
  const layout = installationLayout(home)
  const state = await createStateStore({ file: layout.stateFile, secretsFile: secretStoreFile(home) }).read()
  const record = requireRecord(state, server)
  if (record.remote) return bridgeRemote(record.name, record.remote, maskSecretInputs(record.remote.url, secretInputsOf(record.configuration)))
  const launch = effectiveLaunch(record, record.activeVersion)
  const environment = buildServerEnvironment(env, {}, launch.env)
  const child = spawn(launch.command, launch.args, { stdio: 'inherit', env: environment, ...(launch.cwd === undefined ? {} : { cwd: launch.cwd }) })
  const forwarded: NodeJS.Signals[] = process.platform === 'win32' ? ['SIGINT', 'SIGTERM'] : ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']
  const forward = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
  }
  for (const signal of forwarded) process.on(signal, forward)
  try {
    return await new Promise((resolve, reject) => {
      child.once('error', (error) =>
        reject(new TektonError('E_LAUNCH_FAILED', `could not start ${record.name}: ${(error as NodeJS.ErrnoException).code ?? error.message}`, { hint: 'Check it: tekton-mcp verify ' + record.name })),
      )
      child.once('exit', (code, signal) => resolve({ code, signal }))
    })
  } finally {
    for (const signal of forwarded) process.off(signal, forward)
  }
}

/**
 * A remote server for a client that starts only stdio servers: every JSON-RPC message read on
 * stdin goes to the remote over its transport (with its headers, secret ones from the store),
 * and every message from the remote is written to stdout, until either side closes.
 */
async function bridgeRemote(name: string, remote: { transport: string; url: string; headers: Record<string, string> }, shownUrl: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js')
  const upstream = await remoteClientTransport({ transport: remote.transport === 'sse' ? 'sse' : 'streamable-http', url: remote.url, headers: { ...remote.headers } })
  const local = new StdioServerTransport()
  return new Promise((resolve) => {
    let done = false
    const finish = (code: number, message?: string) => {
      if (done) return
      done = true
      if (message) process.stderr.write(`tekton-mcp-launch: ${name}: ${message}\n`)
      void Promise.allSettled([upstream.close(), local.close()]).then(() => resolve({ code, signal: null }))
    }
    local.onmessage = (message) => {
      upstream.send(message).catch((error: unknown) => finish(1, `the remote server at ${shownUrl} failed: ${error instanceof Error ? error.message : String(error)}`))
    }
    upstream.onmessage = (message) => {
      void local.send(message)
    }
    local.onclose = () => finish(0)
    upstream.onclose = () => finish(0)
    upstream.onerror = (error) => finish(1, `the remote server at ${shownUrl} failed: ${error.message}`)
    void upstream.start().then(() => local.start()).catch((error: unknown) => finish(1, `could not reach ${shownUrl}: ${error instanceof Error ? error.message : String(error)}`))
  })
}

/** The bin's main: run, and leave as the server left; a launcher failure is one line on stderr. */
export async function secretLauncherMain(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  try {
    const { code, signal } = await runSecretLauncher(argv)
    if (signal) {
      process.kill(process.pid, signal)
      return
    }
    process.exitCode = code ?? 1
  } catch (error) {
    const failure = toTektonError(error)
    process.stderr.write(`tekton-mcp-launch: ${failure.code}: ${failure.message}${failure.hint ? `\n  ${failure.hint}` : ''}\n`)
    process.exitCode = failure.code === 'E_LAUNCH_FAILED' ? 127 : 1
  }
}
