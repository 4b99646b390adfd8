import { describe, expect, it } from '@jest/globals'
import { maxSearchLimit } from '@tekton/mcp-discovery'
import { commandGroups, commands, globalOptions } from '../src/command-table'
import { detectFastPath, renderCommandHelp, renderGroupHelp, renderHelp } from '../src/help'
import { run, stackFrame } from './helpers'

describe('top-level help and version (fast path, before the parser loads)', () => {
  it('prints help listing every command and global option, exit 0', async () => {
    const result = await run(['--help'])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    for (const command of commands) expect(result.stdout).toContain(`tekton-mcp ${command.path.join(' ')}`)
    for (const option of globalOptions) expect(result.stdout).toContain(option.name)
    expect(result.stdout).toContain('Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 130 interrupted (Ctrl-C).')
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

  it('renders every help text from the one table', () => {
    const fast = renderHelp()
    for (const command of commands) {
      expect(fast).toContain(command.description)
      const help = renderCommandHelp(command)
      expect(help).toContain(command.description)
      // An option on by default is shown as what turns it off (`--no-handshake`).
      for (const option of command.options) expect(help).toContain(option.type === 'boolean' && option.default === true ? `--no-${option.name}` : `--${option.name}`)
      for (const [example] of command.examples) expect(help).toContain(example)
    }
    for (const group of commandGroups) expect(renderGroupHelp(group)).toContain(group.description)
  })

  it("keeps the table's --limit range equal to the library's", () => {
    const limit = commands.find((command) => command.id === 'search')?.options.find((option) => option.name === 'limit')
    expect(limit?.range?.max).toBe(maxSearchLimit)
  })
})

describe('usage errors (exit 2, one line and a hint)', () => {
  it('rejects an unknown command, suggesting a near one', async () => {
    const result = await run(['serch', 'filesystem'])
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe('error E_USAGE: Unknown command "serch"; did you mean search?\nhint: run tekton-mcp --help\n')
    expect((await run(['frobnicate'])).stderr).toBe('error E_USAGE: Unknown command "frobnicate"\nhint: run tekton-mcp --help\n')
    expect((await run(['--json'])).stderr).toBe('error E_USAGE: choose a command\nhint: run tekton-mcp --help\n')
  })

  it('rejects a missing argument and points at the command help', async () => {
    const result = await run(['info'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^error E_USAGE: Missing required argument: ref\nhint: run tekton-mcp info --help\n$/)
  })

  it('rejects an unknown option, a missing or unwanted value, an extra argument and a bad --format', async () => {
    const unknown = await run(['search', 'x', '--bogus'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toBe('error E_USAGE: Unknown option --bogus\nhint: run tekton-mcp search --help\n')
    // An option of another command is unknown here.
    expect((await run(['info', 'npm:x', '--limit', '3'])).stderr).toMatch(/^error E_USAGE: Unknown option --limit\n/)
    expect((await run(['search', 'x', '-z'])).stderr).toMatch(/^error E_USAGE: Unknown option -z\n/)
    expect((await run(['search', 'x', '--limit'])).stderr).toMatch(/^error E_USAGE: --limit needs a value <n>\n/)
    expect((await run(['search', 'x', '--cursor', '--json'])).stderr).toMatch(/^error E_USAGE: --cursor needs a value <cursor>\n/)
    expect((await run(['search', 'x', '--json=yes'])).stderr).toMatch(/^error E_USAGE: --json takes no value\n/)
    expect((await run(['info', 'npm:a', 'npm:b'])).stderr).toMatch(/^error E_USAGE: Unexpected argument "npm:b"\nhint: run tekton-mcp info --help\n$/)
    const format = await run(['search', 'x', '--format', 'xml'])
    expect(format.code).toBe(2)
    expect(format.stderr).toBe('error E_USAGE: --format must be one of text, json, yaml, not "xml"\nhint: run tekton-mcp search --help\n')
    // Conflicting output options: neither is picked silently.
    const conflict = await run(['search', 'x', '--json', '--format', 'yaml'])
    expect(conflict.code).toBe(2)
    expect(conflict.stderr).toBe('error E_USAGE: --json conflicts with --format yaml\nhint: run tekton-mcp search --help\n')
    expect((await run(['info', 'npm:x', '--format=text', '--json'])).code).toBe(2)
    const limit = await run(['search', 'x', '--limit=0'])
    expect(limit.code).toBe(2)
    expect(limit.stderr).toMatch(/^error E_INVALID_INPUT: --limit must be a whole number from 1 to 100, not "0"\n/)
  })

  it('asks for a cache subcommand', async () => {
    const result = await run(['cache'])
    expect(result.code).toBe(2)
    expect(result.stderr).toBe('error E_USAGE: choose one of: cache stats, cache clear\nhint: run tekton-mcp cache --help\n')
    expect((await run(['cache', 'purge'])).stderr).toMatch(/^error E_USAGE: Unknown command "cache purge": choose one of/)
    const help = await run(['cache', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('tekton-mcp cache clear')
    expect(help.stdout).toContain('Show or clear the local cache')
  })

  it('prints the usage error as JSON on stdout with --json', async () => {
    const result = await run(['versions', '--json'])
    expect(result.code).toBe(2)
    expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'E_USAGE', message: expect.any(String), hint: 'run tekton-mcp versions --help' } })
    expect(result.stderr).not.toMatch(stackFrame)
  })

  it("shows each command's help from the table: usage, options, examples", async () => {
    const result = await run(['search', '--help'])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout).toMatch(/^tekton-mcp search <query\.\.> \[options\]\n\nSearch registries for MCP servers, best first\n/)
    expect(result.stdout).toMatch(/--limit <n>\s+Results per page \(1-100\) \(default 20\)/)
    expect(result.stdout).toContain('--registry-type')
    expect(result.stdout).toContain('--capability <names>, --tag')
    expect(result.stdout).toContain('--refresh')
    expect(result.stdout).toMatch(/--format <format>\s+Output format \(text, json, yaml\)/)
    expect(result.stdout).toContain('tekton-mcp search github --limit 5 --json')
    // Help wins wherever it is, even over other mistakes on the line.
    expect((await run(['search', '-h'])).stdout).toBe(result.stdout)
    expect((await run(['search', 'x', '--bogus', '--help'])).stdout).toBe(result.stdout)
    const info = await run(['info', '--help'])
    expect(info.stdout).toMatch(/^tekton-mcp info <ref> \[options\]\n/)
    expect(info.stdout).toContain('Arguments:\n  <ref>')
    expect((await run(['cache', 'stats', '--help'])).stdout).toMatch(/^tekton-mcp cache stats\n\nShow where the cache lives/)
    expect((await run(['search', '--version'])).stdout).toBe('0.0.0-test\n')
  })

  it('colours the error label only on a terminal without NO_COLOR', async () => {
    const tty = { stdout: true, stderr: true }
    expect((await run(['serch'], { isTTY: tty })).stderr).toContain('\u001b[31merror E_USAGE:')
    expect((await run(['serch'], { isTTY: tty, env: { NO_COLOR: '1' } })).stderr).not.toContain('\u001b[')
    expect((await run(['serch', '--no-color'], { isTTY: tty })).stderr).not.toContain('\u001b[')
  })
})
