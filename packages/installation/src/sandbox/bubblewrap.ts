/**
 * The bubblewrap sandbox for Node and Python servers, as a launch spec: `bwrap <flags> -- <the
 * server's command> <its arguments>`. It lives in the command line itself, not in how we spawn,
 * so everything that starts a server from its record (our handshake, a client's config entry,
 * Ergon) starts it inside the same sandbox, and the record shows exactly what isolates it.
 *
 * What the flags make: new user, mount, pid, ipc, uts, cgroup and network namespaces; the
 * process dies with its parent and gets a session of its own (no TIOCSTI into the terminal);
 * the system directories (/usr, /etc, the /lib family) and the runtime's own prefix read-only;
 * the installed files read-only; a private, empty /tmp; a per-server data directory writable
 * and named HOME, so `~` is that directory and the real home is simply not there; no network
 * at all (loopback included: a new network namespace has only its own `lo`) unless granted.
 * Everything else of the host (/home, /root, /run, /var, /srv, /mnt, /media, /opt, other
 * users' files, the docker socket) is absent from the sandbox's filesystem.
 *
 * Not `--clearenv`: the variables a server is configured with (API tokens) travel in its
 * environment, never in its command line, where any process and every client config file
 * would show them. Whoever starts the server gives it its environment (ours is the allow-list
 * plus the configured variables); inside, HOME and TMPDIR are replaced.
 */
import { lstat, readlink, realpath } from 'node:fs/promises'
import path from 'node:path'
import { TektonError } from '@tekton/mcp-discovery'
import type { LaunchSpec } from '../spec/installer'

/** What a launch spec records about the sandbox it runs in (see `LaunchSpec.sandbox`). */
export interface LaunchSandbox {
  kind: 'bubblewrap'
  /** Whether the server may use the network (a shared network namespace). */
  network: boolean
  /** The paths it may write, besides its private /tmp: its data directory. */
  writable: string[]
}

/** Options of `bubblewrapLaunch`. */
export interface BubblewrapOptions {
  /** Absolute path of `bwrap`. */
  bubblewrapPath: string
  /** Share the host's network (else a network namespace of its own, with nothing in it). @default false */
  network?: boolean
  /** The installed files (the version directory): bound read-only. */
  installDirectory: string
  /** The server's own data directory: bound writable, and HOME inside. Must exist when it starts. */
  dataDirectory: string
  /**
   * The user's home as the parent sees it: hidden (an empty tmpfs) should it lie under a
   * directory bound whole, e.g. a home under /usr or /etc. Elsewhere it is absent anyway.
   */
  home?: string
  /**
   * The host directories bound read-only (or recreated as the same symlink) when they exist.
   * @default systemDirectories
   */
  systemDirectories?: readonly string[]
}

/** The host directories a sandboxed runtime needs: programs, libraries, configuration (TLS roots, users, DNS). */
export const systemDirectories: readonly string[] = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc']

/** Flags every bubblewrap launch starts with; `checkSandboxedLaunch` insists on each. */
export const requiredBubblewrapFlags: readonly string[] = ['--unshare-all', '--die-with-parent', '--new-session']

/** Flags that would take away what the sandbox gives: never in a launch we recorded. */
const forbiddenBubblewrapFlags: ReadonlySet<string> = new Set(['--dev-bind', '--dev-bind-try', '--cap-add', '--share-net-ns', '--userns', '--userns2', '--pidns', '--bind-fd', '--ro-bind-fd', '--exec-label', '--file-label', '--as-pid-1', '--disable-userns'])

/** Where the bwrap flags end and the server's own command line begins. */
const separator = '--'

function isInside(file: string, directory: string): boolean {
  const relative = path.relative(directory, file)
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
}

/**
 * The directory to bind read-only so the runtime runs inside: for `/opt/node-22/bin/node` its
 * prefix `/opt/node-22` (the runtime's own libraries live there); nothing when the runtime's
 * real file is under a system directory or the install (a venv's `python` is a symlink to the
 * interpreter it was made with, so it is followed).
 */
async function runtimeRoot(command: string, installDirectory: string, system: readonly string[]): Promise<string | undefined> {
  const real = await realpath(command).catch(() => path.resolve(command))
  if (isInside(real, installDirectory) || system.some((directory) => isInside(real, directory))) return undefined
  const parent = path.dirname(real)
  const prefix = path.basename(parent) === 'bin' ? path.dirname(parent) : parent
  return prefix === path.parse(prefix).root ? parent : prefix
}

/**
 * Wraps `launch` in bubblewrap (see the module comment). The result's `command` is bwrap, its
 * `args` the flags, `--`, then the original command and arguments, so arguments appended later
 * (the configured ones) reach the server; `sandbox` records the grant.
 */
