/**
 * The proof that an installed server works: start it, speak MCP with the official SDK client
 * over stdio (initialize, then tools/list, resources/list and prompts/list where advertised),
 * record what it offers, and stop it. Whatever happens, the process is gone afterwards, and so
 * is everything it started (it runs in a process group of its own; see `stop`).
 *
 * It judges like a client: fatal are an exit, a hang, no answer to initialize and a failed
 * tools/list when tools are advertised. A client still shows a server whose resources/list or
 * prompts/list answers an error, or that prints a banner on stdout, so those are warnings on
 * the result, kept in the installed record.
 */
import type { ChildProcess } from 'node:child_process'
import type { Stream } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'
import { TektonError, redact } from '@tekton/mcp-discovery'
import type { LaunchSpec } from './spec/installer'
import { HandshakeError } from './errors'
import { buildServerEnvironment, redactSecretValues } from './environment'
import { formatCommandLine } from './launch'
import { processTreeOf, readProcessTable, signalQuietly } from './process-tree'
import { GroupedStdioTransport } from './stdio-transport'
import type { StdoutNoise } from './stdio-transport'
import { recordTool } from './tools'
import type { RecordedTool } from './tools'

/** A resource a server listed. */
export interface RecordedResource {
  uri: string
  name: string
  title?: string
  description?: string
  mimeType?: string
}

/** A prompt a server listed. */
export interface RecordedPrompt {
  name: string
  title?: string
  description?: string
  arguments?: Array<{ name: string; description?: string; required?: boolean }>
}

/**
 * Something a client would put up with, but a person should know: the server still works.
 * `resources-list-failed` / `prompts-list-failed`: it advertised the capability and answered the
 * list with a JSON-RPC error (`code`), e.g. a database server whose database is not there yet.
 * `stdout-noise`: lines on stdout that are not JSON-RPC (`lines`, the first quoted in `line`),
 * which clients skip. `stderr-output`: it wrote to stderr during the handshake (`lines`, first in `line`).
 */
export interface HandshakeWarning {
  /** One of the kinds above; a string, since later versions may add kinds that older readers keep. */
  kind: 'resources-list-failed' | 'prompts-list-failed' | 'stdout-noise' | 'stderr-output' | (string & {})
  /** One sentence, for people. */
  message: string
  /** The JSON-RPC error code of a failed list. */
  code?: number
  /** How many lines (stdout noise, stderr output). */
  lines?: number
  /** The first offending line, truncated. */
  line?: string
}

/** What a handshake found: who the server says it is, what it offers, how long it took. */
export interface HandshakeResult {
  serverInfo: { name: string; version: string; title?: string }
  /** The protocol version the server agreed to. */
  protocolVersion: string
  /** The capabilities it advertised, as sent. */
  capabilities: Record<string, unknown>
  instructions?: string
  tools: RecordedTool[]
  resources: RecordedResource[]
  prompts: RecordedPrompt[]
  /** Lists cut short at `maxItems` or `maxPages` (a server paging forever). */
  truncated?: Array<'tools' | 'resources' | 'prompts'>
  /** What was odd but not fatal (absent when nothing was). */
  warnings?: HandshakeWarning[]
  durationMs: number
  /** When the handshake finished (ISO 8601). */
  completedAt: string
}

export interface HandshakeOptions {
  /** The whole handshake (start, initialize, every list) must finish within this. @default 30000 */
  timeoutMs?: number
  /**
   * The complete environment of the process. @default the allow-list of `process.env` plus
   * `launch.env` (`buildServerEnvironment(process.env, launch.env)`)
   */
  env?: Record<string, string>
  signal?: AbortSignal
  /** Values to replace by `••••` in the stderr tail and messages (configured secrets). */
  secrets?: Iterable<string>
  /** How much of the end of stderr to keep, in characters. @default 8192 */
  maxStderrLength?: number
  /** Most items kept per list, and most pages followed. @default { items: 1000, pages: 50 } */
  limits?: { items?: number; pages?: number }
  /** @default { name: 'tekton-mcp', version: <this package's version> } */
  clientInfo?: { name: string; version: string }
  /** Clock. @default Date.now */
  now?: () => number
  /**
   * Starts the timer that ends the handshake as timed out after `timeoutMs`; returns its cancel.
   * Tests fire it on an event (the server has started) instead of racing a real clock.
   * @default setTimeout
   */
  startDeadlineTimer?: (onDeadline: () => void, timeoutMs: number) => () => void
}

