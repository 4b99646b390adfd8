import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { commands, globalOptions } from '../src/command-table'

// The reference must describe the CLI that ships: every command and option in the table.
const reference = readFileSync(new URL('../../../docs/mcp/cli_reference.md', import.meta.url), 'utf8')

describe('docs/mcp/cli_reference.md', () => {
  it.each(commands.map((command) => [command.path.join(' '), command] as const))('documents `%s` and its options', (path, command) => {
    expect(reference).toContain(`tekton-mcp ${path}`)
    // An option on by default is documented as what turns it off (`--no-handshake`).
    for (const option of command.options) expect(reference).toContain(option.type === 'boolean' && option.default === true ? `--no-${option.name}` : `--${option.name}`)
  })

  it('documents the global options', () => {
    for (const option of globalOptions) {
      const flag = option.type === 'boolean' && option.default === true ? `--no-${option.name}` : `--${option.name}`
      expect(reference).toContain(flag)
    }
  })
})
