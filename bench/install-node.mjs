#!/usr/bin/env node
// Benchmark: @tekton/mcp-installer-node installing a package with one dependency (resolve,
// download, sha512 check, `npm install` of the verified tarball into its own prefix; no
// handshake) against a plain `npm install <name>@<version>` into a fresh directory, both from a
// loopback registry served here with node:http and sharing one warm npm cache. Interleaved runs,
// medians, ratio (target <= 1.2x). Needs the built installer: `cd packages/installer-node && ../../node_modules/.bin/tsup`.
// Usage: node bench/install-node.mjs [--runs N] [--json]
// Also importable: `runInstallNodeBench({ runs })` resolves to the row bench/run.mjs prints.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { compare, report, timeCommand } from './harness.mjs'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const target = 1.2

/**
 * Runs the benchmark (`runs` interleaved runs per side after 2 warm-ups) and resolves to its row.
 * `dependencies` > 1 gives the server a real-sized tree: that many packages, each later one
 * depending on an earlier one, all reached from the server (the whole-tree rule, our fetch and
 * `npm ci --offline` then do real work), packed with the testkit's npm-pack-compatible builder.
 */
export async function runInstallNodeBench({ runs = 10, dependencies = 1, target: rowTarget = target } = {}) {
  if (dependencies > 1) return runTree({ runs, dependencies, target: rowTarget })
  const { createNodeInstaller } = await import(pathToFileURL(path.join(root, 'packages/installer-node/dist/index.js')).href)
  const work = mkdtempSync(path.join(tmpdir(), 'tekton-bench-node-'))
  let registry
  try {
    /** Packs a package directory with the real `npm pack`, so the tarballs are exactly npm's. */
    const pack = (name, version, files) => {
      const directory = path.join(work, 'sources', name)
      for (const [file, content] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(directory, file)), { recursive: true })
        writeFileSync(path.join(directory, file), content)
      }
      const output = execFileSync('npm', ['pack', '--json', '--pack-destination', path.join(work, 'packed')], { cwd: directory, env: { ...process.env, npm_config_loglevel: 'silent' } })
      const [{ filename }] = JSON.parse(String(output))
      const bytes = readFileSync(path.join(work, 'packed', filename))
      return { name, version, bytes, integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`, manifest: JSON.parse(files['package.json']) }
    }

    mkdirSync(path.join(work, 'packed'), { recursive: true })
    const helper = pack('bench-mcp-helper', '1.0.0', {
      'package.json': JSON.stringify({ name: 'bench-mcp-helper', version: '1.0.0', main: 'index.js' }),
      'index.js': 'module.exports = {}\n',
    })
    const server = pack('bench-mcp-server', '1.0.0', {
      'package.json': JSON.stringify({ name: 'bench-mcp-server', version: '1.0.0', bin: { 'bench-mcp-server': 'bin/server.js' }, dependencies: { 'bench-mcp-helper': '^1.0.0' } }),
      'bin/server.js': "#!/usr/bin/env node\nrequire('bench-mcp-helper')\nprocess.stdin.resume()\n",
    })
    const packages = new Map([helper, server].map((entry) => [entry.name, entry]))

    // A registry speaking just enough of npm's protocol: packuments and tarballs.
    registry = createServer((request, response) => {
      const url = new URL(request.url, 'http://127.0.0.1')
      const [name, dash, file] = decodeURIComponent(url.pathname).slice(1).split('/')
      const entry = packages.get(name)
      if (entry && dash === '-' && file === `${name}-${entry.version}.tgz`) {
        response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': entry.bytes.length })
        response.end(entry.bytes)
        return
      }
      if (entry && dash === undefined) {
        const { port } = registry.address()
        const manifest = { ...entry.manifest, dist: { tarball: `http://127.0.0.1:${port}/${name}/-/${name}-${entry.version}.tgz`, integrity: entry.integrity } }
        const body = JSON.stringify({ name, 'dist-tags': { latest: entry.version }, versions: { [entry.version]: manifest } })
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
        response.end(body)
        return
      }
      response.writeHead(404, { 'content-type': 'application/json' })
      response.end('{"error":"Not found"}')
    })
    await new Promise((resolve) => registry.listen(0, '127.0.0.1', resolve))
    const registryUrl = `http://127.0.0.1:${registry.address().port}`

    // One environment for both sides: nothing from the real machine's npm configuration, one warm cache.
    const env = {
      PATH: process.env.PATH,
      HOME: path.join(work, 'home'),
      npm_config_userconfig: path.join(work, 'home', '.npmrc'),
      npm_config_globalconfig: path.join(work, 'global', 'npmrc'),
      npm_config_cache: path.join(work, 'npm-cache'),
      npm_config_registry: `${registryUrl}/`,
      npm_config_update_notifier: 'false',
    }
    const installer = createNodeInstaller({ env })
    const spec = { server: { name: server.name }, package: { registryType: 'npm', identifier: server.name, transport: { type: 'stdio' } }, version: server.version }

    let counter = 0
    const freshDirectory = (kind) => {
      const directory = path.join(work, 'runs', `${kind}-${counter++}`)
      mkdirSync(directory, { recursive: true })
      return directory
    }

    const ours = async () => {
      const stagingDir = freshDirectory('ours')
      const started = process.hrtime.bigint()
      const result = await installer.install(spec, { stagingDir })
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6
      if (result.version !== server.version) throw new Error(`installed ${result.version}`)
      return elapsed
    }
    const plainNpm = () =>
      timeCommand('npm', ['install', `${server.name}@${server.version}`, '--no-audit', '--no-fund'], { cwd: freshDirectory('npm'), env })

    const result = await compare({ baseline: plainNpm, subject: ours, runs, warmup: 2 })
    return { name: 'install a package with 1 dependency (no handshake)', baselineName: 'npm install', target, ...result }
  } finally {
    registry?.close()
    registry?.closeAllConnections?.()
    rmSync(work, { recursive: true, force: true })
  }
}

