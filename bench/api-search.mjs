// Benchmark: a cached `GET /search` through the HTTP API against a Hono hello-world route on the
// same server, requests per second under the same load from a second process (autocannon), run
// by run interleaved. Usage: node bench/api-search.mjs [--runs N] [--seconds S] [--connections C]
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { median, report } from './harness.mjs'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const require = createRequire(import.meta.url)

/** One autocannon run in its own process; its JSON summary. */
function autocannon(url, { seconds, connections }) {
  const bin = require.resolve('autocannon/autocannon.js')
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, '--json', '--connections', String(connections), '--duration', String(seconds), url], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (status) => {
      if (status !== 0) return reject(new Error(`autocannon exited ${status}: ${stderr.slice(-500)}`))
      const summary = JSON.parse(stdout)
      if (summary.errors > 0 || summary.non2xx > 0) return reject(new Error(`autocannon saw ${summary.errors} errors and ${summary.non2xx} non-2xx answers on ${url}`))
      resolve({ rps: summary.requests.average, p99: summary.latency.p99, p50: summary.latency.p50 })
    })
  })
}

export async function runApiSearchBench({ runs = 3, seconds = 3, connections = 10 } = {}) {
  const { startFakeNpmRegistry, npmFixturePackages } = await import(path.join(root, 'packages/testkit/dist/index.js'))
  const { createTektonMcp } = await import(path.join(root, 'packages/app/dist/index.js'))
  const { createMcpApi } = await import(path.join(root, 'packages/api/dist/index.js'))
  const { serve } = await import(require.resolve('@hono/node-server', { paths: [path.join(root, 'packages/api')] }))
  const { Hono } = await import(require.resolve('hono', { paths: [path.join(root, 'packages/api')] }))

  const npm = await startFakeNpmRegistry({ packages: npmFixturePackages })
  const home = mkdtempSync(path.join(tmpdir(), 'tekton-mcp-bench-api-'))
  const env = { HOME: home, TEKTON_MCP_HOME: home, TEKTON_MCP_SOURCES: 'npm', npm_config_registry: `${npm.url}/`, npm_config_userconfig: path.join(home, 'npmrc'), PATH: process.env.PATH }
  const api = createMcpApi(createTektonMcp({ env, cwd: home }), { token: 'b'.repeat(43) })
  const app = new Hono()
  app.get('/hello', (context) => context.text('Hello Hono!'))
  app.route('/api/v1/mcp', api)
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 })
  await new Promise((resolve) => server.once('listening', resolve))
  const base = `http://127.0.0.1:${server.address().port}`
  const searchUrl = `${base}/api/v1/mcp/search?q=filesystem&limit=10`
  try {
    // The first search fills the cache; every later one must be answered from it.
    const first = await fetch(searchUrl)
    if (first.status !== 200) throw new Error(`search answered ${first.status}: ${await first.text()}`)
    await first.arrayBuffer()
    const asked = npm.countRequests()
    const hello = []
    const search = []
    await autocannon(`${base}/hello`, { seconds: 1, connections })
    await autocannon(searchUrl, { seconds: 1, connections })
    for (let index = 0; index < runs; index++) {
      hello.push(await autocannon(`${base}/hello`, { seconds, connections }))
      search.push(await autocannon(searchUrl, { seconds, connections }))
    }
    const requests = npm.countRequests() - asked
    if (requests > 0) throw new Error(`${requests} requests reached the registry during the cached runs`)
    const helloRps = median(hello.map((run) => run.rps))
    const searchRps = median(search.map((run) => run.rps))
    return {
      name: `cached GET /search via API, ${connections} connections (time per request)`,
      baselineName: 'hello route',
      baselineMs: 1000 / helloRps,
      subjectMs: 1000 / searchRps,
      ratio: helloRps / searchRps,
      // Half the hello route's requests per second or better.
      target: 2,
      notes: [
        `API search: ${Math.round(searchRps)} req/s (median of ${runs} × ${seconds} s), p99 ${median(search.map((run) => run.p99))} ms, p50 ${median(search.map((run) => run.p50))} ms; hello route: ${Math.round(helloRps)} req/s, p99 ${median(hello.map((run) => run.p99))} ms; search rps / hello rps = ${(searchRps / helloRps).toFixed(2)} (target >= 0.5)`,
      ],
    }
  } finally {
    await new Promise((resolve) => server.close(resolve))
    await npm.close()
    rmSync(home, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2)
  const option = (name, fallback) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback)
  const row = await runApiSearchBench({ runs: option('--runs', 3), seconds: option('--seconds', 3), connections: option('--connections', 10) })
  report([row])
  if (row.ratio > row.target) process.exitCode = 1
}
