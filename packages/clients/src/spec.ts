/**
 * The client-writer spec: the neutral entry every writer is given, and the small surface each
 * writer implements. A change here breaks every writer (and the conformance suite), so it stays
 * small: optional capabilities are data on the definition (`scopes`, `remoteTransports`), never
 * methods that throw "not implemented".
 */

/** A server as any client should start it: the neutral shape each writer turns into its own. */
export type ClientEntry = StdioClientEntry | RemoteClientEntry

export interface StdioClientEntry {
  /** The key the entry gets in the client's file (see `clientEntryName`). */
  name: string
  /** The installed server's own name, when it differs from the key (what the secret launcher looks up). */
  server?: string
  kind: 'stdio'
  /** Absolute path of the executable: desktop clients do not read the shell's PATH. */
  command: string
  args: string[]
  /**
   * Variables the server gets. Values of the names listed in `secrets` are written only with
   * `plainSecrets` (otherwise they are left out, and the client gets them by indirection).
   */
  env: Record<string, string>
  /** Secret variable names, never values. */
  secrets: { name: string; description?: string }[]
  /**
   * `args` with secret argument values as placeholders, present when `args` holds a secret: then
   * `args` is written only with `plainSecrets`, otherwise the entry runs the secret launcher.
   */
  maskedArgs?: string[]
}

export interface RemoteClientEntry {
  name: string
  /** The installed server's own name, when it differs from the key (what the stdio bridge looks up). */
  server?: string
  kind: 'remote'
  transport: 'streamable-http' | 'sse'
  url: string
  headers: Record<string, string>
  /** Secret header names, never values (a value in `headers` is written only with `plainSecrets`). */
  secretHeaders: { name: string; description?: string }[]
  /**
   * Set when the URL has secret variables: `url` then holds placeholders, and the entry runs the
   * stdio bridge, which builds the URL from the secret store (also with `plainSecrets`).
   */
  urlHasSecrets?: boolean
}

/** Where a client keeps a server list: the user's own file, or one in a project. */
export type ClientScope = 'user' | 'project'

/** What locating a client's file depends on; all injectable so every platform is testable anywhere. */
export interface LocateOptions {
  scope: ClientScope
  platform: NodeJS.Platform
  /** The user's home directory. */
  home: string
  env: NodeJS.ProcessEnv
  /** The project directory (project scope). */
  cwd: string
  /** A path that replaces the computed one (settings `clients.paths.<id>`). */
  override?: string
}

/** An entry as read back from a client's file, in neutral form. */
export type ReadLaunch =
  | { kind: 'stdio'; command: string; args: string[]; env: Record<string, string> }
  | { kind: 'remote'; url: string; transport?: 'streamable-http' | 'sse'; headers: Record<string, string> }

export interface ReadEntry {
  name: string
  /** `undefined` when the entry has a shape this writer does not understand. */
  launch: ReadLaunch | undefined
  /** The entry exactly as in the file (parsed). */
  value: unknown
}

/** A client's file and the entries in it. */
export interface ClientFileContents {
  file: string
  exists: boolean
  entries: ReadEntry[]
}

/** What an entry would be written as: the value under its key, and (VS Code) the inputs it needs. */
export interface RenderedEntry {
  name: string
  value: Record<string, unknown>
  /** VS Code `inputs` the entry refers to with `${input:id}`. */
  inputs?: Record<string, unknown>[]
  /** Things a person should know about the entry (a bridge, secrets by a launcher). */
  notes: string[]
}

/** What one write did. */
export interface WriteOutcome {
  client: string
  file: string
  name: string
  action: 'added' | 'updated' | 'unchanged' | 'removed' | 'absent'
  /** The backup of the previous file, when one was made. */
  backup?: string
}

/** One entry this project wrote, and whether it is still as written. */
export interface OwnedEntryStatus {
  client: string
  scope: ClientScope
  file: string
  name: string
  /** The installed server it launches. */
  server: string
  /** `ok`: as written; `changed`: edited by hand since; `missing`: removed by hand. */
  status: 'ok' | 'changed' | 'missing'
  /** The entry as it is now (undefined when missing). */
  launch?: ReadLaunch
}

export interface WriteOptions {
  scope?: ClientScope
  /** Overwrite or remove an entry that is not ours or was edited by hand since we wrote it. @default false */
  force?: boolean
  /** The installed server the entry launches (recorded with it). @default entry.name */
  server?: string
  /**
   * The file to edit instead of the located one: an entry recorded in a project file is removed
   * from that file whatever the current directory is.
   */
  file?: string
}

export interface ClientDetection {
  installed: boolean
  /** The path whose presence says so (or the first one looked for). */
  evidence: string
}

/** One client's writer. */
export interface ClientWriter {
  readonly id: string
  readonly displayName: string
  readonly scopes: readonly ClientScope[]
  /** Remote transports the client takes natively (others need `remoteBridge`). */
  readonly remoteTransports: readonly ('streamable-http' | 'sse')[]
  /** Whether the client seems installed (its config directory or app is present). */
  detect(): Promise<ClientDetection>
  /** The client's file for a scope (`undefined`: the client has no such scope). */
  locate(scope?: ClientScope): string | undefined
  /** The entries in the client's file. Throws `E_CLIENT_CONFIG_INVALID` for a file that does not parse. */
  read(scope?: ClientScope): Promise<ClientFileContents>
  /** What `entry` would be written as, without writing. */
  render(entry: ClientEntry): RenderedEntry
  /** Writes a new entry (or rewrites ours). */
  add(entry: ClientEntry, options?: WriteOptions): Promise<WriteOutcome>
  /** Rewrites an entry (adds it when missing). */
  update(entry: ClientEntry, options?: WriteOptions): Promise<WriteOutcome>
  /** Removes an entry: ours unless `force`. */
  remove(name: string, options?: WriteOptions): Promise<WriteOutcome>
  /** The entries we wrote in this client's files, and whether each is still as written. */
  listOurs(scope?: ClientScope): Promise<OwnedEntryStatus[]>
}

/** A launch a secret-aware program makes: it adds the secrets from our store, then runs the server. */
export type LaunchWithSecrets = (entry: StdioClientEntry) => { command: string; args: string[] }
/** A stdio program that bridges a client that speaks only stdio to a remote server. */
export type RemoteBridge = (entry: RemoteClientEntry) => { command: string; args: string[] }
