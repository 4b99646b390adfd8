// What only the on-disk driver promises: persistence across instances and processes, atomic
// replacement, recovery from corrupt files and failed writes, lazy loading, merging writers.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, open, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from '@jest/globals'
import { TektonError } from '../src/errors'
import { fileCache } from '../src/cache/file'
import type { CacheEntry } from '../src/cache/types'

const directories: string[] = []
afterAll(async () => {
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })))
})

async function temporaryDirectory(): Promise<string> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'tekton-cache-file-'))
  directories.push(directory)
  return directory
}

function entry(value: unknown, storedAt = 1_000_000): CacheEntry {
  return { value, storedAt }
}

const minute = 60_000

describe('fileCache persistence', () => {
  it('keeps entries in <dir>/<name>.json where a second instance (a new process) finds them', async () => {
    const dir = await temporaryDirectory()
    const first = fileCache({ dir })
    expect(first.location).toBe(path.join(dir, 'discovery.json'))
    await first.set('npm:search:filesystem', { value: ['a', 'b'], storedAt: 5, etag: '"abc"' }, minute)

    const second = fileCache({ dir })
    await expect(second.get('npm:search:filesystem')).resolves.toEqual({ value: ['a', 'b'], storedAt: 5, etag: '"abc"' })
    expect(fileCache({ dir, name: 'other' }).location).toBe(path.join(dir, 'other.json'))
    await expect(fileCache({ dir, name: 'other' }).get('npm:search:filesystem')).resolves.toBeUndefined()
  })

  it('creates a missing directory on the first write, not before', async () => {
    const dir = path.join(await temporaryDirectory(), 'nested', 'cache')
    const driver = fileCache({ dir })
    await expect(driver.get('x')).resolves.toBeUndefined()
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' })
    await driver.set('x', entry(1), minute)
    await expect(fileCache({ dir }).get('x')).resolves.toEqual(entry(1))
  })

  it('defaults to the cache directory under TEKTON_MCP_HOME', () => {
    const saved = process.env.TEKTON_MCP_HOME
    process.env.TEKTON_MCP_HOME = path.join(os.tmpdir(), 'tekton-home-for-test')
    try {
      expect(fileCache().location).toBe(path.join(os.tmpdir(), 'tekton-home-for-test', 'cache', 'discovery.json'))
    } finally {
      if (saved === undefined) delete process.env.TEKTON_MCP_HOME
      else process.env.TEKTON_MCP_HOME = saved
    }
  })

  it('reads the file lazily, on first use rather than when created', async () => {
    const dir = await temporaryDirectory()
    const early = fileCache({ dir })
    await fileCache({ dir }).set('written-after-creation', entry('late'), minute)
    await expect(early.get('written-after-creation')).resolves.toEqual(entry('late'))
  })

  it('drops entries that expired while on disk', async () => {
    const dir = await temporaryDirectory()
    const clock = { time: 1_000_000 }
    await fileCache({ dir, now: () => clock.time }).set('short', entry('a'), 1_000)
    await fileCache({ dir, now: () => clock.time }).set('forever', entry('b'), Number.POSITIVE_INFINITY)
    clock.time += 5_000
    const later = fileCache({ dir, now: () => clock.time })
    await expect(later.get('short')).resolves.toBeUndefined()
    await expect(later.keys()).resolves.toEqual(['forever'])
  })

  it('persists deletions and clear', async () => {
    const dir = await temporaryDirectory()
    const driver = fileCache({ dir })
    await Promise.all([driver.set('a', entry('a'), minute), driver.set('b', entry('b'), minute)])
    await driver.delete('a')
    await expect(fileCache({ dir }).keys()).resolves.toEqual(['b'])
    await driver.clear()
    await expect(fileCache({ dir }).keys()).resolves.toEqual([])
  })

  it('writes changes made in the same tick once, and leaves no temporary files', async () => {
    const dir = await temporaryDirectory()
    const driver = fileCache({ dir })
    await driver.get('warm-up')
    const writes = Array.from({ length: 50 }, (_, index) => driver.set(`key-${index}`, entry(index), minute))
    await Promise.all(writes)
    await driver.flush?.()
    expect(await readdir(dir)).toEqual(['discovery.json'])
    expect(await fileCache({ dir }).keys()).toHaveLength(50)
  })

  it('rejects a name that could escape the directory', () => {
    expect(() => fileCache({ name: '../escape' })).toThrow(/invalid cache name/)
    expect(() => fileCache({ name: '' })).toThrow(/invalid cache name/)
    expect(() => fileCache({ name: 'a/b' })).toThrow(/invalid cache name/)
  })
})

