// The source kit: one helper each for what every source, installer and front end needs. Each
// test names what a user would see go wrong if the helper regressed.
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import {
  acquireFileLock,
  canonicalRepositoryUrl,
  compareNewestFirst,
  decodeURIComponentSafely,
  findOnPath,
  hasCredentials,
  isFileLockHeld,
  isHttpUrl,
  normalizeBaseUrl,
  parseRepositoryUrl,
  parseRetryAfter,
  parseSemver,
  sortNewestFirst,
  withoutCredentials,
  writeFileAtomic,
  type VersionScheme,
} from '../src/kit/index'

const directories: string[] = []
afterAll(async () => {
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })))
})

async function temporaryDirectory(): Promise<string> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'tekton-kit-'))
  directories.push(directory)
  return directory
}

describe('withoutCredentials: what is stored or shown never carries a secret', () => {
  it.each([
    ['http://alice:s3cret@127.0.0.1:4873/npm', 'http://127.0.0.1:4873/npm'],
    ['https://token@npm.corp.example', 'https://npm.corp.example'],
    ['https://alice:s3cret@mirror.example/simple/', 'https://mirror.example/simple/'],
    ['https://user:pw@mirror.example/mcp', 'https://mirror.example/mcp'],
    ['https://mirror.example/simple/?token=abc&page=2#top', 'https://mirror.example/simple/?page=2#top'],
    ['https://mirror.example/x?API_KEY=abc&Access_Token=def', 'https://mirror.example/x'],
  ])('%s → %s', (input, expected) => {
    expect(withoutCredentials(input)).toBe(expected)
    expect(hasCredentials(input)).toBe(true)
  })

  it('leaves a URL without credentials exactly as given (trailing slash and all)', () => {
    for (const url of ['http://127.0.0.1:4873/npm', 'https://mirror.example/simple/', 'https://registry.example', 'https://host/?q=mcp']) {
      expect(withoutCredentials(url)).toBe(url)
      expect(hasCredentials(url)).toBe(false)
    }
  })

  it('does not throw on text that is not a URL, or on a malformed escape', () => {
    expect(withoutCredentials('not a url')).toBe('not a url')
    expect(withoutCredentials('https://host/x?%E0%A4%A=1&token=abc')).toBe('https://host/x?%E0%A4%A=1')
    expect(decodeURIComponentSafely('a%20b')).toBe('a b')
    expect(decodeURIComponentSafely('100%')).toBe('100%')
  })
})

describe('normalizeBaseUrl: one check for every configured base URL', () => {
  const options = { source: 'test', what: 'the base URL from test.conf', hint: 'Fix test.conf' }

  it('trims, lower-cases the host, drops the default port, and sets the trailing slash as asked', () => {
    expect(normalizeBaseUrl('  HTTPS://Registry.Example:443//  ', options)).toBe('https://registry.example')
    expect(normalizeBaseUrl('https://mirror.example/simple', { ...options, trailingSlash: true })).toBe('https://mirror.example/simple/')
    expect(normalizeBaseUrl('https://mirror.example/simple?x=1#y', options)).toBe('https://mirror.example/simple')
    expect(normalizeBaseUrl('https://u:p@mirror.example/npm/', options)).toBe('https://u:p@mirror.example/npm')
  })

  it('refuses what cannot be a base, with E_CONFIG, the source, the hint, and no password', () => {
    expect(() => normalizeBaseUrl('ftp://host.example', options)).toThrow(expect.objectContaining({ code: 'E_CONFIG', message: '[test] the base URL from test.conf must be an http(s) URL, got ftp:', hint: 'Fix test.conf' }))
    expect(() => normalizeBaseUrl('https://user:s3cret@[bad', options)).toThrow(expect.objectContaining({ code: 'E_CONFIG', message: expect.not.stringContaining('s3cret') }))
    expect(() => normalizeBaseUrl('https://host.example/?x=1', { ...options, query: 'refuse' })).toThrow(/query or fragment/)
    expect(() => normalizeBaseUrl('https://user:s3cret@host.example', { ...options, credentials: 'refuse' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('s3cret') }))
  })
})

describe('isHttpUrl: only web links are shown or fetched', () => {
  it('accepts absolute http(s) URLs and nothing else', () => {
    expect(isHttpUrl('https://example.com/x')).toBe(true)
    expect(isHttpUrl('http://127.0.0.1:8080')).toBe(true)
    for (const value of ['javascript:alert(1)', 'file:///etc/passwd', '/relative', 'not a url', '', undefined, null]) expect(isHttpUrl(value)).toBe(false)
  })
})

