/**
 * Text for the trust report: one compact block before an install or update is confirmed, in
 * verify's card and once per server in `audit`. A line whose check has not run says "not checked"
 * in yellow, never nothing: an empty line would read as a pass. Types only from the installation
 * package: renderers are loaded on every start.
 */
import type { AuditOutcome, LintFinding, LookAlikeWarning, TrustReport } from '@tekton/mcp-installation'
import type { Style } from './style'
import { clean, renderFields } from './text'

/** What `audit` returns, and exactly what `--json` prints. */
export type AuditOutput = AuditOutcome

/** Where the lint line is in the block (source, ownership, signature, provenance, release age, scripts, dependencies, sandbox, lint). */
const lintLineIndex = 8

/** Findings listed under the lint line before `… N more` (the JSON and the record have them all). */
const listedFindings = 8

function notChecked(style: Style, detail?: string): string {
  return style.yellow(`not checked${detail ? ` (${clean(detail)})` : ''}`)
}

function ownershipLine(report: TrustReport, style: Style): string {
  const { ownership } = report
  const by = ownership.by ? ` by ${clean(ownership.by)}` : ''
  switch (ownership.status) {
    case 'verified':
      return `${style.green('verified')}${by} ${style.dim(`(${clean(ownership.detail)})`)}`
    case 'mismatch':
      return style.red(`does not match${by}: ${clean(ownership.detail)}`)
    case 'unverified':
      return style.yellow(`not verified: ${clean(ownership.detail)}`)
    case 'not-applicable':
      return style.dim(`not applicable: ${clean(ownership.detail)}`)
    default:
      return notChecked(style, ownership.detail)
  }
}

function signatureLine(report: TrustReport, style: Style): string {
  const { signature } = report
  if (signature.status === 'verified') return `${style.green('verified')}${signature.keyId ? ` with key ${clean(signature.keyId)}` : ''} ${style.dim(`(${clean(signature.detail)})`)}`
  if (signature.status === 'failed') return style.red(`failed${signature.code ? ` ${clean(signature.code)}` : ''}: ${clean(signature.detail)}`)
  if (signature.status === 'no-keys') return style.yellow(`no keys: ${clean(signature.detail)}`)
  if (signature.status === 'not-applicable') return style.dim(`not applicable: ${clean(signature.detail)}`)
  return notChecked(style)
}

function provenanceLine(report: TrustReport, style: Style): string {
  const { provenance } = report
  if (provenance.status === 'verified') {
    // Provenance says where it was built, not that it is safe.
    const where = [provenance.repository ? `built from ${clean(provenance.repository)}` : '', provenance.workflow ? `by ${clean(provenance.workflow)}` : ''].filter(Boolean).join(' ')
    return `${style.green('verified')}${where ? `: ${where}` : ''} ${style.dim('(where it was built, not that it is safe)')}`
  }
  if (provenance.status === 'failed') return style.red(`failed${provenance.code ? ` ${clean(provenance.code)}` : ''}: ${clean(provenance.detail)}`)
  if (provenance.status === 'absent') return style.yellow(`none: ${clean(provenance.detail)}`)
  if (provenance.status === 'not-applicable') return style.dim(`not applicable: ${clean(provenance.detail)}`)
  return notChecked(style)
}

function releaseAgeLine(report: TrustReport, style: Style): string {
  const { releaseAge } = report
  if (releaseAge.status !== 'known' || releaseAge.hours === undefined) return notChecked(style)
  const hours = releaseAge.hours
  const age = hours < 48 ? `${Math.round(hours)} hours` : `${Math.round(hours / 24)} days`
  return `${hours < 24 ? style.yellow(age) : age} ${style.dim(`(published ${clean(releaseAge.publishedAt)})`)}`
}

function scriptsLine(report: TrustReport, style: Style): string {
  const { installScripts } = report
  switch (installScripts.status) {
    case 'none':
      return 'none'
    case 'skipped':
      return style.yellow('the package has install scripts; they were not run')
    case 'allowed':
      return style.yellow('the package has install scripts, and they ran (--allow-scripts)')
    default:
      return installScripts.allowed ? style.yellow('would run, if the package has any (--allow-scripts)') : 'do not run (whether the package has any is known after the download)'
  }
}

function dependenciesLine(report: TrustReport, style: Style): string {
  const { dependencies } = report
  switch (dependencies.status) {
    case 'registry-only':
      return 'every package in the tree from the registry, each with a sha512'
    case 'non-registry-allowed':
      return style.yellow(
        `dependencies from outside the registry allowed (--allow-non-registry-dependencies)${dependencies.allowedNonRegistry?.length ? `: ${dependencies.allowedNonRegistry.map(clean).join(', ')}` : ''}`,
      )
    case 'not-applicable':
      return style.dim('not applicable (an image pinned to its digest)')
    default:
      return notChecked(style)
  }
}

function sandboxLine(report: TrustReport, style: Style): string {
  const { sandbox } = report
  const network = sandbox.network === 'denied' ? 'no network' : sandbox.network === 'allowed' ? style.yellow('network allowed') : 'network not known'
  if (sandbox.status === 'bubblewrap') return `bubblewrap, ${network}`
  if (sandbox.status === 'container') return `container, ${network}`
  return style.yellow('none: the server runs as you, with your files and network')
}

