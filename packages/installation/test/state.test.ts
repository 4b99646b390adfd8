import { mkdir, readFile, readdir, stat, utimes, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { acquireLock, isLockHeld } from '../src/lock'
import { createStateStore, parseState } from '../src/state'
import type { InstalledServer } from '../src/index'
import { tempDirectory } from './helpers'

let root: string
let cleanup: () => Promise<void>
let counter = 0

beforeAll(async () => {
  ;({ root, cleanup } = await tempDirectory())
})
afterAll(async () => {
  await cleanup()
})

function freshFile(): string {
  counter += 1
  return path.join(root, `state-${counter}`, 'installed.json')
}

function serverRecord(name: string): InstalledServer {
  return {
    name,
    slug: `${name}-00000000`,
    ref: `npm:${name}`,
    source: { name, description: 'test' },
    installer: 'node',
    registryType: 'npm',
    identifier: name,
    activeVersion: '1.0.0',
    versions: {
      '1.0.0': {
        version: '1.0.0',
        directory: `/data/servers/${name}/versions/1.0.0`,
        installedAt: '2025-01-01T00:00:00.000Z',
        integrity: { value: 'sha512-x', source: 'test' },
        treeDigest: 'sha256:00',
        fileCount: 1,
        launch: { command: '/usr/bin/node', args: ['index.js'], env: {} },
        handshake: null,
      },
    },
    configuration: { env: {}, args: [] },
    environmentVariables: [],
    allowScripts: false,
    installedAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
  }
}

describe('state store', () => {
  it('reads an empty state when there is no file, and writes a versioned, private file', async () => {
    const file = freshFile()
    const store = createStateStore({ file })
    expect(await store.read()).toEqual({ schemaVersion: 1, servers: {} })
    const returned = await store.update((state) => {
      state.servers.alpha = serverRecord('alpha')
      return 'done'
    })
    expect(returned).toBe('done')
    const written = JSON.parse(await readFile(file, 'utf8'))
    expect(written.schemaVersion).toBe(1)
    expect(Object.keys(written.servers)).toEqual(['alpha'])
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(await readdir(path.dirname(file))).toEqual(['installed.json'])
    expect((await store.read()).servers.alpha?.activeVersion).toBe('1.0.0')
  })

  it('writes nothing when the change throws or leaves an invalid state', async () => {
    const file = freshFile()
    const store = createStateStore({ file })
    await store.update((state) => {
      state.servers.alpha = serverRecord('alpha')
    })
    const before = await readFile(file, 'utf8')
    await expect(
      store.update((state) => {
        delete state.servers.alpha
        throw new Error('changed my mind')
      }),
    ).rejects.toThrow('changed my mind')
    await expect(
      store.update((state) => {
        ;(state.servers.alpha as unknown as Record<string, unknown>).activeVersion = 42
      }),
    ).rejects.toMatchObject({ code: 'E_INTERNAL' })
    expect(await readFile(file, 'utf8')).toBe(before)
  })

  it('keeps fields it does not know (written by a newer minor version)', async () => {
    const file = freshFile()
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, JSON.stringify({ schemaVersion: 1, servers: { alpha: { ...serverRecord('alpha'), pinned: true } }, note: 'kept' }))
    const store = createStateStore({ file })
    await store.update(() => undefined)
    const written = JSON.parse(await readFile(file, 'utf8'))
    expect(written.note).toBe('kept')
    expect(written.servers.alpha.pinned).toBe(true)
  })

  it('refuses a newer schema version with E_STATE_VERSION and leaves the file alone', async () => {
    const file = freshFile()
    await mkdir(path.dirname(file), { recursive: true })
    const newer = JSON.stringify({ schemaVersion: 2, servers: {}, somethingNew: [] })
    await writeFile(file, newer)
    const store = createStateStore({ file })
    await expect(store.read()).rejects.toMatchObject({ code: 'E_STATE_VERSION', hint: expect.stringContaining('upgrade') })
    await expect(store.update(() => undefined)).rejects.toMatchObject({ code: 'E_STATE_VERSION' })
    expect(await readFile(file, 'utf8')).toBe(newer)
  })

  it('refuses a corrupt file with E_STATE_CORRUPT naming it, and never overwrites it', async () => {
    const file = freshFile()
    await mkdir(path.dirname(file), { recursive: true })
    for (const text of ['{"schemaVersion": 1, "servers": {', '{"schemaVersion": 1, "servers": {"x": {"name": 3}}}', '[]', 'null']) {
      await writeFile(file, text)
      const store = createStateStore({ file })
      const error = await store.read().catch((caught: unknown) => caught)
      expect(error).toMatchObject({ code: 'E_STATE_CORRUPT' })
      expect((error as Error).message).toContain(file)
      expect((error as { hint: string }).hint).toContain('Move')
      await expect(store.update(() => undefined)).rejects.toMatchObject({ code: 'E_STATE_CORRUPT' })
      expect(await readFile(file, 'utf8')).toBe(text)
    }
    expect(() => parseState('{"schemaVersion":1,"servers":{"a":{}}}', 'x.json')).toThrow(/servers\.a\.name/)
  })

  it('serialises concurrent updates: none is lost', async () => {
    const file = freshFile()
    // Twenty writers queue for one lock: give the last one ample time on a loaded machine.
    const stores = Array.from({ length: 4 }, () => createStateStore({ file, lockTimeoutMs: 120_000 }))
    await Promise.all(
      Array.from({ length: 20 }, (_unused, index) =>
        stores[index % 4]!.update(async (state) => {
          await new Promise((resolve) => setTimeout(resolve, 1))
          state.servers[`server-${index}`] = serverRecord(`server-${index}`)
        }),
      ),
    )
    const state = await createStateStore({ file }).read()
    expect(Object.keys(state.servers)).toHaveLength(20)
  })

  it('takes over a stale lock, and sweeps a dead writer’s temporary file', async () => {
    const file = freshFile()
    const directory = path.dirname(file)
    await mkdir(`${file}.lock`, { recursive: true })
    const old = new Date(Date.now() - 60_000)
    await utimes(`${file}.lock`, old, old)
    await writeFile(path.join(directory, 'installed.json.999.abcd.tmp'), '{"half": ')
    const store = createStateStore({ file, lockStaleMs: 10_000, lockTimeoutMs: 60_000 })
    await store.update((state) => {
      state.servers.alpha = serverRecord('alpha')
    })
    expect((await readdir(directory)).sort()).toEqual(['installed.json'])
  })

  it('gives up on a fresh lock after the timeout with E_LOCKED naming the holder', async () => {
    const file = freshFile()
    await mkdir(path.dirname(file), { recursive: true })
    const held = await acquireLock(`${file}.lock`, 'install demo', { staleMs: 10_000, timeoutMs: 0 })
    try {
      expect(await isLockHeld(`${file}.lock`, 10_000)).toBe(true)
      const store = createStateStore({ file, lockTimeoutMs: 150 })
      const error = await store.update(() => undefined).catch((caught: unknown) => caught)
      expect(error).toMatchObject({ code: 'E_LOCKED' })
      expect((error as Error).message).toContain(`pid ${process.pid}`)
      expect((error as Error).message).toContain('install demo')
      expect((error as { hint: string }).hint).toContain('taken over automatically')
    } finally {
      await held.release()
    }
    expect(await isLockHeld(`${file}.lock`, 10_000)).toBe(false)
  })

  it('checks its options', () => {
    expect(() => createStateStore({ file: 'relative.json' })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
  })
})
