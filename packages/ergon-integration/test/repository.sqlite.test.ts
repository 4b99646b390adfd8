/** The repository suite on SQLite files (Ergon's default engine). */
import { afterAll } from '@jest/globals'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { openErgonStore } from '../src/index'
import type { ErgonStore } from '../src/index'
import { repositorySuite } from './repository-suite'

const directory = await mkdtemp(path.join(tmpdir(), 'tekton-ergon-repository-'))
const stores: ErgonStore[] = []
let count = 0

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()))
  await rm(directory, { recursive: true, force: true })
})

repositorySuite('SQLite', async (now) => {
  count += 1
  const store = await openErgonStore({ location: { dialect: 'sqlite', file: path.join(directory, `ergon-${count}.db`), source: 'option' }, now })
  stores.push(store)
  return store
})
