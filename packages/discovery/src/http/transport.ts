/**
 * The default transport: undici's fetch over one keep-alive agent shared by every client in the
 * process, with DNS answers cached, because the resolver on some machines stalls for 5 s and a
 * search sends many requests to the same few hosts, and a short connect timeout.
 *
 * undici is imported on first use, not at module load: a CLI that answers from cache, or prints
 * help, should not pay ~150 ms to load an HTTP stack it never uses.
 */

type Fetch = typeof globalThis.fetch

let sharedFetch: Promise<Fetch> | undefined

/** How long DNS answers are reused, at most; undici also honours shorter record TTLs. */
const dnsMaxTtlMs = 5 * 60_000
/** Idle sockets are kept this long for the next request to the same host. */
const keepAliveTimeoutMs = 10_000
/**
 * How long a connection may take to open (DNS included). A registry answers a connect in well
 * under a second; a black-holed host never does, and would otherwise cost a search undici's
 * default of 10 s before the other sources' results are shown.
 */
const connectTimeoutMs = 3_000

/** The process-wide default fetch, created on first call. */
export function defaultFetch(): Promise<Fetch> {
  sharedFetch ??= (async () => {
    const undici = await import('undici')
    const dispatcher = new undici.Agent({ keepAliveTimeout: keepAliveTimeoutMs, connect: { timeout: connectTimeoutMs } }).compose(
      undici.interceptors.dns({ maxTTL: dnsMaxTtlMs }),
    )
    // undici's own Request/Response types differ nominally from the DOM ones in @types/node; at
    // run time they are the same Fetch API, so the cast only bridges the two declarations.
    const undiciFetch = undici.fetch as unknown as (input: string | URL | Request, init?: Omit<RequestInit, 'dispatcher'> & { dispatcher?: unknown }) => Promise<Response>
    const fetchThroughAgent: Fetch = (input, init) => undiciFetch(input, { ...init, dispatcher })
    return fetchThroughAgent
  })()
  return sharedFetch
}
