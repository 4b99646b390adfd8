import { describe, expect, it } from '@jest/globals'
import { parseCommandLine } from '../src/parse-arguments'

function commandArgs(argv: string[]) {
  const parsed = parseCommandLine(argv)
  if (parsed.kind !== 'command') throw new Error(`expected a command, got ${parsed.kind}: ${JSON.stringify(parsed)}`)
  return { id: parsed.command.id, args: parsed.args }
}

describe('parseCommandLine', () => {
  it('reads positionals, defaults, numbers and both option forms', () => {
    expect(commandArgs(['search', 'memory', 'graph', '--limit=5', '--cursor', 'abc'])).toEqual({
      id: 'search',
      args: { query: ['memory', 'graph'], limit: 5, cursor: 'abc', color: true },
    })
    expect(commandArgs(['--json', 'info', 'npm:x']).args).toEqual({ ref: 'npm:x', json: true, color: true })
    expect(commandArgs(['versions', 'npm:x', '--all', '--limit', '3'])).toEqual({ id: 'versions', args: { ref: 'npm:x', all: true, limit: 3, color: true } })
    expect(commandArgs(['cache', 'clear', '--source', 'npm'])).toEqual({ id: 'cache-clear', args: { source: 'npm', color: true } })
  })

  it('merges repeated and comma-separated list options, aliases included', () => {
    const { args } = commandArgs(['search', 'x', '--source', 'npm,pypi', '--source', 'npm', '--capability', 'tools', '--tag', 'watch,', '--registry-type', 'npm'])
    expect(args).toMatchObject({ source: ['npm', 'pypi'], capability: ['tools', 'watch'], registryType: ['npm'] })
    // A value given twice for a single-valued option: the last one wins.
    expect(commandArgs(['search', 'x', '--cursor', 'a', '--cursor', 'b']).args.cursor).toBe('b')
  })

  it('lets the last of --color and --no-color win, and takes anything after -- as words', () => {
    expect(commandArgs(['search', 'x', '--no-color']).args.color).toBe(false)
    expect(commandArgs(['search', 'x', '--no-color', '--color']).args.color).toBe(true)
    expect(commandArgs(['search', '--', '--weird', '-x']).args.query).toEqual(['--weird', '-x'])
  })

  it('reads an option with a bare value: --sandbox alone is bubblewrap, a value only after =, the next word stays the ref', () => {
    expect(commandArgs(['install', '--sandbox', 'npm:x', '--yes']).args).toMatchObject({ ref: 'npm:x', sandbox: 'bubblewrap', yes: true })
    expect(commandArgs(['install', 'npm:x', '--sandbox=auto', '--sandbox-network']).args).toMatchObject({ ref: 'npm:x', sandbox: 'auto', sandboxNetwork: true })
    expect(commandArgs(['install', 'npm:x']).args.sandbox).toBeUndefined()
    expect(parseCommandLine(['install', 'npm:x', '--sandbox=docker'])).toMatchObject({ kind: 'usage', message: '--sandbox must be one of bubblewrap, auto, off, not "docker"' })
  })

  it('accepts --json with --format json only', () => {
    expect(commandArgs(['search', 'x', '--json', '--format', 'json']).args).toMatchObject({ json: true, format: 'json' })
    expect(parseCommandLine(['search', 'x', '--format', 'yaml', '--json'])).toMatchObject({ kind: 'usage', code: 'E_USAGE', message: '--json conflicts with --format yaml' })
  })

  it('keeps output options readable in a usage error, so it is reported as asked', () => {
    const parsed = parseCommandLine(['search', '--format', 'yaml', '--no-color', '--debug'])
    expect(parsed).toMatchObject({ kind: 'usage', code: 'E_USAGE', message: 'Missing required argument: query', hint: 'run tekton-mcp search --help' })
    expect(parsed.args).toEqual({ format: 'yaml', color: false, debug: true })
    expect(parseCommandLine(['info', '--format', 'xml']).args).toEqual({})
  })

  it('answers --version and --help before anything else', () => {
    expect(parseCommandLine(['--version', '--json'])).toMatchObject({ kind: 'version' })
    expect(parseCommandLine(['cache', '--help'])).toMatchObject({ kind: 'help', command: undefined, group: { name: 'cache' } })
    expect(parseCommandLine(['cache', 'stats', '-h'])).toMatchObject({ kind: 'help', command: { id: 'cache-stats' } })
    expect(parseCommandLine(['--debug', '--help'])).toMatchObject({ kind: 'help', command: undefined, group: undefined })
  })

  it('reads --handshake-timeout as whole seconds, and checks list options against their choices', () => {
    expect(commandArgs(['install', 'npm:x', '--handshake-timeout', '90']).args.handshakeTimeout).toBe(90)
    expect(parseCommandLine(['verify', 'x', '--handshake-timeout', '0'])).toMatchObject({ kind: 'usage', code: 'E_INVALID_INPUT' })
    expect(parseCommandLine(['search', 'x', '--registry-type', 'oci,wheel'])).toMatchObject({
      kind: 'usage',
      code: 'E_INVALID_INPUT',
      message: '--registry-type: unknown "wheel"',
      hint: 'Use one or more of npm, pypi, oci, docker, nuget, mcpb',
    })
  })

  it('rejects out-of-range and non-numeric numbers as invalid input', () => {
    for (const value of ['lots', '', '2.5', '101']) {
      expect(parseCommandLine(['search', 'x', `--limit=${value}`])).toMatchObject({ kind: 'usage', code: 'E_INVALID_INPUT', message: `--limit must be a whole number from 1 to 100, not ${JSON.stringify(value)}` })
    }
    expect(parseCommandLine(['versions', 'npm:x', '--limit', '100000'])).toMatchObject({ kind: 'command' })
  })
})
