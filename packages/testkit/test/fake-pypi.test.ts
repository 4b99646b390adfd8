/** The fake PyPI's protocol details the source relies on (content negotiation, redirects, files). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { buildPypiProject, negotiateSimpleFormat, pypiFixtureProjects, pypiServerFetch, startFakePypi, withPypiProvenance } from '@tekton/mcp-testkit'
import type { PypiProvenance } from '@tekton/mcp-testkit'
import type { FakePypi } from '@tekton/mcp-testkit'

let pypi: FakePypi
beforeAll(async () => {
  pypi = await startFakePypi({ projects: pypiFixtureProjects, indexNames: ['Zebra_Tools'] })
})
afterAll(async () => {
  await pypi.close()
})

describe('fake PyPI', () => {
  it('negotiates the Simple API form as PyPI does', () => {
    expect(negotiateSimpleFormat('application/vnd.pypi.simple.v1+json', null)).toBe('json')
    expect(negotiateSimpleFormat('application/vnd.pypi.simple.v1+json;q=0.1, text/html', null)).toBe('html')
    expect(negotiateSimpleFormat('application/vnd.pypi.simple.v1+json;q=0, */*', null)).toBe('html')
    expect(negotiateSimpleFormat(undefined, null)).toBe('html')
    expect(negotiateSimpleFormat('text/html', 'application/vnd.pypi.simple.v1+json')).toBe('json')
    expect(negotiateSimpleFormat('application/vnd.pypi.simple.v1+json', 'text/html')).toBe('html')
  })

  it('serves project pages with hashes in both forms, redirecting other spellings', async () => {
    const json = await fetch(`${pypi.url}/simple/Weather_MCP/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } })
    expect(json.url).toBe(`${pypi.url}/simple/weather-mcp/`)
    const body = (await json.json()) as { name: string; files: Array<{ hashes: { sha256: string }; 'requires-python': string }>; versions: string[] }
    expect(body).toMatchObject({ name: 'weather-mcp', versions: ['1.0.0', '1.1.0'] })
    expect(body.files[0]?.hashes.sha256).toMatch(/^[a-f0-9]{64}$/)
    const html = await (await fetch(`${pypi.url}/simple/mcp-server-fetch/`)).text()
    expect(html).toContain('#sha256=')
    expect(html).toContain('data-yanked="Broken entry point; use 0.6.2"')
    expect((await fetch(`${pypi.url}/simple/nope/`)).status).toBe(404)
    expect((await fetch(`${pypi.url}/simple`)).url).toBe(`${pypi.url}/simple/`)
  })

  it('serves the JSON API like PyPI: release documents without releases, 404 bodies, files, pages', async () => {
    const release = (await (await fetch(`${pypi.url}/pypi/mcp-server-fetch/0.6.2/json`)).json()) as Record<string, unknown>
    expect(Object.keys(release).sort()).toEqual(['info', 'last_serial', 'urls', 'vulnerabilities'])
    const missing = await fetch(`${pypi.url}/pypi/mcp-server-fetch/9.9/json`)
    expect(missing.status).toBe(404)
    expect(await missing.json()).toEqual({ message: 'Not Found' })
    expect((await fetch(`${pypi.url}/pypi/mcp-server-fetch/extra/path/json`)).status).toBe(404)
    expect((await fetch(`${pypi.url}/project/mcp-server-fetch/`)).status).toBe(200)
    expect((await fetch(`${pypi.url}/packages/00/00/nothing/x.whl`)).status).toBe(404)
    expect((await fetch(`${pypi.url}/pypi/mcp-server-fetch/json`, { method: 'POST' })).status).toBe(405)
    const wheel = pypiServerFetch.document.urls[0]
    expect((await fetch(`${pypi.url}${wheel?.url}`)).status).toBe(200)
  })

  it('lists index-only names beside the projects, and follows changes', async () => {
    const index = (await (await fetch(pypi.indexUrl, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } })).json()) as { projects: Array<{ name: string }> }
    expect(index.projects.map((project) => project.name)).toEqual(expect.arrayContaining(['Zebra_Tools', 'mcp-server-fetch']))
    pypi.removeProject('MCP-Server-Fetch')
    pypi.setIndexNames([])
    const after = (await (await fetch(pypi.indexUrl, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } })).json()) as { projects: Array<{ name: string }> }
    expect(after.projects.map((project) => project.name)).not.toContain('mcp-server-fetch')
    expect(after.projects.map((project) => project.name)).not.toContain('Zebra_Tools')
    pypi.setProject(pypiServerFetch)
    expect(pypi.countRequests('/simple/')).toBeGreaterThan(0)
  })

  it('serves PEP 740 provenance: the Integrity API, the JSON provenance key and the HTML data-provenance attribute', async () => {
    const project = buildPypiProject({ name: 'Attested_Server', versions: ['1.0.0'] })
    const provenance: PypiProvenance = {
      version: 1,
      attestation_bundles: [{ publisher: { kind: 'GitHub', repository: 'fixture/attested', workflow: 'release.yml', environment: 'pypi' }, attestations: [] }],
    }
    const wheel = 'attested_server-1.0.0-py3-none-any.whl'
    pypi.setProject(withPypiProvenance(project, { [wheel]: provenance }))
    const page = (await (await fetch(`${pypi.url}/simple/attested-server/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } })).json()) as { files: Array<{ filename: string; provenance: string | null }> }
    const link = `${pypi.url}/integrity/attested-server/1.0.0/${wheel}/provenance`
    expect(page.files.map((file) => [file.filename, file.provenance])).toEqual([
      [wheel, link],
      ['attested_server-1.0.0.tar.gz', null],
    ])
    const html = await (await fetch(`${pypi.url}/simple/attested-server/`)).text()
    expect(html).toContain(`data-provenance="${link}">${wheel}</a>`)
    expect(html).not.toMatch(/data-provenance="[^"]*">attested_server-1\.0\.0\.tar\.gz/)
    const served = await fetch(link)
    expect(served.headers.get('content-type')).toBe('application/vnd.pypi.integrity.v1+json')
    expect(await served.json()).toEqual(provenance)
    expect((await fetch(`${pypi.url}/integrity/attested-server/1.0.0/attested_server-1.0.0.tar.gz/provenance`)).status).toBe(404)
    expect((await fetch(`${pypi.url}/integrity/attested-server/9.9.9/${wheel}/provenance`)).status).toBe(404)
    expect((await fetch(`${pypi.url}/integrity/attested-server/1.0.0/${wheel}`)).status).toBe(404)
    pypi.removeProject('attested-server')
  })
})
