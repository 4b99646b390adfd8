/**
 * Remote servers (server.json `remotes[]`): a URL a client connects to over streamable HTTP or
 * SSE, with `{variables}` in the URL and headers (an API key, `Authorization: Bearer {token}`).
 * Nothing is downloaded or run here, but a remote is still "installed": recorded in the state
 * (`installer: 'remote'`, `remote: { transport, url, headers }`), its secret header values in the
 * secret store, proved by a handshake over HTTP whose tools are recorded like a stdio server's,
 * so `list`, `verify`, `uninstall`, client writers and Ergon treat both alike.
 */
import { TektonError } from '@tekton/mcp-discovery'
import type { Input, ServerMetadata, Transport } from '@tekton/mcp-discovery'
import { redactSecretValues } from './environment'
import type { HandshakeResult } from './handshake'
import type { InputValues, PackageInput } from './package-inputs'
import { substituteVariables } from './package-inputs'
import { recordTool } from './tools'

/** A remote's transport we can connect to. */
export type RemoteTransport = 'streamable-http' | 'sse'

/** The remote to record: `--remote`, or a server whose packages none of ours can install and that has remotes. */
export function chooseRemote(server: ServerMetadata, options: { remote?: boolean; installable: boolean }): Transport | undefined {
  const remotes = server.remotes.filter((remote) => remote.type === 'streamable-http' || remote.type === 'sse')
  if (options.remote) {
    if (remotes.length === 0) {
      throw new TektonError('E_NO_REMOTE', `${server.name} lists no remote endpoint (streamable HTTP or SSE) to connect to`, {
        hint: 'Install one of its packages instead: leave out --remote',
      })
    }
  } else if (options.installable || remotes.length === 0) {
    return undefined
  }
  // Streamable HTTP is the current transport; SSE the deprecated one.
  return remotes.find((remote) => remote.type === 'streamable-http') ?? remotes[0]
}

function inputFields(input: Input): Pick<PackageInput, 'description' | 'default' | 'choices'> {
  return {
    ...(input.description === undefined ? {} : { description: input.description }),
    ...(input.default === undefined ? {} : { default: input.default }),
    ...(input.choices === undefined || input.choices.length === 0 ? {} : { choices: [...input.choices] }),
  }
}

function variablesOf(input: { variables?: Record<string, unknown> | undefined }): Array<[string, Input]> {
  return Object.entries(input.variables ?? {}).filter((entry): entry is [string, Input] => typeof entry[1] === 'object' && entry[1] !== null)
}

/**
 * What a user gives a remote: its URL's `{variables}` by name, a header without a fixed value by
 * the header's name (`X-API-Key`), and the `{variables}` of a fixed header value (`token` of
 * `Bearer {token}`), each once.
 */
export function remoteInputs(remote: Transport): PackageInput[] {
  const inputs = new Map<string, PackageInput>()
  const add = (input: PackageInput) => {
    if (!inputs.has(input.key)) inputs.set(input.key, input)
  }
  const addVariable = (name: string, variable: Input, secret: boolean) =>
    add({ key: name, kind: 'variable', isRequired: variable.isRequired ?? false, isSecret: secret || (variable.isSecret ?? false), isRepeated: false, ...inputFields(variable) })
  for (const [name, variable] of Object.entries(remote.variables ?? {})) addVariable(name, variable, false)
  for (const header of remote.headers ?? []) {
    if (!header.name) continue
    if (header.value !== undefined) {
      for (const [name, variable] of variablesOf(header)) addVariable(name, variable, header.isSecret ?? false)
    } else {
      add({ key: header.name, kind: 'header', isRequired: header.isRequired ?? false, isSecret: header.isSecret ?? false, isRepeated: false, ...inputFields(header) })
    }
  }
  return [...inputs.values()]
}

/** A remote with its inputs filled in. */
export interface ResolvedRemote {
  transport: RemoteTransport
  url: string
  headers: Record<string, string>
  /** Names of the headers whose values are secret. */
  secretHeaders: string[]
  missing: PackageInput[]
  /** Values never to show. */
  secretValues: string[]
  /** The URL's secret variables by key (the store keeps them; the state a placeholder). */
  secretUrlInputs: Record<string, string>
}

const headerNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/**
 * Fills a remote's URL and headers from the values given (`--input`, by input key); a required
 * input without a value (and without a default) is listed in `missing`. A value with a line
 * break or NUL is refused: it would split an HTTP header.
 */
