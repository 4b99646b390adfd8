#!/usr/bin/env node
// PyPI name index: how long building it takes for a PyPI-sized Simple index (700,000 names,
// ~1% named like MCP servers, served in PEP 691 JSON from a loopback server), how long a new
// process takes to load it from disk, and the median time of a search in the loaded index against
// its baseline: a linear `String.includes` scan of the full, unreduced name list for the same
// query (what a search would cost without the reduced index), run interleaved with it.
// Needs a build (`npx -y pnpm@10.34.9 exec turbo run build`): @tekton/mcp-registry-pypi and the testkit.
// Usage: node bench/pypi-index.mjs [--names 700000] [--searches 200] [--json]
// Also importable: `runPypiIndexBench({ names, searches })` resolves to the figures.
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))

// The same deterministic generator the tests use: word combinations, some capitalised, about
// `mcpShare` of them named the ways MCP servers are.
const { generatePypiNames } = await import(pathToFileURL(path.join(root, 'packages/testkit/dist/index.js')).href)

/** Serves `body` as PyPI serves its root index: PEP 691 JSON, an ETag, 304 for a matching If-None-Match. */
async function serveIndex(body) {
  const etag = `"${createHash('sha1').update(body).digest('base64url')}"`
  const server = createServer((request, response) => {
    if (request.url !== '/simple/') {
      response.writeHead(404).end()
      return
    }
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304, { etag }).end()
      return
    }
    response.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json', 'content-length': String(body.length), etag })
    response.end(body)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${server.address().port}/simple/`, close: () => new Promise((resolve) => server.close(resolve)) }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

function percentile(values, share) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))]
}

const queries = ['postgres', 'github', 'fetch', 'weather api', 'mcp server', 'slack', 'browser automation', 'sql', 'file system', 'memory', 'x', '']

/**
 * The baseline: every name of the full list tested with `String.includes` for every word of the
 * query, counting matches. Generous to the baseline: the names are lower-cased beforehand, not
 * during the search, and nothing is ranked or sliced.
 */
function linearScan(loweredNames, query) {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean)
  let total = 0
  outer: for (let index = 0; index < loweredNames.length; index++) {
    const name = loweredNames[index]
    for (const term of terms) if (!name.includes(term)) continue outer
    total++
  }
  return total
}

/** Runs the benchmark and resolves to its figures (times in ms). */
export async function runPypiIndexBench({ names: nameCount = 700_000, searches = 200 } = {}) {
  const { createPypiRegistry } = await import(pathToFileURL(path.join(root, 'packages/registry-pypi/dist/index.js')).href)
  const names = generatePypiNames(nameCount, { mcpShare: 0.01 })
  const body = Buffer.from(
    `{"meta":{"_last-serial":${nameCount},"api-version":"1.1"},"projects":[${names.map((name, index) => `{"name":${JSON.stringify(name)},"_last-serial":${index}}`).join(',')}]}`,
  )
  const server = await serveIndex(body)
  const home = mkdtempSync(path.join(tmpdir(), 'tekton-bench-pypi-'))
  const options = { indexUrl: server.url, indexDir: path.join(home, 'pypi'), env: { ...process.env, TEKTON_MCP_HOME: home } }
  try {
    // Build: download, stream-parse, reduce, write both files. One run: it is a daily job.
    const building = createPypiRegistry(options)
    let started = performance.now()
    const info = await building.refreshIndex({ force: true })
    const buildMs = performance.now() - started

    // A new process: the index comes from disk.
    const fresh = createPypiRegistry(options)
    started = performance.now()
    await fresh.searchIndex('postgres', 20)
    const loadMs = performance.now() - started

    // Searches in the loaded index (what every `search` does before its JSON API requests),
    // interleaved with the baseline's scan of the full list for the same query, so machine noise
    // hits both alike. 20 discarded rounds warm both up.
    const loweredNames = names.map((name) => name.toLowerCase())
    for (let index = 0; index < 20; index++) {
      linearScan(loweredNames, queries[index % queries.length])
      await fresh.searchIndex(queries[index % queries.length], 20)
    }
    const times = []
    const scanTimes = []
    let matched = 0
    let scanMatched = 0
    for (let index = 0; index < searches; index++) {
      const query = queries[index % queries.length]
      started = performance.now()
      scanMatched += linearScan(loweredNames, query)
      scanTimes.push(performance.now() - started)
      started = performance.now()
      const { total } = await fresh.searchIndex(query, 20)
      times.push(performance.now() - started)
      matched += total
    }
    return {
      names: nameCount,
      indexBytes: body.length,
      keptNames: info.nameCount,
      buildMs,
      loadMs,
      searches,
      searchMedianMs: median(times),
      searchP95Ms: percentile(times, 0.95),
      averageMatches: matched / searches,
      scanMedianMs: median(scanTimes),
      scanAverageMatches: scanMatched / searches,
    }
  } finally {
    await server.close()
    rmSync(home, { recursive: true, force: true })
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2)
  const option = (name, fallback) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) || fallback : fallback)
  const result = await runPypiIndexBench({ names: option('--names', 700_000), searches: option('--searches', 200) })
  if (argv.includes('--json')) {
    console.log(JSON.stringify(result, null, 2))
  } else {
    const mib = (result.indexBytes / 1024 / 1024).toFixed(1)
    console.log(`PyPI name index: ${result.names.toLocaleString('en')} names (${mib} MiB of PEP 691 JSON), ${result.keptNames.toLocaleString('en')} kept`)
    console.log(`build (download, stream, reduce, write): ${result.buildMs.toFixed(0)} ms`)
    console.log(`load from disk in a new source:          ${result.loadMs.toFixed(1)} ms`)
    console.log(`search the loaded index, median of ${result.searches}:   ${result.searchMedianMs.toFixed(3)} ms (p95 ${result.searchP95Ms.toFixed(3)} ms, ${result.averageMatches.toFixed(0)} matches on average)`)
    console.log(`baseline: String.includes scan of all names: ${result.scanMedianMs.toFixed(3)} ms (${result.scanAverageMatches.toFixed(0)} matches on average); ratio ${(result.searchMedianMs / result.scanMedianMs).toFixed(3)}x`)
  }
}
