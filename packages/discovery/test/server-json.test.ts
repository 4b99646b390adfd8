import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { discoveryMetaKey, fromServerJson, officialMetaKey, requirementsFromPackages, serverJsonName, toServerJson } from '../src/index'
import { server } from './fixtures/servers'

// A verbatim copy of the official schema 2025-12-11 (modelcontextprotocol/static), kept in the repo so
// the test runs wherever the repository is cloned.
const schemaPath = new URL('./fixtures/server.schema.json', import.meta.url)
const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>
const ajv = new Ajv({ allErrors: true, strict: false })
const addFormats = addFormatsModule as unknown as (instance: Ajv) => Ajv
addFormats(ajv)
const validate = ajv.compile(schema)

function expectValid(document: unknown): void {
  const valid = validate(document)
  expect(validate.errors ?? []).toEqual([])
  expect(valid).toBe(true)
}

const filesystem = server({
  ref: 'npm:@modelcontextprotocol/server-filesystem',
  name: '@modelcontextprotocol/server-filesystem',
  title: 'Filesystem',
  description: 'MCP server for filesystem access: read, write, search and move files within the directories you allow, with a long description beyond one hundred characters.',
  version: '2025.8.21',
  registryName: 'io.github.modelcontextprotocol/server-filesystem',
  repository: { url: 'https://github.com/modelcontextprotocol/servers', source: 'github', subfolder: 'src/filesystem' },
  websiteUrl: 'https://modelcontextprotocol.io',
  license: 'MIT',
  keywords: ['mcp', 'filesystem'],
  popularity: { downloads: 120000, period: 'week' },
  capabilities: [{ kind: 'tools', name: 'read_file', origin: 'observed' }],
  verified: [{ kind: 'npm-mcp-name', value: 'io.github.modelcontextprotocol/server-filesystem', verified: false }],
  packages: [
    {
      registryType: 'npm',
      identifier: '@modelcontextprotocol/server-filesystem',
      version: '2025.8.21',
      runtimeHint: 'npx',
      transport: { type: 'stdio' },
      packageArguments: [{ type: 'positional', valueHint: 'allowed_directory', isRequired: true, isRepeated: true }],
      environmentVariables: [{ name: 'LOG_LEVEL', isRequired: false, default: 'info' }],
    },
  ],
  remotes: [{ type: 'streamable-http', url: 'https://mcp.example.com/filesystem' }],
  publishedAt: '2025-08-21T10:00:00.000Z',
})

describe('toServerJson', () => {
  it('produces a document that validates against the official schema', () => {
    expectValid(toServerJson(filesystem))
  })

  it('uses the official registry name and caps the description at 100 characters', () => {
    const document = toServerJson(filesystem)
    expect(document.name).toBe('io.github.modelcontextprotocol/server-filesystem')
    expect(document.description.length).toBeLessThanOrEqual(100)
    expect(document.description.endsWith('…')).toBe(true)
  })

  it('stays valid for a bare-bones server with values the schema forbids', () => {
    const bare = server({
      ref: 'npm:odd-server',
      description: '',
      packages: [
        { registryType: 'npm', identifier: 'odd-server', version: 'latest', transport: { type: 'stdio' }, registryBaseUrl: 'not a url', fileSha256: 'xyz' },
        { registryType: 'npm', identifier: 'odd-server', version: '^1.2.0', transport: { type: 'sse' } },
      ],
      remotes: [{ type: 'sse' }, { type: 'streamable-http', url: 'ftp://nope' }],
      websiteUrl: 'javascript:alert(1)',
      repository: { url: 'not-a-url', source: 'github' },
    })
    const document = toServerJson(bare)
    expectValid(document)
    expect(document.packages?.[0]?.version).toBeUndefined()
    expect(document.packages?.[1]?.transport).toEqual({ type: 'stdio' })
    expect(document.remotes).toBeUndefined()
    expect(document.websiteUrl).toBeUndefined()
    expect(document.description).toBe('odd-server')
  })

  it.each([
    [{ registryName: undefined, name: '@scope/pkg', repository: { url: 'https://github.com/Owner/Repo.git', source: 'github' } }, 'io.github.owner/Repo'],
    [{ registryName: undefined, name: '@scope/pkg', repository: undefined }, 'dev.tekton.discovered/scope-pkg'],
    [{ registryName: undefined, name: 'io.github.someone/thing' }, 'io.github.someone/thing'],
  ])('derives a schema-valid name (%j)', (overrides, expected) => {
    const metadata = server({ ref: 'npm:@scope/pkg', ...overrides })
    expect(serverJsonName(metadata)).toBe(expected)
    expectValid(toServerJson(metadata))
  })
})

describe('fromServerJson', () => {
  it('round-trips: nothing discovery knows is lost', () => {
    const document = JSON.parse(JSON.stringify(toServerJson(filesystem))) as unknown
    expect(fromServerJson(document)).toEqual(filesystem)
  })

  it('reads an official registry entry, with its status and dates', () => {
    const metadata = fromServerJson({
      name: 'io.github.acme/weather',
      description: 'Weather forecasts',
      version: '1.2.0',
      packages: [
        {
          registryType: 'pypi',
          identifier: 'acme-weather-mcp',
          version: '1.2.0',
          transport: { type: 'stdio' },
          environmentVariables: [{ name: 'WEATHER_API_KEY', isRequired: true, isSecret: true, description: 'API key' }],
        },
        { registryType: 'unknown', identifier: 42 },
      ],
      remotes: [{ type: 'streamable-http', url: 'https://weather.example.com/mcp' }, { type: 'carrier-pigeon' }],
      repository: { url: 'https://github.com/acme/weather' },
      _meta: { [officialMetaKey]: { status: 'deprecated', publishedAt: '2025-10-01T00:00:00Z', updatedAt: '2025-11-01T00:00:00Z', isLatest: true } },
    })
    expect(metadata.ref).toBe('registry:io.github.acme/weather')
    expect(metadata.status).toBe('deprecated')
    expect(metadata.publishedAt).toBe('2025-10-01T00:00:00Z')
    expect(metadata.packages).toHaveLength(1)
    expect(metadata.remotes).toEqual([{ type: 'streamable-http', url: 'https://weather.example.com/mcp' }])
    expect(metadata.repository).toEqual({ url: 'https://github.com/acme/weather', source: 'unknown' })
    expect(metadata.requirements).toEqual([
      { kind: 'runtime', name: 'python' },
      { kind: 'env', name: 'WEATHER_API_KEY', optional: false, secret: true, description: 'API key' },
    ])
  })

  it('ignores a malformed _meta block of ours instead of failing', () => {
    const metadata = fromServerJson({ name: 'io.github.a/b', description: 'x', version: '1', _meta: { [discoveryMetaKey]: { status: 'exploded' } } })
    expect(metadata.status).toBe('active')
  })

  it('rejects a document without a name', () => {
    expect(() => fromServerJson({ description: 'nameless' })).toThrow()
  })
})

describe('requirementsFromPackages', () => {
  it('marks runtimes optional when several packages offer a choice', () => {
    const requirements = requirementsFromPackages([
      { registryType: 'npm', identifier: 'a', transport: { type: 'stdio' } },
      { registryType: 'oci', identifier: 'a', transport: { type: 'stdio' } },
    ])
    expect(requirements).toEqual([
      { kind: 'runtime', name: 'node', optional: true },
      { kind: 'docker', name: 'docker', optional: true },
    ])
  })
})