/** The real-sized tree row (see runInstallNodeBench). */
async function runTree({ runs, dependencies, target: rowTarget }) {
  const { createNodeInstaller } = await import(pathToFileURL(path.join(root, 'packages/installer-node/dist/index.js')).href)
  const { buildNpmTarball } = await import(pathToFileURL(path.join(root, 'packages/testkit/dist/index.js')).href)
  const work = mkdtempSync(path.join(tmpdir(), 'tekton-bench-tree-'))
  let registry
  try {
    const packed = (manifest, files) => {
      const bytes = Buffer.from(buildNpmTarball({ 'package.json': `${JSON.stringify(manifest, null, 2)}\n`, ...files }))
      return { name: manifest.name, version: manifest.version, bytes, integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`, manifest }
    }
    const names = Array.from({ length: dependencies }, (_, index) => `bench-tree-dep-${index}`)
    const deps = names.map((name, index) =>
      packed(
        { name, version: '1.0.0', main: 'index.js', ...(index > 0 ? { dependencies: { [names[Math.floor((index - 1) / 2)]]: '^1.0.0' } } : {}) },
        { 'index.js': `module.exports = ${JSON.stringify(name)}\n`, 'lib/util.js': 'module.exports = () => 1\n'.repeat(20), 'README.md': `# ${name}\n` },
      ),
    )
    const server = packed(
      { name: 'bench-tree-server', version: '1.0.0', bin: { 'bench-tree-server': 'bin/server.js' }, dependencies: Object.fromEntries(names.slice(-Math.ceil(dependencies / 2)).map((name) => [name, '^1.0.0'])) },
      { 'bin/server.js': "#!/usr/bin/env node\nprocess.stdin.resume()\n" },
    )
    const packages = new Map([...deps, server].map((entry) => [entry.name, entry]))
    registry = createServer((request, response) => {
      const url = new URL(request.url, 'http://127.0.0.1')
      const [name, dash, file] = decodeURIComponent(url.pathname).slice(1).split('/')
      const entry = packages.get(name)
      if (entry && dash === '-' && file === `${name}-${entry.version}.tgz`) {
        response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': entry.bytes.length })
        response.end(entry.bytes)
        return
      }
      if (entry && dash === undefined) {
        const { port } = registry.address()
        const manifest = { ...entry.manifest, dist: { tarball: `http://127.0.0.1:${port}/${name}/-/${name}-${entry.version}.tgz`, integrity: entry.integrity } }
        const body = JSON.stringify({ name, 'dist-tags': { latest: entry.version }, versions: { [entry.version]: manifest } })
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
        response.end(body)
        return
      }
      response.writeHead(404, { 'content-type': 'application/json' })
      response.end('{"error":"Not found"}')
    })
    await new Promise((resolve) => registry.listen(0, '127.0.0.1', resolve))
    const registryUrl = `http://127.0.0.1:${registry.address().port}`
    const env = {
      PATH: process.env.PATH,
      HOME: path.join(work, 'home'),
      npm_config_userconfig: path.join(work, 'home', '.npmrc'),
      npm_config_globalconfig: path.join(work, 'global', 'npmrc'),
      npm_config_cache: path.join(work, 'npm-cache'),
      npm_config_registry: `${registryUrl}/`,
      npm_config_update_notifier: 'false',
    }
    const installer = createNodeInstaller({ env })
    const spec = { server: { name: server.name }, package: { registryType: 'npm', identifier: server.name, transport: { type: 'stdio' } }, version: server.version }
    let counter = 0
    const freshDirectory = (kind) => {
      const directory = path.join(work, 'runs', `${kind}-${counter++}`)
      mkdirSync(directory, { recursive: true })
      return directory
    }
    const ours = async () => {
      const stagingDir = freshDirectory('ours')
      const started = process.hrtime.bigint()
      const result = await installer.install(spec, { stagingDir })
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6
      if (result.details.dependencies !== dependencies) throw new Error(`installed ${result.details.dependencies} dependencies, expected ${dependencies}`)
      return elapsed
    }
    const plainNpm = () => timeCommand('npm', ['install', `${server.name}@${server.version}`, '--no-audit', '--no-fund'], { cwd: freshDirectory('npm'), env })
    const result = await compare({ baseline: plainNpm, subject: ours, runs, warmup: 2 })
    return { name: `install a package with ${dependencies} dependencies (verification included, no handshake)`, baselineName: 'npm install', target: rowTarget, ...result }
  } finally {
    registry?.close()
    registry?.closeAllConnections?.()
    rmSync(work, { recursive: true, force: true })
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2)
  const runs = Number(argv[argv.indexOf('--runs') + 1]) || 10
  const dependencies = argv.includes('--dependencies') ? Number(argv[argv.indexOf('--dependencies') + 1]) : 1
  const row = await runInstallNodeBench({ runs, dependencies, ...(dependencies > 1 ? { target: 1.3 } : {}) })
  if (argv.includes('--json')) console.log(JSON.stringify([row], null, 2))
  else report([row])
  if (row.ratio > row.target) process.exitCode = 1
}
