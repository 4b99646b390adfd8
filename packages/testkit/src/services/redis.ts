/**
 * A real Redis for tests: Debian's `redis-server` on a free loopback port, in a temporary
 * directory, without persistence, stopped by its PID. When it cannot start (not installed, no
 * free port), `startRedis` returns `{ unavailable: reason }` from `serviceUnavailable`, so the
 * caller skips, or fails when TEKTON_MCP_REQUIRE_SERVICES names redis.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { serviceUnavailable } from './required'

export interface RedisService {
  /** `redis://127.0.0.1:<port>` */
  url: string
  port: number
  pid: number
  stop(): Promise<void>
}

/** A port nothing listens on at the moment (the kernel's choice for port 0). */
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

/** Resolves when `PING` on `port` answers `+PONG`, rejects after `timeoutMs`. */
async function waitForPong(port: number, timeoutMs: number, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const why = exited()
    if (why) throw new Error(why)
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'))
      socket.setTimeout(1000, () => socket.destroy())
      socket.once('data', (data) => {
        socket.destroy()
        resolve(data.toString().startsWith('+PONG'))
      })
      socket.once('error', () => resolve(false))
      socket.once('close', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`redis-server did not answer PING on port ${port} within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Starts `redis-server`; `{ unavailable }` (from `serviceUnavailable`) when it cannot. */
export async function startRedis(options: { command?: string; timeoutMs?: number } = {}): Promise<RedisService | { unavailable: string }> {
  const directory = await mkdtemp(path.join(tmpdir(), 'tekton-mcp-redis-'))
  try {
    const port = await freePort()
    const child = spawn(options.command ?? 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', directory], {
      cwd: directory,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let failure: string | undefined
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('error', (error) => (failure = `cannot run redis-server: ${error.message}`))
    child.once('exit', (code, signal) => (failure ??= `redis-server exited (${signal ?? code}) ${stderr.trim().slice(0, 300)}`))
    await waitForPong(port, options.timeoutMs ?? 20_000, () => failure)
    const pid = child.pid as number
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      pid,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve))
          process.kill(pid, 'SIGTERM')
          await exited
        }
        await rm(directory, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await rm(directory, { recursive: true, force: true })
    return { unavailable: serviceUnavailable('redis', error instanceof Error ? error.message : String(error)) }
  }
}
