/**
 * The probe server reports honestly what it could do: unsandboxed here, it reaches the listener,
 * writes and reads what it is asked to, and says which attempts failed with which code. And
 * `bubblewrapService` refuses to skip when bubblewrap is required but missing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import type { Server } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { buildProbeServerPackage, callToolOverStdio, probeServerPackageName, probeServerSource } from '../src/mcp/index'
import type { ProbeReport } from '../src/mcp/index'
import { bubblewrapService } from '../src/services/bubblewrap'

let root: string
let script: string
let listener: Server
let port = 0
let connections = 0
// The report and the listener's accept are two events in any order: wait for the accept.
let accepted: () => void = () => undefined
const firstConnection = new Promise<void>((resolve) => {
  accepted = resolve
})

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'tekton-probe-'))
  script = path.join(root, 'probe.js')
  await writeFile(script, probeServerSource())
  listener = createServer((socket) => {
    connections += 1
    socket.destroy()
    accepted()
  })
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
  const address = listener.address()
  port = typeof address === 'object' && address ? address.port : 0
})

afterAll(async () => {
  await new Promise((resolve) => listener.close(resolve))
  await rm(root, { recursive: true, force: true })
})

describe('the probe server', () => {
  it('connects, writes and reads as asked, and reports each failure with its code', async () => {
    const home = path.join(root, 'home')
    await writeFile(path.join(root, 'secret.txt'), 'the secret\n')
    const text = await callToolOverStdio({ command: process.execPath, args: [script] }, { PATH: process.env.PATH ?? '', HOME: home }, 'probe', {
      connect: { host: '127.0.0.1', port },
      write: [path.join(root, 'written.txt'), path.join(root, 'no-such-directory', 'x.txt')],
      read: [path.join(root, 'secret.txt'), path.join(root, 'missing.txt')],
    })
    const report = JSON.parse(text) as ProbeReport
    await firstConnection
    expect(connections).toBe(1)
    expect(report.connect).toEqual({ ok: true })
    expect(report.writes).toEqual([{ path: path.join(root, 'written.txt'), ok: true }, { path: path.join(root, 'no-such-directory', 'x.txt'), ok: false, code: 'ENOENT' }])
    expect(existsSync(path.join(root, 'written.txt'))).toBe(true)
    expect(report.reads).toEqual([{ path: path.join(root, 'secret.txt'), ok: true, content: 'the secret\n' }, { path: path.join(root, 'missing.txt'), ok: false, code: 'ENOENT' }])
    // HOME does not exist: its write fails, and says so.
    expect(report).toMatchObject({ home, homeWrite: { ok: false, code: 'ENOENT' } })
  })

  it('reports a refused connection', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const address = closed.address()
    const closedPort = typeof address === 'object' && address ? address.port : 0
    await new Promise((resolve) => closed.close(resolve))
    const report = JSON.parse(await callToolOverStdio({ command: process.execPath, args: [script] }, { PATH: process.env.PATH ?? '', HOME: root }, 'probe', { connect: { host: '127.0.0.1', port: closedPort } })) as ProbeReport
    expect(report.connect).toEqual({ ok: false, code: 'ECONNREFUSED' })
    expect(await readFile(path.join(root, 'probe-home-write.txt'), 'utf8')).toBe('written by the probe\n')
  })

  it('callToolOverStdio rejects with the stderr of a server that exits, and with an error the server answers', async () => {
    const dying = path.join(root, 'dying.js')
    await writeFile(dying, "process.stderr.write('cannot start: no config\\n'); process.exit(3)\n")
    await expect(callToolOverStdio({ command: process.execPath, args: [dying] }, { PATH: process.env.PATH ?? '' }, 'probe', {})).rejects.toThrow(/exited \(3\) before answering: cannot start: no config/)
    await expect(callToolOverStdio({ command: process.execPath, args: [script] }, { PATH: process.env.PATH ?? '' }, 'nothing', {})).rejects.toThrow(/answered an error/)
  })

  it('is published as an npm package whose bin runs it', () => {
    const pkg = buildProbeServerPackage()
    expect(pkg.packument.name).toBe(probeServerPackageName)
    expect(Object.keys(pkg.tarballs ?? {})).toEqual(['1.0.0'])
  })
})

describe('bubblewrapService', () => {
  it('fails instead of skipping when bubblewrap is required and missing', () => {
    expect(() => bubblewrapService({ PATH: path.join(root, 'nowhere'), TEKTON_MCP_REQUIRE_SERVICES: 'bubblewrap' })).toThrow(/bubblewrap is unavailable: bwrap is not on PATH .*TEKTON_MCP_REQUIRE_SERVICES names bubblewrap/)
    expect(bubblewrapService({ PATH: path.join(root, 'nowhere') })).toEqual({ unavailable: expect.stringContaining('bwrap is not on PATH') })
  })
})
