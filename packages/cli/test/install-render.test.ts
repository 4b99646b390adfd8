import { describe, expect, it } from '@jest/globals'
import { PassThrough } from 'node:stream'
import { buildTrustReport } from '@tekton/mcp-installation'
import type { InstallOutcome, InstallPlan, InstalledServerView, TrustReport, VerificationResult, VerifyOutcome } from '@tekton/mcp-installation'
import { PromptInterruptedError, askOnTerminal, resolveIo } from '../src/io'
import type { CliIo } from '../src/io'
import { renderDoctor } from '../src/output/doctor'
import type { DoctorOutput } from '../src/output/doctor'
import { commandLine, renderConfigure, renderInstall, renderList, renderPlan, renderUninstall, renderUpdate, renderVerify } from '../src/output/install'
import { createStyle } from '../src/output/style'
import { createProgress, createStepReporter } from '../src/progress'
import type { StepEvent } from '../src/progress'

const plain = createStyle(false)

/** The report of a plain npm server before its handshake, as the service computes it. */
function trustReport(): TrustReport {
  return buildTrustReport({
    server: 'example-mcp',
    version: '1.2.3',
    ref: 'npm:example-mcp',
    registryType: 'npm',
    identifier: 'example-mcp',
    installer: 'node',
    ownershipFacts: [],
    allowScripts: false,
    handshake: 'pending',
    lintPolicy: 'warn',
    otherServers: [],
    installedPackages: [],
    now: () => Date.UTC(2026, 0, 1),
  })
}

function plan(overrides: Partial<InstallPlan> = {}): InstallPlan {
  return {
    name: 'example-mcp',
    ref: 'npm:example-mcp',
    slug: 'example-mcp-0011aabb',
    version: '1.2.3',
    exact: true,
    installer: 'node',
    package: { registryType: 'npm', identifier: 'example-mcp' },
    directory: '/data/servers/example-mcp-0011aabb/versions/1.2.3',
    launch: { command: '/usr/bin/node', args: ['/data/x/index.js', 'two words', "it's"], env: { API_KEY: '••••' } },
    envNames: ['API_KEY'],
    requirements: { ok: true, checks: [{ requirement: 'Node.js', ok: true, found: 'node 20.0.0 at /usr/bin/node' }] },
    allowScripts: false,
    handshake: true,
    mcpSigns: ['npm: keyword:mcp'],
    notes: [],
    trust: trustReport(),
    ...overrides,
  }
}

function view(overrides: Partial<InstalledServerView> = {}): InstalledServerView {
  return {
    name: 'example-mcp',
    slug: 'example-mcp-0011aabb',
    ref: 'npm:example-mcp',
    source: { name: 'example-mcp', description: 'An example' },
    installer: 'node',
    registryType: 'npm',
    identifier: 'example-mcp',
    activeVersion: '1.2.3',
    versions: {},
    configuration: { env: {}, args: [] },
    environmentVariables: [],
    allowScripts: false,
    installedAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    directory: '/data/servers/example-mcp-0011aabb/versions/1.2.3',
    currentDirectory: '/data/servers/example-mcp-0011aabb/current',
    launch: { command: '/usr/bin/node', args: ['/data/x/index.js'], env: {} },
    handshake: null,
    missingEnv: [],
    ...overrides,
  } as InstalledServerView
}

function outcome(overrides: Partial<InstallOutcome> = {}): InstallOutcome {
  return { changed: true, server: view(), version: '1.2.3', handshake: null, notes: [], durationMs: 1234, ...overrides }
}

function verify(overrides: Partial<VerifyOutcome> = {}): VerifyOutcome {
  return {
    name: 'example-mcp',
    version: '1.2.3',
    directory: '/data/v',
    ok: true,
    files: { ok: true, expected: 'sha256:aa', actual: 'sha256:aa', changed: [], missing: [], added: [], manifestIntact: true },
    launch: { ok: true, problems: [] },
    verification: null,
    handshake: null,
    trust: trustReport(),
    notes: [],
    ...overrides,
  }
}

/** A verification as the node installer reports it for a signed, attested package. */
const verified: VerificationResult = {
  signature: { status: 'verified', keyId: 'SHA256:abc', present: true, detail: 'signed by the registry' },
  provenance: { status: 'verified', repository: 'https://github.com/o/r', workflow: '.github/workflows/release.yml@refs/tags/v1.2.3', detail: 'logged' },
  ownership: { status: 'verified', by: 'npm mcpName', detail: 'the package.json claims io.github.o/r' },
}

