/**
 * Where the layers live and how one file is read. Three scopes: `global` (an administrator's
 * `/etc/tekton-mcp/`, or the directory `TEKTON_MCP_SYSTEM_CONFIG_DIR` names), `user` (the config
 * directory tekton-mcp already uses, `TEKTON_MCP_HOME` honoured) and `project` (the nearest
 * `.tekton-mcp.json`/`.yaml`/`.yml` upward from the working directory).
 *
 * A file is parsed as JSONC or YAML, then checked against the strict layer schema. Problems are
 * data (issues with the file and a dotted path), not exceptions: `config show` lists them, and
 * loading refuses a layer with errors as a whole, because a policy half-read is no policy.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { tektonPaths } from '@tekton/mcp-discovery'
import { parse as parseJsonc, printParseErrorCode } from 'jsonc-parser'
import type { ParseError } from 'jsonc-parser'
import { parseDocument } from 'yaml'
import type { z } from 'zod'
import { SettingsLayerSchema } from './schema'
import type { SettingsLayer } from './schema'

/** The scopes, from the lowest precedence to the highest. */
export const settingsScopes = ['global', 'user', 'project'] as const
export type SettingsScope = (typeof settingsScopes)[number]

/** The variable naming the administrator's directory instead of `/etc/tekton-mcp`. */
export const systemConfigDirVariable = 'TEKTON_MCP_SYSTEM_CONFIG_DIR'

export type SettingsFormat = 'json' | 'yaml'

/** One problem in a layer: an error makes the layer unusable, a warning does not. */
export interface SettingsIssue {
  severity: 'error' | 'warning'
  /** The file (or `$VARIABLE`) the problem is in. */
  file: string
  /** Dotted path of the key (`policy.allowedSources.1`); empty for the whole file. */
  path: string
  message: string
}

/** A layer's file: where it is (or would be created), and what it holds. */
export interface SettingsLayerFile {
  scope: SettingsScope
  file: string
  format: SettingsFormat
  exists: boolean
  /** The checked content (unknown keys dropped); empty when the file is absent or has errors. */
  data: SettingsLayer
  issues: SettingsIssue[]
}

/** Where the layers are looked for. */
export interface SettingsLocationOptions {
  /** @default process.env */
  env?: NodeJS.ProcessEnv
  /** Where the project file is looked for, upward. @default process.cwd() */
  cwd?: string
  /** @default process.platform */
  platform?: NodeJS.Platform
}

const layerFileNames = ['config.json', 'config.yaml', 'config.yml']
const projectFileNames = ['.tekton-mcp.json', '.tekton-mcp.yaml', '.tekton-mcp.yml']

/** The administrator's directory: `TEKTON_MCP_SYSTEM_CONFIG_DIR`, else `/etc/tekton-mcp` (`%ProgramData%\tekton-mcp` on Windows). */
export function systemConfigDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  const named = env[systemConfigDirVariable]?.trim()
  if (named) return path.resolve(named)
  if (platform === 'win32') return path.win32.join(env.ProgramData?.trim() || 'C:\\ProgramData', 'tekton-mcp')
  return '/etc/tekton-mcp'
}

/**
 * The file each scope reads (the first existing of its candidates), or the one `config set`
 * would create: `config.json` in the global and user directories, `.tekton-mcp.json` in the
 * working directory when no project file exists upward. `others` are candidates ignored because
 * an earlier one exists in the same directory.
 */
export function locateSettingsFiles(options: SettingsLocationOptions = {}): Record<SettingsScope, { file: string; exists: boolean; others: string[] }> {
  const env = options.env ?? process.env
  const cwd = path.resolve(options.cwd ?? process.cwd())
  return {
    global: firstIn(systemConfigDir(env, options.platform), layerFileNames),
    user: firstIn(tektonPaths(env, options.platform).config, layerFileNames),
    project: findProjectFile(cwd),
  }
}

function firstIn(directory: string, names: readonly string[]): { file: string; exists: boolean; others: string[] } {
  const present = names.map((name) => path.join(directory, name)).filter((file) => existsSync(file))
  const [first, ...others] = present
  return first === undefined ? { file: path.join(directory, names[0] as string), exists: false, others: [] } : { file: first, exists: true, others }
}

