/**
 * What a user sees when an install is refused for trust, through the CLI against the fake npm
 * registry (keys and a fake Sigstore made here, its trusted root named by
 * TEKTON_MCP_SIGSTORE_TRUSTED_ROOT): a wrong signature, provenance naming another package and a
 * newest version that dropped provenance are each refused after the plan, with the code, the rule
 * and the way out, and nothing is installed.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { buildFixtureServerPackage, createFakeSigstore, createRegistrySigningKey, integrityOf, signNpmVersion, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmPackage, FakeNpmRegistry } from '@tekton/mcp-testkit'
import { installEnvironment, run, temporaryHome } from './helpers'

let registry: FakeNpmRegistry
let home: Awaited<ReturnType<typeof temporaryHome>>
let env: Record<string, string>

beforeAll(async () => {
  home = await temporaryHome()
  const sigstore = createFakeSigstore()
  const key = createRegistrySigningKey()
  const attested = (name: string, versions: string[], options: { without?: string[]; subject?: string } = {}): FakeNpmPackage => {
    const pkg = buildFixtureServerPackage({ name, versions: versions.map((version) => ({ version })) })
    const attestations: Record<string, Record<string, unknown>> = {}
    for (const version of versions.filter((candidate) => !options.without?.includes(candidate))) {
      const integrity = integrityOf(pkg.tarballs![version]!)
      const sha512 = Buffer.from(integrity.slice(7), 'base64').toString('hex')
      attestations[version] = sigstore.attest({ name, version, integrity, ...(options.subject ? { subject: { name: options.subject, sha512 } } : {}) })
    }
    return { ...pkg, attestations }
  }
  const wrong = attested('fixture-wrong-signature', ['1.0.0'])
  wrong.distOverrides = { '1.0.0': { signatures: [signNpmVersion(key, 'fixture-wrong-signature', '1.0.0', integrityOf(Buffer.from('other bytes')))] } }
  registry = await startFakeNpmRegistry({
    keys: [key],
    packages: [wrong, attested('fixture-other-subject', ['1.0.0'], { subject: 'pkg:npm/fixture-good@1.0.0' }), attested('fixture-dropped', ['1.0.0', '1.1.0'], { without: ['1.1.0'] })],
  })
  const trustedRoot = path.join(home.directory, 'trusted_root.json')
  await writeFile(trustedRoot, JSON.stringify(sigstore.trustedRoot))
  env = installEnvironment(registry.url, home.directory, { TEKTON_MCP_SIGSTORE_TRUSTED_ROOT: trustedRoot })
})

afterAll(async () => {
  await registry?.close()
  await home?.remove()
})

describe('install refused for trust', () => {
  it.each([
    ['fixture-wrong-signature', /\n  signature +FAILED E_SIGNATURE_INVALID: /, /\nerror E_SIGNATURE_INVALID: fixture-wrong-signature@1\.0\.0: registry signature check failed: .*\nhint: The metadata is not what the registry signed/],
    ['fixture-other-subject', /\n  provenance +FAILED E_PROVENANCE_SUBJECT_MISMATCH: the attestation is for pkg:npm\/fixture-good@1\.0\.0/, /\nerror E_PROVENANCE_SUBJECT_MISMATCH: .*not pkg:npm\/fixture-other-subject@1\.0\.0\n/],
    ['fixture-dropped', /\n  provenance +none: fixture-dropped@1\.1\.0 was published without provenance\n/, /\nerror E_PROVENANCE_DOWNGRADE: fixture-dropped@1\.1\.0 has no provenance, which the previous published version 1\.0\.0 had \(rule: no trust downgrade\)\nhint: .*pass --allow-trust-downgrade/],
  ])('%s: the plan shows why, then the install stops with the code and nothing is installed', async (name, planLine, errorLine) => {
    const result = await run(['install', `npm:${name}`, '--yes'], { env })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(planLine)
    expect(result.stderr).toMatch(errorLine)
    const listed = await run(['list', '--json'], { env })
    expect((JSON.parse(listed.stdout) as { servers: unknown[] }).servers).toEqual([])
  })

  it('--allow-trust-downgrade installs the version without provenance, and --json says so', async () => {
    const result = await run(['install', 'npm:fixture-dropped', '--yes', '--allow-trust-downgrade', '--no-handshake', '--json'], { env })
    expect(result.code).toBe(0)
    const outcome = JSON.parse(result.stdout) as { version: string; verification: { signature: { status: string }; provenance: { status: string } } }
    expect(outcome.version).toBe('1.1.0')
    expect(outcome.verification.signature.status).toBe('verified')
    expect(outcome.verification.provenance.status).toBe('absent')
  }, 600_000)
})
