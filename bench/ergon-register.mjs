#!/usr/bin/env node
// Benchmark: registering an installed MCP server with 50 tools in Ergon's repository through
// @tekton/mcp-ergon's MCPServerIntegration (one write transaction: the server's component and
// mcp_servers row, its 50 capabilities, and per tool what registration.py writes: a component, a
// tools row, 3 parameters, 3 metadata rows, 1 capability; plus the reads that decide between
// creating and updating), against a plain transaction inserting the same rows with the driver
// alone (better-sqlite3 prepared statements; `pg` queries). On SQLite files and on a real
// PostgreSQL server (testkit's startPostgres; skipped with the reason when none can start).
// Interleaved runs, medians, ratio. Needs a build (`pnpm build`).
// Usage: node bench/ergon-register.mjs [--runs N] [--json]
// Also importable: `runErgonRegisterBench({ runs })` resolves to the rows bench/run.mjs prints.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { compare, report } from './harness.mjs'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const load = (relative) => import(pathToFileURL(path.join(root, relative)).href)
// The drivers as the package resolves them (they are its dependencies, not the workspace root's).
const requireFromErgon = createRequire(path.join(root, 'packages/ergon-integration/package.json'))
const toolCount = 50
const targets = { sqlite: 20, postgres: 1 }

/** The installed server the integration registers: what the installation service's view holds. */
function installedServer(name) {
  const tools = Array.from({ length: toolCount }, (_, index) => ({
    name: `tool_${index}`,
    description: `Tool number ${index}: looks things up in the index`,
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'What to look for' },
        limit: { type: 'integer', default: 10 },
        exact: { type: 'boolean', default: false },
      },
      required: ['query'],
    },
    annotations: { readOnlyHint: true },
    sha256: `${index}`.padStart(64, '0'),
  }))
  return {
    name,
    ref: `npm:${name}`,
    source: { name, description: 'A server with fifty tools' },
    installer: 'node',
    registryType: 'npm',
    identifier: name,
    activeVersion: '1.0.0',
    launch: { command: '/usr/bin/node', args: ['server.js'], env: {} },
    handshake: { tools },
  }
}

/** The same rows, as plain values, for the driver-only baseline. */
function plainRows(server) {
  return {
    server: { name: server.name, description: server.source.description },
    capabilities: server.handshake.tools.map((tool) => [tool.name, tool.description]),
    tools: server.handshake.tools.map((tool) => ({
      name: `${server.name}:${tool.name}`,
      entryPoint: tool.name,
      description: tool.description,
      parameters: [
        ['query', 'What to look for', 'string', 1, null],
        ['limit', '', 'integer', 0, '10'],
        ['exact', '', 'boolean', 0, 'false'],
      ],
      metadata: [
        ['mcp_server', server.name],
        ['mcp_tool_sha256', tool.sha256],
        ['registered_by', 'tekton-mcp'],
      ],
    })),
  }
}

const timestamp = () => new Date().toISOString().replace('T', ' ').replace('Z', '000')

function sqliteBaseline(file) {
  const Database = requireFromErgon('better-sqlite3')
  const database = new Database(file)
  database.pragma('journal_mode = WAL')
  const component = database.prepare('INSERT INTO components (name, type, description, created_at, updated_at, version, is_active) VALUES (?, ?, ?, ?, ?, ?, 1)')
  const server = database.prepare("INSERT INTO mcp_servers (id, installation_type, package_name, registry_source, installed_version, configuration) VALUES (?, 'node', ?, 'npm', '1.0.0', ?)")
  const tool = database.prepare("INSERT INTO tools (id, implementation_type, entry_point) VALUES (?, 'mcp', ?)")
  const capability = database.prepare('INSERT INTO capabilities (component_id, name, description) VALUES (?, ?, ?)')
  const parameter = database.prepare('INSERT INTO parameters (component_id, name, description, type, required, default_value) VALUES (?, ?, ?, ?, ?, ?)')
  const metadata = database.prepare('INSERT INTO metadata (component_id, "key", value) VALUES (?, ?, ?)')
  const insert = database.transaction((rows) => {
    const now = timestamp()
    const serverId = component.run(rows.server.name, 'mcp_server', rows.server.description, now, now, '1.0.0').lastInsertRowid
    server.run(serverId, rows.server.name, '{"command": "/usr/bin/node"}')
    for (const [name, description] of rows.capabilities) capability.run(serverId, name, description)
    metadata.run(serverId, 'mcp_ref', `npm:${rows.server.name}`)
    metadata.run(serverId, 'registered_by', 'tekton-mcp')
    for (const entry of rows.tools) {
      const id = component.run(entry.name, 'tool', entry.description, now, now, '1.0.0').lastInsertRowid
      tool.run(id, entry.entryPoint)
      for (const values of entry.parameters) parameter.run(id, ...values)
      for (const [key, value] of entry.metadata) metadata.run(id, key, value)
      capability.run(id, 'readOnlyHint', '')
    }
  })
  return { insert: (rows) => insert.immediate(rows), close: () => database.close() }
}

