/**
 * Reading the Simple API's root index, streamed. PyPI's lists about 700,000 projects (tens of
 * MB): parsing it whole would hold the text and an object per project at once, so names are
 * taken out while the body arrives and only the ones a caller keeps stay in memory.
 *
 * The download is the shared HTTP client's streaming GET (`getStream`): its User-Agent,
 * transport, timeout (over the whole body), size cap counted while reading (after
 * decompression), conditional request, credentials sent as Basic authentication and redacted
 * from every message, and its `RegistryHttpError`s. A truncated or malformed body is an error,
 * so nothing built from it is ever stored.
 */
import { Tokenizer, TokenType } from '@streamparser/json'
import { RegistryHttpError, redact } from '@tekton/mcp-discovery'
import type { HttpClient, HttpRequestInfo } from '@tekton/mcp-discovery'
import { parseRetryAfter } from '@tekton/mcp-discovery/kit'

/** PEP 691 content types, JSON preferred, as pip asks: a mirror without JSON answers HTML. */
export const simpleIndexAccept = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01'

/** The major `api-version` this reader understands; PEP 629 says clients must refuse another. */
const supportedMajorVersion = 1

/** Thrown by the parsers when the body is not a simple index; the fetch turns it into E_BAD_RESPONSE. */
export class SimpleIndexFormatError extends Error {
  override readonly name = 'SimpleIndexFormatError'
}

/** What a parser saw once the body ended. */
export interface SimpleIndexSummary {
  /** `meta.api-version` (JSON) or `pypi:repository-version` (HTML), when present. */
  apiVersion?: string
  /** Projects listed, kept or not. */
  projectCount: number
}

/** A push parser: bytes in, `onName` for each project, a summary (or an error) at the end. */
export interface SimpleIndexParser {
  write(chunk: Uint8Array): void
  end(): SimpleIndexSummary
}

function checkApiVersion(apiVersion: string | undefined): void {
  if (apiVersion === undefined) return
  const major = Number(apiVersion.split('.')[0])
  if (major !== supportedMajorVersion) {
    throw new SimpleIndexFormatError(`uses Simple API version ${apiVersion}; only ${supportedMajorVersion}.x is understood`)
  }
}

type Role = 'root' | 'meta' | 'projects' | 'project' | 'other'
type State = 'key-or-end' | 'key' | 'colon' | 'value' | 'value-or-end' | 'comma-or-end'

interface Frame {
  container: 'object' | 'array'
  role: Role
  state: State
  key: string | undefined
}

/**
 * A streaming reader of the PEP 691 root index: `{"meta": {"api-version": "1.x"}, "projects":
 * [{"name": "...", ...}, ...]}`. The tokenizer checks the JSON's lexical form; the small state
 * machine here checks its structure (so `{"a" "b"}` or a cut-off body fail) and picks out
 * `meta.api-version` and each `projects[].name` without building any object.
 */
