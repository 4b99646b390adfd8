/**
 * `installed.json`: what is installed, where, and what it offered when last checked. Written
 * atomically (temporary file in the same directory, fsync, rename) under a cross-process lock,
 * so a CLI and an API process can change it at the same time and a crash never leaves half a file.
 */
import { mkdir, readFile, readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { TektonError } from '@tekton/mcp-discovery'
import { writeFileAtomic } from '@tekton/mcp-discovery/kit'
import { isSecretVariable } from './environment'
import { acquireLock } from './lock'
import { VerificationResultSchema } from './spec/verification'
import { maskSecretInputs, secretInputsOf, unmaskSecretInputs } from './secret-inputs'
import { readSecretStore, writeSecretStore } from './secret-store'
import type { SecretStoreContents } from './secret-store'

/** The schema version this package reads and writes. */
export const stateSchemaVersion = 1

const LaunchSpecSchema = z.object({
  command: z.string(),
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  cwd: z.string().optional(),
  sandbox: z.looseObject({ kind: z.literal('bubblewrap'), network: z.boolean(), writable: z.array(z.string()) }).optional(),
})

const RecordedToolSchema = z.object({
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: z.record(z.string(), z.unknown()),
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  annotations: z.record(z.string(), z.unknown()).optional(),
  sha256: z.string(),
})

export const HandshakeResultSchema = z.object({
  serverInfo: z.object({ name: z.string(), version: z.string(), title: z.string().optional() }),
  protocolVersion: z.string(),
  capabilities: z.record(z.string(), z.unknown()),
  instructions: z.string().optional(),
  tools: z.array(RecordedToolSchema),
  resources: z.array(
    z.object({ uri: z.string(), name: z.string(), title: z.string().optional(), description: z.string().optional(), mimeType: z.string().optional() }),
  ),
  prompts: z.array(
    z.object({
      name: z.string(),
      title: z.string().optional(),
      description: z.string().optional(),
      arguments: z.array(z.object({ name: z.string(), description: z.string().optional(), required: z.boolean().optional() })).optional(),
    }),
  ),
  truncated: z.array(z.enum(['tools', 'resources', 'prompts'])).optional(),
  /**
   * Not-fatal findings (see `HandshakeWarning`). Optional, and kinds are open strings, so files
   * written before it existed, and after new kinds are added, read without a schema bump.
   */
  warnings: z
    .array(z.object({ kind: z.string(), message: z.string(), code: z.number().optional(), lines: z.number().optional(), line: z.string().optional() }))
    .optional(),
  durationMs: z.number(),
  completedAt: z.string(),
})

export const InstalledVersionSchema = z.looseObject({
  version: z.string(),
  /** Absolute path of the version directory. */
  directory: z.string(),
  installedAt: z.string(),
  integrity: z.looseObject({ value: z.string(), source: z.string(), file: z.string().optional() }),
  /** `sha256:<hex>` over every file under `directory` (see tree-digest). */
  treeDigest: z.string(),
  fileCount: z.number().int().nonnegative(),
  /** The launch spec with paths under `directory`, before configuration is applied. */
  launch: LaunchSpecSchema,
  runtime: z.looseObject({ name: z.string(), path: z.string(), version: z.string() }).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
  /** What the installer warned about (an engines mismatch, ...); optional, so older files read unchanged. */
  warnings: z.array(z.string()).optional(),
  /** The handshake when this version was installed; `null` when it was skipped. */
  handshake: HandshakeResultSchema.nullable(),
  /** What was verified before it was installed (signature, provenance, ownership); optional, so older files read unchanged. */
  verification: VerificationResultSchema.optional(),
  /** Description-lint findings of that handshake (see trust/lint); optional, so older files read unchanged. */
  lint: z.array(z.looseObject({ rule: z.string(), where: z.string(), excerpt: z.string(), decoded: z.string().optional() })).optional(),
  /** The trust report shown before this version was installed (see trust/report); kept loose: its lines grow. */
  trust: z.record(z.string(), z.unknown()).optional(),
})

/** Where a remote server answers, and what every request sends. */
export const RemoteEndpointSchema = z.looseObject({
  transport: z.enum(['streamable-http', 'sse']),
  url: z.string(),
  headers: z.record(z.string(), z.string()),
  /** Names of the headers whose values are secret (kept in the secret store). */
  secretHeaders: z.array(z.string()).optional(),
})

export const DeclaredVariableSchema = z.looseObject({
  name: z.string(),
  description: z.string().optional(),
  isRequired: z.boolean().optional(),
  isSecret: z.boolean().optional(),
  default: z.string().optional(),
  choices: z.array(z.string()).optional(),
})

export const InstalledServerSchema = z.looseObject({
  /** The server's name (its key in `servers`). */
  name: z.string(),
  /** Its directory under `servers/`. */
  slug: z.string(),
  /** The ref it was installed from, without a version: what an update resolves. */
  ref: z.string(),
  source: z.looseObject({
    name: z.string(),
    title: z.string().optional(),
    description: z.string(),
    registryName: z.string().optional(),
    repository: z.looseObject({ url: z.string(), source: z.string() }).optional(),
    websiteUrl: z.string().optional(),
  }),
  /** The installer type that installed it (`node`, `python`, `docker`). */
  installer: z.string(),
  registryType: z.string(),
  /** The package identifier (npm name, PyPI project, image). */
  identifier: z.string(),
  activeVersion: z.string(),
  versions: z.record(z.string(), InstalledVersionSchema),
  /** `inputs`: values for the package's declared arguments and placeholders (see `resolvePackageLaunch`). */
  configuration: z.looseObject({
    env: z.record(z.string(), z.string()),
    args: z.array(z.string()),
    inputs: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
    /**
     * Names of the variables whose values live in the secret store (see `secret-store`): declared
     * `isSecret`, named like a secret, or given with `--secret`. In the file `env` never holds
     * them; records read through a store with a secrets file have them put back.
     */
    secrets: z.array(z.string()).optional(),
    /**
     * Keys of `inputs` whose values are secret (a secret package argument, a remote URL's secret
     * variable): their values live in the secret store and every string of the record in the
     * file holds a placeholder instead (see `secret-inputs`).
     */
    secretInputs: z.array(z.string()).optional(),
  }),
  /** The variables the package declares (what configure asks for; `isSecret` ones are redacted). */
  environmentVariables: z.array(DeclaredVariableSchema),
  allowScripts: z.boolean(),
  /**
   * The sandbox asked for at install (or by configure), reused by updates: `auto` stays auto, so
   * an update on a machine that lost bubblewrap still installs, with a note. `network`: granted
   * (also to a container, whose installer isolates it itself). Absent: off, no network.
   */
  sandbox: z.looseObject({ mode: z.enum(['off', 'auto', 'bubblewrap']), network: z.boolean() }).optional(),
  installedAt: z.string(),
  updatedAt: z.string(),
  /**
   * A remote server (`installer: 'remote'`, `registryType: 'remote'`): nothing runs here, a client
   * connects to `url`. `headers` are sent with every request; the values of `secretHeaders` live
   * in the secret store like secret variables.
   */
  remote: RemoteEndpointSchema.optional(),
})

export const InstalledStateSchema = z.looseObject({
  schemaVersion: z.literal(stateSchemaVersion),
  servers: z.record(z.string(), InstalledServerSchema),
})

export type InstalledVersion = z.infer<typeof InstalledVersionSchema>
export type InstalledServer = z.infer<typeof InstalledServerSchema>
export type InstalledState = z.infer<typeof InstalledStateSchema>
export type DeclaredVariable = z.infer<typeof DeclaredVariableSchema>
export type RemoteEndpoint = z.infer<typeof RemoteEndpointSchema>

export interface StateStoreOptions {
  /** The state file. */
  file: string
  /** A lock not refreshed for this long is taken over. @default 10000 */
  lockStaleMs?: number
  /** How long `update` waits for another process's lock before `E_LOCKED`. @default 15000 */
  lockTimeoutMs?: number
  /**
   * The secret store (see `secret-store`). With it, `read` returns records with their secret
   * values put back and `update` moves every secret value there, leaving only names in `file`
   * (a state file written before the store existed is migrated on its first write). Without it,
   * values stay in the state file as they are given.
   */
  secretsFile?: string
}

export interface StateStore {
  readonly file: string
  /** The current state (empty when the file does not exist). Never locks: files are replaced whole. */
  read(): Promise<InstalledState>
  /**
   * Read-modify-write under the lock: `change` gets the current state and modifies it in place;
   * its return value is returned. Nothing is written when it throws, or when the modified state
   * does not validate.
   */
  update<T>(change: (state: InstalledState) => T | Promise<T>): Promise<T>
}

function emptyState(): InstalledState {
  return { schemaVersion: stateSchemaVersion, servers: {} }
}

function issuePath(issue: { path: readonly PropertyKey[] }): string {
  return issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'
}

/** Parses the file's text, with coded errors that name the file and leave it alone. */
export function parseState(text: string, file: string): InstalledState {
  const moveAside = `Move ${file} aside to start with an empty state (installed files stay where they are); it was not changed`
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new TektonError('E_STATE_CORRUPT', `${file} is not valid JSON: ${(error as Error).message}`, { hint: moveAside, cause: error })
  }
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion
  if (typeof version === 'number' && version > stateSchemaVersion) {
    throw new TektonError('E_STATE_VERSION', `${file} has schema version ${version}; this version of @tekton/mcp-installation reads ${stateSchemaVersion}`, {
      hint: 'A newer tekton-mcp wrote it: upgrade tekton-mcp (the file was not changed)',
    })
  }
  const parsed = InstalledStateSchema.safeParse(data)
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((issue) => `${issuePath(issue)}: ${issue.message}`)
    throw new TektonError('E_STATE_CORRUPT', `${file} does not hold a valid state: ${issues.join('; ')}`, { hint: moveAside })
  }
  return parsed.data
}

