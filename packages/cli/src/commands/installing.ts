/**
 * What the install commands share: reading `--env`/`--arg` and refs, the confirmation prompt, the
 * step lines on stderr, and the plan shown before anything is installed.
 */
import { notMcpServerError } from '@tekton/mcp-app'
import { TektonError, formatRef, looksLikeRef, parseRef } from '@tekton/mcp-discovery'
import path from 'node:path'
import { HandshakeError, missingInputsError, readEnvironmentFile } from '@tekton/mcp-installation'
import type { InstallPlan, LintPolicy, SandboxMode, TrustOptions, TrustReport } from '@tekton/mcp-installation'
import type { ErrorCode } from '@tekton/mcp-discovery'
import type { CommandContext, ParsedArguments } from '../command'
import { PromptInterruptedError, colorAllowed } from '../io'
import { renderPlan } from '../output/install'
import type { PlanView } from '../output/install'
import { renderLintFindings } from '../output/trust'
import { createStyle } from '../output/style'
import { clean } from '../output/text'
import { createStepReporter } from '../progress'
import type { StepReporter } from '../progress'

/** A variable name as a shell would accept it: `API_TOKEN`, `_X1`. */
const variableNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/

/** A ref split into the ref to resolve and the version asked for (`npm:x@^1` → `npm:x`, `^1`). */
export interface InstallTarget {
  ref: string
  version?: string
}

/**
 * Reads `<ref>[@version]`. A ref is parsed strictly (E_INVALID_REF); anything else is a bare name
 * the discovery service resolves by search.
 */
export function readTarget(value: unknown): InstallTarget {
  const text = typeof value === 'string' ? value.trim() : ''
  if (!text) throw new TektonError('E_INVALID_REF', 'A server reference is required', { hint: 'e.g. tekton-mcp install npm:@modelcontextprotocol/server-memory' })
  if (!looksLikeRef(text)) return { ref: text }
  const parsed = parseRef(text)
  return { ref: formatRef(parsed, { withVersion: false }), ...(parsed.version === undefined ? {} : { version: parsed.version }) }
}

/** The values of a repeatable option, in order; [] when absent. */
export function readValues(value: unknown): string[] {
  if (value === undefined || value === null) return []
  return (Array.isArray(value) ? value : [value]).map(String)
}

/**
 * `--env KEY=VALUE`... as a record (the last of a repeated key wins). The value is never quoted
 * in an error: it may be a secret.
 */
export function readAssignments(value: unknown, option = 'env'): Record<string, string> {
  const env: Record<string, string> = {}
  for (const assignment of readValues(value)) {
    const equals = assignment.indexOf('=')
    const name = equals < 0 ? assignment : assignment.slice(0, equals)
    if (equals < 0) {
      throw new TektonError('E_INVALID_INPUT', `--${option} needs KEY=VALUE, got ${JSON.stringify(name.slice(0, 60))} without =`, { hint: `Write --${option} NAME=value, e.g. --${option} API_TOKEN=...` })
    }
    if (!variableNamePattern.test(name)) {
      throw new TektonError('E_INVALID_INPUT', `--${option} ${JSON.stringify(name.slice(0, 60))}: not a variable name`, {
        hint: 'A name is letters, digits and _, not starting with a digit, e.g. API_TOKEN',
      })
    }
    env[name] = assignment.slice(equals + 1)
  }
  return env
}

/**
 * The variables a command line gives a server: `--env-file` (dotenv), then `--env` on top, and
 * apart from them the secrets: `--secret NAME=VALUE` and `--secret-env NAME` (the value read
 * from this process's environment, so it is never typed into a command line or a shell history).
 */
export async function readEnvironmentOptions(args: ParsedArguments, context: CommandContext): Promise<{ env: Record<string, string>; secrets: Record<string, string> }> {
  const file = typeof args.envFile === 'string' ? args.envFile : undefined
  const fromFile = file === undefined ? {} : await readEnvironmentFile(path.resolve(context.io.cwd, file))
  const env = { ...fromFile, ...readAssignments(args.env) }
  const secrets = readAssignments(args.secret, 'secret')
  for (const name of readNames(args.secretEnv, 'secret-env')) {
    const value = context.io.env[name]
    if (value === undefined || value === '') {
      throw new TektonError('E_INVALID_INPUT', `--secret-env ${name}: ${name} is not set in this environment`, { hint: `Export it first (export ${name}=…), or give it with --secret ${name}=…` })
    }
    secrets[name] = value
  }
  return { env, secrets }
}