describe('fileCache safety', () => {
  it('replaces the file atomically: a reader of the old file still sees it whole', async () => {
    const dir = await temporaryDirectory()
    const driver = fileCache({ dir })
    await driver.set('a', entry('x'.repeat(10_000)), minute)
    const file = path.join(dir, 'discovery.json')
    const before = await readFile(file, 'utf8')
    const reader = await open(file, 'r')
    try {
      await driver.set('b', entry('y'), minute)
      // An in-place write would have truncated or changed what this descriptor reads.
      expect(await reader.readFile('utf8')).toBe(before)
    } finally {
      await reader.close()
    }
    expect(JSON.parse(await readFile(file, 'utf8'))).toHaveLength(2)
  })

  it('treats a corrupt file as empty, reports it, and replaces it on the next write', async () => {
    const dir = await temporaryDirectory()
    const file = path.join(dir, 'discovery.json')
    await writeFile(file, '[{"key":"a","value":{"entry":{"val')
    const reported: unknown[] = []
    const driver = fileCache({ dir, onError: (error) => reported.push(error) })
    await expect(driver.get('a')).resolves.toBeUndefined()
    expect(reported).toHaveLength(1)
    expect(TektonError.isInstance(reported[0]) && reported[0].code).toBe('E_CACHE')
    await driver.set('b', entry('fresh'), minute)
    await expect(fileCache({ dir }).get('b')).resolves.toEqual(entry('fresh'))
  })

  it('survives a throwing onError listener', async () => {
    const dir = await temporaryDirectory()
    await writeFile(path.join(dir, 'discovery.json'), 'not json at all')
    const driver = fileCache({
      dir,
      onError: () => {
        throw new Error('listener bug')
      },
    })
    await expect(driver.keys()).resolves.toEqual([])
  })

  it('ignores well-formed JSON whose entries are not cache entries', async () => {
    const dir = await temporaryDirectory()
    const good = { entry: { value: 1, storedAt: 1 }, expiresAt: Number.MAX_SAFE_INTEGER }
    await writeFile(
      path.join(dir, 'discovery.json'),
      JSON.stringify([{ key: 'bad', value: 5 }, { key: 'no-time', value: { entry: { value: 1 } } }, { key: 'good', value: good }]),
    )
    const driver = fileCache({ dir })
    await expect(driver.keys()).resolves.toEqual(['good'])
    await expect(driver.get('bad')).resolves.toBeUndefined()
    await expect(driver.get('good')).resolves.toEqual({ value: 1, storedAt: 1 })
  })

  it('rejects a failed write with E_CACHE, keeps serving from memory, and writes it on a later flush', async () => {
    const dir = await temporaryDirectory()
    const file = path.join(dir, 'discovery.json')
    // A directory where the file should be makes the rename fail, as a full disk would.
    await mkdir(file)
    const driver = fileCache({ dir })
    await expect(driver.set('a', entry('kept'), minute)).rejects.toMatchObject({ code: 'E_CACHE' })
    await expect(driver.get('a')).resolves.toEqual(entry('kept'))
    expect(await readdir(dir)).toEqual(['discovery.json'])
    await rm(file, { recursive: true })
    await driver.flush?.()
    await expect(fileCache({ dir }).get('a')).resolves.toEqual(entry('kept'))
  })
})

describe('fileCache with several writers', () => {
  it('merges what another instance wrote instead of overwriting it, deletions included', async () => {
    const dir = await temporaryDirectory()
    const first = fileCache({ dir })
    const second = fileCache({ dir })
    await first.set('shared', entry('both'), minute)
    await second.get('shared') // second now holds the file as it was
    await first.set('from-first', entry(1), minute)
    await second.set('from-second', entry(2), minute)
    await expect(fileCache({ dir }).keys().then((keys) => keys.sort())).resolves.toEqual(['from-first', 'from-second', 'shared'])

    await first.delete('shared')
    await second.set('another', entry(3), minute)
    const reader = fileCache({ dir })
    await expect(reader.get('shared')).resolves.toBeUndefined()
    await expect(second.get('shared')).resolves.toBeUndefined()
    await expect(reader.get('from-first')).resolves.toEqual(entry(1))
  })

  it('shares entries with a real second process', async () => {
    const dir = await temporaryDirectory()
    const child = await childRunner()
    const parent = fileCache({ dir })
    await parent.set('npm:from-parent', entry('parent'), minute)

    const script = `
      const { fileCache } = await import(${JSON.stringify(child.fileModuleUrl)})
      const driver = fileCache({ dir: ${JSON.stringify(dir)} })
      const seen = await driver.get('npm:from-parent')
      await driver.set('npm:from-child', { value: 'child', storedAt: 7 }, 60000)
      process.stdout.write(JSON.stringify(seen ?? null))
    `
    const { stdout } = await child.run(script)
    expect(JSON.parse(stdout)).toEqual(entry('parent'))

    // The parent already loaded the file; its next write must keep the child's entry.
    await parent.set('npm:after-child', entry('later'), minute)
    const fresh = fileCache({ dir })
    await expect(fresh.get('npm:from-child')).resolves.toEqual({ value: 'child', storedAt: 7 })
    await expect(fresh.get('npm:after-child')).resolves.toEqual(entry('later'))
  })
})

