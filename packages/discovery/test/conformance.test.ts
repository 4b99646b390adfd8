// The conformance suite must fail a source that breaks the contract, not only pass a good one.
import { describe, expect, it } from '@jest/globals'
import { createStaticRegistry, type RegistrySource } from '../src/index'
import { registrySourceConformance, type ConformanceFixture, type TestApi } from '../src/testing/index'
import { server } from './fixtures/servers'

type Body = () => void | Promise<void>

/** Collects the suite's tests instead of registering them, so one can be run and expected to fail. */
function collect(source: RegistrySource, fixture: Omit<ConformanceFixture, 'source'>) {
  const tests = new Map<string, Body>()
  const setups: Body[] = []
  const api: TestApi = {
    describe: (_name, body) => body(),
    it: (name, body) => {
      tests.set(name, body)
    },
    beforeAll: (body) => setups.push(body),
    afterAll: () => undefined,
  }
  registrySourceConformance(api, { name: 'under test', setup: async () => ({ source, ...fixture }) })
  return {
    async run(prefix: string): Promise<void> {
      for (const setup of setups) await setup()
      const entry = [...tests.entries()].find(([name]) => name.startsWith(prefix))
      if (!entry) throw new Error(`no conformance test starts with "${prefix}"`)
      await entry[1]()
    },
  }
}

const memory = server({ ref: 'npm:server-memory', version: '2.0.0' })
const fixture = { knownId: 'server-memory', missingId: 'not-here', searchText: 'memory' }

describe('registrySourceConformance catches', () => {
  it('versions that are not newest first by semver', async () => {
    const source = createStaticRegistry({
      id: 'npm',
      servers: [memory],
      versions: {
        [memory.ref]: [
          { version: '1.0.0', prerelease: false, tags: [] },
          { version: 'not-semver', prerelease: false, tags: [] },
          { version: '2.0.0', prerelease: false, tags: ['latest'] },
        ],
      },
    })
    await expect(collect(source, fixture).run('getVersions lists')).rejects.toThrow(/newest first/)
  })

  it('accepts newest-first versions, skipping ones that are not semver', async () => {
    const source = createStaticRegistry({
      id: 'npm',
      servers: [memory],
      versions: {
        [memory.ref]: [
          { version: '2.0.0', prerelease: false, tags: ['latest'] },
          { version: 'nightly', prerelease: true, tags: [] },
          { version: '2.0.0-beta.1', prerelease: true, tags: [] },
          { version: '1.10.0', prerelease: false, tags: [] },
          { version: '1.9.0', prerelease: false, tags: [] },
        ],
      },
    })
    await expect(collect(source, fixture).run('getVersions lists')).resolves.toBeUndefined()
  })

  it('a result ref that does not parse', async () => {
    const catalogue = createStaticRegistry({ id: 'npm', servers: [memory] })
    const source: RegistrySource = {
      ...catalogue,
      async search(query, context) {
        const page = await catalogue.search(query, context)
        const [first] = page.results
        if (!first) throw new Error('the catalogue should find server-memory')
        return { ...page, results: [...page.results, { ...first, ref: 'npm:../../etc' }] }
      },
    }
    await expect(collect(source, fixture).run('search returns')).rejects.toThrow(/npm:\.\.\/\.\.\/etc/)
  })
})
