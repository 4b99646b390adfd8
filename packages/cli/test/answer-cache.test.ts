import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdir, readFile, readdir, stat, utimes, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { buildPypiProject, npmFixturePackages, startFakeNpmRegistry, startFakePypi } from '@tekton/mcp-testkit'
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
    // The second run served from the sources' cache, one minute old, and says so in its status.
    await run(['search', 'filesystem', '--refresh'], { env, cwd: project, now: () => stamped + minute })
    const stored = await storedAnswer()
    const status = (stored.data as { sources: Array<{ message?: string; ageMs?: number }> }).sources[0]
    expect(status).toMatchObject({ fromCache: true })
    expect(status).not.toHaveProperty('message')
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
    expect(await storedAnswer()).toMatchObject({ format: 3, storedAt: start, expiresAt: start + 10 * minute })
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
    // Output settings share the answer.
    expect((await debugRun(['search', 'filesystem', '--format', 'yaml', '--no-color'], { env: { ...env, NO_COLOR: '1', COLUMNS: '80' } })).answered).toBe(true)
    expect((await debugRun(['search', 'filesystem'], { env: { ...env, npm_config_registry: registry.url } })).answered).toBe(false)
    expect((await debugRun(['search', 'filesystem'], { env: { ...env, NPM_CONFIG_FETCH_RETRIES: '1' } })).answered).toBe(false)
    // Each environment's answer replaces the previous one: back in the first, the first is built again.
    expect((await debugRun(['search', 'filesystem'])).answered).toBe(false)
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
      expect(stored.variables.names).toEqual(expect.arrayContaining(['MYREG', 'NPM_TOKEN']))
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

  it('answers a search under another virtualenv from that venv\'s own index, without --refresh', async () => {
    const [first, second] = await Promise.all([
      startFakePypi({ projects: [buildPypiProject({ name: 'alpha-mcp-server', summary: 'MCP server for the alpha venv', versions: ['1.0.0'] })] }),
      startFakePypi({ projects: [buildPypiProject({ name: 'beta-mcp-server', summary: 'MCP server for the beta venv', versions: ['1.0.0'] })] }),
    ])
    try {
      // Each venv's pip.conf names its own index, as pip reads it ($VIRTUAL_ENV/pip.conf).
      const venv = async (name: string, indexUrl: string) => {
        const directory = path.join(home.directory, name)
        await mkdir(directory)
        await writeFile(path.join(directory, 'pip.conf'), `[global]\nindex-url = ${indexUrl}\n`)
        return { ...env, TEKTON_MCP_SOURCES: 'pypi', XDG_CONFIG_DIRS: path.join(home.directory, 'no-xdg'), VIRTUAL_ENV: directory }
      }
      const inFirst = await venv('venv-a', first.indexUrl)
      const inSecond = await venv('venv-b', second.indexUrl)
      const names = (stdout: string) => (JSON.parse(stdout) as { results: Array<{ server: { name: string } }> }).results.map((result) => result.server.name)
      for (const venvEnv of [inFirst, inSecond]) expect((await run(['sync', '--source', 'pypi'], { env: venvEnv, cwd: project })).code).toBe(0)

      expect(names((await run(['search', 'mcp', 'server', '--json'], { env: inFirst, cwd: project })).stdout)).toEqual(['alpha-mcp-server'])
      expect((await debugRun(['search', 'mcp', 'server', '--json'], { env: inFirst })).answered).toBe(true)
      const switched = await debugRun(['search', 'mcp', 'server', '--json'], { env: inSecond })
      expect(switched.answered).toBe(false)
      expect(names(switched.stdout)).toEqual(['beta-mcp-server'])
    } finally {
      await Promise.all([first.close(), second.close()])
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
    expect((await storedAnswer()).format).toBe(3)
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
    // Only what the enabled sources read matters: npm alone never reads GITHUB_TOKEN...
    expect((await debugRun(['search', 'filesystem'], { env: { ...env, GITHUB_TOKEN: `${token}2` } })).answered).toBe(true)
    // ...while a variable npm reads (here its token, by prefix) makes another answer.
    expect((await debugRun(['search', 'filesystem'], { env: { ...env, GITHUB_TOKEN: token, npm_config__authToken: 'x' } })).answered).toBe(false)
  })
})

