/** The contract between the runner and a command module. Types only: loaded on every start. */
import type { TektonMcp } from '@tekton/mcp-app'
import type { MCPInstallationService } from '@tekton/mcp-installation'
import type { CliIo } from './io'
import type { Progress } from './progress'

/** Parsed arguments, keyed by camelCase option and positional names (`registryType`, `query`). */
export type ParsedArguments = Readonly<Record<string, unknown>>

/** The installation service and where it keeps its data, as the install commands use them. */
export interface Installation {
  service: MCPInstallationService
  /** The data directory: installed.json, servers/, staging/. */
  dataDirectory: string
}

export interface CommandContext {
  io: CliIo
  progress: Progress
  debug: boolean
  /** The application core (`@tekton/mcp-app`), created on first call; the runner settles it before exit. */
  app(): Promise<TektonMcp>
  /** The application's installation service, loaded on first call. */
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
