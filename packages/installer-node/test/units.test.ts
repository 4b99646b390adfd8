/** The pieces with rules of their own: npm's environment, its failures, PATH lookup, SRI parsing. */
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { TektonError } from '@tekton/mcp-discovery'
import type { ResolvedNpmRegistry } from '@tekton/mcp-registry-npm'
import { fixtureNpmPackages, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { InstallError, createNodeInstaller, defaultExec, findOnPath, parseVersionRequest, requireSha512, sha512Digests, sha512Of, verifyIntegrity } from '../src/index'
import type { NodeInstallerExec } from '../src/index'
import { npmConfiguration, npmErrorCode, runNpm, tail } from '../src/npm'
import { installSpec, isolatedEnv, quickHttp, stagingIn, tempTree, entries } from './helpers'

let tree: Awaited<ReturnType<typeof tempTree>>
let registry: FakeNpmRegistry

beforeAll(async () => {
  tree = await tempTree()
  registry = await startFakeNpmRegistry({ packages: [fixtureNpmPackages().server] })
})

afterAll(async () => {
  await registry?.close()
  await tree?.cleanup()
})

const resolved: ResolvedNpmRegistry = {
  baseUrl: 'https://mirror.example.com/npm',
  token: 'default-token',
  origin: 'user',
  scopes: { '@corp': 'https://corp.example.com/repo', '@my_team': 'https://team.example.com' },
  scopeTokens: { '@corp': 'corp-token' },
  variables: [],
  consulted: [],
}

describe("npm's environment", () => {
  it('passes the resolved registries and tokens, and drops what injects code or moves the install', () => {
    const { env, args } = npmConfiguration(
      { PATH: '/usr/bin', HOME: '/home/me', NODE_OPTIONS: '--require /tmp/evil.js', NPM_CONFIG_REGISTRY: 'http://elsewhere/', npm_config_global: 'true', npm_config_proxy: 'http://proxy:3128' },
      resolved,
    )
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/me',
      npm_config_proxy: 'http://proxy:3128',
      npm_config_registry: 'https://mirror.example.com/npm/',
      'npm_config_@corp:registry': 'https://corp.example.com/repo/',
      'npm_config_//mirror.example.com/npm/:_authToken': 'default-token',
      'npm_config_//corp.example.com/repo/:_authToken': 'corp-token',
    })
    // npm would read `_` in a variable name as `-`: that scope goes in argv, without any token.
    expect(args).toEqual(['--@my_team:registry=https://team.example.com/'])
  })
})

