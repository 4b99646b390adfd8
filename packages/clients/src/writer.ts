/**
 * The one writer all clients share, over a `ClientDefinition`: secrets and Windows shims are
 * handled here once, edits go through `editClientFile`, and ownership through the store.
 */
import { stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { TektonError } from '@tekton/mcp-discovery'
import type { ClientDefinition, PreparedRemote, PreparedStdio } from './definitions'
import { editClientFile, parseClientFile, readText } from './edit-file'
import { editJsonArrayById } from './formats/json'
import { createOwnershipStore, entryDigest } from './ownership'
import type { OwnershipStore } from './ownership'
import type {
  ClientEntry,
  ClientFileContents,
  ClientScope,
  ClientWriter,
  LaunchWithSecrets,
  OwnedEntryStatus,
  RemoteBridge,
  RemoteClientEntry,
  RenderedEntry,
  StdioClientEntry,
  WriteOptions,
  WriteOutcome,
} from './spec'

export interface ClientWriterOptions {
  /** Our record of written entries (absolute), e.g. `<data>/client-entries.json`. Locks live beside it. */
  stateFile: string
  /** @default process.platform */
  platform?: NodeJS.Platform
  /** @default os.homedir() */
  home?: string
  /** @default process.env */
  env?: NodeJS.ProcessEnv
  /** The project directory for project-scope files. @default process.cwd() */
  cwd?: string
  /** Replaces the user file's computed path (settings `clients.paths.<id>`). */
  path?: string
  /** Replaces the project file's computed path. */
  projectPath?: string
  /** Makes the launch of a server with secrets go through our secret launcher (clients without indirection). */
  launchWithSecrets?: LaunchWithSecrets
  /** A stdio bridge for remotes the client cannot take natively. */
  remoteBridge?: RemoteBridge
  /** Write secret values into the file (when no indirection exists). @default false */
  plainSecrets?: boolean
  /** How long an edit waits for another process editing the same file. @default 15000 */
  lockTimeoutMs?: number
  now?: () => number
  /** Shared with other writers of the same state file (built when absent). */
  ownership?: OwnershipStore
}

/** A name every client accepts as a key: letters, digits, `-` and `_` (`@scope/server` -> `scope-server`). */
export function clientEntryName(serverName: string): string {
  const name = serverName
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
  return name || 'server'
}

/** `cmd /c` for Windows batch shims (`npx.cmd`, `uvx.cmd`): they cannot be spawned directly. */
export function windowsShimLaunch(command: string, args: string[], platform: NodeJS.Platform): { command: string; args: string[] } {
  if (platform === 'win32' && /\.(cmd|bat)$/i.test(command)) return { command: 'cmd', args: ['/c', command, ...args] }
  return { command, args }
}

/** VS Code input ids for an entry's secrets: prefixed so ours are found again and no other is touched. */
export function inputIdPrefix(entryName: string): string {
  return `tekton-mcp.${entryName}.`
}

/** A format's refusal to edit (an entry in a form it cannot edit safely) as a coded error; nothing is written. */
function safely(file: string, edit: () => string): string {
  try {
    return edit()
  } catch (error) {
    if (TektonError.isInstance(error)) throw error
    throw new TektonError('E_CLIENT_CONFIG_INVALID', `${file}: ${(error as Error).message}`, { hint: 'Edit that entry by hand (the file was not changed)', cause: error })
  }
}

/** Builds the writer for one client. */
export function createClientWriter(definition: ClientDefinition, options: ClientWriterOptions): ClientWriter {
  if (!options || typeof options.stateFile !== 'string' || !path.isAbsolute(options.stateFile)) {
    throw new TektonError('E_CONFIG', `${definition.id} client writer: stateFile must be an absolute path`)
  }
  const platform = options.platform ?? process.platform
  const where = { platform, home: options.home ?? os.homedir(), env: options.env ?? process.env, cwd: options.cwd ?? process.cwd() }
  const ownership = options.ownership ?? createOwnershipStore({ file: options.stateFile, ...(options.now ? { now: options.now } : {}) })
  const lockDirectory = path.join(path.dirname(options.stateFile), 'locks')
  const lockTimeoutMs = options.lockTimeoutMs ?? 15_000
  const newFileText = definition.newFileText ?? '{}\n'
  const scopes: ClientScope[] = definition.project ? ['user', 'project'] : ['user']
  const remoteTransports = (['streamable-http', 'sse'] as const).filter((transport) => definition.remote({ url: 'http://127.0.0.1/', transport, headers: {} }) !== undefined)

  function locate(scope: ClientScope = 'user'): string | undefined {
    if (scope === 'user') return options.path ?? definition.user(where)
    if (!definition.project) return undefined
    return options.projectPath ?? definition.project(where)
  }

  function requireFile(scope: ClientScope): string {
    const file = locate(scope)
    if (!file) {
      throw new TektonError('E_CLIENT_UNSUPPORTED', `${definition.displayName} has no ${scope} configuration file`, { hint: `Use the ${scopes.join(' or ')} scope` })
    }
    return file
  }

  function prepareStdio(entry: StdioClientEntry, inputs: Record<string, unknown>[], notes: string[]): PreparedStdio {
    const secretNames = new Set(entry.secrets.map((secret) => secret.name))
    const env: Record<string, string> = {}
    for (const [name, value] of Object.entries(entry.env)) if (!secretNames.has(name)) env[name] = value
    let launch = { command: entry.command, args: [...entry.args] }
    if (secretNames.size > 0) {
      if (definition.secretInputs) {
        for (const secret of entry.secrets) {
          const id = `${inputIdPrefix(entry.name)}${secret.name}`
          inputs.push({ type: 'promptString', id, description: secret.description ?? `${secret.name} for ${entry.name}`, password: true })
          env[secret.name] = `\${input:${id}}`
        }
        notes.push(`${definition.displayName} asks for ${[...secretNames].join(', ')} when it first starts the server and keeps it in its secret storage`)
      } else if (options.plainSecrets) {
        // Asked for explicitly: the user chose plain text over the launcher.
        for (const name of secretNames) if (entry.env[name] !== undefined) env[name] = entry.env[name]
        notes.push(`${[...secretNames].join(', ')} written in plain text (plainSecrets)`)
      } else if (options.launchWithSecrets) {
        launch = options.launchWithSecrets(entry)
        notes.push(`${[...secretNames].join(', ')} come from tekton-mcp's secret store at launch, not from this file`)
      } else {
        throw new TektonError('E_CLIENT_SECRETS', `${entry.name} needs the secret ${[...secretNames].join(', ')}, and ${definition.displayName} has no way to get it but plain text in its file`, {
          hint: 'Store the secret with tekton-mcp so the entry launches through its secret launcher, or accept plain text explicitly (plainSecrets)',
        })
      }
    }
    if (entry.maskedArgs !== undefined && !options.plainSecrets && launch.command === entry.command) {
      // Secret argument values: only the launcher (which reads them from the store) keeps them out of the file.
      if (!options.launchWithSecrets) {
        throw new TektonError('E_CLIENT_SECRETS', `${entry.name} takes a secret argument, and ${definition.displayName} has no way to get it but plain text in its file`, {
          hint: 'Write the entry through tekton-mcp, which launches it with its secret launcher, or accept plain text explicitly (plainSecrets)',
        })
      }
      launch = options.launchWithSecrets(entry)
      notes.push(`secret arguments come from tekton-mcp's secret store at launch, not from this file`)
    } else if (entry.maskedArgs !== undefined && options.plainSecrets) notes.push('secret arguments written in plain text (plainSecrets)')
    const shimmed = windowsShimLaunch(launch.command, launch.args, platform)
    if (shimmed.command !== launch.command) notes.push(`${path.win32.basename(launch.command)} is a batch shim: started through cmd /c`)
    return { ...shimmed, env }
  }

  function prepareRemote(entry: RemoteClientEntry, inputs: Record<string, unknown>[], notes: string[]): PreparedRemote {
    const secretNames = new Set(entry.secretHeaders.map((header) => header.name))
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(entry.headers)) if (!secretNames.has(name)) headers[name] = value
    if (secretNames.size > 0) {
      if (definition.secretInputs) {
        for (const header of entry.secretHeaders) {
          const id = `${inputIdPrefix(entry.name)}${header.name}`
          inputs.push({ type: 'promptString', id, description: header.description ?? `${header.name} header for ${entry.name}`, password: true })
          headers[header.name] = `\${input:${id}}`
        }
      } else if (options.plainSecrets) {
        for (const name of secretNames) if (entry.headers[name] !== undefined) headers[name] = entry.headers[name]
        notes.push(`headers ${[...secretNames].join(', ')} written in plain text (plainSecrets)`)
      } else {
        throw new TektonError('E_CLIENT_SECRETS', `${entry.name} needs the secret header ${[...secretNames].join(', ')}, and ${definition.displayName} has no way to get it but plain text in its file`, {
          hint: 'Accept plain text explicitly (plainSecrets), or use a client with secret inputs (VS Code)',
        })
      }
    }
    return { url: entry.url, transport: entry.transport, headers }
  }

  function render(entry: ClientEntry): RenderedEntry {
    const inputs: Record<string, unknown>[] = []
    const notes: string[] = []
    let value: Record<string, unknown>
    if (entry.kind === 'stdio') {
      value = definition.stdio(prepareStdio(entry, inputs, notes))
    } else {
      // Whether the client takes this transport at all, and whether its secret headers could only
      // be written in plain text: then the stdio bridge, which reads them from the secret store.
      const takesRemote = definition.remote({ url: entry.url, transport: entry.transport, headers: {} }) !== undefined
      const secretsNeedBridge = (entry.secretHeaders.length > 0 && !definition.secretInputs && !options.plainSecrets) || entry.urlHasSecrets === true
      if (entry.urlHasSecrets && !options.remoteBridge) {
        throw new TektonError('E_CLIENT_SECRETS', `${entry.name}'s URL holds a secret, and no stdio bridge is configured to add it at launch`, {
          hint: 'Write the entry through tekton-mcp, which bridges it with the URL from its secret store',
        })
      }
      if (takesRemote && !(secretsNeedBridge && options.remoteBridge)) {
        value = definition.remote(prepareRemote(entry, inputs, notes))!
      } else if (options.remoteBridge) {
        const bridge = options.remoteBridge(entry)
        value = definition.stdio({ ...windowsShimLaunch(bridge.command, bridge.args, platform), env: {} })
        notes.push(
          entry.urlHasSecrets
            ? `the URL's secret values come from tekton-mcp's secret store: the entry runs a stdio bridge to ${entry.url}`
            : takesRemote
            ? `the secret headers ${entry.secretHeaders.map((header) => header.name).join(', ')} come from tekton-mcp's secret store: the entry runs a stdio bridge to ${entry.url}`
            : `${definition.displayName} does not take ${entry.transport} servers: the entry runs a stdio bridge to ${entry.url}`,
        )
      } else {
        throw new TektonError('E_CLIENT_UNSUPPORTED', `${definition.displayName} does not take ${entry.transport} servers, and no stdio bridge is configured`, {
          hint: `Configure the server for a client that speaks ${entry.transport} (${definition.id} starts stdio servers only)`,
        })
      }
    }
    return { name: entry.name, value, ...(inputs.length > 0 ? { inputs } : {}), notes }
  }

  function checkOwned(name: string, file: string, current: unknown, owned: { sha256: string } | undefined, force: boolean | undefined): void {
    if (force || current === undefined) return
    if (!owned) {
      throw new TektonError('E_CLIENT_ENTRY_NOT_OURS', `${file} already has an entry ${JSON.stringify(name)} that tekton-mcp did not write`, {
        hint: 'Rename or remove that entry, or replace it on purpose with force',
      })
    }
    if (entryDigest(current) !== owned.sha256) {
      throw new TektonError('E_CLIENT_ENTRY_CHANGED', `the entry ${JSON.stringify(name)} in ${file} was edited since tekton-mcp wrote it`, {
        hint: 'Your edit is kept; overwrite or remove it on purpose with force',
      })
    }
  }

  async function put(entry: ClientEntry, writeOptions: WriteOptions = {}): Promise<WriteOutcome> {
    const scope = writeOptions.scope ?? 'user'
    const file = writeOptions.file ?? requireFile(scope)
    const rendered = render(entry)
    const format = definition.format
    let action: WriteOutcome['action'] = 'unchanged'
    let written: unknown
    const result = await editClientFile({
      file,
      format,
      newFileText,
      lockDirectory,
      lockTimeoutMs,
      change: async (text) => {
        const current = format.entries(text, definition.collection).get(entry.name)
        checkOwned(entry.name, file, current, await ownership.find(definition.id, file, entry.name), writeOptions.force)
        let next = safely(file, () => format.set(text, definition.collection, entry.name, rendered.value))
        if (definition.secretInputs) {
          const prefix = inputIdPrefix(entry.name)
          next = editJsonArrayById(next, 'inputs', (id) => id.startsWith(prefix), rendered.inputs ?? [])
        }
        written = format.entries(next, definition.collection).get(entry.name)
        if (next !== text) action = current === undefined ? 'added' : 'updated'
        return next
      },
      committed: async () => {
        await ownership.record({ client: definition.id, scope, file, name: entry.name, server: writeOptions.server ?? entry.name, sha256: entryDigest(written) })
      },
    })
    return { client: definition.id, file, name: entry.name, action, ...(result.backup ? { backup: result.backup } : {}) }
  }

  async function remove(name: string, writeOptions: WriteOptions = {}): Promise<WriteOutcome> {
    const scope = writeOptions.scope ?? 'user'
    const file = writeOptions.file ?? requireFile(scope)
    const format = definition.format
    if ((await readText(file)) === undefined) {
      await ownership.forget(definition.id, file, name)
      return { client: definition.id, file, name, action: 'absent' }
    }
    let action: WriteOutcome['action'] = 'absent'
    const result = await editClientFile({
      file,
      format,
      newFileText,
      lockDirectory,
      lockTimeoutMs,
      change: async (text) => {
        const current = format.entries(text, definition.collection).get(name)
        if (current === undefined) return undefined
        checkOwned(name, file, current, await ownership.find(definition.id, file, name), writeOptions.force)
        let next = safely(file, () => format.remove(text, definition.collection, name))
        if (definition.secretInputs) {
          const prefix = inputIdPrefix(name)
          next = editJsonArrayById(next, 'inputs', (id) => id.startsWith(prefix), [])
        }
        action = 'removed'
        return next
      },
      committed: async () => {
        await ownership.forget(definition.id, file, name)
      },
    })
    return { client: definition.id, file, name, action, ...(result.backup ? { backup: result.backup } : {}) }
  }

  async function read(scope: ClientScope = 'user'): Promise<ClientFileContents> {
    return readAt(requireFile(scope))
  }

  async function readAt(file: string): Promise<ClientFileContents> {
    const text = await readText(file)
    if (text === undefined) return { file, exists: false, entries: [] }
    parseClientFile(definition.format, text, file)
    const entries = [...definition.format.entries(text, definition.collection)].map(([name, value]) => ({ name, value, launch: definition.read(value) }))
    return { file, exists: true, entries }
  }

  return {
    id: definition.id,
    displayName: definition.displayName,
    scopes,
    remoteTransports,
    async detect() {
      const candidates = definition.detect(where)
      for (const candidate of candidates) {
        if (await stat(candidate).then(() => true, () => false)) return { installed: true, evidence: candidate }
      }
      return { installed: false, evidence: candidates[0]! }
    },
    locate,
    read,
    render,
    add: put,
    update: put,
    remove,
    async listOurs(scope) {
      const owned = (await ownership.list()).filter((entry) => entry.client === definition.id && (scope === undefined || entry.scope === scope))
      const statuses: OwnedEntryStatus[] = []
      for (const entry of owned) {
        const contents = await readAt(entry.file).catch(() => undefined)
        const found = contents?.entries.find((item) => item.name === entry.name)
        const status: OwnedEntryStatus['status'] = !found ? 'missing' : entryDigest(found.value) === entry.sha256 ? 'ok' : 'changed'
        statuses.push({ client: entry.client, scope: entry.scope, file: entry.file, name: entry.name, server: entry.server, status, ...(found?.launch ? { launch: found.launch } : {}) })
      }
      return statuses
    },
  }
}
