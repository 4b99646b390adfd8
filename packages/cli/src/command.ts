/** The contract between the runner and a command module. Types only: loaded on every start. */
import type { CliIo } from './io'
import type { Style } from './output/style'
import type { Progress } from './progress'
import type { Discovery } from './wiring'

/** Parsed arguments as yargs hands them over (kebab-case and camelCase keys both present). */
export type ParsedArguments = Readonly<Record<string, unknown>>

export interface CommandContext {
  io: CliIo
  progress: Progress
  debug: boolean
  /** The discovery wiring, created on first call; the runner settles its cache before exit. */
  discovery(): Promise<Discovery>
}

/** A command computes data; the runner prints it as text, JSON or YAML. */
export interface Command<Data> {
  run(args: ParsedArguments, context: CommandContext): Promise<Data>
  renderText(data: Data, style: Style, io: CliIo): string
}