export function createSimpleIndexJsonParser(onName: (name: string) => void): SimpleIndexParser {
  const tokenizer = new Tokenizer()
  const stack: Frame[] = []
  let rootDone = false
  let sawProjects = false
  let projectCount = 0
  let apiVersion: string | undefined

  const fail = (message: string): never => {
    throw new SimpleIndexFormatError(message)
  }

  /** Checks a value may start here and returns the container it belongs to (none for the root). */
  function beginValue(): Frame | undefined {
    const top = stack.at(-1)
    if (!top) {
      if (rootDone) fail('has data after the end of the document')
      return undefined
    }
    const expecting = top.container === 'object' ? top.state === 'value' : top.state === 'value-or-end' || top.state === 'value'
    if (!expecting) fail(`has a value where ${top.state === 'colon' ? 'a colon' : top.state.startsWith('key') ? 'a key' : 'a comma or a closing bracket'} belongs`)
    return top
  }

  function endValue(parent: Frame | undefined): void {
    if (parent) parent.state = 'comma-or-end'
    else rootDone = true
  }

  function roleOf(parent: Frame | undefined, container: Frame['container']): Role {
    if (!parent) return container === 'object' ? 'root' : fail('is not a JSON object')
    if (parent.role === 'root' && parent.key === 'projects') {
      if (container !== 'array') fail('has "projects" that is not a list')
      sawProjects = true
      return 'projects'
    }
    if (parent.role === 'root' && parent.key === 'meta' && container === 'object') return 'meta'
    if (parent.role === 'projects' && container === 'object') {
      projectCount += 1
      return 'project'
    }
    return 'other'
  }

  function scalar(parent: Frame | undefined, value: unknown): void {
    if (!parent) fail('is not a JSON object')
    else if (parent.role === 'project' && parent.key === 'name' && parent.container === 'object' && typeof value === 'string') onName(value)
    else if (parent.role === 'meta' && parent.key === 'api-version' && typeof value === 'string') apiVersion = value
    else if (parent.role === 'root' && parent.key === 'projects') fail('has "projects" that is not a list')
  }

  tokenizer.onToken = ({ token, value }) => {
    switch (token) {
      case TokenType.LEFT_BRACE:
      case TokenType.LEFT_BRACKET: {
        const parent = beginValue()
        const container = token === TokenType.LEFT_BRACE ? 'object' : 'array'
        stack.push({ container, role: roleOf(parent, container), state: container === 'object' ? 'key-or-end' : 'value-or-end', key: undefined })
        return
      }
      case TokenType.RIGHT_BRACE:
      case TokenType.RIGHT_BRACKET: {
        const top = stack.at(-1)
        const container = token === TokenType.RIGHT_BRACE ? 'object' : 'array'
        const closable = top?.container === container && (top.state === 'comma-or-end' || top.state === (container === 'object' ? 'key-or-end' : 'value-or-end'))
        if (!closable) fail(`has a misplaced ${container === 'object' ? '}' : ']'}`)
        stack.pop()
        endValue(stack.at(-1))
        return
      }
      case TokenType.COLON: {
        const top = stack.at(-1)
        if (top?.state !== 'colon') fail('has a misplaced colon')
        ;(top as Frame).state = 'value'
        return
      }
      case TokenType.COMMA: {
        const top = stack.at(-1)
        if (top?.state !== 'comma-or-end') fail('has a misplaced comma')
        ;(top as Frame).state = (top as Frame).container === 'object' ? 'key' : 'value'
        return
      }
      case TokenType.STRING: {
        const top = stack.at(-1)
        if (top?.container === 'object' && (top.state === 'key-or-end' || top.state === 'key')) {
          top.key = value as string
          top.state = 'colon'
          return
        }
        const parent = beginValue()
        scalar(parent, value)
        endValue(parent)
        return
      }
      case TokenType.NUMBER:
      case TokenType.TRUE:
      case TokenType.FALSE:
      case TokenType.NULL: {
        const parent = beginValue()
        scalar(parent, value)
        endValue(parent)
        return
      }
      default:
        fail('is not a single JSON document')
    }
  }
  tokenizer.onError = (error) => {
    throw error instanceof SimpleIndexFormatError ? error : new SimpleIndexFormatError(`is not valid JSON: ${error.message}`)
  }

  return {
    write(chunk) {
      tokenizer.write(chunk)
      // Checked as soon as `meta` has been read, rather than after tens of MB of projects.
      if (apiVersion !== undefined) checkApiVersion(apiVersion)
    },
    end() {
      try {
        if (!tokenizer.isEnded) tokenizer.end()
      } catch {
        // The tokenizer only fails here when the text stops inside a string, number or literal.
        rootDone = false
      }
      if (!rootDone) fail('ended before the document did (cut short?)')
      if (!sawProjects) fail('has no "projects" list: it is not a PEP 691 index')
      checkApiVersion(apiVersion)
      return { ...(apiVersion === undefined ? {} : { apiVersion }), projectCount }
    },
  }
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" }

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#39);/g, (_, name: string) => entities[name] ?? '')
}

