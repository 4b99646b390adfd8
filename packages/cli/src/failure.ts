/** The one top-level error handler: any error becomes one coded line, a hint and an exit code. */
import type { CliIo } from './io'
import { colorAllowed } from './io'
import { exitCodeFor } from './exit-codes'
import type { OutputFormat } from './output/format'
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

/** Turns anything thrown into a Failure; TektonErrors keep their code and hint. */
export async function toFailure(error: unknown): Promise<Failure> {
  // Loaded only on the error path: the discovery package pulls in zod.
  const { TektonError, redact } = await import('@tekton/mcp-discovery')
  const detail = describeChain(error, redact)
  if (TektonError.isInstance(error)) {
    const { code: _code, message: _message, hint: _hint, ...data } = error.toJSON() as Record<string, unknown>
    return { code: error.code, message: redact(error.message), ...(error.hint ? { hint: error.hint } : {}), detail, ...(Object.keys(data).length > 0 ? { data } : {}) }
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
  const colour = colorAllowed(io, 'stderr', options.color)
  const red = (text: string) => (colour ? `\u001b[31m${text}\u001b[39m` : text)
  const dim = (text: string) => (colour ? `\u001b[2m${text}\u001b[22m` : text)
  let text = `${red(`error ${failure.code}:`)} ${failure.message}\n`
  if (failure.hint) text += `${dim('hint:')} ${failure.hint}\n`
  if (options.debug && failure.detail) text += `${dim(failure.detail)}\n`
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
