/** Reading option values as commands need them, and the checks that need the library's own limits. */
import { TektonError } from '@tekton/mcp-discovery'

/** `--source npm,pypi --source github` → `['npm', 'pypi', 'github']`; undefined when absent. */
export function readList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined
  const items = (Array.isArray(value) ? value : [value])
    .flatMap((item) => String(item).split(','))
    .map((item) => item.trim())
    .filter(Boolean)
  return items.length > 0 ? [...new Set(items)] : undefined
}

/** A whole number in `min..max`, or undefined when absent; anything else is E_INVALID_INPUT. */
export function readInteger(value: unknown, option: string, range: { min: number; max: number }): number | undefined {
  if (value === undefined || value === null) return undefined
  const number = typeof value === 'number' ? value : Number(value)
  if (!Number.isInteger(number) || number < range.min || number > range.max) {
    throw new TektonError('E_INVALID_INPUT', `--${option} must be a whole number from ${range.min} to ${range.max}, not ${JSON.stringify(String(value))}`, {
      hint: `Try --${option} ${Math.min(range.max, 20)}`,
    })
  }
  return number
}

/** The last value of a string option given once or more. */
export function readString(value: unknown): string | undefined {
  const last = Array.isArray(value) ? value.at(-1) : value
  return last === undefined || last === null ? undefined : String(last)
}
