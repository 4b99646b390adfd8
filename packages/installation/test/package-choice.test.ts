/**
 * Which package of a server.json is installed: `--type` first, then the ref's own kind, else the
 * first of npm, pypi, oci whose runtime is here, with the reason a plan shows. Remote-only
 * servers are not installs.
 */
import { describe, expect, it } from '@jest/globals'
import type { Package, ServerMetadata } from '@tekton/mcp-discovery'
import { pickPackage } from '../src/package-choice'
import type { MCPServerInstaller } from '../src/index'

function installer(type: MCPServerInstaller['type'], registryType: string, runtimePresent: boolean): MCPServerInstaller & { checked: number } {
  const fake = {
    specVersion: 'v1' as const,
    type,
    registryTypes: [registryType],
    checked: 0,
    async checkRequirements() {
      fake.checked += 1
      return runtimePresent
        ? { ok: true, checks: [{ requirement: type, ok: true, found: `${type} here` }] }
        : { ok: false, checks: [{ requirement: type, ok: false, found: `${type} was not found on PATH` }] }
    },
    async install(): Promise<never> {
      throw new Error('not in these tests')
    },
  }
  return fake
}

const stdio = { type: 'stdio' as const }
function server(packages: Package[], remotes: ServerMetadata['remotes'] = []): ServerMetadata {
  return {
    ref: 'registry:io.github.example/multi',
    name: 'io.github.example/multi',
    description: 'x',
    version: '1.0.0',
    packages,
    remotes,
    capabilities: [],
    requirements: [],
    keywords: [],
    status: 'active',
    verified: [],
    sources: [],
  }
}
const multi = server([
  { registryType: 'oci', identifier: 'docker.io/example/multi:1.0.0', transport: stdio },
  { registryType: 'npm', identifier: '@example/multi', transport: stdio },
])

describe('pickPackage', () => {
  it('takes the first of npm, pypi, oci whose runtime is here, and says which it skipped', async () => {
    const node = installer('node', 'npm', false)
    const docker = installer('docker', 'oci', true)
    const choice = await pickPackage([node, docker], multi, undefined, undefined, {})
    expect(choice.pkg.registryType).toBe('oci')
    expect(choice.chose).toBe(true)
    expect(choice.reason).toBe('oci package docker.io/example/multi:1.0.0: the first of npm, pypi, oci whose runtime is here (npm skipped: node: node was not found on PATH); --type picks another')
    expect(choice.requirements?.ok).toBe(true)
    const withNode = await pickPackage([installer('node', 'npm', true), docker], multi, undefined, undefined, {})
    expect(withNode.pkg.registryType).toBe('npm')
  })

  it('falls back to the first package when no runtime is here, so its requirements say what to install', async () => {
    const choice = await pickPackage([installer('node', 'npm', false), installer('docker', 'oci', false)], multi, undefined, undefined, {})
    expect(choice.pkg.registryType).toBe('npm')
    expect(choice.reason).toContain('no package\'s runtime is here')
  })

  it('follows --type and the ref\'s kind without checking runtimes', async () => {
    const node = installer('node', 'npm', true)
    const docker = installer('docker', 'oci', false)
    expect((await pickPackage([node, docker], multi, undefined, 'oci', {})).reason).toBe('oci package docker.io/example/multi:1.0.0, as --type oci asks')
    expect((await pickPackage([node, docker], multi, 'docker', undefined, {})).reason).toContain('the ref names a docker image')
    expect((await pickPackage([node, docker], multi, 'npm', undefined, {})).reason).toContain('the ref names an npm package')
    const single = await pickPackage([node], server([{ registryType: 'npm', identifier: 'x', transport: stdio }]), undefined, undefined, {})
    expect(single).toMatchObject({ chose: false, reason: 'npm package x: the only package an installer here handles' })
    expect(node.checked + docker.checked).toBe(0)
    await expect(pickPackage([node], multi, undefined, 'pypi', {})).rejects.toMatchObject({ code: 'E_NO_INSTALLER' })
  })

  it('refuses a remote-only server as nothing to install, naming its URL', async () => {
    const remote = server([], [{ type: 'streamable-http', url: 'https://mcp.example.com/mcp' }])
    await expect(pickPackage([installer('node', 'npm', true)], remote, undefined, undefined, {})).rejects.toMatchObject({
      code: 'E_REMOTE_ONLY',
      message: 'io.github.example/multi only runs as a remote server, at https://mcp.example.com/mcp (streamable-http): there is nothing to install',
    })
  })
})
