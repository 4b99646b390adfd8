/** Building RegistryHttpErrors whose messages say who, what and where, with credentials removed. */
import { STATUS_CODES } from 'node:http'
import { RegistryHttpError, redact, type ErrorCode } from '../errors'

/** What an error message needs to know about the request; the URL is already redacted. */
export interface RequestLabel {
  source: string | undefined
  method: string
  displayUrl: string
}

/** `[npm] GET https://host/path` */
export function describeRequest(label: RequestLabel): string {
  return `${label.source ? `[${label.source}] ` : ''}${label.method} ${label.displayUrl}`
}

/** `404 Not Found`, falling back to Node's table when the server sent no reason phrase (HTTP/2 never does). */
export function describeStatus(status: number, statusText: string): string {
  const text = statusText || STATUS_CODES[status] || ''
  return text ? `${status} ${text}` : String(status)
}

/** A RegistryHttpError for `label`: `[source] GET <url> <detail>`, redacted as a whole. */
export function createHttpError(
  label: RequestLabel,
  code: ErrorCode,
  detail: string,
  details: { status?: number; retryable: boolean; retryAt?: number },
  options: { hint?: string; cause?: unknown } = {},
): RegistryHttpError {
  // Server-supplied text and transport messages may echo the URL back: redact the whole message.
  const message = redact(`${describeRequest(label)} ${detail}`)
  return new RegistryHttpError(code, message, { url: label.displayUrl, ...details }, options)
}

/**
 * The most specific description of a transport failure: undici reports "fetch failed" with the
 * useful part (`connect ECONNREFUSED 127.0.0.1:9`, `getaddrinfo ENOTFOUND host`) in `cause`.
 */
export function describeTransportFailure(error: unknown): { detail: string; cause: unknown } {
  let current: unknown = error
  for (let depth = 0; depth < 5; depth++) {
    // By shape: errors from another realm (a test VM, a worker) fail `instanceof Error`.
    const next = typeof current === 'object' && current !== null && 'cause' in current ? (current as { cause?: unknown }).cause : undefined
    if (next === undefined || next === null) break
    current = next
  }
  const message = typeof current === 'object' && current !== null && typeof (current as { message?: unknown }).message === 'string' ? (current as { message: string }).message : String(current)
  const code = typeof current === 'object' && current !== null && 'code' in current ? String(current.code) : undefined
  const detail = code && !message.includes(code) ? `${code}: ${message}` : message
  return { detail, cause: current }
}
