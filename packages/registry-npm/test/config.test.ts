import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { TektonError } from '@tekton/mcp-discovery'
import { registryFor, resolveNpmRegistry } from '../src/index'
import { findAuthToken, npmConfigCacheKey, parseNpmrc, substituteEnv } from '../src/config'
import type { NpmExec } from '../src/index'
import { isolatedEnv, memoryCacheManager, tempTree } from './helpers'

let root: string
let cleanup: () => Promise<void>
let home: string
let project: string

beforeEach(async () => {
  ;({ root, cleanup } = await tempTree())
  home = path.join(root, 'home')
  project = path.join(root, 'work', 'project')
  await mkdir(path.join(project, 'packages', 'app'), { recursive: true })
  await mkdir(home, { recursive: true })
  await mkdir(path.join(root, 'global'), { recursive: true })
})
afterEach(async () => {
  await cleanup()
})

const failingExec: NpmExec = async () => {
  throw new Error('npm must not be spawned in this test')
}

function countingExec(answer: string): NpmExec & { calls: number } {
  const exec: NpmExec = async () => {
    counted.calls += 1
    return `${answer}\n`
  }
  const counted = Object.assign(exec, { calls: 0 })
  return counted
}

async function write(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, text)
}

describe('resolveNpmRegistry: where the registry comes from', () => {
  it('takes options.baseUrl over everything, without a trailing slash', async () => {
    await write(path.join(project, '.npmrc'), 'registry=http://127.0.0.1:1/project/\n')
    const resolved = await resolveNpmRegistry({ baseUrl: 'http://127.0.0.1:9/from-options/', env: isolatedEnv(root, { npm_config_registry: 'http://127.0.0.1:2/' }), cwd: project, homedir: home, exec: failingExec })
    expect(resolved).toEqual({ baseUrl: 'http://127.0.0.1:9/from-options', origin: 'options', scopes: {}, variables: [], consulted: expect.any(Array) })
  })

  it("reads npm's engine-strict: the environment over the .npmrc files, absent when nothing sets it", async () => {
    const registry = 'registry=http://127.0.0.1:4/\n'
    await write(path.join(home, '.npmrc'), `${registry}engine-strict=true\n`)
    const fromUser = await resolveNpmRegistry({ env: isolatedEnv(root), cwd: project, homedir: home, exec: failingExec })
    expect(fromUser.engineStrict).toEqual({ value: true, where: path.join(home, '.npmrc') })
    const fromEnv = await resolveNpmRegistry({ env: isolatedEnv(root, { npm_config_engine_strict: 'false' }), cwd: project, homedir: home, exec: failingExec })
    expect(fromEnv.engineStrict).toEqual({ value: false, where: 'the environment' })
    await write(path.join(home, '.npmrc'), registry)
    expect((await resolveNpmRegistry({ env: isolatedEnv(root), cwd: project, homedir: home, exec: failingExec })).engineStrict).toBeUndefined()
  })

  it('prefers npm_config_registry (any case) over every .npmrc', async () => {
    await write(path.join(project, '.npmrc'), 'registry=http://127.0.0.1:1/project/\n')
    const lower = await resolveNpmRegistry({ env: isolatedEnv(root, { npm_config_registry: 'http://127.0.0.1:2/env/' }), cwd: project, homedir: home, exec: failingExec })
    expect(lower).toMatchObject({ baseUrl: 'http://127.0.0.1:2/env', origin: 'env' })
    const upper = await resolveNpmRegistry({ env: isolatedEnv(root, { NPM_CONFIG_REGISTRY: 'http://127.0.0.1:3/' }), cwd: project, homedir: home, exec: failingExec })
    expect(upper).toMatchObject({ baseUrl: 'http://127.0.0.1:3', origin: 'env' })
  })

  it('prefers the nearest project .npmrc (walking up from cwd) over the user and global ones', async () => {
    await write(path.join(project, '.npmrc'), 'registry=http://127.0.0.1:1/project/\n')
    await write(path.join(home, '.npmrc'), 'registry=http://127.0.0.1:4/user/\n')
    await write(path.join(root, 'global', 'npmrc'), 'registry=http://127.0.0.1:5/global/\n')
    const resolved = await resolveNpmRegistry({ env: isolatedEnv(root), cwd: path.join(project, 'packages', 'app'), homedir: home, exec: failingExec })
    expect(resolved).toEqual({ baseUrl: 'http://127.0.0.1:1/project', origin: 'project', configFile: path.join(project, '.npmrc'), scopes: {}, variables: [], consulted: expect.any(Array) })
  })

  it('prefers the user .npmrc over the global npmrc, and reads the global one last', async () => {
    await write(path.join(home, '.npmrc'), 'registry=http://127.0.0.1:4/user/\n')
    await write(path.join(root, 'global', 'npmrc'), 'registry=http://127.0.0.1:5/global/\n')
    const env = isolatedEnv(root)
    expect(await resolveNpmRegistry({ env, cwd: project, homedir: home, exec: failingExec })).toMatchObject({ origin: 'user', baseUrl: 'http://127.0.0.1:4/user' })
    await write(path.join(home, '.npmrc'), '; no registry here\n')
    expect(await resolveNpmRegistry({ env, cwd: project, homedir: home, exec: failingExec })).toMatchObject({ origin: 'global', baseUrl: 'http://127.0.0.1:5/global' })
  })

  it('reads ~/.npmrc when npm_config_userconfig is not set, and never as a project file', async () => {
    await write(path.join(home, '.npmrc'), 'registry=http://127.0.0.1:4/user/\n')
    const env = isolatedEnv(root)
    delete env.npm_config_userconfig
    const resolved = await resolveNpmRegistry({ env, cwd: path.join(home, 'somewhere'), homedir: home, exec: failingExec })
    expect(resolved).toMatchObject({ origin: 'user', baseUrl: 'http://127.0.0.1:4/user' })
  })

  it('finds the global npmrc under npm_config_prefix', async () => {
    await write(path.join(root, 'prefix', 'etc', 'npmrc'), 'registry=http://127.0.0.1:6/\n')
    const env = isolatedEnv(root, { npm_config_prefix: path.join(root, 'prefix') })
    delete env.npm_config_globalconfig
    expect(await resolveNpmRegistry({ env, cwd: project, homedir: home, exec: failingExec })).toMatchObject({ origin: 'global', baseUrl: 'http://127.0.0.1:6' })
  })

  it('substitutes ${VAR} in .npmrc values', async () => {
    await write(path.join(project, '.npmrc'), 'registry=http://127.0.0.1:${MIRROR_PORT}/${MIRROR_PATH}/\n')
    const resolved = await resolveNpmRegistry({ env: isolatedEnv(root, { MIRROR_PORT: '4873', MIRROR_PATH: 'npm' }), cwd: project, homedir: home, exec: failingExec })
    expect(resolved.baseUrl).toBe('http://127.0.0.1:4873/npm')
  })

  it('falls back to `npm config get registry` once, remembered in the cache across sources', async () => {
    const cache = memoryCacheManager()
    const exec = countingExec('http://127.0.0.1:7/')
    const options = { env: isolatedEnv(root), cwd: project, homedir: home, exec, cache }
    expect(await resolveNpmRegistry(options)).toEqual({ baseUrl: 'http://127.0.0.1:7', origin: 'npm', scopes: {}, variables: [], consulted: expect.any(Array) })
    expect(await resolveNpmRegistry(options)).toEqual({ baseUrl: 'http://127.0.0.1:7', origin: 'npm', scopes: {}, variables: [], consulted: expect.any(Array) })
    expect(exec.calls).toBe(1)
    expect((await cache.get<string>(npmConfigCacheKey))?.value).toBe('http://127.0.0.1:7')
  })

  it('asks npm each time without a cache', async () => {
    const exec = countingExec('http://127.0.0.1:7/')
    await resolveNpmRegistry({ env: isolatedEnv(root), cwd: project, homedir: home, exec })
    await resolveNpmRegistry({ env: isolatedEnv(root), cwd: project, homedir: home, exec })
    expect(exec.calls).toBe(2)
  })

  it('turns a failing npm and a bad URL into E_CONFIG errors with hints', async () => {
    const failed = resolveNpmRegistry({ env: isolatedEnv(root), cwd: project, homedir: home, exec: failingExec })
    await expect(failed).rejects.toMatchObject({ code: 'E_CONFIG', hint: expect.stringContaining('npm_config_registry') })
    await expect(resolveNpmRegistry({ env: isolatedEnv(root, { npm_config_registry: 'not a url' }), cwd: project, homedir: home })).rejects.toMatchObject({ code: 'E_CONFIG' })
    await expect(resolveNpmRegistry({ baseUrl: 'file:///etc/passwd', env: isolatedEnv(root), cwd: project, homedir: home })).rejects.toMatchObject({ code: 'E_CONFIG' })
    const error = await resolveNpmRegistry({ env: isolatedEnv(root), cwd: project, homedir: home, exec: countingExec('undefined') }).catch((caught: unknown) => caught)
    expect(TektonError.isInstance(error) && error.code).toBe('E_CONFIG')
  })

  it('lists every configuration file it consulted, present or not, for a cache to watch', async () => {
    const app = path.join(project, 'packages', 'app')
    const walkedUp = (from: string, to: string) => {
      const files: string[] = []
      for (let directory = from; ; directory = path.dirname(directory)) {
        files.push(path.join(directory, '.npmrc'))
        if (directory === to || path.dirname(directory) === directory) return files
      }
    }
    const env = isolatedEnv(root, { npm_config_registry: 'http://127.0.0.1:2/' })
    // Nothing exists: every candidate up to the file system root, then the user and global files.
    const everywhere = await resolveNpmRegistry({ env, cwd: app, homedir: home, exec: failingExec })
    expect(everywhere.consulted).toEqual([...walkedUp(app, path.parse(app).root), path.join(root, 'home', '.npmrc'), path.join(root, 'global', 'npmrc')])

    // The walk stops at the nearest project file: a file further up could not matter.
    await write(path.join(project, '.npmrc'), 'registry=http://127.0.0.1:1/project/\n')
    const nearest = await resolveNpmRegistry({ env, cwd: app, homedir: home, exec: failingExec })
    expect(nearest.consulted).toEqual([...walkedUp(app, project), path.join(root, 'home', '.npmrc'), path.join(root, 'global', 'npmrc')])

    // ~/.npmrc is the user file, never a project candidate, and is listed once.
    const userEnv = isolatedEnv(root)
    delete userEnv.npm_config_userconfig
    const fromHome = await resolveNpmRegistry({ env: { ...userEnv, npm_config_registry: 'http://127.0.0.1:2/' }, cwd: path.join(home, 'somewhere'), homedir: home, exec: failingExec })
    expect(fromHome.consulted.filter((file) => file === path.join(home, '.npmrc'))).toHaveLength(1)
    expect(fromHome.consulted[0]).toBe(path.join(home, 'somewhere', '.npmrc'))
  })

  it('spawns the real npm when no exec is injected', async () => {
    // PATH has npm wherever these tests run (they are started through node and pnpm).
    const resolved = await resolveNpmRegistry({ env: isolatedEnv(root), cwd: project, homedir: home })
    expect(resolved.origin).toBe('npm')
    expect(resolved.baseUrl).toMatch(/^https?:\/\//)
  })
})

describe('resolveNpmRegistry: auth tokens', () => {
  it('uses the token configured for the resolved registry, from any layer', async () => {
    await write(path.join(project, '.npmrc'), 'registry=http://127.0.0.1:4873/\n')
    await write(path.join(home, '.npmrc'), '//127.0.0.1:4873/:_authToken=${MIRROR_TOKEN}\n//127.0.0.1:9999/:_authToken=other-host-token\n')
    const resolved = await resolveNpmRegistry({ env: isolatedEnv(root, { MIRROR_TOKEN: 'secret-for-mirror' }), cwd: project, homedir: home, exec: failingExec })
    expect(resolved.token).toBe('secret-for-mirror')
  })

  it('sends no token when only other registries have one', async () => {
    await write(path.join(home, '.npmrc'), 'registry=http://127.0.0.1:4873/\n//127.0.0.1:9999/:_authToken=other-host-token\n//127.0.0.1:4873/private/:_authToken=deeper-path-token\n')
    const resolved = await resolveNpmRegistry({ env: isolatedEnv(root), cwd: project, homedir: home, exec: failingExec })
    expect(resolved).toEqual({ baseUrl: 'http://127.0.0.1:4873', origin: 'user', configFile: path.join(home, '.npmrc'), scopes: {}, variables: [], consulted: expect.any(Array) })
  })

  it('prefers options.token over configuration', async () => {
    await write(path.join(home, '.npmrc'), '//127.0.0.1:4873/:_authToken=from-file\n')
    const resolved = await resolveNpmRegistry({ baseUrl: 'http://127.0.0.1:4873', token: 'from-options', env: isolatedEnv(root), cwd: project, homedir: home })
    expect(resolved.token).toBe('from-options')
  })

  it('picks the longest matching path, and the higher layer on a tie', () => {
    const project = { '//127.0.0.1:4873/npm/:_authToken': 'project-npm' }
    const user = { '//127.0.0.1:4873/:_authToken': 'user-root', '//127.0.0.1:4873/npm/:_authToken': 'user-npm', '//127.0.0.1:4873/npm/private/:_authToken': 'user-private' }
    expect(findAuthToken('http://127.0.0.1:4873/npm', [project, user])).toBe('project-npm')
    expect(findAuthToken('http://127.0.0.1:4873/npm/private', [project, user])).toBe('user-private')
    expect(findAuthToken('http://127.0.0.1:4873/other', [project, user])).toBe('user-root')
    expect(findAuthToken('http://127.0.0.1:4874/npm', [project, user])).toBeUndefined()
    // A path that merely starts with the same characters is another registry.
    expect(findAuthToken('http://127.0.0.1:4873/npmx', [project])).toBeUndefined()
  })

  it('ignores a token whose variable is unset, and keys without a path slash still match', () => {
    expect(findAuthToken('http://127.0.0.1:4873/', [{ '//127.0.0.1:4873/:_authToken': '${UNSET_TOKEN}' }])).toBeUndefined()
    expect(findAuthToken('http://127.0.0.1:4873/', [{ '//127.0.0.1:4873:_authToken': 'no-slash' }])).toBe('no-slash')
  })
})

describe('resolveNpmRegistry: variables the .npmrc files refer to', () => {
  it('lists every ${NAME} looked up in any file, set or not, sorted, but not escaped ones', async () => {
    await write(path.join(project, '.npmrc'), 'registry=http://127.0.0.1:${MIRROR_PORT}/\n//127.0.0.1:4873/:_authToken=${UNSET_TOKEN}\n')
    await write(path.join(home, '.npmrc'), 'note=\\${LITERAL_TEXT}\n${KEY_PREFIX}color=false\n')
    await write(path.join(root, 'global', 'npmrc'), '@corp:registry=https://${CORP_HOST}/\n')
    const resolved = await resolveNpmRegistry({ env: isolatedEnv(root, { MIRROR_PORT: '4873', CORP_HOST: 'npm.corp.example' }), cwd: project, homedir: home, exec: failingExec })
    expect(resolved.variables).toEqual(['CORP_HOST', 'KEY_PREFIX', 'MIRROR_PORT', 'UNSET_TOKEN'])
  })

  it('lists none when no file refers to a variable', async () => {
    await write(path.join(project, '.npmrc'), 'registry=http://127.0.0.1:4873/\n')
    const resolved = await resolveNpmRegistry({ env: isolatedEnv(root), cwd: project, homedir: home, exec: failingExec })
    expect(resolved.variables).toEqual([])
  })
})

describe('resolveNpmRegistry: scoped registries', () => {
  it('reads @scope:registry from the project .npmrc, in lower case, beside the default registry', async () => {
    await write(path.join(project, '.npmrc'), 'registry=http://127.0.0.1:4873/\n@corp:registry=https://npm.corp.example/npm/\n@Mixed:registry=https://mixed.example/\n@:registry=https://broken.example/\n')
    const resolved = await resolveNpmRegistry({ env: isolatedEnv(root), cwd: project, homedir: home, exec: failingExec })
    expect(resolved.baseUrl).toBe('http://127.0.0.1:4873')
    expect(resolved.scopes).toEqual({ '@corp': 'https://npm.corp.example/npm', '@mixed': 'https://mixed.example' })
    expect(registryFor(resolved, '@corp/tools')).toEqual({ baseUrl: 'https://npm.corp.example/npm', scope: '@corp' })
    expect(registryFor(resolved, '@CORP/tools')).toMatchObject({ baseUrl: 'https://npm.corp.example/npm' })
    expect(registryFor(resolved, '@other/tools')).toEqual({ baseUrl: 'http://127.0.0.1:4873' })
    expect(registryFor(resolved, 'tools')).toEqual({ baseUrl: 'http://127.0.0.1:4873' })
  })

  it('takes npm_config_@scope:registry first, then the project, user and global files', async () => {
    await write(path.join(project, '.npmrc'), '@corp:registry=https://project.example/\n@team:registry=https://team-project.example/\n')
    await write(path.join(home, '.npmrc'), '@corp:registry=https://user.example/\n@team:registry=https://team-user.example/\n@solo:registry=https://solo-user.example/\n')
    await write(path.join(root, 'global', 'npmrc'), '@solo:registry=https://solo-global.example/\n@far:registry=https://far-global.example/\n')
    const env = isolatedEnv(root, { npm_config_registry: 'http://127.0.0.1:4873/', 'NPM_CONFIG_@corp:registry': 'https://env.example/', 'npm_config_@my_team:registry': 'https://my-team.example/' })
    const resolved = await resolveNpmRegistry({ env, cwd: project, homedir: home, exec: failingExec })
    expect(resolved.scopes).toEqual({
      '@corp': 'https://env.example',
      // npm reads `_` in variable names as `-`.
      '@my-team': 'https://my-team.example',
      '@team': 'https://team-project.example',
      '@solo': 'https://solo-user.example',
      '@far': 'https://far-global.example',
    })
  })

  it('fails with E_CONFIG on a scope registry that is not an http(s) URL, rather than falling back', async () => {
    await write(path.join(project, '.npmrc'), 'registry=http://127.0.0.1:4873/\n@corp:registry=file:///srv/npm\n')
    const failed = resolveNpmRegistry({ env: isolatedEnv(root), cwd: project, homedir: home, exec: failingExec })
    await expect(failed).rejects.toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining('@corp:registry') })
  })

  it('gives each scope the token configured for its own registry, never the default one', async () => {
    await write(
      path.join(project, '.npmrc'),
      [
        'registry=http://127.0.0.1:4873/',
        '@corp:registry=https://npm.corp.example/',
        '@open:registry=https://open.example/',
        '@same:registry=http://127.0.0.1:4873/',
        '//127.0.0.1:4873/:_authToken=default-token',
        '//npm.corp.example/:_authToken=${CORP_TOKEN}',
        '',
      ].join('\n'),
    )
    const resolved = await resolveNpmRegistry({ env: isolatedEnv(root, { CORP_TOKEN: 'corp-token' }), cwd: project, homedir: home, exec: failingExec })
    expect(registryFor(resolved, '@corp/tools')).toEqual({ baseUrl: 'https://npm.corp.example', token: 'corp-token', scope: '@corp' })
    // No token is configured for this scope's registry: none, not the default registry's.
    expect(registryFor(resolved, '@open/tools')).toEqual({ baseUrl: 'https://open.example', scope: '@open' })
    // A scope on the default registry gets that registry's token.
    expect(registryFor(resolved, '@same/tools')).toEqual({ baseUrl: 'http://127.0.0.1:4873', token: 'default-token', scope: '@same' })
    expect(registryFor(resolved, 'tools')).toEqual({ baseUrl: 'http://127.0.0.1:4873', token: 'default-token' })
    expect(resolved.scopeTokens).toEqual({ '@corp': 'corp-token', '@same': 'default-token' })
  })

  it('applies options.token to the default registry only, and reads tokens from npm_config_//host/:_authToken', async () => {
    await write(path.join(project, '.npmrc'), '@corp:registry=https://npm.corp.example/\n')
    const env = isolatedEnv(root, { 'npm_config_//npm.corp.example/:_authToken': 'corp-from-env' })
    const resolved = await resolveNpmRegistry({ baseUrl: 'http://127.0.0.1:4873', token: 'from-options', env, cwd: project, homedir: home, exec: failingExec })
    expect(registryFor(resolved, 'tools').token).toBe('from-options')
    expect(registryFor(resolved, '@corp/tools').token).toBe('corp-from-env')
  })
})

