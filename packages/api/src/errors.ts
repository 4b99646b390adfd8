/**
 * One error shape for every route: `{ error: { code, message, hint } }`, with the HTTP status the
 * error catalogue gives the code (so a new code cannot reach a client without a decided status),
 * `Retry-After` on 429, and never a stack trace: an unexpected failure is E_INTERNAL with its
 * message, credentials redacted.
 */
import { RegistryHttpError, describeErrorCode, redact, toTektonError } from '@tekton/mcp-discovery'
import type { ErrorCode } from '@tekton/mcp-discovery'
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'

/** The body of every error answer. */
export interface ApiErrorBody {
  error: { code: string; message: string; hint?: string }
}

/** A TektonError (or anything thrown) as the JSON body and status an API answers with. */
export function errorResponse(error: unknown, now: () => number = Date.now): Response {
  if (error instanceof HTTPException) return error.getResponse()
  const failure = toTektonError(error)
  const status = describeErrorCode(failure.code).httpStatus
  const body: ApiErrorBody = { error: { code: failure.code, message: redact(failure.message), ...(failure.hint ? { hint: redact(failure.hint) } : {}) } }
  const headers = new Headers({ 'content-type': 'application/json; charset=UTF-8' })
  if (status === 429) headers.set('retry-after', String(retryAfterSeconds(error, now)))
  return new Response(JSON.stringify(body), { status, headers })
}

/** An error answer built here (security checks, the rate limit) rather than thrown by an operation. */
export function apiError(code: ErrorCode, message: string, hint?: string, headers: Record<string, string> = {}): HTTPException {
  const status = describeErrorCode(code).httpStatus
  const body: ApiErrorBody = { error: { code, message, ...(hint ? { hint } : {}) } }
  const res = new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=UTF-8', ...headers } })
  return new HTTPException(status as 400, { res })
}

/** Seconds until a rate-limited upstream accepts requests again; 60 when it did not say. */
function retryAfterSeconds(error: unknown, now: () => number): number {
  const retryAt = RegistryHttpError.isInstance(error) ? error.retryAt : undefined
  if (retryAt === undefined) return 60
  return Math.max(1, Math.ceil((retryAt - now()) / 1000))
}

/** Hono's `onError`: every failure through `errorResponse`. */
export function onApiError(now: () => number) {
  return (error: Error, _context: Context): Response => errorResponse(error, now)
}