/** The nearest project file upward from `cwd`, else where one would be created (in `cwd`). */
function findProjectFile(cwd: string): { file: string; exists: boolean; others: string[] } {
  for (let directory = cwd; ; directory = path.dirname(directory)) {
    const found = firstIn(directory, projectFileNames)
    if (found.exists) return found
    if (path.dirname(directory) === directory) break
  }
  return { file: path.join(cwd, projectFileNames[0] as string), exists: false, others: [] }
}

/** The format a file is read and written in, by its extension. */
export function formatOf(file: string): SettingsFormat {
  return /\.ya?ml$/i.test(file) ? 'yaml' : 'json'
}

/** Parses `text` as the file's format: the plain value, or the syntax errors (with line numbers). */
export function parseSettingsText(text: string, format: SettingsFormat): { value: unknown } | { errors: string[] } {
  if (text.trim() === '') return { value: {} }
  if (format === 'json') {
    const errors: ParseError[] = []
    const value: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false })
    if (errors.length > 0) return { errors: errors.slice(0, 3).map((error) => `${printParseErrorCode(error.error)} at ${lineColumn(text, error.offset)}`) }
    return { value }
  }
  const document = parseDocument(text, { prettyErrors: true })
  if (document.errors.length > 0) return { errors: document.errors.slice(0, 3).map((error) => error.message.split('\n')[0] ?? error.message) }
  return { value: document.toJS() ?? {} }
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n')
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`
}

/** Dotted path of a zod issue path. */
function dotted(issuePath: ReadonlyArray<PropertyKey>): string {
  return issuePath.map(String).join('.')
}

/**
 * Checks a layer's plain value: errors for wrong types and values, warnings for unknown keys
 * (dropped from `data`, so a newer file still works with an older tekton-mcp).
 */
export function checkLayerValue(value: unknown, file: string): { data: SettingsLayer; issues: SettingsIssue[] } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { data: {}, issues: [{ severity: 'error', file, path: '', message: 'expected an object of settings at the top of the file' }] }
  }
  const copy = structuredClone(value) as Record<string, unknown>
  const issues: SettingsIssue[] = []
  // Unknown keys are reported, then removed, and the rest checked again: a typo is a warning, not a failure.
  for (let round = 0; round < 5; round += 1) {
    const parsed = SettingsLayerSchema.safeParse(copy)
    if (parsed.success) return { data: parsed.data, issues }
    const unknown = parsed.error.issues.filter((issue): issue is z.core.$ZodIssueUnrecognizedKeys => issue.code === 'unrecognized_keys')
    const errors = parsed.error.issues.filter((issue) => issue.code !== 'unrecognized_keys')
    for (const issue of unknown) {
      for (const key of issue.keys) {
        issues.push({ severity: 'warning', file, path: dotted([...issue.path, key]), message: `unknown key ${JSON.stringify(key)} is ignored` })
        const parent = issue.path.reduce<unknown>((node, segment) => (node as Record<PropertyKey, unknown>)?.[segment as PropertyKey], copy)
        if (parent && typeof parent === 'object') delete (parent as Record<string, unknown>)[key]
      }
    }
    if (errors.length > 0) {
      for (const issue of errors) issues.push({ severity: 'error', file, path: dotted(issue.path), message: issue.message })
      return { data: {}, issues }
    }
  }
  return { data: {}, issues: [...issues, { severity: 'error', file, path: '', message: 'the settings could not be checked' }] }
}

/** Reads and checks one layer's file; an absent file is an empty layer. */
export function readLayerFile(scope: SettingsScope, located: { file: string; exists: boolean; others: string[] }): SettingsLayerFile {
  const { file } = located
  const format = formatOf(file)
  const ignored: SettingsIssue[] = located.others.map((other) => ({ severity: 'warning', file: other, path: '', message: `ignored: ${path.basename(file)} in the same directory is read instead` }))
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return { scope, file, format, exists: false, data: {}, issues: [] }
    return { scope, file, format, exists: true, data: {}, issues: [{ severity: 'error', file, path: '', message: `cannot be read: ${(error as Error).message}` }] }
  }
  const parsed = parseSettingsText(text, format)
  if ('errors' in parsed) {
    return { scope, file, format, exists: true, data: {}, issues: [...ignored, ...parsed.errors.map((message) => ({ severity: 'error' as const, file, path: '', message: `not valid ${format === 'json' ? 'JSON' : 'YAML'}: ${message}` }))] }
  }
  const checked = checkLayerValue(parsed.value, file)
  return { scope, file, format, exists: true, data: checked.data, issues: [...ignored, ...checked.issues] }
}
