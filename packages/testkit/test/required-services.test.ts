import { describe, expect, it, jest } from '@jest/globals'
import { requiredServices, serviceIsRequired, serviceUnavailable } from '../src/index'

describe('required services', () => {
  it('reads the comma-separated list, ignoring case and blanks', () => {
    const env = { TEKTON_MCP_REQUIRE_SERVICES: ' Redis, postgres ,,' }
    expect([...requiredServices(env)]).toEqual(['redis', 'postgres'])
    expect(serviceIsRequired('redis', env)).toBe(true)
    expect(serviceIsRequired('docker', env)).toBe(false)
    expect(serviceIsRequired('docker', { TEKTON_MCP_REQUIRE_SERVICES: 'all' })).toBe(true)
  })

  it('fails a required service that did not start, with the reason', () => {
    expect(() => serviceUnavailable('redis', 'redis-server is not on PATH', { TEKTON_MCP_REQUIRE_SERVICES: 'redis' })).toThrow(
      /redis is unavailable: redis-server is not on PATH \(TEKTON_MCP_REQUIRE_SERVICES names redis/,
    )
  })

  it('lets an optional service skip, saying why', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      expect(serviceUnavailable('docker', 'no engine answered', {})).toBe('docker is unavailable: no engine answered')
      expect(warn).toHaveBeenCalledWith('skipping tests that need docker is unavailable: no engine answered')
    } finally {
      warn.mockRestore()
    }
  })
})
