import { afterAll, describe, expect, it, jest } from '@jest/globals'
import { createConnection } from 'node:net'
import { startRedis } from '../src/index'
import type { RedisService } from '../src/index'

/** One command over a raw socket: what a client reads back. */
function send(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write(command))
    socket.once('data', (data) => {
      socket.destroy()
      resolve(data.toString())
    })
    socket.once('error', reject)
  })
}

const started = await startRedis()
const describeWithRedis = 'unavailable' in started ? describe.skip : describe

describeWithRedis('startRedis', () => {
  const redis = started as RedisService
  afterAll(() => redis.stop())

  it('starts redis-server on a loopback port that answers, and stops it by PID', async () => {
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`)
    expect(await send(redis.port, 'SET greeting hello\r\n')).toBe('+OK\r\n')
    expect(await send(redis.port, 'GET greeting\r\n')).toBe('$5\r\nhello\r\n')
    await redis.stop()
    expect(() => process.kill(redis.pid, 0)).toThrow()
    await expect(send(redis.port, 'PING\r\n')).rejects.toThrow()
  })
})

describe('startRedis without redis-server', () => {
  it('says why, for the caller to skip', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {})
    const previous = process.env['TEKTON_MCP_REQUIRE_SERVICES']
    delete process.env['TEKTON_MCP_REQUIRE_SERVICES']
    try {
      const result = await startRedis({ command: 'no-such-redis-server' })
      expect(result).toEqual({ unavailable: expect.stringMatching(/^redis is unavailable: cannot run redis-server/) })
    } finally {
      if (previous !== undefined) process.env['TEKTON_MCP_REQUIRE_SERVICES'] = previous
      warn.mockRestore()
    }
  })
})
