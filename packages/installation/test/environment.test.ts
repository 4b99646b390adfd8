import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { buildServerEnvironment, forbiddenEnvironment } from '../src/index'
import { checkEnvironmentVariables, declaredEnvironment, isForbiddenEnvironmentName, isSecretVariable, redactEnvironment, redactSecretValues } from '../src/environment'

const parent = {
  HOME: '/home/ada',
  LOGNAME: 'ada',
  PATH: '/usr/bin:/bin',
  SHELL: '/bin/zsh',
  TERM: 'xterm',
  USER: 'ada',
  LANG: 'en_GB.UTF-8',
  TZ: 'Europe/London',
  TEKTON_CANARY_SECRET: 'canary',
  GITHUB_TOKEN: 'ghp_secret',
  NODE_OPTIONS: '--require /tmp/evil.js',
  npm_config_registry: 'http://evil.invalid/',
  PYTHONPATH: '/tmp/evil',
  LD_PRELOAD: '/tmp/evil.so',
  DYLD_INSERT_LIBRARIES: '/tmp/evil.dylib',
  SYSTEMROOT: 'C:\\Windows',
}

describe('buildServerEnvironment', () => {
  it('passes the allow-list only, then declared defaults, then configured values', () => {
    const environment = buildServerEnvironment(parent, [{ name: 'MODE', default: 'fast' }, { name: 'REGION', value: 'eu' }, { name: 'NO_DEFAULT' }], { MODE: 'slow', API_KEY: 'k' }, { platform: 'linux' })
    expect(environment).toEqual({
      HOME: '/home/ada',
      LOGNAME: 'ada',
      PATH: '/usr/bin:/bin',
      SHELL: '/bin/zsh',
      TERM: 'xterm',
      USER: 'ada',
      LANG: 'en_GB.UTF-8',
      TZ: 'Europe/London',
      MODE: 'slow',
      REGION: 'eu',
      API_KEY: 'k',
    })
  })

  it('adds the Windows variables on Windows only, whatever their case', () => {
    const windows = buildServerEnvironment({ Path: 'C:\\bin', SystemRoot: 'C:\\Windows', APPDATA: 'C:\\AppData', SECRET: 'x' }, {}, {}, { platform: 'win32' })
    expect(windows).toEqual({ PATH: 'C:\\bin', SYSTEMROOT: 'C:\\Windows', APPDATA: 'C:\\AppData' })
    expect(buildServerEnvironment(parent, {}, {}, { platform: 'darwin' }).SYSTEMROOT).toBeUndefined()
  })

  it('never passes an exported shell function', () => {
    expect(buildServerEnvironment({ SHELL: '() { :; }; echo pwned', PATH: '/bin' }).SHELL).toBeUndefined()
  })

  it.each(['NODE_OPTIONS', 'node_options', 'npm_config_registry', 'NPM_CONFIG_USERCONFIG', 'PYTHONPATH', 'LD_PRELOAD', 'LD_BIND_NOW', 'DYLD_INSERT_LIBRARIES', 'NODE_PATH', 'BASH_ENV', 'OPENSSL_CONF', 'openssl_engines', 'PYTHONBREAKPOINT', 'JAVA_TOOL_OPTIONS'])(
    'refuses %s even when configured or declared (E_FORBIDDEN_ENV)',
    (name) => {
      expect(isForbiddenEnvironmentName(name)).toBe(true)
      expect(() => buildServerEnvironment(parent, {}, { [name]: 'x' })).toThrow(expect.objectContaining({ code: 'E_FORBIDDEN_ENV' }))
      expect(() => buildServerEnvironment(parent, { [name]: 'x' }, {})).toThrow(expect.objectContaining({ code: 'E_FORBIDDEN_ENV' }))
    },
  )

  it.each(['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'PYTHONUNBUFFERED', 'PYTHONIOENCODING', 'ENV'])('passes %s when configured (reviewed: not code)', (name) => {
    expect(isForbiddenEnvironmentName(name)).toBe(false)
    expect(buildServerEnvironment(parent, {}, { [name]: 'x' })[name]).toBe('x')
  })

  it('is documented exactly: docs/mcp/security.md lists every forbidden variable and prefix', () => {
    const security = readFileSync(new URL('../../../docs/mcp/security.md', import.meta.url), 'utf8')
    for (const name of forbiddenEnvironment.names) expect(security).toContain(`\`${name}\``)
    for (const prefix of forbiddenEnvironment.prefixes) expect(security).toContain(`\`${prefix}*\``)
  })

  it('refuses invalid names and values', () => {
    expect(() => checkEnvironmentVariables({ '1ABC': 'x' }, 'test')).toThrow(expect.objectContaining({ code: 'E_INVALID_INPUT' }))
    expect(() => checkEnvironmentVariables({ 'A=B': 'x' }, 'test')).toThrow(expect.objectContaining({ code: 'E_INVALID_INPUT' }))
    expect(() => checkEnvironmentVariables({ OK: 'nul\0' }, 'test')).toThrow(expect.objectContaining({ code: 'E_INVALID_INPUT' }))
    expect(() => checkEnvironmentVariables({ OK: 42 }, 'test')).toThrow(expect.objectContaining({ code: 'E_INVALID_INPUT' }))
    expect(() => checkEnvironmentVariables({ OK: 'x'.repeat(40_000) }, 'test')).toThrow(expect.objectContaining({ code: 'E_INVALID_INPUT' }))
    expect(checkEnvironmentVariables({ OK_1: 'fine' }, 'test')).toEqual({ OK_1: 'fine' })
  })
})

describe('secrets', () => {
  it('knows secrets from the metadata and from their names', () => {
    const declared = [{ name: 'PLAIN', isSecret: true }, { name: 'MODE' }]
    expect(isSecretVariable('PLAIN', declared)).toBe(true)
    expect(isSecretVariable('MODE', declared)).toBe(false)
    for (const name of ['GITHUB_TOKEN', 'OPENAI_API_KEY', 'DB_PASSWORD', 'CLIENT_SECRET', 'AWS_ACCESS_KEY_ID']) expect(isSecretVariable(name)).toBe(true)
    expect(isSecretVariable('LOG_LEVEL')).toBe(false)
  })

  it('redacts values by name and occurrences in text', () => {
    expect(redactEnvironment({ A: '1', B: '2' }, ['B'])).toEqual({ A: '1', B: '••••' })
    expect(redactSecretValues('token abcdef and abcdef again; x', ['abcdef', 'x'])).toBe('token •••• and •••• again; x')
    expect(declaredEnvironment(undefined)).toEqual({})
    expect(declaredEnvironment([{ name: 'A', default: '1' }, { default: 'nameless' }])).toEqual({ A: '1' })
  })
})