/**
 * `--input NAME=VALUE`... by name (a flag such as `--schema`, a `valueHint`, a placeholder); a
 * name given more than once collects a list (for repeated arguments). Values are never quoted in
 * errors: they may be secrets.
 */
export function readInputs(value: unknown): Record<string, string | string[]> {
  const inputs: Record<string, string | string[]> = {}
  for (const assignment of readValues(value)) {
    const equals = assignment.indexOf('=', assignment.startsWith('-') ? assignment.search(/[^-]/) : 0)
    if (equals <= 0) {
      throw new TektonError('E_INVALID_INPUT', `--input needs NAME=VALUE, got ${JSON.stringify(assignment.slice(0, 60))}`, {
        hint: 'Write --input database_name=app for a positional argument, or --input=--schema=public for a named one',
      })
    }
    const name = assignment.slice(0, equals)
    const given = assignment.slice(equals + 1)
    const previous = inputs[name]
    inputs[name] = previous === undefined ? given : [...(Array.isArray(previous) ? previous : [previous]), given]
  }
  return inputs
}

/**
 * Values for the required inputs the plan found without one: asked on the terminal (secrets
 * without echo), or, when nothing can be asked (`--yes`, no terminal), `E_MISSING_INPUT` naming
 * every one. Returns the variables and the other inputs typed.
 */
export async function askMissingInputs(
  plan: InstallPlan,
  args: ParsedArguments,
  context: CommandContext,
): Promise<{ env: Record<string, string>; inputs: Record<string, string> } | undefined> {
  const missing = plan.missingInputs ?? []
  if (missing.length === 0) return undefined
  if (args.yes === true || context.io.isTTY.stdin !== true) throw missingInputsError(plan.name, missing)
  context.progress.stop()
  const env: Record<string, string> = {}
  const inputs: Record<string, string> = {}
  for (const input of missing) {
    const about = [input.description, input.choices ? `one of ${input.choices.join(', ')}` : undefined, input.isSecret ? 'typed without echo' : undefined].filter(Boolean).join('; ')
    let typed: string
    try {
      typed = await context.io.prompt(`${plan.name} needs ${input.key}${about ? ` (${about})` : ''}: `, { secret: input.isSecret })
    } catch (error) {
      if (error instanceof PromptInterruptedError) throw interrupted('nothing was installed', error)
      throw error
    }
    if (typed === '') throw missingInputsError(plan.name, [input])
    if (input.kind === 'environment') env[input.key] = typed
    else inputs[input.key] = typed
  }
  return { env, inputs }
}

/** Variable names (`--unset KEY`), checked like `--env` names. */
export function readNames(value: unknown, option: string): string[] {
  const names = readValues(value)
  for (const name of names) {
    if (!variableNamePattern.test(name)) {
      throw new TektonError('E_INVALID_INPUT', `--${option} ${JSON.stringify(name.slice(0, 60))}: not a variable name`, { hint: 'A name is letters, digits and _, e.g. API_TOKEN' })
    }
  }
  return names
}

/** Whether stderr may be coloured, from the terminal, NO_COLOR and --no-color. */
export function stderrColour(args: ParsedArguments, context: CommandContext): boolean {
  return colorAllowed(context.io, 'stderr', args.color === false ? false : undefined)
}

/** The step lines for one command run. */
export function stepReporter(args: ParsedArguments, context: CommandContext): StepReporter {
  return createStepReporter(context.io, context.progress, { colour: stderrColour(args, context) })
}

/** Prints plans on stderr, where they do not mix with the data a script reads from stdout. */
export function showPlans(plans: readonly PlanView[], args: ParsedArguments, context: CommandContext): void {
  const style = createStyle(stderrColour(args, context))
  context.io.stderr(plans.map((plan) => renderPlan(plan, style)).join('\n'))
}

