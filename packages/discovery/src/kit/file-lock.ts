/**
 * Cross-process locks on proper-lockfile: an atomic `mkdir`, kept fresh by touching its mtime,
 * and taken over once it has not been touched for `staleMs` (its holder died or hung). Loaded on
 * first use: reading caches and state must not pay for it (CLI start-up is timed).
 */
import type { LockOptions } from 'proper-lockfile'

type LockModule = Pick<typeof import('proper-lockfile'), 'lock' | 'check'>
let lockModule: Promise<LockModule> | undefined

function loadLockModule(): Promise<LockModule> {
  lockModule ??= import('proper-lockfile').then(
    (module) => {
      // CommonJS: the functions are on `default` or on the namespace, depending on the loader.
      const resolved = (module as unknown as { default?: LockModule }).default ?? module
      return { lock: resolved.lock, check: resolved.check }
    },
    (error: unknown) => {
      lockModule = undefined
      throw error
    },
  )
  return lockModule
}

/** Options of `acquireFileLock`. */
export interface FileLockOptions {
  /** A lock not refreshed for this long is taken over. */
  staleMs: number
  /** How long to wait for a held lock before failing with an `ELOCKED` error; 0 tries once. */
  timeoutMs: number
  /** How often the held lock is refreshed. @default staleMs / 4, at least 1000 */
  updateMs?: number
  /** Shortest and longest wait between tries (randomised, growing by 1.5). @default { minMs: 10, maxMs: 250 } */
  retryWait?: { minMs: number; maxMs: number }
}

/** A held lock. */
export interface HeldFileLock {
  /** Releases the lock; a lock that cannot be removed goes stale by itself, so this never throws. */
  release(): Promise<void>
  /**
   * Why the lock was lost (another process took it over because this one stalled past
   * `staleMs`), or undefined while it is held. Check before committing what the lock guards.
   */
  lost(): Error | undefined
}

/**
 * Takes the lock `lockPath` (a directory), waiting up to `timeoutMs` with short randomised
 * tries. Rejects with proper-lockfile's error (`code: 'ELOCKED'`) when it stays held: the caller
 * knows what the lock guards and says so.
 */
export async function acquireFileLock(lockPath: string, options: FileLockOptions): Promise<HeldFileLock> {
  const { lock } = await loadLockModule()
  const { minMs, maxMs } = options.retryWait ?? { minMs: 10, maxMs: 250 }
  let lost: Error | undefined
  const lockOptions: LockOptions = {
    // The guarded file may not exist yet, and realpath would fail on it; the lock is its own path.
    realpath: false,
    lockfilePath: lockPath,
    stale: options.staleMs,
    update: options.updateMs ?? Math.max(1000, Math.floor(options.staleMs / 4)),
    // `retry` precomputes every wait: enough for the timeout at the shortest interval, no more.
    // It reads a maxRetryTime of 0 as "no limit", hence no retries then.
    retries:
      options.timeoutMs > 0
        ? { retries: Math.min(20_000, Math.ceil(options.timeoutMs / minMs) + 10), minTimeout: minMs, maxTimeout: maxMs, factor: 1.5, randomize: true, maxRetryTime: options.timeoutMs }
        : 0,
    // The default throws from a timer, which would crash the process; `lost()` reports it instead.
    onCompromised: (error) => {
      lost = error
    },
  }
  const release = await lock(lockPath, lockOptions)
  return {
    async release() {
      await release().catch(() => undefined)
    },
    lost: () => lost,
  }
}

/** Whether the lock `lockPath` is held and fresh (not stale) right now. */
export async function isFileLockHeld(lockPath: string, staleMs: number): Promise<boolean> {
  const { check } = await loadLockModule()
  return check(lockPath, { realpath: false, lockfilePath: lockPath, stale: staleMs }).catch(() => false)
}