async function postgresBaseline(url) {
  const pg = requireFromErgon('pg')
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const insertComponent = async (name, type, description, now) =>
    (await client.query('INSERT INTO components (name, type, description, created_at, updated_at, version, is_active) VALUES ($1, $2, $3, $4, $4, $5, true) RETURNING id', [name, type, description, now, '1.0.0'])).rows[0].id
  return {
    async insert(rows) {
      await client.query('BEGIN')
      const now = timestamp()
      const serverId = await insertComponent(rows.server.name, 'mcp_server', rows.server.description, now)
      await client.query("INSERT INTO mcp_servers (id, installation_type, package_name, registry_source, installed_version, configuration) VALUES ($1, 'node', $2, 'npm', '1.0.0', $3)", [serverId, rows.server.name, '{"command": "/usr/bin/node"}'])
      for (const [name, description] of rows.capabilities) await client.query('INSERT INTO capabilities (component_id, name, description) VALUES ($1, $2, $3)', [serverId, name, description])
      await client.query('INSERT INTO metadata (component_id, "key", value) VALUES ($1, $2, $3), ($1, $4, $5)', [serverId, 'mcp_ref', `npm:${rows.server.name}`, 'registered_by', 'tekton-mcp'])
      for (const entry of rows.tools) {
        const id = await insertComponent(entry.name, 'tool', entry.description, now)
        await client.query("INSERT INTO tools (id, implementation_type, entry_point) VALUES ($1, 'mcp', $2)", [id, entry.entryPoint])
        for (const values of entry.parameters) await client.query('INSERT INTO parameters (component_id, name, description, type, required, default_value) VALUES ($1, $2, $3, $4, $5, $6)', [id, values[0], values[1], values[2], values[3] === 1, values[4]])
        for (const [key, value] of entry.metadata) await client.query('INSERT INTO metadata (component_id, "key", value) VALUES ($1, $2, $3)', [id, key, value])
        await client.query('INSERT INTO capabilities (component_id, name, description) VALUES ($1, $2, $3)', [id, 'readOnlyHint', ''])
      }
      await client.query('COMMIT')
    },
    close: () => client.end(),
  }
}

/** One engine's row: our registration against the driver alone, each on its own empty database. */
async function engineRow({ engine, subjectLocation, baselineLocation, runs }) {
  const { MCPServerIntegration, RepositoryService, openErgonStore } = await load('packages/ergon-integration/dist/index.js')
  const subjectStore = await openErgonStore({ location: subjectLocation })
  // The baseline's database gets the same tables (made by the store, then used by the driver).
  const baselineStore = await openErgonStore({ location: baselineLocation })
  await baselineStore.close()
  const baseline = engine === 'sqlite' ? sqliteBaseline(baselineLocation.file) : await postgresBaseline(baselineLocation.url)
  let counter = 0
  const servers = new Map()
  // A stand-in for the installation service: the integration only asks it for the installed view.
  const installation = { getInstalledServer: async (name) => servers.get(name) ?? null }
  const integration = new MCPServerIntegration(new RepositoryService(subjectStore), installation)
  try {
    const result = await compare({
      runs,
      warmup: 2,
      baseline: async () => {
        const rows = plainRows(installedServer(`baseline-${counter}`))
        const started = process.hrtime.bigint()
        await baseline.insert(rows)
        return Number(process.hrtime.bigint() - started) / 1e6
      },
      subject: async () => {
        const name = `server-${counter++}`
        servers.set(name, installedServer(name))
        const started = process.hrtime.bigint()
        const outcome = await integration.registerInstalledServer(name)
        const elapsed = Number(process.hrtime.bigint() - started) / 1e6
        if (!outcome.success || outcome.tools.added.length !== toolCount) throw new Error(`registration failed: ${JSON.stringify(outcome).slice(0, 300)}`)
        return elapsed
      },
    })
    return {
      key: `ergon-register-${engine}`,
      name: `register 50 tools (${engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`,
      baselineName: 'driver transaction',
      target: targets[engine],
      ...result,
    }
  } finally {
    await baseline.close()
    await subjectStore.close()
  }
}

/** Runs the benchmark on SQLite and (when one starts) PostgreSQL; resolves to the rows. */
export async function runErgonRegisterBench({ runs = 10 } = {}) {
  const work = mkdtempSync(path.join(tmpdir(), 'tekton-bench-ergon-'))
  const rows = []
  try {
    rows.push(
      await engineRow({
        engine: 'sqlite',
        subjectLocation: { dialect: 'sqlite', file: path.join(work, 'subject.db'), source: 'option' },
        baselineLocation: { dialect: 'sqlite', file: path.join(work, 'baseline.db'), source: 'option' },
        runs,
      }),
    )
    const { startPostgres } = await load('packages/testkit/dist/index.js')
    const postgres = await startPostgres()
    if (typeof postgres === 'string') {
      rows[0].notes = [`PostgreSQL row skipped: ${postgres}`]
    } else {
      try {
        rows.push(
          await engineRow({
            engine: 'postgres',
            subjectLocation: { dialect: 'postgres', url: await postgres.createDatabase('subject'), source: 'option' },
            baselineLocation: { dialect: 'postgres', url: await postgres.createDatabase('baseline'), source: 'option' },
            runs,
          }),
        )
      } finally {
        await postgres.stop()
      }
    }
    return rows
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2)
  const runs = Number(argv[argv.indexOf('--runs') + 1]) || 10
  const rows = await runErgonRegisterBench({ runs })
  if (argv.includes('--json')) console.log(JSON.stringify(rows, null, 2))
  else report(rows)
  process.exitCode = rows.every((row) => row.ratio <= row.target) ? 0 : 1
}
