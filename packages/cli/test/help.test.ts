import { describe, expect, it } from '@jest/globals'
import { buildParser } from '../src/cli'
import { commandGroups, commands, globalOptions } from '../src/command-table'
import { detectFastPath, renderHelp } from '../src/help'
import { resolveIo } from '../src/io'
import { run, stackFrame } from './helpers'

describe('top-level help and version (fast path, no yargs)', () => {
  it('prints help listing every command and global option, exit 0', async () => {
    const result = await run(['--help'])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    for (const command of commands) expect(result.stdout).toContain(`tekton-mcp ${command.path.join(' ')}`)
    for (const option of globalOptions) expect(result.stdout).toContain(option.name)
    expect(result.stdout).toContain('Exit codes: 0 ok, 1 failure, 2 usage, 3 not found.')
    expect((await run(['-h'])).stdout).toBe(result.stdout)
    expect((await run(['help'])).stdout).toBe(result.stdout)
    expect((await run(['--no-color', '--help'])).stdout).toBe(result.stdout)
  })

  it('prints the version, exit 0', async () => {
    const result = await run(['--version'])
    expect(result).toEqual({ code: 0, stdout: '0.0.0-test\n', stderr: '' })
  })

  it('prints help on stderr with exit 2 when no command is given', async () => {
    const result = await run([])
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain('Commands:')
  })

  it('leaves everything else to the real parser', () => {
    expect(detectFastPath(['search', '--help'])).toBeUndefined()
    expect(detectFastPath(['--json'])).toBeUndefined()
    expect(detectFastPath(['--version', '--json'])).toBe('version')
  })

  it('describes the same commands as the yargs parser (built from one table)', async () => {
    let output = ''
    await buildParser(resolveIo({ stdout: () => {}, stderr: () => {}, env: {}, columns: 200 }), () => {})
      .parseAsync(['--help'], {}, (_error, _argv, text) => {
        output = text
      })
    const fast = renderHelp()
    for (const command of commands) {
      expect(fast).toContain(command.description)
      // yargs lists a group's subcommands under the group's own help.
      if (command.path.length === 1) expect(output).toContain(command.description)
    }
    for (const group of commandGroups) expect(output).toContain(group.description)
  })
})

describe('usage errors (exit 2, one line and a hint)', () => {
  it('rejects an unknown command', async () => {
    const result = await run(['serch', 'filesystem'])
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe('error E_USAGE: Unknown arguments: serch, filesystem\nhint: run tekton-mcp --help\n')
  })

  it('rejects a missing argument and points at the command help', async () => {
    const result = await run(['info'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^error E_USAGE: Missing required argument: ref\nhint: run tekton-mcp info --help\n$/)
  })

  it('rejects an unknown option and a bad --format', async () => {
    const unknown = await run(['search', 'x', '--bogus'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('hint: run tekton-mcp search --help')
    const format = await run(['search', 'x', '--format', 'xml'])
    expect(format.code).toBe(2)
    expect(format.stderr).toContain('error E_USAGE: Invalid values')
  })

  it('asks for a cache subcommand', async () => {
    const result = await run(['cache'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('choose one of: cache stats, cache clear')
    expect(result.stderr).toContain('hint: run tekton-mcp cache stats --help')
  })

  it('prints the usage error as JSON on stdout with --json', async () => {
    const result = await run(['versions', '--json'])
    expect(result.code).toBe(2)
    expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'E_USAGE', message: expect.any(String), hint: 'run tekton-mcp versions --help' } })
    expect(result.stderr).not.toMatch(stackFrame)
  })

  it('shows command help through yargs', async () => {
    const result = await run(['search', '--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('--registry-type')
    expect(result.stdout).toContain('--capability')
    expect(result.stdout).toContain('tekton-mcp search github --limit 5 --json')
  })

  it('colours the error label only on a terminal without NO_COLOR', async () => {
    const tty = { stdout: true, stderr: true }
    expect((await run(['serch'], { isTTY: tty })).stderr).toContain('\u001b[31merror E_USAGE:')
    expect((await run(['serch'], { isTTY: tty, env: { NO_COLOR: '1' } })).stderr).not.toContain('\u001b[')
    expect((await run(['serch', '--no-color'], { isTTY: tty })).stderr).not.toContain('\u001b[')
  })
})
