/**
 * Changing one key of one layer's file, as `config set` and `config unset` do. The user's file
 * is edited, not rewritten: JSON through `jsonc-parser`'s edit operations and YAML through the
 * `yaml` Document API, so comments, order and formatting outside the key stay as they were.
 *
 * The result is checked as a whole layer before anything is written (an invalid value, or a file
 * that does not parse, leaves the file untouched), then written atomically: a temporary file in
 * the same directory renamed over the old one, so a reader never sees half a file.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { TektonError } from '@tekton/mcp-discovery'
import { applyEdits, modify } from 'jsonc-parser'
import { parseDocument } from 'yaml'
import { checkLayerValue, formatOf, locateSettingsFiles, parseSettingsText } from './files'
import type { SettingsIssue, SettingsLocationOptions, SettingsScope } from './files'
import { loadSettings } from './load'
import { isSettingKey, settingKeys } from './schema'

export interface EditSettingsOptions extends SettingsLocationOptions {
  /** The layer to change. @default 'user' */
  scope?: SettingsScope
}

/** What an edit did. */
export interface SettingsEdit {
  scope: SettingsScope
  file: string
  key: string
  /** Whether the file changed (an unset of a key the file does not have changes nothing). */
  changed: boolean
  /** Whether the file was created by this edit. */
  created: boolean
  /** Warnings after the edit about this key (a lower layer loosening the administrator's policy). */
  warnings: SettingsIssue[]
}

/** A value typed on a command line: a JSON literal when it parses as one, else the text as a string. */
export function parseSettingValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

/** Sets `key` (dotted) to `value` in the scope's file, creating the file when needed. */
export async function setSetting(key: string, value: unknown, options: EditSettingsOptions = {}): Promise<SettingsEdit> {
  checkKey(key)
  if (value === undefined) throw new TektonError('E_INVALID_INPUT', `No value given for ${key}`)
  return edit(key, value, options)
}

/** Removes `key` (dotted) from the scope's file; a key the file does not have changes nothing. */
export async function unsetSetting(key: string, options: EditSettingsOptions = {}): Promise<SettingsEdit> {
  checkKey(key)
  return edit(key, undefined, options)
}

function checkKey(key: string): void {
  if (!isSettingKey(key)) {
    throw new TektonError('E_SETTINGS_INVALID', `${JSON.stringify(key)} is not a setting`, { hint: `Settings are: ${settingKeys.join(', ')} (and clients.paths.<client>)` })
  }
}

async function edit(key: string, value: unknown, options: EditSettingsOptions): Promise<SettingsEdit> {
  const scope = options.scope ?? 'user'
  const { file, exists } = locateSettingsFiles(options)[scope]
  const format = formatOf(file)
  const before = exists ? await readFile(file, 'utf8') : ''
  const parsedBefore = parseSettingsText(before, format)
  if ('errors' in parsedBefore) {
    throw new TektonError('E_SETTINGS_INVALID', `${file} is not valid ${format === 'json' ? 'JSON' : 'YAML'} (${parsedBefore.errors.join('; ')}); it was not changed`, {
      hint: 'Fix the file by hand first',
    })
  }
  const segments = key.split('.')
  if (value === undefined && getIn(parsedBefore.value, segments) === undefined) return { scope, file, key, changed: false, created: false, warnings: [] }

  const after = format === 'json' ? editJson(before, segments, value) : editYaml(before, segments, value)
  const parsedAfter = parseSettingsText(after, format)
  if ('errors' in parsedAfter) throw new TektonError('E_SETTINGS_INVALID', `Editing ${file} would not give valid ${format}: ${parsedAfter.errors.join('; ')}`)
  const errors = checkLayerValue(parsedAfter.value, file).issues.filter((issue) => issue.severity === 'error')
  if (errors.length > 0) {
    const problems = errors.slice(0, 5).map((issue) => `${issue.path || '(top)'}: ${issue.message}`)
    const change = value === undefined ? `removing ${key}` : `${key} = ${JSON.stringify(value)}`
    throw new TektonError('E_SETTINGS_INVALID', `${change} would make ${file} invalid (${problems.join('; ')}); nothing was written`, {
      hint: 'Give a value of the type the settings reference lists for that key (a number without quotes, true/false, a JSON list)',
    })
  }

  await writeAtomically(file, after)
  // Another layer may be invalid: the edit is done all the same, and that layer's error shows on the next read.
  let warnings: SettingsIssue[] = []
  try {
    warnings = loadSettings(options).warnings.filter((issue) => issue.file === file && (issue.path === key || issue.path.startsWith(`${key}.`)))
  } catch {
    warnings = []
  }
  return { scope, file, key, changed: true, created: !exists, warnings }
}

function getIn(value: unknown, segments: readonly string[]): unknown {
  return segments.reduce<unknown>((node, segment) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined), value)
}

function editJson(text: string, segments: string[], value: unknown): string {
  const base = text.trim() === '' ? '{}\n' : text
  const edits = modify(base, segments, value, { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } })
  const edited = applyEdits(base, edits)
  return edited.endsWith('\n') ? edited : `${edited}\n`
}

function editYaml(text: string, segments: string[], value: unknown): string {
  const document = parseDocument(text)
  if (value === undefined) document.deleteIn(segments)
  else document.setIn(segments, document.createNode(value))
  // Flow lists keep their compact look (`[npm, registry]`, not `[ npm, registry ]`).
  return document.toString({ flowCollectionPadding: false })
}

/** Writes `text` to `file` through a temporary file in the same directory and a rename; the old mode is kept. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true })
  const mode = await stat(file).then((stats) => stats.mode & 0o777, () => 0o644)
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    await writeFile(temporary, text, { mode })
    await rename(temporary, file)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
}
