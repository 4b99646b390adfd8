import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { checkInstallScripts, checkNonRegistryDependencies, checkPolicySubject, loadSettings, publisherIdentities, publisherPatternMatches } from '../src/index'
import type { EffectivePolicy, PolicySubject } from '../src/index'

let root: string
let env: NodeJS.ProcessEnv
let cwd: string
const adminFile = () => path.join(root, 'etc', 'config.yaml')
const userFile = () => path.join(root, 'home', 'config', 'config.yaml')
const projectFile = () => path.join(cwd, '.tekton-mcp.yaml')

function write(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, text)
}

function policyOf(admin: string | undefined, user: string | undefined, projectText?: string) {
  if (admin !== undefined) write(adminFile(), admin)
  if (user !== undefined) write(userFile(), user)
  if (projectText !== undefined) write(projectFile(), projectText)
  return loadSettings({ env, cwd })
}

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'tekton-policy-'))
  env = { TEKTON_MCP_HOME: path.join(root, 'home'), TEKTON_MCP_SYSTEM_CONFIG_DIR: path.join(root, 'etc') }
  cwd = path.join(root, 'project')
  mkdirSync(cwd, { recursive: true })
})

afterEach(() => rmSync(root, { recursive: true, force: true }))

describe('the administrator layer is a ceiling', () => {
  it.each([
    ['allowInstallScripts', 'false', 'true', false],
    ['allowNonRegistryDependencies', 'false', 'true', false],
    ['requireSignatures', 'true', 'false', true],
    ['requireProvenance', 'true', 'false', true],
    ['minimumReleaseAgeHours', '72', '1', 72],
    ['network', 'deny', 'allow', 'deny'],
    ['lint', 'refuse', 'warn', 'refuse'],
  ])('%s: a lower layer cannot loosen it (warning naming both files), the stricter value wins', (rule, admin, lower, expected) => {
    const loaded = policyOf(`policy:\n  ${rule}: ${admin}\n`, `policy:\n  ${rule}: ${lower}\n`)
    expect(loaded.policy[rule as 'lint']).toEqual({ value: expected, origin: { scope: 'global', file: adminFile() } })
    const warning = loaded.warnings.find((issue) => issue.path === `policy.${rule}`)
    expect(warning?.file).toBe(userFile())
    expect(warning?.message).toContain(adminFile())
  })

  it.each([
    ['allowInstallScripts', 'true', 'false', false],
    ['requireSignatures', 'false', 'true', true],
    ['minimumReleaseAgeHours', '24', '48', 48],
    ['network', 'allow', 'deny', 'deny'],
    ['lint', 'warn', 'refuse', 'refuse'],
  ])('%s: a lower layer may tighten it, and its file is named', (rule, admin, lower, expected) => {
    const loaded = policyOf(`policy:\n  ${rule}: ${admin}\n`, undefined, `policy:\n  ${rule}: ${lower}\n`)
    expect(loaded.policy[rule as 'lint']).toEqual({ value: expected, origin: { scope: 'project', file: projectFile() } })
    expect(loaded.warnings).toEqual([])
  })

  it('an allow-list of a lower layer keeps only what the administrator allows', () => {
    const loaded = policyOf('policy:\n  allowedSources: [npm, registry]\n  allowedPublishers: ["npm:@acme"]\n', 'policy:\n  allowedSources: [npm, github]\n  allowedPublishers: ["npm:@acme/tools", "npm:@evil"]\n')
    expect(loaded.policy.allowedSources).toEqual({ value: ['npm'], origin: { scope: 'user', file: userFile() } })
    expect(loaded.policy.allowedPublishers).toEqual({ value: ['npm:@acme/tools'], origin: { scope: 'user', file: userFile() } })
    expect(loaded.warnings.map((issue) => issue.path).sort()).toEqual(['policy.allowedPublishers', 'policy.allowedSources'])
    // Nothing left inside the ceiling: the ceiling's own list.
    const outside = policyOf(undefined, 'policy:\n  allowedSources: [github]\n')
    expect(outside.policy.allowedSources).toEqual({ value: ['npm', 'registry'], origin: { scope: 'global', file: adminFile() } })
  })

  it('denials add up across layers, each keeping its file', () => {
    const loaded = policyOf('policy:\n  deniedPublishers: ["npm:@evil"]\n', 'policy:\n  deniedPublishers: ["github:mallory", "npm:@evil"]\n', 'policy:\n  deniedPublishers: ["pypi:bad-*"]\n')
    expect(loaded.policy.deniedPublishers).toEqual([
      { value: 'npm:@evil', origin: { scope: 'global', file: adminFile() } },
      { value: 'github:mallory', origin: { scope: 'user', file: userFile() } },
      { value: 'pypi:bad-*', origin: { scope: 'project', file: projectFile() } },
    ])
    expect(loaded.value.policy.deniedPublishers).toEqual(['npm:@evil', 'github:mallory', 'pypi:bad-*'])
  })

  it('without an administrator layer, project wins over user as for any setting', () => {
    const loaded = policyOf(undefined, 'policy:\n  minimumReleaseAgeHours: 48\n', 'policy:\n  minimumReleaseAgeHours: 0\n')
    expect(loaded.policy.minimumReleaseAgeHours).toEqual({ value: 0, origin: { scope: 'project', file: projectFile() } })
  })
})

