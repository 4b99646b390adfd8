#!/usr/bin/env node
// Benchmark: what verification costs an install. The same signed and attested fixture server
// (registry keys and a fake Sigstore made here, served by the testkit's npm fake) installed by the
// node installer with verification (registry keys fetched, the signature checked, the attestation
// bundle fetched and verified against the trusted root) against the same installer with
// `verify: false`. A new installer per run, as each CLI run makes one, so the keys are fetched
// every time. Interleaved runs, medians, ratio (target <= 1.15x). Needs the built packages.
// Usage: node bench/verify-install.mjs [--runs N] [--json]
// Also importable: `runVerifyInstallBench({ runs })` resolves to the row bench/run.mjs prints.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { compare, report } from './harness.mjs'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const target = 1.15

export async function runVerifyInstallBench({ runs = 10 } = {}) {
  const { createNodeInstaller } = await import(pathToFileURL(path.join(root, 'packages/installer-node/dist/index.js')).href)
  const { buildFixtureServerPackage, createFakeSigstore, createRegistrySigningKey, integrityOf, startFakeNpmRegistry } = await import(pathToFileURL(path.join(root, 'packages/testkit/dist/index.js')).href)
  const work = mkdtempSync(path.join(tmpdir(), 'tekton-bench-verify-'))
  const sigstore = createFakeSigstore()
  const key = createRegistrySigningKey()
  const name = 'bench-attested-server'
  const pkg = buildFixtureServerPackage({ name, versions: [{ version: '1.0.0' }] })
  pkg.attestations = { '1.0.0': sigstore.attest({ name, version: '1.0.0', integrity: integrityOf(pkg.tarballs['1.0.0']) }) }
  const registry = await startFakeNpmRegistry({ packages: [pkg], keys: [key] })
  try {
    const env = {
      PATH: process.env.PATH,
      HOME: path.join(work, 'home'),
      npm_config_userconfig: path.join(work, 'home', '.npmrc'),
      npm_config_globalconfig: path.join(work, 'global', 'npmrc'),
      npm_config_cache: path.join(work, 'npm-cache'),
      npm_config_registry: `${registry.url}/`,
      npm_config_update_notifier: 'false',
    }
    const spec = { server: { name }, package: { registryType: 'npm', identifier: name, transport: { type: 'stdio' } }, version: '1.0.0' }
    let counter = 0
    const install = (verify) => async () => {
      const stagingDir = path.join(work, 'runs', `${verify ? 'verified' : 'plain'}-${counter++}`)
      mkdirSync(stagingDir, { recursive: true })
      const installer = createNodeInstaller({ env, verify, trustedRoot: sigstore.trustedRoot })
      const started = process.hrtime.bigint()
      const result = await installer.install(spec, { stagingDir })
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6
      if (verify && (result.verification?.signature.status !== 'verified' || result.verification?.provenance.status !== 'verified')) {
        throw new Error(`the fixture did not verify: ${JSON.stringify(result.verification)}`)
      }
      if (!verify && result.verification !== undefined) throw new Error('verification ran with verify: false')
      return elapsed
    }
    const result = await compare({ baseline: install(false), subject: install(true), runs, warmup: 2 })
    return { key: 'verify-install', name: 'install of a signed + attested fixture, verified', baselineName: 'same install, verify: false', target, ...result }
  } finally {
    await registry.close()
    rmSync(work, { recursive: true, force: true })
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2)
  const runs = Number(argv[argv.indexOf('--runs') + 1]) || 10
  const row = await runVerifyInstallBench({ runs })
  if (argv.includes('--json')) console.log(JSON.stringify([row], null, 2))
  else report([row])
  if (row.ratio > row.target) process.exitCode = 1
}
