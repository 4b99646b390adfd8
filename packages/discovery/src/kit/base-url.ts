/**
 * One check for every configured base URL (a registry, an index, an API): it must parse, be
 * http(s), and lose what a base cannot use. Each source says what it tolerates; the wording of
 * the errors is the same everywhere.
 */
import { TektonError, redact } from '../errors'

/** Options of `normalizeBaseUrl`. */
export interface NormalizeBaseUrlOptions {
  /** Source id for messages: `npm` → `[npm] ...`. */
  source: string
  /** What the URL is and where it came from, for messages: `the registry from ~/.npmrc`. */
  what: string
  /** What to do instead, for the error's hint. */
  hint?: string
  /** A query or fragment is dropped, or refused as a configuration error. @default 'drop' */
  query?: 'drop' | 'refuse'
  /** `user:password@` is kept (the HTTP client sends it as Basic authentication) or refused. @default 'keep' */
  credentials?: 'keep' | 'refuse'
  /** Whether the result ends in `/` (pip's index URLs do) or not. @default false */
  trailingSlash?: boolean
}

/**
 * Checks a configured base URL and returns it normalised: trimmed, http(s) only, with or
 * without one trailing slash. Throws `E_CONFIG` (credentials redacted) when it is not usable.
 */
export function normalizeBaseUrl(raw: string, options: NormalizeBaseUrlOptions): string {
  const prefix = `[${options.source}] ${options.what}`
  const fail = (problem: string, hint = options.hint) => new TektonError('E_CONFIG', `${prefix} ${problem}`, hint ? { hint } : {})
  let url: URL
  try {
    url = new URL(typeof raw === 'string' ? raw.trim() : String(raw))
  } catch {
    throw fail(`is not a URL: ${JSON.stringify(redact(String(raw)))}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fail(`must be an http(s) URL, got ${url.protocol}`)
  if ((url.username !== '' || url.password !== '') && options.credentials === 'refuse') {
    throw fail('must not carry credentials', 'Pass the token through its own option or variable instead')
  }
  if (url.search !== '' || url.hash !== '') {
    if (options.query === 'refuse') throw fail(`must not have a query or fragment: ${redact(url.href)}`)
    url.search = ''
    url.hash = ''
  }
  const withoutSlash = url.href.replace(/\/+$/, '')
  return options.trailingSlash ? `${withoutSlash}/` : withoutSlash
}

/** Whether `value` is an absolute http(s) URL: what may be shown as a link or fetched (not `javascript:`, `file:`). */
export function isHttpUrl(value: string | undefined | null): value is string {
  if (!value) return false
  try {
    const { protocol } = new URL(value)
    return protocol === 'https:' || protocol === 'http:'
  } catch {
    return false
  }
}
