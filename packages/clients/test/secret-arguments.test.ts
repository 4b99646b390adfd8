import { describe, expect, it } from '@jest/globals'
import { clientDefinitions } from '../src/definitions'
import { sampleEntry } from '../src/testing/index'
import { createClientWriter } from '../src/writer'

// An entry whose argv holds a secret argument: written only through the launcher, or with plainSecrets.
const desktop = clientDefinitions.find((definition) => definition.id === 'claude-desktop')!
const entry = sampleEntry('keyed', { command: '/usr/bin/node', args: ['/srv/keyed/index.js', '--api-token', 'tok-real-5150'] }, { maskedArgs: ['/srv/keyed/index.js', '--api-token', '{tekton-secret:--api-token}'] })
const writerWith = (options: { plainSecrets?: boolean; launcher?: boolean }) =>
  createClientWriter(desktop, {
    stateFile: '/tmp/unused-state.json', home: '/tmp/unused-home', cwd: '/tmp', env: {}, platform: 'linux',
    ...(options.plainSecrets ? { plainSecrets: true } : {}),
    ...(options.launcher ? { launchWithSecrets: () => ({ command: '/usr/bin/node', args: ['/lib/launcher.js', '--home', '/data', 'keyed'] }) } : {}),
  })

describe('secret package arguments in a client entry', () => {
  it('run the launcher, so the file never holds the value', () => {
    const rendered = writerWith({ launcher: true }).render(entry)
    expect(JSON.stringify(rendered.value)).not.toContain('tok-real-5150')
    expect(JSON.stringify(rendered.value)).toContain('/lib/launcher.js')
  })

  it('are written in plain text only when asked (plainSecrets), and refused without a launcher', () => {
    expect(JSON.stringify(writerWith({ plainSecrets: true }).render(entry).value)).toContain('tok-real-5150')
    expect(() => writerWith({}).render(entry)).toThrow(expect.objectContaining({ code: 'E_CLIENT_SECRETS' }))
  })
})
