/**
 * Opt-in: the real registry npm is configured to use (TEKTON_MCP_LIVE_TESTS=1). Skipped in CI,
 * which must not depend on the network; run it before a release.
 */
import { describe, expect, it } from '@jest/globals'
import { createRequestTrace } from '@tekton/mcp-discovery'
import { createNpmRegistry } from '../src/index'

const live = process.env.TEKTON_MCP_LIVE_TESTS === '1'
const describeLive = live ? describe : describe.skip

describeLive('live npm registry (TEKTON_MCP_LIVE_TESTS=1)', () => {
  const npm = createNpmRegistry()

  it('describes @modelcontextprotocol/server-filesystem: launch entry, mcpName, latest from the dist-tag', async () => {
    const metadata = await npm.getMetadata('@modelcontextprotocol/server-filesystem', { trace: createRequestTrace() })
    expect(metadata?.packages[0]?.bin).toEqual(expect.objectContaining({ 'mcp-server-filesystem': expect.any(String) }))
    expect(metadata?.registryName).toMatch(/^io\.github\.modelcontextprotocol\//)
    const versions = await npm.getVersions('@modelcontextprotocol/server-filesystem', {})
    expect(versions?.find((version) => version.tags.includes('latest'))?.version).toBe(metadata?.version)
  }, 30_000)
})
