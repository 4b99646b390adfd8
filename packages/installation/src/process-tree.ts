/**
 * The processes a program left behind. Killing a child is not enough: a server may start helpers
 * (a detached one even leaves our process group with `setsid`), and npm runs node-gyp, compilers
 * and scripts under it. On Linux, `/proc/<pid>/stat` gives every process's parent, group and CPU
 * time, which is what both the handshake (kill the whole tree) and the npm runner (is the tree
 * still working?) need. Elsewhere the readers return nothing and callers fall back to the
 * process group alone.
 */
import { readdirSync, readFileSync } from 'node:fs'

/** One line of the process table. */
export interface ProcessEntry {
  pid: number
  parentPid: number
  processGroup: number
  /** User plus system CPU time, in clock ticks. */
  cpuTicks: number
}

/** Parses `/proc/<pid>/stat`; the command name is in parentheses and may hold spaces or `)`. */
export function parseProcStat(text: string): ProcessEntry | undefined {
  const close = text.lastIndexOf(')')
  const open = text.indexOf('(')
  if (close < 0 || open < 0) return undefined
  const pid = Number(text.slice(0, open).trim())
  // Fields after the name: state(3) ppid(4) pgrp(5) session(6) tty(7) tpgid(8) flags(9)
  // minflt(10) cminflt(11) majflt(12) cmajflt(13) utime(14) stime(15).
  const fields = text.slice(close + 2).split(' ')
  const number = (index: number) => Number(fields[index - 3])
  const entry = { pid, parentPid: number(4), processGroup: number(5), cpuTicks: number(14) + number(15) }
  return Object.values(entry).every(Number.isFinite) ? entry : undefined
}

/** Every process this user can see, from `/proc` (empty where there is no `/proc`). */
export function readProcessTable(procRoot = '/proc'): ProcessEntry[] {
  let names: string[]
  try {
    names = readdirSync(procRoot)
  } catch {
    return []
  }
  const entries: ProcessEntry[] = []
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue
    try {
      const entry = parseProcStat(readFileSync(`${procRoot}/${name}/stat`, 'utf8'))
      if (entry) entries.push(entry)
    } catch {
      // It exited between the listing and the read.
    }
  }
  return entries
}

/** `root` and every process below it (children, grandchildren, ...), from one table. */
export function processTreeOf(root: number, table: readonly ProcessEntry[]): ProcessEntry[] {
  const children = new Map<number, ProcessEntry[]>()
  for (const entry of table) {
    const siblings = children.get(entry.parentPid)
    if (siblings) siblings.push(entry)
    else children.set(entry.parentPid, [entry])
  }
  const found: ProcessEntry[] = []
  const rootEntry = table.find((entry) => entry.pid === root)
  if (rootEntry) found.push(rootEntry)
  const queue = [root]
  const seen = new Set<number>(queue)
  while (queue.length > 0) {
    const parent = queue.shift() as number
    for (const child of children.get(parent) ?? []) {
      if (seen.has(child.pid)) continue
      seen.add(child.pid)
      found.push(child)
      queue.push(child.pid)
    }
  }
  return found
}

/** Total CPU ticks of `root`'s tree: it grows while anything below `root` computes. */
export function treeCpuTicks(root: number, table: readonly ProcessEntry[] = readProcessTable()): number {
  return processTreeOf(root, table).reduce((sum, entry) => sum + entry.cpuTicks, 0)
}

/** Sends `signal` to a pid or a process group (negative pid), ignoring ones already gone. */
export function signalQuietly(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal)
    return true
  } catch {
    return false
  }
}
