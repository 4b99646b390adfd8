#!/usr/bin/env node
// Benchmarks for issue goals, each printed as a ratio against a baseline measured in the same
// run. Needs a build (`pnpm build`).
// Usage: node bench/run.mjs [--runs N] [--json] [--only key,key]
//   keys: help, cached-search, fan-out, fan-out-4, pypi-index, install, install-tree, verify-install, handshake, python-install, python-handshake, search-broad, search-first, search-refused, api-search, ergon-register
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runApiSearchBench } from './api-search.mjs'
import { runFanOutBench } from './fan-out.mjs'
import { compare, report, timeCommand } from './harness.mjs'
import { runInstallNodeBench } from './install-node.mjs'
import { runErgonRegisterBench } from './ergon-register.mjs'
import { runInstallPythonBench, runPythonHandshakeBench } from './install-python.mjs'
import { runLaunchHandshakeBench } from './launch-handshake.mjs'
import { runPypiIndexBench } from './pypi-index.mjs'
import { runSearchSpeedBench } from './search-speed.mjs'
import { runVerifyInstallBench } from './verify-install.mjs'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
// The launcher users run (bin/tekton-mcp.js imports dist/bin.js).
const bin = path.join(root, 'packages/cli/bin/tekton-mcp.js')
const argv = process.argv.slice(2)
const runs = Number(argv[argv.indexOf('--runs') + 1]) || 20
const asJson = argv.includes('--json')
const only = argv.includes('--only') ? new Set(String(argv[argv.indexOf('--only') + 1]).split(',')) : undefined
const selected = (key) => only === undefined || only.has(key)

const {
  githubFixtureRepos,
  npmFixturePackages,
  officialFixtureServers,
  pypiFixtureProjects,
  startFakeGithub,
  startFakeNpmRegistry,
  startFakeOfficialRegistry,
  startFakePypi,
} = await import(path.join(root, 'packages/testkit/dist/index.js'))
const { createCombinedRegistry } = await import(path.join(root, 'packages/discovery/dist/index.js'))
const { createNpmRegistry } = await import(path.join(root, 'packages/registry-npm/dist/index.js'))

const rows = []
const bareNode = () => timeCommand(process.execPath, ['-e', '0'])

// 1. Start-up: `tekton-mcp --help` against a bare Node start.
if (selected('help')) {
  const result = await compare({ baseline: bareNode, subject: () => timeCommand(process.execPath, [bin, '--help']), runs })
  rows.push({ name: 'tekton-mcp --help', baselineName: 'node -e 0', target: 1.3, ...result })
}

// 2. A repeated search answered from the disk cache, through the CLI. The CLI asks all four
//    sources, so each is pointed at its fake (a source left on its public URL would fail on
//    every run, never be cached, and make this a measure of a DNS failure).
if (selected('cached-search')) {
  const fakes = {
    registry: await startFakeOfficialRegistry({ servers: officialFixtureServers }),
    npm: await startFakeNpmRegistry({ packages: npmFixturePackages }),
    pypi: await startFakePypi({ projects: pypiFixtureProjects }),
    github: await startFakeGithub({ repos: githubFixtureRepos }),
  }
  const home = mkdtempSync(path.join(tmpdir(), 'tekton-bench-'))
  // The machine's tokens and source selection stay out: the fakes need none, and all four are measured.
  const { GITHUB_TOKEN, GH_TOKEN, TEKTON_MCP_SOURCES, TEKTON_MCP_REGISTRY_TOKEN, ...inherited } = process.env
  const env = {
    ...inherited,
    npm_config_registry: `${fakes.npm.url}/`,
    TEKTON_MCP_REGISTRY_URL: fakes.registry.baseUrl,
    PIP_INDEX_URL: fakes.pypi.indexUrl,
    PIP_CONFIG_FILE: '/dev/null',
    GITHUB_API_URL: fakes.github.apiUrl,
    TEKTON_MCP_HOME: home,
    NO_COLOR: '1',
  }
  const count = () => Object.values(fakes).reduce((sum, fake) => sum + fake.requests.length, 0)
  try {
    await timeCommand(process.execPath, [bin, 'search', 'filesystem'], { env }) // fills the cache
    const unasked = Object.entries(fakes).filter(([, fake]) => fake.requests.length === 0).map(([id]) => id)
    if (unasked.length > 0) throw new Error(`the first search did not ask ${unasked.join(', ')}: the figure would not cover every source`)
    const before = count()
    const result = await compare({ baseline: bareNode, subject: () => timeCommand(process.execPath, [bin, 'search', 'filesystem'], { env }), runs })
    const requests = count() - before
    // The point of the figure is that nothing goes to the network: say so loudly if it did.
    if (requests !== 0) {
      console.error(`cached search sent ${requests} requests to the registries; expected none`)
      process.exitCode = 1
    }
    rows.push({ name: `cached search via CLI, 4 sources (${requests} requests)`, baselineName: 'node -e 0', target: 1.6, ...result })
  } finally {
    await Promise.all(Object.values(fakes).map((fake) => fake.close()))
    rmSync(home, { recursive: true, force: true })
  }
}

