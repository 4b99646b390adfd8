#!/usr/bin/env node
// Benchmarks for issue goals, each printed as a ratio against a baseline measured in the same
// run. Needs a build (`pnpm build`). Usage: node bench/run.mjs [--runs N] [--json]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { compare, report, timeCommand } from './harness.mjs'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
// The launcher users run (bin/tekton-mcp.js imports dist/bin.js).
const bin = path.join(root, 'packages/cli/bin/tekton-mcp.js')
const argv = process.argv.slice(2)
const runs = Number(argv[argv.indexOf('--runs') + 1]) || 20
const asJson = argv.includes('--json')

const { startFakeNpmRegistry, npmFixturePackages } = await import(path.join(root, 'packages/testkit/dist/index.js'))
const { createCombinedRegistry } = await import(path.join(root, 'packages/discovery/dist/index.js'))
const { createNpmRegistry } = await import(path.join(root, 'packages/registry-npm/dist/index.js'))

const rows = []
const bareNode = () => timeCommand(process.execPath, ['-e', '0'])

// 1. Start-up: `tekton-mcp --help` against a bare Node start.
{
  const result = await compare({ baseline: bareNode, subject: () => timeCommand(process.execPath, [bin, '--help']), runs })
  rows.push({ name: 'tekton-mcp --help', baselineName: 'node -e 0', target: 1.3, ...result })
}

// 2. A repeated search answered from the disk cache, through the CLI.
{
  const registry = await startFakeNpmRegistry({ packages: npmFixturePackages })
  const home = mkdtempSync(path.join(tmpdir(), 'tekton-bench-'))
  const env = { ...process.env, npm_config_registry: `${registry.url}/`, TEKTON_MCP_HOME: home, NO_COLOR: '1' }
  try {
    await timeCommand(process.execPath, [bin, 'search', 'filesystem'], { env }) // fills the cache
    const before = registry.requests.length
    const result = await compare({ baseline: bareNode, subject: () => timeCommand(process.execPath, [bin, 'search', 'filesystem'], { env }), runs })
    const requests = registry.requests.length - before
    // The point of the figure is that nothing goes to the network: say so loudly if it did.
    if (requests !== 0) {
      console.error(`cached search sent ${requests} requests to the registry; expected none`)
      process.exitCode = 1
    }
    rows.push({ name: `cached search via CLI (${requests} registry requests)`, baselineName: 'node -e 0', target: 1.6, ...result })
  } finally {
    await registry.close()
    rmSync(home, { recursive: true, force: true })
  }
}

// 3. Fan-out: three registries answering after 100, 200 and 300 ms, searched at once, against
//    the slowest one searched alone. No cache, so every run goes to the network.
{
  const delays = [100, 200, 300]
  const registries = await Promise.all(delays.map(() => startFakeNpmRegistry({ packages: npmFixturePackages })))
  registries.forEach((registry, index) => registry.setFault({ kind: 'delay', ms: delays[index], path: '/-/v1/search' }))
  const sourceFor = (registry, index) => ({ ...createNpmRegistry({ baseUrl: registry.url }), id: `npm-${index}` })
  const timed = async (sources) => {
    const started = process.hrtime.bigint()
    const page = await createCombinedRegistry({ sources }).search({ text: 'filesystem' })
    if (page.sources.some((status) => status.state !== 'ok')) throw new Error(JSON.stringify(page.sources))
    return Number(process.hrtime.bigint() - started) / 1e6
  }
  try {
    const result = await compare({
      baseline: () => timed([sourceFor(registries[2], 2)]),
      subject: () => timed(registries.map(sourceFor)),
      runs: Math.min(runs, 15),
      warmup: 2,
    })
    rows.push({ name: 'combined search over 3 sources (100/200/300 ms)', baselineName: 'slowest alone', target: 1.1, ...result })
  } finally {
    await Promise.all(registries.map((registry) => registry.close()))
  }
}

if (asJson) console.log(JSON.stringify(rows, null, 2))
else report(rows)
if (rows.some((row) => row.ratio > row.target)) process.exitCode = 1