/** The store of `installed.json`. */
export function createStateStore(options: StateStoreOptions): StateStore {
  if (!options || typeof options.file !== 'string' || !path.isAbsolute(options.file)) {
    throw new TektonError('E_CONFIG', 'createStateStore: file must be an absolute path')
  }
  const file = options.file
  const directory = path.dirname(file)
  const lockPath = `${file}.lock`
  const settings = { staleMs: options.lockStaleMs ?? 10_000, timeoutMs: options.lockTimeoutMs ?? 15_000 }

  let lastSecrets: SecretStoreContents | undefined

  async function read(): Promise<InstalledState> {
    const state = await readStateFile()
    if (options.secretsFile === undefined) return state
    lastSecrets = await readSecretStore(options.secretsFile)
    return withSecrets(state, lastSecrets)
  }

  async function readStateFile(): Promise<InstalledState> {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState()
      throw new TektonError('E_STATE_CORRUPT', `could not read ${file}: ${(error as Error).message}`, { cause: error })
    }
    return parseState(text, file)
  }

  /** Holding the lock, any temporary file is a dead writer's: no live writer exists but us. */
  async function sweepTemporaryFiles(): Promise<void> {
    const prefix = `${path.basename(file)}.`
    const names = await readdir(directory).catch(() => [] as string[])
    await Promise.all(names.filter((name) => name.startsWith(prefix) && name.endsWith('.tmp')).map((name) => rm(path.join(directory, name), { force: true })))
  }

  async function update<T>(change: (state: InstalledState) => T | Promise<T>): Promise<T> {
    await mkdir(directory, { recursive: true })
    const held = await acquireLock(lockPath, `update ${path.basename(file)}`, settings)
    try {
      await sweepTemporaryFiles()
      const state = await read()
      const result = await change(state)
      const checked = InstalledStateSchema.safeParse(state)
      if (!checked.success) {
        const issues = checked.error.issues.slice(0, 3).map((issue) => `${issuePath(issue)}: ${issue.message}`)
        throw new TektonError('E_INTERNAL', `refused to write an invalid state to ${file}: ${issues.join('; ')}`)
      }
      held.assertHeld()
      let written: InstalledState = checked.data
      if (options.secretsFile !== undefined) {
        const separated = separateSecrets(checked.data)
        written = separated.state
        // The records `change` returned (views are made of them) learn which names are now secret.
        for (const [name, record] of Object.entries(state.servers)) {
          const stored = separated.state.servers[name]
          if (!stored) continue
          if (stored.configuration.secrets) record.configuration.secrets = [...stored.configuration.secrets]
          else delete record.configuration.secrets
          if (stored.configuration.secretInputs) record.configuration.secretInputs = [...stored.configuration.secretInputs]
          if (record.remote && stored.remote) {
            if (stored.remote.secretHeaders) record.remote.secretHeaders = [...stored.remote.secretHeaders]
            else delete record.remote.secretHeaders
          }
        }
        // Unchanged secrets are not rewritten; an empty store is only written to empty an existing one.
        const before = lastSecrets ?? { schemaVersion: 1, servers: {} }
        if (JSON.stringify(separated.secrets) !== JSON.stringify(before)) await writeSecretStore(options.secretsFile, separated.secrets)
        lastSecrets = separated.secrets
      }
      await writeFileAtomic(file, `${JSON.stringify(written, null, 2)}\n`)
      return result
    } finally {
      await held.release()
    }
  }

  return { file, read, update }
}

