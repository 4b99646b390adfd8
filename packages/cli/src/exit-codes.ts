/**
 * Exit codes, documented in docs/mcp/errors.md; a script may rely on them. Which code a failure
 * exits with comes from the error catalogue, so the CLI and an HTTP front end classify errors
 * the same way and a new code cannot be left out.
 */
import { describeErrorCode } from '@tekton/mcp-discovery/error-catalog'

export const exitCodes = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  /** Ctrl-C: 128 + SIGINT, as shells report a process a signal ended. */
  interrupted: 130,
} as const

/** The exit code for an error code: the catalogue's, or 1 for a code it does not know. */
export function exitCodeFor(code: string): number {
  return describeErrorCode(code).exitCode
}
