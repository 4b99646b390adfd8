/**
 * PEP 740 pieces that decide without Sigstore: the provenance links in index pages, subject names,
 * the previous published version's trust, and the answers that fail before any verification (a
 * link to nothing, a body that is not a provenance object).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { buildPypiProject, startFakePypi, withPypiProvenance } from '@tekton/mcp-testkit'
import type { FakePypi } from '@tekton/mcp-testkit'
import { checkPypiProvenance, fetchProjectFiles, parseProjectPage, previousPublishedOfPython, subjectNameMatches, versionsOf } from '../src/index'
import type { IndexFile, PypiAttestationVerifier } from '../src/index'
import { quickHttp } from './helpers'

let pypi: FakePypi
beforeAll(async () => {
  const project = buildPypiProject({ name: 'demo', versions: ['0.9.0', '1.0.0rc1', '1.0.0', { version: '1.1.0', yanked: true }, '1.2.0'] })
  const stand = { version: 1 as const, attestation_bundles: [{ publisher: { kind: 'GitHub', repository: 'o/demo', workflow: 'release.yml' }, attestations: [] }] }
  pypi = await startFakePypi({ projects: [withPypiProvenance(project, { 'demo-0.9.0-py3-none-any.whl': stand, 'demo-1.0.0.tar.gz': stand, 'demo-1.1.0-py3-none-any.whl': stand })] })
})
afterAll(async () => {
  await pypi?.close()
})

/** A verifier that must not be reached: these answers are decided before any signature is looked at. */
const unreachable = async (): Promise<PypiAttestationVerifier> => {
  throw new Error('the verifier was loaded although nothing was to be verified')
}

describe('provenance links', () => {
  it('reads PEP 740 links from both forms of the simple API, absolute, and none where the index gives none', async () => {
    const json = JSON.stringify({ files: [{ filename: 'demo-1.0-py3-none-any.whl', url: '/f/demo-1.0-py3-none-any.whl', hashes: {}, provenance: '/integrity/demo/1.0/demo-1.0-py3-none-any.whl/provenance' }, { filename: 'demo-1.0.tar.gz', url: '/f/demo-1.0.tar.gz', hashes: {}, provenance: null }] })
    expect(parseProjectPage(json, 'http://127.0.0.1:9/simple/demo/', 'i').map((file) => file.provenanceUrl)).toEqual(['http://127.0.0.1:9/integrity/demo/1.0/demo-1.0-py3-none-any.whl/provenance', undefined])
    const html = `<a href="/f/demo-1.0-py3-none-any.whl" data-provenance="https://idx.test/integrity/demo/1.0/demo-1.0-py3-none-any.whl/provenance">demo-1.0-py3-none-any.whl</a><a href="/f/demo-1.0.tar.gz" data-provenance="http://[bad">demo-1.0.tar.gz</a>`
    expect(parseProjectPage(html, 'http://127.0.0.1:9/simple/demo/', 'i').map((file) => file.provenanceUrl)).toEqual(['https://idx.test/integrity/demo/1.0/demo-1.0-py3-none-any.whl/provenance', undefined])
    const served = await fetchProjectFiles(quickHttp(), [pypi.indexUrl], 'demo')
    expect(served.filter((file) => file.provenanceUrl !== undefined).map((file) => file.filename)).toEqual(['demo-0.9.0-py3-none-any.whl', 'demo-1.0.0.tar.gz', 'demo-1.1.0-py3-none-any.whl'])
  })

  it('matches subject names as the file name, or the same once the project name is normalised', () => {
    expect(subjectNameMatches('demo_server-1.0-py3-none-any.whl', 'demo_server-1.0-py3-none-any.whl')).toBe(true)
    expect(subjectNameMatches('Demo.Server-1.0-py3-none-any.whl', 'demo_server-1.0-py3-none-any.whl')).toBe(true)
    expect(subjectNameMatches('demo_server-1.0.tar.gz', 'demo_server-1.0-py3-none-any.whl')).toBe(false)
    expect(subjectNameMatches('demo_server-1.1-py3-none-any.whl', 'demo_server-1.0-py3-none-any.whl')).toBe(false)
    expect(subjectNameMatches('other-1.0-py3-none-any.whl', 'demo_server-1.0-py3-none-any.whl')).toBe(false)
    expect(subjectNameMatches('demo_server-1.0.exe', 'demo_server-1.0.exe.whl')).toBe(false)
  })
})

