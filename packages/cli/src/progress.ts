/** A spinner on stderr, shown only on a terminal so pipes and logs stay clean. */
import type { CliIo } from './io'

export interface Progress {
  /** Shows or replaces the progress text. */
  update(text: string): void
  /** Erases the line; safe to call more than once. */
  stop(): void
}

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

/** A spinner when stderr is a TTY, otherwise a progress that does nothing. */
export function createProgress(io: CliIo): Progress {
  if (!io.isTTY.stderr) return { update() {}, stop() {} }
  let text = ''
  let frame = 0
  let timer: ReturnType<typeof setInterval> | undefined
  const draw = () => {
    io.stderr(`\r\u001b[2K${frames[frame % frames.length]} ${text}`)
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
      io.stderr('\r\u001b[2K')
    },
  }
}
