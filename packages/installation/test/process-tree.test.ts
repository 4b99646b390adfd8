import { describe, expect, it } from '@jest/globals'
import { parseProcStat, processTreeOf, readProcessTable, treeCpuTicks } from '../src/process-tree'

describe('process tree', () => {
  it('parses /proc/<pid>/stat, with a command name holding spaces and parentheses', () => {
    const line = '4242 (node (worker) x) S 4200 4242 4242 0 -1 4194560 100 0 0 0 15 7 0 0 20 0 11 0 1000 0 0'
    expect(parseProcStat(line)).toEqual({ pid: 4242, parentPid: 4200, processGroup: 4242, cpuTicks: 22 })
    expect(parseProcStat('garbage')).toBeUndefined()
  })

  it('finds a whole tree below a root, and sums its CPU', () => {
    const table = [
      { pid: 1, parentPid: 0, processGroup: 1, cpuTicks: 100 },
      { pid: 10, parentPid: 1, processGroup: 10, cpuTicks: 5 },
      { pid: 11, parentPid: 10, processGroup: 10, cpuTicks: 3 },
      { pid: 12, parentPid: 11, processGroup: 12, cpuTicks: 2 },
      { pid: 20, parentPid: 1, processGroup: 20, cpuTicks: 50 },
    ]
    expect(processTreeOf(10, table).map((entry) => entry.pid)).toEqual([10, 11, 12])
    expect(treeCpuTicks(10, table)).toBe(10)
  })

  it('reads this process from the live table on Linux, and nothing where there is no /proc', () => {
    if (process.platform === 'linux') expect(readProcessTable().some((entry) => entry.pid === process.pid)).toBe(true)
    expect(readProcessTable('/no/such/proc')).toEqual([])
  })
})
