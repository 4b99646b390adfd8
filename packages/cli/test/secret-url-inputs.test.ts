/**
 * A remote server whose URL template has a secret `{variable}` (server.json `remotes[].variables`
 * with `isSecret`): the value reaches the server (the fixture logs each request's query string)
 * at install, at verify and through a client entry, and no file under the data directory but the
 * secret store holds it, nor any output.
 */
import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { secretStoreFile } from '@tekton/mcp-installation'
import { callToolOverStdio, officialRemoteOnlyEntry, startFakeOfficialRegistry, startRemoteMcpFixture } from '@tekton/mcp-testkit'
import type { FakeOfficialEntry, FakeOfficialRegistry, RemoteFixture } from '@tekton/mcp-testkit'
import { installEnvironment, run, temporaryHome } from './helpers'

const timeout = 600_000
const remoteName = 'io.example.test/keyed-notes'
const apiKey = 'header-key-never-shown-3141'
const urlSecret = 'url/tenant secret 2718'
let official: FakeOfficialRegistry
let remote: RemoteFixture
const homes: Array<{ remove: () => Promise<void> }> = []

function keyedEntry(url: string): FakeOfficialEntry {
  const entry = officialRemoteOnlyEntry({ name: remoteName, url })
  const remotes = (entry.server as unknown as { remotes: Array<Record<string, unknown>> }).remotes
  remotes[0]!.variables = { tenant_token: { description: 'Your tenant token', isRequired: true, isSecret: true } }
  return entry
}

beforeAll(async () => {
  remote = await startRemoteMcpFixture({ name: 'keyed-remote', version: '1.0.0', requiredHeader: { name: 'X-API-Key', value: apiKey } })
  official = await startFakeOfficialRegistry({ servers: [keyedEntry(`${remote.streamableUrl}?tenant={tenant_token}`)] })
})

afterAll(async () => {
  await Promise.all([official?.close(), remote?.close(), ...homes.map((home) => home.remove())])
})

async function filesHolding(directory: string, value: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true })
  const holding: string[] = []
  for (const entry of entries.filter((candidate) => candidate.isFile())) {
    const file = path.join(entry.parentPath, entry.name)
    const bytes = await readFile(file)
    if (bytes.includes(value) || bytes.includes(encodeURIComponent(value))) holding.push(path.relative(directory, file))
  }
  return holding
}

describe('a secret variable in a remote URL', () => {
  it('reaches the server at install, verify and through a client entry, and is kept only in the secret store', async () => {
    const home = await temporaryHome()
    homes.push(home)
    const env = installEnvironment('http://127.0.0.1:9', home.directory, { TEKTON_MCP_SOURCES: 'registry', TEKTON_MCP_REGISTRY_URL: official.baseUrl })
    const expectedQuery = `?tenant=${encodeURIComponent(urlSecret)}`
    remote.requests.queries.length = 0
    const installed = await run(['install', `registry:${remoteName}`, '--input', `X-API-Key=${apiKey}`, '--input', `tenant_token=${urlSecret}`, '--yes', '--json'], { env })
    expect(installed.stderr).not.toContain('error')
    expect(installed.code).toBe(0)
    expect(remote.requests.queries).toContain(expectedQuery)
    expect(JSON.parse(installed.stdout).server.remote.url).toBe(`${remote.streamableUrl}?tenant={tekton-secret-url:tenant_token}`)

    remote.requests.queries.length = 0
    const verify = await run(['verify', 'keyed-notes'], { env })
    expect(verify.code).toBe(0)
    expect(remote.requests.queries).toContain(expectedQuery)

    const list = await run(['list', '--json'], { env })
    const info = await run(['info', `registry:${remoteName}`], { env })
    const bridged = await run(['configure', 'keyed-notes', '--client', 'claude-desktop', '--json'], { env })
    expect(bridged.code).toBe(0)
    const written = (JSON.parse(bridged.stdout) as { results: Array<{ file: string; name: string }> }).results[0]!
    const desktop = JSON.parse(await readFile(written.file, 'utf8')) as { mcpServers: Record<string, { command: string; args: string[] }> }
    const entry = desktop.mcpServers[written.name]!
    expect(entry.args.some((argument) => argument.endsWith('launcher.js'))).toBe(true)
    remote.requests.queries.length = 0
    expect(await callToolOverStdio(entry, {}, 'echo', { text: 'through the bridge' })).toContain('through the bridge')
    expect(remote.requests.queries).toContain(expectedQuery)

    for (const output of [installed, verify, list, info, bridged]) {
      expect(`${output.stdout}${output.stderr}`).not.toContain(urlSecret)
      expect(`${output.stdout}${output.stderr}`).not.toContain(encodeURIComponent(urlSecret))
    }
    const store = path.relative(home.directory, secretStoreFile(path.join(home.directory, 'data')))
    expect(await filesHolding(home.directory, urlSecret)).toEqual([store])
  }, timeout)
})
