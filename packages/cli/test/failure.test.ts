// What a failure looks like on the terminal: the code's exit status from the error catalogue,
// the library's hint with the CLI's command added, and colour only through the style helper.
import { describe, expect, it } from '@jest/globals'
import { TektonError, errorCatalog, errorCodes } from '@tekton/mcp-discovery'
import { exitCodeFor, exitCodes } from '../src/exit-codes'
import { reportFailure, toFailure } from '../src/failure'
import type { FailureContext } from '../src/failure'
import type { CliIo } from '../src/io'

function captureIo(isTTY = false): { io: CliIo; stderr: () => string } {
  let stderr = ''
  const io: CliIo = {
    stdout: () => {},
    stderr: (text) => {
      stderr += text
    },
    env: {},
    cwd: process.cwd(),
    isTTY: { stdout: isTTY, stderr: isTTY },
    columns: 80,
    now: () => 0,
    prompt: async () => '',
    onInterrupt: () => () => {},
    onTerminate: () => () => {},
  }
  return { io, stderr: () => stderr }
}

const context = (command: FailureContext['command'], args: Record<string, unknown> = {}, debug = false): FailureContext => ({ command, args, debug })

describe('exit codes', () => {
  it('come from the error catalogue for every code', () => {
    for (const code of errorCodes) expect(exitCodeFor(code)).toBe(errorCatalog[code].exitCode)
  })

  it('keep the documented values: usage 2, not found 3, a declined prompt 1, Ctrl-C 130, anything unknown 1', () => {
    expect(exitCodeFor('E_USAGE')).toBe(exitCodes.usage)
    expect(exitCodeFor('E_CONFIRMATION_REQUIRED')).toBe(exitCodes.usage)
    expect(exitCodeFor('E_NOT_INSTALLED')).toBe(exitCodes.notFound)
    expect(exitCodeFor('E_CANCELLED')).toBe(exitCodes.failure)
    expect(exitCodeFor('E_ABORTED')).toBe(exitCodes.interrupted)
    expect(exitCodeFor('E_SOMETHING_NEW')).toBe(exitCodes.failure)
  })
})

describe('command hints', () => {
  it('name the command after the library says what to do in words', async () => {
    const failed = new TektonError('E_SOURCE_FAILED', 'npm failed', { hint: 'Check the registry URL and your connection.' })
    expect((await toFailure(failed, context('search'))).hint).toBe('Check the registry URL and your connection; run again with --debug for details')
    // Already debugging: nothing to add.
    expect((await toFailure(failed, context('search', {}, true))).hint).toBe('Check the registry URL and your connection.')
    const exited = new TektonError('E_HANDSHAKE_EXIT', 'exited', { hint: 'Run the command yourself to see why it stops' })
    expect((await toFailure(exited, context('install'))).hint).toBe('Run the command yourself to see why it stops; set a variable with tekton-mcp configure <name> --env NAME=value')
    const missing = new TektonError('E_NOT_FOUND', 'No server npm:@acme/server-memory on npm')
    expect((await toFailure(missing, context('versions', { ref: 'npm:@acme/server-memory@1.0.0' }))).hint).toBe('Search for it: tekton-mcp search server-memory')
  })

  it('leave the library hint alone where no command applies', async () => {
    const changed = new TektonError('E_TOOLS_CHANGED', 'changed', { hint: 'Review the changes' })
    expect((await toFailure(changed, context('install'))).hint).toBe('Review the changes')
    const missing = new TektonError('E_NOT_FOUND', 'gone', { hint: 'Check the name' })
    // A ref that is not a plain word is not pasted into a command line.
    expect((await toFailure(missing, context('info', { ref: 'npm:$(rm -rf ~)' }))).hint).toBe('Check the name')
    expect((await toFailure(missing, context('cache-clear'))).hint).toBe('Check the name')
    expect((await toFailure(missing)).hint).toBe('Check the name')
  })
})

describe('reportFailure', () => {
  it('colours the error line through the style helper on a terminal, and not in a pipe', async () => {
    const terminal = captureIo(true)
    const code = await reportFailure({ code: 'E_NOT_FOUND', message: 'gone', hint: 'look' }, terminal.io, { format: 'text', debug: false, color: undefined })
    expect(code).toBe(3)
    expect(terminal.stderr()).toBe('\u001b[31merror E_NOT_FOUND:\u001b[39m gone\n\u001b[2mhint:\u001b[22m look\n')
    const pipe = captureIo(false)
    await reportFailure({ code: 'E_NOT_FOUND', message: 'gone', hint: 'look' }, pipe.io, { format: 'text', debug: false, color: undefined })
    expect(pipe.stderr()).toBe('error E_NOT_FOUND: gone\nhint: look\n')
  })
})