// 3. Fan-out: three registries answering after 100, 200 and 300 ms, searched at once, against
//    the slowest one searched alone. No cache, so every run goes to the network.
if (selected('fan-out')) {
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

// 4. Fan-out over the four real sources (official registry, npm, PyPI, GitHub) answering after
//    100/150/200/300 ms, against the slowest of them alone (fan-out.mjs).
if (selected('fan-out-4')) rows.push(await runFanOutBench({ runs: Math.min(runs, 15) }))

// 5. A search in the PyPI name index (reduced to MCP-looking names) against a linear
//    String.includes scan of the full 700,000-name list, interleaved (pypi-index.mjs).
if (selected('pypi-index')) {
  const figures = await runPypiIndexBench({ names: 700_000, searches: 200 })
  rows.push({
    name: `PyPI name index search (${figures.keptNames.toLocaleString('en')} of ${figures.names.toLocaleString('en')} names kept)`,
    baselineName: 'includes scan of all names',
    target: 0.2,
    baselineMs: figures.scanMedianMs,
    subjectMs: figures.searchMedianMs,
    ratio: figures.searchMedianMs / figures.scanMedianMs,
    index: figures,
    notes: [
      `PyPI name index: build ${figures.buildMs.toFixed(0)} ms (download, stream-parse, reduce and write ${figures.names.toLocaleString('en')} names, ${(figures.indexBytes / 1024 / 1024).toFixed(1)} MiB of PEP 691 JSON, one run); ` +
        `load in a new source ${figures.loadMs.toFixed(1)} ms; search median ${figures.searchMedianMs.toFixed(3)} ms, p95 ${figures.searchP95Ms.toFixed(3)} ms over ${figures.searches} searches`,
    ],
  })
}

// 5b. Search speed over the four fakes with a PyPI-sized name list (search-speed.mjs): a broad
//     word against a narrow one, the first search ever against one with the index built, and a
//     source refusing connections against the search without it.
if (['search-broad', 'search-first', 'search-refused'].some(selected)) {
  const speed = await runSearchSpeedBench({ runs: Math.min(runs, 7), names: 700_000 })
  rows.push(...speed.filter((row) => selected(row.key)))
}

// 6. Installing a package with one dependency (no handshake) against a plain `npm install`
//    into a fresh directory (install-node.mjs).
if (selected('install')) rows.push(await runInstallNodeBench({ runs: Math.min(runs, 10) }))
// 6b. The same with a real-sized tree (60 dependencies): resolving the tree, the whole-tree rule,
//     our own fetch with sha512 checks and size caps, then `npm ci --offline` (install-node.mjs).
if (selected('install-tree')) rows.push(await runInstallNodeBench({ runs: Math.min(runs, 10), dependencies: 60, target: 1.3 }))
// 6c. What verification costs: a signed and attested fixture installed with verification (keys,
//     signature, attestation bundle against the trusted root) against verify: false (verify-install.mjs).
if (selected('verify-install')) rows.push(await runVerifyInstallBench({ runs: Math.min(runs, 10) }))

// 7. Launch + handshake of the installed fixture server against `npx -y` of the same package
//    with a warm cache (launch-handshake.mjs).
if (selected('handshake')) rows.push(await runLaunchHandshakeBench({ runs: Math.min(runs, 10) }))
if (selected('python-install')) rows.push(await runInstallPythonBench({ runs: Math.min(runs, 8) }))
if (selected('python-handshake')) rows.push(await runPythonHandshakeBench({ runs: Math.min(runs, 10) }))

if (selected('api-search')) rows.push(await runApiSearchBench({ runs: Math.min(runs, 5) }))
// 8. Registering a 50-tool server in Ergon's repository against a plain driver transaction
//    inserting the same rows, on SQLite and PostgreSQL (ergon-register.mjs).
if (selected('ergon-register')) rows.push(...(await runErgonRegisterBench({ runs: Math.min(runs, 10) })))

if (asJson) console.log(JSON.stringify(rows, null, 2))
else report(rows)
if (rows.some((row) => row.ratio > row.target)) process.exitCode = 1
