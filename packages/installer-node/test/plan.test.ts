/**
 * Resolution without installing: versions (exact, range, tag, invalid, missing), plan() output,
 * the bin chosen, and refusals that must happen before anything is downloaded.
 */
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { buildFixtureServerPackage, buildNpmTarball, fixtureNpmPackages, integrityOf, startFakeNpmRegistry, startFakeServer } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { createNodeInstaller, findOnPath } from '../src/index'
import { entries, installSpec, isolatedEnv, npmPackage, quickHttp, stagingIn, tempTree } from './helpers'

let tree: Awaited<ReturnType<typeof tempTree>>
let registry: FakeNpmRegistry
let env: NodeJS.ProcessEnv
const directoryFor = (version: string) => path.join('/srv/tekton/servers/fixture', version)

beforeAll(async () => {
  tree = await tempTree()
  registry = await startFakeNpmRegistry({
    packages: [
      fixtureNpmPackages().server,
      buildFixtureServerPackage({
        name: 'fixture-tagged',
        versions: [{ version: '1.0.0' }, { version: '1.4.0' }, { version: '2.0.0-beta.1' }, { version: '1.5.0', deprecated: 'broken' }],
        distTags: { latest: '1.0.0', next: '2.0.0-beta.1', stale: '0.9.0' },
      }),
      buildFixtureServerPackage({ name: 'fixture-two-bins', versions: [{ version: '1.0.0', bin: { 'server-a': 'bin/server.js', 'server-b': 'bin/server.js' } }] }),
      buildFixtureServerPackage({ name: '@scope/fixture-one-bin', versions: [{ version: '1.0.0', bin: { 'mcp-fixture': 'bin/server.js' } }] }),
      buildFixtureServerPackage({ name: 'fixture-no-bin', versions: [{ version: '1.0.0', bin: {} }] }),
      buildFixtureServerPackage({ name: 'fixture-escaping-bin', versions: [{ version: '1.0.0', bin: { 'fixture-escaping-bin': '../../../etc/passwd' } }] }),
      buildFixtureServerPackage({ name: 'fixture-scripts', versions: [{ version: '1.0.0', postinstallMarker: true }] }),
      buildFixtureServerPackage({
        name: 'fixture-sdk-user',
        versions: [{ version: '1.0.0', dependencies: { 'left-pad': '^1.0.0' } }, { version: '2.0.0', dependencies: { '@modelcontextprotocol/sdk': '^1.17.0', fastmcp: '^3.0.0' } }],
      }),
    ],
  })
  env = isolatedEnv(tree.root, { npm_config_registry: registry.url })
})

afterAll(async () => {
  await registry?.close()
  await tree?.cleanup()
})

function installer() {
  return createNodeInstaller({ env, http: quickHttp() })
}

describe('plan', () => {
  it('gives the version and the launch spec under the final directory, without downloading the tarball', async () => {
    registry.requests.length = 0
    const plan = await installer().plan(installSpec('@fixture/mcp-server'), { directoryFor })
    expect(plan).toEqual({
      version: '2.0.0',
      launch: { command: await findOnPath('node', env), args: ['/srv/tekton/servers/fixture/2.0.0/node_modules/@fixture/mcp-server/bin/server.js'], env: {} },
      // This fake serves no signing keys and no attestations: both are said, neither refused here.
      verification: expect.objectContaining({ signature: expect.objectContaining({ status: 'no-keys' }), provenance: expect.objectContaining({ status: 'absent' }) }),
      previousPublished: expect.objectContaining({ signed: false, attested: false }),
    })
    // The packument and the registry's signing keys; never a tarball.
    expect(registry.requests.map((request) => request.path)).toEqual(['/@fixture%2fmcp-server', '/-/npm/v1/keys'])
    // npm's own Accept: the abbreviated packument, which holds everything an install needs.
    expect(registry.requests[0]?.headers.accept).toMatch(/^application\/vnd\.npm\.install-v1\+json/)
  })

  it("names the MCP libraries the planned version depends on, as signs that it is an MCP server", async () => {
    const withSdk = await installer().plan(installSpec('fixture-sdk-user'), { directoryFor })
    expect(withSdk.mcpSigns).toEqual(['depends on @modelcontextprotocol/sdk', 'depends on fastmcp'])
    // The version planned, not the latest: 1.0.0 depends on no MCP library.
    const older = await installer().plan(installSpec('fixture-sdk-user', { version: '1.0.0' }), { directoryFor })
    expect(older.version).toBe('1.0.0')
    expect(older.mcpSigns).toBeUndefined()
  })

  it('uses the nodePath option for the launch command', async () => {
    const plan = await createNodeInstaller({ env, http: quickHttp(), nodePath: process.execPath }).plan(installSpec('@fixture/mcp-server'), { directoryFor })
    expect(plan.launch.command).toBe(process.execPath)
  })

  it('notes install scripts that will not run', async () => {
    const plan = await installer().plan(installSpec('fixture-scripts'), { directoryFor })
    expect(plan.notes).toEqual(['fixture-scripts@1.0.0 has install scripts; they are not run (allow them per server with allowScripts if the server needs them)'])
    const allowed = await installer().plan(installSpec('fixture-scripts', { allowScripts: true }), { directoryFor })
    expect(allowed.notes).toEqual(['fixture-scripts@1.0.0 has install scripts, and they will run (allowScripts)'])
  })
})

