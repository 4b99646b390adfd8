import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { defaultRegistryUrl } from '../src/index'
import { defaultCatalogDir, isOfficialRegistry, normalizeRegistryUrl, registryDisplayName, resolveRegistryUrl } from '../src/config'

describe('registry URL', () => {
  it('comes from the option, then TEKTON_MCP_REGISTRY_URL, then the official registry', () => {
    const env = { TEKTON_MCP_REGISTRY_URL: ' https://mirror.example/mcp/ ' }
    expect(resolveRegistryUrl({ baseUrl: 'https://option.example', env })).toBe('https://option.example')
    expect(resolveRegistryUrl({ env })).toBe('https://mirror.example/mcp')
    expect(resolveRegistryUrl({ env: { TEKTON_MCP_REGISTRY_URL: '' } })).toBe(defaultRegistryUrl)
  })

  it('is normalised and checked', () => {
    expect(normalizeRegistryUrl('HTTPS://Registry.Example:443//')).toBe('https://registry.example')
    expect(() => normalizeRegistryUrl('https://user:secret@[bad')).toThrow(expect.not.stringContaining('secret') as unknown as string)
    expect(() => normalizeRegistryUrl('https://registry.example/#top')).toThrow(/query or fragment/)
  })

  it('is shown without credentials, and named after its host unless it is the official one', () => {
    expect(isOfficialRegistry('https://registry.modelcontextprotocol.io')).toBe(true)
    expect(isOfficialRegistry('https://staging.registry.modelcontextprotocol.io')).toBe(false)
    expect(registryDisplayName('https://user:pw@mirror.example:8443')).toBe('MCP Registry (mirror.example:8443)')
  })
})

describe('catalogue directory', () => {
  it('sits under the cache directory, one per host and path', () => {
    const env = { TEKTON_MCP_HOME: '/home/me/.tekton' }
    const cache = path.join('/home/me/.tekton', 'cache', 'registry')
    expect(defaultCatalogDir(defaultRegistryUrl, env)).toBe(path.join(cache, 'registry.modelcontextprotocol.io'))
    expect(defaultCatalogDir('http://127.0.0.1:8080/mirror/v1', env)).toBe(path.join(cache, '127.0.0.1_8080', 'mirror', 'v1'))
    expect(defaultCatalogDir('https://mirror.example/a%20b/c:d/%2e', env)).toBe(path.join(cache, 'mirror.example', 'a_b', 'c_d'))
  })
})
