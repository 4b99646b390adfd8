/** Exit codes, documented in the README; a script may rely on them. */
export const exitCodes = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
} as const

// Input the user can fix by typing something else.
const usageCodes = new Set(['E_USAGE', 'E_INVALID_REF', 'E_INVALID_QUERY', 'E_INVALID_INPUT', 'E_AMBIGUOUS_REF', 'E_UNKNOWN_SOURCE', 'E_INVALID_NAME', 'E_INVALID_VERSION', 'E_FORBIDDEN_ENV', 'E_CONFIRMATION_REQUIRED'])

/** The exit code for an error code. */
export function exitCodeFor(code: string): number {
  if (code === 'E_NOT_FOUND' || code === 'E_NOT_INSTALLED' || code === 'E_VERSION_NOT_FOUND') return exitCodes.notFound
  if (usageCodes.has(code)) return exitCodes.usage
  return exitCodes.failure
}
