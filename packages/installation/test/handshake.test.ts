import { readFileSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { fixtureServerSource, fixtureTools } from '@tekton/mcp-testkit'
import { HandshakeError, buildServerEnvironment, handshake } from '../src/index'
import { toolDigest } from '../src/tools'
import type { LaunchSpec } from '../src/index'
import { deadlineOnDemand, fixtureAnnouncingStart, fixtureWithPidFile, isAlive, serverStarted, stubbornServerSource, tempDirectory, waitFor } from './helpers'

let root: string
let cleanup: () => Promise<void>

beforeAll(async () => {
  ;({ root, cleanup } = await tempDirectory())
})
afterAll(async () => {
  await cleanup()
})

let counter = 0
async function writeServer(source: string): Promise<{ launch: LaunchSpec; pidFile: string }> {
  counter += 1
  const file = path.join(root, `server-${counter}.js`)
  const pidFile = path.join(root, `server-${counter}.pid`)
  await writeFile(file, source.replace('__PID_FILE__', pidFile))
  return { launch: { command: process.execPath, args: [file], env: {} }, pidFile }
}

async function pidOf(pidFile: string): Promise<number> {
  return Number(await readFile(pidFile, 'utf8'))
}

async function failureOf(promise: Promise<unknown>): Promise<HandshakeError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(HandshakeError)
    return error as HandshakeError
  }
  throw new Error('expected the handshake to fail')
}

/** Alive and not a zombie (a killed orphan may wait for a reaper that a container lacks). */
function isRunningProcess(pid: number): boolean {
  if (!isAlive(pid)) return false
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return process.platform !== 'linux'
  }
}

/**
 * A server that answers initialize only after it has closed its stdin, then exits (status 3) or
 * keeps running (writing `__PID_FILE__` once the answer is out).
 */
function serverClosingStdinAfterInitialize(options: { thenExit: boolean }): string {
  return `process.stdin.on('data', (chunk) => {
  const request = JSON.parse(String(chunk).split('\\n')[0])
  process.stdin.destroy()
  process.stdin.on('close', () => {
    // destroy() leaves node's fd 0 open; only closing it makes a write to the pipe fail.
    require('fs').closeSync(0)
    process.stderr.write('closed stdin\\n')
    const answer = { jsonrpc: '2.0', id: request.id, result: { protocolVersion: request.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'closer', version: '1.0.0' } } }
    process.stdout.write(JSON.stringify(answer) + '\\n', () => {
      ${options.thenExit ? 'process.exit(3)' : "require('fs').writeFileSync('__PID_FILE__', String(process.pid)); setInterval(() => {}, 1000)"}
    })
  })
})
`
}