describe('fileCache lock between processes', () => {
  it('keeps every entry when several processes write to one cache at the same moment', async () => {
    const dir = await temporaryDirectory()
    const barrier = await temporaryDirectory()
    const child = await childRunner()
    const processes = 8
    const keysPerProcess = 5
    // Each child loads the cache, then waits for the others so that all writes overlap: without the
    // lock, two children that find the file unchanged both rename and one's entries are lost.
    const script = (index: number) => `
      import { existsSync, writeFileSync } from 'node:fs'
      const { fileCache } = await import(${JSON.stringify(child.fileModuleUrl)})
      // This test is about lost entries, not waiting: on a loaded machine eight writers can queue
      // for longer than the default second, which would turn into a (correct) E_CACHE instead.
      const driver = fileCache({ dir: ${JSON.stringify(dir)}, lockTimeoutMs: 30000 })
      await driver.get('warm-up')
      writeFileSync(${JSON.stringify(path.join(barrier, `ready-${index}`))}, '')
      while (!existsSync(${JSON.stringify(path.join(barrier, 'go'))})) await new Promise((resolve) => setTimeout(resolve, 2))
      for (let key = 0; key < ${keysPerProcess}; key++) {
        await driver.set('process-${index}:key-' + key, { value: ${index}, storedAt: key }, 60000)
      }
    `
    const runs = Array.from({ length: processes }, (_, index) => child.run(script(index)))
    // Every child announces itself before any writes; a child that died early fails `runs` below.
    const deadline = Date.now() + 120_000
    while ((await readdir(barrier)).length < processes && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    await writeFile(path.join(barrier, 'go'), '')
    await Promise.all(runs)

    const expected = Array.from({ length: processes }, (_, index) =>
      Array.from({ length: keysPerProcess }, (_, key) => `process-${index}:key-${key}`),
    ).flat()
    const keys = await fileCache({ dir }).keys()
    expect(keys.sort()).toEqual(expected.sort())
    expect(await readdir(dir)).toEqual(['discovery.json'])
  }, 300_000)

  it('takes over a stale lock left by a killed process', async () => {
    const dir = await temporaryDirectory()
    const lock = path.join(dir, 'discovery.json.lock')
    await mkdir(lock)
    const longAgo = new Date(Date.now() - 60_000)
    await utimes(lock, longAgo, longAgo)
    const driver = fileCache({ dir, lockTimeoutMs: 1_000 })
    await driver.set('after-crash', entry('written'), minute)
    await expect(fileCache({ dir }).get('after-crash')).resolves.toEqual(entry('written'))
    expect(await readdir(dir)).toEqual(['discovery.json'])
  })

  it('gives up on a lock another process holds with E_CACHE, keeps the entry, and writes it on flush', async () => {
    const dir = await temporaryDirectory()
    const lock = path.join(dir, 'discovery.json.lock')
    await mkdir(lock)
    const driver = fileCache({ dir, lockTimeoutMs: 150 })
    // E_CACHE is itself the proof that it gave up: waiting past the lock's 10 s stale time would
    // have taken the lock over and written the entry (no wall-clock bound, so load cannot fail it).
    const failure = await driver.set('waiting', entry('kept'), minute).catch((error: unknown) => error)
    expect(TektonError.isInstance(failure) && failure.code).toBe('E_CACHE')
    expect(TektonError.isInstance(failure) && failure.hint).toMatch(/discovery\.json\.lock/)
    await expect(driver.get('waiting')).resolves.toEqual(entry('kept'))
    await expect(stat(path.join(dir, 'discovery.json'))).rejects.toMatchObject({ code: 'ENOENT' })

    // Without waiting at all, a held lock fails the write at once.
    const impatient = fileCache({ dir, lockTimeoutMs: 0 })
    await expect(impatient.set('other', entry('x'), minute)).rejects.toMatchObject({ code: 'E_CACHE' })

    await rm(lock, { recursive: true })
    await driver.flush?.()
    await expect(fileCache({ dir }).get('waiting')).resolves.toEqual(entry('kept'))
  })

  it('does not make every queued write wait again for a lock that just timed out', async () => {
    const dir = await temporaryDirectory()
    await mkdir(path.join(dir, 'discovery.json.lock'))
    const driver = fileCache({ dir, lockTimeoutMs: 2_000 })
    await expect(driver.set('first', entry('a'), minute)).rejects.toMatchObject({ code: 'E_CACHE' })
    // Inside a request, a second wait would add another two seconds to it: the second write fails
    // without trying the lock (its cause says so), not after waiting out the timeout again.
    const second = await driver.set('second', entry('b'), minute).catch((error: unknown) => error)
    expect(second).toMatchObject({ code: 'E_CACHE', cause: { code: 'ELOCKED', message: expect.stringContaining('was held by another process moments ago') } })
    await expect(driver.get('second')).resolves.toEqual(entry('b'))
  })

  it('sweeps temporary files a killed writer left, but not ones being written now', async () => {
    const dir = await temporaryDirectory()
    const old = path.join(dir, 'discovery.json.123.abc.tmp')
    const fresh = path.join(dir, 'discovery.json.456.def.tmp')
    await writeFile(old, '[]')
    await writeFile(fresh, '[]')
    const longAgo = new Date(Date.now() - 10 * minute)
    await utimes(old, longAgo, longAgo)
    await fileCache({ dir }).set('k', entry('v'), minute)
    expect((await readdir(dir)).sort()).toEqual(['discovery.json', 'discovery.json.456.def.tmp'])
  })

  it('loads the lock library only to write, so reading the cache stays cheap', async () => {
    const dir = await temporaryDirectory()
    await fileCache({ dir }).set('present', entry('on disk'), minute)
    const child = await childRunner()
    const script = `
      import { createRequire } from 'node:module'
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes('proper-lockfile'))
      const { fileCache } = await import(${JSON.stringify(child.fileModuleUrl)})
      const driver = fileCache({ dir: ${JSON.stringify(dir)} })
      const seen = await driver.get('present')
      await driver.keys()
      const afterRead = loaded()
      await driver.set('written', { value: 1, storedAt: 1 }, 60000)
      process.stdout.write(JSON.stringify({ seen, afterRead, afterWrite: loaded() }))
    `
    const { stdout } = await child.run(script)
    // afterWrite shows the check can see the library at all, so afterRead being false means something.
    expect(JSON.parse(stdout)).toEqual({ seen: entry('on disk'), afterRead: false, afterWrite: true })
  })
})

/**
 * Runs Node on our TypeScript sources in a child process: a loader hook transpiles `.ts` with SWC
 * (already used by jest) and resolves extensionless relative imports as the bundler does.
 */
async function childRunner() {
  const helpers = await temporaryDirectory()
  const swcPath = createRequire(import.meta.url).resolve('@swc/core')
  await writeFile(
    path.join(helpers, 'loader.mjs'),
    `
    import { readFileSync } from 'node:fs'
    import { fileURLToPath } from 'node:url'
    import swc from ${JSON.stringify(pathToFileURL(swcPath).href)}
    export async function resolve(specifier, context, next) {
      try {
        return await next(specifier, context)
      } catch (error) {
        if (specifier.startsWith('.') && context.parentURL?.endsWith('.ts')) return next(specifier + '.ts', context)
        throw error
      }
    }
    export async function load(url, context, next) {
      if (!url.endsWith('.ts')) return next(url, context)
      const filename = fileURLToPath(url)
      const { code } = swc.transformSync(readFileSync(filename, 'utf8'), {
        filename,
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
      })
      return { format: 'module', source: code, shortCircuit: true }
    }
    `,
  )
  await writeFile(
    path.join(helpers, 'register.mjs'),
    `import { register } from 'node:module'\nregister('./loader.mjs', import.meta.url)\n`,
  )
  const fileModuleUrl = pathToFileURL(fileURLToPath(new URL('../src/cache/file.ts', import.meta.url))).href
  const run = (script: string) =>
    promisify(execFile)(
      process.execPath,
      ['--no-warnings', '--import', pathToFileURL(path.join(helpers, 'register.mjs')).href, '--input-type=module', '-e', script],
      // Generous: the child compiles TypeScript on start, which a loaded machine makes slow.
      { timeout: 240_000 },
    )
  return { fileModuleUrl, run }
}
