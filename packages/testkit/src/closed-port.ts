import { createServer } from 'node:net'

/**
 * A loopback port nobody listens on (bound, then released): a connection to it is refused at
 * once, the way an unreachable registry fails without waiting out a timeout.
 */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (!address || typeof address === 'string') throw new Error('no port')
  return address.port
}
