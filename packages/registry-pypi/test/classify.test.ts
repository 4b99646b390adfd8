import { describe, expect, it } from '@jest/globals'
import { classifyName, looksLikeMcpName, metadataReasons, nameReasons, requirementName } from '../src/classify'

describe('classifyName: which names the index keeps', () => {
  it.each([
    ['mcp-server-fetch', 'name:mcp-server-*', 2],
    ['MCP_Server.Git', 'name:mcp-server-*', 2],
    ['acme-mcp-server', 'name:*-mcp-server', 2],
    ['Weather_MCP', 'name:*-mcp', 2],
    ['mcp_tools', 'name:mcp-*', 2],
    ['acme.mcp.db', 'name:mcp', 2],
    ['modelcontextprotocol-utils', 'name:modelcontextprotocol', 2],
    ['py-model-context-protocol', 'name:modelcontextprotocol', 2],
    ['fastmcp-slack', 'name:fastmcp-*', 1],
    ['pymcp', 'name:*mcp*', 1],
    ['mcpserver', 'name:*mcp*', 1],
    ['mcpi', 'name:*mcp*', 1],
  ])('%s → %s (strength %d)', (name, reason, strength) => {
    expect(classifyName(name)).toEqual({ reason, strength })
    expect(looksLikeMcpName(name)).toBe(true)
    expect(nameReasons(name)).toEqual([reason])
  })

  it('keeps out names without MCP in a token, and the SDKs themselves', () => {
    for (const name of ['requests', 'django-rest-framework', 'mcp', 'fastmcp', 'FastMCP', 'amcpb', 'comcpx-tools']) {
      expect(looksLikeMcpName(name)).toBe(false)
      expect(nameReasons(name)).toEqual([])
    }
  })
})

describe('metadataReasons: what the JSON API adds', () => {
  it('counts a runtime dependency on mcp or fastmcp, not one behind an extra', () => {
    expect(metadataReasons({ requiresDist: ['mcp[cli]>=1.2; python_version >= "3.10"', 'httpx'] })).toEqual(['dependency:mcp'])
    expect(metadataReasons({ requiresDist: ['FastMCP (>=2.0)'] })).toEqual(['dependency:fastmcp'])
    expect(metadataReasons({ requiresDist: ["mcp>=1.0; extra == 'server'"] })).toEqual([])
    expect(metadataReasons({ requiresDist: ['mcp-proxy>=0.3', 'not a requirement !!'] })).toEqual([])
  })

  it('adds the mcp-name claim, MCP keywords and a summary that says MCP', () => {
    expect(metadataReasons({ mcpName: 'io.github.example/postgres', keywords: ['Postgres', 'MCP'], summary: 'A Model Context Protocol server' })).toEqual([
      'mcp-name:io.github.example/postgres',
      'keyword:mcp',
      'summary:mcp',
    ])
    expect(metadataReasons({ keywords: ['minecraft'], summary: 'Python API for Minecraft: Pi edition' })).toEqual([])
  })

  it('reads project names out of PEP 508 requirements', () => {
    expect(requirementName('Mcp_Server.Utils[extra] (>=1.0) ; python_version < "3.11"')).toBe('mcp-server-utils')
    expect(requirementName('  ')).toBeUndefined()
  })
})