/** `hidden-unicode.zero-width  tool "add" description: "Adds two<U+200B> numbers"`. */
export function describeFinding(finding: LintFinding): string {
  // The excerpt is already visible (`<U+200B>`); clean only drops what a terminal would act on.
  return `${finding.rule}  ${clean(finding.where)}: "${clean(finding.excerpt)}"${finding.decoded ? ` (hidden text: "${clean(finding.decoded)}")` : ''}`
}

function lintLine(report: TrustReport, style: Style): string {
  const { lint } = report
  if (lint.status === 'pending') return style.dim('checked after the handshake, before anything is put in place')
  if (lint.status === 'not-run') return style.yellow('not run: the handshake was skipped')
  if (lint.status === 'clean') return style.green('no findings')
  const count = lint.findings.length
  return style.red(`${count} ${count === 1 ? 'finding' : 'findings'}${lint.policy === 'refuse' ? ' (the lint policy refuses them)' : ': text the server sends the model'}`)
}

/** `! resembles @modelcontextprotocol/server-memory (a well-known server): one edit apart`. */
export function describeLookAlikeWarning(warning: LookAlikeWarning): string {
  const how =
    warning.kind === 'homoglyph'
      ? 'the same once look-alike characters are swapped'
      : warning.kind === 'scope-swap'
        ? 'the same name under a similar scope'
        : `${warning.distance === 1 ? 'one edit' : `${warning.distance ?? 2} edits`} apart`
  return `resembles ${clean(warning.resembles)} (${warning.origin === 'installed' ? 'installed here' : 'a well-known server'}): ${how}`
}

/**
 * The report as a block of labelled lines (see the module comment); lint findings and look-alike
 * warnings one per line under their label.
 */
export function renderTrustReport(report: TrustReport, style: Style, title = 'trust report'): string {
  const verifiedOwner = report.ownership.status === 'verified' ? style.green('ownership verified') : style.yellow('ownership not verified')
  const lookAlikes = report.lookAlikes.map((warning) => `${style.yellow('!')} ${describeLookAlikeWarning(warning)}; ${verifiedOwner}`)
  const collisions = report.collisions.map((collision) => `${clean(collision.tool)} (also ${collision.servers.filter((server) => server !== report.server).map(clean).join(', ')})`)
  const fields = renderFields(
    [
      ['source', `${clean(report.source.ref)} ${style.dim(`(${clean(report.source.registryType)} ${clean(report.source.identifier)}${report.source.repository ? `, ${clean(report.source.repository)}` : ''})`)}`],
      ['ownership', ownershipLine(report, style)],
      ['signature', signatureLine(report, style)],
      ['provenance', provenanceLine(report, style)],
      ['release age', releaseAgeLine(report, style)],
      ['scripts', scriptsLine(report, style)],
      ['dependencies', dependenciesLine(report, style)],
      ['sandbox', sandboxLine(report, style)],
      ['lint', lintLine(report, style)],
      ['look-alike', lookAlikes.length > 0 ? lookAlikes[0] : 'none'],
      ...lookAlikes.slice(1).map((line) => ['', line] as const),
      ['tool names', collisions.length > 0 ? style.yellow(`also offered by another installed server: ${collisions.join(', ')}`) : undefined],
    ],
    style.dim,
  )
  const shown = report.lint.findings.slice(0, listedFindings).map((finding) => style.red(`    ! ${describeFinding(finding)}\n`))
  const more = report.lint.findings.length > listedFindings ? style.dim(`    … ${report.lint.findings.length - listedFindings} more (--json lists them all)\n`) : ''
  // The findings go right under the lint line: the ninth, as every line before it is always shown.
  const lines = fields.split('\n')
  lines.splice(lintLineIndex + 1, 0, ...[...shown, more].join('').split('\n').filter((line) => line !== ''))
  return `${style.bold(title)}\n${lines.join('\n')}`
}

/** Only the lint findings, for the second question after the handshake. */
export function renderLintFindings(report: TrustReport, style: Style): string {
  const findings = report.lint.findings.map((finding) => style.red(`  ! ${describeFinding(finding)}\n`)).join('')
  return `${style.bold(`${clean(report.server)} ${clean(report.version)}: ${report.lint.findings.length} description-lint ${report.lint.findings.length === 1 ? 'finding' : 'findings'}`)} ${style.dim('(text the server sends the model)')}\n${findings}`
}

/** `audit`: each installed server's report, then the tool names more than one server offers. */
export function renderAudit(output: AuditOutput, style: Style): string {
  if (output.servers.length === 0) return `No MCP servers installed: nothing to audit.\n`
  const blocks = output.servers.map((report) => renderTrustReport(report, style, `${clean(report.server)} ${clean(report.version)}`))
  const collisions =
    output.collisions.length > 0
      ? `${style.yellow(`${output.collisions.length} tool ${output.collisions.length === 1 ? 'name is' : 'names are'} offered by more than one server`)} ${style.dim("(a client that loads both may call the wrong one; Ergon's tool names are <server>:<tool>, so they do not collide there)")}\n${output.collisions
          .map((collision) => `  ${clean(collision.tool)}: ${collision.servers.map(clean).join(', ')}\n`)
          .join('')}`
      : style.dim('No tool name is offered by more than one server.\n')
  return `${blocks.join('\n')}\n${collisions}`
}
