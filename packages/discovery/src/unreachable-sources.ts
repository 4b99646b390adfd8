/**
 * A memory of the sources that could not be reached, shared by every process through one small
 * file, so a registry the network cannot reach (no DNS, refused, black-holed) costs one search its
 * timeout and the searches of the next minutes nothing: they skip it at once and say when it was
 * last tried. Each CLI run is a new process, hence a file rather than a variable.
 *
 * The memory is a hint, never a source of failure: an unreadable or corrupt file reads as empty,
 * a failed write is ignored, and two processes writing at once lose at worst one entry.
 */
import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { writeFileAtomic } from './kit/atomic-write'
import type { StaleReason } from './spec/metadata'

/**
 * Error codes that say the host was never reached: no DNS answer, no route, connection refused,
 * or a connection that did not open in time. An HTTP status, however bad, proves the opposite.
 */
const unreachableErrorCodes = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
])

/**
 * True when `error` (or any error in its `cause` chain) says the source's host could not be
 * reached: one of the codes above, or a timeout (`E_TIMEOUT`: the source or its host did not
 * answer before the deadline). System errors carry their errno code as a property; reading it is
 * the only way to tell a refused connection from any other failure.
 */
export function isUnreachableError(error: unknown): boolean {
  let current: unknown = error
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && (unreachableErrorCodes.has(code) || code === 'E_TIMEOUT')) return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}

/** True when `error` is a connect-level failure (not a timeout): retrying it at once rarely helps. */
export function isConnectFailure(error: unknown): boolean {
  let current: unknown = error
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && unreachableErrorCodes.has(code)) return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}

/**
 * Why a refresh failed, for the status of the stale answer served instead: rate limited, not
 * reached, or answered with an error. By code, because the error may come from another copy of
 * this package.
 */
export function staleReasonOf(error: unknown): Extract<StaleReason, 'rate-limited' | 'unreachable' | 'failed'> {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
  if (code === 'E_RATE_LIMITED') return 'rate-limited'
  return isUnreachableError(error) ? 'unreachable' : 'failed'
}

/** What is remembered of one unreachable source. */
export interface UnreachableSource {
  /** When it was last tried and could not be reached (epoch ms). */
  lastTriedAt: number
  /** The failure's code and message, to repeat when the source is skipped. */
  code: string
  message: string
}

const UnreachableFileSchema = z.object({
  version: z.literal(1),
  sources: z.record(
    z.string(),
    z.object({ lastTriedAt: z.number(), code: z.string(), message: z.string() }),
  ),
})

/** Options of `createUnreachableSources()`. */
export interface UnreachableSourcesOptions {
  /** The JSON file the memory is kept in, e.g. `<cache>/unreachable-sources.json`. */
  file: string
  /** How long an unreachable source is skipped after it was last tried, in ms. @default 300000 (5 min) */
  skipForMs?: number
  /**
   * What the sources' endpoints depend on (e.g. a hash of the configuration they read): a source
   * remembered under another scope is not skipped, so pointing a source elsewhere asks it at once.
   * @default '' (one scope)
   */
  scope?: string
  /** The clock; the combined registry that records failures should use the same one. @default Date.now */
  now?: () => number
}

/** Which sources to skip, and what each call taught. */
export interface UnreachableSources {
  /** How long a source is skipped after a failed try, in ms. */
  readonly skipForMs: number
  /** The sources to skip now (tried and unreachable less than `skipForMs` ago), by source id. */
  recall(): Promise<Map<string, UnreachableSource>>
  /**
   * Records what calls taught: the sources that could not be reached, and those that answered
   * (which are forgotten). Writes the file only when something changed.
   */
  update(changes: { unreachable?: ReadonlyMap<string, UnreachableSource>; reached?: readonly string[] }): Promise<void>
  /**
   * Resolves once every update asked for so far is written. Updates run one after another, and
   * `recall` waits for them, so a caller that does not wait for its update (a search: the file's
   * fsyncs would cost it more than the refused connection did) is still seen by the next call.
   */
  settle?(): Promise<void>
}