describe('answer cache functions', () => {
  it('keys on data arguments and cwd only; the environment is checked on read', () => {
    if (!searchSpec) throw new Error('no search command')
    const base = { version: '1.0.0', command: searchSpec, args: { query: ['x'], limit: 20 }, cwd: '/a' }
    const key = answerKey(base)
    expect(key).toMatch(/^[0-9a-f]{64}$/)
    expect(answerKey({ ...base, args: { ...base.args, json: true, format: 'yaml', color: false, debug: true, refresh: true } })).toBe(key)
    expect(answerKey({ ...base, args: { ...base.args, limit: 5 } })).not.toBe(key)
    expect(answerKey({ ...base, cwd: '/b' })).not.toBe(key)
    expect(answerKey({ ...base, version: '1.0.1' })).not.toBe(key)
  })

  it('watches declared variables by name and by prefix, in any case', () => {
    const declared = { variables: ['VIRTUAL_ENV'], variablePrefixes: ['PIP_', 'npm_config_'] }
    const base = { VIRTUAL_ENV: '/v1', PATH: '/bin' }
    const watched = watchVariables(declared, base)
    expect(watched).toEqual({ names: ['VIRTUAL_ENV'], prefixes: ['npm_config_', 'pip_'], sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })
    const hashIn = (env: Record<string, string | undefined>) => watchVariables(declared, env).sha256
    expect(hashIn({ ...base, PATH: '/usr/bin', NO_COLOR: '1' })).toBe(watched.sha256)
    expect(hashIn({ ...base, VIRTUAL_ENV: '/v2' })).not.toBe(watched.sha256)
    expect(hashIn({ ...base, pip_index_url: 'http://127.0.0.1:1/simple/' })).not.toBe(watched.sha256)
    expect(hashIn({ ...base, NPM_CONFIG_CACHE: '/c' })).not.toBe(watched.sha256)
    expect(hashIn({ ...base, PIP_TIMEOUT: undefined })).toBe(watched.sha256)
  })

  it('reads back what it wrote while the watched files stay as they were', async () => {
    const file = path.join(home.directory, 'cache', 'answers', `${'a'.repeat(64)}.json`)
    const watched = path.join(home.directory, 'watched')
    const answer: StoredAnswer = { format: 3, storedAt: 1000, expiresAt: 2000, watch: await watchFiles([watched, watched]), variables: watchVariables({ variables: [] }, env), data: { sources: [{ source: 'npm', state: 'ok', ageMs: 3000, fromCache: true }] } }
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
    const variables = watchVariables({ variables: ['NPM_TOKEN', 'MYREG', 'NPM_TOKEN'] }, configured)
    expect(variables).toEqual({ names: ['MYREG', 'NPM_TOKEN'], prefixes: [], sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })
    await writeAnswer(file, { format: 3, storedAt: 1000, expiresAt: 2000, watch: [], variables, data: { sources: [] } })
    const written = await readFile(file, 'utf8')
    expect(written).not.toContain(secret)
    expect(written).not.toContain(configured.MYREG)

    expect(await readAnswer(file, 1500, { ...configured, UNRELATED: 'x' })).toBeDefined()
    expect(await readAnswer(file, 1500, { ...configured, MYREG: 'http://127.0.0.1:2' })).toBeUndefined()
    expect(await readAnswer(file, 1500, { ...configured, NPM_TOKEN: `${secret}2` })).toBeUndefined()
    expect(await readAnswer(file, 1500, { MYREG: configured.MYREG })).toBeUndefined()
    // Unset and empty are different configurations.
    expect(watchVariables({ variables: ['A'] }, {}).sha256).not.toBe(watchVariables({ variables: ['A'] }, { A: '' }).sha256)
  })
})
