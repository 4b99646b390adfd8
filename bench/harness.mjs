// Benchmark helpers: every figure is a ratio against a baseline measured in the same run,
// interleaved run by run so machine noise hits both sides alike.
import { spawn } from 'node:child_process'

/**
 * Runs a command once and resolves to its wall time in ms; rejects when it fails. Asynchronous on
 * purpose: fake registries served from this process must keep answering while it runs.
 */
export function timeCommand(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], ...options })
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (status) => {
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6
      if (status === 0) resolve(elapsed)
      else reject(new Error(`${command} ${args.join(' ')} exited ${status}: ${stderr.slice(-500)}`))
    })
  })
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/**
 * Measures `subject` against `baseline` (both () => ms), `runs` times each after `warmup`
 * discarded runs, alternating the two. Returns medians and their ratio.
 */
export async function compare({ baseline, subject, runs = 20, warmup = 3 }) {
  for (let index = 0; index < warmup; index++) {
    await baseline()
    await subject()
  }
  const base = []
  const measured = []
  for (let index = 0; index < runs; index++) {
    base.push(await baseline())
    measured.push(await subject())
  }
  const baselineMs = median(base)
  const subjectMs = median(measured)
  return { baselineMs, subjectMs, ratio: subjectMs / baselineMs }
}

/** Milliseconds with the precision their size deserves: `312.4`, but `0.412` for sub-millisecond figures. */
export function formatMs(ms) {
  return ms < 10 ? ms.toFixed(3) : ms.toFixed(1)
}

/** A ratio with two decimals, or three significant digits below 0.1 (an index search is ~0.01x a scan). */
export function formatRatio(ratio) {
  return ratio < 0.1 ? ratio.toPrecision(2) : ratio.toFixed(2)
}

/** Prints the rows as a table, then each row's `notes` (figures that have no baseline of their own). */
export function report(rows) {
  const lines = [['benchmark', 'baseline', 'subject', 'ratio', 'target', 'verdict']]
  for (const row of rows) {
    lines.push([
      row.name,
      `${row.baselineName} ${formatMs(row.baselineMs)} ms`,
      `${formatMs(row.subjectMs)} ms`,
      `${formatRatio(row.ratio)}x`,
      `<= ${row.target}x`,
      row.ratio <= row.target ? 'ok' : 'OVER',
    ])
  }
  const widths = lines[0].map((_, column) => Math.max(...lines.map((line) => line[column].length)))
  for (const line of lines) console.log(line.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd())
  const notes = rows.flatMap((row) => row.notes ?? [])
  if (notes.length > 0) console.log(['', ...notes.map((note) => `- ${note}`)].join('\n'))
}
