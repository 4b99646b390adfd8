/**
 * The minimum release age for the dependency tree, against real npm and the fake registry with
 * publish times set relative to the rule's cutoff (no clock involved): a dependency picked by a
 * range skips a version younger than the rule, in the in-process resolver and when npm resolves
 * through the metadata proxy; nothing old enough is refused naming the dependency's path; an
 * exact dependency version is pinned; without the rule nothing changes.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { ProgressEvent, ReleaseAgeRule } from '@tekton/mcp-installation'
import { buildNpmPackage, buildNpmTarball, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmPackage, FakeNpmRegistry } from '@tekton/mcp-testkit'
import { createNodeInstaller } from '../src/index'
import { entries, installSpec, isolatedEnv, quickHttp, stagingIn, tempTree } from './helpers'

const npmTimeout = 600_000
const cutoff = Date.UTC(2025, 5, 1)
const rule: ReleaseAgeRule = { hours: 72, publishedBefore: cutoff, rule: 'policy.minimumReleaseAgeHours (/etc/tekton-mcp/config.json)' }
const old = '2025-01-01T00:00:00.000Z'
/** Two hours after the cutoff: published 70 h ago when the rule is 72 h. */
const young = new Date(cutoff + 2 * 3_600_000).toISOString()

type Version = { version: string; publishedAt: string; files?: Record<string, string>; [field: string]: unknown }

function pkg(name: string, versions: Version[], distTags?: Record<string, string>): FakeNpmPackage {
  const tarballs: Record<string, Uint8Array> = {}
  const specs = versions.map(({ files, ...fields }) => {
    const manifest = { name, main: 'index.js', ...fields, publishedAt: undefined }
    tarballs[fields.version] = buildNpmTarball({ 'package.json': `${JSON.stringify(manifest, null, 2)}\n`, 'index.js': `module.exports = ${JSON.stringify(`${name}@${fields.version}`)}\n`, ...files })
    return { ...fields, main: 'index.js', type: 'commonjs' as const }
  })
  return buildNpmPackage({ name, license: 'MIT', versions: specs, tarballs, ...(distTags ? { distTags } : {}) })
}

function server(name: string, fields: Record<string, unknown>): FakeNpmPackage {
  return pkg(name, [{ version: '1.0.0', publishedAt: old, bin: { [name]: 'bin/server.js' }, ...fields, files: { 'bin/server.js': '#!/usr/bin/env node\nprocess.stdin.resume()\n' } }])
}

let tree: Awaited<ReturnType<typeof tempTree>>
let registry: FakeNpmRegistry
let env: NodeJS.ProcessEnv

beforeAll(async () => {
  tree = await tempTree()
  registry = await startFakeNpmRegistry({
    packages: [
      // latest (1.1.0) is younger than the rule: ^1 takes 1.0.0 under it.
      pkg('fresh', [{ version: '1.0.0', publishedAt: old }, { version: '1.1.0', publishedAt: young }]),
      pkg('only-young', [{ version: '1.0.0', publishedAt: young }]),
      pkg('middle', [{ version: '1.0.0', publishedAt: old, dependencies: { 'only-young': '^1.0.0' } }]),
      pkg('bundler', [{ version: '1.0.0', publishedAt: old, bundleDependencies: ['inner'], dependencies: { inner: '^1.0.0' }, files: { 'node_modules/inner/package.json': '{"name":"inner","version":"1.0.0"}\n' } }]),
      server('fixture-fresh-dep', { dependencies: { fresh: '^1.0.0' } }),
      server('fixture-young-deep', { dependencies: { middle: '^1.0.0' } }),
      server('fixture-pinned-dep', { dependencies: { fresh: '1.1.0' } }),
      // The bundling dependency leaves the tree to npm, which resolves `fresh` through the proxy.
      server('fixture-fresh-bundling', { dependencies: { bundler: '^1.0.0', fresh: '^1.0.0' } }),
    ],
  })
  env = isolatedEnv(tree.root, { npm_config_registry: registry.url, npm_config_cache: path.join(tree.root, 'npm-cache') })
})

afterAll(async () => {
  await registry?.close()
  await tree?.cleanup()
})

