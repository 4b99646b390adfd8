/**
 * Which sandbox this machine offers, found by trying it: bubblewrap being installed says
 * nothing about whether it works, because unprivileged user namespaces may be disabled (a
 * sysctl, AppArmor's restriction on Ubuntu 24.04, a container without them). So the probe runs
 * `bwrap --unshare-all --ro-bind / / true` and believes only a zero exit.
 *
 * `unshare(1)` is not offered as a fallback: on its own it can give a process new namespaces but
 * cannot make the root read-only or hide HOME without running a mount script through a shell;
 * a "sandbox" that only cuts the network would claim more than it gives.
 */
import { findOnPath } from '@tekton/mcp-discovery/kit'
import { TektonError } from '@tekton/mcp-discovery'
import { buildServerEnvironment } from '../environment'
import { runProgram } from '../run-program'
import type { ProgramRunner } from '../run-program'

/** What this machine offers. */
export type SandboxAvailability =
  | { kind: 'bubblewrap'; /** Absolute path of bwrap. */ path: string; version?: string }
  | { kind: 'none'; /** Why not, one sentence: "macOS has no sandbox tekton-mcp can use", ... */ reason: string }

/** Finds out what this machine offers (see `probeSandbox`); injectable so tests can say "none". */
export type SandboxProbe = (context: { env: NodeJS.ProcessEnv; signal?: AbortSignal }) => Promise<SandboxAvailability>

/** Options of `createSandboxProbe`. */
export interface SandboxProbeOptions {
  /** @default process.platform */
  platform?: NodeJS.Platform
  /** bwrap to use. @default `bwrap` on the PATH of the environment probed */
  bubblewrapPath?: string
  /** @default runProgram */
  run?: ProgramRunner
}

/** How the `auto` and `bubblewrap` modes read: `off`, `auto` (when available), `bubblewrap` (or fail). */
export type SandboxMode = 'off' | 'auto' | 'bubblewrap'

/** The sandbox modes, for option parsers. */
export const sandboxModes: readonly SandboxMode[] = ['off', 'auto', 'bubblewrap']

/** Checks a mode given by a user or a caller (`E_INVALID_INPUT` names the choices). */
export function checkSandboxMode(mode: unknown, origin: string): SandboxMode {
  if (typeof mode === 'string' && (sandboxModes as readonly string[]).includes(mode)) return mode as SandboxMode
  throw new TektonError('E_INVALID_INPUT', `${origin} must be one of ${sandboxModes.join(', ')}, not ${JSON.stringify(mode)}`)
}

/**
 * A probe that tries bubblewrap once per bwrap path and remembers the answer for the process
 * (a machine does not gain or lose namespaces between two installs).
 */
export function createSandboxProbe(options: SandboxProbeOptions = {}): SandboxProbe {
  const platform = options.platform ?? process.platform
  const run = options.run ?? runProgram
  const answers = new Map<string, Promise<SandboxAvailability>>()
  return async ({ env, signal }) => {
    if (platform !== 'linux') {
      const name = platform === 'darwin' ? 'macOS' : platform === 'win32' ? 'Windows' : platform
      return { kind: 'none', reason: `no sandbox on this platform: ${name} has none tekton-mcp can use (bubblewrap is Linux only)` }
    }
    const bubblewrap = options.bubblewrapPath ?? (await findOnPath('bwrap', env))
    if (!bubblewrap) return { kind: 'none', reason: 'no sandbox on this platform: bwrap (bubblewrap) is not installed' }
    let answer = answers.get(bubblewrap)
    if (!answer) {
      answer = (async (): Promise<SandboxAvailability> => {
        const environment = buildServerEnvironment(env, {}, {})
        const tried = await run(bubblewrap, ['--unshare-all', '--ro-bind', '/', '/', 'true'], { cwd: '/', env: environment, timeoutMs: 15_000, ...(signal ? { signal } : {}) })
        if (tried.exitCode !== 0) {
          const said = (tried.stderr.trim().split('\n').pop() ?? '').slice(0, 200)
          answers.delete(bubblewrap)
          return { kind: 'none', reason: `no sandbox on this platform: bwrap cannot create namespaces here (${said || tried.failure || `exit ${String(tried.exitCode)}`})` }
        }
        const version = await run(bubblewrap, ['--version'], { cwd: '/', env: environment, timeoutMs: 15_000 })
        const found = /(\d+\.\d+(?:\.\d+)?)/.exec(version.stdout)?.[1]
        return { kind: 'bubblewrap', path: bubblewrap, ...(found ? { version: found } : {}) }
      })()
      answers.set(bubblewrap, answer)
    }
    return answer
  }
}

/** What a requested mode comes to on this machine. */
export type SandboxDecision =
  | { use: 'bubblewrap'; path: string; network: boolean; note: string }
  | { use: 'none'; note?: string }

/**
 * Turns the requested mode into what will happen: `off` → none; `auto` → bubblewrap when it
 * works, else none with the reason as a note ("no sandbox on this platform: ..."); `bubblewrap`
 * → bubblewrap or `E_SANDBOX_UNAVAILABLE`.
 */
export function decideSandbox(mode: SandboxMode, network: boolean, availability: SandboxAvailability | undefined): SandboxDecision {
  if (mode === 'off') return { use: 'none' }
  if (availability?.kind === 'bubblewrap') {
    return {
      use: 'bubblewrap',
      path: availability.path,
      network,
      note: `Runs in a bubblewrap sandbox${availability.version ? ` (bwrap ${availability.version})` : ''}: read-only system and install, its own data directory as HOME, ${network ? 'network granted' : 'no network (not even loopback)'}`,
    }
  }
  const reason = availability?.kind === 'none' ? availability.reason : 'no sandbox on this platform'
  if (mode === 'bubblewrap') {
    throw new TektonError('E_SANDBOX_UNAVAILABLE', `A bubblewrap sandbox was asked for, but ${reason}`, {
      hint: 'On Linux install bubblewrap (Debian and Ubuntu: apt install bubblewrap) and allow unprivileged user namespaces; or use the auto mode, which installs without a sandbox where none exists, or turn the sandbox off',
    })
  }
  return { use: 'none', note: `${reason[0]?.toUpperCase() ?? ''}${reason.slice(1)}: the server runs with your user's access` }
}
