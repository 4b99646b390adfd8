/** Small text helpers shared by the renderers. */

// Registry data is written by strangers: escape sequences in a description could rewrite the
// terminal (move the cursor, fake a prompt), so every outside string goes through `clean`.
// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g

/** Removes control and bidirectional characters and folds whitespace runs into one space. */
export function clean(text: string | undefined): string {
  if (!text) return ''
  return text.replace(controlCharacters, '').replace(/\s+/g, ' ').trim()
}

/**
 * Like `clean`, for text whose lines matter (a `--debug` stack): removes the same characters but
 * keeps line breaks and tabs, trimming only the ends of the whole text.
 */
export function cleanLines(text: string | undefined): string {
  if (!text) return ''
  return text.replace(/\r\n?/g, '\n').replace(controlCharacters, '').trim()
}

/** Shortens to `width` characters with an ellipsis; never returns more than `width`. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return ''
  const characters = Array.from(text)
  if (characters.length <= width) return text
  if (width === 1) return '…'
  return `${characters.slice(0, width - 1).join('').trimEnd()}…`
}

/** `40 s`, `12 min`, `3 h`, `2 d`: an age a person reads at a glance. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  if (seconds < 60) return `${seconds} s`
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.round(minutes / 60)
  if (hours < 48) return `${hours} h`
  return `${Math.round(hours / 24)} d`
}

/** `340 ms`, `2.1 s`, `3 min`: how long a step took. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`
  if (ms < 60_000) return `${trimZero((ms / 1000).toFixed(1))} s`
  return formatAge(ms)
}

/** `1234567` → `1.2M`, `12345` → `12.3k`. */
export function formatCount(value: number): string {
  if (value >= 1_000_000) return `${trimZero((value / 1_000_000).toFixed(1))}M`
  if (value >= 1_000) return `${trimZero((value / 1_000).toFixed(1))}k`
  return String(Math.round(value))
}

function trimZero(text: string): string {
  return text.endsWith('.0') ? text.slice(0, -2) : text
}

/** The date part of an ISO time (`2025-03-01`), or an empty string. */
export function formatDate(iso: string | undefined): string {
  if (!iso) return ''
  const time = Date.parse(iso)
  return Number.isNaN(time) ? '' : new Date(time).toISOString().slice(0, 10)
}

/** Pads to `width` terminal columns, ignoring ANSI colour codes. */
export function padEnd(text: string, width: number): string {
  const visible = visibleWidth(text)
  return visible >= width ? text : text + ' '.repeat(width - visible)
}

// Wide (CJK, Hangul, full-width forms, most emoji) and zero-width (combining marks) ranges, so
// tables stay aligned when a description is not in Latin script.
const wideRanges: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f], [0x2e80, 0x303e], [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf],
  [0xac00, 0xd7a3], [0xf900, 0xfaff], [0xfe30, 0xfe4f], [0xff00, 0xff60], [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f], [0x1f900, 0x1f9ff], [0x20000, 0x3fffd],
]

/** Terminal columns `text` takes, without ANSI colour codes. */
export function visibleWidth(text: string): number {
  let width = 0
  // eslint-disable-next-line no-control-regex
  for (const character of text.replace(/\u001b\[[0-9;]*m/g, '')) {
    const code = character.codePointAt(0) ?? 0
    if (code < 0x300) {
      width += 1
      continue
    }
    if ((code >= 0x300 && code <= 0x36f) || code === 0x200d || (code >= 0xfe00 && code <= 0xfe0f)) continue
    width += wideRanges.some(([low, high]) => code >= low && code <= high) ? 2 : 1
  }
  return width
}

/**
 * Rows laid out in borderless columns: each column as wide as its widest cell plus `gap`, trailing
 * spaces trimmed. (A table library would cost more to load than the whole cached answer.)
 */
export function renderColumns(rows: ReadonlyArray<readonly string[]>, gap = 2): string[] {
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, visibleWidth(cell))
    })
  }
  return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : padEnd(cell, (widths[index] ?? 0) + gap))).join('').trimEnd())
}

/** Label/value lines with the labels aligned; empty values are left out. */
export function renderFields(fields: ReadonlyArray<readonly [label: string, value: string | undefined]>, labelStyle: (text: string) => string): string {
  const shown = fields.filter((field): field is readonly [string, string] => Boolean(field[1]))
  const width = Math.max(0, ...shown.map(([label]) => label.length))
  return shown.map(([label, value]) => `  ${labelStyle(padEnd(label, width))}  ${value}\n`).join('')
}
