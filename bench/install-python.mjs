#!/usr/bin/env node
// Benchmarks of @tekton/mcp-installer-python, both against the testkit's loopback index serving
// the Python fixture server and the helper it imports (two real wheels built in memory), with
// one warm pip cache and nothing from the machine's pip configuration:
//   python-install: installing the server with the installer (requires-python check, venv, pip's
//     dry-run resolution, pinning every file to its index digest, `pip install --require-hashes
//     --no-deps`; no handshake) against a plain `pip install <name>==<version>` of the same wheels
//     into a fresh venv created the same way (`python3 -m venv --without-pip`, then the
//     interpreter's pip with `--python`), interleaved runs, medians, ratio (target <= 1.3x). The
//     usual `python3 -m venv` (with ensurepip) + `pip install` is printed as a note.
//   python-handshake: launch plus MCP handshake of the installed server as its launch spec runs
//     it (`<venv>/bin/python <venv>/bin/<script>`) against the same handshake with the server
//     started as `<venv>/bin/python -m <module>` (target <= 1.1x: the console script adds nothing).
// Needs a build (`pnpm build`).
// Usage: node bench/install-python.mjs [--runs N] [--json]
// Also importable: `runInstallPythonBench({ runs })`, `runPythonHandshakeBench({ runs })`.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { compare, median, report, timeCommand } from './harness.mjs'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const load = (relative) => import(pathToFileURL(path.join(root, relative)).href)
const version = '1.1.0'

async function setUp(prefix) {
  const testkit = await load('packages/testkit/dist/index.js')
  const { createPythonInstaller } = await load('packages/installer-python/dist/index.js')
  const work = mkdtempSync(path.join(tmpdir(), prefix))
  const { server, helper } = testkit.fixturePythonProjects()
  const index = await testkit.startFakePypi({ projects: [server, helper] })
  // pip's configuration for both sides: the loopback index, no configuration file, one cache.
  const env = {
    PATH: process.env.PATH,
    HOME: path.join(work, 'home'),
    PIP_CONFIG_FILE: '/dev/null',
    PIP_INDEX_URL: index.indexUrl,
    PIP_CACHE_DIR: path.join(work, 'pip-cache'),
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
  }
  const installer = createPythonInstaller({ env })
  const name = testkit.pythonFixtureServerName
  const spec = { server: { name }, package: { registryType: 'pypi', identifier: name, transport: { type: 'stdio' } }, version }
  let counter = 0
  const freshDirectory = (kind) => {
    const directory = path.join(work, 'runs', `${kind}-${counter++}`)
    mkdirSync(directory, { recursive: true })
    return directory
  }
  const close = async () => {
    await index.close()
    rmSync(work, { recursive: true, force: true })
  }
  return { installer, spec, name, env, freshDirectory, close }
}

/** Runs the install benchmark and resolves to its row. */
export async function runInstallPythonBench({ runs = 8 } = {}) {
  const { installer, spec, name, env, freshDirectory, close } = await setUp('tekton-bench-python-')
  try {
    const python = (await installer.checkRequirements(spec.package, {})).runtime?.path
    if (!python) throw new Error('no python found')
    const ours = async () => {
      const stagingDir = freshDirectory('ours')
      const started = process.hrtime.bigint()
      const result = await installer.install(spec, { stagingDir })
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6
      if (result.version !== version) throw new Error(`installed ${result.version}`)
      return elapsed
    }
    const plainPip = async () => {
      const venv = path.join(freshDirectory('pip'), 'venv')
      const started = process.hrtime.bigint()
      await timeCommand(python, ['-m', 'venv', '--without-pip', venv], { env })
      await timeCommand(python, ['-m', 'pip', '--python', path.join(venv, 'bin', 'python'), 'install', '--quiet', '--only-binary', ':all:', `${name}==${version}`], { env })
      return Number(process.hrtime.bigint() - started) / 1e6
    }
    const usualPip = async () => {
      const venv = path.join(freshDirectory('usual'), 'venv')
      const started = process.hrtime.bigint()
      await timeCommand(python, ['-m', 'venv', venv], { env })
      await timeCommand(path.join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', `${name}==${version}`], { env })
      return Number(process.hrtime.bigint() - started) / 1e6
    }
    const result = await compare({ baseline: plainPip, subject: ours, runs, warmup: 2 })
    const usual = []
    for (let index = 0; index < Math.min(runs, 3); index++) usual.push(await usualPip())
    return {
      name: 'python install, 2-wheel closure (no handshake)',
      baselineName: 'venv + pip install',
      target: 1.3,
      ...result,
      notes: [`python install: the usual \`python3 -m venv\` (with ensurepip) + \`pip install\` takes ${median(usual).toFixed(1)} ms (median of ${usual.length}); ours is ${(result.subjectMs / median(usual)).toFixed(2)}x that`],
    }
  } finally {
    await close()
  }
}

/** Runs the launch + handshake benchmark and resolves to its row. */
export async function runPythonHandshakeBench({ runs = 10 } = {}) {
  const { buildServerEnvironment, handshake } = await load('packages/installation/dist/index.js')
  const { installer, spec, freshDirectory, close } = await setUp('tekton-bench-python-launch-')
  try {
    const result = await installer.install(spec, { stagingDir: freshDirectory('installed') })
    const launch = result.launch
    const module = { command: launch.command, args: ['-m', spec.package.identifier.replace(/-/g, '_')], env: {} }
    const env = buildServerEnvironment(process.env, {})
    const timed = (spec) => async () => {
      const started = process.hrtime.bigint()
      const answer = await handshake(spec, { timeoutMs: 30_000, env })
      if (answer.tools.length !== 2) throw new Error(`expected 2 tools, got ${answer.tools.length}`)
      return Number(process.hrtime.bigint() - started) / 1e6
    }
    const measured = await compare({ baseline: timed(module), subject: timed(launch), runs, warmup: 2 })
    return { name: 'python launch + handshake (installed console script)', baselineName: 'python -m', target: 1.1, ...measured }
  } finally {
    await close()
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2)
  const runs = Number(argv[argv.indexOf('--runs') + 1]) || 8
  const rows = [await runInstallPythonBench({ runs }), await runPythonHandshakeBench({ runs })]
  if (argv.includes('--json')) console.log(JSON.stringify(rows, null, 2))
  else report(rows)
  if (rows.some((row) => row.ratio > row.target)) process.exitCode = 1
}