describe('the plan shown before an install', () => {
  it('shows the whole command line quoted as a shell reads it, variable names but no values', () => {
    const text = renderPlan({ action: 'install', plan: plan() }, plain)
    expect(text).toMatch(/^Install example-mcp 1\.2\.3\n/)
    expect(text).toContain(`  command    /usr/bin/node /data/x/index.js 'two words' 'it'\\''s'\n`)
    expect(text).toContain('  env        API_KEY (values not shown)\n')
    expect(text).not.toContain('••••')
    expect(text).toContain('  scripts    install scripts do not run\n')
  })

  it('says why the package is taken for an MCP server, or that nothing says it is', () => {
    expect(renderPlan({ action: 'install', plan: plan() }, plain)).toContain('  mcp        npm: keyword:mcp\n')
    expect(renderPlan({ action: 'install', plan: plan({ mcpSigns: [] }) }, plain)).toContain('  mcp        no sign of an MCP server: no MCP registry listing, keyword, name or SDK dependency\n')
  })

  it('calls a reinstall and a downgrade by their names', () => {
    const reinstall = renderPlan({ action: 'reinstall', plan: plan({ installedVersion: '1.2.3', versionChange: 'same' }) }, plain)
    expect(reinstall).toMatch(/^Reinstall example-mcp 1\.2\.3\n/)
    expect(reinstall).toContain('note: Fresh files for the installed version; the installed files stay in use until the new ones pass the handshake\n')
    const downgrade = renderPlan({ action: 'update', fromVersion: '2.0.0', plan: plan({ installedVersion: '2.0.0', versionChange: 'downgrade' }) }, plain)
    expect(downgrade).toMatch(/^Downgrade example-mcp 2\.0\.0 → 1\.2\.3\n/)
    expect(downgrade).toContain('note: 1.2.3 is older than the active 2.0.0: this is a downgrade\n')
    expect(renderPlan({ action: 'update', fromVersion: '1.0.0', plan: plan({ installedVersion: '1.0.0', versionChange: 'upgrade' }) }, plain)).not.toContain('downgrade')
  })

  it('says what it cannot know yet, and what is risky', () => {
    const text = renderPlan(
      {
        action: 'update',
        fromVersion: '1.0.0',
        plan: plan({
          launch: undefined,
          envNames: [],
          allowScripts: true,
          handshake: false,
          requirements: { ok: false, checks: [{ requirement: 'Node.js >=99', ok: false, hint: 'install Node.js 99' }] },
          notes: ['The node installer cannot tell the command before installing'],
        }),
      },
      plain,
    )
    expect(text).toMatch(/^Update example-mcp 1\.0\.0 → 1\.2\.3\n/)
    expect(text).toContain('  command    known only after the install\n')
    expect(text).toContain('install scripts run (--allow-scripts)')
    expect(text).toContain('skipped: the server is not started')
    expect(text).toContain('missing: Node.js >=99')
    expect(text).toContain('  env        none besides PATH, HOME and the like\n')
    expect(text).toContain('  note: The node installer cannot tell the command before installing\n')
  })

  it('strips terminal escapes from registry data in a command line', () => {
    expect(commandLine('/bin/x', ['\u001b[2Jevil'])).toBe("/bin/x '[2Jevil'")
    expect(commandLine('/bin/x', [''])).toBe("/bin/x ''")
  })
})

