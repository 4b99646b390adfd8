import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { bubblewrapService, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { closedPort, installEnvironment, run, stackFrame, temporaryHome } from './helpers'

interface DoctorJson {
  ok: boolean
  runtimes: Array<{ name: string; required: boolean; found: boolean; version?: string; path?: string; note: string }>
  directories: Array<{ name: string; path: string; required: boolean; writable: boolean; error?: string }>
  registries: Array<{ source: string; name: string; reachable: boolean; durationMs: number; error?: { code: string; message: string } }>
  ergon: { configured: boolean; autoRegister: boolean; store?: string }
  problems: string[]
  warnings: string[]
}

let registry: FakeNpmRegistry
let home: { directory: string; remove: () => Promise<void> }

beforeAll(async () => {
  registry = await startFakeNpmRegistry({ packages: [] })
})

afterAll(async () => {
  await registry.close()
})

beforeEach(async () => {
  home = await temporaryHome()
})

afterEach(async () => {
  await home.remove()
})


describe('doctor', () => {
  it('reports runtimes, writable directories and reachable sources as JSON, exit 0', async () => {
    const env = installEnvironment(registry.url, home.directory)
    const result = await run(['doctor', '--json'], { env })
    expect(result.code).toBe(0)
    const report = JSON.parse(result.stdout) as DoctorJson
    expect(Object.keys(report).sort()).toEqual(['directories', 'ergon', 'ok', 'problems', 'registries', 'runtimes', 'warnings'])
    // No TEKTON_ROOT or DATABASE_URL here: Ergon's store is reported as not configured, which is no problem.
    expect(report.ergon).toEqual({ configured: false, autoRegister: false })
    expect(report.ok).toBe(true)
    expect(report.problems).toEqual([])
    expect(report.runtimes.slice(0, 7).map((runtime) => [runtime.name, runtime.required])).toEqual([
      ['node', true],
      ['npm', true],
      ['python', false],
      ['venv', false],
      ['pip', false],
      ['uv', false],
      ['docker', false],
    ])
    // python, its venv module and pip are on this machine; uv is not, and a missing uv is only a warning.
    expect(report.runtimes.find((runtime) => runtime.name === 'pip')).toMatchObject({ found: true, version: expect.stringMatching(/^\d+\.\d+/) })
    expect(report.runtimes.find((runtime) => runtime.name === 'venv')).toMatchObject({ found: true, version: expect.stringMatching(/^3\.\d+\.\d+/) })
    // A docker client is followed by the engine it talks to (none here: DOCKER_HOST is not set up).
    const engine = report.runtimes.find((runtime) => runtime.name === 'docker engine')
    expect(engine === undefined).toBe(report.runtimes[6]?.found !== true)
    // Whether install --sandbox can work here, tried with bubblewrap itself.
    const sandbox = report.runtimes.find((runtime) => runtime.name === 'sandbox')
    if ('path' in bubblewrapService()) expect(sandbox).toMatchObject({ found: true, path: expect.stringMatching(/bwrap$/), note: expect.stringContaining('bubblewrap works here') })
    else expect(report.warnings.join('\n')).toMatch(/No sandbox on this platform/)
    expect(report.runtimes[0]).toMatchObject({ found: true, version: process.versions.node, path: expect.stringMatching(/node$/) })
    expect(report.runtimes[1]).toMatchObject({ found: true, version: expect.stringMatching(/^\d+\.\d+\.\d+/) })
    expect(report.directories).toEqual([
      { name: 'data', path: path.join(home.directory, 'data'), required: true, writable: true },
      { name: 'cache', path: path.join(home.directory, 'cache'), required: false, writable: true },
      { name: 'config', path: path.join(home.directory, 'config'), required: false, writable: true },
    ])
    expect(report.registries).toEqual([{ source: 'npm', name: expect.any(String), reachable: true, durationMs: expect.any(Number) }])
    // The probe is one cheap request for a name nobody publishes.
    expect(registry.requests.map((request) => request.path)).toContain('/tekton-mcp-doctor-probe')

    const text = await run(['doctor'], { env })
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^Runtimes\n {2}✓ +node +\d+\.\d+\.\d+ +\/\S+node +runs npm servers\n/)
    expect(text.stdout).toMatch(/\nDirectories\n {2}✓ +data +\/\S+ +writable\n/)
    expect(text.stdout).toMatch(/\nRegistries\n {2}✓ +npm +answered in \d+(\.\d+)? m?s\n/)
    expect(text.stdout).toMatch(/\nReady to install MCP servers( \(\d+ warnings?\))?\.\n$/)
  })

  it('says when the docker client finds no engine, with how to start one', async () => {
    const env = installEnvironment(registry.url, home.directory, { DOCKER_HOST: `unix://${path.join(home.directory, 'no-engine.sock')}` })
    const json = JSON.parse((await run(['doctor', '--json'], { env })).stdout) as DoctorJson
    const client = json.runtimes.find((runtime) => runtime.name === 'docker')
    const engine = json.runtimes.find((runtime) => runtime.name === 'docker engine')
    if (client?.found !== true) {
      expect(engine).toBeUndefined()
      return
    }
    expect(engine).toMatchObject({ found: false, required: false, note: expect.stringContaining('no-engine.sock') })
    expect(json.warnings.join('\n')).toMatch(/No docker engine answers: .*DOCKER_HOST/)
  })

  it('fails (exit 1) without node and npm on the PATH, saying what to install', async () => {
    const empty = path.join(home.directory, 'empty-bin')
    await mkdir(empty)
    const env = installEnvironment(registry.url, home.directory, { PATH: empty })
    const result = await run(['doctor'], { env })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/\n {2}✗ +node +not found +install Node\.js from https:\/\/nodejs\.org/)
    expect(result.stdout).toMatch(/\n {2}! +docker +not found/)
    expect(result.stdout).toMatch(/\n2 required checks failed:\n {2}node is not on the PATH: .+\n {2}npm is not on the PATH: .+\n$/)
    const json = JSON.parse((await run(['doctor', '--json'], { env })).stdout) as DoctorJson
    expect(json.ok).toBe(false)
    expect(json.problems).toHaveLength(2)
  })

  it('fails (exit 1) when the data directory cannot be written', async () => {
    // A file where the directory should be: even root cannot create a directory under it.
    const blocked = path.join(home.directory, 'blocked')
    await writeFile(blocked, 'not a directory')
    const env = installEnvironment(registry.url, home.directory, { TEKTON_MCP_HOME: blocked })
    const result = await run(['doctor', '--json'], { env })
    expect(result.code).toBe(1)
    const report = JSON.parse(result.stdout) as DoctorJson
    expect(report.directories[0]).toMatchObject({ name: 'data', writable: false, error: expect.stringContaining('ENOTDIR') })
    expect(report.problems).toEqual([expect.stringMatching(/^The data directory .*blocked.data is not writable: /)])
    expect(result.stderr).not.toMatch(stackFrame)
  })

  it('warns, exit 0, when a source does not answer', async () => {
    const env = installEnvironment(`http://127.0.0.1:${await closedPort()}`, home.directory)
    const result = await run(['doctor', '--json'], { env })
    expect(result.code).toBe(0)
    const report = JSON.parse(result.stdout) as DoctorJson
    expect(report.registries).toEqual([{ source: 'npm', name: expect.any(String), reachable: false, durationMs: expect.any(Number), error: { code: expect.stringMatching(/^E_/), message: expect.stringContaining('127.0.0.1') } }])
    expect(report.warnings).toContainEqual(expect.stringMatching(/^npm did not answer: /))
    const text = await run(['doctor'], { env })
    expect(text.stdout).toMatch(/\n {2}! +npm +E_[A-Z_]+: /)
  })

  it('warns about a misconfigured source list instead of failing', async () => {
    const env = installEnvironment(registry.url, home.directory, { TEKTON_MCP_SOURCES: 'carrier-pigeon' })
    const result = await run(['doctor', '--json'], { env })
    expect(result.code).toBe(0)
    const report = JSON.parse(result.stdout) as DoctorJson
    expect(report.registries).toEqual([])
    expect(report.warnings).toContainEqual(expect.stringContaining('TEKTON_MCP_SOURCES names unknown source "carrier-pigeon"'))
    expect((await run(['doctor'], { env })).stdout).toContain('no source configured')
  })
})
