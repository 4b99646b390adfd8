/**
 * The trust report as a user meets it, end to end in-process: a loopback npm registry serving the
 * poisoned fixture server (a zero-width character and an <IMPORTANT> "ignore previous
 * instructions" block in one tool's description), a look-alike of a reference server and the
 * plain fixture; a real npm installs them and a real handshake reads their tools.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { buildFixtureServerPackage, fixtureNpmPackages, poisonedServerPackage, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import type { FakeNpmRegistry } from '@tekton/mcp-testkit'
import { installEnvironment, run, temporaryHome } from './helpers'

const poisoned = 'npm:@fixture/poisoned-server'
/** Real installs and handshakes: minutes on a loaded machine; the limit only catches a hang. */
const installTimeout = 600_000

let registry: FakeNpmRegistry
const homes: Array<{ remove: () => Promise<void> }> = []

async function newEnvironment(): Promise<Record<string, string>> {
  const home = await temporaryHome()
  homes.push(home)
  return installEnvironment(registry.url, home.directory)
}

beforeAll(async () => {
  registry = await startFakeNpmRegistry({
    packages: [...Object.values(fixtureNpmPackages()), poisonedServerPackage(), buildFixtureServerPackage({ name: '@modelcontextprotocol/server-memroy', versions: [{ version: '1.0.0' }] })],
  })
})

afterAll(async () => {
  await registry.close()
  for (const home of homes) await home.remove()
})

interface TrustJson {
  lint: { status: string; findings: Array<{ rule: string; excerpt: string }> }
  lookAlikes: Array<{ resembles: string }>
  collisions: Array<{ tool: string; servers: string[] }>
}

interface AuditJson {
  ok: boolean
  failures: Array<{ server: string; version: string; check: string; status: string; detail: string }>
  servers: Array<TrustJson & { server: string }>
}

describe('installing a server whose tool description is poisoned', () => {
  it('shows the trust report before asking, then the zero-width character and the block, and asks again', async () => {
    const env = await newEnvironment()
    const questions: string[] = []
    const result = await run(['install', poisoned, '--json'], {
      env,
      isTTY: { stdout: false, stderr: false, stdin: true },
      prompt: (question) => {
        questions.push(question)
        return 'y'
      },
    })
    expect(result.code).toBe(0)
    expect(questions).toEqual([expect.stringContaining('Install?'), expect.stringContaining('Install anyway?')])
    // The report came before the first question; the findings after the handshake, before the second.
    const report = result.stderr.indexOf('trust report')
    const finding = result.stderr.indexOf('hidden-unicode.zero-width')
    expect(report).toBeGreaterThanOrEqual(0)
    expect(result.stderr).toMatch(/signature\s+not checked/)
    expect(finding).toBeGreaterThan(report)
    expect(result.stderr).toContain('Adds two<U+200B> numbers')
    expect(result.stderr).toMatch(/model-directed\.ignore-instructions .*Ignore all previous instructions/)
    const output = JSON.parse(result.stdout) as { trust: TrustJson }
    expect(output.trust.lint.findings.map((entry) => entry.rule)).toEqual(expect.arrayContaining(['hidden-unicode.zero-width', 'model-directed.ignore-instructions', 'model-directed.markup-block']))

    // audit shows the stored findings again, without starting anything.
    // Installed under the warning policy: the findings are shown, and do not fail the audit.
    const audit = await run(['audit', '--json'], { env })
    expect(audit.code).toBe(0)
    const audited = JSON.parse(audit.stdout) as AuditJson
    expect(audited.servers.map((server) => [server.server, server.lint.status])).toEqual([['@fixture/poisoned-server', 'findings']])
    expect(audited).toMatchObject({ ok: true, failures: [] })

    // Once the policy refuses findings, the same record fails the audit: exit 1, with the same text.
    const text = await run(['audit'], { env })
    expect((await run(['config', 'set', 'policy.lint', 'refuse'], { env })).code).toBe(0)
    const strictText = await run(['audit'], { env })
    expect(strictText.code).toBe(1)
    expect(strictText.stdout).toBe(text.stdout)
    const strict = await run(['audit', '--json'], { env })
    expect(strict.code).toBe(1)
    const strictJson = JSON.parse(strict.stdout) as AuditJson
    expect(strictJson.ok).toBe(false)
    expect(strictJson.failures).toEqual([
      expect.objectContaining({ server: '@fixture/poisoned-server', version: '1.0.0', check: 'lint', status: 'findings', detail: expect.stringMatching(/refused by the policy \(.+\)$/) }),
    ])
  }, installTimeout)

  it('installs nothing when the user says no after reading the findings', async () => {
    const env = await newEnvironment()
    const result = await run(['install', poisoned], { env, isTTY: { stdout: false, stderr: false, stdin: true }, prompt: (question) => (question.includes('anyway') ? 'n' : 'y') })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('E_CANCELLED')
    const list = await run(['list', '--json'], { env })
    expect(JSON.parse(list.stdout)).toEqual({ servers: [] })
  }, installTimeout)

  it('is refused under --lint-policy refuse, naming the rules, and leaves nothing installed', async () => {
    const env = await newEnvironment()
    const result = await run(['install', poisoned, '--yes', '--lint-policy', 'refuse'], { env })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/E_LINT_REFUSED: .*hidden-unicode\.zero-width.*model-directed\.ignore-instructions/)
    const list = await run(['list', '--json'], { env })
    expect(JSON.parse(list.stdout)).toEqual({ servers: [] })
  }, installTimeout)
})

describe('names and tools other servers have', () => {
  it('warns for a look-alike of a reference server before asking, and audit names the tools two servers share', async () => {
    const env = await newEnvironment()
    const lookAlike = await run(['install', 'npm:@modelcontextprotocol/server-memroy', '--yes'], { env })
    expect(lookAlike.code).toBe(0)
    expect(lookAlike.stderr).toMatch(/look-alike\s+! resembles @modelcontextprotocol\/server-memory \(a well-known server\): one edit apart/)
    const plain = await run(['install', 'npm:@fixture/mcp-server@1.0.0', '--yes'], { env })
    expect(plain.code).toBe(0)
    expect(plain.stderr).toMatch(/look-alike\s+none/)
    expect(plain.stdout).toMatch(/tool names\s+also offered by another installed server: echo \(@modelcontextprotocol\/server-memroy\)/)
    const audit = await run(['audit'], { env })
    expect(audit.code).toBe(0)
    expect(audit.stdout).toContain('2 tool names are offered by more than one server')
    expect(audit.stdout).toContain('echo: @fixture/mcp-server, @modelcontextprotocol/server-memroy')
  }, installTimeout)
})
