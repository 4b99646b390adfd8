import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import path from 'node:path'
import { TektonError } from '@tekton/mcp-discovery'
import { defaultIndexUrl, pipConfigFiles, resolvePypiIndex } from '../src/index'
import { jsonApiUrlFor, normalizeIndexUrl, parsePipConfig } from '../src/config'
import type { ResolvePypiIndexOptions } from '../src/index'
import { isolatedEnv, tempTree, write } from './helpers'

let root: string
let cleanup: () => Promise<void>
let home: string

beforeEach(async () => {
  ;({ root, cleanup } = await tempTree())
  home = path.join(root, 'home')
})
afterEach(async () => {
  await cleanup()
})

const conf = (url: string, section = 'global') => `[${section}]\nindex-url = ${url}\n`

function options(extra: Record<string, string> = {}, more: ResolvePypiIndexOptions = {}): ResolvePypiIndexOptions {
  return { env: isolatedEnv(root, extra), homedir: home, platform: 'linux', globalConfigFiles: [path.join(root, 'etc', 'pip.conf')], ...more }
}

describe('resolvePypiIndex: where the index comes from', () => {
  it('defaults to PyPI, with the JSON API beside the simple index', async () => {
    const resolved = await resolvePypiIndex(options())
    expect(resolved).toEqual({ indexUrl: defaultIndexUrl, jsonApiUrl: 'https://pypi.org/pypi', origin: 'default', consulted: expect.any(Array), extraIndexUrls: [], findLinks: [] })
  })

  it('reads extra-index-url and find-links as pip does: the variable over the files, [install] over [global]', async () => {
    await write(path.join(root, 'etc', 'pip.conf'), '[global]\nextra-index-url = file:///opt/one/simple\n  http://127.0.0.1:9/two/simple\nfind-links = /opt/wheels\n[install]\nfind-links = /opt/install-wheels\n')
    expect(await resolvePypiIndex(options())).toMatchObject({ extraIndexUrls: ['file:///opt/one/simple', 'http://127.0.0.1:9/two/simple'], findLinks: ['/opt/install-wheels'] })
    expect(await resolvePypiIndex(options({ PIP_EXTRA_INDEX_URL: 'http://127.0.0.1:8/env/simple', PIP_FIND_LINKS: '/tmp/a /tmp/b' }))).toMatchObject({
      extraIndexUrls: ['http://127.0.0.1:8/env/simple'],
      findLinks: ['/tmp/a', '/tmp/b'],
    })
  })

  it('reads the global, then the legacy and XDG user files, then the site file, later ones winning', async () => {
    const globalFile = path.join(root, 'etc', 'pip.conf')
    const legacy = path.join(home, '.pip', 'pip.conf')
    const user = path.join(home, '.config', 'pip', 'pip.conf')
    const site = path.join(root, 'venv', 'pip.conf')
    await write(globalFile, conf('http://127.0.0.1:1/global/simple'))
    expect(await resolvePypiIndex(options())).toMatchObject({ indexUrl: 'http://127.0.0.1:1/global/simple/', origin: 'config', configFile: globalFile })
    await write(legacy, conf('http://127.0.0.1:2/legacy/simple'))
    expect(await resolvePypiIndex(options())).toMatchObject({ indexUrl: 'http://127.0.0.1:2/legacy/simple/', configFile: legacy })
    await write(user, conf('http://127.0.0.1:3/user/simple'))
    expect(await resolvePypiIndex(options())).toMatchObject({ indexUrl: 'http://127.0.0.1:3/user/simple/', configFile: user })
    await write(site, conf('http://127.0.0.1:4/site/simple'))
    const withVenv = await resolvePypiIndex(options({ VIRTUAL_ENV: path.join(root, 'venv') }))
    expect(withVenv).toMatchObject({ indexUrl: 'http://127.0.0.1:4/site/simple/', configFile: site })
    expect(withVenv.consulted).toEqual([globalFile, legacy, user, site])
  })

  it('reads PIP_CONFIG_FILE last, and skips the user files when it exists', async () => {
    const explicit = path.join(root, 'explicit.conf')
    await write(path.join(home, '.config', 'pip', 'pip.conf'), conf('http://127.0.0.1:3/user/simple'))
    await write(path.join(root, 'etc', 'pip.conf'), '[global]\ntimeout = 60\n')
    await write(explicit, '[global]\ntimeout = 10\n')
    // The explicit file exists but names no index: the user file is still not read, as pip does.
    const skipped = await resolvePypiIndex(options({ PIP_CONFIG_FILE: explicit }))
    expect(skipped).toMatchObject({ origin: 'default' })
    expect(skipped.consulted).toEqual([path.join(root, 'etc', 'pip.conf'), explicit])
    await write(explicit, conf('http://127.0.0.1:5/explicit/simple'))
    expect(await resolvePypiIndex(options({ PIP_CONFIG_FILE: explicit }))).toMatchObject({ indexUrl: 'http://127.0.0.1:5/explicit/simple/', configFile: explicit })
    // A PIP_CONFIG_FILE that does not exist leaves the user files in.
    expect(await resolvePypiIndex(options({ PIP_CONFIG_FILE: path.join(root, 'missing.conf') }))).toMatchObject({ indexUrl: 'http://127.0.0.1:3/user/simple/' })
  })

  it('reads no file at all when PIP_CONFIG_FILE is the null device', async () => {
    await write(path.join(root, 'etc', 'pip.conf'), conf('http://127.0.0.1:1/global/simple'))
    const resolved = await resolvePypiIndex(options({ PIP_CONFIG_FILE: '/dev/null' }))
    expect(resolved).toMatchObject({ origin: 'default', consulted: [] })
  })

  it('lets [install] override [global] whatever file each is in', async () => {
    await write(path.join(root, 'etc', 'pip.conf'), conf('http://127.0.0.1:6/install/simple', 'install'))
    await write(path.join(home, '.config', 'pip', 'pip.conf'), conf('http://127.0.0.1:3/user/simple'))
    expect(await resolvePypiIndex(options())).toMatchObject({ indexUrl: 'http://127.0.0.1:6/install/simple/', configFile: path.join(root, 'etc', 'pip.conf') })
  })

  it('prefers PIP_INDEX_URL over every file, and the option over everything', async () => {
    await write(path.join(home, '.config', 'pip', 'pip.conf'), conf('http://127.0.0.1:3/user/simple'))
    expect(await resolvePypiIndex(options({ PIP_INDEX_URL: 'http://127.0.0.1:7/env/simple' }))).toMatchObject({ indexUrl: 'http://127.0.0.1:7/env/simple/', origin: 'env', jsonApiUrl: 'http://127.0.0.1:7/env/pypi' })
    const fromOptions = await resolvePypiIndex(options({ PIP_INDEX_URL: 'http://127.0.0.1:7/env/simple' }, { indexUrl: 'http://127.0.0.1:8/simple', jsonApiUrl: 'http://127.0.0.1:9/json/' }))
    expect(fromOptions).toMatchObject({ indexUrl: 'http://127.0.0.1:8/simple/', jsonApiUrl: 'http://127.0.0.1:9/json', origin: 'options' })
  })

  it('turns a bad index URL or an unreadable file into E_CONFIG errors with hints', async () => {
    await expect(resolvePypiIndex(options({ PIP_INDEX_URL: 'not a url' }))).rejects.toMatchObject({ code: 'E_CONFIG', hint: expect.stringContaining('PIP_INDEX_URL') })
    await expect(resolvePypiIndex(options({ PIP_INDEX_URL: 'file:///srv/simple' }))).rejects.toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining('file:') })
    await write(path.join(home, '.config', 'pip', 'pip.conf'), 'index-url = http://127.0.0.1:1/\n')
    const error = await resolvePypiIndex(options()).catch((caught: unknown) => caught)
    expect(TektonError.isInstance(error) && error.code).toBe('E_CONFIG')
    expect((error as Error).message).toContain(path.join(home, '.config', 'pip', 'pip.conf'))
  })

  it('never shows the password of an index URL in an error', async () => {
    const error = await resolvePypiIndex(options({ PIP_INDEX_URL: 'ftp://alice:s3cretPass@mirror.example/simple' })).catch((caught: unknown) => caught)
    expect(String((error as Error).message)).not.toContain('s3cretPass')
  })
})

