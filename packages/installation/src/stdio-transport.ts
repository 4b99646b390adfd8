/**
 * Our own stdio transport for the SDK client, for two things the SDK's `StdioClientTransport`
 * does not give: the server runs in a process group of its own (so the handshake can stop
 * everything it started, not just its first process), and lines on stdout that are not JSON-RPC
 * are counted and quoted instead of only being passed to `onerror`. Like the SDK's transport, a
 * line that does not parse is skipped and reading goes on: a server printing a banner before it
 * speaks JSON-RPC works in every MCP client, so the handshake warns instead of failing.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { PassThrough } from 'node:stream'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'

/** What the server wrote on stdout that is not a JSON-RPC message. */
export interface StdoutNoise {
  /** How many such lines. */
  lines: number
  /** The first one, cut to `maxQuotedLength` characters. */
  firstLine: string
}

export interface GroupedStdioParameters {
  command: string
  args: readonly string[]
  /** The complete environment (nothing of this process's is added). */
  env: Record<string, string>
  cwd?: string
  /** Parses one line into a JSON-RPC message, throwing when it is not one. */
  parseMessage: (line: string) => JSONRPCMessage
  /** Most bytes buffered without a newline. @default 10 MiB, the SDK's limit */
  maxBufferSize?: number
}

const maxQuotedLength = 200

/** A stdio client transport whose server leads its own process group (POSIX; a plain child on Windows). */
export class GroupedStdioTransport implements Transport {
  onclose?: () => void
  onerror?: (error: Error) => void
  onmessage?: (message: JSONRPCMessage) => void
  /** The protocol version agreed in initialize (the client tells the transport). */
  protocolVersion: string | undefined
  child: ChildProcess | undefined
  exitStatus: { code: number | null; signal: string | null } | undefined
  /** Undefined while stdout has carried only JSON-RPC. */
  noise: StdoutNoise | undefined
  /** The server's stderr, available before `start` so no early line is lost. */
  readonly stderr = new PassThrough()
  private buffer: Buffer | undefined
  private closed = false
  private readonly exitListeners: Array<() => void> = []

  constructor(private readonly parameters: GroupedStdioParameters) {}

  /** Whether the server runs as the leader of its own group (so `-pid` names the group). */
  get ownsProcessGroup(): boolean {
    return process.platform !== 'win32'
  }

  start(): Promise<void> {
    if (this.child) throw new Error('GroupedStdioTransport already started')
    return new Promise((resolve, reject) => {
      const child = spawn(this.parameters.command, [...this.parameters.args], {
        env: this.parameters.env,
        stdio: ['pipe', 'pipe', 'pipe'],
        shell: false,
        windowsHide: true,
        detached: this.ownsProcessGroup,
        ...(this.parameters.cwd === undefined ? {} : { cwd: this.parameters.cwd }),
      })
      this.child = child
      child.on('error', (error) => {
        reject(error)
        this.onerror?.(error)
      })
      child.on('spawn', () => resolve())
      child.once('exit', (code, signal) => {
        this.exitStatus = { code, signal }
        for (const listener of this.exitListeners) listener()
      })
      child.on('close', () => this.finish())
      child.stdin?.on('error', (error) => this.onerror?.(error))
      child.stdout?.on('data', (chunk: Buffer) => this.receive(chunk))
      child.stdout?.on('error', (error) => this.onerror?.(error))
      child.stderr?.pipe(this.stderr)
    })
  }

  onExit(listener: () => void): void {
    this.exitListeners.push(listener)
  }

  setProtocolVersion(version: string): void {
    this.protocolVersion = version
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.child?.stdin
      if (!stdin || this.closed) {
        reject(new Error('Not connected'))
        return
      }
      if (stdin.write(`${JSON.stringify(message)}\n`)) resolve()
      else stdin.once('drain', resolve)
    })
  }

  /** Closes the server's stdin, the polite way to ask a stdio server to stop; the caller stops the rest. */
  async close(): Promise<void> {
    try {
      this.child?.stdin?.end()
    } catch {
      // Already gone.
    }
    this.finish()
  }

  private finish(): void {
    if (this.closed) return
    this.closed = true
    this.buffer = undefined
    this.onclose?.()
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return
    this.buffer = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk
    const limit = this.parameters.maxBufferSize ?? 10 * 1024 * 1024
    for (;;) {
      const newline = this.buffer.indexOf('\n')
      if (newline < 0) break
      const line = this.buffer.toString('utf8', 0, newline).replace(/\r$/, '')
      this.buffer = this.buffer.subarray(newline + 1)
      if (line.trim() === '') continue
      let message: JSONRPCMessage
      try {
        message = this.parameters.parseMessage(line)
      } catch {
        this.noise = this.noise
          ? { ...this.noise, lines: this.noise.lines + 1 }
          : { lines: 1, firstLine: line.length > maxQuotedLength ? `${line.slice(0, maxQuotedLength)}…` : line }
        continue
      }
      this.onmessage?.(message)
      if (this.closed) return
    }
    if (this.buffer.length > limit) {
      this.buffer = undefined
      this.onerror?.(new Error(`the server wrote more than ${limit} bytes on stdout without a newline`))
    }
  }
}
