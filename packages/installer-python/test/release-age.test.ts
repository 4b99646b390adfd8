/**
 * The minimum release age for Python resolutions, as the npm installer applies it. Pure choices
 * first, with upload times set relative to the rule's cutoff (no clock involved); then through
 * the installer against the loopback fake PyPI, whose PEP 691 JSON pages carry PEP 700
 * `upload-time`: the rule's cutoff is set from the times the fake lists.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { ReleaseAgeRule } from '@tekton/mcp-installation'
import { fixturePythonProjects, pythonFixtureServerName, startFakePypi } from '@tekton/mcp-testkit'
import type { FakePypi } from '@tekton/mcp-testkit'
import path from 'node:path'
import { createPythonInstaller } from '../src/index'
import { chooseMatureVersion } from '../src/release-age'
import { parseProjectPage, parsePythonVersionRequest, versionsOf } from '../src/simple-project'
import type { IndexFile } from '../src/simple-project'
import { installSpec, isolatedEnv, quickHttp, tempTree } from './helpers'

const hour = 3_600_000
const cutoff = Date.UTC(2026, 0, 10)
const ruleName = 'policy.minimumReleaseAgeHours (/etc/tekton-mcp/config.yaml)'
const rule: ReleaseAgeRule = { hours: 48, publishedBefore: cutoff, rule: ruleName }
const options = { pythonVersion: '3.11.2', allowSdists: false }

function listing(versions: Record<string, number | undefined>): IndexFile[] {
  return Object.entries(versions).map(([version, offset]) => ({
    filename: `demo-${version}-py3-none-any.whl`,
    url: `http://127.0.0.1/demo-${version}-py3-none-any.whl`,
    sha256: '0'.repeat(64),
    index: 'http://127.0.0.1/simple/',
    ...(offset === undefined ? {} : { uploadedAt: cutoff + offset }),
  }))
}

describe('choosing a version old enough', () => {
  const candidates = versionsOf('demo', listing({ '1.0.0': -100 * hour, '1.1.0': -hour, '1.2.0': 5 * hour, '2.0.0b1': -50 * hour }))

  it('falls back from a young latest to the newest older stable version, with a note naming the rule', () => {
    const chosen = chooseMatureVersion('demo', candidates, parsePythonVersionRequest(undefined), options, rule)
    expect(chosen.version).toBe('1.1.0')
    expect(chosen.notes[0]).toBe(`demo 1.2.0 was published 43 h ago, younger than 48 h: 1.1.0 is installed instead, as ${ruleName} asks`)
  })

  it('a range keeps to old enough versions; an exact version is pinned; without the rule nothing changes', () => {
    expect(chooseMatureVersion('demo', candidates, parsePythonVersionRequest('>=1.0,<2'), options, rule).version).toBe('1.1.0')
    expect(chooseMatureVersion('demo', candidates, parsePythonVersionRequest('1.2.0'), options, rule)).toMatchObject({ version: '1.2.0', notes: [] })
    expect(chooseMatureVersion('demo', candidates, parsePythonVersionRequest(undefined), options, undefined).version).toBe('1.2.0')
  })

  it('nothing old enough is E_POLICY_DENIED naming the rule; an index without upload times says so', () => {
    const young = versionsOf('demo', listing({ '1.0.0': hour }))
    expect(() => chooseMatureVersion('demo', young, parsePythonVersionRequest(undefined), options, rule)).toThrow(
      expect.objectContaining({ code: 'E_POLICY_DENIED', message: expect.stringContaining(`demo latest: no matching version is older than 48 h (1.0.0 was published 47 h ago): refused by ${ruleName}`) }),
    )
    const untimed = versionsOf('demo', listing({ '1.0.0': undefined }))
    expect(() => chooseMatureVersion('demo', untimed, parsePythonVersionRequest('>=1'), options, rule)).toThrow(
      expect.objectContaining({ code: 'E_POLICY_DENIED', message: expect.stringContaining('1.0.0 has no upload time'), hint: expect.stringContaining('PEP 700') }),
    )
  })

  it('reads PEP 700 upload-time from a JSON project page; the HTML page has none', () => {
    const json = JSON.stringify({ files: [{ filename: 'demo-1.0.0-py3-none-any.whl', url: 'demo-1.0.0-py3-none-any.whl', hashes: {}, 'upload-time': '2025-01-02T10:00:00.123456Z' }] })
    expect(parseProjectPage(json, 'http://127.0.0.1/simple/demo/', 'http://127.0.0.1/simple/')[0]?.uploadedAt).toBe(Date.UTC(2025, 0, 2, 10, 0, 0, 123))
    expect(parseProjectPage('<a href="demo-1.0.0-py3-none-any.whl">demo-1.0.0-py3-none-any.whl</a>', 'http://127.0.0.1/simple/demo/', 'x')[0]?.uploadedAt).toBeUndefined()
  })
})

describe('through the installer and the fake PyPI', () => {
  let index: FakePypi
  let root: string
  let cleanup: () => Promise<void>
  let uploaded: (version: string) => number

  beforeAll(async () => {
    ;({ root, cleanup } = await tempTree('tekton-python-age-'))
    const { server, helper } = fixturePythonProjects()
    uploaded = (version) => Date.parse(server.document.releases[version]![0]!.upload_time_iso_8601)
    index = await startFakePypi({ projects: [server, helper] })
  })

  afterAll(async () => {
    await index?.close()
    await cleanup?.()
  })

  // The rule's cutoff an hour before 1.1.0 (the newest not yanked) was uploaded: 1.1.0 is too young.
  const installer = () => createPythonInstaller({ env: isolatedEnv(root, index.indexUrl), http: quickHttp(), minimumReleaseAge: () => ({ hours: 48, publishedBefore: uploaded('1.1.0') - hour, rule: ruleName }) })
  const directoryFor = (version: string) => path.join(root, 'final', version)

  it('the newest version too young: the plan chooses the older one and says why', async () => {
    const plan = await installer().plan(installSpec(pythonFixtureServerName), { directoryFor })
    expect(plan.version).toBe('1.0.0')
    expect(plan.notes).toContain(`${pythonFixtureServerName} 1.1.0 was published 47 h ago, younger than 48 h: 1.0.0 is installed instead, as ${ruleName} asks`)
  })

  it('a version pinned exactly is not held back, as npm does; a range with nothing old enough is refused', async () => {
    expect((await installer().plan(installSpec(pythonFixtureServerName, { version: '1.1.0' }), { directoryFor })).version).toBe('1.1.0')
    await expect(installer().plan(installSpec(pythonFixtureServerName, { version: '>=1.1' }), { directoryFor })).rejects.toMatchObject({
      code: 'E_POLICY_DENIED',
      message: expect.stringContaining(`${pythonFixtureServerName} >=1.1: no matching version is older than 48 h (1.1.0 was published 47 h ago): refused by ${ruleName}`),
    })
  })

  it('installs the older version and records when it was published in the verification', async () => {
    const stagingDir = path.join(root, 'staging')
    const result = await installer().install(installSpec(pythonFixtureServerName), { stagingDir })
    expect(result.version).toBe('1.0.0')
    expect(result.verification?.releaseAge?.publishedAt).toBe(new Date(uploaded('1.0.0')).toISOString())
    expect(result.details?.notes).toEqual([expect.stringContaining('1.0.0 is installed instead')])
  }, 600_000)
})