/** Longest stretch of HTML kept between chunks while waiting for an anchor to close. */
const maxPendingHtml = 64 * 1024

/**
 * A streaming reader of the PEP 503 HTML root index (`<a href="/simple/name/">Name</a>` per
 * project), for indexes that do not serve PEP 691 JSON. Anchor texts are the names.
 */
export function createSimpleIndexHtmlParser(onName: (name: string) => void): SimpleIndexParser {
  const decoder = new TextDecoder('utf-8')
  let pending = ''
  let projectCount = 0
  let apiVersion: string | undefined
  let sawHtml = false

  function scan(final: boolean): void {
    if (!sawHtml && /<(?:!doctype|html|body|a)\b/i.test(pending)) sawHtml = true
    if (apiVersion === undefined && projectCount === 0) {
      apiVersion = /<meta\s+name="pypi:repository-version"\s+content="([^"]+)"/i.exec(pending)?.[1]
      if (apiVersion !== undefined) checkApiVersion(apiVersion)
    }
    const anchor = /<a\b[^>]*>([^<]*)<\/a\s*>/gi
    let consumed = 0
    for (let match = anchor.exec(pending); match; match = anchor.exec(pending)) {
      projectCount += 1
      const name = decodeEntities(match[1] ?? '').trim()
      if (name) onName(name)
      consumed = anchor.lastIndex
    }
    const rest = pending.slice(consumed)
    // Keep the last anchor that has begun but not closed (an earlier one that never closed is
    // malformed and skipped); otherwise only what could begin one.
    const open = [...rest.matchAll(/<a\b/gi)].at(-1)?.index
    pending = open !== undefined ? rest.slice(open) : rest.slice(Math.max(0, rest.lastIndexOf('<')))
    if (pending.length > maxPendingHtml) throw new SimpleIndexFormatError('has an anchor that never closes')
    if (final && !sawHtml) throw new SimpleIndexFormatError('is neither PEP 691 JSON nor PEP 503 HTML')
  }

  return {
    write(chunk) {
      pending += decoder.decode(chunk, { stream: true })
      scan(false)
    },
    end() {
      pending += decoder.decode()
      scan(true)
      return { ...(apiVersion === undefined ? {} : { apiVersion }), projectCount }
    },
  }
}

export interface FetchSimpleIndexOptions {
  /** The index URL (`https://pypi.org/simple/`); `user:password@` is sent as Basic authentication. */
  url: string
  /** The shared HTTP client (its User-Agent, transport, rate limit and errors). */
  http: HttpClient
  /** For the whole download, body included. */
  timeoutMs: number
  /** Decompressed bytes accepted before giving up. */
  maxBytes: number
  /** Validators of the copy held, for a conditional request. */
  etag?: string | undefined
  lastModified?: string | undefined
  signal?: AbortSignal | undefined
  /** Called with each project name as it is read. */
  onName: (name: string) => void
  /** Source id for messages. @default 'pypi' */
  source?: string
  /** Clock for a `Retry-After` date (epoch ms). @default Date.now */
  now?: () => number
}

export type FetchSimpleIndexResult =
  | { notModified: true; etag?: string; lastModified?: string }
  | ({ notModified: false; format: 'json' | 'html'; bytes: number; etag?: string; lastModified?: string } & SimpleIndexSummary)

/**
 * An index that answers 503 with `Retry-After` is busy, not broken: said as a rate limit, with
 * when to come back, so the next build waits for it. (The client retries 429s itself; the index
 * download is not retried, see below.)
 */
