/**
 * The answer cache: the printed answer of a data command (`search`, `info`, `versions`), kept as
 * one small file per command line, so repeating a command costs a file read and no library load.
 * Node 20 has no compile cache, and loading the discovery library alone (zod, the HTTP client,
 * flat-cache) takes longer than Node's start-up; the ordinary cache saves the network, this one
 * saves the start-up. Only node builtins and the light `paths` entry may be imported here.
 *
 * An answer is never trusted longer than the cached data it was built from (see `expiresAt`),
 * and any change to what the sources declared their answers depend on (`configuration()` in the
 * source spec) invalidates it at once: the configuration files they consulted (`watch`) and the
 * environment variables they read (`variables`).
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { tektonPaths } from '@tekton/mcp-discovery/paths'
import { optionKey } from './command-table'
import type { CommandSpec } from './command-table'

/**
 * Bumped when the key's inputs or the file's shape change, so old answers are simply missed.
 * 2: statuses are data (answers of 1 carried sentences such as "served from cache, 3 h old"),
 * and the environment left the key (the sources' declared variables are checked on read).
 */
const keyVersion = 2
/**
 * The shape of an answer file; 2 added `variables` (answers without it cannot be checked), 3 the
 * variable prefixes the sources declare.
 */
export const answerFormat = 3

/** A configuration file a source consulted, and its modification time then (null: absent). */
export interface WatchedFile {
  path: string
  mtimeMs: number | null
}

/**
 * The environment variables the sources declared they read (`PIP_INDEX_URL`, `VIRTUAL_ENV`,
 * those a `.npmrc` substituted, any starting with `npm_config_` or `PIP_`): their names and
 * prefixes, and a sha256 of the matching variables' values then. The values themselves are never
 * written: a token among them would otherwise end up on disk.
 */
export interface WatchedVariables {
  names: string[]
  /** Compared without regard to case, as npm and pip read them. */
  prefixes: string[]
  sha256: string
}

/** The file at `<cache>/answers/<key>.json`. */
export interface StoredAnswer {
  format: typeof answerFormat
  /** When the command ran (epoch ms). */
  storedAt: number
  /** When the oldest cached data the answer was built from stops being fresh (epoch ms). */
  expiresAt: number
  watch: WatchedFile[]
  variables: WatchedVariables
  /** Exactly what the command's `--json` prints. */
  data: unknown
}

/** What the key is computed from. */
export interface AnswerKeyInput {
  /** The CLI's version: another version may answer differently. */
  version: string
  command: CommandSpec
  args: Readonly<Record<string, unknown>>
  cwd: string
}

/**
 * The sha256 key of an answer: the command, the arguments that change its data (not the output
 * options, so `search x` and `search x --json` share one answer) and cwd. The environment is not
 * in the key: which variables matter is what the sources declare, checked on every read
 * (`variables`), so two environments share one file and the second simply replaces the first.
 */
export function answerKey(input: AnswerKeyInput): string {
  const args: Array<[string, unknown]> = []
  for (const positional of input.command.positionals) args.push([positional.name, input.args[optionKey(positional.name)] ?? null])
  for (const option of input.command.options) {
    if (!option.answerNeutral) args.push([option.name, input.args[optionKey(option.name)] ?? null])
  }
  const document = JSON.stringify({
    keyVersion,
    version: input.version,
    command: input.command.id,
    args,
    cwd: input.cwd,
    // Another Node installation has another default global npmrc.
    execPath: process.execPath,
  })
  return createHash('sha256').update(document).digest('hex')
}

/** Where answers are kept: `<cache>/answers`. */
export function answersDirectory(env: Readonly<Record<string, string | undefined>>): string {
  return path.join(tektonPaths(env as NodeJS.ProcessEnv).cache, 'answers')
}

/** The file of one answer. */
export function answerFile(env: Readonly<Record<string, string | undefined>>, key: string): string {
  return path.join(answersDirectory(env), `${key}.json`)
}

/**
 * The answer in `file` when it is still good at `now` in `env`: well formed, not expired, every
 * watched file as it was and every substituted variable as it was. Anything else, unreadable or
 * corrupt files included, is a miss (undefined).
 */
export async function readAnswer(file: string, now: number, env: Readonly<Record<string, string | undefined>>): Promise<StoredAnswer | undefined> {
  try {
    const answer: unknown = JSON.parse(await readFile(file, 'utf8'))
    if (!isStoredAnswer(answer)) return undefined
    // A clock that went backwards would make ages negative; such an answer is not trusted.
    if (now < answer.storedAt || now >= answer.expiresAt) return undefined
    // Which variables matter is known only once the sources were built: checked here, not keyed.
    if (variablesHash(answer.variables, env) !== answer.variables.sha256) return undefined
    const current = await Promise.all(answer.watch.map((watched) => modifiedAt(watched.path)))
    return current.every((mtimeMs, index) => mtimeMs === answer.watch[index]?.mtimeMs) ? answer : undefined
  } catch {
    return undefined
  }
}

