/**
 * A CLI and an API process registering at the same time: two processes write into one database
 * at once (each registering servers with their tools, one transaction per server, and both
 * finding-or-creating one shared server), and nothing is lost or doubled, on SQLite (WAL, busy timeout, BEGIN IMMEDIATE) and on PostgreSQL (advisory lock).
 * The processes run the built package (`dist`), as a second front end would.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { startPostgres } from '@tekton/mcp-testkit'
import { RepositoryService, openErgonStore } from '../src/index'
import type { DatabaseLocation } from '../src/index'

const run = promisify(execFile)
const here = path.dirname(fileURLToPath(import.meta.url))
const worker = path.join(here, 'fixtures', 'register-worker.mjs')
const distIndex = path.join(here, '..', 'dist', 'index.js')
const servers = 15
const toolsPerServer = 8

const postgres = await startPostgres()
const directory = await mkdtemp(path.join(tmpdir(), 'tekton-ergon-concurrency-'))

afterAll(async () => {
  if (typeof postgres !== 'string') await postgres.stop()
  await rm(directory, { recursive: true, force: true })
})

async function registerFromTwoProcesses(location: DatabaseLocation): Promise<void> {
  // Both open the same empty database: creating the tables is part of the race.
  const results = await Promise.all(
    ['cli', 'api'].map((prefix) => run(process.execPath, [worker, distIndex, JSON.stringify(location), prefix, String(servers), String(toolsPerServer)], { timeout: 300_000 })),
  )
  expect(results.map((result) => JSON.parse(result.stdout))).toEqual([
    { prefix: 'cli', registered: servers },
    { prefix: 'api', registered: servers },
  ])
  const store = await openErgonStore({ location })
  try {
    const repository = new RepositoryService(store)
    const everyServer = await repository.getMcpServers()
    // The shared server exists once, with its tools once each.
    expect(everyServer.filter((server) => server.name === 'shared')).toHaveLength(1)
    const everyTool = await repository.listComponents({ componentType: 'tool' })
    const sharedTools = everyTool.filter((tool) => tool.name.startsWith('shared:'))
    expect(sharedTools.map((tool) => tool.name).sort()).toEqual(Array.from({ length: toolsPerServer }, (_, tool) => `shared:tool_${tool}`).sort())
    const registered = everyServer.filter((server) => server.name !== 'shared')
    expect(registered).toHaveLength(2 * servers)
    const tools = everyTool.filter((tool) => !tool.name.startsWith('shared:'))
    expect(tools).toHaveLength(2 * servers * toolsPerServer)
    // Every tool has its parameter, and every id is its own.
    expect(tools.every((tool) => tool.parameters.length === 1 && tool.parameters[0]!.required === true)).toBe(true)
    expect(new Set([...registered, ...tools].map((component) => component.id)).size).toBe(2 * servers * (toolsPerServer + 1))
    expect(await store.appliedMigrations()).toEqual([1])
  } finally {
    await store.close()
  }
}

describe('two processes registering at once', () => {
  it('lose nothing on one SQLite file', async () => {
    expect(existsSync(distIndex)).toBe(true)
    await registerFromTwoProcesses({ dialect: 'sqlite', file: path.join(directory, 'ergon.db'), source: 'option' })
  })

  if (typeof postgres === 'string') {
    it.skip(`lose nothing on PostgreSQL (${postgres})`, () => undefined)
  } else {
    it('lose nothing on one PostgreSQL database', async () => {
      const url = await postgres.createDatabase('concurrency')
      await registerFromTwoProcesses({ dialect: 'postgres', url, source: 'option' })
    })
  }
})
