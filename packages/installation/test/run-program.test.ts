// The one program runner every installer uses: what a user sees in an install failure (exit code,
// output, why a program did not finish) comes from here, the same for npm, pip and docker.
import { describe, expect, it } from '@jest/globals'
import { runProgram } from '../src/index'

const env = { PATH: process.env['PATH'] ?? '' }
const cwd = process.cwd()

describe('runProgram', () => {
  it('reports the exit code and both streams, with nothing of the parent environment', async () => {
    const script = 'process.stdout.write(String(process.env.SECRET_FROM_PARENT)); process.stderr.write("warned\\n"); process.exit(3)'
    process.env['SECRET_FROM_PARENT'] = 'leaked'
    try {
      expect(await runProgram(process.execPath, ['-e', script], { cwd, env })).toEqual({ exitCode: 3, stdout: 'undefined', stderr: 'warned' })
    } finally {
      delete process.env['SECRET_FROM_PARENT']
    }
  })

  it('says why a program did not run or did not finish, instead of rejecting', async () => {
    const missing = await runProgram('/nonexistent/tekton-mcp-program', [], { cwd, env })
    expect(missing.exitCode).toBeUndefined()
    expect(missing.failure).toMatch(/ENOENT/)

    const controller = new AbortController()
    const running = runProgram(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { cwd, env, signal: controller.signal })
    controller.abort()
    expect(await running).toMatchObject({ failure: 'canceled' })

    const slow = await runProgram(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { cwd, env, timeoutMs: 200 })
    expect(slow).toMatchObject({ failure: 'timed out after 200 ms' })
  })
})
