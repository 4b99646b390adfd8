/**
 * One error family for every @tekton/mcp-* package: a stable string `code` a program can switch on,
 * a `hint` a person can act on, and the underlying `cause`.
 *
 * Separately published packages can be installed twice (two copies of this module), so
 * `instanceof` is not reliable across them: use `TektonError.isInstance(error)`, which checks a
 * `Symbol.for` brand shared by every copy. Each subclass that carries data has a brand and an
 * `isInstance` of its own (`RegistryHttpError.isInstance(error)`), so nobody reads a field such
 * as `status` "by shape" off an error that merely looks right.
 */

import type { ErrorCode } from './error-catalog'

const brand = Symbol.for('@tekton/mcp.error')
const registryHttpErrorBrand = Symbol.for('@tekton/mcp.error.registry-http')

/** Codes used across the packages: the keys of `errorCatalog` (see error-catalog.ts). */
export type { ErrorCode } from './error-catalog'

export interface TektonErrorOptions {
  hint?: string
  cause?: unknown
}

export class TektonError extends Error {
  readonly [brand] = true
  override readonly name: string = 'TektonError'
  readonly code: ErrorCode
  readonly hint: string | undefined

  constructor(code: ErrorCode, message: string, options: TektonErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.hint = options.hint
  }

  /** True for any TektonError, whichever copy of this package created it. */
  static isInstance(error: unknown): error is TektonError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true
  }

  /** A plain, JSON-safe view (no stack) for `--json` output and API bodies. */
  toJSON(): { code: string; message: string; hint?: string } {
    return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}) }
  }
}

/** An HTTP exchange that failed: a bad status, the network, a timeout, or an unusable body. */
export class RegistryHttpError extends TektonError {
  readonly [registryHttpErrorBrand] = true
  override readonly name = 'RegistryHttpError'
  /** The URL requested, with any credentials removed. */
  readonly url: string
  /** The HTTP status, when a response arrived. */
  readonly status: number | undefined
  /** Whether trying again later may succeed (5xx, 429, network and timeouts). */
  readonly retryable: boolean
  /** For rate limits: when requests may resume (epoch ms), if the server said. */
  readonly retryAt: number | undefined

  constructor(
    code: ErrorCode,
    message: string,
    details: { url: string; status?: number; retryable: boolean; retryAt?: number },
    options: TektonErrorOptions = {},
  ) {
    super(code, message, options)
    this.url = details.url
    this.status = details.status
    this.retryable = details.retryable
    this.retryAt = details.retryAt
  }

  /** True for any RegistryHttpError, whichever copy of this package created it. */
  static override isInstance(error: unknown): error is RegistryHttpError {
    return TektonError.isInstance(error) && (error as unknown as Record<symbol, unknown>)[registryHttpErrorBrand] === true
  }
}

/** Wraps anything thrown into a TektonError, keeping TektonErrors as they are. */
export function toTektonError(error: unknown, fallbackCode: ErrorCode = 'E_INTERNAL'): TektonError {
  if (TektonError.isInstance(error)) return error
  const message = error instanceof Error ? error.message : String(error)
  return new TektonError(fallbackCode, message, { cause: error })
}

const credentialPattern = /(\/\/)([^/@\s:]+)(?::[^/@\s]*)?@/g
const secretParamPattern = /([?&](?:token|access_token|auth|key|api_key|apikey|password|secret)=)[^&#\s]*/gi
const bearerPattern = /\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{8,}/g

/** Removes credentials from URLs and text: `https://user:pass@host` and `?token=` values and auth headers. */
export function redact(text: string): string {
  return text
    .replace(credentialPattern, '$1***@')
    .replace(secretParamPattern, '$1***')
    .replace(bearerPattern, '$1 ***')
}