describe('the previous published version', () => {
  it('is the newest older release that is not yanked, attested when a file of the same kind has provenance', async () => {
    const candidates = versionsOf('demo', await fetchProjectFiles(quickHttp(), [pypi.indexUrl], 'demo'))
    // 1.1.0 is yanked, so 1.2.0's predecessor is 1.0.0, whose wheel has none (its sdist has).
    expect(previousPublishedOfPython(candidates, '1.2.0', 'demo-1.2.0-py3-none-any.whl')).toEqual({ version: '1.0.0', signed: false, attested: false })
    expect(previousPublishedOfPython(candidates, '1.2.0', 'demo-1.2.0.tar.gz')).toEqual({ version: '1.0.0', signed: false, attested: true })
    // Prereleases are skipped before a release, and count before a prerelease.
    expect(previousPublishedOfPython(candidates, '1.0.0', 'demo-1.0.0-py3-none-any.whl')).toEqual({ version: '0.9.0', signed: false, attested: true })
    expect(previousPublishedOfPython(candidates, '1.0.1rc1', 'demo-1.0.1rc1-py3-none-any.whl')).toEqual({ version: '1.0.0', signed: false, attested: false })
    expect(previousPublishedOfPython(candidates, '0.9.0', 'demo-0.9.0-py3-none-any.whl')).toBeUndefined()
  })
})

describe('answers decided before any signature', () => {
  const wheel = (extra: Partial<IndexFile>): IndexFile => ({ filename: 'demo-1.2.0-py3-none-any.whl', url: 'http://127.0.0.1:9/f', sha256: 'a'.repeat(64), index: 'http://127.0.0.1:9/simple/', ...extra })

  it('is absent when the index links none, without loading the verifier', async () => {
    const check = await checkPypiProvenance({ http: quickHttp(), loadVerifier: unreachable, file: wheel({}), sha256: 'a'.repeat(64) })
    expect(check).toEqual({ status: 'absent', detail: 'http://127.0.0.1:9/simple/ links no PEP 740 attestation to demo-1.2.0-py3-none-any.whl' })
  })

  it('fails when the link leads nowhere (404) or to something that is not a provenance object', async () => {
    const missing = await checkPypiProvenance({ http: quickHttp(), loadVerifier: unreachable, file: wheel({ provenanceUrl: `${pypi.url}/integrity/demo/1.2.0/demo-1.2.0-py3-none-any.whl/provenance` }), sha256: 'a'.repeat(64) })
    expect(missing).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_INVALID', detail: expect.stringMatching(/links provenance to demo-1\.2\.0-py3-none-any\.whl, but .* has none \(404\)/) })
    const notProvenance = await checkPypiProvenance({ http: quickHttp(), loadVerifier: unreachable, file: wheel({ provenanceUrl: `${pypi.url}/pypi/demo/json` }), sha256: 'a'.repeat(64) })
    expect(notProvenance).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_INVALID', detail: expect.stringMatching(/is not a PEP 740 provenance object/) })
  })

  it('fails a publisher listed without attestations', async () => {
    const check = await checkPypiProvenance({
      http: quickHttp(),
      loadVerifier: async () => ({ bundleFrom: (value) => value, verify: () => ({ status: 'verified', detail: 'never asked' }) }),
      file: wheel({ provenanceUrl: `${pypi.url}/integrity/demo/0.9.0/demo-0.9.0-py3-none-any.whl/provenance` }),
      sha256: 'a'.repeat(64),
    })
    expect(check).toMatchObject({ status: 'failed', code: 'E_PROVENANCE_INVALID', detail: expect.stringMatching(/publisher \(GitHub o\/demo \(release\.yml\)\) without attestations/) })
  })
})