export function resolveRemote(remote: Transport, given: InputValues): ResolvedRemote {
  const inputs = remoteInputs(remote)
  const values: Record<string, string> = {}
  const missing: PackageInput[] = []
  const secretValues: string[] = []
  for (const input of inputs) {
    const raw = given[input.key]
    const value = raw === undefined ? input.default : typeof raw === 'string' ? raw : raw[0]
    if (value === undefined || value === '') {
      if (input.isRequired) missing.push(input)
      continue
    }
    if (/[\0\r\n]/.test(value) || value.length > 8192) throw new TektonError('E_INVALID_INPUT', `${input.key}: values are one line of text, at most 8192 characters`)
    if (input.choices && !input.choices.includes(value)) {
      throw new TektonError('E_INVALID_INPUT', `${input.key} must be one of ${input.choices.join(', ')}, not ${input.isSecret ? 'the value given' : JSON.stringify(value.slice(0, 80))}`)
    }
    values[input.key] = value
    if (input.isSecret) secretValues.push(value)
  }
  const transport = remote.type === 'sse' ? 'sse' : 'streamable-http'
  const template = remote.url ?? ''
  const secretUrlInputs: Record<string, string> = {}
  for (const input of inputs) {
    if (input.isSecret && values[input.key] !== undefined && template.includes(`{${input.key}}`)) {
      secretUrlInputs[input.key] = values[input.key]!
      // The URL holds it encoded: messages redact that form too.
      secretValues.push(encodeURIComponent(values[input.key]!))
    }
  }
  const url = substituteVariables(template, Object.fromEntries(Object.entries(values).map(([name, value]) => [name, encodeURIComponent(value)])))
  const headers: Record<string, string> = {}
  const secretHeaders: string[] = []
  for (const header of remote.headers ?? []) {
    if (!header.name || !headerNamePattern.test(header.name)) continue
    const value = header.value !== undefined ? substituteVariables(header.value, values) : values[header.name]
    // A fixed value whose variables were not all given is left out, like an absent input.
    if (value === undefined || /\{[A-Za-z0-9_.-]+\}/.test(value)) continue
    headers[header.name] = value
    const secretVariable = variablesOf(header).some(([name, variable]) => variable.isSecret && values[name] !== undefined)
    if (header.isSecret || secretVariable) {
      secretHeaders.push(header.name)
      secretValues.push(value)
    }
  }
  if (missing.length === 0) {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      throw new TektonError('E_INVALID_INPUT', `the remote URL ${redactSecretValues(url, secretValues)} is not a valid URL`)
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new TektonError('E_INVALID_INPUT', `the remote URL must be http(s), not ${parsed.protocol}`)
  }
  return { transport, url, headers, secretHeaders: secretHeaders.sort(), missing, secretValues, secretUrlInputs }
}

/** Options of `remoteHandshake`. */
export interface RemoteHandshakeOptions {
  timeoutMs: number
  /** Values to hide in messages. */
  secrets?: Iterable<string>
  now?: () => number
  signal?: AbortSignal
  clientInfo?: { name: string; version: string }
}

const packageVersion = typeof __PACKAGE_VERSION__ === 'string' ? __PACKAGE_VERSION__ : '0.0.0'

async function listPaged<T>(fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string | undefined }>): Promise<T[]> {
  const items: T[] = []
  const seen = new Set<string>()
  let cursor: string | undefined
  for (let page = 0; page < 50 && items.length < 1000; page += 1) {
    const result = await fetchPage(cursor)
    items.push(...result.items)
    if (!result.nextCursor || seen.has(result.nextCursor)) break
    seen.add(result.nextCursor)
    cursor = result.nextCursor
  }
  return items.slice(0, 1000)
}

/**
 * The MCP SDK's client transport for a remote: streamable HTTP, or SSE, sending `headers` on
 * every request (the SSE stream included). Used by the handshake and by the stdio bridge.
 */
export async function remoteClientTransport(endpoint: { transport: RemoteTransport; url: string; headers: Record<string, string> }) {
  const url = new URL(endpoint.url)
  const headers = { ...endpoint.headers }
  return endpoint.transport === 'sse'
    ? new (await import('@modelcontextprotocol/sdk/client/sse.js')).SSEClientTransport(url, {
        requestInit: { headers },
        eventSourceInit: { fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string> | undefined), ...headers } }) },
      })
    : new (await import('@modelcontextprotocol/sdk/client/streamableHttp.js')).StreamableHTTPClientTransport(url, { requestInit: { headers } })
}

/**
 * Connects to a remote with the MCP SDK's streamable HTTP client (or its SSE client), sending
 * `headers` on every request, completes the MCP handshake and lists tools, resources and
 * prompts. Fails with `E_HANDSHAKE_HTTP` (refused, an HTTP error status), `E_HANDSHAKE_TIMEOUT`
 * or `E_HANDSHAKE_PROTOCOL`; secret values never appear in the message.
 */
