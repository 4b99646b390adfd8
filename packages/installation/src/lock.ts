/**
 * Cross-process locks (the discovery kit's file lock: an atomic `mkdir`, kept fresh by touching its
 * mtime, and taken over once it has not been touched for `staleMs`, i.e. its holder died). A sibling
 * `.holder.json` says who holds it, so a waiter that gives up can name the holder.
 */
import { hostname } from 'node:os'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { TektonError } from '@tekton/mcp-discovery'
import { acquireFileLock, isFileLockHeld, type HeldFileLock } from '@tekton/mcp-discovery/kit'

/** Who holds a lock, as written beside it. */
export interface LockHolder {
  pid: number
  hostname: string
  /** ISO time the lock was taken. */
  since: string
  /** What the holder is doing: `install @scope/name`. */
  purpose: string
}

export interface LockSettings {
  /** A lock not refreshed for this long is taken over. @default 10000 */
  staleMs: number
  /** How long to wait for a held lock before `E_LOCKED`. */
  timeoutMs: number
}

/** A held lock: release it, or check it was not lost (taken over) before committing. */
export interface HeldLock {
  release(): Promise<void>
  /** Throws `E_LOCKED` if the lock was lost meanwhile (this process stalled past the stale time). */
  assertHeld(): void
}

function holderFile(lockPath: string): string {
  return `${lockPath}.holder.json`
}

async function readHolder(lockPath: string): Promise<LockHolder | undefined> {
  try {
    const parsed = JSON.parse(await readFile(holderFile(lockPath), 'utf8')) as Partial<LockHolder>
    if (typeof parsed.pid === 'number' && typeof parsed.hostname === 'string') return parsed as LockHolder
  } catch {
    // No holder file (or a torn one): the hint just says less.
  }
  return undefined
}

/**
 * Takes the lock `lockPath` (a directory proper-lockfile creates), waiting up to `timeoutMs`
 * with short randomised retries; `E_LOCKED` naming the holder when it stays held.
 */
export async function acquireLock(lockPath: string, purpose: string, settings: LockSettings): Promise<HeldLock> {
  let held: HeldFileLock
  try {
    held = await acquireFileLock(lockPath, { staleMs: settings.staleMs, timeoutMs: settings.timeoutMs })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error
    const holder = await readHolder(lockPath)
    const who = holder ? `pid ${holder.pid} on ${holder.hostname} (${holder.purpose}, since ${holder.since})` : 'another process'
    throw new TektonError('E_LOCKED', `${lockPath} is held by ${who}; waited ${settings.timeoutMs} ms`, {
      hint: `Wait for ${holder ? `pid ${holder.pid}` : 'the other tekton-mcp process'} to finish. A lock whose holder died is taken over automatically after ${Math.round(settings.staleMs / 1000)} s without updates.`,
      cause: error,
    })
  }
  const holder: LockHolder = { pid: process.pid, hostname: hostname(), since: new Date().toISOString(), purpose }
  await writeFile(holderFile(lockPath), JSON.stringify(holder), { mode: 0o600 }).catch(() => undefined)
  return {
    async release() {
      await rm(holderFile(lockPath), { force: true }).catch(() => undefined)
      // A lock that cannot be removed goes stale by itself: not worth failing the operation over.
      await held.release()
    },
    assertHeld() {
      const lost = held.lost()
      if (lost) {
        throw new TektonError('E_LOCKED', `lost the lock ${lockPath}: another process took it over (${lost.message})`, {
          hint: 'This process was stalled longer than the lock stale time; run the command again',
          cause: lost,
        })
      }
    },
  }
}

/** Runs `action` holding the lock. */
export async function withLock<T>(lockPath: string, purpose: string, settings: LockSettings, action: (lock: HeldLock) => Promise<T>): Promise<T> {
  const held = await acquireLock(lockPath, purpose, settings)
  try {
    return await action(held)
  } finally {
    await held.release()
  }
}

/** Whether a lock is held and fresh (not stale) right now. */
export async function isLockHeld(lockPath: string, staleMs: number): Promise<boolean> {
  return isFileLockHeld(lockPath, staleMs)
}

/** Whether process `pid` is alive on this machine (EPERM: it exists, owned by someone else). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
