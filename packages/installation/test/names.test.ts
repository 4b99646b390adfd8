import { describe, expect, it } from '@jest/globals'
import { assertValidServerName, serverSlug, versionDirectoryName } from '../src/names'

describe('server names and slugs', () => {
  it.each(['name', '@scope/name', 'io.github.owner/name', 'ghcr.io/owner/image', 'mcp-server_fetch.v2', 'A~b'])('accepts %s', (name) => {
    expect(() => assertValidServerName(name)).not.toThrow()
  })

  it.each([
    ['', 'empty'],
    ['../evil', '..'],
    ['a/../b', '..'],
    ['a..b', '..'],
    ['/abs', '/'],
    ['a/', '/'],
    ['a//b', '/'],
    ['a/b/c/d', 'more than two'],
    ['.hidden', 'starts with .'],
    ['a/.git', 'starts with .'],
    ['name; rm -rf ~', 'characters'],
    ['$(id)', 'characters'],
    ['a|b', 'characters'],
    ['a`b`', 'characters'],
    ['a b', 'characters'],
    ['a:b', 'characters'],
    ['a\\b', 'characters'],
    ['x'.repeat(215), 'longer'],
    ['name\u0000', 'control'],
    ['name\u202e', 'control'],
    ['name\u200b', 'control'],
    ['a@b', '@'],
    ['@scope', '@'],
    ['@a/@b', '@'],
    ['-dash', 'start'],
  ])('refuses %j with E_INVALID_NAME (%s)', (name, reason) => {
    expect(() => assertValidServerName(name)).toThrow(expect.objectContaining({ code: 'E_INVALID_NAME', message: expect.stringContaining(reason) }))
  })

  it('refuses what is not a string', () => {
    expect(() => assertValidServerName(undefined)).toThrow(expect.objectContaining({ code: 'E_INVALID_NAME' }))
    expect(() => assertValidServerName(42)).toThrow(expect.objectContaining({ code: 'E_INVALID_NAME' }))
  })

  it('makes safe, readable slugs that differ for names that read alike', () => {
    const slug = serverSlug('@modelcontextprotocol/server-filesystem')
    expect(slug).toMatch(/^modelcontextprotocol-server-filesystem-[0-9a-f]{8}$/)
    expect(serverSlug('@Scope/Name')).not.toBe(serverSlug('scope-name'))
    expect(serverSlug('@Scope/Name')).toMatch(/^scope-name-[0-9a-f]{8}$/)
    expect(serverSlug('a'.repeat(200))).toMatch(/^a{48}-[0-9a-f]{8}$/)
    expect(serverSlug('@_/_')).toMatch(/^[0-9a-f]{8}$/)
    for (const name of ['io.github.owner/name', 'ghcr.io/owner/image', 'CON']) expect(serverSlug(name)).toMatch(/^[a-z0-9-]+$/)
    expect(serverSlug('x')).toBe(serverSlug('x'))
    expect(() => serverSlug('../x')).toThrow(expect.objectContaining({ code: 'E_INVALID_NAME' }))
  })

  it('turns versions into safe directory names', () => {
    expect(versionDirectoryName('1.2.3')).toBe('1.2.3')
    expect(versionDirectoryName('1.0.0-beta.1+build.5')).toBe('1.0.0-beta.1+build.5')
    expect(versionDirectoryName(`sha256:${'a'.repeat(64)}`)).toMatch(/^sha256-a+-[0-9a-f]{8}$/)
    expect(versionDirectoryName('../../etc')).toMatch(/^etc-[0-9a-f]{8}$/)
    expect(versionDirectoryName('1..2')).toMatch(/^1\.2-[0-9a-f]{8}$/)
    expect(versionDirectoryName('..')).toMatch(/^[0-9a-f]{8}$/)
    expect(() => versionDirectoryName('')).toThrow(expect.objectContaining({ code: 'E_INVALID_VERSION' }))
    expect(() => versionDirectoryName('1.0\n')).toThrow(expect.objectContaining({ code: 'E_INVALID_VERSION' }))
  })
})
