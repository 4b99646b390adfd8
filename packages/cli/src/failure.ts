/** The one top-level error handler: any error becomes one coded line, a hint and an exit code. */
import type { ErrorCode } from '@tekton/mcp-discovery/error-catalog'
import type { ParsedArguments } from './command'
import type { CommandId } from './command-table'
import type { CliIo } from './io'
import { colorAllowed } from './io'
import { exitCodeFor } from './exit-codes'
import type { OutputFormat } from './output/format'
import { createStyle } from './output/style'
import { clean, cleanLines } from './output/text'

/** An error as the CLI reports it. */
export interface Failure {
  code: string
  message: string
  hint?: string
  /** Stack and causes, shown only with `--debug`. */
  detail?: string
  /** What the error carries besides code, message and hint (e.g. a tool diff), for `--json`. */
  data?: Record<string, unknown>
}

export interface ReportOptions {
  format: OutputFormat
  debug: boolean
  color: boolean | undefined
}

const internalHint = 'This looks like a bug in tekton-mcp: run again with --debug and report the output'

/** The command that failed, for the hints that name a command to run next. */
export interface FailureContext {
  command: CommandId
  args: ParsedArguments
  debug: boolean
}

/** A library's hint (if any) made into the CLI's: the same advice, naming the command that does it. */
type CommandHint = (hint: string | undefined, failure: Failure, context: FailureContext) => string | undefined

/**
 * The CLI's own hints, per code. Libraries say what to do in words, because an HTTP caller
 * cannot run `tekton-mcp update`; the CLI adds the command line that does it.
 */
const commandHints: Partial<Record<ErrorCode, CommandHint>> = {
  E_ALREADY_INSTALLED: (hint, { data }) =>
    typeof data?.server === 'string' && typeof data.requestedVersion === 'string' ? `Update it instead: tekton-mcp update ${data.server} --to ${data.requestedVersion}` : hint,
  E_TOOLS_CHANGED: (hint, _failure, { command }) => (command === 'update' ? joinHints(hint, 'to accept them, pass --approve-tool-changes') : hint),
  E_NOT_FOUND: (hint, _failure, { command, args }) => {
    const name = typeof args.ref === 'string' && ['info', 'versions', 'install'].includes(command) ? searchTerm(args.ref) : ''
    if (!name) return hint
    return hint ? `${hint.replace(/[.;:]\s*$/, '')} (tekton-mcp search ${name})` : `Search for it: tekton-mcp search ${name}`
  },
  E_SOURCE_FAILED: (hint, _failure, { debug }) => (debug ? hint : joinHints(hint, 'run again with --debug for details')),
  E_REQUIREMENTS: (hint) => hint?.replace('with the ignoreEngines option', 'with --ignore-engines'),
  E_NPM_INSTALL_FAILED: (hint) => hint?.replace('with the ignoreEngines option', 'with --ignore-engines'),
  E_PROVENANCE_DOWNGRADE: (hint) => hint?.replace('allow a trust downgrade for this install', 'pass --allow-trust-downgrade (this install only)'),
  E_SIGNATURE_REQUIRED: (hint) => hint?.replace('drop the requirement for this install', 'leave out --require-signatures (or change the policy that requires it)'),
  E_PROVENANCE_REQUIRED: (hint) => hint?.replace('drop the requirement for this install', 'leave out --require-provenance (or change the policy that requires it)'),
  E_LINT_REFUSED: (hint) => hint?.replace('with the lint policy set to warn', 'with --lint-policy warn (the findings are shown and asked about)'),
  E_UNSAFE_DEPENDENCY: (hint) => hint?.replace('allow non-registry dependencies for this install', 'pass --allow-non-registry-dependencies (this install only)'),
  E_NPM_STALLED: (hint) => hint?.replace('the npmInactivityTimeoutMs option, or TEKTON_MCP_NPM_INACTIVITY_TIMEOUT in seconds', '--npm-inactivity-timeout <seconds>, or TEKTON_MCP_NPM_INACTIVITY_TIMEOUT'),
  E_SANDBOX_UNAVAILABLE: (hint) => hint?.replace('or use the auto mode', 'or pass --sandbox=auto').replace('or turn the sandbox off', 'or --sandbox=off'),
  E_CLIENT_ENTRY_NOT_OURS: (hint) => hint?.replace('replace it on purpose with force', 'replace it on purpose with --force'),
  E_CLIENT_ENTRY_CHANGED: (hint) => hint?.replace('overwrite or remove it on purpose with force', 'overwrite it on purpose with --force'),
  E_CLIENT_SECRETS: (hint) => hint?.replace('accept plain text explicitly (plainSecrets)', 'accept plain text explicitly with --plain-secrets').replace('Accept plain text explicitly (plainSecrets)', 'Accept plain text explicitly with --plain-secrets'),
  E_HANDSHAKE_EXIT: (hint) => joinHints(hint, 'set a variable with tekton-mcp configure <name> --env NAME=value'),
  E_UNKNOWN_SOURCE: (hint, _failure, { command }) => (command === 'cache-clear' ? hint?.replace('leave the source out', 'leave --source out') : hint),
}