describe('npm failures', () => {
  const failing = (result: Awaited<ReturnType<NodeInstallerExec>>): NodeInstallerExec => async () => result

  it('keeps the end of stderr, redacted, and picks a hint from npm’s error code', async () => {
    const stderr = ['npm error code E401', 'npm error Unable to authenticate, need: Bearer abcdefghijklmnop', 'npm error A complete log of this run can be found in: /x.log'].join('\n')
    const error = await runNpm(failing({ exitCode: 1, stdout: '', stderr }), '/usr/bin/npm', ['install', 'x'], { cwd: '/', env: {}, timeoutMs: 1000, what: 'x@1.0.0' }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(InstallError)
    expect(error).toMatchObject({
      code: 'E_NPM_INSTALL_FAILED',
      message: '[installer-node] npm install of x@1.0.0 failed with exit code 1 (E401): Unable to authenticate, need: Bearer ***',
      exitCode: 1,
      stderr: 'npm error code E401\nnpm error Unable to authenticate, need: Bearer ***',
      command: '/usr/bin/npm install x',
      hint: expect.stringContaining('_authToken'),
    })
    expect((error as InstallError).toJSON()).toEqual(expect.objectContaining({ code: 'E_NPM_INSTALL_FAILED', exitCode: 1, command: '/usr/bin/npm install x' }))
  })

  it('says when npm did not finish, and when it was canceled', async () => {
    const options = { cwd: '/', env: {}, timeoutMs: 1000, what: 'x@1.0.0' }
    await expect(runNpm(failing({ stdout: '', stderr: '', failure: 'timed out after 1000 ms' }), '/usr/bin/npm', [], options)).rejects.toMatchObject({
      message: '[installer-node] npm install of x@1.0.0 did not finish (timed out after 1000 ms)',
      exitCode: undefined,
      hint: expect.stringContaining('Run the command yourself'),
    })
    await expect(runNpm(failing({ stdout: '', stderr: '', failure: 'canceled' }), '/usr/bin/npm', [], options)).rejects.toMatchObject({ code: 'E_ABORTED' })
  })

  it("reads npm's error codes old and new, and network errors", () => {
    expect(npmErrorCode('npm ERR! code ETARGET')).toBe('ETARGET')
    expect(npmErrorCode('npm error code E404')).toBe('E404')
    expect(npmErrorCode('request to http://x failed, reason: connect ECONNREFUSED 127.0.0.1:1')).toBe('ECONNREFUSED')
    expect(tail('a\n\nb\nc', 2)).toBe('b\nc')
  })
})

describe('programs', () => {
  it('reports a program that cannot start, and one that runs too long', async () => {
    const missing = await defaultExec(path.join(tree.root, 'no-such-program'), [], { cwd: tree.root, env: {} })
    expect(missing.exitCode).toBeUndefined()
    expect(missing.failure).toMatch(/ENOENT/)
    // A program that never ends on its own: load can only make the limit fire later, not change the outcome.
    const slow = await defaultExec(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { cwd: tree.root, env: {}, timeoutMs: 200 })
    expect(slow).toMatchObject({ failure: 'timed out after 200 ms' })
    const controller = new AbortController()
    const running = defaultExec(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { cwd: tree.root, env: {}, signal: controller.signal })
    controller.abort()
    expect((await running).failure).toBe('canceled')
  })

  it('finds programs on absolute PATH entries only, trying PATHEXT on Windows', async () => {
    const bin = path.join(tree.root, 'bin')
    await mkdir(bin, { recursive: true })
    await writeFile(path.join(bin, 'tool'), '#!/bin/sh\n')
    await chmod(path.join(bin, 'tool'), 0o755)
    await writeFile(path.join(bin, 'plain'), 'not executable')
    await writeFile(path.join(bin, 'tool.CMD'), '@echo off\n')
    expect(await findOnPath('tool', { PATH: ['relative/bin', '', bin].join(path.delimiter) })).toBe(path.join(bin, 'tool'))
    expect(await findOnPath('plain', { PATH: bin })).toBeUndefined()
    expect(await findOnPath('tool', { PATH: 'bin' })).toBeUndefined()
    expect(await findOnPath('tool', { Path: bin, PATHEXT: '.EXE;.CMD' }, 'win32')).toBe(path.join(bin, 'tool.CMD'))
  })

  it('asks npm for the registry when no configuration names one', async () => {
    // A fake npm on PATH answering `npm config get registry`, as npm does with nothing configured.
    const bin = path.join(tree.root, 'fake-npm')
    await mkdir(bin, { recursive: true })
    await writeFile(path.join(bin, 'npm'), `#!/bin/sh\n[ "$1 $2 $3" = "config get registry" ] && echo "${registry.url}/" && exit 0\nexit 1\n`)
    await chmod(path.join(bin, 'npm'), 0o755)
    const env = { ...isolatedEnv(tree.root), PATH: `${bin}${path.delimiter}${process.env.PATH}` }
    const installer = createNodeInstaller({ env, cwd: tree.root, homedir: path.join(tree.root, 'home'), http: quickHttp() })
    const plan = await installer.plan(installSpec('@fixture/mcp-server'), { directoryFor: (version) => `/final/${version}` })
    expect(plan.version).toBe('2.0.0')

    const broken = path.join(tree.root, 'broken-npm')
    await mkdir(broken, { recursive: true })
    await writeFile(path.join(broken, 'npm'), '#!/bin/sh\necho "npm error config is broken" >&2\nexit 1\n')
    await chmod(path.join(broken, 'npm'), 0o755)
    const failing = createNodeInstaller({ env: { ...env, PATH: `${broken}${path.delimiter}${process.env.PATH}` }, cwd: tree.root, homedir: path.join(tree.root, 'home'), http: quickHttp() })
    await expect(failing.plan(installSpec('@fixture/mcp-server'), { directoryFor: (version) => `/final/${version}` })).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringContaining('npm error config is broken'),
    })
  })
})

describe('integrity', () => {
  const bytes = new TextEncoder().encode('tarball bytes')

  it('accepts any listed sha512 and ignores weaker algorithms', () => {
    const good = sha512Of(bytes)
    expect(verifyIntegrity(bytes, `sha1-AAAA ${sha512Of(new Uint8Array([1]))} ${good}?foo`, 'x@1.0.0')).toBe(good)
    expect(sha512Digests('sha256-abc sha512-short')).toEqual([])
  })

  it('refuses a missing or sha1-only integrity', () => {
    expect(() => requireSha512(undefined, 'x@1.0.0')).toThrow(expect.objectContaining({ code: 'E_INTEGRITY_MISSING', message: expect.stringContaining("x@1.0.0 has no sha512 in the registry's dist.integrity;") }))
    expect(() => verifyIntegrity(bytes, 'sha1-AAAA', 'x@1.0.0')).toThrow(expect.objectContaining({ code: 'E_INTEGRITY_MISSING' }))
  })

  it('parses versions as exact, range or tag', () => {
    expect(parseVersionRequest(undefined)).toEqual({ kind: 'tag', value: 'latest', input: 'latest' })
    expect(parseVersionRequest(' 1.2.3 ')).toEqual({ kind: 'exact', value: '1.2.3', input: '1.2.3' })
    expect(parseVersionRequest('1.x')).toEqual({ kind: 'range', value: '>=1.0.0 <2.0.0-0', input: '1.x' })
    expect(parseVersionRequest('next')).toEqual({ kind: 'tag', value: 'next', input: 'next' })
    expect(() => parseVersionRequest('-rf')).toThrow(expect.objectContaining({ code: 'E_INVALID_VERSION' }))
  })
})

describe('cancellation', () => {
  it('stops when the caller aborts, leaving the staging directory as it was', async () => {
    const staging = await stagingIn(tree.root, 'aborted')
    await writeFile(path.join(staging, 'kept-by-caller'), '')
    const controller = new AbortController()
    controller.abort()
    const installer = createNodeInstaller({ env: isolatedEnv(tree.root, { npm_config_registry: registry.url }), http: quickHttp() })
    const failure = installer.install(installSpec('@fixture/mcp-server'), { stagingDir: staging, signal: controller.signal })
    await expect(failure).rejects.toMatchObject({ code: 'E_ABORTED' })
    await expect(failure).rejects.toBeInstanceOf(TektonError)
    expect(await entries(staging)).toEqual(['kept-by-caller'])
  })
})
