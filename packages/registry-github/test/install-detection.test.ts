import { describe, expect, it } from '@jest/globals'
import { decodeFile } from '../src/github-registry'
import { detectInstall, dockerfileNote, installFileFor, readDockerfileLabels, readPackageJson, readPyproject, readServerJson } from '../src/install-detection'

const json = (value: unknown) => JSON.stringify(value)

describe('package.json', () => {
  it('becomes an npm package with its bin, the node range and the mcpName claim', () => {
    const detection = detectInstall({ 'package.json': json({ name: '@scope/server', version: '2.0.0', bin: { server: 'cli.js' }, mcpName: 'io.github.scope/server', engines: { node: '>=18' } }) })
    expect(detection).toEqual({
      packages: [{ registryType: 'npm', identifier: '@scope/server', transport: { type: 'stdio' }, runtimeHint: 'npx', bin: { server: 'cli.js' } }],
      remotes: [],
      requirements: [{ kind: 'runtime', name: 'node', range: '>=18' }],
      registryName: 'io.github.scope/server',
      declaredVersion: '2.0.0',
      reasons: ['mcpName:io.github.scope/server'],
      files: ['package.json'],
    })
  })

  it('names a string bin after the unscoped package, and makes nothing of invalid or private manifests', () => {
    expect(detectInstall({ 'package.json': json({ name: '@scope/tool', bin: 'index.js' }) }).packages[0]?.bin).toEqual({ tool: 'index.js' })
    expect(readPackageJson(json({ name: 'Has Spaces' }))).toBeUndefined()
    expect(readPackageJson(json({ name: 'x@1.0.0' }))).toBeUndefined()
    expect(readPackageJson('[1, 2]')).toBeUndefined()
    expect(readPackageJson('{"name": "ok", "__proto__": {"polluted": true}}')).toEqual({ name: 'ok' })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    const privateOne = detectInstall({ 'package.json': json({ name: 'workspace-root', private: true, mcpName: 'io.github.a/b' }) })
    expect(privateOne).toMatchObject({ packages: [], requirements: [], registryName: 'io.github.a/b' })
    // A claimed name that is not a registry name is no claim.
    expect(detectInstall({ 'package.json': json({ name: 'x', mcpName: 'not a name' }) }).registryName).toBeUndefined()
  })
})

describe('pyproject.toml', () => {
  const pyproject = (body: string) => `[project]\nname = "Mcp_Weather"\nversion = "0.3.0"\nrequires-python = ">=3.10"\n${body}`

  it('becomes a PyPI package, run with uvx when it has a console script', () => {
    const detection = detectInstall({ 'pyproject.toml': pyproject('[project.scripts]\nmcp-weather = "mcp_weather:main"\n') })
    expect(detection).toMatchObject({
      packages: [{ registryType: 'pypi', identifier: 'Mcp_Weather', transport: { type: 'stdio' }, runtimeHint: 'uvx' }],
      requirements: [{ kind: 'runtime', name: 'python', range: '>=3.10' }],
      declaredVersion: '0.3.0',
      files: ['pyproject.toml'],
    })
    expect(detectInstall({ 'pyproject.toml': pyproject('') }).packages[0]?.runtimeHint).toBeUndefined()
  })

  it('makes nothing of invalid TOML or a project without a valid name', () => {
    expect(readPyproject('[project\nname=')).toBeUndefined()
    expect(readPyproject('[tool.poetry]\nname = "x"\n')).toBeUndefined()
    expect(readPyproject('[project]\nname = "-bad-"\n')).toBeUndefined()
  })
})