/** The real deadline timer. */
function startRealDeadlineTimer(onDeadline: () => void, timeoutMs: number): () => void {
  const timer = setTimeout(onDeadline, timeoutMs)
  return () => clearTimeout(timer)
}

const packageVersion = typeof __PACKAGE_VERSION__ === 'string' ? __PACKAGE_VERSION__ : '0.0.0'

/**
 * The handshake only lists tools, it never calls them: compiling each output schema (what the
 * SDK's default validator does) would run a JSON Schema compiler on a stranger's input for
 * nothing, and a schema it cannot compile would fail a server that works.
 */
const listOnlyValidator: NonNullable<NonNullable<ConstructorParameters<typeof Client>[1]>['jsonSchemaValidator']> = {
  getValidator: () => (input: unknown) => ({ valid: true, data: input as never, errorMessage: undefined }),
}

interface SdkModules {
  Client: typeof Client
  parseMessage(line: string): JSONRPCMessage
  isTimeout(error: unknown): boolean
  isConnectionClosed(error: unknown): boolean
  /** A JSON-RPC error the server answered (as opposed to a timeout or a closed connection). */
  isErrorAnswer(error: unknown): error is Error & { code: number }
}

let sdkModules: Promise<SdkModules> | undefined

/**
 * The SDK (and the JSON Schema compiler it pulls in) takes a few hundred milliseconds to load:
 * loaded on the first handshake, so `tekton-mcp list` does not pay for it.
 */
function loadSdk(): Promise<SdkModules> {
  // One after the other: they share modules, and some ESM loaders (jest's) trip over parallel loads.
  sdkModules ??= (async () => {
    const client = await import('@modelcontextprotocol/sdk/client/index.js')
    const types = await import('@modelcontextprotocol/sdk/types.js')
    return [client, types] as const
  })().then(
    ([client, types]) => {
      const isTimeout = (error: unknown) => error instanceof types.McpError && error.code === types.ErrorCode.RequestTimeout
      const isConnectionClosed = (error: unknown) => error instanceof types.McpError && error.code === types.ErrorCode.ConnectionClosed
      return {
        Client: client.Client,
        parseMessage: (line: string) => types.JSONRPCMessageSchema.parse(JSON.parse(line)),
        isTimeout,
        isConnectionClosed,
        isErrorAnswer: (error: unknown): error is Error & { code: number } => error instanceof types.McpError && !isTimeout(error) && !isConnectionClosed(error),
      }
    },
    (error: unknown) => {
      sdkModules = undefined
      throw error
    },
  )
  return sdkModules
}

/** Keeps the last `limit` characters of a stream. */
class TailBuffer {
  private text = ''
  private readonly decoder = new StringDecoder('utf8')
  constructor(private readonly limit: number) {}
  push(chunk: Buffer | string): void {
    this.text += typeof chunk === 'string' ? chunk : this.decoder.write(chunk)
    if (this.text.length > this.limit * 2) this.text = this.text.slice(-this.limit)
  }
  value(): string {
    return this.text.slice(-this.limit)
  }
}

type Failure = { kind: 'exit' | 'timeout' | 'protocol' | 'spawn' | 'aborted'; error?: unknown }

