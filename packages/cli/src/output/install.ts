/**
 * Text for the install commands: the plan shown before an install, and the cards and tables of
 * install, update, uninstall, list, verify and configure. Types only from the installation
 * package: the runner imports renderers on every start.
 */
import type { InstallOutcome, InstallPlan, InstalledServerView, UninstallOutcome, VerifyOutcome } from '@tekton/mcp-installation'
import type { VerificationResult } from '@tekton/mcp-installation'
import { verificationFields } from '@tekton/mcp-installation/verification-view'
import type { ClientWriteResult, ConfigureClientsResult, RegistrationResult } from '@tekton/mcp-app'
import { renderClientWrites, renderConfigureClients } from './clients'
import { describeRegistration } from './ergon'
import { describeLookAlikeWarning, renderTrustReport } from './trust'
import type { Style } from './style'
import { clean, formatDate, formatDuration, renderColumns, renderFields } from './text'

/**
 * What `install` returns, and exactly what `--json` prints: the service's outcome, and the Ergon
 * registration that followed (with `--register` or TEKTON_MCP_ERGON_REGISTER=1).
 */
export type InstallOutput = InstallOutcome & { ergon?: RegistrationResult; clients?: ClientWriteResult[] }

/** One server's result in `update --all`. */
export type UpdateResult =
  | { name: string; ok: true; outcome: InstallOutcome; ergon?: RegistrationResult }
  | { name: string; ok: false; error: { code: string; message: string; hint?: string } }

/** What `update --all` returns. */
export interface UpdateAllOutput {
  results: UpdateResult[]
}

/** What `update` returns: the outcome for one server, or every server's result with `--all`. */
export type UpdateOutput = (InstallOutcome & { ergon?: RegistrationResult; clients?: ClientWriteResult[] }) | UpdateAllOutput

/** What `uninstall` returns (and the Ergon unregistration that followed, when automatic). */
export type UninstallOutput = UninstallOutcome & { ergon?: RegistrationResult; clients?: ClientWriteResult[] }

/** What `list` returns: every installed server, secrets redacted. */
export interface ListOutput {
  servers: InstalledServerView[]
}

/** What `verify` returns. */
export type VerifyOutput = VerifyOutcome

/**
 * What `configure` returns: the server as configured now, secrets redacted; `changed` is false
 * when nothing was given to set, and the current settings are only shown.
 */
export type ConfigureOutput = (InstalledServerView & { changed: boolean; notes?: string[] }) | ConfigureClientsResult

/** A plan as shown before an install, a reinstall (`install --force`) or an update. */
export interface PlanView {
  action: 'install' | 'reinstall' | 'update'
  plan: InstallPlan
  /** For updates: the version active now. */
  fromVersion?: string
}

/** How many names a card lists before `… N more` (the JSON has them all). */
const listedNames = 20

/** `/usr/bin/node '/path with space/x.js' --flag`: a command line as a shell would read it, never cut. */
export function commandLine(command: string, args: readonly string[]): string {
  return quoteWords([command, ...args])
}