/** The state with the store's values put back into each record's `env`, remote `headers` and secret inputs' placeholders. */
export function withSecrets(state: InstalledState, secrets: SecretStoreContents): InstalledState {
  for (const [name, record] of Object.entries(state.servers)) {
    const stored = Object.hasOwn(secrets.servers, name) ? secrets.servers[name] : undefined
    if (!stored) continue
    const names = new Set(record.configuration.secrets ?? [])
    for (const [variable, value] of Object.entries(stored.env ?? {})) if (names.has(variable)) record.configuration.env[variable] = value
    if (record.remote) {
      const headers = new Set(record.remote.secretHeaders ?? [])
      for (const [header, value] of Object.entries(stored.headers ?? {})) if (headers.has(header)) record.remote.headers[header] = value
    }
    if (stored.inputs && Object.keys(stored.inputs).length > 0) state.servers[name] = unmaskSecretInputs(record, stored.inputs)
  }
  return state
}

/**
 * Splits a state into what the state file holds (names only) and what the secret store holds:
 * a variable is secret when the record lists it in `configuration.secrets`, its declaration says
 * `isSecret`, or its name says so (`*_TOKEN`, `*_API_KEY`, ...); a header when the remote lists
 * it in `secretHeaders`. Servers no longer in the state lose their secrets.
 */