describe('versions', () => {
  const resolve = async (identifier: string, version?: string) => (await installer().plan(installSpec(identifier, version ? { version } : {}), { directoryFor })).version

  it('resolves exact versions, ranges and dist-tags as npm does', async () => {
    expect(await resolve('@fixture/mcp-server', '1.2.0')).toBe('1.2.0')
    expect(await resolve('@fixture/mcp-server', 'v1.2.0')).toBe('1.2.0')
    expect(await resolve('@fixture/mcp-server', '^1.0.0')).toBe('1.3.0')
    expect(await resolve('@fixture/mcp-server', '~1.1')).toBe('1.1.0')
    expect(await resolve('@fixture/mcp-server', '>=1.0.0 <1.2.0')).toBe('1.1.0')
    expect(await resolve('@fixture/mcp-server', 'latest')).toBe('2.0.0')
    expect(await resolve('@fixture/mcp-server')).toBe('2.0.0')
    // `latest` wins when it satisfies the range; otherwise the highest that is not deprecated.
    expect(await resolve('fixture-tagged', '*')).toBe('1.0.0')
    expect(await resolve('fixture-tagged', '^1.1.0')).toBe('1.4.0')
    expect(await resolve('fixture-tagged', '1.5.0')).toBe('1.5.0')
    expect(await resolve('fixture-tagged', 'next')).toBe('2.0.0-beta.1')
  })

  it.each([['not a version!'], ['$(touch /tmp/pwned)'], ['git+https://example.com/x.git'], ['file:../evil'], ['1.0.0; rm -rf /'], ['a'.repeat(101)]])(
    'refuses %s as E_INVALID_VERSION before any request, writing nothing',
    async (version) => {
      registry.requests.length = 0
      const staging = await stagingIn(tree.root, `invalid-${registry.port}-${version.length}`)
      await expect(installer().install(installSpec('@fixture/mcp-server', { version }), { stagingDir: staging })).rejects.toMatchObject({
        code: 'E_INVALID_VERSION',
        hint: expect.stringContaining('a range (^1.2)'),
      })
      expect(registry.requests).toEqual([])
      expect(await entries(staging)).toEqual([])
    },
  )

  it('lists the newest versions when none matches', async () => {
    const failure = resolve('@fixture/mcp-server', '^9.0.0')
    await expect(failure).rejects.toMatchObject({ code: 'E_VERSION_NOT_FOUND' })
    await expect(failure).rejects.toThrow('@fixture/mcp-server has no version matching "^9.0.0"; newest versions: 2.0.0, 1.3.0, 1.2.0, 1.1.0, 1.0.0')
    await expect(resolve('@fixture/mcp-server', '3.0.0')).rejects.toMatchObject({ code: 'E_VERSION_NOT_FOUND' })
  })

  it('lists the tags when a tag is unknown or points at a missing version', async () => {
    await expect(resolve('fixture-tagged', 'beta')).rejects.toThrow(/has no dist-tag "beta"; newest versions: 2\.0\.0-beta\.1, 1\.5\.0, 1\.4\.0, 1\.0\.0; tags: latest → 1\.0\.0, next → 2\.0\.0-beta\.1, stale → 0\.9\.0/)
    await expect(resolve('fixture-tagged', 'stale')).rejects.toMatchObject({ code: 'E_VERSION_NOT_FOUND' })
  })

  it('says where it looked for a package the registry does not have', async () => {
    await expect(resolve('fixture-never-published')).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
      message: `[installer-node] fixture-never-published is not on the npm registry ${registry.url}`,
    })
  })
})

