/**
 * The repository-id check of ownership through the application, against the testkit's fake
 * official registry, fake GitHub and fake npm: a registry entry published from GitHub repository
 * id 4242 installs with its ownership verified by repository id while GitHub still has that id;
 * a repository deleted and recreated (another id) is refused with E_OWNERSHIP_MISMATCH before
 * anything is downloaded; a repository that is gone is a warning; with the GitHub source
 * disabled the check is a note, never a silent pass.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { buildFixtureServerPackage, buildGithubRepo, startFakeGithub, startFakeNpmRegistry, startFakeOfficialRegistry } from '@tekton/mcp-testkit'
import type { FakeGithub, FakeNpmRegistry, FakeOfficialRegistry } from '@tekton/mcp-testkit'
import { createTektonMcp } from '../src/index'

const installTimeout = 600_000
const name = 'io.github.example/notes-mcp'
const packageName = '@example/notes-mcp'
const registeredId = 4242

let root: string
let npm: FakeNpmRegistry
let official: FakeOfficialRegistry
let github: FakeGithub
let run = 0
let home: string

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'tekton-app-repository-id-'))
  ;[npm, official, github] = await Promise.all([
    startFakeNpmRegistry({ packages: [buildFixtureServerPackage({ name: packageName, mcpName: name, versions: [{ version: '1.0.0' }] })] }),
    startFakeOfficialRegistry({
      servers: [
        {
          server: {
            name,
            version: '1.0.0',
            description: 'Notes, published from github.com/example/notes-mcp',
            repository: { url: 'https://github.com/example/notes-mcp', source: 'github', id: String(registeredId) },
            packages: [{ registryType: 'npm', identifier: packageName, version: '1.0.0', transport: { type: 'stdio' } }],
          },
        },
      ],
    }),
    startFakeGithub(),
  ])
})

afterAll(async () => {
  await Promise.all([npm?.close(), official?.close(), github?.close()])
  await rm(root, { recursive: true, force: true })
})

beforeEach(() => {
  run += 1
  home = path.join(root, `run-${run}`)
  github.removeRepo('example/notes-mcp')
})

function app(sources = 'registry,npm,github') {
  return createTektonMcp({
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      TEKTON_MCP_HOME: path.join(home, 'tekton-mcp'),
      TEKTON_MCP_SYSTEM_CONFIG_DIR: path.join(home, 'etc'),
      npm_config_userconfig: path.join(home, 'npmrc'),
      npm_config_registry: `${npm.url}/`,
      TEKTON_MCP_REGISTRY_URL: official.baseUrl,
      GITHUB_API_URL: github.apiUrl,
      TEKTON_MCP_SOURCES: sources,
    },
    cwd: home,
  })
}

const repositoryAt = (id: number) => github.setRepo(buildGithubRepo({ owner: 'example', name: 'notes-mcp', id, topics: ['mcp'] }))
const tarballsFetched = () => npm.requests.filter((request) => request.path.endsWith('.tgz')).length

describe('the repository id of an official registry entry', () => {
  it('the same id as when the entry was published: ownership verified by the package and the repository id', async () => {
    repositoryAt(registeredId)
    const service = await app().installation()
    const plan = await service.planInstall(`registry:${name}`)
    expect(plan.trustRefusal).toBeUndefined()
    const outcome = await service.installServer(`registry:${name}`, { handshake: false })
    expect(outcome.verification?.ownership).toEqual({
      status: 'verified',
      by: 'npm mcpName and repository id',
      detail: expect.stringContaining(`https://github.com/example/notes-mcp still has id ${registeredId}, as when the registry entry was published`),
    })
    expect(outcome.trust?.ownership).toMatchObject({ status: 'verified', by: 'npm mcpName and repository id' })
    // Recorded with the version, so verify and audit show it later.
    const recorded = await service.getInstalledServer(name)
    expect(recorded?.versions['1.0.0']?.verification?.ownership.by).toBe('npm mcpName and repository id')
  }, installTimeout)

  it('another id (deleted and recreated): refused with E_OWNERSHIP_MISMATCH before anything is downloaded', async () => {
    repositoryAt(999_001)
    const service = await app().installation()
    const before = tarballsFetched()
    const detail = `the repository https://github.com/example/notes-mcp has id 999001 on GitHub, but the registry entry was published from id ${registeredId}: it was deleted and recreated (or transferred) since the entry was published`
    const plan = await service.planInstall(`registry:${name}`)
    expect(plan.trustRefusal).toMatchObject({ code: 'E_OWNERSHIP_MISMATCH', message: expect.stringContaining(detail) })
    expect(plan.trust.ownership).toEqual({ status: 'mismatch', by: 'repository id', detail })
    await expect(service.installServer(`registry:${name}`, { handshake: false })).rejects.toMatchObject({ code: 'E_OWNERSHIP_MISMATCH', message: expect.stringContaining(detail) })
    expect(await service.getInstalledServers()).toEqual([])
    expect(tarballsFetched()).toBe(before)
  }, installTimeout)

  it('a repository GitHub no longer has (404): installed with a warning, ownership unverified', async () => {
    const service = await app().installation()
    const plan = await service.planInstall(`registry:${name}`)
    expect(plan.notes).toContainEqual(expect.stringContaining('Ownership warning: the repository https://github.com/example/notes-mcp the registry entry names no longer exists on GitHub (404)'))
    const outcome = await service.installServer(`registry:${name}`, { handshake: false })
    expect(outcome.notes).toContainEqual(expect.stringContaining('no longer exists on GitHub (404)'))
    expect(outcome.trust?.ownership).toMatchObject({ status: 'unverified', detail: expect.stringContaining('npm mcpName verified') })
  }, installTimeout)

  it('with the GitHub source disabled, the check is a note and GitHub is not asked', async () => {
    repositoryAt(999_002)
    const asked = github.countRequests('/repos/')
    const plan = await (await app('registry,npm').installation()).planInstall(`registry:${name}`)
    expect(plan.trustRefusal).toBeUndefined()
    expect(plan.notes).toContainEqual(expect.stringContaining('repository id not checked: no GitHub client (the github source is disabled)'))
    expect(github.countRequests('/repos/')).toBe(asked)
  })
})