describe('pip configuration files per platform', () => {
  it('follows XDG on Linux', () => {
    const files = pipConfigFiles({ env: { XDG_CONFIG_DIRS: '/a:/b', XDG_CONFIG_HOME: '/cfg', VIRTUAL_ENV: '/venv' }, homedir: '/home/u', platform: 'linux' })
    expect(files).toEqual({ global: ['/a/pip/pip.conf', '/b/pip/pip.conf', '/etc/pip.conf'], user: ['/home/u/.pip/pip.conf', '/cfg/pip/pip.conf'], site: ['/venv/pip.conf'] })
    expect(pipConfigFiles({ env: {}, homedir: '/home/u', platform: 'linux' }).global).toEqual(['/etc/xdg/pip/pip.conf', '/etc/pip.conf'])
  })

  it('uses Application Support on macOS and pip.ini under APPDATA on Windows', () => {
    expect(pipConfigFiles({ env: {}, homedir: '/Users/u', platform: 'darwin' })).toEqual({
      global: ['/Library/Application Support/pip/pip.conf'],
      user: ['/Users/u/.pip/pip.conf', '/Users/u/.config/pip/pip.conf', '/Users/u/Library/Application Support/pip/pip.conf'],
      site: [],
    })
    expect(pipConfigFiles({ env: { APPDATA: 'C:\\Users\\u\\AppData\\Roaming', ProgramData: 'C:\\ProgramData', VIRTUAL_ENV: 'C:\\venv' }, homedir: 'C:\\Users\\u', platform: 'win32' })).toEqual({
      global: ['C:\\ProgramData\\pip\\pip.ini'],
      user: ['C:\\Users\\u\\pip\\pip.ini', 'C:\\Users\\u\\AppData\\Roaming\\pip\\pip.ini'],
      site: ['C:\\venv\\pip.ini'],
    })
  })

  it('treats nul as the null device on Windows', async () => {
    const resolved = await resolvePypiIndex({ env: { PIP_CONFIG_FILE: 'NUL' }, homedir: root, platform: 'win32' })
    expect(resolved.consulted).toEqual([])
  })
})

