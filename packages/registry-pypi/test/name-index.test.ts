import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { buildPypiProject, generatePypiNames, pypiFixtureProjects, startFakePypi } from '@tekton/mcp-testkit'
import type { FakePypi } from '@tekton/mcp-testkit'
import { createPypiNameIndex } from '../src/name-index'
import { indexFiles, readStoredIndex } from '../src/index-store'
import { nameRuleVersion } from '../src/classify'
import type { PypiNameIndexOptions } from '../src/name-index'
import { tempTree, write } from './helpers'

let pypi: FakePypi
let root: string
let cleanup: () => Promise<void>
let clock: number
const hour = 60 * 60 * 1000

beforeEach(async () => {
  ;({ root, cleanup } = await tempTree())
  pypi = await startFakePypi({ projects: pypiFixtureProjects, indexNames: generatePypiNames(3000, { seed: 7 }) })
  clock = Date.parse('2026-01-10T12:00:00Z')
})
afterEach(async () => {
  await pypi.close()
  await cleanup()
})

function nameIndex(extra: Partial<PypiNameIndexOptions> = {}) {
  return createPypiNameIndex({ indexUrl: pypi.indexUrl, directory: path.join(root, 'index'), now: () => clock, ...extra })
}

const indexRequests = () => pypi.requests.filter((request) => request.path === '/simple/')

describe('building the name index', () => {
  it('streams the index once, keeps the MCP-looking names, and stores them in two files', async () => {
    const index = nameIndex()
    const loaded = await index.get()
    const names = loaded?.entries.map((entry) => entry.name) ?? []
    expect(names).toEqual(expect.arrayContaining(['mcp-server-fetch', 'mcp-server-postgres', 'Weather_MCP', 'mcpi']))
    expect(names).not.toContain('mcp')
    expect(names).not.toContain('requests')
    expect(loaded?.meta).toMatchObject({ format: 1, rule: nameRuleVersion, indexUrl: pypi.indexUrl, fetchedAt: clock, projectCount: 3008, nameCount: names.length, etag: expect.any(String), apiVersion: '1.1' })
    // Far fewer names than the index lists: about 1% of the generated ones, plus the fixtures.
    expect(names.length).toBeLessThan(3008 / 10)

    const directory = path.join(root, 'index')
    const files = indexFiles(directory, pypi.indexUrl)
    // Written atomically: the two files and no temporary file left behind.
    expect((await readdir(directory)).sort()).toEqual([path.basename(files.meta), path.basename(files.names)].sort())
    expect((await readFile(files.names, 'utf8')).split('\n').filter(Boolean)).toEqual(names)
    expect(JSON.parse(await readFile(files.meta, 'utf8'))).toEqual(loaded?.meta)

    // A second get (and a later process) uses what is there.
    await index.get()
    expect(await nameIndex().get()).toEqual(loaded)
    expect(indexRequests()).toHaveLength(1)
  })

  it('builds once for concurrent callers', async () => {
    const index = nameIndex()
    const [first, second] = await Promise.all([index.get(), index.get()])
    expect(first).toBe(second)
    expect(indexRequests()).toHaveLength(1)
  })

  it('answers undefined when the build cannot finish in time, then finishes in the background', async () => {
    pypi.setFault({ kind: 'delay', ms: 400, path: '/simple/', times: 1 })
    const index = nameIndex({ now: Date.now })
    expect(await index.get({ waitUntil: Date.now() + 50 })).toBeUndefined()
    expect((await index.info()).state).toBe('building')
    await index.settle()
    const info = await index.info()
    expect(info).toMatchObject({ state: 'ready', updating: false, nameCount: expect.any(Number) })
    expect(await index.get({ waitUntil: Date.now() })).toBeDefined()
    expect(indexRequests()).toHaveLength(1)
  })

  it('stops waiting when the caller aborts, and keeps building', async () => {
    pypi.setFault({ kind: 'delay', ms: 200, path: '/simple/', times: 1 })
    const index = nameIndex()
    const controller = new AbortController()
    const waiting = index.get({ signal: controller.signal })
    controller.abort()
    await expect(waiting).rejects.toMatchObject({ code: 'E_ABORTED' })
    await index.settle()
    expect((await index.info()).state).toBe('ready')
  })

  it('stores nothing from a truncated or malformed index, and does not retry within the retry delay', async () => {
    for (const fault of [{ kind: 'truncate' } as const, { kind: 'invalid-json' } as const]) {
      const index = nameIndex()
      pypi.setFault({ ...fault, path: '/simple/', times: 1 })
      await expect(index.get()).rejects.toMatchObject({ code: 'E_BAD_RESPONSE' })
      await expect(readdir(path.join(root, 'index'))).rejects.toMatchObject({ code: 'ENOENT' })
      const requests = indexRequests().length
      // Within the retry delay the last error comes back without another download.
      await expect(index.get()).rejects.toMatchObject({ code: 'E_BAD_RESPONSE' })
      expect(indexRequests()).toHaveLength(requests)
      expect(await index.info()).toMatchObject({ state: 'failed', lastError: { code: 'E_BAD_RESPONSE' } })
      clock += 61_000
      expect(await index.get()).toBeDefined()
      expect(indexRequests()).toHaveLength(requests + 1)
      expect((await index.info()).lastError).toBeUndefined()
      await cleanup()
      ;({ root, cleanup } = await tempTree())
    }
  })

  it('rebuilds when the stored files do not match (a torn write, a damaged file, another rule)', async () => {
    const loaded = await nameIndex().get()
    const files = indexFiles(path.join(root, 'index'), pypi.indexUrl)
    await writeFile(files.names, `${await readFile(files.names, 'utf8')}extra-mcp\n`)
    expect(await readStoredIndex(path.join(root, 'index'), pypi.indexUrl, nameRuleVersion)).toBeUndefined()
    expect(await nameIndex().get()).toEqual(loaded)
    expect(indexRequests()).toHaveLength(2)

    const meta = JSON.parse(await readFile(files.meta, 'utf8'))
    await writeFile(files.meta, JSON.stringify({ ...meta, rule: nameRuleVersion + 1 }))
    await nameIndex().get()
    expect(indexRequests()).toHaveLength(3)
    await writeFile(files.meta, '{ not json')
    await nameIndex().get()
    expect(indexRequests()).toHaveLength(4)
    expect(await readStoredIndex(path.join(root, 'index'), 'http://other.example/simple/', nameRuleVersion)).toBeUndefined()
  })

  it('still answers from memory when the directory cannot be written, and says why', async () => {
    await write(path.join(root, 'blocked'), 'a file where the directory should be')
    const index = nameIndex({ directory: path.join(root, 'blocked', 'index') })
    expect((await index.get())?.entries.length).toBeGreaterThan(0)
    expect((await index.info()).writeError).toMatch(/cannot write/)
  })

  it('keeps credentials out of file names, files and messages', async () => {
    const withPassword = pypi.indexUrl.replace('http://', 'http://alice:s3cret@')
    const index = nameIndex({ indexUrl: withPassword })
    await index.get()
    expect(index.indexUrl).toBe(pypi.indexUrl)
    expect(index.files).toEqual(indexFiles(path.join(root, 'index'), pypi.indexUrl))
    expect(await readFile(index.files.meta, 'utf8')).not.toContain('s3cret')
    expect(JSON.stringify(await index.info())).not.toContain('s3cret')
  })
})

