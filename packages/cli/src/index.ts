/**
 * `tekton-mcp` as a function: `main(argv, io)` runs one command and resolves to its exit code,
 * so tests and embedders run the CLI in-process. Only the command table is loaded up front; the
 * parser, the answer cache, the discovery library and the renderers are imported when needed.
 */
import { detectFastPath, renderHelp } from './help'
import type { CliIo } from './io'
import { resolveIo } from './io'
import { exitCodes } from './exit-codes'

export type { CliIo } from './io'
export { exitCodes } from './exit-codes'
export { commands, globalOptions } from './command-table'
export type { CommandSpec, OptionSpec } from './command-table'
export type { SearchOutput } from './output/search'
export type { InfoOutput } from './output/info'
export type { VersionsOutput } from './output/versions'
export type { CacheClearOutput, CacheStatsOutput } from './output/cache'
export type { ConfigureOutput, InstallOutput, ListOutput, UninstallOutput, UpdateAllOutput, UpdateOutput, UpdateResult, VerifyOutput } from './output/install'
export type { DirectoryCheck, DoctorOutput, RegistryCheck, RuntimeCheck } from './output/doctor'

/** The package version. */
export const version: string = __PACKAGE_VERSION__

/**
 * Runs the CLI with `argv` (without the node and script paths) and resolves to the exit code:
 * 0 ok, 1 failure, 2 usage, 3 not found, 130 interrupted (see docs/mcp/errors.md). Never rejects;
 * errors are reported on `io.stderr`.
 * Commands that install ask on `io.prompt` when `io.isTTY.stdin` is true (else they need `--yes`).
 */
export async function main(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const resolved = resolveIo(io)
  switch (detectFastPath(argv)) {
    case 'help':
      resolved.stdout(renderHelp())
      return exitCodes.ok
    case 'version':
      resolved.stdout(`${version}\n`)
      return exitCodes.ok
    case 'no-command':
      resolved.stderr(renderHelp())
      return exitCodes.usage
    default: {
      const { runCli } = await import('./cli')
      return runCli(argv, resolved)
    }
  }
}
