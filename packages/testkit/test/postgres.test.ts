/** startPostgres: a real server on a loopback port, a database per caller, stopped by PID and removed. */
import { afterAll, describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import { startPostgres } from '../src/index'

const postgres = await startPostgres()

afterAll(async () => {
  if (typeof postgres !== 'string') await postgres.stop()
})

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

if (typeof postgres === 'string') {
  describe.skip(postgres, () => it('needs PostgreSQL', () => undefined))
} else {
  describe('startPostgres', () => {
    it('listens on loopback, makes databases, and stop() ends the server and removes its directory', async () => {
      expect(postgres.url).toBe(`postgresql://${postgres.user}@127.0.0.1:${postgres.port}/postgres`)
      expect(await accepts(postgres.port)).toBe(true)
      expect(await postgres.createDatabase('made_here')).toBe(`postgresql://${postgres.user}@127.0.0.1:${postgres.port}/made_here`)
      await expect(postgres.createDatabase('Not Plain')).rejects.toThrow('not a plain lower-case identifier')
      const second = await startPostgres()
      if (typeof second === 'string') throw new Error(second)
      expect(second.port).not.toBe(postgres.port)
      await second.stop()
      expect(alive(second.pid)).toBe(false)
      expect(existsSync(second.directory)).toBe(false)
      expect(await accepts(second.port)).toBe(false)
    })
  })
}