describe('cards', () => {
  it('marks a skipped handshake and variables still needed', () => {
    const text = renderInstall(outcome({ server: view({ missingEnv: ['API_KEY'], launch: { command: '/n', args: [], env: { API_KEY: '' } } }), notes: ['Handshake skipped'] }), plain)
    expect(text).toMatch(/^✓ Installed example-mcp 1\.2\.3 in 1\.2 s\n/)
    expect(text).toContain('tools      not recorded: the handshake was skipped')
    expect(text).toContain('needs      API_KEY (not configured)')
    expect(text).toContain('note: Handshake skipped\n')
  })

  it('lists at most twenty names, then says how many more', () => {
    const tools = Array.from({ length: 25 }, (_value, index) => ({ name: `tool${index}`, inputSchema: {}, sha256: 'x' }))
    const handshake = { serverInfo: { name: 's', version: '1' }, protocolVersion: '2025-06-18', capabilities: {}, tools, resources: [], prompts: [], durationMs: 1, completedAt: '2025-01-01T00:00:00Z' }
    const text = renderInstall(outcome({ server: view({ handshake }), handshake }), plain)
    expect(text).toContain('tools      25: tool0, tool1,')
    expect(text).toContain('tool19, … 5 more\n')
    expect(text).toContain('resources  0\n')
  })

  it('shows an update with its tool changes, and --all results one per line', () => {
    const updated = renderUpdate(outcome({ previousVersion: '1.0.0', version: '2.0.0', toolDiff: { added: ['new'], removed: ['old'], changed: [{ name: 'echo', fields: ['inputSchema'] }], unchanged: [] } }), plain)
    expect(updated).toMatch(/^✓ Updated example-mcp 1\.0\.0 → 2\.0\.0 in 1\.2 s\n/)
    expect(updated).toContain('tool changes  + new; - old; ~ echo (inputSchema)\n')
    expect(renderUpdate(outcome({ toolDiff: { added: [], removed: [], changed: [], unchanged: ['echo'] } }), plain)).toContain('tool changes  none\n')
    const all = renderUpdate(
      {
        results: [
          { name: 'a', ok: true, outcome: outcome({ previousVersion: '1.0.0', version: '2.0.0' }) },
          { name: 'b', ok: true, outcome: outcome({ changed: false }) },
          { name: 'c', ok: false, error: { code: 'E_TOOLS_CHANGED', message: 'changed' } },
        ],
      },
      plain,
    )
    expect(all).toBe('✓ a 1.0.0 → 2.0.0\n= b 1.2.3 up to date\n✗ c E_TOOLS_CHANGED: changed\n')
  })

  it('shows what uninstall removed and its notes', () => {
    expect(renderUninstall({ name: 'x', versions: [], removed: '/data/servers/x', notes: ['kept an image'] }, plain)).toBe('✓ Removed x (/data/servers/x)\nnote: kept an image\n')
  })

  it('lists servers still needing variables under the table', () => {
    const text = renderList({ servers: [view({ missingEnv: ['API_KEY', 'OTHER'] })] }, plain)
    expect(text).toContain('example-mcp needs API_KEY, OTHER: tekton-mcp configure example-mcp --env API_KEY=...\n')
  })

  it('shows the current settings when nothing was set: values, secrets masked, declared variables', () => {
    const text = renderConfigure(
      {
        ...view({
          configuration: { env: { API_KEY: '••••', ROOT: '/my files' }, args: ['--verbose'] },
          environmentVariables: [{ name: 'API_KEY', isRequired: true, isSecret: true }, { name: 'ROOT', default: '/tmp' }],
        }),
        changed: false,
      },
      plain,
    )
    expect(text).toMatch(/^example-mcp \S+ settings\n/)
    expect(text).toContain("  env       API_KEY=•••• ROOT='/my files'\n")
    expect(text).toContain('  args      --verbose\n')
    expect(text).toContain('  declares  API_KEY (required, secret), ROOT (default /tmp)\n')
  })

  it('shows a configured server without values', () => {
    const text = renderConfigure({ ...view({ configuration: { env: {}, args: [] }, missingEnv: ['TOKEN'] }), changed: true }, plain)
    expect(text).toContain('env     none\n')
    expect(text).toContain('args    none\n')
    expect(text).toContain('needs   TOKEN (not configured)\n')
  })
})

describe('verification', () => {
  it('shows one line per check in the plan: the key, where it was built (not that it is safe), ownership', () => {
    const text = renderPlan({ action: 'install', plan: plan({ verification: verified }) }, plain)
    expect(text).toMatch(/\n  signature +verified \(registry key SHA256:abc\)\n/)
    expect(text).toContain('  provenance  built from https://github.com/o/r by .github/workflows/release.yml@refs/tags/v1.2.3 (where it was built, not that it is safe)\n')
    expect(text).toMatch(/\n  ownership +verified by npm mcpName/)
  })

  it('shows a failed check with its code, and an unsigned mirror as not checked', () => {
    const failed = { ...verified, signature: { status: 'failed' as const, code: 'E_SIGNATURE_INVALID', detail: 'does not match' }, provenance: { status: 'absent' as const, detail: 'published without provenance' } }
    const text = renderPlan({ action: 'install', plan: plan({ verification: failed }) }, plain)
    expect(text).toMatch(/\n  signature +FAILED E_SIGNATURE_INVALID: does not match\n/)
    expect(text).toContain('  provenance  none: published without provenance\n')
    const mirror = { ...verified, signature: { status: 'no-keys' as const, detail: 'the registry serves no signing keys' } }
    expect(renderInstall(outcome({ verification: mirror }), plain)).toMatch(/\n  signature +not checked: the registry serves no signing keys\n/)
  })

  it('verify names what no longer verifies', () => {
    const text = renderVerify(verify({ ok: false, verification: { ok: false, result: verified, problems: ['provenance: verified at install time, not now'] } }), plain)
    expect(text).toMatch(/^✗ example-mcp 1\.2\.3: verification failed\n/)
    expect(text).toMatch(/\n  trust +provenance: verified at install time, not now\n/)
  })
})