/**
 * Asks before anything is installed: nothing to ask with `--yes`; a y/N question when stdin is a
 * terminal; otherwise E_CONFIRMATION_REQUIRED, since a script cannot answer (and silence must
 * never mean yes). A "no" is E_CANCELLED: nothing was changed.
 */
export async function confirm(question: string, args: ParsedArguments, context: CommandContext, what: string): Promise<void> {
  if (args.yes === true) return
  const { io } = context
  if (io.isTTY.stdin !== true) {
    throw new TektonError('E_CONFIRMATION_REQUIRED', `${what} needs confirmation, and stdin is not a terminal to ask on`, {
      hint: 'Review the plan above, then pass --yes',
    })
  }
  context.progress.stop()
  let typed: string
  try {
    typed = await io.prompt(`${question} [y/N] `)
  } catch (error) {
    if (error instanceof PromptInterruptedError) throw interrupted(`${what} did not happen, nothing was changed`, error)
    throw error
  }
  const answer = typed.trim().toLowerCase()
  if (answer !== 'y' && answer !== 'yes') {
    throw new TektonError('E_CANCELLED', `Cancelled: ${what} did not happen, nothing was changed`, { hint: 'Run it again and answer y, or pass --yes' })
  }
}

/** An installed server's name or ref, as the user typed it. */
export function readName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : ''
  if (!name) throw new TektonError('E_INVALID_NAME', 'A server name is required', { hint: 'See the installed servers: tekton-mcp list' })
  return name
}

/** `E_INTERRUPTED` (exit 130): the user pressed Ctrl-C. */
function interrupted(what: string, cause: unknown): TektonError {
  return new TektonError('E_INTERRUPTED', `Interrupted (Ctrl-C): ${what}`, { hint: 'Run the command again to start over', cause })
}

/**
 * Runs `operation` with a signal that the first Ctrl-C aborts, so an install or update stops
 * where it is and removes what it staged (instead of leaving it for the next run to sweep).
 * Whatever the operation then throws (`E_ABORTED`, npm killed, a handshake cut short) becomes
 * `E_INTERRUPTED`, so the exit code is 130 as for any program Ctrl-C stopped.
 */
export async function interruptible<T>(context: CommandContext, operation: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  const release = context.io.onInterrupt(() => {
    context.io.stderr('\nStopping: removing what was staged (Ctrl-C again to quit at once)\n')
    controller.abort()
  })
  try {
    return await operation(controller.signal)
  } catch (error) {
    if (controller.signal.aborted) throw interrupted('stopped, what was staged is removed and nothing was recorded', error)
    throw error
  } finally {
    release()
  }
}

/** `--handshake-timeout <seconds>` in milliseconds, or undefined for the service's default. */
/** `--npm-inactivity-timeout <seconds>` in milliseconds, or undefined for the installer's default. */
/** The trust rules given on the command line (`--require-signatures`, `--require-provenance`, `--allow-trust-downgrade`). */
export function readTrustOptions(args: ParsedArguments): TrustOptions {
  return {
    ...(args.requireSignatures === true ? { requireSignatures: true } : {}),
    ...(args.requireProvenance === true ? { requireProvenance: true } : {}),
    ...(args.allowTrustDowngrade === true ? { allowTrustDowngrade: true } : {}),
    trustOrigin: 'command line',
  }
}

/**
 * The refusal a plan says the install would meet (a failed signature or provenance check, a trust
 * downgrade): thrown after the plan is shown, since asking would be pointless.
 */
export function trustRefusalError(plan: InstallPlan): TektonError | undefined {
  const refusal = plan.trustRefusal
  if (!refusal) return undefined
  return new TektonError(refusal.code as ErrorCode, refusal.message, refusal.hint === undefined ? {} : { hint: refusal.hint })
}

export function readInactivityTimeout(args: ParsedArguments): { inactivityTimeoutMs?: number } {
  return typeof args.npmInactivityTimeout === 'number' ? { inactivityTimeoutMs: args.npmInactivityTimeout * 1000 } : {}
}

export function readHandshakeTimeout(args: ParsedArguments): number | undefined {
  return typeof args.handshakeTimeout === 'number' ? args.handshakeTimeout * 1000 : undefined
}

