import { pypiOwnership } from '../src/python-installer'
/** The pieces of the python installer that decide without running pip: index pages, versions, entries, reports. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { TektonError } from '@tekton/mcp-discovery'
import { buildZip, fixturePythonProjects, startFakePypi } from '@tekton/mcp-testkit'
import type { FakePypi } from '@tekton/mcp-testkit'
import {
  PipError,
  chooseEntry,
  chooseVersion,
  createPythonInstaller,
  fetchProjectFiles,
  findPython,
  launchFor,
  parseDistributionName,
  parseProjectPage,
  parsePythonVersionRequest,
  parseReport,
  pipEnvironment,
  readZipEntry,
  requirementsFile,
  versionsOf,
  wheelEntryPoints,
} from '../src/index'
import type { IndexFile, PythonInstallerExec } from '../src/index'
import { checkScriptName } from '../src/entry-points'
import { isHashMismatch, runPython } from '../src/pip'
import { installSpec, quickHttp, tempTree } from './helpers'

function codeOf(work: () => unknown): string | undefined {
  try {
    work()
  } catch (error) {
    return TektonError.isInstance(error) ? error.code : `not a TektonError: ${String(error)}`
  }
  return undefined
}

const file = (filename: string, extra: Partial<IndexFile> = {}): IndexFile => ({ filename, url: `http://127.0.0.1/files/${filename}`, sha256: 'a'.repeat(64), index: 'http://127.0.0.1/simple/', ...extra })

describe('index pages', () => {
  it('reads PEP 503 HTML: hash fragments, requires-python and yanked attributes, entities, relative links', () => {
    const html = `<!DOCTYPE html><html><body>
      <a href="../../files/demo-1.0-py3-none-any.whl#sha256=${'B'.repeat(64)}" data-requires-python="&gt;=3.8">demo-1.0-py3-none-any.whl</a>
      <a href='../../files/demo-0.9.tar.gz' data-yanked="">demo-0.9.tar.gz</a>
      <a href="../../files/demo-0.8-py3-none-any.whl" data-yanked="bad &amp; broken">demo-0.8-py3-none-any.whl</a>
      <a name="no-href">nothing</a>
    </body></html>`
    const files = parseProjectPage(html, 'http://127.0.0.1:9/simple/demo/', 'http://127.0.0.1:9/simple/')
    expect(files).toEqual([
      { filename: 'demo-1.0-py3-none-any.whl', url: 'http://127.0.0.1:9/files/demo-1.0-py3-none-any.whl', sha256: 'b'.repeat(64), requiresPython: '>=3.8', index: 'http://127.0.0.1:9/simple/' },
      { filename: 'demo-0.9.tar.gz', url: 'http://127.0.0.1:9/files/demo-0.9.tar.gz', yanked: true, index: 'http://127.0.0.1:9/simple/' },
      { filename: 'demo-0.8-py3-none-any.whl', url: 'http://127.0.0.1:9/files/demo-0.8-py3-none-any.whl', yanked: 'bad & broken', index: 'http://127.0.0.1:9/simple/' },
    ])
  })

  it('reads PEP 691 JSON, dropping malformed entries, and refuses a body that is not a project page', () => {
    const json = JSON.stringify({ files: [{ filename: 'demo-1.0-py3-none-any.whl', url: '/f/demo-1.0-py3-none-any.whl', hashes: { sha256: 'C'.repeat(64) }, yanked: 'reason' }, 42, { filename: 'demo-2.0.tar.gz', url: '/f/demo-2.0.tar.gz', hashes: {}, 'requires-python': '>=3.9' }] })
    expect(parseProjectPage(json, 'http://127.0.0.1:9/simple/demo/', 'i')).toEqual([
      { filename: 'demo-1.0-py3-none-any.whl', url: 'http://127.0.0.1:9/f/demo-1.0-py3-none-any.whl', sha256: 'c'.repeat(64), yanked: 'reason', index: 'i' },
      { filename: 'demo-2.0.tar.gz', url: 'http://127.0.0.1:9/f/demo-2.0.tar.gz', requiresPython: '>=3.9', index: 'i' },
    ])
    expect(codeOf(() => parseProjectPage('{"files": nope', 'http://x/', 'i'))).toBe('E_BAD_RESPONSE')
    expect(codeOf(() => parseProjectPage('{"meta": {}}', 'http://x/', 'i'))).toBe('E_BAD_RESPONSE')
  })

  it('reads distribution file names, and leaves out what is neither a wheel nor an sdist', () => {
    expect(parseDistributionName('Demo_Server-1.0-1-py3-none-any.whl')).toEqual({ kind: 'wheel', project: 'demo-server', version: '1.0' })
    expect(parseDistributionName('demo.server-2.0rc1.tar.gz')).toEqual({ kind: 'sdist', project: 'demo-server', version: '2.0rc1' })
    expect(parseDistributionName('demo-3.0.zip')).toEqual({ kind: 'sdist', project: 'demo', version: '3.0' })
    expect(parseDistributionName('demo-1.0.whl')).toBeUndefined()
    expect(parseDistributionName('demo.exe')).toBeUndefined()
    expect(parseDistributionName('demo.tar.gz')).toBeUndefined()
  })
})

describe('fetchProjectFiles', () => {
  let pypi: FakePypi
  let tree: Awaited<ReturnType<typeof tempTree>>
  beforeAll(async () => {
    tree = await tempTree()
    const { server } = fixturePythonProjects()
    pypi = await startFakePypi({ projects: [server], htmlOnly: true })
  })
  afterAll(async () => {
    await pypi?.close()
    await tree?.cleanup()
  })

  it('lists files from an HTML-only index and a file: index, in index order; a project an index lacks lists none there', async () => {
    const simple = path.join(tree.root, 'simple')
    await mkdir(path.join(simple, 'tekton-fixture-server'), { recursive: true })
    await writeFile(path.join(simple, 'tekton-fixture-server', 'index.html'), '<a href="../../files/tekton_fixture_server-0.5-py3-none-any.whl">tekton_fixture_server-0.5-py3-none-any.whl</a>')
    const files = await fetchProjectFiles(quickHttp(), [pypi.indexUrl, pathToFileURL(simple).href], 'Tekton_Fixture.Server')
    expect(files.map((entry) => entry.filename)).toEqual([
      'tekton_fixture_server-1.0.0-py3-none-any.whl',
      'tekton_fixture_server-1.1.0-py3-none-any.whl',
      'tekton_fixture_server-1.2.0-py3-none-any.whl',
      'tekton_fixture_server-0.5-py3-none-any.whl',
    ])
    expect(files.at(-1)).toMatchObject({ url: pathToFileURL(path.join(tree.root, 'files', 'tekton_fixture_server-0.5-py3-none-any.whl')).href })
    expect(files.at(-1)?.sha256).toBeUndefined()
    expect(await fetchProjectFiles(quickHttp(), [pypi.indexUrl, pathToFileURL(simple).href], 'not-there')).toEqual([])
  })
})

describe('choosing a version', () => {
  const candidates = versionsOf('demo', [
    file('demo-3.0rc1-py3-none-any.whl'),
    file('demo-2.1.tar.gz'),
    file('demo-2.0-py3-none-any.whl', { requiresPython: '>=3.99' }),
    file('demo-1.5-py3-none-any.whl', { yanked: 'oops' }),
    file('demo-1.0-py3-none-any.whl', { requiresPython: 'not a specifier' }),
    file('other-9.0-py3-none-any.whl'),
    file('demo-not.a.version-py3-none-any.whl'),
  ])
  const on = { pythonVersion: '3.11.7', allowSdists: false }

  it('orders versions by PEP 440, newest first, ignoring other projects and unreadable names', () => {
    expect(candidates.map((candidate) => candidate.version)).toEqual(['3.0rc1', '2.1', '2.0', '1.5', '1.0'])
  })

  it('skips prereleases, sdists, versions excluding the interpreter and yanked ones, and says why', () => {
    const chosen = chooseVersion('demo', candidates, { kind: 'latest' }, on)
    expect(chosen.version).toBe('1.0')
    expect(chosen.notes).toEqual(['demo 2.0 requires Python >=3.99; 1.0 is the newest that runs on 3.11.7'])
  })

  it('takes an sdist when allowed, a prerelease or a yanked version when asked for exactly', () => {
    expect(chooseVersion('demo', candidates, { kind: 'latest' }, { ...on, allowSdists: true })).toMatchObject({ version: '2.1', notes: [expect.stringMatching(/has no wheel: it is built from source/)] })
    expect(chooseVersion('demo', candidates, parsePythonVersionRequest('3.0rc1'), on).version).toBe('3.0rc1')
    expect(chooseVersion('demo', candidates, parsePythonVersionRequest('==1.5'), on)).toMatchObject({ version: '1.5', notes: ['demo 1.5 is yanked (oops); installing it because it was asked for exactly'] })
    expect(chooseVersion('demo', candidates, parsePythonVersionRequest('>=0.5,<1.2'), on).version).toBe('1.0')
    // A range is not an exact pin: its only match being yanked, nothing is installed.
    expect(codeOf(() => chooseVersion('demo', candidates, parsePythonVersionRequest('>=1.2,<2'), on))).toBe('E_VERSION_NOT_FOUND')
  })

  it('fails with a code a user can act on', () => {
    expect(codeOf(() => chooseVersion('demo', [], { kind: 'latest' }, on))).toBe('E_NOT_FOUND')
    expect(codeOf(() => chooseVersion('demo', candidates, parsePythonVersionRequest('9.9'), on))).toBe('E_VERSION_NOT_FOUND')
    expect(codeOf(() => chooseVersion('demo', candidates, parsePythonVersionRequest('==2.0'), on))).toBe('E_REQUIREMENTS')
    expect(codeOf(() => chooseVersion('demo', candidates, parsePythonVersionRequest('==2.1'), on))).toBe('E_REQUIREMENTS')
    expect(codeOf(() => chooseVersion('demo', versionsOf('demo', [file('demo-1.0-py3-none-any.whl', { yanked: true })]), { kind: 'latest' }, on))).toBe('E_VERSION_NOT_FOUND')
    expect(codeOf(() => parsePythonVersionRequest('not a version!'))).toBe('E_INVALID_VERSION')
    expect(parsePythonVersionRequest(' latest ')).toEqual({ kind: 'latest' })
  })
})

describe('entries and wheels', () => {
  it('picks the console script named like the project, else the only one, else python -m', () => {
    expect(chooseEntry('Demo_Server', '1', { console_scripts: { 'demo-server': 'a:b', other: 'c:d' } })).toEqual({ kind: 'script', name: 'demo-server' })
    expect(chooseEntry('demo', '1', { console_scripts: { serve: 'a:b' } })).toEqual({ kind: 'script', name: 'serve' })
    expect(chooseEntry('demo', '1', {}, 'demo')).toEqual({ kind: 'module', module: 'demo' })
    expect(codeOf(() => chooseEntry('demo', '1', {}))).toBe('E_NO_BIN')
    expect(codeOf(() => chooseEntry('demo', '1', { console_scripts: { one: 'a:b', two: 'c:d' } }))).toBe('E_NO_BIN')
    expect(codeOf(() => checkScriptName('../escape', 'demo 1'))).toBe('E_NO_BIN')
    expect(launchFor('/x', { kind: 'module', module: 'demo' }, 'linux')).toEqual({ command: '/x/venv/bin/python', args: ['-m', 'demo'], env: {} })
    expect(launchFor('C:\\x', { kind: 'script', name: 'demo' }, 'win32').command).toMatch(/Scripts[\\/]python\.exe$/)
  })

  it('reads entry_points.txt from a stored or a deflated wheel; anything else has none', async () => {
    const stored = buildZip([['demo-1.0.dist-info/entry_points.txt', Buffer.from('# c\n[console_scripts]\ndemo = demo:main\n\n[other]\nx=y\n')]])
    expect(wheelEntryPoints(stored)).toEqual({ console_scripts: { demo: 'demo:main' }, other: { x: 'y' } })
    const tree = await tempTree()
    try {
      const deflated = path.join(tree.root, 'deflated.whl')
      execFileSync('python3', ['-c', `import zipfile; z = zipfile.ZipFile(${JSON.stringify(deflated)}, "w", zipfile.ZIP_DEFLATED); z.writestr("demo-1.0.dist-info/entry_points.txt", "[console_scripts]\\nserve = demo:main\\n" * 3); z.close()`])
      expect(wheelEntryPoints(await readFile(deflated))).toEqual({ console_scripts: { serve: 'demo:main' } })
    } finally {
      await tree.cleanup()
    }
    expect(wheelEntryPoints(Buffer.from('not a zip at all, just some text that is long enough'))).toEqual({})
    expect(readZipEntry(stored, (name) => name === 'missing')).toBeUndefined()
  })
})

describe('pip', () => {
  it('reads the report: normalised names, the digest in either form; a directory or VCS source is refused', () => {
    const report = {
      install: [
        { download_info: { url: 'http://127.0.0.1/f/Demo_X-1.0-py3-none-any.whl', archive_info: { hashes: { sha256: 'D'.repeat(64) } } }, metadata: { name: 'Demo_X', version: '1.0' } },
        { download_info: { url: 'http://127.0.0.1/f/dep-2.0-py3-none-any.whl', archive_info: { hash: `sha256=${'e'.repeat(64)}` } }, metadata: { name: 'dep', version: '2.0' } },
        { download_info: { url: 'http://127.0.0.1/f/nohash-1-py3-none-any.whl' }, metadata: { name: 'nohash', version: '1' } },
      ],
    }
    expect(parseReport(`noise\n${JSON.stringify(report)}`, 'demo')).toEqual([
      { name: 'demo-x', version: '1.0', url: 'http://127.0.0.1/f/Demo_X-1.0-py3-none-any.whl', filename: 'Demo_X-1.0-py3-none-any.whl', sha256: 'd'.repeat(64) },
      { name: 'dep', version: '2.0', url: 'http://127.0.0.1/f/dep-2.0-py3-none-any.whl', filename: 'dep-2.0-py3-none-any.whl', sha256: 'e'.repeat(64) },
      { name: 'nohash', version: '1', url: 'http://127.0.0.1/f/nohash-1-py3-none-any.whl', filename: 'nohash-1-py3-none-any.whl' },
    ])
    const local = { install: [{ download_info: { url: 'file:///src/demo', dir_info: {} }, metadata: { name: 'demo', version: '1' } }] }
    expect(codeOf(() => parseReport(JSON.stringify(local), 'demo'))).toBe('E_UNSAFE_TARBALL_URL')
    expect(codeOf(() => parseReport('not json', 'demo'))).toBe('E_INSTALL_FAILED')
    expect(codeOf(() => parseReport('{"install": 3}', 'demo'))).toBe('E_INSTALL_FAILED')
    expect(requirementsFile([{ name: 'b', version: '1', sha256: 'f' }, { name: 'a', version: '2', sha256: 'e' }])).toMatch(/\na==2 --hash=sha256:e\nb==1 --hash=sha256:f\n$/)
  })

  it("gives pip the user's configuration, but nothing that loads code or installs elsewhere", () => {
    const env = pipEnvironment({ PATH: '/bin', PIP_INDEX_URL: 'http://u:p@127.0.0.1/simple', pip_target: '/elsewhere', PYTHONPATH: '/evil', LD_PRELOAD: '/evil.so', VIRTUAL_ENV: '/venv', PIP_CERT: '/ca.pem' })
    expect(env).toEqual({ PATH: '/bin', PIP_INDEX_URL: 'http://u:p@127.0.0.1/simple', PIP_CERT: '/ca.pem', PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', PYTHONIOENCODING: 'utf-8' })
  })

  it('turns a failing pip into a coded error with the command and the end of its stderr, credentials redacted', async () => {
    const failing: PythonInstallerExec = async () => ({ exitCode: 1, stdout: '', stderr: 'Looking in indexes: http://user:secret@127.0.0.1/simple\nERROR: No matching distribution found for demo' })
    const error = await runPython(failing, '/usr/bin/python3', ['-m', 'pip', 'install', 'demo'], { cwd: '/', env: {}, timeoutMs: 1000, what: 'demo 1', step: 'resolution' }).catch((failure: unknown) => failure)
    expect(PipError.isInstance(error)).toBe(true)
    expect((error as PipError).code).toBe('E_INSTALL_FAILED')
    expect((error as PipError).message).toBe('[installer-python] resolution of demo 1 failed (exit code 1): ERROR: No matching distribution found for demo')
    expect(JSON.stringify((error as PipError).toJSON())).not.toContain('secret')
    expect((error as PipError).toJSON()).toMatchObject({ command: '/usr/bin/python3 -m pip install demo', exitCode: 1 })
    const canceled: PythonInstallerExec = async () => ({ stdout: '', stderr: '', failure: 'canceled' })
    await expect(runPython(canceled, '/p', [], { cwd: '/', env: {}, timeoutMs: 1, what: 'demo', step: 'installation' })).rejects.toMatchObject({ code: 'E_CANCELLED' })
    expect(isHashMismatch('ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE.')).toBe(true)
    expect(isHashMismatch('ERROR: No matching distribution')).toBe(false)
  })
})

describe('options and inputs', () => {
  it('checks options up front', () => {
    expect(codeOf(() => createPythonInstaller({ indexUrl: 'ftp://x' }))).toBe('E_CONFIG')
    expect(codeOf(() => createPythonInstaller({ pythonPath: 'python3' }))).toBe('E_CONFIG')
    expect(codeOf(() => createPythonInstaller({ pipTimeoutMs: -1 }))).toBe('E_CONFIG')
    expect(codeOf(() => createPythonInstaller({ exec: 'no' as unknown as PythonInstallerExec }))).toBe('E_CONFIG')
    expect(codeOf(() => createPythonInstaller({ http: {} as never }))).toBe('E_CONFIG')
    expect(codeOf(() => createPythonInstaller(null as never))).toBe('E_CONFIG')
    expect(createPythonInstaller().registryTypes).toEqual(['pypi'])
  })

  it('refuses packages that are not Python projects', async () => {
    const installer = createPythonInstaller({ env: { PATH: process.env.PATH } })
    const directoryFor = (version: string) => `/tmp/${version}`
    const npm = { ...installSpec('demo'), package: { registryType: 'npm', identifier: 'demo', transport: { type: 'stdio' } } as never }
    await expect(installer.plan(npm, { directoryFor })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' })
    await expect(installer.plan(installSpec('demo==1.0'), { directoryFor })).rejects.toMatchObject({ code: expect.stringMatching(/^E_INVALID/) })
    await expect(installer.install(installSpec('demo'), { stagingDir: 'relative' })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' })
  })

  it('says what is wrong when python is missing or does not answer', async () => {
    const tree = await tempTree()
    try {
      expect(await findPython({ env: { PATH: tree.root }, exec: async () => ({ exitCode: 0, stdout: '', stderr: '' }) })).toEqual({ problem: 'python3 was not found on PATH' })
      const fake = path.join(tree.root, 'python3')
      await writeFile(fake, '#!/bin/sh\necho nonsense\n', { mode: 0o755 })
      const lookup = await findPython({ pythonPath: fake, env: { PATH: tree.root }, exec: async () => ({ exitCode: 0, stdout: 'nonsense', stderr: '' }) })
      expect(lookup.problem).toBe(`${fake} did not answer with its version`)
      const installer = createPythonInstaller({ env: { PATH: tree.root } })
      const report = await installer.checkRequirements({ registryType: 'pypi', identifier: 'demo', transport: { type: 'stdio' } }, {})
      expect(report.ok).toBe(false)
      expect(report.checks[0]).toMatchObject({ requirement: 'python', ok: false, found: `${fake} did not answer with its version`, hint: expect.stringMatching(/Install Python 3/) })
      await expect(installer.plan(installSpec('demo'), { directoryFor: (version) => version })).rejects.toMatchObject({ code: 'E_REQUIREMENTS' })
    } finally {
      await tree.cleanup()
    }
  })
})

describe('pypiOwnership', () => {
  const metadata = (description: string) => `Metadata-Version: 2.1\nName: weather-mcp\nVersion: 1.0.0\n\n${description}\n`

  it('verifies the mcp-name: marker against the registry name, even inside an HTML comment', () => {
    expect(pypiOwnership('io.github.o/weather', metadata('# Weather\n<!-- mcp-name: io.github.o/weather -->'))).toMatchObject({ status: 'verified', by: 'pypi mcp-name marker' })
  })

  it('calls another claimed name a mismatch, and a marker glued to a word no marker', () => {
    expect(pypiOwnership('io.github.o/weather', metadata('mcp-name: io.github.someone/else')).status).toBe('mismatch')
    expect(pypiOwnership('io.github.o/weather', metadata('xmcp-name: io.github.o/weather')).status).toBe('unverified')
    expect(pypiOwnership(undefined, metadata('mcp-name: io.github.o/weather')).detail).toContain('claims io.github.o/weather')
  })
})