export function separateSecrets(state: InstalledState): { state: InstalledState; secrets: SecretStoreContents } {
  const copy = JSON.parse(JSON.stringify(state)) as InstalledState
  const secrets: SecretStoreContents = { schemaVersion: 1, servers: {} }
  for (const [name, record] of Object.entries(copy.servers)) {
    const listed = new Set(record.configuration.secrets ?? [])
    const env: Record<string, string> = {}
    const secretEnv: Record<string, string> = {}
    for (const [variable, value] of Object.entries(record.configuration.env)) {
      if (listed.has(variable) || isSecretVariable(variable, record.environmentVariables)) secretEnv[variable] = value
      else env[variable] = value
    }
    record.configuration.env = env
    const secretNames = Object.keys(secretEnv).sort()
    if (secretNames.length > 0) record.configuration.secrets = secretNames
    else delete record.configuration.secrets
    const serverSecrets: NonNullable<SecretStoreContents['servers'][string]> = {}
    if (secretNames.length > 0) serverSecrets.env = secretEnv
    if (record.remote) {
      const listedHeaders = new Set(record.remote.secretHeaders ?? [])
      const headers: Record<string, string> = {}
      const secretHeaders: Record<string, string> = {}
      for (const [header, value] of Object.entries(record.remote.headers)) {
        if (listedHeaders.has(header)) secretHeaders[header] = value
        else headers[header] = value
      }
      record.remote.headers = headers
      const headerNames = Object.keys(secretHeaders).sort()
      if (headerNames.length > 0) {
        record.remote.secretHeaders = headerNames
        serverSecrets.headers = secretHeaders
      } else delete record.remote.secretHeaders
    }
    const secretInputs = secretInputsOf(record.configuration)
    const inputKeys = Object.keys(secretInputs).sort()
    if (inputKeys.length > 0) {
      serverSecrets.inputs = secretInputs
      const masked = maskSecretInputs(record, secretInputs)
      masked.configuration.secretInputs = inputKeys
      copy.servers[name] = masked
    } else delete record.configuration.secretInputs
    if (serverSecrets.env || serverSecrets.headers || serverSecrets.inputs) secrets.servers[name] = serverSecrets
  }
  return { state: copy, secrets }
}