describe('registry credentials', () => {
  it('does not cache an answer of `npm config get registry` that carries credentials', async () => {
    const cache = memoryCacheManager()
    const exec = countingExec('http://alice:s3cretPass@127.0.0.1:7/')
    const options = { env: isolatedEnv(root), cwd: project, homedir: home, exec, cache }
    expect((await resolveNpmRegistry(options)).baseUrl).toBe('http://alice:s3cretPass@127.0.0.1:7')
    expect((await resolveNpmRegistry(options)).baseUrl).toBe('http://alice:s3cretPass@127.0.0.1:7')
    // npm is asked each time rather than the password being stored.
    expect(exec.calls).toBe(2)
    expect((await cache.get(npmConfigCacheKey))?.value ?? null).toBeNull()
  })
})

describe('npmrc parsing', () => {
  it('substitutes variables, keeps escaped and unset ones', () => {
    const env = { HOST: '127.0.0.1', EMPTY: '' }
    expect(substituteEnv('http://${HOST}/', env)).toBe('http://127.0.0.1/')
    expect(substituteEnv('\\${HOST}', env)).toBe('${HOST}')
    expect(substituteEnv('${NOT_SET}', env)).toBe('${NOT_SET}')
    expect(substituteEnv('a${EMPTY}b', env)).toBe('ab')
  })

  it('parses ini with substitution in keys and values, comments ignored', () => {
    const values = parseNpmrc('; comment\n# also\nregistry = http://${HOST}/\n//${HOST}/:_authToken=${TOKEN}\nstrict-ssl=false\n', { HOST: '127.0.0.1:1', TOKEN: 't' })
    expect(values).toEqual({ registry: 'http://127.0.0.1:1/', '//127.0.0.1:1/:_authToken': 't', 'strict-ssl': false })
  })
})