describe('parseRepositoryUrl: every source reports one URL for one repository', () => {
  it.each([
    ['git+https://github.com/Owner/Repo.git', 'https://github.com/Owner/Repo'],
    ['git+ssh://git@github.com/owner/repo.git', 'https://github.com/owner/repo'],
    ['git@github.com:owner/repo.git', 'https://github.com/owner/repo'],
    ['git://github.com/owner/repo.git', 'https://github.com/owner/repo'],
    ['github:owner/repo', 'https://github.com/owner/repo'],
    ['gitlab:group/project', 'https://gitlab.com/group/project'],
    ['bitbucket:team/tool', 'https://bitbucket.org/team/tool'],
    ['https://www.github.com/owner/repo/', 'https://github.com/owner/repo'],
    ['https://user:token@github.com/owner/repo#readme', 'https://github.com/owner/repo'],
    ['https://git.example.com:8443/team/tool.git', 'https://git.example.com/team/tool'],
  ])('%s → %s', (input, expected) => {
    expect(parseRepositoryUrl(input)?.url).toBe(expected)
  })

  it('cuts folder links to the repository and keeps the folder', () => {
    expect(parseRepositoryUrl('https://github.com/modelcontextprotocol/servers/tree/main/src/fetch')).toEqual({
      url: 'https://github.com/modelcontextprotocol/servers',
      host: 'github.com',
      path: ['modelcontextprotocol', 'servers'],
      subfolder: 'src/fetch',
    })
    expect(parseRepositoryUrl('https://gitlab.com/group/sub/repo/-/tree/main/pkg')).toMatchObject({ url: 'https://gitlab.com/group/sub/repo', subfolder: 'pkg' })
    expect(parseRepositoryUrl('https://bitbucket.org/o/r/src/main/x')).toMatchObject({ url: 'https://bitbucket.org/o/r', subfolder: 'x' })
  })

  it('refuses what is not a repository URL', () => {
    for (const input of ['not a url', 'file:///tmp/repo', 'https://github.com', 'https://github.com/.git', 'ftp://github.com/o/r']) {
      expect(parseRepositoryUrl(input)).toBeUndefined()
    }
  })

  it('compares in lower case', () => {
    expect(canonicalRepositoryUrl('git@github.com:Owner/Repo.git')).toBe('https://github.com/owner/repo')
  })
})

describe('versions: newest first, one rule', () => {
  it('parses semver as the semver package does, a leading v included', () => {
    expect(parseSemver('1.2.3-beta.1+build.5')).toEqual({ major: 1, minor: 2, patch: 3, prerelease: ['beta', '1'] })
    expect(parseSemver('v1.2.3')).toEqual({ major: 1, minor: 2, patch: 3, prerelease: [] })
    for (const invalid of ['01.2.3', '1.2', '1.2.3-', '1.2.3-01', '2024-01-15', 'nightly']) expect(parseSemver(invalid)).toBeUndefined()
  })

  it('orders semver by precedence, prereleases below their release, other versions after by date', () => {
    const versions = ['1.0.0-alpha', '1.0.0', 'nightly', '1.0.0-alpha.1', '1.0.0-beta', '1.0.0-alpha.beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '0.9.9', '10.0.0', '2.0.0', 'release-2024']
    const dated = versions.map((version) => ({ version, ...(version === 'release-2024' ? { publishedAt: '2024-01-01T00:00:00Z' } : version === 'nightly' ? { publishedAt: '2023-01-01T00:00:00Z' } : {}) }))
    expect(sortNewestFirst(dated).map((entry) => entry.version)).toEqual([
      '10.0.0', '2.0.0', '1.0.0', '1.0.0-rc.1', '1.0.0-beta.11', '1.0.0-beta.2', '1.0.0-beta', '1.0.0-alpha.beta', '1.0.0-alpha.1', '1.0.0-alpha', '0.9.9', 'release-2024', 'nightly',
    ])
  })

  it('breaks ties of equal precedence by publication time, then keeps the given order', () => {
    expect(compareNewestFirst({ version: '1.0.0+a', publishedAt: '2024-01-01' }, { version: '1.0.0+b', publishedAt: '2024-02-01' })).toBeGreaterThan(0)
    expect(sortNewestFirst([{ version: 'b' }, { version: 'a' }]).map((entry) => entry.version)).toEqual(['b', 'a'])
  })

  it('takes another scheme (PyPI passes PEP 440)', () => {
    const byLength: VersionScheme = { isValid: (version) => /^x+$/.test(version), compare: (a, b) => a.length - b.length }
    expect(sortNewestFirst([{ version: 'x' }, { version: 'odd' }, { version: 'xxx' }], byLength).map((entry) => entry.version)).toEqual(['xxx', 'x', 'odd'])
  })
})

describe('parseRetryAfter', () => {
  const now = Date.UTC(2025, 0, 15, 12, 0, 0)

  it('reads seconds and HTTP dates relative to the injected now', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000)
    expect(parseRetryAfter(' 0 ', now)).toBe(0)
    expect(parseRetryAfter('Wed, 15 Jan 2025 12:01:00 GMT', now)).toBe(60_000)
    expect(parseRetryAfter('Wed, 15 Jan 2025 11:00:00 GMT', now)).toBe(0)
  })

  it('gives undefined for absent or unreadable values, so the caller backs off on its own', () => {
    for (const value of [null, undefined, '', 'soon', '-5', '1.5']) expect(parseRetryAfter(value, now)).toBeUndefined()
  })
})

