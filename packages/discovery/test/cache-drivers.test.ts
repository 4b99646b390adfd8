// One behaviour suite that every cache driver must pass, then what is particular to each.
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { fileCache } from '../src/cache/file'
import { memoryCache } from '../src/cache/memory'
import type { CacheDriver, CacheEntry } from '../src/cache/types'

const directories: string[] = []
afterAll(async () => {
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })))
})

async function temporaryDirectory(): Promise<string> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'tekton-cache-drivers-'))
  directories.push(directory)
  return directory
}

function manualClock(start = 1_000_000) {
  const clock = { time: start, now: () => clock.time }
  return clock
}

function entry(value: unknown, storedAt = 1_000_000): CacheEntry {
  return { value, storedAt }
}

const drivers: Array<[string, (now: () => number) => Promise<CacheDriver>]> = [
  ['memory', async (now) => memoryCache({ now })],
  ['file', async (now) => fileCache({ dir: await temporaryDirectory(), now })],
]

describe.each(drivers)('%s driver conformance', (_name, create) => {
  it('returns undefined for a key never stored', async () => {
    const driver = await create(Date.now)
    await expect(driver.get('npm:missing')).resolves.toBeUndefined()
  })

  it('returns what was stored, validators included, and overwrites on a second set', async () => {
    const driver = await create(Date.now)
    const stored: CacheEntry = { value: { name: 'server-filesystem', tags: ['mcp'] }, storedAt: 42, etag: 'W/"1"', lastModified: 'Tue, 01 Jul 2025 00:00:00 GMT' }
    await driver.set('npm:meta:server-filesystem', stored, 60_000)
    await expect(driver.get('npm:meta:server-filesystem')).resolves.toEqual(stored)
    await driver.set('npm:meta:server-filesystem', entry('second'), 60_000)
    await expect(driver.get('npm:meta:server-filesystem')).resolves.toEqual(entry('second'))
  })

  it('drops an entry once its ttl has passed, and lists only live keys', async () => {
    const clock = manualClock()
    const driver = await create(clock.now)
    await driver.set('short', entry('a'), 1_000)
    await driver.set('long', entry('b'), 10_000)
    clock.time += 999
    await expect(driver.get('short')).resolves.toEqual(entry('a'))
    clock.time += 2
    await expect(driver.get('short')).resolves.toBeUndefined()
    await expect(driver.keys()).resolves.toEqual(['long'])
    await expect(driver.get('long')).resolves.toEqual(entry('b'))
  })

  it('treats a ttl of zero or less as already expired, removing any older copy', async () => {
    const driver = await create(Date.now)
    await driver.set('key', entry('old'), 60_000)
    await driver.set('key', entry('new'), 0)
    await expect(driver.get('key')).resolves.toBeUndefined()
    await driver.set('other', entry('x'), -5)
    await expect(driver.keys()).resolves.toEqual([])
  })

  it('deletes one key and clears all', async () => {
    const driver = await create(Date.now)
    await Promise.all(['a', 'b', 'c'].map((key) => driver.set(key, entry(key), 60_000)))
    await driver.delete('b')
    await expect(driver.get('b')).resolves.toBeUndefined()
    expect((await driver.keys()).sort()).toEqual(['a', 'c'])
    await driver.clear()
    await expect(driver.keys()).resolves.toEqual([])
    await expect(driver.get('a')).resolves.toBeUndefined()
  })
})

describe('memoryCache', () => {
  it('evicts the least recently used entry beyond maxEntries', async () => {
    const driver = memoryCache({ maxEntries: 2 })
    await driver.set('a', entry('a'), 60_000)
    await driver.set('b', entry('b'), 60_000)
    await driver.get('a') // a is now more recent than b
    await driver.set('c', entry('c'), 60_000)
    await expect(driver.get('b')).resolves.toBeUndefined()
    await expect(driver.get('a')).resolves.toEqual(entry('a'))
    await expect(driver.get('c')).resolves.toEqual(entry('c'))
  })

  it('keeps 500 entries by default', async () => {
    const driver = memoryCache()
    for (let index = 0; index <= 500; index++) await driver.set(`key-${index}`, entry(index), 60_000)
    expect(await driver.keys()).toHaveLength(500)
    await expect(driver.get('key-0')).resolves.toBeUndefined()
    await expect(driver.get('key-500')).resolves.toEqual(entry(500))
  })

  it('rejects a maxEntries that is not a positive integer', () => {
    expect(() => memoryCache({ maxEntries: 0 })).toThrow(/maxEntries/)
    expect(() => memoryCache({ maxEntries: 2.5 })).toThrow(/maxEntries/)
  })

  it('has no location, being in-process only', () => {
    expect(memoryCache().location).toBeUndefined()
    expect(memoryCache().name).toBe('memory')
  })
})
