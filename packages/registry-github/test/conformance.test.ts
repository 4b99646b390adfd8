import { afterAll, beforeAll, describe, it } from '@jest/globals'
import { registrySourceConformance } from '@tekton/mcp-discovery/testing'
import { githubFixtureRepos, startFakeGithub } from '@tekton/mcp-testkit'
import { githubSource } from './helpers'

registrySourceConformance(
  { describe, it, beforeAll, afterAll },
  {
    name: 'github',
    async setup() {
      const github = await startFakeGithub({ repos: githubFixtureRepos })
      const source = githubSource(github.apiUrl)
      return { source, knownId: 'example/postgres-mcp', missingId: 'example/no-such-repository', searchText: 'postgres', teardown: () => github.close() }
    },
  },
)

registrySourceConformance(
  { describe, it, beforeAll, afterAll },
  {
    name: 'github (Enterprise Server, tags only)',
    async setup() {
      const github = await startFakeGithub({ repos: githubFixtureRepos, pathPrefix: '/api/v3' })
      const source = githubSource(github.apiUrl, { token: 'ghs_enterprise_token' })
      return { source, knownId: 'Acme/Weather-MCP-Py', missingId: 'acme/nothing-here', searchText: 'weather', teardown: () => github.close() }
    },
  },
)
