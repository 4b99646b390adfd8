import { describe, expect, it } from '@jest/globals'
import { TektonError, formatRef, looksLikeRef, normalizePypiName, parseRef, tryParseRef } from '../src/index'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return TektonError.isInstance(error) ? error.code : 'not-a-tekton-error'
  }
  return undefined
}

describe('parseRef', () => {
  it.each([
    ['npm:@modelcontextprotocol/server-filesystem', { kind: 'npm', id: '@modelcontextprotocol/server-filesystem' }],
    ['npm:JSONStream', { kind: 'npm', id: 'JSONStream' }],
    ['npm:mcp-server-kubernetes@^2.1', { kind: 'npm', id: 'mcp-server-kubernetes', version: '^2.1' }],
    ['npm:@scope/name@latest', { kind: 'npm', id: '@scope/name', version: 'latest' }],
    ['pypi:MCP_Server.Fetch', { kind: 'pypi', id: 'mcp-server-fetch' }],
    ['pypi:mcp-server-git@2025.1.14', { kind: 'pypi', id: 'mcp-server-git', version: '2025.1.14' }],
    ['github:ModelContextProtocol/Servers', { kind: 'github', id: 'modelcontextprotocol/servers' }],
    ['github:owner/repo.git', { kind: 'github', id: 'owner/repo' }],
    ['registry:io.github.owner/weather', { kind: 'registry', id: 'io.github.owner/weather' }],
    ['registry:io.github.owner/weather@1.0.2', { kind: 'registry', id: 'io.github.owner/weather', version: '1.0.2' }],
    ['docker:mcp/fetch', { kind: 'docker', id: 'mcp/fetch' }],
    ['docker:ghcr.io/owner/image:1.0', { kind: 'docker', id: 'ghcr.io/owner/image:1.0' }],
    [`docker:mcp/fetch@sha256:${'a'.repeat(64)}`, { kind: 'docker', id: `mcp/fetch@sha256:${'a'.repeat(64)}` }],
    ['  NPM:left-pad  ', { kind: 'npm', id: 'left-pad' }],
  ])('parses %s', (input, expected) => {
    expect(parseRef(input)).toEqual(expected)
  })

  it.each([
    ['', 'empty'],
    ['   ', 'blank'],
    ['npm:../../etc', 'path traversal'],
    ['npm:.hidden', 'leading dot'],
    ['npm:_private', 'leading underscore'],
    ['npm:foo/bar', 'slash without scope'],
    ['npm:foo;rm -rf ~', 'shell metacharacters'],
    ['npm:foo\u0000bar', 'NUL'],
    ['npm:foo\u202ebar', 'bidi override'],
    [`npm:${'a'.repeat(400)}`, 'over-long'],
    ['npm:', 'no name'],
    ['npm:foo@', 'empty version'],
    ['npm:foo@$(whoami)', 'substitution in version'],
    ['pypi:-leading', 'PyPI name starting with -'],
    ['github:owner', 'no repo'],
    ['github:owner/repo/extra', 'too many parts'],
    ['github:-owner/repo', 'owner starting with -'],
    ['github:owner/..', 'dot-dot repo'],
    ['registry:noslash', 'registry name without namespace'],
    ['docker:UPPER/case', 'upper-case image'],
    ['cargo:ripgrep', 'unknown source'],
    ['server-filesystem', 'no prefix'],
  ])('rejects %j (%s) with E_INVALID_REF', (input) => {
    expect(codeOf(() => parseRef(input))).toBe('E_INVALID_REF')
  })

  it('gives a hint that shows the accepted form', () => {
    try {
      parseRef('filesystem')
      throw new Error('expected a failure')
    } catch (error) {
      expect(TektonError.isInstance(error) && error.hint).toMatch(/npm:@modelcontextprotocol\/server-filesystem/)
    }
  })
})

describe('formatRef', () => {
  it('round-trips canonical refs', () => {
    for (const input of ['npm:@a/b@1.0.0', 'pypi:mcp-server-fetch', 'github:o/r', 'registry:io.github.o/n', 'docker:mcp/fetch:1']) {
      expect(formatRef(parseRef(input))).toBe(input)
    }
  })

  it('can leave the version out', () => {
    expect(formatRef(parseRef('npm:a@1'), { withVersion: false })).toBe('npm:a')
  })
})

describe('helpers', () => {
  it('normalises PyPI names as PEP 503 does', () => {
    expect(normalizePypiName('Friendly-Bard__x..Y')).toBe('friendly-bard-x-y')
  })

  it('tells refs from bare names', () => {
    expect(looksLikeRef('npm:x')).toBe(true)
    expect(looksLikeRef('server-filesystem')).toBe(false)
    expect(tryParseRef('npm:../x')).toBeUndefined()
    expect(tryParseRef('npm:x')).toEqual({ kind: 'npm', id: 'x' })
  })
})
