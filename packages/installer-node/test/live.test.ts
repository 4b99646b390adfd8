/**
 * Opt-in: the real registry npm is configured to use (TEKTON_MCP_LIVE_TESTS=1), and the real npm.
 * Skipped in CI, which must not depend on the network; run it before a release.
 */
import { describe, expect, it } from '@jest/globals'
import { createNodeInstaller } from '../src/index'
import { initialize, installSpec, stagingIn, tempTree } from './helpers'

const live = process.env.TEKTON_MCP_LIVE_TESTS === '1'
const describeLive = live ? describe : describe.skip

describeLive('live npm registry (TEKTON_MCP_LIVE_TESTS=1)', () => {
  it('installs @modelcontextprotocol/server-memory and its launch spec answers MCP initialize', async () => {
    const tree = await tempTree('tekton-node-live-')
    try {
      const installer = createNodeInstaller()
      const report = await installer.checkRequirements(installSpec('@modelcontextprotocol/server-memory').package, {})
      expect(report.ok).toBe(true)
      const staging = await stagingIn(tree.root)
      const result = await installer.install(installSpec('@modelcontextprotocol/server-memory'), { stagingDir: staging })
      expect(result.version).toMatch(/^\d+\.\d+\.\d+/)
      expect(result.integrity.value).toMatch(/^sha512-/)
      const answer = await initialize(result.launch, 30_000)
      expect(answer.result?.serverInfo?.name).toEqual(expect.any(String))
      expect(answer.result?.protocolVersion).toEqual(expect.any(String))
    } finally {
      await tree.cleanup()
    }
  }, 180_000)
})