/** Updates still being written, by file: the last one of each (they run one after another). */
const pendingWrites = new Map<string, Promise<void>>()

/** The default time an unreachable source is skipped: 5 minutes. */
export const defaultSkipUnreachableMs = 5 * 60_000

/** Creates the memory of unreachable sources kept in `options.file`. */
export function createUnreachableSources(options: UnreachableSourcesOptions): UnreachableSources {
  const skipForMs = options.skipForMs ?? defaultSkipUnreachableMs
  const now = options.now ?? Date.now
  const file = options.file
  const scope = options.scope ?? ''
  // Entries are kept per scope and source; the file holds every scope's, each expiring alone.
  const keyOf = (id: string): string => JSON.stringify([scope, id])
  const isCurrent = (entry: UnreachableSource, time: number): boolean => entry.lastTriedAt <= time && time - entry.lastTriedAt < skipForMs

  async function read(): Promise<Record<string, UnreachableSource>> {
    try {
      const parsed = UnreachableFileSchema.safeParse(JSON.parse(await readFile(file, 'utf8')))
      return parsed.success ? parsed.data.sources : {}
    } catch {
      return {}
    }
  }

  async function write(sources: Record<string, UnreachableSource>): Promise<void> {
    try {
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
      await writeFileAtomic(file, JSON.stringify({ version: 1, sources }), { mode: 0o600 })
    } catch {
      // A hint that could not be saved only costs the next search a timeout.
    }
  }

  // Updates one after another, so that a later one (a cleared cache) is never overwritten by an
  // earlier one still writing; per file and for the whole process, so that every memory over the
  // same file (one per application instance) sees the others' updates.
  const queued = (): Promise<void> => pendingWrites.get(file) ?? Promise.resolve()

  async function apply(changes: { unreachable?: ReadonlyMap<string, UnreachableSource>; reached?: readonly string[] }): Promise<void> {
    const unreachable = changes.unreachable ?? new Map<string, UnreachableSource>()
    const reached = changes.reached ?? []
    if (unreachable.size === 0 && reached.length === 0) return
    const sources = await read()
    let changed = false
    for (const id of reached) {
      if (keyOf(id) in sources) {
        delete sources[keyOf(id)]
        changed = true
      }
    }
    for (const [id, entry] of unreachable) {
      sources[keyOf(id)] = entry
      changed = true
    }
    if (!changed) return
    // Expired entries (of any scope) go, so the file stays small.
    const time = now()
    for (const [key, entry] of Object.entries(sources)) if (!isCurrent(entry, time)) delete sources[key]
    await write(sources)
  }

  return {
    skipForMs,

    async recall() {
      await queued()
      const time = now()
      const sources = await read()
      const remembered = new Map<string, UnreachableSource>()
      for (const [key, entry] of Object.entries(sources)) {
        const id = idOf(key, scope)
        // A clock that went backwards must not skip a source for longer than the window.
        if (id !== undefined && isCurrent(entry, time)) remembered.set(id, entry)
      }
      return remembered
    },

    update(changes) {
      const run = queued().then(() => apply(changes))
      const settled = run.catch(() => undefined)
      pendingWrites.set(file, settled)
      // The last update forgets itself once written, so the map holds no finished work.
      void settled.then(() => {
        if (pendingWrites.get(file) === settled) pendingWrites.delete(file)
      })
      return run
    },

    settle() {
      return queued()
    },
  }
}

/** The source id of a key written under `scope`, or undefined for another scope's key. */
function idOf(key: string, scope: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(key)
    if (Array.isArray(parsed) && parsed.length === 2 && parsed[0] === scope && typeof parsed[1] === 'string') return parsed[1]
  } catch {
    // not one of ours
  }
  return undefined
}
