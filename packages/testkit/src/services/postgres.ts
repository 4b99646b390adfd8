/**
 * A real PostgreSQL server for tests: `initdb` into a temporary directory, `pg_ctl start` on a
 * free loopback port (the Unix socket in the same directory, so nothing outside it is touched),
 * trust authentication for one user, fsync off. Stopped by the postmaster's PID and removed in
 * `stop()`. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user (Debian's
 * package creates it) through `runuser`.
 *
 * When it cannot start, `startPostgres` returns the reason from `serviceUnavailable('postgres')`
 * (which throws instead when TEKTON_MCP_REQUIRE_SERVICES names postgres), for `describe.skip`.
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, realpathSync } from 'node:fs'
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { serviceUnavailable } from './required'

const run = promisify(execFile)

export interface PostgresServer {
  /** `postgresql://tekton@127.0.0.1:<port>/postgres` */
  readonly url: string
  readonly port: number
  readonly user: string
  /** The data directory (also holds the socket and the log). */
  readonly directory: string
  /** The postmaster's PID. */
  readonly pid: number
  /** Creates a database and returns its URL (each test file or test gets its own). */
  createDatabase(name: string): Promise<string>
  /** Stops the server (by PID, fast shutdown) and removes its directory. */
  stop(): Promise<void>
}

/**
 * Where initdb, pg_ctl and createdb are: the directory of the initdb on PATH (through its links,
 * since PATH may hold links to only some of them), else Debian's versioned directory.
 */
function postgresBinaries(env: NodeJS.ProcessEnv): string | null {
  for (const directory of (env.PATH ?? '').split(path.delimiter)) {
    if (directory && existsSync(path.join(directory, 'initdb'))) return path.dirname(realpathSync(path.join(directory, 'initdb')))
  }
  const debian = '/usr/lib/postgresql'
  if (existsSync(debian)) {
    const versions = readdirSync(debian).sort((left, right) => Number(right) - Number(left))
    for (const version of versions) if (existsSync(path.join(debian, version, 'bin', 'initdb'))) return path.join(debian, version, 'bin')
  }
  return null
}

async function freePort(): Promise<number> {
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

async function userIds(name: string): Promise<{ uid: number; gid: number } | null> {
  try {
    const uid = Number((await run('id', ['-u', name])).stdout.trim())
    const gid = Number((await run('id', ['-g', name])).stdout.trim())
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null
  } catch {
    return null
  }
}

/**
 * Starts a PostgreSQL server, or returns why it could not (see the module comment). Tries a few
 * ports: another process may take the free port between the check and the start.
 */
export async function startPostgres(options: { env?: NodeJS.ProcessEnv } = {}): Promise<PostgresServer | string> {
  const env = options.env ?? process.env
  const binaries = postgresBinaries(env)
  if (!binaries) return serviceUnavailable('postgres', 'initdb and pg_ctl are neither on PATH nor in /usr/lib/postgresql/*/bin', env)
  const asRoot = process.getuid?.() === 0
  const owner = asRoot ? await userIds('postgres') : null
  if (asRoot && !owner) return serviceUnavailable('postgres', 'running as root and there is no postgres user to run the server as', env)
  const command = (program: string, args: string[]): [string, string[]] =>
    owner ? ['runuser', ['-u', 'postgres', '--', path.join(binaries, program), ...args]] : [path.join(binaries, program), args]

  const directory = await mkdtemp(path.join(os.tmpdir(), 'tekton-postgres-'))
  const data = path.join(directory, 'data')
  const user = 'tekton'
  try {
    if (owner) await chown(directory, owner.uid, owner.gid)
    const [initdb, initdbArgs] = command('initdb', ['-D', data, '-U', user, '--auth=trust', '-E', 'UTF8', '--no-locale', '-N'])
    await run(initdb, initdbArgs, { env: { ...env, LC_ALL: 'C' } })
    let lastError: unknown
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const port = await freePort()
      const serverOptions = `-c listen_addresses=127.0.0.1 -p ${port} -k ${directory} -c fsync=off -c synchronous_commit=off -c max_connections=50`
      const [pgCtl, pgCtlArgs] = command('pg_ctl', ['-D', data, '-o', serverOptions, '-l', path.join(directory, 'server.log'), '-w', '-t', '120', 'start'])
      try {
        await run(pgCtl, pgCtlArgs, { env: { ...env, LC_ALL: 'C' } })
      } catch (error) {
        lastError = error
        continue
      }
      const pid = Number((await readFile(path.join(data, 'postmaster.pid'), 'utf8')).split('\n')[0])
      const url = `postgresql://${user}@127.0.0.1:${port}/postgres`
      return {
        url,
        port,
        user,
        directory,
        pid,
        async createDatabase(name) {
          if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`createDatabase: ${name} is not a plain lower-case identifier`)
          await run(path.join(binaries, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', user, name], { env: { ...env, LC_ALL: 'C' } })
          return `postgresql://${user}@127.0.0.1:${port}/${name}`
        },
        async stop() {
          try {
            process.kill(pid, 'SIGINT')
          } catch {
            // Already gone.
          }
          // Wait for the postmaster to exit (it removes its pid file), at most a generous while.
          for (let waited = 0; waited < 600 && isAlive(pid); waited += 1) await new Promise((resolve) => setTimeout(resolve, 100))
          if (isAlive(pid)) process.kill(pid, 'SIGKILL')
          await rm(directory, { recursive: true, force: true })
        },
      }
    }
    const log = await readFile(path.join(directory, 'server.log'), 'utf8').catch(() => '')
    throw new Error(`pg_ctl start failed: ${lastError instanceof Error ? lastError.message : String(lastError)}\n${log.slice(-2000)}`)
  } catch (error) {
    await rm(directory, { recursive: true, force: true })
    return serviceUnavailable('postgres', error instanceof Error ? error.message : String(error), env)
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