export async function remoteHandshake(
  endpoint: { transport: RemoteTransport; url: string; headers: Record<string, string> },
  options: RemoteHandshakeOptions,
): Promise<HandshakeResult> {
  const now = options.now ?? Date.now
  const started = now()
  const secrets = [...(options.secrets ?? [])]
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js')
  const transport = await remoteClientTransport(endpoint)
  const client = new Client(options.clientInfo ?? { name: 'tekton-mcp', version: packageVersion }, {
    capabilities: {},
    // The handshake lists tools, it never calls them: no output schema is compiled.
    jsonSchemaValidator: { getValidator: () => (input: unknown) => ({ valid: true, data: input as never, errorMessage: undefined }) },
  })
  const deadline = started + options.timeoutMs
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), options.timeoutMs)
  const onAbort = () => controller.abort()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  const requestOptions = () => ({ timeout: Math.max(1, deadline - now()), signal: controller.signal })
  const shown = redactSecretValues(endpoint.url, secrets)
  try {
    await client.connect(transport, requestOptions())
    const capabilities = (client.getServerCapabilities() ?? {}) as Record<string, unknown>
    const tools = capabilities.tools ? await listPaged(async (cursor) => {
      const page = await client.listTools(cursor ? { cursor } : undefined, requestOptions())
      return { items: page.tools, nextCursor: page.nextCursor }
    }) : []
    const resources = capabilities.resources ? await listPaged(async (cursor) => {
      const page = await client.listResources(cursor ? { cursor } : undefined, requestOptions())
      return { items: page.resources, nextCursor: page.nextCursor }
    }).catch(() => []) : []
    const prompts = capabilities.prompts ? await listPaged(async (cursor) => {
      const page = await client.listPrompts(cursor ? { cursor } : undefined, requestOptions())
      return { items: page.prompts, nextCursor: page.nextCursor }
    }).catch(() => []) : []
    const serverInfo = client.getServerVersion()
    const instructions = client.getInstructions()
    const finished = now()
    return {
      serverInfo: { name: serverInfo?.name ?? '', version: serverInfo?.version ?? '', ...(serverInfo?.title ? { title: serverInfo.title } : {}) },
      protocolVersion: (transport as { protocolVersion?: string }).protocolVersion ?? '',
      capabilities: JSON.parse(JSON.stringify(capabilities)) as Record<string, unknown>,
      ...(instructions ? { instructions } : {}),
      tools: tools.map((tool) =>
        recordTool({
          name: tool.name,
          ...(tool.title === undefined ? {} : { title: tool.title }),
          ...(tool.description === undefined ? {} : { description: tool.description }),
          inputSchema: tool.inputSchema as Record<string, unknown>,
          ...(tool.outputSchema === undefined ? {} : { outputSchema: tool.outputSchema as Record<string, unknown> }),
          ...(tool.annotations === undefined ? {} : { annotations: tool.annotations as Record<string, unknown> }),
        }),
      ),
      resources: resources.map((resource) => ({
        uri: resource.uri,
        name: resource.name,
        ...(resource.title === undefined ? {} : { title: resource.title }),
        ...(resource.description === undefined ? {} : { description: resource.description }),
        ...(resource.mimeType === undefined ? {} : { mimeType: resource.mimeType }),
      })),
      prompts: prompts.map((prompt) => ({
        name: prompt.name,
        ...(prompt.title === undefined ? {} : { title: prompt.title }),
        ...(prompt.description === undefined ? {} : { description: prompt.description }),
      })),
      durationMs: finished - started,
      completedAt: new Date(finished).toISOString(),
    }
  } catch (error) {
    const message = redactSecretValues(error instanceof Error ? error.message : String(error), secrets).slice(0, 300)
    if (options.signal?.aborted) throw new TektonError('E_ABORTED', `the handshake with ${shown} was aborted`)
    if (controller.signal.aborted || /timed? ?out/i.test(message)) {
      throw new TektonError('E_HANDSHAKE_TIMEOUT', `${shown} did not complete the MCP handshake within ${Math.round(options.timeoutMs / 1000)}s`, {
        hint: 'Check the URL and that the server is up; give it longer with --handshake-timeout',
      })
    }
    const status = /HTTP (\d{3})|status code:? (\d{3})|\((\d{3})\)/i.exec(message)
    const code = status ? Number(status[1] ?? status[2] ?? status[3]) : undefined
    if (code !== undefined || /fetch failed|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|socket|network/i.test(message) || (error as { code?: unknown }).code === 401) {
      throw new TektonError('E_HANDSHAKE_HTTP', `${shown} could not be reached for an MCP handshake: ${message}`, {
        hint: code === 401 || code === 403 ? 'The server refused the credentials: check the header values (--input)' : 'Check the URL, your network and that the server is up',
      })
    }
    throw new TektonError('E_HANDSHAKE_PROTOCOL', `${shown} did not answer as an MCP server over ${endpoint.transport}: ${message}`, { hint: 'Check the URL points at the MCP endpoint' })
  } finally {
    clearTimeout(timer)
    options.signal?.removeEventListener('abort', onAbort)
    await client.close().catch(() => undefined)
  }
}
