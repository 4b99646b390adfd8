#!/usr/bin/env node
// Benchmark: one combined search over the four real sources (the official MCP Registry, npm, PyPI,
// GitHub), each talking to its testkit fake, the fakes answering after 100, 150, 200 and 300 ms,
// against the slowest of them searched alone. No response cache, so every run goes to the
// fakes. Sources are asked in parallel, so the combined search should cost the slowest source
// plus merging and ranking: target <= 1.1x. Needs a build (`pnpm build`).
// Usage: node bench/fan-out.mjs [--runs N] [--json]
// Also importable: `runFanOutBench({ runs })` resolves to the row bench/run.mjs prints.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { compare, median, report } from './harness.mjs'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const load = (relative) => import(pathToFileURL(path.join(root, relative)).href)
const target = 1.1
/** A word every fixture set matches, so each source does its whole search (PyPI's JSON API lookups included). */
const text = 'server'

/** Runs the benchmark (`runs` interleaved runs per side after 2 warm-ups) and resolves to its row. */
export async function runFanOutBench({ runs = 15 } = {}) {
  const testkit = await load('packages/testkit/dist/index.js')
  const { createCombinedRegistry } = await load('packages/discovery/dist/index.js')
  const { createOfficialRegistry } = await load('packages/registry-official/dist/index.js')
  const { createNpmRegistry } = await load('packages/registry-npm/dist/index.js')
  const { createPypiRegistry } = await load('packages/registry-pypi/dist/index.js')
  const { createGithubRegistry } = await load('packages/registry-github/dist/index.js')

  const home = mkdtempSync(path.join(tmpdir(), 'tekton-bench-fan-out-'))
  // Nothing from the machine: no token, no pip or npm configuration, no real cache directory.
  const env = { PATH: process.env.PATH, HOME: home, TEKTON_MCP_HOME: home, PIP_CONFIG_FILE: '/dev/null' }
  const fakes = []
  try {
    const official = await testkit.startFakeOfficialRegistry({ servers: testkit.officialFixtureServers })
    fakes.push(official)
    const npm = await testkit.startFakeNpmRegistry({ packages: testkit.npmFixturePackages })
    fakes.push(npm)
    const pypi = await testkit.startFakePypi({ projects: testkit.pypiFixtureProjects })
    fakes.push(pypi)
    // GitHub allows 10 anonymous searches a minute; this benchmark sends a few dozen.
    const github = await testkit.startFakeGithub({ repos: testkit.githubFixtureRepos, budgets: { search: { anonymous: 1_000_000 }, core: { anonymous: 1_000_000 } } })
    fakes.push(github)

    const pypiSource = createPypiRegistry({ indexUrl: pypi.indexUrl, indexDir: path.join(home, 'pypi'), env })
    // The name index is a daily download, not part of a search: build it now, so every timed
    // search reads the index from memory and asks only the JSON API.
    await pypiSource.refreshIndex({ force: true })
    const sources = [
      { id: 'registry', delayMs: 100, fake: official, path: '/v0.1/servers', source: createOfficialRegistry({ baseUrl: official.baseUrl, catalog: false, initialSync: false, env }) },
      { id: 'npm', delayMs: 150, fake: npm, path: '/-/v1/search', source: createNpmRegistry({ baseUrl: npm.url, env }) },
      { id: 'pypi', delayMs: 200, fake: pypi, path: '/pypi/', source: pypiSource },
      { id: 'github', delayMs: 300, fake: github, path: '/search/', source: createGithubRegistry({ baseUrl: github.apiUrl, env }) },
    ]
    for (const entry of sources) entry.fake.setFault({ kind: 'delay', ms: entry.delayMs, path: entry.path })

    const timed = async (selected) => {
      const started = process.hrtime.bigint()
      const page = await createCombinedRegistry({ sources: selected.map((entry) => entry.source) }).search({ text })
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6
      if (page.sources.some((status) => status.state !== 'ok')) throw new Error(`a source failed: ${JSON.stringify(page.sources)}`)
      if (page.results.length === 0) throw new Error(`no results for "${text}" from ${selected.map((entry) => entry.id).join(', ')}`)
      return elapsed
    }

    // Which source is slowest is measured, not assumed: a source may send its requests one after
    // the other (each paying the delay) or several at once.
    const alone = []
    for (const entry of sources) {
      const times = []
      for (let index = 0; index < 5; index++) times.push(await timed([entry]))
      alone.push({ entry, ms: median(times) })
    }
    const slowest = alone.reduce((best, candidate) => (candidate.ms > best.ms ? candidate : best)).entry

    const before = fakes.map((fake) => fake.requests.length)
    const result = await compare({ baseline: () => timed([slowest]), subject: () => timed(sources), runs, warmup: 2 })
    // Every timed search must have reached every fake through the delayed path, or the figure
    // measures a shortcut (a cache, a skipped lookup) instead of the fan-out.
    const undelayed = fakes.flatMap((fake, index) => fake.requests.slice(before[index]).filter((request) => request.fault !== 'delay').map((request) => request.path))
    if (undelayed.length > 0) throw new Error(`requests that bypassed the delay: ${undelayed.join(', ')}`)
    const delays = sources.map((entry) => entry.delayMs).join('/')
    return {
      name: `combined search over 4 real sources (${delays} ms)`,
      baselineName: `${slowest.id} alone`,
      target,
      ...result,
      notes: [`each source alone (median of 5): ${alone.map(({ entry, ms }) => `${entry.id} ${ms.toFixed(1)} ms`).join(', ')}`],
    }
  } finally {
    await Promise.all(fakes.map((fake) => fake.close()))
    rmSync(home, { recursive: true, force: true })
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2)
  const runs = Number(argv[argv.indexOf('--runs') + 1]) || 15
  const row = await runFanOutBench({ runs })
  if (argv.includes('--json')) console.log(JSON.stringify([row], null, 2))
  else report([row])
  if (row.ratio > row.target) process.exitCode = 1
}
