import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdir, readFile, readdir, stat, utimes, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { npmFixturePackages, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { answerKey, clearAnswers, countAnswers, readAnswer, replayAnswer, watchFiles, watchVariables, writeAnswer } from '../src/answer-cache'
import type { StoredAnswer } from '../src/answer-cache'
import { commands } from '../src/command-table'
import { environment, run, temporaryHome } from './helpers'
import type { RunOptions } from './helpers'

const minute = 60_000

let registry: FakeNpmRegistry
let home: { directory: string; remove: () => Promise<void> }
let env: Record<string, string>
/** A project directory of its own, so `.npmrc` files can be created in the CLI's cwd. */
let project: string

beforeAll(async () => {
  registry = await startFakeNpmRegistry({ packages: npmFixturePackages })
})

afterAll(async () => {
  await registry.close()
})

beforeEach(async () => {
  home = await temporaryHome()
  env = environment(registry.url, home.directory)
  project = path.join(home.directory, 'project')
  await mkdir(project)
  registry.setFault(null)
  registry.requests.length = 0
})

afterEach(async () => {
  await home.remove()
})

const answers = () => path.join(home.directory, 'cache', 'answers')

async function answerFiles(): Promise<string[]> {
  return (await readdir(answers()).catch(() => [] as string[])).filter((name) => name.endsWith('.json'))
}

async function storedAnswer(): Promise<StoredAnswer> {
  const [name, ...others] = await answerFiles()
  if (!name || others.length > 0) throw new Error(`expected one answer, found ${others.length + (name ? 1 : 0)}`)
  return JSON.parse(await readFile(path.join(answers(), name), 'utf8')) as StoredAnswer
}

/** Runs in the project directory with --debug, and says whether the answer cache answered. */
async function debugRun(argv: string[], options: RunOptions = {}) {
  const result = await run([...argv, '--debug'], { env, cwd: project, ...options })
  return { ...result, answered: /^debug: answered from /m.test(result.stderr) }
}

const searchSpec = commands.find((command) => command.id === 'search')

describe('the answer cache', () => {
  it('answers a repeated search without asking the registry, for every output format', async () => {
    const first = await run(['search', 'filesystem'], { env, cwd: project })
    expect(first.code).toBe(0)
    const requests = registry.countRequests()
    expect(requests).toBeGreaterThan(0)

    const json = await run(['search', 'filesystem', '--json'], { env, cwd: project })
    expect(json.code).toBe(0)
    expect(registry.countRequests()).toBe(requests)
    const page = JSON.parse(json.stdout) as { results: Array<{ ref: string }>; sources: Array<{ source: string; state: string; fromCache?: boolean; ageMs?: number; message?: string }> }
    expect(page.results[0]?.ref).toBe('npm:@modelcontextprotocol/server-filesystem')
    expect(page.sources).toEqual([expect.objectContaining({ source: 'npm', state: 'ok', fromCache: true, ageMs: expect.any(Number) })])

    const text = await debugRun(['search', 'filesystem'])
    expect(text.answered).toBe(true)
    expect(text.stderr).toMatch(new RegExp(`^debug: answered from ${answers().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[0-9a-f]{64}\\.json, \\d+ s old\\n$`))
    // The same table, now with the note a cached answer gets.
    expect(first.stdout).not.toContain('npm: served from cache')
    expect(text.stdout.startsWith(first.stdout)).toBe(true)
    expect(text.stdout.slice(first.stdout.length)).toMatch(/^\nnpm: served from cache, \d+ s old\n$/)
    expect(registry.countRequests()).toBe(requests)
    expect(await answerFiles()).toHaveLength(1)
  })

  it('ages the statuses it replays, so the notes stay true', async () => {
    const start = Date.now()
    await run(['search', 'filesystem'], { env, cwd: project, now: () => start })
    // The HTTP layer stamps its entries with the real clock, some time between `start` and now
    // (seconds on a loaded machine): the later runs count from the latest it can be.
    const stamped = Date.now()
    // The second run served from the sources' cache, one minute old, and says so in its message.
    await run(['search', 'filesystem', '--refresh'], { env, cwd: project, now: () => stamped + minute })
    const stored = await storedAnswer()
    const status = (stored.data as { sources: Array<{ message?: string; ageMs?: number }> }).sources[0]
    expect(status).toMatchObject({ fromCache: true, message: 'served from cache, 1 min old' })
    expect(status?.ageMs).toBeGreaterThanOrEqual(minute)
    expect(status?.ageMs).toBeLessThanOrEqual(minute + (stamped - start))

    const later = await run(['search', 'filesystem', '--json'], { env, cwd: project, now: () => stamped + 4 * minute })
    const replayed = (JSON.parse(later.stdout) as { sources: Array<Record<string, unknown>> }).sources[0]
    expect(replayed).toMatchObject({ state: 'ok', fromCache: true, ageMs: (status?.ageMs ?? 0) + 3 * minute })
    expect(replayed).not.toHaveProperty('message')
    expect((await run(['search', 'filesystem'], { env, cwd: project, now: () => stamped + 4 * minute })).stdout).toMatch(/\nnpm: served from cache, 4 min old\n$/)
  })

  it('expires with the cached data it was built from', async () => {
    const start = Date.now()
    await run(['search', 'filesystem'], { env, cwd: project, now: () => start })
    // The data was stamped by the real clock, between `start` and now (seconds on a loaded machine).
    const stamped = Date.now()
    expect(await storedAnswer()).toMatchObject({ format: 2, storedAt: start, expiresAt: start + 10 * minute })
    // Built from data already five minutes old: good for the five minutes that data has left.
    await run(['search', 'filesystem', '--refresh'], { env, cwd: project, now: () => start + 5 * minute })
    const second = await storedAnswer()
    expect(second.storedAt).toBe(start + 5 * minute)
    expect(second.expiresAt).toBeGreaterThanOrEqual(start + 10 * minute)
    expect(second.expiresAt).toBeLessThanOrEqual(stamped + 10 * minute)

    expect((await debugRun(['search', 'filesystem'], { now: () => start + 10 * minute - 1 })).answered).toBe(true)
    const expired = await debugRun(['search', 'filesystem'], { now: () => stamped + 10 * minute + 1000 })
    expect(expired.answered).toBe(false)
    expect(expired.code).toBe(0)
    // The sources served stale data while refreshing it: such an answer is not kept.
    expect(expired.stderr).toContain('debug: npm stale')
    expect(await storedAnswer()).toMatchObject({ storedAt: start + 5 * minute })
  })

  it('keeps info and versions for the metadata freshness, and a clock that went backwards misses', async () => {
    const start = Date.now()
    await run(['info', 'npm:mcp-remote'], { env, cwd: project, now: () => start })
    expect(await storedAnswer()).toMatchObject({ storedAt: start, expiresAt: start + 60 * minute })
    expect((await debugRun(['info', 'npm:mcp-remote'], { now: () => start + 59 * minute })).answered).toBe(true)
    expect((await debugRun(['info', 'npm:mcp-remote'], { now: () => start - 1 })).answered).toBe(false)
  })

  it('bounds an answer about a bare name by the search it was resolved through', async () => {
    const start = Date.now()
    await run(['versions', 'mcp-server-kubernetes'], { env, cwd: project, now: () => start })
    expect(await storedAnswer()).toMatchObject({ storedAt: start, expiresAt: start + 10 * minute })
  })

  it('misses when a configuration file in the project appears or changes', async () => {
    await run(['search', 'filesystem'], { env, cwd: project })
    expect((await debugRun(['search', 'filesystem'])).answered).toBe(true)
    const npmrc = path.join(project, '.npmrc')
    expect((await storedAnswer()).watch).toEqual(expect.arrayContaining([{ path: npmrc, mtimeMs: null }]))

    await writeFile(npmrc, '; a project setting that changes nothing here\n')
    expect((await debugRun(['search', 'filesystem'])).answered).toBe(false)
    expect((await debugRun(['search', 'filesystem'])).answered).toBe(true)

    const future = new Date(Date.now() + 60_000)
    await utimes(npmrc, future, future)
    expect((await debugRun(['search', 'filesystem'])).answered).toBe(false)
  })

  it('misses when npm configuration in the environment changes, in any case', async () => {
    await run(['search', 'filesystem'], { env, cwd: project })
    expect((await debugRun(['search', 'filesystem'])).answered).toBe(true)
    expect((await debugRun(['search', 'filesystem'], { env: { ...env, npm_config_registry: registry.url } })).answered).toBe(false)
    expect((await debugRun(['search', 'filesystem'], { env: { ...env, NPM_CONFIG_FETCH_RETRIES: '1' } })).answered).toBe(false)
    // Output settings share the answer.
    expect((await debugRun(['search', 'filesystem', '--format', 'yaml', '--no-color'], { env: { ...env, NO_COLOR: '1', COLUMNS: '80' } })).answered).toBe(true)
    // Other data options do not.
    expect((await debugRun(['search', 'filesystem', '--limit', '2'])).answered).toBe(false)
  })

  it('misses when a variable an .npmrc substitutes changes, and stores only a hash of its value', async () => {
    const mirror = await startFakeNpmRegistry({ packages: npmFixturePackages })
    try {
      // The registry comes from the project's .npmrc alone, through ${MYREG} and ${NPM_TOKEN}.
      const { npm_config_registry: _fromEnvironment, ...withoutRegistry } = env
      const host = new URL(registry.url).host
      await writeFile(path.join(project, '.npmrc'), `registry=\${MYREG}/\n//${host}/:_authToken=\${NPM_TOKEN}\n`)
      const token = 'npm_token-value-that-must-not-be-written'
      const first = { ...withoutRegistry, MYREG: registry.url, NPM_TOKEN: token }
      expect((await debugRun(['search', 'filesystem'], { env: first })).code).toBe(0)
      const stored = await storedAnswer()
      expect(stored.variables.names).toEqual(['MYREG', 'NPM_TOKEN'])
      expect(JSON.stringify(stored)).not.toContain(token)
      expect((await debugRun(['search', 'filesystem'], { env: first })).answered).toBe(true)

      expect((await debugRun(['search', 'filesystem'], { env: { ...first, NPM_TOKEN: `${token}2` } })).answered).toBe(false)
      const requests = mirror.countRequests()
      const elsewhere = await debugRun(['search', 'filesystem'], { env: { ...first, MYREG: mirror.url } })
      expect(elsewhere.answered).toBe(false)
      expect(mirror.countRequests()).toBeGreaterThan(requests)
    } finally {
      await mirror.close()
    }
  })

  it('skips the lookup with --refresh and stores the new answer', async () => {
    const start = Date.now()
    await run(['search', 'filesystem'], { env, cwd: project, now: () => start })
    const refreshed = await debugRun(['search', 'filesystem', '--refresh'], { now: () => start + 1000 })
    expect(refreshed.answered).toBe(false)
    expect(refreshed.stderr).toMatch(/^debug: npm ok \d+ ms, from cache\n$/)
    expect(await storedAnswer()).toMatchObject({ storedAt: start + 1000 })
  })

  it('stores no answer from a failed source, but keeps an unavailable search endpoint', async () => {
    registry.setFault({ kind: 'invalid-json' })
    expect((await run(['search', 'filesystem'], { env, cwd: project })).code).toBe(1)
    expect((await run(['info', 'npm:mcp-remote'], { env, cwd: project })).code).toBe(1)
    expect(await answerFiles()).toEqual([])

    const mirror = await startFakeNpmRegistry({ packages: npmFixturePackages, searchUnsupported: true })
    try {
      const mirrorEnv = environment(mirror.url, home.directory)
      expect((await run(['search', 'filesystem'], { env: mirrorEnv, cwd: project })).code).toBe(0)
      expect((await storedAnswer()).data).toMatchObject({ results: [], sources: [{ source: 'npm', state: 'unavailable' }] })
      const again = await run(['search', 'filesystem'], { env: mirrorEnv, cwd: project })
      expect(again.stdout).toMatch(/\nnpm: .*search.*\n$/)
    } finally {
      await mirror.close()
    }
  })

  it('treats corrupt or foreign answer files as misses and replaces them', async () => {
    await run(['search', 'filesystem'], { env, cwd: project })
    const [name] = await answerFiles()
    const file = path.join(answers(), name ?? '')
    for (const content of ['{ not json', JSON.stringify({ format: 3 }), JSON.stringify({ format: 2, storedAt: 0, expiresAt: 'never', watch: [], variables: { names: [], sha256: '' }, data: {} }), JSON.stringify({ format: 2, storedAt: 0, expiresAt: 1, watch: [{ path: 1 }], variables: { names: [], sha256: '' }, data: { sources: [] } }), JSON.stringify({ format: 2, storedAt: 0, expiresAt: 1, watch: [], variables: { names: [1] }, data: { sources: [] } })]) {
      await writeFile(file, content)
      const result = await debugRun(['search', 'filesystem'])
      expect(result.code).toBe(0)
      expect(result.answered).toBe(false)
      expect(result.stdout).toContain('npm:@modelcontextprotocol/server-filesystem')
    }
    expect((await storedAnswer()).format).toBe(2)
  })

  it('is counted by cache stats and removed by cache clear, with or without --source', async () => {
    await run(['search', 'filesystem'], { env, cwd: project })
    await run(['info', 'npm:mcp-remote'], { env, cwd: project })
    const stats = JSON.parse((await run(['cache', 'stats', '--json'], { env, cwd: project })).stdout) as { answers: { directory: string; entries: number } }
    expect(stats.answers).toEqual({ directory: answers(), entries: 2 })

    await run(['cache', 'clear', '--source', 'npm'], { env, cwd: project })
    expect(await answerFiles()).toEqual([])
    await run(['search', 'filesystem'], { env, cwd: project })
    const cleared = JSON.parse((await run(['cache', 'clear', '--json'], { env, cwd: project })).stdout) as { removed: number }
    expect(cleared.removed).toBeGreaterThan(1)
    expect(await answerFiles()).toEqual([])
  })

  it('writes answers for the user only, and no secret from the environment', async () => {
    const token = 'ghp_secret-value-that-must-not-be-written'
    await run(['search', 'filesystem'], { env: { ...env, GITHUB_TOKEN: token }, cwd: project })
    const [name] = await answerFiles()
    const file = path.join(answers(), name ?? '')
    expect(await readFile(file, 'utf8')).not.toContain(token)
    if (process.platform !== 'win32') {
      expect((await stat(file)).mode & 0o777).toBe(0o600)
    }
    // The token is part of the key all the same: another token, another answer.
    expect((await debugRun(['search', 'filesystem'], { env: { ...env, GITHUB_TOKEN: `${token}2` } })).answered).toBe(false)
  })
})

describe('answer cache functions', () => {
  it('keys on data arguments, cwd and the answer-changing environment only', () => {
    if (!searchSpec) throw new Error('no search command')
    const base = { version: '1.0.0', command: searchSpec, args: { query: ['x'], limit: 20 }, cwd: '/a', env: { HOME: '/h' } }
    const key = answerKey(base)
    expect(key).toMatch(/^[0-9a-f]{64}$/)
    expect(answerKey({ ...base, args: { ...base.args, json: true, format: 'yaml', color: false, debug: true, refresh: true } })).toBe(key)
    expect(answerKey({ ...base, env: { ...base.env, PATH: '/bin', NO_COLOR: '1' } })).toBe(key)
    expect(answerKey({ ...base, args: { ...base.args, limit: 5 } })).not.toBe(key)
    expect(answerKey({ ...base, cwd: '/b' })).not.toBe(key)
    expect(answerKey({ ...base, version: '1.0.1' })).not.toBe(key)
    expect(answerKey({ ...base, env: { ...base.env, Npm_Config_Cache: '/c' } })).not.toBe(key)
    expect(answerKey({ ...base, env: { ...base.env, XDG_CACHE_HOME: '/x' } })).not.toBe(key)
    expect(answerKey({ ...base, env: { HOME: '/h', PIP_INDEX_URL: undefined } })).toBe(key)
  })

  it('reads back what it wrote while the watched files stay as they were', async () => {
    const file = path.join(home.directory, 'cache', 'answers', `${'a'.repeat(64)}.json`)
    const watched = path.join(home.directory, 'watched')
    const answer: StoredAnswer = { format: 2, storedAt: 1000, expiresAt: 2000, watch: await watchFiles([watched, watched]), variables: watchVariables([], env), data: { sources: [{ source: 'npm', state: 'ok', message: 'served from cache, 3 s old', ageMs: 3000, fromCache: true }] } }
    expect(answer.watch).toEqual([{ path: watched, mtimeMs: null }])
    await writeAnswer(file, answer)
    expect(await readAnswer(file, 1500, env)).toEqual(answer)
    expect(await readAnswer(file, 2000, env)).toBeUndefined()
    expect(replayAnswer(answer, 1500)).toEqual({ sources: [{ source: 'npm', state: 'ok', ageMs: 3500, fromCache: true }] })
    expect(replayAnswer({ ...answer, data: { sources: [{ source: 'npm', state: 'unavailable', message: 'search endpoint unavailable at x' }] } }, 1500))
      .toEqual({ sources: [{ source: 'npm', state: 'unavailable', message: 'search endpoint unavailable at x', fromCache: true, ageMs: 500 }] })
    await writeFile(watched, 'now it exists')
    expect(await readAnswer(file, 1500, env)).toBeUndefined()

    await writeFile(path.join(path.dirname(file), 'interrupted.json.1-ab.tmp'), '')
    await writeFile(path.join(path.dirname(file), 'notes.txt'), 'not ours')
    expect(await countAnswers(env)).toBe(1)
    expect(await clearAnswers(env)).toBe(1)
    expect(await readdir(path.dirname(file))).toEqual(['notes.txt'])
    expect(await clearAnswers({ TEKTON_MCP_HOME: path.join(home.directory, 'nowhere') })).toBe(0)
    // A home that is a file is no empty cache: clearing it fails instead of removing nothing.
    await expect(clearAnswers({ TEKTON_MCP_HOME: watched })).rejects.toMatchObject({ code: 'ENOTDIR' })
  })

  it('checks the substituted variables by a hash of their values, never storing the values', async () => {
    const file = path.join(home.directory, 'cache', 'answers', `${'b'.repeat(64)}.json`)
    const secret = 'npm_token-value-that-must-not-be-written'
    const configured = { MYREG: 'http://127.0.0.1:1', NPM_TOKEN: secret }
    const variables = watchVariables(['NPM_TOKEN', 'MYREG', 'NPM_TOKEN'], configured)
    expect(variables).toEqual({ names: ['MYREG', 'NPM_TOKEN'], sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })
    await writeAnswer(file, { format: 2, storedAt: 1000, expiresAt: 2000, watch: [], variables, data: { sources: [] } })
    const written = await readFile(file, 'utf8')
    expect(written).not.toContain(secret)
    expect(written).not.toContain(configured.MYREG)

    expect(await readAnswer(file, 1500, { ...configured, UNRELATED: 'x' })).toBeDefined()
    expect(await readAnswer(file, 1500, { ...configured, MYREG: 'http://127.0.0.1:2' })).toBeUndefined()
    expect(await readAnswer(file, 1500, { ...configured, NPM_TOKEN: `${secret}2` })).toBeUndefined()
    expect(await readAnswer(file, 1500, { MYREG: configured.MYREG })).toBeUndefined()
    // Unset and empty are different configurations.
    expect(watchVariables(['A'], {}).sha256).not.toBe(watchVariables(['A'], { A: '' }).sha256)
  })
})