function isStoredAnswer(value: unknown): value is StoredAnswer {
  if (typeof value !== 'object' || value === null) return false
  const answer = value as Record<string, unknown>
  return answer.format === answerFormat
    && typeof answer.storedAt === 'number'
    && typeof answer.expiresAt === 'number'
    && Array.isArray(answer.watch)
    && answer.watch.every((watched: unknown) => {
      const entry = watched as Partial<WatchedFile> | null
      return typeof entry === 'object' && entry !== null && typeof entry.path === 'string' && (entry.mtimeMs === null || typeof entry.mtimeMs === 'number')
    })
    && isWatchedVariables(answer.variables)
    && typeof answer.data === 'object' && answer.data !== null
    && Array.isArray((answer.data as { sources?: unknown }).sources)
}

function isWatchedVariables(value: unknown): value is WatchedVariables {
  if (typeof value !== 'object' || value === null) return false
  const variables = value as Partial<WatchedVariables>
  const strings = (list: unknown) => Array.isArray(list) && list.every((item: unknown) => typeof item === 'string')
  return strings(variables.names) && strings(variables.prefixes) && typeof variables.sha256 === 'string'
}

/** Records the declared variables and a hash of their values in `env`, for `variables`. */
export function watchVariables(declared: { variables: readonly string[]; variablePrefixes?: readonly string[] }, env: Readonly<Record<string, string | undefined>>): WatchedVariables {
  const names = [...new Set(declared.variables)].sort()
  const prefixes = [...new Set((declared.variablePrefixes ?? []).map((prefix) => prefix.toLowerCase()))].sort()
  return { names, prefixes, sha256: variablesHash({ names, prefixes }, env) }
}

function variablesHash(watched: { names: readonly string[]; prefixes: readonly string[] }, env: Readonly<Record<string, string | undefined>>): string {
  // An unset variable (null) and an empty one ('') may configure differently, so they hash apart.
  const named = watched.names.map((name) => [name, env[name] ?? null])
  // A variable set (or unset) under a prefix changes the hash as much as a new value does.
  const prefixed = Object.entries(env)
    .filter(([name, value]) => value !== undefined && watched.prefixes.some((prefix) => name.toLowerCase().startsWith(prefix)))
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
  return createHash('sha256').update(JSON.stringify({ named, prefixed })).digest('hex')
}

/** The modification time of `file`, or null when it does not exist. */
async function modifiedAt(file: string): Promise<number | null> {
  try {
    return (await stat(file)).mtimeMs
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    throw error
  }
}

/** Records the current state of each configuration file, for `watch`. */
export async function watchFiles(files: readonly string[]): Promise<WatchedFile[]> {
  const unique = [...new Set(files)]
  return Promise.all(unique.map(async (file) => ({ path: file, mtimeMs: await modifiedAt(file) })))
}

/** Writes the answer atomically (the kit's write: temporary file, fsync, rename), readable by the user only. */
export async function writeAnswer(file: string, answer: StoredAnswer): Promise<void> {
  // Loaded here, not at the top: only a miss writes, and a hit must load nothing but `paths`.
  const { writeFileAtomic } = await import('@tekton/mcp-discovery/kit')
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  await writeFileAtomic(file, JSON.stringify(answer), { mode: 0o600 })
}

/** A source status as stored in an answer; the fields the replay touches. */
interface StoredStatus {
  fromCache?: boolean
  ageMs?: number
  [field: string]: unknown
}

/**
 * The stored data as it is true now: every source status is from cache, aged by the time since
 * the answer was stored. Statuses are data, so only `fromCache` and `ageMs` change; the renderer
 * words the current age.
 */
export function replayAnswer(answer: StoredAnswer, now: number): unknown {
  const data = answer.data as { sources: StoredStatus[] }
  const elapsed = now - answer.storedAt
  const sources = data.sources.map((status): StoredStatus => ({ ...status, fromCache: true, ageMs: (typeof status.ageMs === 'number' ? status.ageMs : 0) + elapsed }))
  return { ...data, sources }
}

/** How many answers are kept. */
export async function countAnswers(env: Readonly<Record<string, string | undefined>>): Promise<number> {
  return (await answerFiles(answersDirectory(env))).length
}

/**
 * Removes every answer (and any temporary file left by an interrupted write); resolves to how many
 * answers. A missing directory holds none; any other failure (the directory is a file, or cannot
 * be read) rejects, so `cache clear` does not claim success over a cache it could not touch.
 */
export async function clearAnswers(env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const directory = answersDirectory(env)
  const names = await readdir(directory).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [] as string[]
    throw error
  })
  const answers = names.filter(isAnswerName)
  const leftovers = names.filter((name) => name.endsWith('.tmp'))
  await Promise.all([...answers, ...leftovers].map((name) => rm(path.join(directory, name), { force: true })))
  return answers.length
}

async function answerFiles(directory: string): Promise<string[]> {
  const names = await readdir(directory).catch(() => [] as string[])
  return names.filter(isAnswerName)
}

function isAnswerName(name: string): boolean {
  return /^[0-9a-f]{64}\.json$/.test(name)
}