function busyIndexHook(source: string, now: () => number) {
  return (response: Response, request: HttpRequestInfo): void => {
    if (response.status !== 503) return
    const waitMs = parseRetryAfter(response.headers.get('retry-after'), now())
    if (waitMs === undefined) return
    const retryAt = now() + waitMs
    throw new RegistryHttpError(
      'E_RATE_LIMITED',
      redact(`[${source}] GET ${request.url} 503 Service Unavailable; retry after ${new Date(retryAt).toISOString()}`),
      { url: request.url, status: 503, retryable: true, retryAt },
      { hint: 'The index is busy; wait and try again' },
    )
  }
}

/**
 * Fetches the root index through the shared client's streaming GET and streams it through the
 * parser its content type calls for, calling `onName` per project. With validators, a 304
 * answers `{ notModified: true }`. Not retried here: the name index has its own retry delay, and a
 * download of tens of MB should not be repeated inside one search. Every failure is a
 * `RegistryHttpError`: E_NETWORK, E_TIMEOUT, E_ABORTED, E_HTTP, E_NOT_FOUND, E_RATE_LIMITED,
 * E_RESPONSE_TOO_LARGE, or E_BAD_RESPONSE for a body that is cut short or not an index.
 */
export async function fetchSimpleIndex(options: FetchSimpleIndexOptions): Promise<FetchSimpleIndexResult> {
  const source = options.source ?? 'pypi'
  const response = await options.http.getStream(options.url, {
    source,
    accept: simpleIndexAccept,
    timeoutMs: options.timeoutMs,
    maxBytes: options.maxBytes,
    retries: 0,
    etag: options.etag,
    lastModified: options.lastModified,
    onResponse: busyIndexHook(source, options.now ?? Date.now),
    ...(options.signal ? { signal: options.signal } : {}),
  })
  const etag = response.headers.get('etag') ?? undefined
  const lastModified = response.headers.get('last-modified') ?? undefined
  const validators = { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) }
  if (response.notModified) return { notModified: true, ...validators }

  const statusLabel = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`
  const displayUrl = redact(options.url)
  const badBody = (cause: unknown) =>
    new RegistryHttpError(
      'E_BAD_RESPONSE',
      redact(`[${source}] GET ${displayUrl} ${statusLabel} ${cause instanceof Error ? cause.message : String(cause)}`),
      { url: displayUrl, status: response.status, retryable: false },
      { hint: 'The index did not answer with a PEP 691 (JSON) or PEP 503 (HTML) index; check the index URL', cause },
    )
  const contentType = (response.headers.get('content-type') ?? '').toLowerCase()
  let format: 'json' | 'html' | undefined = contentType.includes('json') ? 'json' : contentType.includes('html') ? 'html' : undefined
  let parser: SimpleIndexParser | undefined = format && (format === 'json' ? createSimpleIndexJsonParser(options.onName) : createSimpleIndexHtmlParser(options.onName))

  let bytes = 0
  const reader = response.body.getReader()
  for (;;) {
    // The client's stream fails with its own RegistryHttpErrors (timeout, abort, too large, cut short).
    const chunk = await reader.read()
    if (chunk.done) break
    bytes += chunk.value.byteLength
    if (!parser) {
      // No telling content type: the first character says which form this is.
      const first = new TextDecoder().decode(chunk.value.subarray(0, 64)).trimStart()[0]
      format = first === '{' ? 'json' : 'html'
      parser = format === 'json' ? createSimpleIndexJsonParser(options.onName) : createSimpleIndexHtmlParser(options.onName)
    }
    try {
      parser.write(chunk.value)
    } catch (cause) {
      await reader.cancel().catch(() => undefined)
      throw badBody(cause)
    }
  }
  parser ??= createSimpleIndexJsonParser(options.onName)
  let summary: SimpleIndexSummary
  try {
    summary = parser.end()
  } catch (cause) {
    throw badBody(cause)
  }
  return { notModified: false, format: format ?? 'json', bytes, ...validators, ...summary }
}
