/**
 * Registry configuration as npm has it: a scope's registry and token from a project `.npmrc`,
 * honoured by our own requests and passed on to npm, each token going to its registry only.
 */
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { buildFixtureDependencyPackage, buildFixtureServerPackage, buildNpmPackage, buildNpmTarball, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { createNodeInstaller } from '../src/index'
import { initialize, installSpec, isolatedEnv, quickHttp, stagingIn, tempTree, entries } from './helpers'

/** Real npm installs: minutes on a loaded machine; the limit only catches a hang. */
const npmTimeout = 600_000
const token = 'corp-token-0123456789abcdef'

let tree: Awaited<ReturnType<typeof tempTree>>
let publicRegistry: FakeNpmRegistry
let corpRegistry: FakeNpmRegistry
let project: string
let env: NodeJS.ProcessEnv

beforeAll(async () => {
  tree = await tempTree()
  publicRegistry = await startFakeNpmRegistry({
    packages: [
      buildFixtureDependencyPackage(),
      // A look-alike of the private package on the public registry: it must never be used.
      buildFixtureServerPackage({ name: '@corp/mcp-server', versions: [{ version: '9.9.9' }] }),
      (() => {
        // A tarball whose package.json names another package than the registry does.
        const tarball = buildNpmTarball({ 'package.json': JSON.stringify({ name: 'fixture-impostor', version: '1.0.0', bin: 'server.js' }), 'server.js': '' })
        return buildNpmPackage({ name: 'fixture-mismatch', versions: [{ version: '1.0.0', publishedAt: '2025-01-01T00:00:00.000Z', bin: 'server.js' }], tarballs: { '1.0.0': tarball } })
      })(),
    ],
  })
  corpRegistry = await startFakeNpmRegistry({
    packages: [
      buildFixtureServerPackage({ name: '@corp/mcp-server', versions: [{ version: '1.0.0' }], dependencies: { '@corp/helper': '^1.0.0', 'fixture-mcp-helper': '^1.0.0' } }),
      buildFixtureDependencyPackage({ name: '@corp/helper' }),
    ],
  })
  project = path.join(tree.root, 'project')
  await stagingIn(tree.root, 'project')
  await writeFile(path.join(project, '.npmrc'), `@corp:registry=${corpRegistry.url}/\n//127.0.0.1:${corpRegistry.port}/:_authToken=\${CORP_TOKEN}\n`)
  env = isolatedEnv(tree.root, { npm_config_registry: publicRegistry.url, npm_config_cache: path.join(tree.root, 'npm-cache'), CORP_TOKEN: token })
})

afterAll(async () => {
  await publicRegistry?.close()
  await corpRegistry?.close()
  await tree?.cleanup()
})

describe('scoped registries', () => {
  it(
    "installs a scope's package from its own registry with its token, and the public dependency without it",
    async () => {
      const staging = await stagingIn(tree.root, 'corp')
      const installer = createNodeInstaller({ env, cwd: project, http: quickHttp() })
      const result = await installer.install(installSpec('@corp/mcp-server'), { stagingDir: staging })
      expect(result.version).toBe('1.0.0')
      expect(result.details).toEqual(expect.objectContaining({ registry: corpRegistry.url, scope: '@corp' }))
      expect((await initialize(result.launch)).result?.serverInfo).toEqual({ name: '@corp/mcp-server', version: '1.0.0' })

      // Our requests and npm's (for @corp/helper) went to the scope's registry, all with its token.
      const corpPaths = corpRegistry.requests.map((request) => request.path)
      expect(corpPaths).toEqual(expect.arrayContaining(['/@corp%2fmcp-server', '/@corp/mcp-server/-/mcp-server-1.0.0.tgz', '/@corp%2fhelper']))
      expect(corpRegistry.requests.every((request) => request.headers.authorization === `Bearer ${token}`)).toBe(true)
      // The public registry saw only the public dependency, and never the token.
      expect(publicRegistry.requests.map((request) => request.path).filter((requested) => requested.includes('corp'))).toEqual([])
      expect(publicRegistry.requests.some((request) => request.path.startsWith('/fixture-mcp-helper'))).toBe(true)
      expect(publicRegistry.requests.every((request) => request.headers.authorization === undefined)).toBe(true)

      // The token is not written anywhere in the install, nor in the result.
      const lock = await readFile(path.join(staging, 'package-lock.json'), 'utf8')
      expect(lock).toContain(`${corpRegistry.url}/@corp/helper/-/helper-1.0.0.tgz`)
      expect(JSON.stringify(result)).not.toContain(token)
      expect(lock + (await readFile(path.join(staging, 'package.json'), 'utf8'))).not.toContain(token)
      expect(await entries(staging)).toEqual(['node_modules', 'package-lock.json', 'package.json', 'package.tgz'])
    },
    npmTimeout,
  )

  it('takes a resolved configuration as the registry option', async () => {
    const installer = createNodeInstaller({ registry: { baseUrl: publicRegistry.url, origin: 'options', scopes: {}, variables: [], consulted: [] }, env, http: quickHttp() })
    // Without the scope's registry, the public look-alike is what this configuration finds.
    const plan = await installer.plan(installSpec('@corp/mcp-server'), { directoryFor: (version) => path.join(tree.root, 'final', version) })
    expect(plan.version).toBe('9.9.9')
  })

  it(
    'refuses a tarball whose package is not the one the registry described, leaving nothing behind',
    async () => {
      const staging = await stagingIn(tree.root, 'mismatch')
      const installer = createNodeInstaller({ env, cwd: project, http: quickHttp() })
      await expect(installer.install(installSpec('fixture-mismatch'), { stagingDir: staging })).rejects.toMatchObject({ code: 'E_PACKAGE_MISMATCH' })
      expect(await entries(staging)).toEqual([])
    },
    npmTimeout,
  )
})
