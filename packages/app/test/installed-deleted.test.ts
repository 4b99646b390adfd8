/**
 * A server deleted upstream but installed here: the search page says so (`installedHere`), so the
 * table can mark it "deleted, installed here" rather than a bare "deleted". The fixture server is
 * installed for real (loopback npm registry, real npm, real handshake); the catalogue that then
 * reports it deleted is a static one, as a source whose entry was withdrawn would.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createStaticRegistry } from '@tekton/mcp-discovery'
import type { RegistrySource, ServerMetadata } from '@tekton/mcp-discovery'
import { fixtureNpmPackages, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { createTektonMcp } from '../src/index'
import type { TektonMcp } from '../src/index'

/** A real install and handshake: minutes on a loaded machine; the limit only catches a hang. */
const installTimeout = 600_000
const fixture = '@fixture/mcp-server'

let root: string
let registry: FakeNpmRegistry
const apps: TektonMcp[] = []

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'tekton-app-deleted-'))
  registry = await startFakeNpmRegistry({ packages: Object.values(fixtureNpmPackages()) })
})

afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()))
  await registry?.close()
  await rm(root, { recursive: true, force: true })
})

function app(sources?: RegistrySource[]): TektonMcp {
  const home = path.join(root, 'home')
  const created = createTektonMcp({
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      TEKTON_MCP_HOME: path.join(home, 'tekton-mcp'),
      npm_config_userconfig: path.join(home, 'npmrc'),
      npm_config_registry: `${registry.url}/`,
      ...(sources ? {} : { TEKTON_MCP_SOURCES: 'npm' }),
    },
    cwd: root,
    ...(sources ? { sources } : {}),
  })
  apps.push(created)
  return created
}

function deletedServer(identifier: string): ServerMetadata {
  return {
    ref: `npm:${identifier}`,
    name: identifier,
    description: 'An MCP server for fixture tests, withdrawn upstream',
    version: '1.0.0',
    status: 'deleted',
    statusMessage: 'unpublished from the registry',
    packages: [{ registryType: 'npm', identifier, version: '1.0.0', transport: { type: 'stdio' } }],
    remotes: [],
    capabilities: [],
    requirements: [],
    keywords: [],
    verified: [],
    sources: [{ source: 'static', id: identifier }],
  }
}

describe('a server deleted upstream', () => {
  it(
    'is marked installed here when this machine has it, and left a plain deleted result otherwise',
    async () => {
      const installer = app()
      const outcome = await (await installer.installation()).installServer(`npm:${fixture}`, { version: '1.0.0' })
      expect(outcome.server.name).toBe(fixture)

      const catalogue = createStaticRegistry({ servers: [deletedServer(fixture), deletedServer('@fixture/never-installed')] })
      const page = await app([catalogue]).search({ text: 'fixture withdrawn' })
      const byRef = new Map(page.results.map((result) => [result.ref, result]))
      expect(byRef.get(`npm:${fixture}`)).toMatchObject({ installedHere: true, server: { status: 'deleted' } })
      expect(byRef.get('npm:@fixture/never-installed')?.server.status).toBe('deleted')
      expect(byRef.get('npm:@fixture/never-installed')).not.toHaveProperty('installedHere')
    },
    installTimeout,
  )
})