/** Commands whose `--refresh` asks sources remembered as unreachable again. */
const refreshingCommands: ReadonlySet<CommandId> = new Set(['search', 'info', 'versions'])

/** The library's "ask again with a refresh" (of a source skipped as unreachable), as this CLI does it. */
function withRefreshOption(hint: string | undefined, context: FailureContext): string | undefined {
  return hint && refreshingCommands.has(context.command) ? hint.replace(/ask again with a refresh\b/, 'retry with --refresh') : hint
}

function joinHints(hint: string | undefined, addition: string): string {
  return hint ? `${hint.replace(/[.;:]\s*$/, '')}; ${addition}` : `${addition.charAt(0).toUpperCase()}${addition.slice(1)}`
}

/** What to search for, from a ref as typed: `npm:@scope/server-memory@1.0.0` gives `server-memory`. */
function searchTerm(ref: string): string {
  const withoutSource = ref.trim().replace(/^[a-z]+:/, '')
  const withoutVersion = withoutSource.replace(/(?!^)@[^/@]*$/, '')
  const name = withoutVersion.split('/').pop() ?? ''
  // Only a plain word goes into a command line the user may copy.
  return /^[\w.~-]{1,100}$/.test(name) ? name : ''
}

/** Turns anything thrown into a Failure; TektonErrors keep their code and hint, with the CLI's command added. */
export async function toFailure(error: unknown, context?: FailureContext): Promise<Failure> {
  // Loaded only on the error path: the discovery package pulls in zod.
  const { TektonError, redact } = await import('@tekton/mcp-discovery')
  const detail = describeChain(error, redact)
  if (TektonError.isInstance(error)) {
    const { code: _code, message: _message, hint: _hint, ...data } = error.toJSON() as Record<string, unknown>
    const failure: Failure = { code: error.code, message: redact(error.message), ...(error.hint ? { hint: error.hint } : {}), detail, ...(Object.keys(data).length > 0 ? { data } : {}) }
    const hint = context ? withRefreshOption(commandHints[error.code]?.(failure.hint, failure, context) ?? failure.hint, context) : undefined
    return hint ? { ...failure, hint } : failure
  }
  const message = error instanceof Error ? error.message : String(error)
  return { code: 'E_INTERNAL', message: redact(message), hint: internalHint, detail }
}

/**
 * Writes the failure (stderr always; stdout too as `{ error }` with --json/--format) and returns the exit code.
 * Every part is cleaned here, whatever built the failure: messages quote registry bodies and
 * command-line words, and an escape sequence in them would reach the terminal as a command.
 */
export async function reportFailure(reported: Failure, io: CliIo, options: ReportOptions): Promise<number> {
  const hint = clean(reported.hint)
  const failure: Failure = {
    code: clean(reported.code),
    message: clean(reported.message),
    ...(hint ? { hint } : {}),
    ...(reported.detail ? { detail: cleanLines(reported.detail) } : {}),
  }
  if (options.format !== 'text') {
    // Structured data (a tool diff) goes to JSON as it is: the serializer escapes what it prints.
    const body = { error: { ...(reported.data ?? {}), code: failure.code, message: failure.message, ...(failure.hint ? { hint: failure.hint } : {}) } }
    const { serialize } = await import('./output/format')
    io.stdout(await serialize(body, options.format))
  }
  const style = createStyle(colorAllowed(io, 'stderr', options.color))
  let text = `${style.red(`error ${failure.code}:`)} ${failure.message}\n`
  if (failure.hint) text += `${style.dim('hint:')} ${failure.hint}\n`
  if (options.debug && failure.detail) text += `${style.dim(failure.detail)}\n`
  io.stderr(text)
  return exitCodeFor(failure.code)
}

/** The stack and every cause below it, for --debug. */
function describeChain(error: unknown, redact: (text: string) => string): string {
  const parts: string[] = []
  let current: unknown = error
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth += 1) {
    const text = current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current)
    parts.push(depth === 0 ? text : `caused by: ${text}`)
    current = current instanceof Error ? current.cause : undefined
  }
  return redact(parts.join('\n'))
}