describe('verify', () => {
  it('names changed, missing and added files, a failed handshake and changed tools', () => {
    const failedFiles = renderVerify(
      verify({
        ok: false,
        files: { ok: false, expected: 'sha256:aa', actual: 'sha256:bb', changed: ['a.js'], missing: ['b.js'], added: ['c.js'], manifestIntact: true },
        handshake: { ok: false, error: { code: 'E_HANDSHAKE_EXIT', message: 'exited with code 1' } },
      }),
      plain,
    )
    expect(failedFiles).toMatch(/^✗ example-mcp 1\.2\.3: files changed, handshake failed\n/)
    expect(failedFiles).toContain('changed    a.js\n')
    expect(failedFiles).toContain('missing    b.js\n')
    expect(failedFiles).toContain('added      c.js\n')
    expect(failedFiles).toContain('handshake  failed E_HANDSHAKE_EXIT: exited with code 1\n')
    const result = { serverInfo: { name: 's', version: '1' }, protocolVersion: 'p', capabilities: {}, tools: [], resources: [], prompts: [], durationMs: 1, completedAt: '' }
    const changedTools = renderVerify(verify({ ok: false, handshake: { ok: true, result, toolDiff: { added: [], removed: ['gone'], changed: [], unchanged: [] } } }), plain)
    expect(changedTools).toMatch(/^✗ example-mcp 1\.2\.3: tools changed\n/)
    expect(changedTools).toContain('tools changed: - gone')
    // The recomputed trust report follows the checks.
    expect(renderVerify(verify(), plain)).toMatch(/^✓ example-mcp 1\.2\.3: files intact\n[\s\S]*handshake {2}skipped\ntrust report\n[\s\S]*lint {10}checked after the handshake/)
    const escaped = renderVerify(verify({ ok: false, launch: { ok: false, problems: ['the command /bin/sh is outside /data/v'] } }), plain)
    expect(escaped).toMatch(/^✗ example-mcp 1\.2\.3: launch command outside the install\n/)
    expect(escaped).toContain('launch     the command /bin/sh is outside /data/v\n')
  })
})

describe('doctor', () => {
  it('marks required failures ✗ and optional ones !', () => {
    const output: DoctorOutput = {
      ok: false,
      runtimes: [{ name: 'node', required: true, found: false, note: 'install Node.js' }],
      directories: [{ name: 'data', path: '/d', required: true, writable: false, error: 'EACCES' }],
      registries: [{ source: 'npm', name: 'npm', reachable: false, durationMs: 5, error: { code: 'E_TIMEOUT', message: 'timed out' } }],
      ergon: { configured: false, autoRegister: false },
      problems: ['node is not on the PATH'],
      warnings: [],
    }
    const text = renderDoctor(output, plain)
    expect(text).toContain('✗  node  not found')
    expect(text).toContain('✗  data  /d  not writable: EACCES')
    expect(text).toContain('!  npm  E_TIMEOUT: timed out')
    expect(text).toMatch(/\n1 required check failed:\n {2}node is not on the PATH\n$/)
    expect(renderDoctor({ ...output, ok: true, problems: [], warnings: ['x'] }, plain)).toMatch(/Ready to install MCP servers \(1 warning\)\.\n$/)
  })
})

