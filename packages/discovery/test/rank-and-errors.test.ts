import { describe, expect, it } from '@jest/globals'
import { RegistryHttpError, TektonError, redact, relevance, quality, toTektonError, tokenize, tektonPaths } from '../src/index'
import { rankServer } from '../src/rank'
import { server } from './fixtures/servers'

describe('ranking', () => {
  it('puts a name match above a description match', () => {
    const byName = server({ ref: 'npm:postgres-mcp', description: 'Database access' })
    const byDescription = server({ ref: 'npm:db-tools', description: 'Talks to postgres' })
    expect(relevance('postgres', byName).score).toBeGreaterThan(relevance('postgres', byDescription).score)
  })

  it('gives an exact name a large boost and explains the match', () => {
    const exact = rankServer('server-memory', server({ ref: 'npm:@modelcontextprotocol/server-memory', name: '@modelcontextprotocol/server-memory' }))
    expect(exact.signals.matched).toContain('name:exact')
    expect(exact.signals.relevance).toBeGreaterThan(50)
  })

  it('lets popularity reorder similar matches but never rescue a deprecated one', () => {
    const popular = server({ ref: 'npm:a-mcp', popularity: { downloads: 1_000_000, stars: 5000 }, verified: [{ kind: 'npm-mcp-name', value: 'x/y', verified: true }] })
    const obscure = server({ ref: 'npm:b-mcp' })
    const deprecated = server({ ref: 'npm:c-mcp', status: 'deprecated', popularity: { downloads: 10_000_000 } })
    expect(quality(popular)).toBeGreaterThan(quality(obscure))
    expect(quality(popular)).toBeLessThanOrEqual(30)
    expect(quality(deprecated)).toBeLessThan(quality(obscure))
    expect(quality(server({ ref: 'npm:d', status: 'deleted' }))).toBe(-60)
  })

  it('matches name prefixes and splits on punctuation', () => {
    expect(tokenize('Server-FileSystem_v2')).toEqual(['server', 'filesystem', 'v2'])
    expect(relevance('file', server({ ref: 'npm:filesystem-mcp' })).matched).toContain('name:prefix')
    expect(relevance('', server({ ref: 'npm:x' })).score).toBe(1)
  })
})

describe('errors', () => {
  it('recognises errors from another copy of the package by their brand', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('@tekton/mcp.error')]: true, code: 'E_X' })
    expect(TektonError.isInstance(foreign)).toBe(true)
    expect(TektonError.isInstance(new Error('plain'))).toBe(false)
    expect(TektonError.isInstance(null)).toBe(false)
  })

  it('serialises without a stack and wraps anything thrown', () => {
    const error = new TektonError('E_NOT_FOUND', 'gone', { hint: 'look elsewhere', cause: new Error('inner') })
    expect(JSON.parse(JSON.stringify(error))).toEqual({ code: 'E_NOT_FOUND', message: 'gone', hint: 'look elsewhere' })
    expect(new TektonError('E_CACHE', 'no hint').toJSON()).toEqual({ code: 'E_CACHE', message: 'no hint' })
    expect(toTektonError(error)).toBe(error)
    expect(toTektonError('boom').toJSON()).toEqual({ code: 'E_INTERNAL', message: 'boom' })
    const http = new RegistryHttpError('E_HTTP', 'bad', { url: 'https://x', status: 500, retryable: true })
    expect([http.status, http.retryable, http.retryAt]).toEqual([500, true, undefined])
  })

  it('redacts credentials from URLs, query strings and auth headers', () => {
    const text = redact('GET https://user:hunter2@example.com/a?token=abc123&x=1 Authorization: Bearer abcdefghijklmnop')
    expect(text).not.toMatch(/hunter2|abc123|abcdefghijklmnop/)
    expect(text).toContain('https://***@example.com/a?token=***&x=1')
  })
})

describe('tektonPaths', () => {
  it('puts everything under TEKTON_MCP_HOME when set', () => {
    expect(tektonPaths({ TEKTON_MCP_HOME: '/tmp/tekton-home' })).toEqual({
      cache: '/tmp/tekton-home/cache',
      data: '/tmp/tekton-home/data',
      config: '/tmp/tekton-home/config',
    })
  })

  it('follows the platform convention otherwise', () => {
    const paths = tektonPaths({})
    expect(paths.cache).toMatch(/tekton-mcp/)
    expect(new Set(Object.values(paths)).size).toBe(3)
  })

  it("puts the directories under the injected env's HOME, not the process's", () => {
    expect(tektonPaths({ HOME: '/home/injected' }, 'linux')).toEqual({
      cache: '/home/injected/.cache/tekton-mcp',
      data: '/home/injected/.local/share/tekton-mcp',
      config: '/home/injected/.config/tekton-mcp',
    })
    expect(tektonPaths({ HOME: '/Users/injected' }, 'darwin')).toEqual({
      cache: '/Users/injected/Library/Caches/tekton-mcp',
      data: '/Users/injected/Library/Application Support/tekton-mcp',
      config: '/Users/injected/Library/Preferences/tekton-mcp',
    })
    expect(tektonPaths({ USERPROFILE: 'C:\\Users\\injected' }, 'win32')).toEqual({
      cache: 'C:\\Users\\injected\\AppData\\Local\\tekton-mcp\\Cache',
      data: 'C:\\Users\\injected\\AppData\\Local\\tekton-mcp\\Data',
      config: 'C:\\Users\\injected\\AppData\\Roaming\\tekton-mcp\\Config',
    })
  })

  it("honours the injected env's XDG and AppData directories, ignoring relative XDG paths as the spec says", () => {
    const env = { HOME: '/home/injected', XDG_CACHE_HOME: '/var/cache/me', XDG_DATA_HOME: '/srv/data', XDG_CONFIG_HOME: 'relative/config' }
    expect(tektonPaths(env, 'linux')).toEqual({ cache: '/var/cache/me/tekton-mcp', data: '/srv/data/tekton-mcp', config: '/home/injected/.config/tekton-mcp' })
    expect(tektonPaths({ USERPROFILE: 'C:\\u', LOCALAPPDATA: 'D:\\local', APPDATA: 'E:\\roaming' }, 'win32')).toEqual({
      cache: 'D:\\local\\tekton-mcp\\Cache',
      data: 'D:\\local\\tekton-mcp\\Data',
      config: 'E:\\roaming\\tekton-mcp\\Config',
    })
    // TEKTON_MCP_HOME still wins over all of them.
    expect(tektonPaths({ ...env, TEKTON_MCP_HOME: '/opt/tekton' }, 'linux').cache).toBe('/opt/tekton/cache')
  })
})
