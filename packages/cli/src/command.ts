/** The contract between the runner and a command module. Types only: loaded on every start. */
import type { Installation } from './installation-wiring'
import type { CliIo } from './io'
import type { Progress } from './progress'
import type { Discovery } from './wiring'

/** Parsed arguments, keyed by camelCase option and positional names (`registryType`, `query`). */
export type ParsedArguments = Readonly<Record<string, unknown>>

export interface CommandContext {
  io: CliIo
  progress: Progress
  debug: boolean
  /** The discovery wiring, created on first call; the runner settles its cache before exit. */
  discovery(): Promise<Discovery>
  /** The installation wiring (over the discovery wiring), created on first call. */
  installation(): Promise<Installation>
}

/**
 * A command computes data; the runner prints it as text, JSON or YAML. Rendering lives apart
 * (`output/`), so a cached answer is printed without loading the command and its library.
 */
export interface Command<Data> {
  run(args: ParsedArguments, context: CommandContext): Promise<Data>
  /**
   * The exit code for data that is printed but means something failed (`verify` finding changed
   * files, `doctor` missing node). @default 0
   */
  exitCode?(data: Data): number
}
