/**
 * server.json inputs → the command line: the `io.github.example/postgres-mcp` fixture's npm and
 * OCI packages give exact argv and variables, a missing required input is one coded line naming
 * every one, and values outside choices or format are refused.
 */
import { describe, expect, it } from '@jest/globals'
import { TektonError, fromServerJson } from '@tekton/mcp-discovery'
import type { Package } from '@tekton/mcp-discovery'
import { officialPostgresMcp } from '@tekton/mcp-testkit'
import { checkInputValues, missingInputsError, packageInputs, resolvePackageLaunch, stillMissing, substituteVariables } from '../src/index'

function packagesOf(): { npm: Package; oci: Package } {
  const server = officialPostgresMcp({ npmIdentifier: '@example/postgres-mcp-server', ociIdentifier: '127.0.0.1:5000/example/postgres-mcp:1.0.0' }).server
  const packages = server.packages as Package[]
  return { npm: packages[0]!, oci: packages[1]! }
}

describe('package inputs from server.json', () => {
  it('lists what a user can give, each key once, with its kind and rules', () => {
    const { oci } = packagesOf()
    const inputs = packageInputs(oci)
    expect(inputs.map((input) => [input.key, input.kind, input.isRequired])).toEqual([
      ['socket_dir', 'variable', true],
      ['--schema', 'package-argument', false],
      ['--mode', 'package-argument', false],
      ['--statement-timeout', 'package-argument', true],
      ['database_name', 'package-argument', true],
      ['extra_schema', 'package-argument', false],
      ['PGPASSWORD', 'environment', true],
      ['PGSSLMODE', 'environment', false],
    ])
    expect(inputs.find((input) => input.key === 'PGPASSWORD')).toMatchObject({ isSecret: true })
    expect(inputs.find((input) => input.key === 'extra_schema')).toMatchObject({ isRepeated: true })
  })

  it('builds the exact command line: defaults, named as flag and value, positionals in order, repeated ones, fixed values with placeholders', () => {
    const { npm, oci } = packagesOf()
    const given = { PGPASSWORD: 's3cret-pass', '--statement-timeout': '5000', database_name: 'app', extra_schema: ['audit', 'billing'], socket_dir: '/run/pg' }
    const forNpm = resolvePackageLaunch(npm, given)
    expect(forNpm.runtimeArguments).toEqual([])
    expect(forNpm.packageArguments).toEqual(['--schema', 'public', '--mode', 'read-only', '--statement-timeout', '5000', 'app', 'audit', 'billing'])
    expect(forNpm.environment).toEqual({ PGPASSWORD: 's3cret-pass', PGSSLMODE: 'prefer' })
    expect(forNpm.missing).toEqual([])
    expect(forNpm.secretValues).toEqual(['s3cret-pass'])
    const forOci = resolvePackageLaunch(oci, given)
    expect(forOci.runtimeArguments).toEqual(['--mount', 'type=bind,src=/run/pg,dst=/run/postgresql,readonly'])
    expect(forOci.packageArguments).toEqual(forNpm.packageArguments)
  })

  it('names every missing required input; the error is one coded line', () => {
    const { oci } = packagesOf()
    const resolved = resolvePackageLaunch(oci, {})
    expect(resolved.missing.map((input) => input.key)).toEqual(['socket_dir', '--statement-timeout', 'database_name', 'PGPASSWORD'])
    // A placeholder without a value stays as written (the schema's rule); the missing list says so.
    expect(resolved.runtimeArguments).toEqual(['--mount', 'type=bind,src={socket_dir},dst=/run/postgresql,readonly'])
    const error = missingInputsError('io.github.example/postgres-mcp', resolved.missing)
    expect(error).toBeInstanceOf(TektonError)
    expect(error.code).toBe('E_MISSING_INPUT')
    expect(error.message).toBe('io.github.example/postgres-mcp needs values for socket_dir, --statement-timeout, database_name, PGPASSWORD (secret)')
    expect(error.message).not.toContain('\n')
    expect(error.hint).toContain('--env PGPASSWORD=…')
    expect(error.hint).toContain('--input socket_dir=…')
  })

  it('counts --arg values as the positional arguments they stand for', () => {
    const { npm } = packagesOf()
    const missing = resolvePackageLaunch(npm, { PGPASSWORD: 'x', '--statement-timeout': '1' }).missing
    expect(missing.map((input) => input.key)).toEqual(['database_name'])
    expect(stillMissing(missing, ['app'])).toEqual([])
    expect(stillMissing(missing, [])).toEqual(missing)
  })

  it('refuses values outside choices, a number format, a boolean format, or several for a single input', () => {
    const { npm } = packagesOf()
    expect(() => resolvePackageLaunch(npm, { '--mode': 'admin' })).toThrow(/--mode must be one of read-only, read-write, not "admin"/)
    expect(() => resolvePackageLaunch(npm, { '--statement-timeout': 'soon' })).toThrow(/must be a number/)
    expect(() => resolvePackageLaunch(npm, { database_name: ['a', 'b'] })).toThrow(/takes one value, 2 were given/)
    const flag: Package = { registryType: 'npm', identifier: 'x', transport: { type: 'stdio' }, packageArguments: [{ type: 'named', name: '--verbose', format: 'boolean' }] }
    expect(resolvePackageLaunch(flag, { '--verbose': 'true' }).packageArguments).toEqual(['--verbose'])
    expect(resolvePackageLaunch(flag, { '--verbose': 'false' }).packageArguments).toEqual([])
    expect(() => resolvePackageLaunch(flag, { '--verbose': 'yes' })).toThrow(/true or false/)
    const secret: Package = { registryType: 'npm', identifier: 'x', transport: { type: 'stdio' }, packageArguments: [{ type: 'named', name: '--token', isSecret: true, choices: ['a'] }] }
    expect(() => resolvePackageLaunch(secret, { '--token': 'leaked-value' })).toThrow(/not the value given/)
  })

  it('substitutes {name} with the schema rule and checks input values', () => {
    expect(substituteVariables('{a}-{b}-{a}', { a: '1' })).toBe('1-{b}-1')
    expect(checkInputValues({ a: 'x', b: ['y', 'z'] })).toEqual({ a: 'x', b: ['y', 'z'] })
    expect(() => checkInputValues({ a: 1 })).toThrow(/must be text/)
    expect(() => checkInputValues(['a'])).toThrow(/object/)
  })

  it('reads the fixture as valid server.json', () => {
    const parsed = fromServerJson(officialPostgresMcp().server)
    expect(parsed.packages.map((pkg) => pkg.registryType)).toEqual(['npm', 'oci'])
  })
})