export async function bubblewrapLaunch(launch: LaunchSpec, options: BubblewrapOptions): Promise<LaunchSpec> {
  if (!path.isAbsolute(options.bubblewrapPath) || !path.isAbsolute(options.installDirectory) || !path.isAbsolute(options.dataDirectory)) {
    throw new TektonError('E_CONFIG', 'bubblewrapLaunch: bubblewrapPath, installDirectory and dataDirectory must be absolute paths')
  }
  if (launch.sandbox) throw new TektonError('E_INTERNAL', 'bubblewrapLaunch: the launch spec is sandboxed already')
  const network = options.network === true
  const system = options.systemDirectories ?? systemDirectories
  const installDirectory = path.resolve(options.installDirectory)
  const dataDirectory = path.resolve(options.dataDirectory)
  const flags: string[] = [...requiredBubblewrapFlags, network ? '--share-net' : '--unshare-net']
  const bound: string[] = []
  for (const directory of system) {
    const info = await lstat(directory).catch(() => undefined)
    if (!info) continue
    if (info.isSymbolicLink()) flags.push('--symlink', await readlink(directory), directory)
    else if (info.isDirectory()) {
      flags.push('--ro-bind', directory, directory)
      bound.push(directory)
    }
  }
  // Name resolution with systemd-resolved goes through a stub file under /run.
  if (network) flags.push('--ro-bind-try', '/run/systemd/resolve', '/run/systemd/resolve')
  flags.push('--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp')
  if (options.home && path.isAbsolute(options.home) && bound.some((directory) => isInside(path.resolve(options.home as string), directory))) {
    flags.push('--tmpfs', path.resolve(options.home))
  }
  const runtime = await runtimeRoot(launch.command, installDirectory, bound)
  if (runtime) flags.push('--ro-bind', runtime, runtime)
  flags.push('--ro-bind', installDirectory, installDirectory)
  flags.push('--bind', dataDirectory, dataDirectory)
  flags.push('--setenv', 'HOME', dataDirectory, '--setenv', 'TMPDIR', '/tmp')
  flags.push('--chdir', launch.cwd ?? dataDirectory)
  return {
    command: options.bubblewrapPath,
    args: [...flags, separator, launch.command, ...launch.args],
    env: { ...launch.env },
    ...(launch.cwd === undefined ? {} : { cwd: launch.cwd }),
    sandbox: { kind: 'bubblewrap', network, writable: [dataDirectory] },
  }
}

/** The server's own command line inside a sandboxed launch spec (the spec itself when it is not sandboxed). */
export function unwrapLaunch(launch: LaunchSpec): LaunchSpec {
  if (!launch.sandbox) return launch
  const index = launch.args.indexOf(separator)
  const inner = index >= 0 ? launch.args.slice(index + 1) : []
  const { sandbox: _sandbox, ...rest } = launch
  return { ...rest, command: inner[0] ?? '', args: inner.slice(1) }
}

/**
 * What is wrong with a recorded sandboxed launch: each problem one sentence (none: the sandbox
 * is still what was recorded). It checks the flags, not a byte-for-byte copy, so a record made
 * on a host with other system directories still passes: the namespaces and `--die-with-parent`
 * are there, the network is as granted, nothing is bound writable but the recorded paths, and
 * no flag that hands back a capability, a device or a namespace of the host is present.
 */
export function checkSandboxedLaunch(launch: LaunchSpec, expected: { writableUnder?: string } = {}): string[] {
  const sandbox = launch.sandbox
  if (!sandbox) return []
  const problems: string[] = []
  if (sandbox.kind !== 'bubblewrap') return [`the recorded sandbox ${String(sandbox.kind)} is not one this version knows`]
  if (path.basename(launch.command) !== 'bwrap') problems.push(`the command ${launch.command} is not bubblewrap`)
  const index = launch.args.indexOf(separator)
  if (index < 0) return [...problems, 'the sandbox flags do not end with --, so the server command cannot be told apart']
  const flags = launch.args.slice(0, index)
  for (const flag of requiredBubblewrapFlags) if (!flags.includes(flag)) problems.push(`the sandbox flag ${flag} is missing`)
  if (sandbox.network && !flags.includes('--share-net')) problems.push('the network was granted but --share-net is missing')
  if (!sandbox.network && flags.includes('--share-net')) problems.push('--share-net is present although no network was granted')
  if (!sandbox.network && !flags.includes('--unshare-net')) problems.push('--unshare-net is missing although no network was granted')
  for (const flag of flags) if (forbiddenBubblewrapFlags.has(flag)) problems.push(`the sandbox flag ${flag} is not one tekton-mcp records`)
  for (let position = 0; position < flags.length; position += 1) {
    const flag = flags[position]
    if (flag === '--bind' || flag === '--bind-try') {
      const destination = flags[position + 2] ?? ''
      if (!sandbox.writable.includes(destination)) problems.push(`${destination} is bound writable but is not among the recorded writable paths`)
      position += 2
    }
  }
  if (expected.writableUnder !== undefined) {
    for (const writable of sandbox.writable) {
      if (!isInside(path.resolve(writable), path.resolve(expected.writableUnder))) problems.push(`the writable path ${writable} is outside ${expected.writableUnder}`)
    }
  }
  return problems
}
