import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fixtureServerSource, fixtureTools } from '../src/mcp/index'
import type { FixtureServerOptions } from '../src/mcp/index'

interface JsonRpcResponse {
  jsonrpc: string
  id: number | null
  result?: Record<string, unknown>
  error?: { code: number; message: string }
}

/** A running fixture server and the stdio side of an MCP client, without the SDK. */
interface RunningFixture {
  child: ChildProcessWithoutNullStreams
  /** Every stdout line received so far. */
  lines: string[]
  stderr: () => string
  /** Sends a request and resolves with the answer carrying its id. */
  request(method: string, params?: Record<string, unknown>): Promise<JsonRpcResponse>
  /** Writes a raw line (no JSON encoding) to the server's stdin. */
  writeLine(line: string): void
  /** Resolves with the next stdout line not yet taken by `nextLine`. */
  nextLine(): Promise<string>
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>
}

let directory: string
let counter = 0
const running: ChildProcessWithoutNullStreams[] = []

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'tekton-fixture-server-'))
})
afterEach(() => {
  // Every test's child is killed, whatever the test did, so none outlives it.
  for (const child of running.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
})
afterAll(async () => {
  await rm(directory, { recursive: true, force: true })
})

async function startFixture(options: FixtureServerOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<RunningFixture> {
  counter += 1
  const file = path.join(directory, `server-${counter}.js`)
  await writeFile(file, fixtureServerSource(options))
  const child = spawn(process.execPath, [file], { env, stdio: ['pipe', 'pipe', 'pipe'] })
  running.push(child)
  const lines: string[] = []
  const waiters: Array<() => void> = []
  let taken = 0
  let stderr = ''
  let pending = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => {
    pending += chunk
    let newline: number
    while ((newline = pending.indexOf('\n')) >= 0) {
      lines.push(pending.slice(0, newline))
      pending = pending.slice(newline + 1)
    }
    for (const wake of waiters.splice(0)) wake()
  })
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  // Writing to a server that already exited must not crash the test process.
  child.stdin.on('error', () => {})

  const waitFor = <T>(find: () => T | undefined): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = find()
        if (found !== undefined) return resolve(found)
        if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`fixture server exited; stderr: ${stderr}`))
        waiters.push(check)
      }
      child.once('exit', () => waiters.includes(check) && check())
      check()
    })

  let nextId = 0
  return {
    child,
    lines,
    stderr: () => stderr,
    exited,
    writeLine: (line) => child.stdin.write(`${line}\n`),
    request(method, params) {
      nextId += 1
      const id = nextId
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) })}\n`)
      return waitFor(() =>
        lines.map((line) => JSON.parse(line) as JsonRpcResponse).find((message) => message.id === id),
      )
    },
    nextLine() {
      return waitFor(() => {
        if (taken >= lines.length) return undefined
        taken += 1
        return lines[taken - 1]
      })
    },
  }
}

function textOf(response: JsonRpcResponse): string {
  const content = response.result?.content as Array<{ type: string; text: string }>
  expect(content[0]?.type).toBe('text')
  return content[0]?.text as string
}

describe('fixture MCP server: initialize', () => {
  it('echoes a protocol version it supports, with its name, version and capabilities', async () => {
    const server = await startFixture({ name: 'my-server', version: '3.2.1' })
    const response = await server.request('initialize', { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'test', version: '0' } })
    expect(response).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: {
        protocolVersion: '2025-03-26',
        capabilities: { tools: { listChanged: false }, resources: {}, prompts: {} },
        serverInfo: { name: 'my-server', version: '3.2.1' },
      },
    })
  })

  it('answers with its newest protocol version when asked for one it does not know', async () => {
    const server = await startFixture()
    const response = await server.request('initialize', { protocolVersion: '1999-01-01' })
    expect(response.result?.protocolVersion).toBe('2025-11-25')
    expect(response.result?.serverInfo).toEqual({ name: 'fixture-server', version: '1.0.0' })
  })

  it('ignores notifications and answers ping', async () => {
    const server = await startFixture()
    server.writeLine(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }))
    const ping = await server.request('ping')
    expect(ping).toEqual({ jsonrpc: '2.0', id: 1, result: {} })
    // The notification got no answer: the only line is the ping's.
    expect(server.lines).toHaveLength(1)
  })
})

describe('fixture MCP server: tools', () => {
  it('lists echo and report_env, then the extra tools', async () => {
    const extra = { name: 'add', description: 'Adds.', inputSchema: { type: 'object', properties: { a: { type: 'number' } } } }
    const server = await startFixture({ tools: [extra] })
    const response = await server.request('tools/list')
    const tools = response.result?.tools as Array<{ name: string; inputSchema: unknown }>
    expect(tools.map((tool) => tool.name)).toEqual(['echo', 'report_env', 'add'])
    expect(tools[0]?.inputSchema).toEqual({ type: 'object', properties: { text: { type: 'string' } }, required: ['text'] })
    expect(tools[2]).toEqual(extra)
    expect(tools).toEqual(fixtureTools({ tools: [extra] }))
  })

  it('lists the replacement echo schema when echoInputSchema is given', async () => {
    const schema = { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] }
    const server = await startFixture({ echoInputSchema: schema })
    const response = await server.request('tools/list')
    const tools = response.result?.tools as Array<{ name: string; inputSchema: unknown }>
    expect(tools.find((tool) => tool.name === 'echo')?.inputSchema).toEqual(schema)
  })

  it('echo returns its text argument', async () => {
    const server = await startFixture()
    const response = await server.request('tools/call', { name: 'echo', arguments: { text: 'hello, fixture' } })
    expect(textOf(response)).toBe('hello, fixture')
  })

  it('an extra tool answers with its arguments as JSON', async () => {
    const server = await startFixture({ tools: [{ name: 'add', inputSchema: { type: 'object' } }] })
    const response = await server.request('tools/call', { name: 'add', arguments: { a: 1, b: 2 } })
    expect(JSON.parse(textOf(response))).toEqual({ a: 1, b: 2 })
  })

  it('report_env answers with exactly the environment it was started with', async () => {
    const env = { PATH: process.env.PATH ?? '', TEKTON_FIXTURE_SECRET: 'visible-to-the-server' }
    const server = await startFixture({}, env)
    const response = await server.request('tools/call', { name: 'report_env', arguments: {} })
    const reported = JSON.parse(textOf(response)) as Record<string, string>
    expect(reported.TEKTON_FIXTURE_SECRET).toBe('visible-to-the-server')
    // A variable of the test process that was not passed stays invisible to the server.
    expect(reported.HOME).toBeUndefined()
  })

  it('answers -32602 for an unknown tool', async () => {
    const server = await startFixture()
    const response = await server.request('tools/call', { name: 'delete_everything', arguments: {} })
    expect(response.error).toEqual({ code: -32602, message: 'Unknown tool: delete_everything' })
    expect(response.result).toBeUndefined()
  })
})

describe('fixture MCP server: resources and prompts', () => {
  it('lists one resource and one prompt by default', async () => {
    const server = await startFixture()
    const resources = await server.request('resources/list')
    expect(resources.result).toEqual({ resources: [{ uri: 'fixture://readme', name: 'readme', mimeType: 'text/plain' }] })
    const prompts = await server.request('prompts/list')
    expect((prompts.result?.prompts as Array<{ name: string }>).map((prompt) => prompt.name)).toEqual(['greet'])
  })

  it('answers -32601 and advertises neither when both are disabled', async () => {
    const server = await startFixture({ resources: false, prompts: false })
    const initialize = await server.request('initialize', { protocolVersion: '2025-06-18' })
    expect(initialize.result?.capabilities).toEqual({ tools: { listChanged: false } })
    expect((await server.request('resources/list')).error?.code).toBe(-32601)
    expect((await server.request('prompts/list')).error?.code).toBe(-32601)
  })

  it('disables prompts alone', async () => {
    const server = await startFixture({ prompts: false })
    const initialize = await server.request('initialize', { protocolVersion: '2025-06-18' })
    expect(initialize.result?.capabilities).toEqual({ tools: { listChanged: false }, resources: {} })
    expect((await server.request('resources/list')).result).toBeDefined()
  })
})

describe('fixture MCP server: protocol errors', () => {
  it('answers -32601 for an unknown method', async () => {
    const server = await startFixture()
    const response = await server.request('sampling/explode')
    expect(response.error).toEqual({ code: -32601, message: 'Method not found: sampling/explode' })
  })

  it('answers -32700 with a null id for a line that is not JSON, and keeps serving', async () => {
    const server = await startFixture()
    server.writeLine('{this is not json')
    expect(JSON.parse(await server.nextLine())).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } })
    expect((await server.request('ping')).result).toEqual({})
  })

  it('skips blank lines', async () => {
    const server = await startFixture()
    server.writeLine('   ')
    expect((await server.request('ping')).id).toBe(1)
    expect(server.lines).toHaveLength(1)
  })
})

describe('fixture MCP server: misbehaviours', () => {
  it("'exit' prints an error to stderr and exits with status 1 before answering", async () => {
    const server = await startFixture({ behavior: 'exit' })
    expect(await server.exited).toBe(1)
    expect(server.stderr()).toContain('fatal: fixture server configured to exit at start')
    expect(server.lines).toEqual([])
  })

  it("'hang' reads requests and never answers", async () => {
    const server = await startFixture({ behavior: 'hang' })
    server.writeLine(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18' } }))
    const answer = await Promise.race([server.nextLine(), new Promise<'silence'>((resolve) => setTimeout(() => resolve('silence'), 300))])
    expect(answer).toBe('silence')
    expect(server.child.exitCode).toBeNull()
    server.child.kill('SIGKILL')
    await server.exited
  })

  it("'garbage' answers a request with a line that is not JSON-RPC and exits", async () => {
    const server = await startFixture({ behavior: 'garbage' })
    server.writeLine(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18' } }))
    const line = await server.nextLine()
    expect(line).toBe('Server starting... listening on port 3000')
    expect(() => JSON.parse(line)).toThrow(SyntaxError)
    await server.exited
    expect(server.child.exitCode).toBe(1)
  })

  it('stdoutBanner comes before JSON-RPC, and resourcesError/promptsError answer the lists with errors', async () => {
    const server = await startFixture({ stdoutBanner: 'Welcome to fixture', resourcesError: -32603, promptsError: -32601 })
    expect(await server.nextLine()).toBe('Welcome to fixture')
    server.writeLine(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'resources/list' }))
    expect(JSON.parse(await server.nextLine())).toMatchObject({ id: 1, error: { code: -32603 } })
    server.writeLine(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'prompts/list' }))
    expect(JSON.parse(await server.nextLine())).toMatchObject({ id: 2, error: { code: -32601 } })
  })

  it('writes stderrBanner to stderr at start and still answers on stdout', async () => {
    const server = await startFixture({ stderrBanner: 'Fixture MCP server running on stdio' })
    const response = await server.request('ping')
    expect(response.result).toEqual({})
    expect(server.stderr()).toBe('Fixture MCP server running on stdio\n')
  })

  it('writes nothing to stderr without a banner', async () => {
    const server = await startFixture()
    await server.request('ping')
    server.child.stdin.end()
    await server.exited
    expect(server.stderr()).toBe('')
  })

  it('exits with status 0 when its input ends', async () => {
    const server = await startFixture()
    server.child.stdin.end()
    expect(await server.exited).toBe(0)
  })
})

describe('fixtureServerSource', () => {
  it('runs as an executable on its own through its node shebang', async () => {
    counter += 1
    const file = path.join(directory, `bin-${counter}.js`)
    await writeFile(file, fixtureServerSource({ name: 'as-bin' }), { mode: 0o755 })
    const env = { PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` }
    const child = spawn(file, [], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    running.push(child)
    let output = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      output += chunk
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    child.stdin.end(`${JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'initialize', params: { protocolVersion: '2024-11-05' } })}\n`)
    expect(await exited).toBe(0)
    const answer = JSON.parse(output.trim()) as JsonRpcResponse
    expect(answer.id).toBe(7)
    expect(answer.result?.serverInfo).toEqual({ name: 'as-bin', version: '1.0.0' })
    expect(answer.result?.protocolVersion).toBe('2024-11-05')
  })
})
