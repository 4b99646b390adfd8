import { afterAll, beforeAll, describe, it } from '@jest/globals'
import { registrySourceConformance } from '@tekton/mcp-discovery/testing'
import { generatePypiNames } from '@tekton/mcp-testkit'
import { pypiWithSource } from './helpers'

registrySourceConformance(
  { describe, it, beforeAll, afterAll },
  {
    name: 'pypi',
    async setup() {
      const { source, close } = await pypiWithSource({ indexNames: generatePypiNames(5000) })
      return { source, knownId: 'mcp-server-fetch', missingId: 'mcp-server-does-not-exist', searchText: 'fetch', teardown: close }
    },
  },
)