describe('handshake', () => {
  it('records server info, protocol version, capabilities, tools with hashes, resources and prompts; the server is gone after', async () => {
    const { launch, pidFile } = await writeServer(fixtureWithPidFile('__PID_FILE__', { name: 'demo', version: '2.3.4' }))
    const result = await handshake(launch, { timeoutMs: 120_000 })
    expect(result.serverInfo).toEqual({ name: 'demo', version: '2.3.4' })
    expect(result.protocolVersion).toBe('2025-11-25')
    expect(Object.keys(result.capabilities).sort()).toEqual(['prompts', 'resources', 'tools'])
    expect(result.tools.map((tool) => tool.name)).toEqual(['echo', 'report_env'])
    const echo = fixtureTools()[0]!
    expect(result.tools[0]).toMatchObject({ name: 'echo', title: 'Echo', description: echo.description, inputSchema: echo.inputSchema, annotations: { readOnlyHint: true } })
    expect(result.tools[0]!.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(result.tools[0]!.sha256).toBe(toolDigest(echo))
    expect(result.resources).toEqual([{ uri: 'fixture://readme', name: 'readme', mimeType: 'text/plain' }])
    expect(result.prompts).toEqual([{ name: 'greet', description: 'Says hello.', arguments: [{ name: 'who', required: false }] }])
    expect(result.durationMs).toBeGreaterThanOrEqual(0)
    expect(Date.parse(result.completedAt)).not.toBeNaN()
    const pid = await pidOf(pidFile)
    await waitFor(() => !isAlive(pid), 60_000, 'the server to exit')
  })

  it('lists only what the server advertises', async () => {
    const { launch } = await writeServer(fixtureServerSource({ resources: false, prompts: false }))
    const result = await handshake(launch, { timeoutMs: 120_000 })
    expect(result.resources).toEqual([])
    expect(result.prompts).toEqual([])
    expect(result.capabilities).toEqual({ tools: { listChanged: false } })
  })

  it('a tool with another input schema gets another hash', async () => {
    const first = await handshake((await writeServer(fixtureServerSource())).launch, { timeoutMs: 120_000 })
    const second = await handshake((await writeServer(fixtureServerSource({ echoInputSchema: { type: 'object', properties: { text: { type: 'number' } } } }))).launch, {
      timeoutMs: 120_000,
    })
    expect(second.tools[0]!.sha256).not.toBe(first.tools[0]!.sha256)
    expect(second.tools[1]!.sha256).toBe(first.tools[1]!.sha256)
  })

  it('a server that exits fails with E_HANDSHAKE_EXIT, its exit code and the tail of its stderr', async () => {
    const { launch } = await writeServer(fixtureServerSource({ behavior: 'exit', stderrBanner: 'loading configuration' }))
    const error = await failureOf(handshake(launch, { timeoutMs: 120_000 }))
    expect(error.code).toBe('E_HANDSHAKE_EXIT')
    expect(error.exitCode).toBe(1)
    expect(error.stderr).toContain('fatal: fixture server configured to exit at start')
    expect(error.stderr).toContain('loading configuration')
    expect(error.message).toContain('exited with code 1')
    expect(error.message).toContain('fatal: fixture server configured to exit at start')
    expect(error.toJSON()).toMatchObject({ code: 'E_HANDSHAKE_EXIT', exitCode: 1, stderr: expect.stringContaining('fatal') })
  })

  // The broken pipe of the CI flake, made certain: the server closes its stdin before it answers
  // initialize, so the client's next write (notifications/initialized) meets a closed pipe, and the
  // EPIPE reaches the client in the same turn as the answer, before the exit can be seen.
  it('a server that closes its input and exits is E_HANDSHAKE_EXIT, not a protocol failure, though the write broke first', async () => {
    const { launch } = await writeServer(serverClosingStdinAfterInitialize({ thenExit: true }))
    const error = await failureOf(handshake(launch, { timeoutMs: 120_000 }))
    expect(error.code).toBe('E_HANDSHAKE_EXIT')
    expect(error.exitCode).toBe(3)
    expect(error.stderr).toContain('closed stdin')
  })

  it('a server that closes its input and keeps running is a protocol failure when the deadline comes, and is stopped', async () => {
    const { launch, pidFile } = await writeServer(serverClosingStdinAfterInitialize({ thenExit: false }))
    const deadline = deadlineOnDemand()
    const pending = failureOf(handshake(launch, { timeoutMs: 600_000, startDeadlineTimer: deadline.start }))
    // The pid file is written after the answer is on the pipe: by the time the test has read the
    // file (several event-loop turns), the client has read the answer and its next write has broken.
    await serverStarted(pidFile)
    deadline.fire()
    const error = await pending
    expect(error.code).toBe('E_HANDSHAKE_PROTOCOL')
    expect(error.message).toContain('closed its input')
    expect(isAlive(await pidOf(pidFile))).toBe(false)
  })

  // The deadline fires once the server has started (not after a time a loaded machine may need
  // just to start node), so what it wrote and its pid are there to check.
  it('a server that hangs fails with E_HANDSHAKE_TIMEOUT and is killed', async () => {
    const { launch, pidFile } = await writeServer(fixtureAnnouncingStart('__PID_FILE__', { behavior: 'hang', stderrBanner: 'waiting forever' }))
    const deadline = deadlineOnDemand()
    const pending = failureOf(handshake(launch, { timeoutMs: 600_000, startDeadlineTimer: deadline.start }))
    await serverStarted(pidFile)
    deadline.fire()
    const error = await pending
    expect(error.code).toBe('E_HANDSHAKE_TIMEOUT')
    expect(error.message).toContain('within 600000 ms')
    expect(error.stderr).toContain('waiting forever')
    expect(isAlive(await pidOf(pidFile))).toBe(false)
  })

  it('a server that ignores stdin and SIGTERM is killed with SIGKILL', async () => {
    const { launch, pidFile } = await writeServer(stubbornServerSource('__PID_FILE__'))
    const deadline = deadlineOnDemand()
    const pending = failureOf(handshake(launch, { timeoutMs: 600_000, startDeadlineTimer: deadline.start }))
    await serverStarted(pidFile)
    deadline.fire()
    const error = await pending
    expect(error.code).toBe('E_HANDSHAKE_TIMEOUT')
    expect(isAlive(await pidOf(pidFile))).toBe(false)
  })

  it('a server answering with something else than JSON-RPC fails with E_HANDSHAKE_PROTOCOL and is stopped', async () => {
    const { launch, pidFile } = await writeServer(fixtureWithPidFile('__PID_FILE__', { behavior: 'garbage' }))
    const error = await failureOf(handshake(launch, { timeoutMs: 120_000 }))
    expect(error.code).toBe('E_HANDSHAKE_PROTOCOL')
    expect(error.message).toContain('did not answer as an MCP server')
    expect(error.hint).toContain('stdout')
    expect(isAlive(await pidOf(pidFile))).toBe(false)
  })

  it('a JSON-RPC error in answer to initialize is a protocol failure', async () => {
    const { launch } = await writeServer(`process.stdin.on('data', (chunk) => {
  for (const line of String(chunk).split('\\n').filter(Boolean)) {
    const message = JSON.parse(line)
    if (message.id !== undefined) process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: message.id, error: { code: -32603, message: 'not ready' } }) + '\\n')
  }
})`)
    const error = await failureOf(handshake(launch, { timeoutMs: 120_000 }))
    expect(error.code).toBe('E_HANDSHAKE_PROTOCOL')
    expect(error.message).toContain('not ready')
  })

  it('a command that does not exist fails with E_HANDSHAKE_SPAWN', async () => {
    const error = await failureOf(handshake({ command: path.join(root, 'no-such-binary'), args: [], env: {} }, { timeoutMs: 120_000 }))
    expect(error.code).toBe('E_HANDSHAKE_SPAWN')
    expect(error.message).toContain('ENOENT')
  })

  it('stops the server when aborted', async () => {
    const { launch, pidFile } = await writeServer(fixtureWithPidFile('__PID_FILE__', { behavior: 'hang' }))
    const controller = new AbortController()
    const pending = handshake(launch, { timeoutMs: 600_000, signal: controller.signal })
    await serverStarted(pidFile)
    controller.abort()
    const error = await failureOf(pending)
    expect(error.code).toBe('E_ABORTED')
    expect(isAlive(await pidOf(pidFile))).toBe(false)
  })

  it('redacts secret values from the stderr tail and the message', async () => {
    const { launch } = await writeServer(fixtureServerSource({ behavior: 'exit', stderrBanner: 'using token s3cr3t-value-123' }))
    const error = await failureOf(handshake(launch, { timeoutMs: 120_000, secrets: ['s3cr3t-value-123'] }))
    expect(error.stderr).toContain('using token ••••')
    expect(`${error.message} ${error.stderr}`).not.toContain('s3cr3t-value-123')
  })

  it('follows pagination cursors, and stops at a repeated cursor', async () => {
    const { launch } = await writeServer(`const pages = { '': { tools: [{ name: 'a', inputSchema: { type: 'object' } }], nextCursor: 'p2' }, p2: { tools: [{ name: 'b', inputSchema: { type: 'object' } }], nextCursor: 'p2' } }
let buffer = ''
process.stdin.on('data', (chunk) => {
  buffer += chunk
  let index
  while ((index = buffer.indexOf('\\n')) >= 0) {
    const message = JSON.parse(buffer.slice(0, index))
    buffer = buffer.slice(index + 1)
    if (message.id === undefined) continue
    let result
    if (message.method === 'initialize') result = { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'paged', version: '0.1.0', title: 'Paged' }, instructions: 'Use a, then b.' }
    else if (message.method === 'tools/list') result = pages[(message.params && message.params.cursor) || '']
    process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }) + '\\n')
  }
})
process.stdin.on('end', () => process.exit(0))`)
    const result = await handshake(launch, { timeoutMs: 120_000 })
    expect(result.tools.map((tool) => tool.name)).toEqual(['a', 'b'])
    expect(result.truncated).toEqual(['tools'])
    expect(result.protocolVersion).toBe('2025-06-18')
    expect(result.serverInfo).toEqual({ name: 'paged', version: '0.1.0', title: 'Paged' })
    expect(result.instructions).toBe('Use a, then b.')
  })

  it('caps the number of items kept', async () => {
    const { launch } = await writeServer(fixtureServerSource({ tools: [{ name: 'third', inputSchema: { type: 'object' } }] }))
    const result = await handshake(launch, { timeoutMs: 120_000, limits: { items: 2 } })
    expect(result.tools).toHaveLength(2)
    expect(result.truncated).toEqual(['tools'])
  })

  it('starts the server with exactly the environment given', async () => {
    const { launch } = await writeServer(`require('fs').writeFileSync(process.argv[2], JSON.stringify(process.env))\n${fixtureServerSource().replace(/^#!.*\n/, '')}`)
    const envFile = path.join(root, 'env.json')
    process.env.TEKTON_CANARY_SECRET = 'canary-in-the-test-process'
    try {
      const environment = buildServerEnvironment({ ...process.env, NODE_OPTIONS: '--require /tmp/evil.js' }, {}, { API_MODE: 'test' })
      await handshake({ ...launch, args: [...launch.args, envFile] }, { timeoutMs: 120_000, env: environment })
    } finally {
      delete process.env.TEKTON_CANARY_SECRET
    }
    const seen = JSON.parse(await readFile(envFile, 'utf8')) as Record<string, string>
    expect(seen.API_MODE).toBe('test')
    expect(seen.TEKTON_CANARY_SECRET).toBeUndefined()
    expect(seen.NODE_OPTIONS).toBeUndefined()
    expect(seen.PATH).toBe(process.env.PATH)
  })

  it('a banner on stdout before JSON-RPC is a warning quoting the line, not a failure', async () => {
    const banner = `Secure MCP Filesystem Server running ${'x'.repeat(400)}`
    const { launch } = await writeServer(fixtureServerSource({ stdoutBanner: `${banner}\nsecond line` }))
    const result = await handshake(launch, { timeoutMs: 120_000 })
    expect(result.tools.map((tool) => tool.name)).toEqual(['echo', 'report_env'])
    const warning = result.warnings?.find((candidate) => candidate.kind === 'stdout-noise')
    expect(warning).toMatchObject({ lines: 2, line: `${banner.slice(0, 200)}…` })
    expect(warning?.message).toContain('Secure MCP Filesystem Server running')
  })

  it('an error answer to resources/list or prompts/list (-32601) is a warning; tools are still recorded', async () => {
    const { launch } = await writeServer(fixtureServerSource({ resourcesError: -32603, promptsError: -32601 }))
    const result = await handshake(launch, { timeoutMs: 120_000 })
    expect(result.tools).toHaveLength(2)
    expect(result.resources).toEqual([])
    expect(result.prompts).toEqual([])
    expect(result.warnings).toEqual([
      expect.objectContaining({ kind: 'resources-list-failed', code: -32603, message: expect.stringContaining('database not found') }),
      expect.objectContaining({ kind: 'prompts-list-failed', code: -32601 }),
    ])
  })

  it('a well-behaved server has no warnings; one that logs to stderr has a stderr warning with its first line', async () => {
    const quiet = await handshake((await writeServer(fixtureServerSource())).launch, { timeoutMs: 120_000 })
    expect(quiet.warnings).toBeUndefined()
    const chatty = await handshake((await writeServer(fixtureServerSource({ stderrBanner: 'Server running on stdio\nready' }))).launch, { timeoutMs: 120_000 })
    expect(chatty.warnings).toEqual([expect.objectContaining({ kind: 'stderr-output', lines: 2, line: 'Server running on stdio' })])
  })

  it('a failing tools/list is still fatal', async () => {
    const { launch } = await writeServer(`process.stdin.on('data', (chunk) => {
  for (const line of String(chunk).split('\\n').filter(Boolean)) {
    const message = JSON.parse(line)
    if (message.id === undefined) continue
    const answer = message.method === 'initialize'
      ? { result: { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'broken-tools', version: '1.0.0' } } }
      : { error: { code: -32603, message: 'tools exploded' } }
    process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: message.id, ...answer }) + '\\n')
  }
})`)
    const error = await failureOf(handshake(launch, { timeoutMs: 120_000 }))
    expect(error.code).toBe('E_HANDSHAKE_PROTOCOL')
    expect(error.message).toContain('tools exploded')
  })

  it('leaves nothing running: a helper the server started detached (outside its process group) is killed too', async () => {
    const helperPidFile = path.join(root, `helper-${counter}.pid`)
    const { launch } = await writeServer(fixtureServerSource({ detachedChildPidFile: helperPidFile }))
    await handshake(launch, { timeoutMs: 120_000 })
    const helper = Number(await readFile(helperPidFile, 'utf8'))
    expect(helper).toBeGreaterThan(0)
    await waitFor(() => !isRunningProcess(helper), 60_000, 'the detached helper to be gone')
  })

  it('refuses a timeout that is not positive', async () => {
    await expect(handshake({ command: process.execPath, args: [], env: {} }, { timeoutMs: 0 })).rejects.toMatchObject({ code: 'E_CONFIG' })
  })
})
