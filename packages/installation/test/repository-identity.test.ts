// The repository-id check of ownership, on its own: which servers it applies to, what each
// answer of GitHub makes of it, and how it joins the package's own proof in the trust report.
// Through the application (fake registry, GitHub and npm) it is tested in packages/app.
import { describe, expect, it } from '@jest/globals'
import type { ServerMetadata } from '@tekton/mcp-discovery'
import { buildTrustReport, checkRepositoryIdentity, combineOwnership, registryRepositoryOf, repositoryIdentityRefusal } from '../src/index'
import type { RepositoryIdLookup } from '../src/index'

function server(overrides: Partial<ServerMetadata> = {}): ServerMetadata {
  return {
    ref: 'registry:io.github.example/notes',
    name: 'io.github.example/notes',
    description: 'notes',
    version: '1.0.0',
    repository: { url: 'https://github.com/Example/notes.git', source: 'github', id: '4242' },
    packages: [],
    remotes: [],
    capabilities: [],
    requirements: [],
    keywords: [],
    status: 'active',
    verified: [],
    sources: [{ source: 'registry', id: 'io.github.example/notes' }],
    ...overrides,
  }
}

const answering = (id: string | null): RepositoryIdLookup => async () => id

describe('which servers are checked', () => {
  it('a registry entry (or a merged one the registry is among the sources of) naming a GitHub repository id', () => {
    expect(registryRepositoryOf(server())).toEqual({ url: 'https://github.com/Example/notes', owner: 'Example', name: 'notes', id: '4242' })
    expect(registryRepositoryOf(server({ ref: 'npm:@example/notes' }))).toMatchObject({ id: '4242' })
  })

  it('not a server from elsewhere, one without an id, or a repository off GitHub', () => {
    expect(registryRepositoryOf(server({ ref: 'github:example/notes', sources: [{ source: 'github', id: 'example/notes' }] }))).toBeUndefined()
    expect(registryRepositoryOf(server({ repository: { url: 'https://github.com/example/notes', source: 'github' } }))).toBeUndefined()
    expect(registryRepositoryOf(server({ repository: { url: 'https://gitlab.com/example/notes', source: 'gitlab', id: '7' } }))).toBeUndefined()
  })
})

describe('what GitHub answers', () => {
  it('the same id, another id, none (404), or no answer', async () => {
    expect(await checkRepositoryIdentity(answering('4242'), server(), undefined)).toMatchObject({ status: 'same', currentId: '4242' })
    const different = await checkRepositoryIdentity(answering('77'), server(), undefined)
    expect(different).toMatchObject({ status: 'different', currentId: '77', detail: expect.stringContaining('it was deleted and recreated (or transferred) since the entry was published') })
    expect(repositoryIdentityRefusal('io.github.example/notes', different)).toMatchObject({ code: 'E_OWNERSHIP_MISMATCH' })
    expect(await checkRepositoryIdentity(answering(null), server(), undefined)).toMatchObject({ status: 'gone', detail: expect.stringContaining('(404)') })
    const offline: RepositoryIdLookup = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:9')
    }
    expect(await checkRepositoryIdentity(offline, server(), undefined)).toMatchObject({ status: 'unchecked', detail: expect.stringContaining('ECONNREFUSED') })
    expect(await checkRepositoryIdentity(undefined, server(), undefined)).toMatchObject({ status: 'unchecked', detail: expect.stringContaining('no GitHub client') })
    expect(await checkRepositoryIdentity(answering('4242'), server({ repository: undefined }), undefined)).toBeUndefined()
  })
})

describe('joined with the package proof', () => {
  const identity = { repository: 'https://github.com/example/notes', registeredId: '4242', detail: 'd' }
  const packageProof = { status: 'verified' as const, by: 'npm mcpName', detail: 'claims it' }

  it('a stronger package proof is kept and gains the repository id; a package mismatch stays one; a changed id is a mismatch whatever the package says', () => {
    expect(combineOwnership(packageProof, { ...identity, status: 'same' })).toEqual({ status: 'verified', by: 'npm mcpName and repository id', detail: 'claims it; d' })
    expect(combineOwnership({ status: 'unverified', detail: 'no claim' }, { ...identity, status: 'same' })).toEqual({ status: 'verified', by: 'repository id', detail: 'd' })
    expect(combineOwnership({ status: 'mismatch', detail: 'other name' }, { ...identity, status: 'same' })).toEqual({ status: 'mismatch', detail: 'other name' })
    expect(combineOwnership(packageProof, { ...identity, status: 'different' })).toEqual({ status: 'mismatch', by: 'repository id', detail: 'd' })
    expect(combineOwnership(packageProof, { ...identity, status: 'gone' })).toEqual({ status: 'unverified', detail: 'npm mcpName verified (claims it), but d' })
    expect(combineOwnership(packageProof, { ...identity, status: 'unchecked' })).toEqual({ ...packageProof, detail: 'claims it (d)' })
    expect(combineOwnership(packageProof, undefined)).toBe(packageProof)
  })

  it('the trust report of an installer that verifies nothing joins it to the discovery facts', () => {
    const report = buildTrustReport({
      server: 'io.github.example/notes',
      version: '1.0.0',
      ref: 'registry:io.github.example/notes',
      registryType: 'oci',
      identifier: 'example/notes:1',
      installer: 'docker',
      ownershipFacts: [],
      repositoryIdentity: { ...identity, status: 'same' },
      allowScripts: false,
      handshake: null,
      lintPolicy: 'warn',
      otherServers: [],
      installedPackages: [],
      now: () => 0,
    })
    expect(report.ownership).toEqual({ status: 'verified', by: 'repository id', detail: 'd' })
  })
})
