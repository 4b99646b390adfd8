/** A spinner on stderr, shown only on a terminal so pipes and logs stay clean; and step lines for installs. */
import type { CliIo } from './io'
import { terminalWidth } from './io'
import { createStyle } from './output/style'
import { clean, formatDuration, truncate } from './output/text'

export interface Progress {
  /** Shows or replaces the progress text. */
  update(text: string): void
  /** Erases the line; safe to call more than once. */
  stop(): void
}

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

/** Back to the start of the line and erase it: the spinner redraws in place (a cursor move, not a colour). */
const eraseLine = '\r\u001b[2K'

/** A spinner when stderr is a TTY, otherwise a progress that does nothing. */
export function createProgress(io: CliIo): Progress {
  if (!io.isTTY.stderr) return { update() {}, stop() {} }
  let text = ''
  let frame = 0
  let timer: ReturnType<typeof setInterval> | undefined
  const draw = () => {
    io.stderr(`${eraseLine}${frames[frame % frames.length]} ${text}`)
    frame += 1
  }
  return {
    update(next) {
      text = next
      draw()
      if (!timer) {
        timer = setInterval(draw, 80)
        // Never keeps the process alive on its own.
        timer.unref()
      }
    },
    stop() {
      if (!timer) return
      clearInterval(timer)
      timer = undefined
      io.stderr(eraseLine)
    },
  }
}

/** A step of a long operation as the installation service reports it (`ProgressEvent`). */
export interface StepEvent {
  step: string
  phase: 'start' | 'done' | 'activity'
  detail?: string
  durationMs?: number
}

/**
 * Prints one line per finished step on stderr, with its time (`✓ download  340 ms`), on a
 * terminal or not: an install takes seconds and a log should say where they went. Steps an
 * installer runs inside the service's `install` step are indented under it, except those the
 * service reports itself: the node installer resolves the version, checks node and runs
 * `npm install` as its own `resolve`, `requirements` and `install`, which printed every one of
 * those twice. On a terminal the spinner shows the step under way.
 */
export interface StepReporter {
  /** Pass as the service's `progress` listener. */
  listener(event: StepEvent): void
  /** Marks the innermost step still running as failed (`✗ handshake 2.1 s`); call when the operation throws. */
  fail(): void
  /** Prints a heading line (`update @scope/name`) between operations. */
  heading(text: string): void
}

/** Width of the step column: the longest step name, `requirements`. */
const stepWidth = 12

/** A step reporter over `progress` (the spinner); `colour` for the ✓ and ✗ marks; `now` for tests. */
export function createStepReporter(io: CliIo, progress: Progress, options: { colour: boolean; now?: () => number }): StepReporter {
  // The real clock, as the installation service's durations use: io.now may be a test's fixed clock.
  const now = options.now ?? Date.now
  const open: Array<{ step: string; detail: string | undefined; startedAt: number }> = []
  const { green, red, dim, bold } = createStyle(options.colour)
  // Steps printed at the top level of this operation, and the nested steps not shown (by name).
  const printedAtTop = new Set<string>()
  const hidden: string[] = []
  const line = (mark: string, depth: number, step: string, durationMs: number, detail: string | undefined) => {
    const indent = '  '.repeat(depth)
    const shown = clean(detail)
    // Steps at depth 0 and 1 keep their times in one column.
    const width = Math.max(stepWidth + 2 - indent.length, step.length)
    // The detail (a URL, a version) is cut to the terminal's width: the line is a log, not data.
    const room = terminalWidth(io) - indent.length - 2 - width - 10
    const tail = shown ? `  ${dim(truncate(shown, Math.max(20, room)))}` : ''
    progress.stop()
    io.stderr(`${indent}${mark} ${step.padEnd(width)} ${formatDuration(durationMs).padStart(7)}${tail}\n`)
  }
  const spin = () => {
    const current = open.at(-1)
    // Kept to one line: the spinner erases only the line it is on.
    if (current) progress.update(truncate(`${current.step}${current.detail ? ` ${clean(current.detail)}` : ''}`, Math.max(10, terminalWidth(io) - 3)))
  }
  return {
    listener(event) {
      if (event.phase === 'activity') {
        // What the step does now, on the spinner only: a log gets the finished steps.
        const current = open.at(-1)
        if (current && event.detail) progress.update(truncate(`${current.step} ${clean(event.detail)}`, Math.max(10, terminalWidth(io) - 3)))
        return
      }
      if (event.phase === 'start') {
        // A nested step named like one of the operation's own repeats it: its time is in the outer line.
        if (open.length > 0 && (printedAtTop.has(event.step) || open.some((step) => step.step === event.step))) {
          hidden.push(event.step)
          return
        }
        open.push({ step: event.step, detail: event.detail, startedAt: now() })
        spin()
        return
      }
      const hiddenIndex = hidden.lastIndexOf(event.step)
      if (hiddenIndex >= 0) {
        hidden.splice(hiddenIndex, 1)
        return
      }
      // The innermost open step of this name ends.
      let index = open.length - 1
      while (index >= 0 && open[index]?.step !== event.step) index -= 1
      const started = index >= 0 ? open.splice(index, 1)[0] : undefined
      const durationMs = event.durationMs ?? (started ? now() - started.startedAt : 0)
      const depth = Math.max(0, index)
      if (depth === 0) printedAtTop.add(event.step)
      line(green('✓'), depth, event.step, durationMs, event.detail ?? started?.detail)
      spin()
    },
    fail() {
      const failed = open.pop()
      if (!failed) return
      line(red('✗'), open.length, failed.step, now() - failed.startedAt, undefined)
      // Outer steps failed with it; one mark for the step that failed is enough.
      open.length = 0
      hidden.length = 0
    },
    heading(text) {
      // A new operation: its steps are its own.
      printedAtTop.clear()
      hidden.length = 0
      progress.stop()
      io.stderr(`${bold(clean(text))}\n`)
    },
  }
}
