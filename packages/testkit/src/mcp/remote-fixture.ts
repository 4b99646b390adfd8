/**
 * A remote MCP server for tests, on loopback: the MCP SDK's own server transports (streamable
 * HTTP, stateless, at `/mcp`; SSE at `/sse` with messages posted to `/messages`), so what our
 * client sends is judged by the reference implementation. It can require a header (an API key)
 * and answers 401 without it, to prove headers are sent; it counts requests per path.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FakeOfficialEntry } from '../official/fake-official-registry'

export interface RemoteFixtureOptions {
  /** `serverInfo.name`. @default 'remote-fixture' */
  name?: string
  /** @default '1.0.0' */
  version?: string
  /** Requests without this header (exact value) are answered 401. */
  requiredHeader?: { name: string; value: string }
  /** Tool names to list besides `echo`. */
  extraTools?: string[]
}

export interface RemoteFixture {
  /** `http://127.0.0.1:<port>` */
  origin: string
  /** The streamable HTTP endpoint (`<origin>/mcp`). */
  streamableUrl: string
  /** The SSE endpoint (`<origin>/sse`). */
  sseUrl: string
  /** Requests seen, by path, how many were refused for a missing header, and each request's query string (what a URL's variables reach the server as). */
  requests: { byPath: Record<string, number>; refused: number; queries: string[] }
  close(): Promise<void>
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  return text === '' ? undefined : JSON.parse(text)
}

/** Starts the remote fixture on a free loopback port. */
export async function startRemoteMcpFixture(options: RemoteFixtureOptions = {}): Promise<RemoteFixture> {
  const { Server } = await import('@modelcontextprotocol/sdk/server/index.js')
  const { StreamableHTTPServerTransport } = await import('@modelcontextprotocol/sdk/server/streamableHttp.js')
  const { SSEServerTransport } = await import('@modelcontextprotocol/sdk/server/sse.js')
  const types = await import('@modelcontextprotocol/sdk/types.js')
  const tools = [
    { name: 'echo', description: 'Echoes its text', inputSchema: { type: 'object' as const, properties: { text: { type: 'string' } } } },
    ...(options.extraTools ?? []).map((name) => ({ name, description: `The ${name} tool`, inputSchema: { type: 'object' as const, properties: {} } })),
  ]
  const newServer = () => {
    const server = new Server({ name: options.name ?? 'remote-fixture', version: options.version ?? '1.0.0' }, { capabilities: { tools: {} } })
    server.setRequestHandler(types.ListToolsRequestSchema, async () => ({ tools }))
    server.setRequestHandler(types.CallToolRequestSchema, async (request) => ({ content: [{ type: 'text', text: JSON.stringify(request.params.arguments ?? {}) }] }))
    return server
  }
  const requests = { byPath: {} as Record<string, number>, refused: 0, queries: [] as string[] }
  const sseSessions = new Map<string, InstanceType<typeof SSEServerTransport>>()

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    requests.byPath[url.pathname] = (requests.byPath[url.pathname] ?? 0) + 1
    requests.queries.push(url.search)
    const required = options.requiredHeader
    if (required && request.headers[required.name.toLowerCase()] !== required.value) {
      requests.refused += 1
      response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `missing or wrong ${required.name}` }))
      return
    }
    if (url.pathname === '/mcp') {
      if (request.method !== 'POST') {
        response.writeHead(405, { allow: 'POST' }).end()
        return
      }
      // Stateless: a server and transport per request, as the SDK's stateless example does.
      const server = newServer()
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true })
      response.on('close', () => {
        void transport.close()
        void server.close()
      })
      await server.connect(transport)
      await transport.handleRequest(request, response, await readBody(request))
      return
    }
    if (url.pathname === '/sse' && request.method === 'GET') {
      const transport = new SSEServerTransport('/messages', response)
      sseSessions.set(transport.sessionId, transport)
      response.on('close', () => sseSessions.delete(transport.sessionId))
      await newServer().connect(transport)
      return
    }
    if (url.pathname === '/messages' && request.method === 'POST') {
      const transport = sseSessions.get(url.searchParams.get('sessionId') ?? '')
      if (!transport) {
        response.writeHead(404).end()
        return
      }
      await transport.handlePostMessage(request, response, await readBody(request))
      return
    }
    response.writeHead(404).end()
  }

  const httpServer = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500).end(String(error))
    })
  })
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve))
  const { port } = httpServer.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`
  return {
    origin,
    streamableUrl: `${origin}/mcp`,
    sseUrl: `${origin}/sse`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const transport of sseSessions.values()) void transport.close()
        httpServer.closeAllConnections()
        httpServer.close(() => resolve())
      }),
  }
}

/**
 * An official-registry entry for a remote-only server answering at `url` (the fixture's), with
 * a required secret header `X-API-Key` and an optional `{region}` variable in the URL when the
 * URL holds one.
 */
export function officialRemoteOnlyEntry(options: { name?: string; url: string; transport?: 'streamable-http' | 'sse'; version?: string }): FakeOfficialEntry {
  return {
    server: {
      $schema: 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json',
      name: options.name ?? 'io.example.test/remote-notes',
      title: 'Remote notes',
      description: 'A remote-only MCP server for tests (loopback).',
      version: options.version ?? '1.4.0',
      remotes: [
        {
          type: options.transport ?? 'streamable-http',
          url: options.url,
          headers: [{ name: 'X-API-Key', description: 'Your API key', isRequired: true, isSecret: true }],
          ...(options.url.includes('{region}') ? { variables: { region: { description: 'Region', default: 'eu', choices: ['eu', 'us'] } } } : {}),
        },
      ],
    },
    publishedAt: '2026-01-10T09:00:00Z',
  }
}
