import { describe, expect, it } from '@jest/globals'
import { maskSecretInputs, unmaskSecretInputs } from '../src/secret-inputs'

describe('secret inputs in a record', () => {
  it('round-trips exactly when one value also occurs in placeholder text or inside another value', () => {
    const values = { api_token: 'tok:en/with space', tenant: 't', short: 'secret' }
    const record = {
      url: 'https://example.test/mcp?tenant=t&key=tok%3Aen%2Fwith%20space',
      args: ['--api-token', 'tok:en/with space', '--mode', 'secret'],
      path: '/home/tester/servers/x',
    }
    const masked = maskSecretInputs(record, values)
    const written = JSON.stringify(masked)
    expect(written).not.toContain('tok:en/with space')
    expect(written).not.toContain('tok%3Aen%2Fwith%20space')
    expect(masked.args[1]).toBe('{tekton-secret:api_token}')
    expect(masked.args[3]).toBe('{tekton-secret:short}')
    expect(unmaskSecretInputs(masked, values)).toEqual(record)
  })

  it('leaves records without secret values untouched', () => {
    const record = { args: ['--flag'], url: 'https://example.test' }
    expect(maskSecretInputs(record, {})).toBe(record)
    expect(unmaskSecretInputs(record, {})).toBe(record)
  })
})
