/**
 * `install registry:<name>` driven by server.json: the official registry's entry for
 * `io.github.example/postgres-mcp` declares a required secret variable and named and positional
 * arguments; its npm package is the fixture MCP server on a loopback npm registry. Missing inputs
 * under --yes are one coded line; given (or typed) ones make the exact command line; a
 * remote-only entry asks for its header inputs the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { buildFixtureServerPackage, officialPostgresMcp, officialWeatherRemote, startFakeNpmRegistry, startFakeOfficialRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry, FakeOfficialRegistry } from '@tekton/mcp-testkit'
import { installEnvironment, run, temporaryHome } from './helpers'

const installTimeout = 600_000
const name = 'io.github.example/postgres-mcp'
const secret = 'pg-s3cret-never-printed'
let npm: FakeNpmRegistry
let official: FakeOfficialRegistry
const homes: Array<{ remove: () => Promise<void> }> = []

beforeAll(async () => {
  ;[npm, official] = await Promise.all([
    startFakeNpmRegistry({ packages: [buildFixtureServerPackage({ name: '@example/postgres-mcp-server', keywords: ['mcp'], versions: [{ version: '1.0.0' }] })] }),
    startFakeOfficialRegistry({ servers: [officialPostgresMcp({ npmIdentifier: '@example/postgres-mcp-server' }), officialWeatherRemote] }),
  ])
})

afterAll(async () => {
  await Promise.all([npm?.close(), official?.close(), ...homes.map((home) => home.remove())])
})

async function newEnv(): Promise<Record<string, string>> {
  const home = await temporaryHome()
  homes.push(home)
  // No engine is named: the OCI package's runtime is absent, so npm is chosen either way.
  return installEnvironment(npm.url, home.directory, { TEKTON_MCP_SOURCES: 'registry,npm', TEKTON_MCP_REGISTRY_URL: official.baseUrl, DOCKER_HOST: `unix://${home.directory}/none.sock` })
}

describe('install registry:<name> with server.json inputs', () => {
  it('under --yes, names every missing required input in one coded line and installs nothing', async () => {
    const env = await newEnv()
    const result = await run(['install', `registry:${name}`, '--yes'], { env })
    expect(result.code).toBe(2)
    const errorLines = result.stderr.split('\n').filter((line) => line.includes('E_MISSING_INPUT'))
    expect(errorLines).toHaveLength(1)
    expect(errorLines[0]).toContain(`${name} needs values for --statement-timeout, database_name, PGPASSWORD (secret)`)
    expect(result.stderr).toContain('--input')
    const listed = await run(['list', '--json'], { env })
    expect(JSON.parse(listed.stdout)).toMatchObject({ servers: [] })
  }, installTimeout)

  it('builds the exact command line from the values given, with the secret only in the environment', async () => {
    const env = await newEnv()
    const result = await run(
      ['install', `registry:${name}`, '--env', `PGPASSWORD=${secret}`, '--input=--statement-timeout=5000', '--input', 'database_name=app', '--input', 'extra_schema=audit', '--input', 'extra_schema=billing', '--yes'],
      { env },
    )
    expect(result.stderr).not.toContain('E_')
    expect(result.code).toBe(0)
    expect(`${result.stdout}${result.stderr}`).not.toContain(secret)
    const listed = JSON.parse((await run(['list', '--json'], { env })).stdout) as { servers: Array<{ registryType: string; launch: { args: string[]; env: Record<string, string> } }> }
    const server = listed.servers[0]!
    expect(server.registryType).toBe('npm')
    expect(server.launch.args.slice(1)).toEqual(['--schema', 'public', '--mode', 'read-only', '--statement-timeout', '5000', 'app', 'audit', 'billing'])
    expect(server.launch.args[0]).toMatch(/postgres-mcp-server\/bin\/server\.js$/)
    expect(server.launch.env).toMatchObject({ PGPASSWORD: '••••', PGSSLMODE: 'prefer' })
  }, installTimeout)

  it('asks for missing inputs on a terminal, the secret one without echo, and shows the plan with the answers', async () => {
    const env = await newEnv()
    const answers: Record<string, string> = { '--statement-timeout': '250', database_name: 'typed_db', PGPASSWORD: secret }
    const secretQuestions: string[] = []
    const result = await run(['install', `registry:${name}`], {
      env,
      isTTY: { stdout: false, stderr: false, stdin: true },
      prompt: (question) => {
        const key = Object.keys(answers).find((candidate) => question.includes(`needs ${candidate}`))
        if (key === 'PGPASSWORD') secretQuestions.push(question)
        return key ? answers[key]! : 'y'
      },
    })
    expect(result.code).toBe(0)
    expect(result.questions).toHaveLength(4)
    expect(secretQuestions[0]).toContain('typed without echo')
    expect(result.stderr).toContain('--statement-timeout 250 typed_db')
    expect(`${result.stdout}${result.stderr}`).not.toContain(secret)
  }, installTimeout)

  it('asks a remote-only server for its header inputs like any other required input', async () => {
    const env = await newEnv()
    const result = await run(['install', 'registry:com.example/weather', '--yes'], { env })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('E_MISSING_INPUT')
    expect(result.stderr).toContain('X-API-Key (secret)')
    expect(result.stderr).toContain('--input X-API-Key=')
  }, installTimeout)
})
