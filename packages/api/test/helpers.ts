/**
 * What the API tests share: a loopback npm registry serving the fixture MCP server (1.0.0 works,
 * 1.2.0 hangs in its handshake, 2.0.0 changes a tool), a private TEKTON_MCP_HOME per app, and a
 * reader for Server-Sent Events.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createTektonMcp } from '@tekton/mcp-app'
import type { TektonMcp } from '@tekton/mcp-app'

export const token = 'test-token-0123456789abcdefghijklmnopqrstuvwxyz'
export const auth = { authorization: `Bearer ${token}` }
export const jsonHeaders = { ...auth, 'content-type': 'application/json' }

const homes: string[] = []

export async function temporaryHome(): Promise<string> {
  const home = await mkdtemp(path.join(tmpdir(), 'tekton-mcp-api-'))
  homes.push(home)
  return home
}

export async function removeHomes(): Promise<void> {
  await Promise.all(homes.splice(0).map((home) => rm(home, { recursive: true, force: true })))
}

/** The environment of an application installing from `registryUrl` into `home`. */
export function installEnvironment(registryUrl: string, home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    npm_config_registry: `${registryUrl}/`,
    npm_config_userconfig: path.join(home, 'npmrc'),
    TEKTON_MCP_HOME: home,
    HOME: home,
    TEKTON_MCP_SOURCES: 'npm',
    PATH: process.env.PATH ?? '',
    ...extra,
  }
}

export async function applicationFor(registryUrl: string, extra: NodeJS.ProcessEnv = {}): Promise<{ app: TektonMcp; home: string }> {
  const home = await temporaryHome()
  return { app: createTektonMcp({ env: installEnvironment(registryUrl, home, extra), cwd: home }), home }
}

export interface SseEvent {
  id?: string
  event?: string
  data: string
}

/** Parses a whole `text/event-stream` body into its events (comments dropped). */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = []
  for (const block of text.split(/\n\n/)) {
    const event: SseEvent = { data: '' }
    let any = false
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = line.slice(0, colon)
      const value = line.slice(colon + 1).replace(/^ /, '')
      if (field === 'data') event.data += value
      else if (field === 'id') event.id = value
      else if (field === 'event') event.event = value
      any = true
    }
    if (any) events.push(event)
  }
  return events
}
