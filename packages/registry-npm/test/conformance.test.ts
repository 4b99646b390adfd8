import { afterAll, beforeAll, describe, it } from '@jest/globals'
import { registrySourceConformance } from '@tekton/mcp-discovery/testing'
import { npmFixturePackages, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import { createNpmRegistry } from '../src/index'
import { isolatedEnv, quickHttp } from './helpers'

registrySourceConformance(
  { describe, it, beforeAll, afterAll },
  {
    name: 'npm',
    async setup() {
      const registry = await startFakeNpmRegistry({ packages: npmFixturePackages })
      const source = createNpmRegistry({ baseUrl: registry.url, http: quickHttp(), env: isolatedEnv('/nonexistent') })
      return { source, knownId: '@modelcontextprotocol/server-filesystem', missingId: 'mcp-server-does-not-exist', searchText: 'filesystem', teardown: () => registry.close() }
    },
  },
)