describe('server.json', () => {
  const serverJson = {
    name: 'io.github.acme/weather',
    title: 'Weather',
    description: 'Forecasts',
    version: '1.0.0',
    packages: [
      { registryType: 'pypi', identifier: 'mcp-weather', version: '1.0.0', transport: { type: 'stdio' } },
      { registryType: 'oci', identifier: 'ghcr.io/acme/weather:1.0.0', transport: { type: 'stdio' } },
      { registryType: 'npm', transport: { type: 'stdio' } },
    ],
    remotes: [{ type: 'sse', url: 'https://weather.example/sse' }, { type: 'carrier-pigeon' }],
  }

  it('is taken as it is; the same package from pyproject.toml adds how it runs, not a second entry', () => {
    const detection = detectInstall({ 'server.json': json(serverJson), 'pyproject.toml': '[project]\nname = "MCP.Weather"\n[project.scripts]\nweather = "w:main"\n', Dockerfile: 'FROM python:3.12\n' })
    expect(detection.packages).toEqual([
      { registryType: 'pypi', identifier: 'mcp-weather', version: '1.0.0', transport: { type: 'stdio' }, runtimeHint: 'uvx' },
      { registryType: 'oci', identifier: 'ghcr.io/acme/weather:1.0.0', transport: { type: 'stdio' } },
    ])
    expect(detection.remotes).toEqual([{ type: 'sse', url: 'https://weather.example/sse' }])
    expect(detection).toMatchObject({ registryName: 'io.github.acme/weather', title: 'Weather', description: 'Forecasts', declaredVersion: '1.0.0', reasons: ['server.json'], files: ['server.json', 'pyproject.toml', 'Dockerfile'] })
    // With two ways to install, neither runtime is strictly required.
    expect(detection.requirements).toEqual([
      { kind: 'runtime', name: 'python', optional: true },
      { kind: 'docker', name: 'docker', optional: true },
      { kind: 'docker', name: 'dockerfile', optional: true, description: dockerfileNote },
    ])
  })

  it('wins the registry name over package.json, and a server.json without a version declares none', () => {
    const detection = detectInstall({ 'server.json': json({ name: 'io.github.a/official' }), 'package.json': json({ name: 'a', version: '3.0.0', mcpName: 'io.github.a/other' }) })
    expect(detection.registryName).toBe('io.github.a/official')
    expect(detection.declaredVersion).toBe('3.0.0')
  })

  it('makes nothing of a document that is not a server.json', () => {
    expect(readServerJson('{"description": "no name"}')).toBeUndefined()
    expect(readServerJson('[]')).toBeUndefined()
    expect(readServerJson('nope')).toBeUndefined()
    expect(detectInstall({ 'server.json': '{}' })).toMatchObject({ packages: [], files: [] })
  })
})

describe('Dockerfile', () => {
  it('reads labels across continuation lines and quoting styles', () => {
    const labels = readDockerfileLabels([
      'FROM alpine',
      'label version=1.0 "quoted.key"="a \\"b\\""',
      'LABEL org.opencontainers.image.title=\'Fetch\' \\',
      '  io.modelcontextprotocol.server.name="io.github.octo/fetch"',
    ].join('\n'))
    expect(labels).toEqual({ version: '1.0', 'quoted.key': 'a "b"', 'org.opencontainers.image.title': 'Fetch', 'io.modelcontextprotocol.server.name': 'io.github.octo/fetch' })
  })

  it('is an optional requirement; a label claims the registry name; no image is guessed', () => {
    expect(detectInstall({ Dockerfile: 'FROM node:22\nLABEL io.modelcontextprotocol.server.name=io.github.octo/fetch\n' })).toEqual({
      packages: [],
      remotes: [],
      requirements: [{ kind: 'docker', name: 'dockerfile', optional: true, description: dockerfileNote }],
      registryName: 'io.github.octo/fetch',
      reasons: ['label:io.modelcontextprotocol.server.name=io.github.octo/fetch'],
      files: ['Dockerfile'],
    })
  })
})

describe('file names and contents', () => {
  it('recognises the install files at the root, a Dockerfile in any case', () => {
    expect(installFileFor('dockerfile')).toBe('Dockerfile')
    expect(installFileFor('server.json')).toBe('server.json')
    expect(installFileFor('Package.json')).toBeUndefined()
    expect(installFileFor('README.md')).toBeUndefined()
  })

  it('decodes base64 contents as the contents API wraps them, and nothing else', () => {
    const text = '{"name": "ünïcode"}\n'.repeat(10)
    const wrapped = `${Buffer.from(text).toString('base64').match(/.{1,60}/g)?.join('\n')}\n`
    expect(decodeFile({ type: 'file', path: 'x', encoding: 'base64', content: wrapped })).toBe(text)
    expect(decodeFile({ type: 'file', path: 'x', encoding: 'none', content: '' })).toBeUndefined()
    expect(decodeFile({ type: 'dir', path: 'x', encoding: 'base64', content: wrapped })).toBeUndefined()
  })
})