describe('writeFileAtomic', () => {
  it('replaces a file whole, with the mode asked for, and leaves no temporary file', async () => {
    const root = await temporaryDirectory()
    const file = path.join(root, 'atomic.txt')
    await writeFileAtomic(file, 'one')
    await writeFileAtomic(file, new TextEncoder().encode('two'), { mode: 0o644 })
    expect(await readFile(file, 'utf8')).toBe('two')
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o644)
    expect(await readdir(root)).toEqual(['atomic.txt'])
  })

  it('keeps the old file when the write is abandoned before the rename', async () => {
    const root = await temporaryDirectory()
    const file = path.join(root, 'kept.txt')
    await writeFileAtomic(file, 'old')
    await expect(writeFileAtomic(file, 'new', { beforeRename: () => { throw new Error('lock lost') } })).rejects.toThrow('lock lost')
    expect(await readFile(file, 'utf8')).toBe('old')
    expect(await readdir(root)).toEqual(['kept.txt'])
  })
})

describe('acquireFileLock', () => {
  it('lets one holder in at a time, and the next in once released', async () => {
    const root = await temporaryDirectory()
    const lockPath = path.join(root, 'state.json.lock')
    const held = await acquireFileLock(lockPath, { staleMs: 10_000, timeoutMs: 0 })
    expect(await isFileLockHeld(lockPath, 10_000)).toBe(true)
    await expect(acquireFileLock(lockPath, { staleMs: 10_000, timeoutMs: 0 })).rejects.toMatchObject({ code: 'ELOCKED' })
    expect(held.lost()).toBeUndefined()
    await held.release()
    expect(await isFileLockHeld(lockPath, 10_000)).toBe(false)
    const next = await acquireFileLock(lockPath, { staleMs: 10_000, timeoutMs: 0 })
    await next.release()
  })
})

describe('findOnPath', () => {
  it('finds the first executable on the given PATH, skipping relative entries and plain files', async () => {
    const root = await temporaryDirectory()
    const bin = path.join(root, 'bin')
    await mkdir(bin)
    await writeFile(path.join(bin, 'tool'), '#!/bin/sh\n')
    await chmod(path.join(bin, 'tool'), 0o755)
    await writeFile(path.join(bin, 'plain'), '')
    await writeFile(path.join(bin, 'tool.CMD'), '')
    expect(await findOnPath('tool', { PATH: ['relative/bin', '', bin].join(path.delimiter) })).toBe(path.join(bin, 'tool'))
    expect(await findOnPath('tool', { Path: bin })).toBe(path.join(bin, 'tool'))
    expect(await findOnPath('plain', { PATH: bin })).toBeUndefined()
    expect(await findOnPath('tool', { PATH: 'bin' })).toBeUndefined()
    expect(await findOnPath('tool', {})).toBeUndefined()
    expect(await findOnPath('tool', { Path: bin, PATHEXT: '.EXE;.CMD' }, 'win32')).toBe(path.join(bin, 'tool.CMD'))
  })
})
