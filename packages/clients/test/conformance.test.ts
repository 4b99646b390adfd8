import { afterAll, beforeAll, describe, it } from '@jest/globals'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fixtureServerSource } from '@tekton/mcp-testkit'
import { clientDefinitions } from '../src/definitions'
import { clientWriterConformance, sampleClientFiles, sampleEntry } from '../src/testing/index'
import { createClientWriter } from '../src/writer'

// The fixture MCP server, started the way a client starts an entry we write: this node, by absolute path.
const serverDirectory = mkdtempSync(path.join(os.tmpdir(), 'tekton-clients-server-'))
const serverFile = path.join(serverDirectory, 'server.js')
writeFileSync(serverFile, fixtureServerSource({ name: 'conformance-fixture' }))
afterAll(() => rmSync(serverDirectory, { recursive: true, force: true }))

const goldenDirectory = path.join(import.meta.dirname, 'golden')
const extensions = { json: 'json', yaml: 'yaml', toml: 'toml' } as const

for (const definition of clientDefinitions) {
  // Golden files: what each client's file looks like after adding one entry to a hand-written one.
  // TEKTON_MCP_UPDATE_GOLDEN=1 writes them; review the diff before committing.
  const golden = path.join(goldenDirectory, `${definition.id}.after-add.${extensions[definition.format.name]}`)
  let goldenAfterAdd: string | undefined = existsSync(golden) ? readFileSync(golden, 'utf8') : undefined
  if (process.env.TEKTON_MCP_UPDATE_GOLDEN === '1') goldenAfterAdd = undefined
  clientWriterConformance(
    { describe, it, beforeAll, afterAll },
    { definition, server: { command: process.execPath, args: [serverFile] }, ...sampleClientFiles(definition), ...(goldenAfterAdd === undefined ? {} : { goldenAfterAdd }) },
  )
}

describe('golden files', () => {
  it('exist for every client (TEKTON_MCP_UPDATE_GOLDEN=1 writes them)', async () => {
    if (process.env.TEKTON_MCP_UPDATE_GOLDEN === '1') {
      for (const definition of clientDefinitions) {
        const base = mkdtempSync(path.join(os.tmpdir(), 'tekton-golden-'))
        const writer = createClientWriter(definition, { stateFile: path.join(base, 'data', 'state.json'), home: path.join(base, 'home'), cwd: base, env: {}, platform: 'linux' })
        const file = writer.locate('user')!
        mkdirSync(path.dirname(file), { recursive: true })
        writeFileSync(file, sampleClientFiles(definition).handwritten)
        await writer.add(sampleEntry('golden-server', { command: '/opt/tekton/bin/node', args: ['/opt/tekton/servers/golden/index.js', '--flag'] }))
        writeFileSync(path.join(goldenDirectory, `${definition.id}.after-add.${extensions[definition.format.name]}`), readFileSync(file, 'utf8'))
        rmSync(base, { recursive: true, force: true })
      }
    }
    for (const definition of clientDefinitions) {
      if (!existsSync(path.join(goldenDirectory, `${definition.id}.after-add.${extensions[definition.format.name]}`))) throw new Error(`no golden file for ${definition.id}`)
    }
  })
})