describe('step lines', () => {
  function capture(isTTY: boolean): { io: CliIo; text: () => string } {
    let text = ''
    const io = resolveIo({ stdout: () => {}, stderr: (chunk) => void (text += chunk), isTTY: { stdout: isTTY, stderr: isTTY }, env: {}, columns: 80 })
    return { io, text: () => text }
  }

  it('prints a line per finished step, nested steps indented, with a spinner only on a terminal', () => {
    const { io, text } = capture(true)
    const progress = createProgress(io)
    let clock = 0
    const steps = createStepReporter(io, progress, { colour: false, now: () => clock })
    steps.listener({ step: 'install', phase: 'start' })
    steps.listener({ step: 'download', phase: 'start', detail: 'http://x/y.tgz' })
    clock = 340
    steps.listener({ step: 'download', phase: 'done' })
    steps.listener({ step: 'handshake', phase: 'start' })
    clock = 2440
    steps.fail()
    steps.fail()
    steps.heading('update x')
    progress.stop()
    // What stays on screen: each line after the spinner's last erase.
    const lines = text().split('\n').map((line) => line.split('\r\u001b[2K').at(-1))
    expect(lines).toEqual(['  ✓ download      340 ms  http://x/y.tgz', '  ✗ handshake      2.1 s', 'update x', ''])
    expect(text()).toContain('⠋ install')
  })

  it("prints each step once: an installer's steps named like the service's own are not repeated under them", () => {
    const { io, text } = capture(false)
    const steps = createStepReporter(io, createProgress(io), { colour: false, now: () => 0 })
    // What an npm install reports: the service's steps, the installer's inside `install`.
    const events: Array<[string, 'start' | 'done']> = [
      ['resolve', 'start'], ['resolve', 'done'], ['requirements', 'start'], ['requirements', 'done'], ['install', 'start'],
      ['resolve', 'start'], ['resolve', 'done'], ['requirements', 'start'], ['requirements', 'done'], ['download', 'start'], ['download', 'done'],
      ['verify', 'start'], ['verify', 'done'], ['install', 'start'], ['install', 'done'], ['install', 'done'], ['handshake', 'start'], ['handshake', 'done'],
    ]
    for (const [step, phase] of events) steps.listener({ step: step as StepEvent['step'], phase, durationMs: 1 })
    expect(text().split('\n').map((line) => line.replace(/ +\S+ ms$/, ''))).toEqual([
      '✓ resolve',
      '✓ requirements',
      '  ✓ download',
      '  ✓ verify',
      '✓ install',
      '✓ handshake',
      '',
    ])
    // A new operation (update --all) has steps of its own.
    steps.heading('update y')
    steps.listener({ step: 'install', phase: 'start' })
    steps.listener({ step: 'resolve', phase: 'start' })
    steps.listener({ step: 'resolve', phase: 'done', durationMs: 1 })
    steps.listener({ step: 'install', phase: 'done', durationMs: 1 })
    expect(text()).toMatch(/update y\n {2}✓ resolve +1 ms\n✓ install +1 ms\n$/)
  })

  it('marks failures in colour when asked', () => {
    const { io, text } = capture(false)
    const steps = createStepReporter(io, createProgress(io), { colour: true })
    steps.listener({ step: 'verify', phase: 'start' })
    steps.fail()
    steps.listener({ step: 'record', phase: 'done', durationMs: 5 })
    expect(text()).toContain('\u001b[31m✗\u001b[39m verify')
    expect(text()).toContain('\u001b[32m✓\u001b[39m record')
  })
})

describe('the terminal prompt', () => {
  it('reads one line, and answers an empty line when input ends', async () => {
    const input = new PassThrough()
    const output = new PassThrough()
    let asked = ''
    output.on('data', (chunk: Buffer) => void (asked += chunk.toString()))
    const answer = askOnTerminal('Install? [y/N] ', input, output)
    input.write('yes\n')
    expect(await answer).toBe('yes')
    expect(asked).toBe('Install? [y/N] ')
    const ended = new PassThrough()
    const silent = askOnTerminal('Install? ', ended, new PassThrough())
    ended.end()
    expect(await silent).toBe('')
  })

  it('rejects on Ctrl-C, which is not an answer', async () => {
    const input = new PassThrough()
    // A terminal, so readline reads Ctrl-C as an interrupt rather than a character.
    const output = Object.assign(new PassThrough(), { isTTY: true, columns: 80 })
    const answer = askOnTerminal('Install? [y/N] ', input, output)
    input.write('\u0003')
    await expect(answer).rejects.toBeInstanceOf(PromptInterruptedError)
  })
})
