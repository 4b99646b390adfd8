import { afterAll, beforeAll, describe, it } from '@jest/globals'
import { registrySourceConformance } from '@tekton/mcp-discovery/testing'
import { officialFixtureServers, startFakeOfficialRegistry } from '@tekton/mcp-testkit'
import { tempDir, testSource } from './helpers'

const fixture = {
  knownId: 'io.github.example/postgres',
  missingId: 'io.github.example/does-not-exist',
  searchText: 'postgres',
}

registrySourceConformance(
  { describe, it, beforeAll, afterAll },
  {
    name: 'registry (live search)',
    async setup() {
      const registry = await startFakeOfficialRegistry({ servers: officialFixtureServers })
      return { ...fixture, source: testSource(registry.baseUrl), teardown: () => registry.close() }
    },
  },
)

registrySourceConformance(
  { describe, it, beforeAll, afterAll },
  {
    name: 'registry (synced catalogue, under a sub-path)',
    async setup() {
      const registry = await startFakeOfficialRegistry({ servers: officialFixtureServers, basePath: '/mirror' })
      const directory = await tempDir()
      const source = testSource(registry.baseUrl, { catalog: true, catalogDir: directory.dir })
      await source.sync()
      return {
        ...fixture,
        searchText: 'databases',
        source,
        teardown: async () => {
          await registry.close()
          await directory.cleanup()
        },
      }
    },
  },
)
