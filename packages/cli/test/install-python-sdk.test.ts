/**
 * A server built on the real Python MCP SDK (`mcp` 2.x), installed through the CLI with its whole
 * closure hash-pinned. The SDK and its dependencies come from the local wheel index pip's
 * configuration names on this machine; exactly the files pip resolves from it are served by the
 * loopback fake PyPI, with the server's own wheel built in the test. Skips with the reason where
 * that index is absent (and fails instead when TEKTON_MCP_REQUIRE_SERVICES names python-index).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { buildWheelProject, findLocalWheelIndex, projectsFromLocalFiles, pythonIndexService, resolveLocalClosure, serviceUnavailable, startFakePypi } from '@tekton/mcp-testkit'
import type { FakePypi, LocalDistribution } from '@tekton/mcp-testkit'
import { run, temporaryHome } from './helpers'

const serverName = 'tekton-sdk-fixture'
const installTimeout = 900_000

const local = await findLocalWheelIndex({ project: 'mcp' })
const unavailable = 'unavailable' in local ? serviceUnavailable(pythonIndexService, local.unavailable) : undefined

const serverSource = `"""A tiny MCP server on the official Python SDK."""
from mcp.server.mcpserver import MCPServer

server = MCPServer(${JSON.stringify(serverName)})


@server.tool()
def add(a: int, b: int) -> int:
    """Adds two numbers."""
    return a + b


def main():
    server.run("stdio")
`

;(unavailable ? describe.skip : describe)(`a server on the real Python MCP SDK${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let index: FakePypi
  let closure: LocalDistribution[]
  let home: { directory: string; remove: () => Promise<void> }

  beforeAll(async () => {
    closure = await resolveLocalClosure('indexes' in local ? local.indexes : [], ['mcp'])
    const server = buildWheelProject(
      serverName,
      [{ version: '0.1.0', files: { 'tekton_sdk_fixture/__init__.py': serverSource }, requiresDist: ['mcp'], consoleScripts: { [serverName]: 'tekton_sdk_fixture:main' } }],
      { summary: 'A test MCP server on the official SDK', keywords: 'mcp' },
    )
    index = await startFakePypi({ projects: [server, ...(await projectsFromLocalFiles(closure))] })
    home = await temporaryHome()
  }, installTimeout)

  afterAll(async () => {
    await index?.close()
    await home?.remove()
  })

  it(
    'installs through the CLI with every file of the closure pinned to its index digest, and answers the handshake',
    async () => {
      const env = {
        PATH: process.env.PATH ?? '',
        HOME: home.directory,
        TEKTON_MCP_HOME: home.directory,
        TEKTON_MCP_SOURCES: 'pypi',
        PIP_INDEX_URL: index.indexUrl,
        PIP_CONFIG_FILE: '/dev/null',
        PIP_CACHE_DIR: path.join(home.directory, 'pip-cache'),
      }
      const installed = await run(['install', `pypi:${serverName}`, '--yes'], { env })
      expect(installed.stderr).toMatch(/^Install tekton-sdk-fixture 0\.1\.0\n/)
      expect(installed.code).toBe(0)
      expect(installed.stdout).toMatch(/\n {2}tools +1: add\n/)
      const list = await run(['list', '--json'], { env })
      const [server] = (JSON.parse(list.stdout) as { servers: Array<{ directory: string }> }).servers
      const lock = await readFile(path.join(server?.directory ?? '', 'requirements.txt'), 'utf8')
      const pins = lock.split('\n').filter((line) => line.includes('--hash=sha256:'))
      // The SDK's whole closure and the server itself, each pinned.
      expect(pins).toHaveLength(closure.length + 1)
      expect(lock).toMatch(/^mcp==2\.\d+\.\d+ --hash=sha256:[0-9a-f]{64}$/m)
      expect((await run(['verify', serverName], { env })).code).toBe(0)
    },
    installTimeout,
  )
})
