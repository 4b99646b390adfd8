import { chmod, mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { checkRuntime, checkVersionRange, describeRuntime, findRuntime, requirementsError } from '../src/index'
import { parseVersionOutput } from '../src/requirements'
import { tempDirectory } from './helpers'

let root: string
let cleanup: () => Promise<void>
let bin: string

async function fakeExecutable(name: string, script: string): Promise<string> {
  const file = path.join(bin, name)
  await writeFile(file, `#!/bin/sh\n${script}\n`)
  await chmod(file, 0o755)
  return file
}

beforeAll(async () => {
  ;({ root, cleanup } = await tempDirectory())
  bin = path.join(root, 'bin')
  await mkdir(bin)
  await fakeExecutable('node', 'echo v20.20.2')
  await fakeExecutable('python3', 'echo "Python 3.12.1"')
  await fakeExecutable('docker', 'echo "Docker version 27.0.3, build 7d4bcd8"')
  await fakeExecutable('broken', 'exit 3')
  await fakeExecutable('leaky', 'if [ -n "$NODE_OPTIONS$TEKTON_CANARY_SECRET" ]; then echo leaked 9.9.9; else echo 1.2.3; fi')
})
afterAll(async () => {
  await cleanup()
})

describe('findRuntime', () => {
  it('finds a runtime on the PATH of the given environment, with its version', async () => {
    expect(await findRuntime('node', { env: { PATH: bin } })).toEqual({ name: 'node', path: path.join(bin, 'node'), version: '20.20.2' })
    expect(await findRuntime('python', { env: { PATH: bin } })).toEqual({ name: 'python', path: path.join(bin, 'python3'), version: '3.12.1' })
    expect(await findRuntime('docker', { env: { PATH: bin } })).toMatchObject({ version: '27.0.3' })
  })

  it('returns null when the runtime is missing or does not answer with a version', async () => {
    expect(await findRuntime('node', { env: { PATH: path.join(root, 'empty') } })).toBeNull()
    expect(await findRuntime('broken', { env: { PATH: bin } })).toBeNull()
    expect(await findRuntime('node', { env: {} , commands: ['definitely-not-here-tekton'] })).toBeNull()
  })

  it('asks for the version in an allow-listed environment', async () => {
    expect(await findRuntime('leaky', { env: { PATH: bin, NODE_OPTIONS: '--x', TEKTON_CANARY_SECRET: 'c' } })).toMatchObject({ version: '1.2.3' })
  })

  it('finds the real node', async () => {
    const found = await findRuntime('node', { env: { PATH: path.dirname(process.execPath) } })
    expect(found?.version).toBe(process.versions.node)
  })
})

describe('versions and requirements', () => {
  it('reads versions from --version output', () => {
    expect(parseVersionOutput('v22.1.0')).toBe('22.1.0')
    expect(parseVersionOutput('Python 3.12')).toBe('3.12.0')
    expect(parseVersionOutput('uv 0.4.0-rc.1 (abc)')).toBe('0.4.0-rc.1')
    expect(parseVersionOutput('no version here')).toBeUndefined()
  })

  it('checks semver ranges', () => {
    expect(checkVersionRange('22.1.0', '>=22')).toBe(true)
    expect(checkVersionRange('v20.20.2', '>=22')).toBe(false)
    expect(checkVersionRange('3.12', '>=3.10')).toBe(true)
    expect(checkVersionRange('23.0.0-nightly', '>=22')).toBe(true)
    expect(() => checkVersionRange('1.0.0', 'not a range')).toThrow(expect.objectContaining({ code: 'E_INVALID_INPUT' }))
    expect(() => checkVersionRange('banana', '>=1')).toThrow(expect.objectContaining({ code: 'E_INVALID_INPUT' }))
  })

  it('says what to install when a runtime is too old or missing', () => {
    const old = checkRuntime({ name: 'node', path: '/usr/bin/node', version: '20.20.2' }, { name: 'node', range: '>=22' })
    expect(old).toEqual({
      requirement: 'Node.js >=22',
      ok: false,
      found: 'node 20.20.2 at /usr/bin/node',
      hint: 'Node.js >=22 is required (found 20.20.2 at /usr/bin/node): install Node.js 22 from https://nodejs.org or with your version manager',
    })
    const missing = checkRuntime(null, { name: 'python', range: '>=3.10' })
    expect(missing.ok).toBe(false)
    expect(missing.hint).toBe('Python >=3.10 is required (not found on PATH): install Python 3 from https://www.python.org/downloads or with your version manager (pyenv, uv)')
    expect(checkRuntime({ name: 'node', path: '/n', version: '22.0.0' }, { name: 'node', range: '>=22' })).toMatchObject({ ok: true })
    expect(checkRuntime({ name: 'node', path: '/n', version: '22.0.0' }, { name: 'node' })).toEqual({ requirement: 'Node.js', ok: true, found: 'node 22.0.0 at /n' })
    // PEP 440 exclusions are read too (by @renovatebot/pep440), not skipped as unreadable.
    expect(checkRuntime({ name: 'python', path: '/p', version: '3.12.0' }, { name: 'python', range: '!=3.9.*' })).toEqual({ requirement: 'Python !=3.9.*', ok: true, found: 'python 3.12.0 at /p' })
    expect(checkRuntime({ name: 'python', path: '/p', version: '3.9.1' }, { name: 'python', range: '!=3.9.*' })).toMatchObject({ ok: false })
    expect(checkRuntime({ name: 'python', path: '/p', version: '3.12.0' }, { name: 'python', range: '>=3.10,,' }).found).toContain('could not be read')
    expect(checkRuntime({ name: 'python', path: '/p', version: '3.9.1' }, { name: 'python', range: '>=3.10, <4' })).toMatchObject({ ok: false, hint: expect.stringContaining('install Python 3 from') })
    expect(checkRuntime(null, { name: 'deno' }).hint).toBe('deno is required (not found on PATH): install deno from your package manager')
    expect(describeRuntime('docker').displayName).toBe('Docker')
  })

  it('reads Python specifier sets as PEP 440 means them', () => {
    const pep440 = { syntax: 'pep440' } as const
    expect(checkVersionRange('3.12.1', '~=3.10', pep440)).toBe(true)
    expect(checkVersionRange('4.0.0', '~=3.10', pep440)).toBe(false)
    expect(checkVersionRange('3.10.5', '~=3.10.2', pep440)).toBe(true)
    expect(checkVersionRange('3.11.0', '~=3.10.2', pep440)).toBe(false)
    expect(checkVersionRange('3.9.0', '>=3.10, <4', pep440)).toBe(false)
    expect(checkVersionRange('3.11.4', '==3.11.*', pep440)).toBe(true)
    expect(checkVersionRange('3.11.4', '==3.11', pep440)).toBe(false)
    expect(checkVersionRange('3.13.0rc1', '>=3.10', pep440)).toBe(true)
    expect(checkVersionRange('Python 3.12.1', '>=3.10', pep440)).toBe(true)
    expect(checkVersionRange('3.9.1', '!=3.9.*', pep440)).toBe(false)
    expect(checkVersionRange('3.12.0', '!=3.9', pep440)).toBe(true)
    for (const unreadable of ['', '~=3', 'python>=3', 'not a range']) expect(() => checkVersionRange('3.12.0', unreadable, pep440)).toThrow(expect.objectContaining({ code: 'E_INVALID_INPUT' }))
    expect(() => checkVersionRange('banana', '>=3.10', pep440)).toThrow(expect.objectContaining({ code: 'E_INVALID_INPUT' }))
  })

  it('turns a failed report into E_REQUIREMENTS with the hints', () => {
    expect(requirementsError({ ok: true, checks: [] }, 'x')).toBeUndefined()
    const error = requirementsError({ ok: false, checks: [{ requirement: 'Node.js >=22', ok: false, hint: 'install Node.js 22' }, { requirement: 'OS', ok: true }] }, '@acme/demo')
    expect(error).toMatchObject({ code: 'E_REQUIREMENTS', message: '@acme/demo cannot be installed here: Node.js >=22 not met', hint: 'install Node.js 22' })
    expect(requirementsError({ ok: false, checks: [] }, 'x')?.message).toContain('a requirement')
  })
})