/** The paged list calls share this: follow `nextCursor`, stop at a repeated cursor or a limit. */
async function listAll<T>(
  fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string | undefined }>,
  limits: { items: number; pages: number },
): Promise<{ items: T[]; truncated: boolean }> {
  const items: T[] = []
  const seen = new Set<string>()
  let cursor: string | undefined
  for (let page = 0; page < limits.pages; page += 1) {
    const result = await fetchPage(cursor)
    items.push(...result.items)
    if (items.length >= limits.items) return { items: items.slice(0, limits.items), truncated: true }
    if (!result.nextCursor) return { items, truncated: false }
    if (seen.has(result.nextCursor)) return { items, truncated: true }
    seen.add(result.nextCursor)
    cursor = result.nextCursor
  }
  return { items, truncated: true }
}

function isSpawnError(error: unknown): boolean {
  const candidate = error as NodeJS.ErrnoException | undefined
  return typeof candidate?.syscall === 'string' && candidate.syscall.startsWith('spawn')
}

/**
 * A write to the server's stdin that found it closed: EPIPE (its end of the pipe is gone),
 * ECONNRESET (likewise, as a socket pair reports it), or a later write to the stream node
 * destroyed after the first one failed.
 */
function isBrokenPipe(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return code === 'EPIPE' || code === 'ECONNRESET' || code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_WRITE_AFTER_END'
}