describe('bin', () => {
  it('takes the only bin when none is named after the package', async () => {
    const plan = await installer().plan(installSpec('@scope/fixture-one-bin'), { directoryFor })
    expect(plan.launch.args).toEqual(['/srv/tekton/servers/fixture/1.0.0/node_modules/@scope/fixture-one-bin/bin/server.js'])
  })

  it('refuses several bins without one named after the package, and no bin at all, listing them', async () => {
    await expect(installer().plan(installSpec('fixture-two-bins'), { directoryFor })).rejects.toMatchObject({
      code: 'E_NO_BIN',
      message: expect.stringContaining('several bin entries (server-a, server-b) and none is named fixture-two-bins'),
    })
    await expect(installer().plan(installSpec('fixture-no-bin'), { directoryFor })).rejects.toMatchObject({ code: 'E_NO_BIN', message: expect.stringContaining('has no bin entry') })
  })

  it('refuses a bin that points outside the package', async () => {
    await expect(installer().plan(installSpec('fixture-escaping-bin'), { directoryFor })).rejects.toMatchObject({ code: 'E_NO_BIN', message: expect.stringContaining('points outside the package') })
  })
})

describe('refusals before download', () => {
  it.each([['git+ssh://git@example.com/owner/repo.git'], ['file:../package.tgz'], ['/tarballs/x.tgz']])('refuses the tarball URL %s', async (tarball) => {
    const bytes = buildNpmTarball({ 'package.json': '{"name":"fixture-git","version":"1.0.0","bin":"server.js"}', 'server.js': '' })
    // A registry that serves a non-http(s) tarball URL: the fake registry always serves its own URLs.
    const server = await startFakeServer((request) =>
      request.url.pathname === '/fixture-git'
        ? { json: { name: 'fixture-git', 'dist-tags': { latest: '1.0.0' }, versions: { '1.0.0': { name: 'fixture-git', version: '1.0.0', bin: 'server.js', dist: { tarball, integrity: integrityOf(bytes) } } } } }
        : { status: 404, json: { error: 'Not found' } },
    )
    try {
      const staging = await stagingIn(tree.root, `git-${server.port}`)
      const failure = createNodeInstaller({ registry: server.url, env, http: quickHttp() }).install(installSpec('fixture-git'), { stagingDir: staging })
      await expect(failure).rejects.toMatchObject({ code: 'E_UNSAFE_TARBALL_URL', message: expect.stringContaining('is not an http(s) URL') })
      expect(server.requests.map((request) => request.path)).toEqual(['/fixture-git'])
      expect(await entries(staging)).toEqual([])
    } finally {
      await server.close()
    }
  })

  it('refuses a packument for another package', async () => {
    const server = await startFakeServer(() => ({ json: { name: 'something-else', versions: {} } }))
    try {
      await expect(createNodeInstaller({ registry: server.url, env, http: quickHttp() }).plan(installSpec('fixture-asked'), { directoryFor })).rejects.toMatchObject({ code: 'E_BAD_RESPONSE' })
    } finally {
      await server.close()
    }
  })

  it('refuses packages of other registry types and names that are not npm names', async () => {
    const spec = installSpec('fixture')
    await expect(installer().plan({ ...spec, package: { ...spec.package, registryType: 'pypi' } }, { directoryFor })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' })
    await expect(installer().plan({ ...spec, package: npmPackage('../../etc') }, { directoryFor })).rejects.toMatchObject({ code: 'E_INVALID_REF' })
    await expect(installer().plan({ ...spec, package: npmPackage('fixture@1.0.0') }, { directoryFor })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' })
    await expect(installer().install(spec, { stagingDir: 'relative/staging' })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' })
  })
})

describe('options', () => {
  it.each([
    [{ registry: 'ftp://mirror.example.com' }],
    [{ registry: 42 as unknown as string }],
    [{ token: '' }],
    [{ http: {} as never }],
    [{ npmPath: 'npm' }],
    [{ nodePath: './node' }],
    [{ exec: 'execa' as never }],
    [{ npmTimeoutMs: 0 }],
    [null as never],
  ])('refuses %j up front with E_CONFIG', (options) => {
    expect(() => createNodeInstaller(options)).toThrow(expect.objectContaining({ code: 'E_CONFIG' }))
  })

  it('describes itself as the v1 node installer for npm packages', () => {
    const node = createNodeInstaller()
    expect({ specVersion: node.specVersion, type: node.type, registryTypes: node.registryTypes }).toEqual({ specVersion: 'v1', type: 'node', registryTypes: ['npm'] })
  })
})
