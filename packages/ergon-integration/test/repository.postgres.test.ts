/**
 * The repository suite on a real PostgreSQL server (initdb + pg_ctl on a loopback port, see
 * @tekton/mcp-testkit's startPostgres), one database per test. Skipped with the reason only where
 * no server can be started; `.ci/run` requires it.
 */
import { afterAll, describe, it } from '@jest/globals'
import { startPostgres } from '@tekton/mcp-testkit'
import { openErgonStore } from '../src/index'
import type { ErgonStore } from '../src/index'
import { repositorySuite } from './repository-suite'

const postgres = await startPostgres()
const stores: ErgonStore[] = []
let count = 0

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()))
  if (typeof postgres !== 'string') await postgres.stop()
})

if (typeof postgres === 'string') {
  describe.skip(postgres, () => it('needs PostgreSQL', () => undefined))
} else {
  repositorySuite('PostgreSQL', async (now) => {
    count += 1
    const url = await postgres.createDatabase(`repository_${count}`)
    const store = await openErgonStore({ location: { dialect: 'postgres', url, source: 'option' }, now })
    stores.push(store)
    return store
  })
}