/** What a server that closed its stdin and kept running is failed with, the broken write as cause. */
class ClosedInputError extends Error {
  constructor(cause: unknown) {
    super(`it closed its input (stdin) without exiting, so it cannot receive requests (${messageOf(cause)})`, { cause })
    this.name = 'ClosedInputError'
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Waits until a stream has ended or closed, at most `ms`. */
function streamEnded(stream: Stream | null | undefined, ms: number): Promise<void> {
  const readable = stream as (Stream & { readableEnded?: boolean; destroyed?: boolean }) | null | undefined
  if (!readable || readable.readableEnded || readable.destroyed) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      readable.removeListener('end', done)
      readable.removeListener('close', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    readable.once('end', done)
    readable.once('close', done)
  })
}

/** Waits for a child to exit, at most `ms`. */
function waitForExit(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

function isRunning(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && child.exitCode === null && child.signalCode === null
}

/**
 * Starts the server of `launch` (without a shell), completes an MCP handshake and stops it.
 * Fails with a `HandshakeError` carrying the tail of the server's stderr: `E_HANDSHAKE_EXIT`
 * (it exited; `exitCode`), `E_HANDSHAKE_TIMEOUT` (no complete answer within `timeoutMs`),
 * `E_HANDSHAKE_PROTOCOL` (it answered something that is not MCP), `E_HANDSHAKE_SPAWN` (it
 * could not be started) or `E_ABORTED`. The process is stopped in every case.
 */
export async function handshake(launch: LaunchSpec, options: HandshakeOptions = {}): Promise<HandshakeResult> {
  const now = options.now ?? Date.now
  const started = now()
  const timeoutMs = options.timeoutMs ?? 30_000
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TektonError('E_CONFIG', `handshake timeoutMs must be a positive number, got ${timeoutMs}`)
  const deadline = started + timeoutMs
  const limits = { items: options.limits?.items ?? 1000, pages: options.limits?.pages ?? 50 }
  const secrets = [...(options.secrets ?? [])]
  const environment = options.env ?? buildServerEnvironment(process.env, launch.env)
  const sdk = await loadSdk()
  const transport = new GroupedStdioTransport({
    command: launch.command,
    args: launch.args,
    env: environment,
    parseMessage: sdk.parseMessage,
    ...(launch.cwd === undefined ? {} : { cwd: launch.cwd }),
  })
  const commandLine = redactSecretValues(formatCommandLine(launch), secrets)
  const stderr = new TailBuffer(options.maxStderrLength ?? 8192)
  const stderrLines = new LineCounter()
  transport.stderr.on('data', (chunk: Buffer) => {
    stderr.push(chunk)
    stderrLines.push(chunk)
  })
  const client = new sdk.Client({ ...(options.clientInfo ?? { name: 'tekton-mcp', version: packageVersion }) }, { capabilities: {}, jsonSchemaValidator: listOnlyValidator })

  let failure: Failure | undefined
  let settled = false
  let rejectFailure: (failure: Failure) => void = () => undefined
  const failed = new Promise<never>((_resolve, reject) => {
    rejectFailure = reject as (failure: Failure) => void
  })
  failed.catch(() => undefined)
  const fail = (next: Failure) => {
    if (settled || failure) return
    failure = next
    rejectFailure(next)
  }
  /**
   * A write that met a closed pipe: the server closed its input, nearly always because it is
   * exiting. The exit and the broken pipe reach us in either order (on a loaded machine the write
   * usually loses the race), so a broken pipe decides nothing: the exit that follows makes it
   * E_HANDSHAKE_EXIT, and a server still running at the deadline is a protocol failure.
   */
  let brokenPipe: unknown
  const noteBrokenPipe = (error: unknown) => {
    brokenPipe ??= error
  }
  const cancelDeadline = (options.startDeadlineTimer ?? startRealDeadlineTimer)(
    () => fail(brokenPipe === undefined ? { kind: 'timeout' } : { kind: 'protocol', error: new ClosedInputError(brokenPipe) }),
    timeoutMs,
  )
  const onAbort = () => fail({ kind: 'aborted', error: options.signal?.reason })
  options.signal?.addEventListener('abort', onAbort, { once: true })
  if (options.signal?.aborted) onAbort()
  // Spawn errors and broken pipes arrive here; lines that are not JSON-RPC do not (the transport counts them).
  client.onerror = (error) => {
    if (isBrokenPipe(error)) noteBrokenPipe(error)
    else fail({ kind: isSpawnError(error) ? 'spawn' : 'protocol', error })
  }
  transport.onExit(() => fail({ kind: 'exit' }))

  const requestOptions = () => ({ timeout: Math.max(1, deadline - now()) })
  const warnings: HandshakeWarning[] = []
  /** resources/list and prompts/list: an error answer is a warning, a client shows the server without them. */
  const listOrWarn = async <T>(kind: 'resources' | 'prompts', list: () => Promise<{ items: T[]; truncated: boolean }>) => {
    try {
      return await list()
    } catch (error) {
      if (!sdk.isErrorAnswer(error)) throw error
      warnings.push({
        kind: `${kind}-list-failed`,
        code: error.code,
        message: `it advertises ${kind} but answered ${kind}/list with error ${error.code}: ${redact(redactSecretValues(truncate(messageOf(error), 300), secrets))}`,
      })
      return { items: [] as T[], truncated: false }
    }
  }
  const work = (async (): Promise<HandshakeResult> => {
    await client.connect(transport, requestOptions())
    const capabilities = (client.getServerCapabilities() ?? {}) as Record<string, unknown>
    const truncated: Array<'tools' | 'resources' | 'prompts'> = []
    const tools = capabilities.tools
      ? await listAll(async (cursor) => {
          const page = await client.listTools(cursor ? { cursor } : undefined, requestOptions())
          return { items: page.tools, nextCursor: page.nextCursor }
        }, limits)
      : { items: [], truncated: false }
    if (tools.truncated) truncated.push('tools')
    const resources = capabilities.resources
      ? await listOrWarn('resources', () => listAll(async (cursor) => {
          const page = await client.listResources(cursor ? { cursor } : undefined, requestOptions())
          return { items: page.resources, nextCursor: page.nextCursor }
        }, limits))
      : { items: [], truncated: false }
    if (resources.truncated) truncated.push('resources')
    const prompts = capabilities.prompts
      ? await listOrWarn('prompts', () => listAll(async (cursor) => {
          const page = await client.listPrompts(cursor ? { cursor } : undefined, requestOptions())
          return { items: page.prompts, nextCursor: page.nextCursor }
        }, limits))
      : { items: [], truncated: false }
    if (prompts.truncated) truncated.push('prompts')
    const serverInfo = client.getServerVersion()
    const instructions = client.getInstructions()
    const finished = now()
    if (transport.noise) warnings.push(noiseWarning(transport.noise, secrets))
    const stderrSummary = stderrLines.summary()
    if (stderrSummary) {
      const first = redact(redactSecretValues(stderrSummary.firstLine, secrets))
      warnings.push({
        kind: 'stderr-output',
        lines: stderrSummary.lines,
        line: first,
        message: `it wrote ${stderrSummary.lines} line${stderrSummary.lines === 1 ? '' : 's'} to stderr during the handshake, the first: ${JSON.stringify(first)}`,
      })
    }
    return {
      serverInfo: { name: serverInfo?.name ?? '', version: serverInfo?.version ?? '', ...(serverInfo?.title ? { title: serverInfo.title } : {}) },
      protocolVersion: transport.protocolVersion ?? '',
      capabilities: JSON.parse(JSON.stringify(capabilities)) as Record<string, unknown>,
      ...(instructions ? { instructions } : {}),
      tools: tools.items.map((tool) =>
        recordTool({
          name: tool.name,
          ...(tool.title === undefined ? {} : { title: tool.title }),
          ...(tool.description === undefined ? {} : { description: tool.description }),
          inputSchema: tool.inputSchema as Record<string, unknown>,
          ...(tool.outputSchema === undefined ? {} : { outputSchema: tool.outputSchema as Record<string, unknown> }),
          ...(tool.annotations === undefined ? {} : { annotations: tool.annotations as Record<string, unknown> }),
        }),
      ),
      resources: resources.items.map((resource) => ({
        uri: resource.uri,
        name: resource.name,
        ...(resource.title === undefined ? {} : { title: resource.title }),
        ...(resource.description === undefined ? {} : { description: resource.description }),
        ...(resource.mimeType === undefined ? {} : { mimeType: resource.mimeType }),
      })),
      prompts: prompts.items.map((prompt) => ({
        name: prompt.name,
        ...(prompt.title === undefined ? {} : { title: prompt.title }),
        ...(prompt.description === undefined ? {} : { description: prompt.description }),
        ...(prompt.arguments === undefined
          ? {}
          : {
              arguments: prompt.arguments.map((argument) => ({
                name: argument.name,
                ...(argument.description === undefined ? {} : { description: argument.description }),
                ...(argument.required === undefined ? {} : { required: argument.required }),
              })),
            }),
      })),
      ...(truncated.length > 0 ? { truncated } : {}),
      ...(warnings.length > 0 ? { warnings } : {}),
      durationMs: finished - started,
      completedAt: new Date(finished).toISOString(),
    }
  })()
  work.catch(() => undefined)

  // After a broken pipe, whatever the work came to (a rejected write, a list answered before the
  // pipe broke) waits for the exit or the deadline to decide.
  const outcome = work.then(
    (result) => (brokenPipe === undefined ? result : failed),
    (error: unknown) => {
      if (isBrokenPipe(error)) noteBrokenPipe(error)
      if (brokenPipe !== undefined && failure === undefined) return failed
      throw error
    },
  )
  try {
    const result = await Promise.race([outcome, failed])
    settled = true
    return result
  } catch (error) {
    settled = true
    const reason: Failure = failure ?? classify(error, sdk)
    await stop(transport, client, false)
    // The stderr pipe may still hold the last lines when the exit is seen: read it to its end
    // (bounded, in case a grandchild keeps it open), however slowly a loaded machine delivers it.
    // A server that never started has no stderr to wait for.
    await streamEnded(transport.child?.stderr ? transport.stderr : undefined, 2000)
    // Likewise stdout: a line it wrote before exiting may be why it failed (see `noise`).
    await streamEnded(transport.child?.stdout, 2000)
    throw toHandshakeError(reason, {
      noise: transport.noise,
      initialized: transport.protocolVersion !== undefined,
      commandLine,
      stderr: redact(redactSecretValues(stderr.value(), secrets)).trim(),
      exit: transport.exitStatus,
      timeoutMs,
      secrets,
    })
  } finally {
    cancelDeadline()
    options.signal?.removeEventListener('abort', onAbort)
    await stop(transport, client, true)
  }
}

/** Sorts an error the work itself threw (no exit, timer or stream error came first). */
function classify(error: unknown, sdk: SdkModules): Failure {
  if (isSpawnError(error)) return { kind: 'spawn', error }
  if (sdk.isTimeout(error)) return { kind: 'timeout', error }
  if (sdk.isConnectionClosed(error)) return { kind: 'exit', error }
  return { kind: 'protocol', error }
}

/** How long a stopped server and its helpers get between SIGTERM and SIGKILL, in ms. */
const terminateGraceMs = 1000

/**
 * Stops the server and everything it started. After a success: closes stdin and gives it two
 * seconds to exit by itself. After a failure there is nothing to be polite about. Then SIGTERM,
 * and SIGKILL a second later, to its process group and to every process of its tree: the tree is
 * read while the server still runs, since a helper started with `detached` leaves the group and
 * is re-parented (and no longer findable) once the server exits. Nothing is left when this returns.
 */
async function stop(transport: GroupedStdioTransport, client: Client, graceful: boolean): Promise<void> {
  const child = transport.child
  const leader = child?.pid
  if (child === undefined || leader === undefined) {
    await client.close().catch(() => undefined)
    return
  }
  const tree = new Set(isRunning(child) ? processTreeOf(leader, readProcessTable()).map((entry) => entry.pid) : [])
  if (graceful && isRunning(child)) {
    await client.close().catch(() => undefined)
    await waitForExit(child, 2000)
  }
  const remaining = () => {
    const table = readProcessTable()
    for (const entry of table) if (entry.processGroup === leader) tree.add(entry.pid)
    const alive = new Set(table.map((entry) => entry.pid))
    return [...tree].filter((pid) => (table.length > 0 ? alive.has(pid) : pid === leader && isRunning(child)))
  }
  const signalAll = (signal: NodeJS.Signals) => {
    if (transport.ownsProcessGroup) signalQuietly(-leader, signal)
    if (isRunning(child)) child.kill(signal)
    for (const pid of remaining()) if (pid !== leader) signalQuietly(pid, signal)
  }
  if (isRunning(child) || remaining().length > 0) {
    child.stdin?.end()
    signalAll('SIGTERM')
    await waitUntil(() => remaining().length === 0 && !isRunning(child), terminateGraceMs)
    if (isRunning(child) || remaining().length > 0) signalAll('SIGKILL')
    await waitForExit(child, 2000)
    await waitUntil(() => remaining().length === 0, 2000)
  }
  await client.close().catch(() => undefined)
}

/** Polls `done` every 25 ms, at most `ms`. */
async function waitUntil(done: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms
  while (!done() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 25))
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length)}…` : text
}

function noiseWarning(noise: StdoutNoise, secrets: string[]): HandshakeWarning {
  const line = redact(redactSecretValues(noise.firstLine, secrets))
  return {
    kind: 'stdout-noise',
    lines: noise.lines,
    line,
    message: `it wrote ${noise.lines} line${noise.lines === 1 ? '' : 's'} that ${noise.lines === 1 ? 'is' : 'are'} not JSON-RPC on stdout (clients skip them), the first: ${JSON.stringify(line)}`,
  }
}

/** Counts the lines of a stream and keeps the first non-empty one, truncated. */
class LineCounter {
  private lines = 0
  private first: string | undefined
  private partial = ''
  private readonly decoder = new StringDecoder('utf8')
  push(chunk: Buffer): void {
    const text = this.partial + this.decoder.write(chunk)
    const parts = text.split('\n')
    this.partial = (parts.pop() ?? '').slice(0, 1000)
    for (const part of parts) this.count(part)
  }
  private count(line: string): void {
    const trimmed = line.replace(/\r$/, '')
    if (trimmed.trim() === '') return
    this.lines += 1
    this.first ??= truncate(trimmed, 200)
  }
  summary(): { lines: number; firstLine: string } | undefined {
    if (this.partial.trim() !== '') {
      this.count(this.partial)
      this.partial = ''
    }
    return this.first === undefined ? undefined : { lines: this.lines, firstLine: this.first }
  }
}

function toHandshakeError(
  failure: Failure,
  context: {
    commandLine: string
    stderr: string
    exit: { code: number | null; signal: string | null } | undefined
    timeoutMs: number
    secrets: string[]
    /** Lines on stdout that were not JSON-RPC, if any. */
    noise: StdoutNoise | undefined
    /** Whether initialize was answered. */
    initialized: boolean
  },
): HandshakeError {
  const details = {
    stderr: context.stderr,
    exitCode: context.exit?.code ?? null,
    signal: context.exit?.signal ?? null,
    command: context.commandLine,
  }
  const tail = context.stderr ? `\nstderr (last lines):\n${context.stderr.split('\n').slice(-15).join('\n').slice(-2000)}` : '\n(nothing on stderr)'
  const cause = failure.error === undefined ? {} : { cause: failure.error }
  const detail = (error: unknown) => redact(redactSecretValues(messageOf(error), context.secrets))
  if (context.noise && !context.initialized && (failure.kind === 'timeout' || failure.kind === 'exit')) {
    // It wrote on stdout and never answered initialize: what it wrote is the reason, not the clock.
    const quoted = JSON.stringify(detail(context.noise.firstLine))
    return new HandshakeError(
      'E_HANDSHAKE_PROTOCOL',
      `[handshake] ${context.commandLine} did not answer as an MCP server: it wrote ${context.noise.lines} line${context.noise.lines === 1 ? '' : 's'} that ${context.noise.lines === 1 ? 'is' : 'are'} not JSON-RPC on stdout (the first: ${quoted}) and no answer to initialize${tail}`,
      details,
      { hint: 'An MCP stdio server writes JSON-RPC messages to stdout (logs go to stderr); check that this package is an MCP server and that it speaks stdio', ...cause },
    )
  }
  switch (failure.kind) {
    case 'exit': {
      const how = context.exit?.signal ? `was killed by ${context.exit.signal}` : context.exit ? `exited with code ${context.exit.code}` : 'closed its output'
      return new HandshakeError('E_HANDSHAKE_EXIT', `[handshake] ${context.commandLine} ${how} before completing the MCP handshake${tail}`, details, {
        hint: "Run the command yourself to see why it stops; a required variable missing from the server's configuration is a common cause",
        ...cause,
      })
    }
    case 'timeout':
      return new HandshakeError('E_HANDSHAKE_TIMEOUT', `[handshake] ${context.commandLine} did not complete the MCP handshake within ${context.timeoutMs} ms${tail}`, details, {
        hint: 'A server started for the first time can be slow: raise the handshake timeout, or check that it speaks MCP over stdio (not HTTP)',
        ...cause,
      })
    case 'spawn':
      return new HandshakeError('E_HANDSHAKE_SPAWN', `[handshake] could not start ${context.commandLine}: ${detail(failure.error)}`, details, {
        hint: 'Check that the command exists and is executable; reinstall the server if its files are gone',
        ...cause,
      })
    case 'aborted':
      return new HandshakeError('E_ABORTED', `[handshake] ${context.commandLine} was stopped: the operation was aborted`, details, cause)
    case 'protocol':
      return new HandshakeError('E_HANDSHAKE_PROTOCOL', `[handshake] ${context.commandLine} did not answer as an MCP server: ${detail(failure.error)}${tail}`, details, {
        hint: 'An MCP stdio server writes only JSON-RPC messages to stdout (logs go to stderr); check that this package is an MCP server',
        ...cause,
      })
  }
}
