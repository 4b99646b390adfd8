/**
 * Secret input values (a remote URL's `{variable}` declared `isSecret`, a secret package
 * argument given with `--input`) end up inside other strings: the remote URL, the record's
 * identifier, the launch spec's argv. Moving them to the secret store by field, as variables
 * and headers are, would miss the copies; instead every string of a record has each secret
 * value replaced by a placeholder naming its input (`{tekton-secret:KEY}`, or
 * `{tekton-secret-url:KEY}` for its URL-encoded form) when the state is written, and the
 * placeholders are put back when the state is read through the store. A record read that way
 * (the handshake, verify, the launcher) launches with the real values; the file holds none.
 */
import { isSecretVariable } from './environment'

/** Input values by key, as `configuration.inputs` holds them. */
export type SecretInputValues = Record<string, string | string[]>

/** Whether an input key names a secret by itself (`--api-key`, `api_token`): how older records are migrated. */
export function isSecretLookingInput(key: string): boolean {
  return isSecretVariable(key.replace(/^-+/, '').replace(/-/g, '_').toUpperCase())
}

/** `[placeholder, value]` pairs for the values, longest value first (a value inside another is replaced after it). */
export function secretInputReplacements(values: SecretInputValues): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  for (const [key, value] of Object.entries(values)) {
    const list = typeof value === 'string' ? [value] : value
    list.forEach((item, index) => {
      if (item.length === 0) return
      const name = typeof value === 'string' ? key : `${key}#${index}`
      pairs.push([`{tekton-secret:${name}}`, item])
      const encoded = encodeURIComponent(item)
      if (encoded !== item) pairs.push([`{tekton-secret-url:${name}}`, encoded])
    })
  }
  return pairs.sort((left, right) => right[1].length - left[1].length)
}

function mapStrings<T>(value: T, replace: (text: string) => string): T {
  if (typeof value === 'string') return replace(value) as T
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, replace)) as T
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, replace)])) as T
  }
  return value
}

function escapedForRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * A copy of `value` with every secret value in its strings replaced by its placeholder. One pass
 * over each string with all values at once (longest first), so a placeholder just written is
 * never searched again: a short value that also occurs in placeholder text (`t`, `secret`)
 * cannot corrupt another value's placeholder, and the read puts back exactly what was written.
 */
export function maskSecretInputs<T>(value: T, values: SecretInputValues): T {
  const pairs = secretInputReplacements(values)
  if (pairs.length === 0) return value
  const placeholderOf = new Map<string, string>()
  for (const [placeholder, secret] of pairs) if (!placeholderOf.has(secret)) placeholderOf.set(secret, placeholder)
  const pattern = new RegExp([...placeholderOf.keys()].map(escapedForRegExp).join('|'), 'g')
  return mapStrings(value, (text) => text.replace(pattern, (secret) => placeholderOf.get(secret) ?? secret))
}

/** A copy of `value` with every placeholder in its strings replaced by its secret value (one pass, as `maskSecretInputs`). */
export function unmaskSecretInputs<T>(value: T, values: SecretInputValues): T {
  const pairs = secretInputReplacements(values)
  if (pairs.length === 0) return value
  const secretOf = new Map(pairs)
  return mapStrings(value, (text) => (text.includes('{tekton-secret') ? text.replace(/\{tekton-secret(?:-url)?:[^{}]+\}/g, (placeholder) => secretOf.get(placeholder) ?? placeholder) : text))
}

/**
 * The secret values among a record's inputs: those it lists in `secretInputs` (set at install
 * from the declarations) and those whose key says so (records written before the list existed).
 */
export function secretInputsOf(configuration: { inputs?: SecretInputValues; secretInputs?: string[] }): SecretInputValues {
  const listed = new Set(configuration.secretInputs ?? [])
  const secret: SecretInputValues = {}
  for (const [key, value] of Object.entries(configuration.inputs ?? {})) {
    if (listed.has(key) || isSecretLookingInput(key)) secret[key] = typeof value === 'string' ? value : [...value]
  }
  return secret
}
