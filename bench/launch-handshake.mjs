#!/usr/bin/env node
// Benchmark: starting an installed MCP server and completing a handshake with it (spawn,
// initialize, tools/resources/prompts lists, stop) with @tekton/mcp-installation's `handshake`,
// against the same handshake with the server started as `npx -y <package>@<version>` — what MCP
// client configurations usually run — with a warm npm cache. Both sides use the testkit's fixture
// server package (`@fixture/mcp-server@1.0.0`) from the testkit's fake npm registry; ours is
// installed once with @tekton/mcp-installer-node and launched as `<node> <bin>`. Interleaved runs,
// medians, ratio (target <= 0.4x: no package manager between the client and the server).
// Needs a build (`pnpm build`).
// Usage: node bench/launch-handshake.mjs [--runs N] [--json]
// Also importable: `runLaunchHandshakeBench({ runs })` resolves to the row bench/run.mjs prints.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { compare, report } from './harness.mjs'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const load = (relative) => import(pathToFileURL(path.join(root, relative)).href)
const target = 0.4
const version = '1.0.0'
const timeoutMs = 30_000

/** Runs the benchmark (`runs` interleaved runs per side after 2 warm-ups) and resolves to its row. */
export async function runLaunchHandshakeBench({ runs = 10 } = {}) {
  const { fixtureNpmPackages, startFakeNpmRegistry } = await load('packages/testkit/dist/index.js')
  const { buildServerEnvironment, handshake } = await load('packages/installation/dist/index.js')
  const { createNodeInstaller, findOnPath } = await load('packages/installer-node/dist/index.js')

  const work = mkdtempSync(path.join(tmpdir(), 'tekton-bench-launch-'))
  const { server, dependency } = fixtureNpmPackages()
  const name = server.packument.name
  const registry = await startFakeNpmRegistry({ packages: [server, dependency] })
  try {
    // npm's configuration for both the installer and npx: the fake registry, a cache of its own,
    // and empty user and global files, so nothing from the machine's npm setup takes part.
    mkdirSync(path.join(work, 'home'), { recursive: true })
    writeFileSync(path.join(work, 'home', '.npmrc'), '')
    const npmConfig = {
      npm_config_registry: `${registry.url}/`,
      npm_config_cache: path.join(work, 'npm-cache'),
      npm_config_userconfig: path.join(work, 'home', '.npmrc'),
      npm_config_globalconfig: path.join(work, 'global-npmrc'),
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    }
    // What a server is started with: the allow-listed variables of this process.
    const serverEnv = buildServerEnvironment(process.env)

    const installer = createNodeInstaller({ env: { PATH: process.env.PATH, HOME: path.join(work, 'home'), ...npmConfig } })
    const spec = { server: { name }, package: { registryType: 'npm', identifier: name, transport: { type: 'stdio' } }, version }
    const installed = await installer.install(spec, { stagingDir: path.join(work, 'installed') })

    const npx = await findOnPath('npx', process.env)
    if (!npx) throw new Error('npx is not on the PATH')
    // Both start in an empty directory, as a desktop client starts its servers. In a project
    // directory npx first reads the project's dependency tree (in this monorepo that alone more
    // than triples its time), which would flatter us.
    const cwd = path.join(work, 'cwd')
    mkdirSync(cwd)
    const npxLaunch = { command: npx, args: ['-y', `${name}@${version}`], cwd }
    const installedLaunch = { ...installed.launch, cwd }
    // npm_config_* variables are refused for installed servers; npx needs them to find the fake.
    const npxEnv = { ...serverEnv, ...npmConfig }

    const timed = async (launch, env) => {
      const started = process.hrtime.bigint()
      const result = await handshake(launch, { timeoutMs, env })
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6
      if (result.serverInfo.version !== version || result.tools.length === 0) {
        throw new Error(`unexpected handshake from ${launch.command}: ${JSON.stringify(result.serverInfo)}, ${result.tools.length} tools`)
      }
      return elapsed
    }
    // Warm npm's cache (and npx's own install directory) before anything is timed.
    await timed(npxLaunch, npxEnv)

    const result = await compare({ baseline: () => timed(npxLaunch, npxEnv), subject: () => timed(installedLaunch, serverEnv), runs, warmup: 2 })
    return { name: 'launch + handshake of an installed server', baselineName: 'npx -y (warm cache)', target, ...result }
  } finally {
    await registry.close()
    rmSync(work, { recursive: true, force: true })
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2)
  const runs = Number(argv[argv.indexOf('--runs') + 1]) || 10
  const row = await runLaunchHandshakeBench({ runs })
  if (argv.includes('--json')) console.log(JSON.stringify([row], null, 2))
  else report([row])
  if (row.ratio > row.target) process.exitCode = 1
}
