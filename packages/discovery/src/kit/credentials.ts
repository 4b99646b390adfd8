/**
 * Credentials out of URLs before they are stored or shown. Cache keys, file names, messages and
 * metadata outlive the request, and a registry configured as `https://user:password@host/` or
 * `...?token=...` must not take its secret along.
 */
import { decodeURIComponentSafely } from './uri'

/** Query parameters that carry a secret by name (the same list `redact` masks in messages). */
export const credentialQueryParameters: ReadonlySet<string> = new Set(['token', 'access_token', 'auth', 'key', 'api_key', 'apikey', 'password', 'secret'])

const userinfoPattern = /^([a-z][a-z\d+.-]*:\/\/)[^/?#@]*@/i

/**
 * `url` without its userinfo (`user:password@`) and without query parameters named like a
 * credential (`token`, `access_token`, `auth`, `key`, `api_key`, `apikey`, `password`, `secret`,
 * any case). Everything else stays exactly as given (no trailing slash added or removed, no
 * re-encoding), so a normalised base URL stays normalised and two calls agree on a cache key.
 * Text that is not a URL is handled the same way and never throws.
 */
export function withoutCredentials(url: string): string {
  let result = url.replace(userinfoPattern, '$1')
  const queryStart = result.indexOf('?')
  if (queryStart === -1) return result
  const hashStart = result.indexOf('#', queryStart)
  const query = result.slice(queryStart + 1, hashStart === -1 ? undefined : hashStart)
  const kept = query.split('&').filter((pair) => pair !== '' && !credentialQueryParameters.has(parameterName(pair)))
  const fragment = hashStart === -1 ? '' : result.slice(hashStart)
  result = `${result.slice(0, queryStart)}${kept.length > 0 ? `?${kept.join('&')}` : ''}${fragment}`
  return result
}

/** Whether `url` carries userinfo or a credential-like query parameter. */
export function hasCredentials(url: string): boolean {
  return withoutCredentials(url) !== url
}

function parameterName(pair: string): string {
  return decodeURIComponentSafely((pair.split('=', 1)[0] ?? '').replace(/\+/g, ' ')).toLowerCase()
}