async function lockedVersion(staging: string, key: string): Promise<string | undefined> {
  const lock = JSON.parse(await readFile(path.join(staging, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> }
  return lock.packages[key]?.version
}

async function installedVersion(staging: string, key: string): Promise<string> {
  return (JSON.parse(await readFile(path.join(staging, key, 'package.json'), 'utf8')) as { version: string }).version
}

describe('the minimum release age for dependencies', () => {
  it(
    'a dependency whose newest matching version is too young gets the older one, and the notes say why',
    async () => {
      const staging = await stagingIn(tree.root, 'fresh-dep')
      const installer = createNodeInstaller({ env, http: quickHttp(), minimumReleaseAge: () => rule })
      const result = await installer.install(installSpec('fixture-fresh-dep'), { stagingDir: staging })
      expect(await lockedVersion(staging, 'node_modules/fresh')).toBe('1.0.0')
      expect(await installedVersion(staging, 'node_modules/fresh')).toBe('1.0.0')
      const heldBack = 'fixture-fresh-dep > fresh: fresh@1.1.0 was published 70 h ago, younger than 72 h: 1.0.0 is installed instead, as policy.minimumReleaseAgeHours (/etc/tekton-mcp/config.json) asks'
      expect(result.details?.notes).toContainEqual(heldBack)
      // Shown with the outcome and kept on the version's record.
      expect(result.warnings).toEqual([heldBack])
    },
    npmTimeout,
  )

  it(
    'without the rule nothing changes: the newest matching version, from abbreviated packuments',
    async () => {
      const staging = await stagingIn(tree.root, 'fresh-dep-no-rule')
      const before = registry.requests.length
      const installer = createNodeInstaller({ env, http: quickHttp() })
      const result = await installer.install(installSpec('fixture-fresh-dep'), { stagingDir: staging })
      expect(await installedVersion(staging, 'node_modules/fresh')).toBe('1.1.0')
      expect(result.details?.notes ?? []).not.toContainEqual(expect.stringContaining('younger than'))
      expect(result.warnings).toBeUndefined()
      const packumentRequests = registry.requests.slice(before).filter((request) => request.path === '/fresh')
      expect(packumentRequests.length).toBeGreaterThan(0)
      for (const request of packumentRequests) expect(String(request.headers.accept)).toContain('application/vnd.npm.install-v1+json')
    },
    npmTimeout,
  )

  it(
    'no old-enough version of a dependency is E_POLICY_DENIED naming the rule, the dependency path and the young version; nothing is left behind',
    async () => {
      const staging = await stagingIn(tree.root, 'young-deep')
      const installer = createNodeInstaller({ env, http: quickHttp(), minimumReleaseAge: () => rule })
      const error = (await installer.install(installSpec('fixture-young-deep'), { stagingDir: staging }).catch((caught: unknown) => caught)) as { code: string; message: string }
      expect(error.code).toBe('E_POLICY_DENIED')
      expect(error.message).toContain('fixture-young-deep > middle > only-young@^1.0.0: no matching version is older than 72 h (only-young@1.0.0 was published 70 h ago): refused by policy.minimumReleaseAgeHours')
      expect(await entries(staging)).toEqual([])
    },
    npmTimeout,
  )

  it(
    'an exact dependency version is pinned, as an exact request for the server is: not held back',
    async () => {
      const staging = await stagingIn(tree.root, 'pinned-dep')
      const installer = createNodeInstaller({ env, http: quickHttp(), minimumReleaseAge: () => rule })
      await installer.install(installSpec('fixture-pinned-dep'), { stagingDir: staging })
      expect(await installedVersion(staging, 'node_modules/fresh')).toBe('1.1.0')
    },
    npmTimeout,
  )

  it(
    'when npm resolves the tree (bundled dependencies), the proxy serves it no young version: it picks the older one too',
    async () => {
      const staging = await stagingIn(tree.root, 'fresh-bundling')
      const events: ProgressEvent[] = []
      const installer = createNodeInstaller({ env, http: quickHttp(), minimumReleaseAge: () => rule })
      await installer.install(installSpec('fixture-fresh-bundling'), { stagingDir: staging, progress: (event) => events.push(event) })
      expect(events.map((event) => event.detail)).toContain('npm resolves the dependency tree (bundler@1.0.0 bundles dependencies)')
      expect(await installedVersion(staging, 'node_modules/fresh')).toBe('1.0.0')
      expect(await installedVersion(staging, 'node_modules/bundler/node_modules/inner')).toBe('1.0.0')
    },
    npmTimeout,
  )
})
