/**
 * The answer cache: the printed answer of a data command (`search`, `info`, `versions`), kept as
 * one small file per command line, so repeating a command costs a file read and no library load.
 * Node 20 has no compile cache, and loading the discovery library alone (zod, the HTTP client,
 * flat-cache) takes longer than Node's start-up; the ordinary cache saves the network, this one
 * saves the start-up. Only node builtins and the light `paths` entry may be imported here.
 *
 * An answer is never trusted longer than the cached data it was built from (see `expiresAt`),
 * and any change to the configuration files the sources read (`watch`), or to the environment
 * variables those files substitute (`variables`), invalidates it at once.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { tektonPaths } from '@tekton/mcp-discovery/paths'
import { optionKey } from './command-table'
import type { CommandSpec } from './command-table'

/** Bumped when the key's inputs or the file's shape change, so old answers are simply missed. */
const keyVersion = 1
/** The shape of an answer file; 2 added `variables` (answers without it cannot be checked). */
export const answerFormat = 2

/** A configuration file a source consulted, and its modification time then (null: absent). */
export interface WatchedFile {
  path: string
  mtimeMs: number | null
}

/**
 * The environment variables a configuration file substituted (`registry=${MYREG}/`,
 * `_authToken=${NPM_TOKEN}`): their names, and a sha256 of their values then. The values
 * themselves are never written: a token among them would otherwise end up on disk.
 */
export interface WatchedVariables {
  names: string[]
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

/**
 * Variables beyond `npm_config_*` that can change an answer: where caches and configuration live,
 * which indexes and tokens are used. Their values only go into the hash.
 */
const answerEnvironment = new Set([
  'TEKTON_MCP_HOME',
  'HOME',
  'USERPROFILE',
  'XDG_CACHE_HOME',
  'XDG_CONFIG_HOME',
  'PIP_INDEX_URL',
  'PIP_CONFIG_FILE',
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'TEKTON_MCP_REGISTRY_URL',
  'TEKTON_MCP_SOURCES',
  'GITHUB_API_URL',
  'TEKTON_MCP_REGISTRY_TOKEN',
  // npm finds its global npmrc under PREFIX when npm_config_prefix is unset.
  'PREFIX',
])

/** What the key is computed from. */
export interface AnswerKeyInput {
  /** The CLI's version: another version may answer differently. */
  version: string
  command: CommandSpec
  args: Readonly<Record<string, unknown>>
  cwd: string
  env: Readonly<Record<string, string | undefined>>
}

/**
 * The sha256 key of an answer: the command, the arguments that change its data (not the output
 * options, so `search x` and `search x --json` share one answer), cwd and the environment.
 */
export function answerKey(input: AnswerKeyInput): string {
  const args: Array<[string, unknown]> = []
  for (const positional of input.command.positionals) args.push([positional.name, input.args[optionKey(positional.name)] ?? null])
  for (const option of input.command.options) {
    if (!option.answerNeutral) args.push([option.name, input.args[optionKey(option.name)] ?? null])
  }
  const environment = Object.entries(input.env)
    .filter(([name, value]) => value !== undefined && (answerEnvironment.has(name) || name.toLowerCase().startsWith('npm_config_')))
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
  const document = JSON.stringify({
    keyVersion,
    version: input.version,
    command: input.command.id,
    args,
    cwd: input.cwd,
    // Another Node installation has another default global npmrc.
    execPath: process.execPath,
    environment,
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
    // The key cannot cover these variables: which ones matter is known only after the files are read.
    if (variablesHash(answer.variables.names, env) !== answer.variables.sha256) return undefined
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
  return Array.isArray(variables.names) && variables.names.every((name: unknown) => typeof name === 'string') && typeof variables.sha256 === 'string'
}

/** Records which variables the configuration substituted, and a hash of their values in `env`, for `variables`. */
export function watchVariables(names: readonly string[], env: Readonly<Record<string, string | undefined>>): WatchedVariables {
  const unique = [...new Set(names)].sort()
  return { names: unique, sha256: variablesHash(unique, env) }
}

function variablesHash(names: readonly string[], env: Readonly<Record<string, string | undefined>>): string {
  // An unset variable (null) and an empty one ('') may configure differently, so they hash apart.
  return createHash('sha256').update(JSON.stringify(names.map((name) => [name, env[name] ?? null]))).digest('hex')
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
  message?: string
  [field: string]: unknown
}

// The wording of the combined registry's note for a fresh cached answer; its age is out of date
// on replay, and without it the notes renderer words the current age itself.
const servedFromCacheMessage = /^served from cache, [^,;()]+ old$/

/**
 * The stored data as it is true now: every source status is from cache, aged by the time since
 * the answer was stored.
 */
export function replayAnswer(answer: StoredAnswer, now: number): unknown {
  const data = answer.data as { sources: StoredStatus[] }
  const elapsed = now - answer.storedAt
  const sources = data.sources.map((status) => {
    const { message, ...rest } = status
    const replayed: StoredStatus = { ...rest, fromCache: true, ageMs: (typeof status.ageMs === 'number' ? status.ageMs : 0) + elapsed }
    if (typeof message === 'string' && !servedFromCacheMessage.test(message)) replayed.message = message
    return replayed
  })
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