describe('parsePipConfig', () => {
  it('reads configparser syntax: = or :, comments, continuation lines, option names as pip normalises them', () => {
    const text = '\uFEFF# comment\n[global]\nindex_url: https://mirror.example/simple\n; another\ntrusted-host =\n    mirror1.example\n    mirror2.example\nTIMEOUT=60\n\n[install]\n--no-compile = yes\n'
    expect(parsePipConfig(text)).toEqual({
      global: { 'index-url': 'https://mirror.example/simple', 'trusted-host': 'mirror1.example\nmirror2.example', timeout: '60' },
      install: { 'no-compile': 'yes' },
    })
  })

  it('refuses what configparser refuses', () => {
    expect(() => parsePipConfig('[global]\njust words\n', 'x.conf')).toThrow(/x\.conf: line 2/)
  })
})

describe('URLs', () => {
  it('puts the JSON API beside /simple, or at /pypi on the origin', () => {
    expect(jsonApiUrlFor('https://pypi.org/simple/')).toBe('https://pypi.org/pypi')
    expect(jsonApiUrlFor('https://u:p@host.example/artifactory/api/pypi/remote/simple/')).toBe('https://u:p@host.example/artifactory/api/pypi/remote/pypi')
    expect(jsonApiUrlFor('https://devpi.example/root/pypi/+simple/')).toBe('https://devpi.example/pypi')
  })

  it('normalises index URLs with a trailing slash', () => {
    expect(normalizeIndexUrl(' https://mirror.example/simple?x=1#y ', 'test')).toBe('https://mirror.example/simple/')
  })
})
