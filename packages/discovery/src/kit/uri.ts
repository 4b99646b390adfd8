/** Percent-decoding of URL parts taken from configuration or registry data, which may be malformed. */

/**
 * `decodeURIComponent`, but a malformed escape (`%E0%A4%A`, a lone `%`) gives the text as it
 * is instead of throwing: a path segment or a credential from outside data must not fail the
 * caller, and what is kept is what was given.
 */
export function decodeURIComponentSafely(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
