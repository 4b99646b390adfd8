/**
 * Values the way SQLAlchemy stores and returns them, so rows we write read in Ergon as if Ergon
 * wrote them, and rows Ergon wrote serialise here as its `to_dict()` does.
 *
 * - DATETIME: naive UTC text `YYYY-MM-DD HH:MM:SS.ffffff` on SQLite (always six digits), a
 *   `TIMESTAMP WITHOUT TIME ZONE` on PostgreSQL; `to_dict()` shows Python's `isoformat()`, which
 *   drops the fraction when the microseconds are zero.
 * - BOOLEAN: `0/1` on SQLite, a real boolean on PostgreSQL; `to_dict()` shows true/false/null.
 * - JSON: the text Python's `json.dumps` writes (`", "` and `": "` separators, non-ASCII escaped),
 *   which is also what registration.py stores as a parameter's `default_value`.
 */
import type { Dialect } from './schema'

/** A clock instant as SQLAlchemy writes `datetime.utcnow()`: `2026-01-02 03:04:05.678000`. */
export function sqlTimestamp(epochMs: number): string {
  const date = new Date(epochMs)
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a time: ${epochMs}`)
  const iso = date.toISOString() // 2026-01-02T03:04:05.678Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${iso.slice(20, 23)}000`
}

const timestampPattern = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?$/

/**
 * Python's `datetime.isoformat()` of a stored timestamp (`2026-01-02T03:04:05.678000`, or without
 * the fraction when it is zero), or `null`. Text that is not a timestamp is returned as it is,
 * rather than hiding what the database holds.
 */
export function isoformat(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return isoformat(sqlTimestamp(value.getTime()))
  const text = String(value)
  const match = timestampPattern.exec(text)
  if (!match) return text
  const fraction = (match[3] ?? '').padEnd(6, '0')
  return `${match[1]}T${match[2]}${/^0+$/.test(fraction) ? '' : `.${fraction}`}`
}

/** A boolean as the dialect stores it. */
export function sqlBoolean(dialect: Dialect, value: boolean): number | boolean {
  return dialect === 'sqlite' ? (value ? 1 : 0) : value
}

/** A stored boolean as Python reads it: `bool`, or `None` for NULL. */
export function readBoolean(value: unknown): boolean | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'boolean') return value
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) !== 0
  if (typeof value === 'string') return value === '1' || value === 't' || value === 'true'
  return Boolean(value)
}

/** A JSON column's value as Python reads it (PostgreSQL's driver has parsed it already). */
export function readJson(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null
  try {
    return JSON.parse(value)
  } catch {
    // Not JSON after all: show the text rather than fail the whole listing.
    return value
  }
}

/**
 * Python's `json.dumps(value)` with its defaults: `", "` between items, `": "` after keys,
 * non-ASCII characters as `\uXXXX`. Numbers are JavaScript's (a schema's `1.0` was parsed as `1`).
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return asciiString(value)
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined)
    return `{${entries.map(([key, item]) => `${asciiString(key)}: ${pythonJsonDumps(item)}`).join(', ')}}`
  }
  return asciiString(String(value))
}

function asciiString(text: string): string {
  return JSON.stringify(text).replace(/[\u0080-\uffff]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