/** Words quoted where a shell would need it (`''` for an empty one), control characters removed. */
function quoteWords(words: readonly string[]): string {
  const quote = (word: string) => {
    const text = clean(word)
    return /^[A-Za-z0-9_./:=@%+,~-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`
  }
  return words.map(quote).join(' ')
}

function names(items: ReadonlyArray<{ name: string }>): string {
  const shown = items.slice(0, listedNames).map((item) => clean(item.name))
  const more = items.length > listedNames ? `, … ${items.length - listedNames} more` : ''
  return `${items.length}${shown.length > 0 ? `: ${shown.join(', ')}` : ''}${more}`
}

/** `1 tool`, `3 tools`. */
function count(value: number, noun: string): string {
  return `${value} ${noun}${value === 1 ? '' : 's'}`
}

function list(values: readonly string[]): string {
  const shown = values.slice(0, listedNames).map(clean)
  return `${shown.join(', ')}${values.length > listedNames ? `, … ${values.length - listedNames} more` : ''}`
}

/**
 * What will run, before it runs: the version, the package and installer, the whole command line,
 * the names of the variables the server gets (values are never shown: some are secrets), the
 * directory, and whether scripts run and the server is started.
 */
export function renderPlan(view: PlanView, style: Style): string {
  const { plan } = view
  const downgrade = view.action === 'update' && plan.versionChange === 'downgrade'
  const title =
    view.action === 'update'
      ? `${style.bold(`${downgrade ? 'Downgrade' : 'Update'} ${clean(plan.name)}`)} ${clean(view.fromVersion)} → ${(downgrade ? style.yellow : style.green)(clean(plan.version))}`
      : `${style.bold(`${view.action === 'reinstall' ? 'Reinstall' : 'Install'} ${clean(plan.name)}`)} ${style.green(clean(plan.version))}`
  const mcp =
    plan.mcpSigns.length > 0
      ? `${list(plan.mcpSigns.slice(0, 3))}${plan.mcpSigns.length > 3 ? style.dim(` (+${plan.mcpSigns.length - 3})`) : ''}`
      : style.yellow('no sign of an MCP server: no MCP registry listing, keyword, name or SDK dependency')
  const requirements = plan.requirements.checks.map((check) => `${check.ok ? '' : style.red('missing: ')}${clean(check.found ?? check.requirement)}`)
  if (plan.remote) {
    // A remote: nothing is downloaded or started here; where it answers and what is sent is the plan.
    const headers = Object.keys(plan.remote.headers)
    const remoteFields = renderFields(
      [
        ['from', `${clean(plan.ref)} ${style.dim('(remote server: nothing is installed)')}`],
        ['mcp', mcp],
        ['url', `${clean(plan.remote.url)} ${style.dim(`(${clean(plan.remote.transport)})`)}`],
        ['headers', headers.length > 0 ? `${headers.map(clean).join(', ')} ${style.dim('(values not shown)')}` : 'none'],
        ['handshake', plan.handshake ? 'an MCP handshake over HTTP lists its tools' : style.yellow('skipped: the server is not contacted, its tools are not recorded')],
      ],
      style.dim,
    )
    return `${title}\n${remoteFields}${plan.notes.map((note) => style.yellow(`  note: ${clean(note)}\n`)).join('')}`
  }
  const fields = renderFields(
    [
      ['from', `${clean(plan.ref)} ${style.dim(`(${clean(plan.package.registryType)} package ${clean(plan.package.identifier)}, ${plan.installer} installer)`)}`],
      // An update's package was an MCP server when it was installed: its handshake said so.
      ['mcp', view.action === 'update' ? undefined : mcp],
      ['command', plan.launch ? commandLine(plan.launch.command, plan.launch.args) : style.yellow('known only after the install')],
      ['working dir', plan.launch?.cwd ? clean(plan.launch.cwd) : undefined],
      ['sandbox', plan.sandbox ? describePlannedSandbox(plan.sandbox, style) : undefined],
      ['env', plan.envNames.length > 0 ? `${plan.envNames.map(clean).join(', ')} ${style.dim('(values not shown)')}` : 'none besides PATH, HOME and the like'],
      ['directory', clean(plan.directory)],
      ['scripts', plan.allowScripts ? style.yellow('install scripts run (--allow-scripts)') : 'install scripts do not run'],
      ['handshake', plan.handshake ? 'the server is started once to list its tools' : style.yellow('skipped: the server is not started, its tools are not recorded')],
      ['requires', requirements.join('; ')],
      ...trustFields(plan.verification, style),
    ],
    style.dim,
  )
  const extra = [
    ...(downgrade ? [`${clean(plan.version)} is older than the active ${clean(view.fromVersion)}: this is a downgrade`] : []),
    ...(view.action === 'reinstall' ? [`Fresh files for the installed version; the installed files stay in use until the new ones pass the handshake`] : []),
  ]
  const notes = [...extra, ...plan.notes].map((note) => style.yellow(`  note: ${clean(note)}\n`)).join('')
  // Older API answers and hand-made plans may lack it.
  const trust = plan.trust ? `${renderTrustReport(plan.trust, style)}\n` : ''
  return `${title}\n${fields}${notes}${trust}`
}

/** One field per verification check (signature, provenance, ownership, release), coloured by how it came out. */
function trustFields(verification: VerificationResult | undefined, style: Style): Array<readonly [string, string | undefined]> {
  if (!verification) return []
  const tone = { ok: (text: string) => text, warn: style.yellow, bad: style.red }
  return verificationFields(verification).map(([label, text, how]) => [label, tone[how](clean(text))] as const)
}

/** The fields every server card shares: where it is, how it starts, what it offers. */
function serverFields(server: InstalledServerView, style: Style): Array<readonly [string, string | undefined]> {
  const handshake = server.handshake
  const env = Object.keys(server.launch.env)
  const remote = (server as { remote?: { transport: string; url: string; headers: Record<string, string> } }).remote
  if (remote) {
    const headers = Object.keys(remote.headers)
    return [
      ['ref', style.cyan(clean(server.ref))],
      ['url', `${clean(remote.url)} ${style.dim(`(${clean(remote.transport)})`)}`],
      ['headers', headers.length > 0 ? headers.map(clean).join(', ') : undefined],
      ['server', handshake ? `${clean(handshake.serverInfo.name)} ${clean(handshake.serverInfo.version)} ${style.dim(`(protocol ${clean(handshake.protocolVersion)})`)}` : undefined],
      ['tools', handshake ? names(handshake.tools) : style.yellow('not recorded: the handshake was skipped')],
      ['resources', handshake ? names(handshake.resources) : undefined],
      ['prompts', handshake ? names(handshake.prompts) : undefined],
    ]
  }
  return [
    ['ref', style.cyan(clean(server.ref))],
    ['directory', clean(server.directory)],
    ['launch', commandLine(server.launch.command, server.launch.args)],
    ['sandbox', server.launch.sandbox ? describeSandbox(server.launch.sandbox) : undefined],
    ['env', env.length > 0 ? env.map(clean).join(', ') : undefined],
    ['needs', server.missingEnv.length > 0 ? style.yellow(`${list(server.missingEnv)} (not configured)`) : undefined],
    ['server', handshake ? `${clean(handshake.serverInfo.name)} ${clean(handshake.serverInfo.version)} ${style.dim(`(protocol ${clean(handshake.protocolVersion)})`)}` : undefined],
    ['tools', handshake ? names(handshake.tools) : style.yellow('not recorded: the handshake was skipped')],
    ['resources', handshake ? names(handshake.resources) : undefined],
    ['prompts', handshake ? names(handshake.prompts) : undefined],
  ]
}

/** A recorded sandbox in one line: what it withholds and what it may write. */
function describeSandbox(sandbox: { network: boolean; writable: readonly string[] }): string {
  return `bubblewrap, ${sandbox.network ? 'network granted' : 'no network'}, writes only ${list(sandbox.writable.map(clean))} and a private /tmp`
}

/** The plan's sandbox line: the sandbox, or none (yellow, with why, when one was asked for). */
function describePlannedSandbox(sandbox: NonNullable<InstallPlan['sandbox']>, style: Style): string {
  if (sandbox.kind === 'bubblewrap') return describeSandbox({ network: sandbox.network === true, writable: sandbox.writable ?? [] })
  return sandbox.note ? style.yellow(`none (${clean(sandbox.note)})`) : 'none'
}

/** Handshake warnings a person should see (yellow); what the server wrote on stderr stays dim. */
function warningsOf(handshake: { warnings?: ReadonlyArray<{ kind: string; message: string }> | undefined } | null | undefined, style: Style, prefix = ''): string {
  return (handshake?.warnings ?? [])
    .map((warning) => (warning.kind === 'stderr-output' ? style.dim(`${prefix}stderr: ${clean(warning.message)}\n`) : style.yellow(`${prefix}warning: ${clean(warning.message)}\n`)))
    .join('')
}

/** How many warnings count in `list` (stderr output is common and harmless, so it does not). */
function warningCount(handshake: { warnings?: ReadonlyArray<{ kind: string }> | undefined } | null | undefined): number {
  return (handshake?.warnings ?? []).filter((warning) => warning.kind !== 'stderr-output').length
}

function notesOf(notes: readonly string[], style: Style): string {
  return notes.map((note) => style.dim(`note: ${clean(note)}\n`)).join('')
}

/** `install`: a card for the installed server (or the one already there). */
export function renderInstall(output: InstallOutput, style: Style): string {
  const { server } = output
  const title = output.changed
    ? `${style.green('✓')} Installed ${style.bold(clean(server.name))} ${style.green(clean(output.version))} ${style.dim(`in ${formatDuration(output.durationMs)}`)}`
    : `${style.bold(clean(server.name))} ${style.green(clean(output.version))} is already installed`
  const verification = output.changed ? output.verification : undefined
  return `${title}\n${renderFields([...serverFields(server, style), ...trustFields(verification, style), ...trustReportFields(output.trust, style)], style.dim)}${warningsOf(output.changed ? output.handshake : server.handshake, style)}${notesOf(output.notes, style)}${output.ergon ? describeRegistration(output.ergon, style) : ''}${output.clients ? renderClientWrites(output.clients, style) : ''}`
}

/** The trust lines an install or update card repeats: lint findings, look-alikes and shared tool names (the report was shown before). */
function trustReportFields(trust: InstallOutcome['trust'], style: Style): Array<readonly [string, string | undefined]> {
  if (!trust) return []
  const findings = trust.lint.findings
  return [
    [
      'lint',
      findings.length > 0
        ? style.red(`${count(findings.length, 'finding')} (${[...new Set(findings.map((finding) => finding.rule))].join(', ')}), stored with the record; tekton-mcp audit shows them`)
        : trust.lint.status === 'clean'
          ? 'no findings'
          : undefined,
    ],
    ['look-alike', trust.lookAlikes.length > 0 ? style.yellow(trust.lookAlikes.map(describeLookAlikeWarning).join('; ')) : undefined],
    [
      'tool names',
      trust.collisions.length > 0
        ? style.yellow(`also offered by another installed server: ${trust.collisions.map((collision) => `${clean(collision.tool)} (${collision.servers.filter((server) => server !== trust.server).map(clean).join(', ')})`).join(', ')}`)
        : undefined,
    ],
  ]
}

/** The tool changes of an update, one per line: `+ added`, `- removed`, `~ changed (fields)`. */
export function describeToolChanges(diff: { added: string[]; removed: string[]; changed: Array<{ name: string; fields: string[] }> }): string[] {
  return [
    ...diff.added.map((name) => `+ ${clean(name)}`),
    ...diff.removed.map((name) => `- ${clean(name)}`),
    ...diff.changed.map((change) => `~ ${clean(change.name)} (${change.fields.join(', ')})`),
  ]
}

function renderUpdateOutcome(output: InstallOutcome & { ergon?: RegistrationResult; clients?: ClientWriteResult[] }, style: Style): string {
  const { server } = output
  if (!output.changed) return `${style.bold(clean(server.name))} ${style.green(clean(output.version))} is up to date\n${notesOf(output.notes.filter((note) => !note.includes('nothing to update')), style)}`
  const from = output.previousVersion ? `${clean(output.previousVersion)} → ` : ''
  const title = `${style.green('✓')} Updated ${style.bold(clean(server.name))} ${from}${style.green(clean(output.version))} ${style.dim(`in ${formatDuration(output.durationMs)}`)}`
  const changes = output.toolDiff ? describeToolChanges(output.toolDiff) : []
  const toolChanges = output.toolDiff ? (changes.length > 0 ? changes.join('; ') : 'none') : undefined
  const fields = renderFields([...serverFields(server, style), ['tool changes', toolChanges], ...trustFields(output.verification, style), ...trustReportFields(output.trust, style)], style.dim)
  return `${title}\n${fields}${warningsOf(output.handshake, style)}${notesOf(output.notes, style)}${output.ergon ? describeRegistration(output.ergon, style) : ''}${output.clients ? renderClientWrites(output.clients, style) : ''}`
}

/** `update`: the updated server's card, or one line per server with `--all`. */
export function renderUpdate(output: UpdateOutput, style: Style): string {
  if (!('results' in output)) return renderUpdateOutcome(output, style)
  if (output.results.length === 0) return 'No MCP servers installed: nothing to update.\n'
  const rows = output.results.map((result) => {
    if (!result.ok) return [style.red('✗'), clean(result.name), style.red(`${clean(result.error.code)}: ${clean(result.error.message)}`)]
    const { outcome } = result
    if (!outcome.changed) return [style.dim('='), clean(result.name), `${clean(outcome.version)} ${style.dim('up to date')}`]
    return [style.green('✓'), clean(result.name), `${clean(outcome.previousVersion)} → ${style.green(clean(outcome.version))}`]
  })
  return `${renderColumns(rows, 1).join('\n')}\n`
}

/** `uninstall`: what was removed. */
export function renderUninstall(output: UninstallOutput, style: Style): string {
  const versions = output.versions.length > 0 ? ` ${output.versions.map(clean).join(', ')}` : ''
  return `${style.green('✓')} Removed ${style.bold(clean(output.name))}${versions} ${style.dim(`(${clean(output.removed)})`)}\n${notesOf(output.notes, style)}${output.ergon ? describeRegistration(output.ergon, style) : ''}${output.clients ? renderClientWrites(output.clients, style) : ''}`
}

/** `list`: a borderless table, then what each server still needs. */
export function renderList(output: ListOutput, style: Style): string {
  if (output.servers.length === 0) return `No MCP servers installed.\n${style.dim('Install one: tekton-mcp install <ref>')}\n`
  const table = [['NAME', 'VERSION', 'TYPE', 'TOOLS', 'HANDSHAKE', 'DIRECTORY'].map((heading) => style.bold(heading))]
  for (const server of output.servers) {
    const handshake = server.handshake
    table.push([
      style.cyan(clean(server.name)),
      clean(server.activeVersion),
      clean(server.registryType),
      handshake ? String(handshake.tools.length) : '-',
      handshake
        ? `ok${warningCount(handshake) > 0 ? style.yellow(` (${count(warningCount(handshake), 'warning')})`) : ''} ${style.dim(formatDate(handshake.completedAt))}`
        : style.yellow('skipped'),
      // A remote has no directory: where it answers stands in for it.
      clean((server as { remote?: { url: string } }).remote?.url ?? server.directory),
    ])
  }
  const lines = renderColumns(table)
  for (const server of output.servers) {
    for (const warning of server.handshake?.warnings ?? []) {
      if (warning.kind !== 'stderr-output') lines.push(style.yellow(`${clean(server.name)}: warning: ${clean(warning.message)}`))
    }
    if (server.missingEnv.length > 0) {
      lines.push(style.yellow(`${clean(server.name)} needs ${list(server.missingEnv)}: tekton-mcp configure ${clean(server.name)} --env ${clean(server.missingEnv[0])}=...`))
    }
  }
  return `${lines.join('\n')}\n`
}

/** `verify`: ok or not on the first line, then what changed: files, handshake, tools. */
export function renderVerify(output: VerifyOutput, style: Style): string {
  const problems: string[] = []
  if (!output.files.ok) problems.push('files changed')
  if (!output.launch.ok) problems.push(output.launch.problems.some((problem) => problem.startsWith('sandbox:')) ? 'sandbox not as recorded' : 'launch command outside the install')
  if (output.handshake && !output.handshake.ok) problems.push('handshake failed')
  if (output.verification && !output.verification.ok) problems.push('verification failed')
  if (output.handshake?.ok && output.handshake.toolDiff && describeToolChanges(output.handshake.toolDiff).length > 0) problems.push('tools changed')
  const subject = `${style.bold(clean(output.name))} ${clean(output.version)}`
  // A remote has no files (`files.expected` is `remote`): its handshake is the whole check.
  const remote = output.files.expected === 'remote'
  const title = output.ok
    ? `${style.green('✓')} ${subject}: ${remote ? `remote${output.handshake ? ', handshake ok' : ''}` : `files intact${output.handshake ? ', handshake ok' : ''}`}`
    : `${style.red('✗')} ${subject}: ${problems.join(', ') || 'not ok'}`
  const { files } = output
  let handshake: string
  if (output.handshake === null) handshake = style.dim('skipped')
  else if (output.handshake.ok) {
    const { result, toolDiff } = output.handshake
    const changes = toolDiff ? describeToolChanges(toolDiff) : []
    const tools = toolDiff === null ? 'no recorded tools to compare with' : changes.length > 0 ? style.red(`tools changed: ${changes.join('; ')}`) : 'tools unchanged'
    handshake = `${style.green('ok')}: ${count(result.tools.length, 'tool')}, ${count(result.resources.length, 'resource')}, ${count(result.prompts.length, 'prompt')}; ${tools}`
  } else {
    handshake = style.red(`failed ${clean(output.handshake.error.code)}: ${clean(output.handshake.error.message)}`)
  }
  const fields = renderFields(
    [
      [remote ? 'url' : 'directory', clean(output.directory)],
      ['files', remote ? undefined : files.ok ? `${style.green('ok')} ${style.dim(clean(files.expected))}` : style.red(`differ from ${clean(files.expected)}`)],
      ['changed', files.changed.length > 0 ? style.red(list(files.changed)) : undefined],
      ['missing', files.missing.length > 0 ? style.red(list(files.missing)) : undefined],
      ['added', files.added.length > 0 ? style.red(list(files.added)) : undefined],
      ['sandbox', output.sandbox ? describeSandbox(output.sandbox) : undefined],
      ['launch', output.launch.ok ? undefined : style.red(list(output.launch.problems))],
      ['handshake', handshake],
      ...(output.verification && 'result' in output.verification ? trustFields(output.verification.result, style) : []),
      ['trust', output.verification && 'problems' in output.verification && output.verification.problems.length > 0 ? style.red(list(output.verification.problems)) : undefined],
      ['trust', output.verification && 'error' in output.verification ? style.red(`not checked: ${clean(output.verification.error.code)}: ${clean(output.verification.error.message)}`) : undefined],
    ],
    style.dim,
  )
  // Older API answers may lack the report.
  const trust = output.trust ? `${renderTrustReport(output.trust, style)}\n` : ''
  return `${title}\n${fields}${output.handshake?.ok ? warningsOf(output.handshake.result, style) : ''}${trust}${notesOf(output.notes, style)}`
}

/**
 * `configure`: the server with its new configuration (variable names only); with nothing to set,
 * its current settings: each variable with its value (secrets `••••`), and what it declares.
 */
export function renderConfigure(data: ConfigureOutput, style: Style): string {
  // A server view is a loose object (any key may be present): tell the two apart by shape once, here.
  if (Array.isArray((data as { results?: unknown }).results) && typeof (data as { server?: unknown }).server === 'string') return renderConfigureClients(data as ConfigureClientsResult, style)
  const output = data as InstalledServerView & { changed: boolean; notes?: string[] }
  if (!output.changed) return renderSettings(output, style)
  const env = Object.keys(output.configuration.env)
  const fields = renderFields(
    [
      ['env', env.length > 0 ? `${env.map(clean).join(', ')} ${style.dim('(values not shown)')}` : 'none'],
      ['args', output.configuration.args.length > 0 ? quoteWords(output.configuration.args) : 'none'],
      ['launch', commandLine(output.launch.command, output.launch.args)],
      // Shown when sandboxed, or when this configure changed the sandbox (then `none` is news).
      ['sandbox', output.launch.sandbox ? describeSandbox(output.launch.sandbox) : output.notes !== undefined ? 'none' : undefined],
      ['needs', output.missingEnv.length > 0 ? style.yellow(`${list(output.missingEnv)} (not configured)`) : undefined],
    ],
    style.dim,
  )
  return `${style.green('✓')} Configured ${style.bold(clean(output.name))} ${clean(output.activeVersion)}\n${fields}${notesOf(output.notes ?? [], style)}`
}

/** What the service shows for a secret value. */
const redactedValue = '••••'

/** `configure <name>` with nothing to set: the settings as they are. */
function renderSettings(output: InstalledServerView & { changed: boolean }, style: Style): string {
  const configured = Object.entries(output.configuration.env)
  const declared = output.environmentVariables.map((variable) => {
    const marks = [variable.isRequired ? 'required' : '', variable.isSecret ? 'secret' : '', variable.default !== undefined ? `default ${variable.default}` : ''].filter(Boolean)
    return `${clean(variable.name)}${marks.length > 0 ? style.dim(` (${marks.join(', ')})`) : ''}`
  })
  const fields = renderFields(
    [
      // Values as the service returns them: secret ones are already `••••`.
      ['env', configured.length > 0 ? configured.map(([name, value]) => `${clean(name)}=${value === redactedValue ? value : quoteWords([value])}`).join(' ') : 'none'],
      ['args', output.configuration.args.length > 0 ? quoteWords(output.configuration.args) : 'none'],
      ['declares', declared.length > 0 ? declared.join(', ') : undefined],
      ['needs', output.missingEnv.length > 0 ? style.yellow(`${list(output.missingEnv)} (not configured)`) : undefined],
      ['launch', commandLine(output.launch.command, output.launch.args)],
      ['sandbox', output.launch.sandbox ? describeSandbox(output.launch.sandbox) : 'none'],
    ],
    style.dim,
  )
  return `${style.bold(clean(output.name))} ${clean(output.activeVersion)} settings\n${fields}`
}