describe('publisher patterns', () => {
  it.each([
    ['npm:@acme', 'npm:@acme/server', true],
    ['npm:@acme', 'npm:@acme-evil/server', false],
    ['npm:@acme/*', 'npm:@acme/server', true],
    ['npm:mcp-*', 'npm:mcp-server-git', true],
    ['npm:mcp-*', 'npm:@scope/mcp-x', false],
    ['pypi:mcp-server-*', 'pypi:mcp-server-fetch', true],
    ['oci:ghcr.io/acme', 'oci:ghcr.io/acme/image', true],
    ['oci:ghcr.io/**', 'oci:ghcr.io/a/b/c', true],
    ['github:acme', 'github:acme/repo', true],
    ['github:acme', 'github:acmeco/repo', false],
    ['registry:io.github.acme', 'registry:io.github.acme/server', true],
    ['registry:io.github.*', 'registry:io.github.someone/server', true],
    ['npm:@acme', 'pypi:@acme', false],
  ])('%s matches %s: %s', (pattern, identity, expected) => {
    expect(publisherPatternMatches(pattern, identity)).toBe(expected)
  })

  it('derives every identity a server has', () => {
    expect(
      publisherIdentities({ name: 'io.github.acme/files', ref: 'registry:io.github.acme/files', package: { registryType: 'npm', identifier: '@acme/files' }, repositoryUrl: 'https://github.com/acme/files.git' }).sort(),
    ).toEqual(['github:acme/files', 'npm:@acme/files', 'registry:io.github.acme/files'])
    expect(publisherIdentities({ name: 'x', ref: 'pypi:My_Project', package: { registryType: 'pypi', identifier: 'My_Project' } })).toEqual(['pypi:my-project'])
    expect(publisherIdentities({ name: 'y', ref: 'docker:ghcr.io/acme/img:1', package: { registryType: 'oci', identifier: 'ghcr.io/acme/img:1' } })).toEqual(['oci:ghcr.io/acme/img'])
    expect(publisherIdentities({ name: 'z', ref: 'github:owner/repo' })).toEqual(['github:owner/repo'])
  })
})

describe('refusals name the rule and the file', () => {
  const npmSubject: PolicySubject = { name: '@acme/server', ref: 'npm:@acme/server', package: { registryType: 'npm', identifier: '@acme/server' } }

  function refusal(policy: EffectivePolicy, subject: PolicySubject): Error {
    try {
      checkPolicySubject(policy, subject)
    } catch (error) {
      return error as Error
    }
    throw new Error('not refused')
  }

  it.each([
    ['allowedSources', 'policy:\n  allowedSources: [registry]\n', 'comes from the npm source'],
    ['allowedRegistryTypes', 'policy:\n  allowedRegistryTypes: [oci]\n', 'is a npm package'],
    ['deniedPublishers', 'policy:\n  deniedPublishers: ["npm:@acme"]\n', 'denied by "npm:@acme"'],
    ['allowedPublishers', 'policy:\n  allowedPublishers: ["npm:@trusted"]\n', 'matches none of'],
  ])('%s', (rule, text, detail) => {
    const loaded = policyOf(undefined, text)
    const error = refusal(loaded.policy, npmSubject)
    expect(error).toMatchObject({ code: 'E_POLICY_DENIED' })
    expect(error.message).toContain(`policy.${rule} (${userFile()})`)
    expect(error.message).toContain(detail)
  })

  it('lets through what the policy allows', () => {
    const loaded = policyOf(undefined, 'policy:\n  allowedSources: [npm]\n  allowedRegistryTypes: [npm]\n  allowedPublishers: ["npm:@acme"]\n  deniedPublishers: ["npm:@evil"]\n')
    expect(() => checkPolicySubject(loaded.policy, npmSubject)).not.toThrow()
    expect(() => checkPolicySubject({}, npmSubject)).not.toThrow()
  })

  it('install scripts and non-registry dependencies, only when asked for', () => {
    const loaded = policyOf('policy:\n  allowInstallScripts: false\n  allowNonRegistryDependencies: false\n', undefined)
    expect(() => checkInstallScripts(loaded.policy, false, 'x')).not.toThrow()
    expect(() => checkInstallScripts(loaded.policy, true, 'x')).toThrow(`x: install scripts may not run: refused by policy.allowInstallScripts (${adminFile()})`)
    expect(() => checkNonRegistryDependencies(loaded.policy, false, 'x')).not.toThrow()
    expect(() => checkNonRegistryDependencies(loaded.policy, true, 'x')).toThrow(`refused by policy.allowNonRegistryDependencies (${adminFile()})`)
  })
})