describe('revalidating the name index', () => {
  it('serves a stale index at once and revalidates it in the background with If-None-Match', async () => {
    const index = nameIndex()
    const built = await index.get()
    const files = indexFiles(path.join(root, 'index'), pypi.indexUrl)
    const namesBefore = await readFile(files.names, 'utf8')
    clock += 25 * hour
    expect((await index.info()).state).toBe('stale')
    expect(await index.get()).toBe(built)
    await index.settle()
    const revalidation = indexRequests().at(-1)
    expect(revalidation?.headers['if-none-match']).toBe(built?.meta.etag)
    // Not modified: same names, a new fetch time, on disk too.
    const after = await index.get()
    expect(after?.entries).toBe(built?.entries)
    expect(after?.meta.fetchedAt).toBe(clock)
    expect(JSON.parse(await readFile(files.meta, 'utf8')).fetchedAt).toBe(clock)
    expect(await readFile(files.names, 'utf8')).toBe(namesBefore)
    expect((await index.info()).state).toBe('ready')
    expect(indexRequests()).toHaveLength(2)
  })

  it('replaces the index when it changed', async () => {
    const index = nameIndex()
    await index.get()
    pypi.setProject(buildPypiProject({ name: 'mcp-server-brand-new', summary: 'New', requiresDist: ['mcp'], versions: ['0.1.0'] }))
    clock += 25 * hour
    await index.get()
    await index.settle()
    const names = (await index.get())?.entries.map((entry) => entry.name)
    expect(names).toContain('mcp-server-brand-new')
    expect((await nameIndex().get())?.entries.map((entry) => entry.name)).toContain('mcp-server-brand-new')
  })

  it('keeps the stale index when revalidation fails, and waits before trying again', async () => {
    const index = nameIndex()
    const built = await index.get()
    clock += 25 * hour
    pypi.setFault({ kind: 'status', status: 503, path: '/simple/', times: 1 })
    expect(await index.get()).toBe(built)
    await index.settle()
    expect(await index.info()).toMatchObject({ state: 'stale', lastError: { code: 'E_HTTP' } })
    await index.get()
    await index.settle()
    expect(indexRequests()).toHaveLength(2)
    clock += 61_000
    await index.get()
    await index.settle()
    expect(indexRequests()).toHaveLength(3)
    expect(await index.info()).toMatchObject({ state: 'ready' })
  })

  it('refreshes on demand: conditionally, or downloading everything with force', async () => {
    const index = nameIndex()
    await index.get()
    await index.refresh()
    expect(indexRequests().at(-1)?.headers['if-none-match']).toEqual(expect.any(String))
    await index.refresh({ force: true })
    expect(indexRequests().at(-1)?.headers['if-none-match']).toBeUndefined()
    expect(indexRequests()).toHaveLength(3)
  })

  it('settles within a bound even while a download hangs', async () => {
    pypi.setFault({ kind: 'hang', path: '/simple/', times: 1 })
    // The download's own limit is far beyond the test, so it is surely still running below.
    const index = nameIndex({ timeoutMs: 600_000 })
    expect(await index.get({ waitUntil: clock })).toBeUndefined()
    await index.settle({ timeoutMs: 50 })
    // settle returned while the download is still running.
    expect((await index.info()).updating).toBe(true)
  })
})

describe('options', () => {
  it('refuses nonsense up front', () => {
    expect(() => nameIndex({ ttlMs: 0 })).toThrow(/ttlMs/)
    expect(() => nameIndex({ maxBytes: Number.NaN })).toThrow(/maxBytes/)
    expect(() => nameIndex({ retryDelayMs: -1 })).toThrow(/retryDelayMs/)
  })
})
