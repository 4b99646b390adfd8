/** Exit codes, documented in docs/mcp/cli_reference.md; a script may rely on them. */
export const exitCodes = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  /** Stopped by Ctrl-C (128 + SIGINT), as a shell reports a program that SIGINT ended. */
  interrupted: 130,
} as const

// Input the user can fix by typing something else.
const usageCodes = new Set([
  'E_USAGE',
  'E_INVALID_REF',
  'E_INVALID_QUERY',
  'E_INVALID_INPUT',
  'E_AMBIGUOUS_REF',
  'E_AMBIGUOUS_NAME',
  'E_UNKNOWN_SOURCE',
  'E_INVALID_NAME',
  'E_INVALID_VERSION',
  'E_FORBIDDEN_ENV',
  'E_CONFIRMATION_REQUIRED',
  'E_NOT_MCP_SERVER',
])

/** The exit code for an error code. */
export function exitCodeFor(code: string): number {
  if (code === 'E_NOT_FOUND' || code === 'E_NOT_INSTALLED' || code === 'E_VERSION_NOT_FOUND') return exitCodes.notFound
  if (code === 'E_INTERRUPTED') return exitCodes.interrupted
  if (usageCodes.has(code)) return exitCodes.usage
  return exitCodes.failure
}
