/**
 * Everything the CLI touches outside itself, injectable so tests run `main` in-process and
 * embedders can capture output.
 */

/** Where the CLI writes, what it reads from its environment, and what kind of terminal it has. */
export interface CliIo {
  /** Receives data: results, cards, JSON. Nothing else is written here. */
  stdout: (text: string) => void
  /** Receives diagnostics: errors, hints, progress. */
  stderr: (text: string) => void
  /** @default process.env */
  env: Record<string, string | undefined>
  /** @default process.cwd() */
  cwd: string
  /**
   * Whether each stream is an interactive terminal: colour and the spinner (stdout, stderr), and
   * whether a confirmation may be asked (stdin; absent means not a terminal).
   * @default from process streams
   */
  isTTY: { stdout: boolean; stderr: boolean; stdin?: boolean }
  /** Terminal width for tables; when undefined, `COLUMNS` or 100. */
  columns: number | undefined
  /** The clock (epoch ms) for cache freshness and ages. @default Date.now */
  now: () => number
  /**
   * Asks a question and resolves to the line typed (without its newline); '' when input ends.
   * Rejects with a `PromptInterruptedError` on Ctrl-C: that is not an answer, and the command
   * exits 130 as for any Ctrl-C. Only called when `isTTY.stdin` is true.
   * @default a readline prompt on stdin, asked on stderr
   */
  prompt: (question: string, options?: { secret?: boolean }) => Promise<string>
  /**
   * Calls `handler` on the first Ctrl-C (SIGINT) until the returned function is called; a second
   * Ctrl-C ends the process as usual. Long operations use it to stop cleanly.
   * @default a one-time SIGINT listener on the process
   */
  onInterrupt: (handler: () => void) => () => void
  /**
   * Calls `handler` when the process is asked to stop (SIGTERM) until the returned function is
   * called; `serve` shuts down gracefully on it. @default a SIGTERM listener on the process
   */
  onTerminate: (handler: () => void) => () => void
}

/** Fills what the caller left out from the real process. */
export function resolveIo(io: Partial<CliIo> = {}): CliIo {
  return {
    stdout: io.stdout ?? ((text) => void process.stdout.write(text)),
    stderr: io.stderr ?? ((text) => void process.stderr.write(text)),
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
    isTTY: io.isTTY ?? { stdout: process.stdout.isTTY === true, stderr: process.stderr.isTTY === true, stdin: process.stdin.isTTY === true },
    columns: io.columns ?? (io.stdout ? undefined : process.stdout.columns),
    now: io.now ?? Date.now,
    prompt: io.prompt ?? ((question, options) => askOnTerminal(question, process.stdin, process.stderr, options)),
    onInterrupt: io.onInterrupt ?? onProcessInterrupt,
    onTerminate:
      io.onTerminate ??
      ((handler) => {
        process.on('SIGTERM', handler)
        return () => void process.removeListener('SIGTERM', handler)
      }),
  }
}

/**
 * A SIGINT listener kept until released: the first Ctrl-C calls `handler`, a second ends the
 * process (exit 130). It stays registered after the first, because a child-process library
 * (execa's signal-exit) re-raises SIGINT to kill the process when no other listener remains.
 */
function onProcessInterrupt(handler: () => void): () => void {
  let interrupted = false
  const listener = () => {
    if (interrupted) process.exit(130)
    interrupted = true
    handler()
  }
  process.on('SIGINT', listener)
  return () => void process.removeListener('SIGINT', listener)
}

/**
 * Ctrl-C at a question. A plain Error (this module is loaded on every start, the error classes
 * are not); the command turns it into `E_INTERRUPTED`.
 */
export class PromptInterruptedError extends Error {
  override readonly name = 'PromptInterruptedError'
  constructor() {
    super('Interrupted at the question (Ctrl-C)')
  }
}

/**
 * One line from the terminal, the question on stderr (stdout stays data only). End of input
 * answers ''; Ctrl-C rejects with `PromptInterruptedError` (readline takes the terminal's Ctrl-C,
 * so no SIGINT reaches the process). The streams are parameters for tests.
 */
export async function askOnTerminal(
  question: string,
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
  options: { secret?: boolean } = {},
): Promise<string> {
  // Loaded only when a question is asked: readline is not free to load.
  const { createInterface } = await import('node:readline')
  const terminal = createInterface({ input, output })
  if (options.secret) {
    // A secret is typed without echo: the question is written, then nothing readline would echo.
    output.write(question)
    question = ''
    ;(terminal as unknown as { _writeToOutput: (text: string) => void })._writeToOutput = () => undefined
    terminal.once('line', () => output.write('\n'))
  }
  return new Promise((resolve, reject) => {
    let answered = false
    const finish = (answer: string | PromptInterruptedError) => {
      if (answered) return
      answered = true
      terminal.close()
      if (answer instanceof PromptInterruptedError) reject(answer)
      else resolve(answer)
    }
    terminal.on('SIGINT', () => {
      output.write('\n')
      finish(new PromptInterruptedError())
    })
    terminal.on('close', () => finish(''))
    terminal.question(question, finish)
  })
}

/** Width available for tables: the terminal's, else `COLUMNS`, else 100. */
export function terminalWidth(io: CliIo): number {
  if (io.columns && io.columns > 0) return io.columns
  const fromEnv = Number.parseInt(io.env.COLUMNS ?? '', 10)
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 100
}

/** NO_COLOR (https://no-color.org): any non-empty value turns colour off. */
export function colorAllowed(io: CliIo, stream: 'stdout' | 'stderr', flag: boolean | undefined): boolean {
  if (flag === false) return false
  const noColor = io.env.NO_COLOR
  if (noColor !== undefined && noColor !== '') return false
  return io.isTTY[stream]
}