/**
 * A handshake timeout's hint, made concrete for the CLI: the library says "raise the handshake
 * timeout" (it cannot name a flag), the CLI names its flag. Other errors pass through.
 */
export function withHandshakeTimeoutHint(error: unknown, args: ParsedArguments): unknown {
  // isInstance, not instanceof: the error may come from another copy of the installation package.
  if (!HandshakeError.isInstance(error) || error.code !== 'E_HANDSHAKE_TIMEOUT') return error
  const seconds = typeof args.handshakeTimeout === 'number' ? args.handshakeTimeout : 30
  return new HandshakeError(
    'E_HANDSHAKE_TIMEOUT',
    error.message,
    { stderr: error.stderr, exitCode: error.exitCode, signal: error.signal, command: error.command },
    {
      hint: `A server started for the first time can be slow: give it longer with --handshake-timeout ${Math.max(60, seconds * 2)}, or check that the package is an MCP server speaking stdio`,
      cause: error,
    },
  )
}

/**
 * Refuses, or asks about, a package that shows no sign of being an MCP server: installing one
 * downloads and installs it, then waits out the handshake timeout. `--force` installs it anyway;
 * `--yes` alone (or no terminal) refuses with `E_NOT_MCP_SERVER`; on a terminal the question
 * says why it is asked. Returns the question to ask.
 */
export function mcpQuestion(plan: InstallPlan, args: ParsedArguments, context: CommandContext, question: string): string {
  // The policy is the application's (the API applies it too); the CLI only words the hint.
  const refusal = args.force === true ? undefined : notMcpServerError(plan)
  if (!refusal) return question
  if (args.yes === true || context.io.isTTY.stdin !== true) {
    throw new TektonError(refusal.code, refusal.message, {
      hint: `Check the name (tekton-mcp search ${plan.name.slice(plan.name.lastIndexOf('/') + 1)}); if it is an MCP server, pass --force${args.yes === true ? '' : ' --yes'}`,
    })
  }
  return `${plan.name} shows no sign of being an MCP server. ${question.replace(/\?$/, ' anyway?')}`
}

/**
 * `--sandbox[=mode]` and `--sandbox-network` as install options: absent ones stay absent, so the
 * service's default (settings) or, on a reinstall, the recorded sandbox applies.
 */
export function readSandbox(args: ParsedArguments): { sandbox?: SandboxMode; sandboxNetwork?: boolean } {
  const mode = typeof args.sandbox === 'string' ? (args.sandbox as SandboxMode) : undefined
  return { ...(mode === undefined ? {} : { sandbox: mode }), ...(args.sandboxNetwork === true ? { sandboxNetwork: true } : {}) }
}

/** `--lint-policy` as an install option: absent, the policy file decides (else `warn`). */
export function readLintPolicy(args: ParsedArguments): { lintPolicy?: LintPolicy } {
  return args.lintPolicy === 'refuse' || args.lintPolicy === 'warn' ? { lintPolicy: args.lintPolicy } : {}
}

/**
 * The second question of an install or update: asked only when the handshake (run in staging)
 * gave description-lint findings, after showing them, since the plan shown before could not
 * hold them. With `--yes` the findings are shown and the install goes on.
 */
export function trustReviewer(args: ParsedArguments, context: CommandContext, verb: 'Install' | 'Update'): (report: TrustReport) => Promise<void> {
  return async (report) => {
    if (report.lint.findings.length === 0) return
    context.progress.stop()
    const style = createStyle(stderrColour(args, context))
    context.io.stderr(renderLintFindings(report, style))
    await confirm(`${verb} anyway?`, args, context, `${verb === 'Install' ? 'Installing' : 'Updating'} ${report.server} ${report.version} with description-lint findings`)
    if (args.yes === true) context.io.stderr(`${verb === 'Install' ? 'Installing' : 'Updating'} ${clean(report.server)} ${clean(report.version)} despite the findings (--yes)\n`)
  }
}

/** `--client a,b` as a list of ids (the parser already split and deduplicated it). */
export function readClientIds(value: unknown): string[] {
  if (value === undefined) return []
  const ids = (Array.isArray(value) ? value : [value]).map(String).map((id) => id.trim()).filter(Boolean)
  return [...new Set(ids)]
}
