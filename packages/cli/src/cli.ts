/**
 * The real parser (yargs, built from the command table) and the runner: load the command's module,
 * run it, print its data in the chosen format, and route every error through one handler.
 */
import yargs from 'yargs'
import type { Argv } from 'yargs'
import type { Command, CommandContext, ParsedArguments } from './command'
import { commandGroups, commandSyntax, commands, globalOptions, scriptName, tagline } from './command-table'
import type { CommandId, CommandSpec, OptionSpec } from './command-table'
import { exitCodes } from './exit-codes'
import { reportFailure, toFailure } from './failure'
import type { Failure, ReportOptions } from './failure'
import type { CliIo } from './io'
import { colorAllowed, terminalWidth } from './io'
import { resolveFormat } from './output/format'
import { createProgress } from './progress'
import type { Discovery } from './wiring'

type Parsed =
  | { kind: 'output'; text: string }
  | { kind: 'usage'; message: string; command: CommandSpec | undefined; args: ParsedArguments }
  | { kind: 'command'; command: CommandSpec; args: ParsedArguments }

// Each command's module is imported only when that command runs.
const loaders: Record<CommandId, () => Promise<Command<unknown>>> = {
  search: async () => (await import('./commands/search')).searchCommand as Command<unknown>,
  info: async () => (await import('./commands/info')).infoCommand as Command<unknown>,
  versions: async () => (await import('./commands/versions')).versionsCommand as Command<unknown>,
  'cache-stats': async () => (await import('./commands/cache')).cacheStatsCommand as Command<unknown>,
  'cache-clear': async () => (await import('./commands/cache')).cacheClearCommand as Command<unknown>,
}

/** Parses `argv` and runs the command; resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: Parsed
  try {
    parsed = await parse(argv, io)
  } catch (error) {
    return reportFailure(await toFailure(error), io, { format: 'text', debug: argv.includes('--debug'), color: undefined })
  }
  if (parsed.kind === 'output') {
    io.stdout(`${parsed.text}\n`)
    return exitCodes.ok
  }
  const reportOptions: ReportOptions = {
    format: resolveFormat(parsed.args),
    debug: parsed.args.debug === true,
    color: parsed.args.color === false ? false : undefined,
  }
  if (parsed.kind === 'usage') {
    const helpCommand = parsed.command ? `${scriptName} ${parsed.command.path.join(' ')} --help` : `${scriptName} --help`
    const failure: Failure = { code: 'E_USAGE', message: parsed.message, hint: `run ${helpCommand}` }
    return reportFailure(failure, io, reportOptions)
  }
  return execute(parsed.command, parsed.args, io, reportOptions)
}

async function execute(spec: CommandSpec, args: ParsedArguments, io: CliIo, reportOptions: ReportOptions): Promise<number> {
  const progress = createProgress(io)
  let discovery: Promise<Discovery> | undefined
  const context: CommandContext = {
    io,
    progress,
    debug: reportOptions.debug,
    discovery: () => {
      discovery ??= import('./wiring').then(({ createDiscovery }) => createDiscovery(io))
      return discovery
    },
  }
  try {
    const command = await loaders[spec.id]()
    const data = await command.run(args, context)
    progress.stop()
    if (reportOptions.debug) io.stderr(describeSources(data))
    if (reportOptions.format === 'text') {
      const { createStyle } = await import('./output/style')
      io.stdout(command.renderText(data, createStyle(colorAllowed(io, 'stdout', reportOptions.color)), io))
    } else {
      const { serialize } = await import('./output/format')
      io.stdout(await serialize(data, reportOptions.format))
    }
    return exitCodes.ok
  } catch (error) {
    progress.stop()
    return reportFailure(await toFailure(error), io, reportOptions)
  } finally {
    // Pending cache writes must reach the disk, or the next run asks the registry again.
    if (discovery) await settle(discovery, io, reportOptions.debug)
  }
}

/** For --debug: how each source answered, one line each, e.g. `debug: npm ok 24 ms, from cache`. */
function describeSources(data: unknown): string {
  const sources = (data as { sources?: unknown }).sources
  if (!Array.isArray(sources)) return ''
  return sources.map((status: { source?: unknown; state?: unknown; durationMs?: unknown; fromCache?: unknown; code?: unknown }) => {
    const details = [
      typeof status.durationMs === 'number' ? `${Math.round(status.durationMs)} ms` : '',
      status.fromCache === true ? 'from cache' : '',
      typeof status.code === 'string' ? status.code : '',
    ].filter(Boolean)
    return `debug: ${String(status.source)} ${String(status.state)}${details.length ? ` ${details.join(', ')}` : ''}\n`
  }).join('')
}

async function settle(discovery: Promise<Discovery>, io: CliIo, debug: boolean): Promise<void> {
  try {
    await (await discovery).cache.settle()
  } catch (error) {
    // The answer is already printed; a cache that failed to persist only costs a request next time.
    if (debug) io.stderr(`debug: cache not saved: ${error instanceof Error ? error.message : String(error)}\n`)
  }
}

/** Runs yargs without letting it print or exit: help and version text come back as output. */
async function parse(argv: readonly string[], io: CliIo): Promise<Parsed> {
  let selected: { command: CommandSpec; args: ParsedArguments } | undefined
  let failure: string | undefined
  const parser = buildParser(io, (command, args) => {
    selected = { command, args }
  }).fail((message, error) => {
    // yargs calls this for usage errors; `error` is set when a builder or handler threw instead.
    if (error && !message) throw error
    failure = message || error?.message || 'invalid arguments'
  })
  let output = ''
  const args = (await parser.parseAsync([...argv], {}, (_error, _argv, text) => {
    output = text
  })) as ParsedArguments
  if (failure !== undefined) {
    return { kind: 'usage', message: failure, command: selected?.command ?? guessCommand(argv), args }
  }
  if (!selected) return { kind: 'output', text: output }
  return { kind: 'command', command: selected.command, args: selected.args }
}

/** The command the user was typing, for the "run ... --help" hint. */
function guessCommand(argv: readonly string[]): CommandSpec | undefined {
  const words = argv.filter((argument) => !argument.startsWith('-'))
  return commands.find((command) => command.path.every((word, index) => words[index] === word))
    ?? commands.find((command) => command.path[0] === words[0])
}

/** The yargs parser, built from the command table. `onSelect` records which command matched. */
export function buildParser(io: CliIo, onSelect: (command: CommandSpec, args: ParsedArguments) => void): Argv {
  const parser = yargs()
    .scriptName(scriptName)
    .usage(`${scriptName} <command> [options]\n\n${tagline}`)
    .strict()
    .demandCommand(1, 'choose a command')
    .recommendCommands()
    .version(__PACKAGE_VERSION__)
    .help()
    .alias('help', 'h')
    .exitProcess(false)
    .wrap(Math.min(100, terminalWidth(io)))
    .epilogue('Exit codes: 0 ok, 1 failure, 2 usage, 3 not found.')
  for (const option of globalOptions) parser.option(option.name, yargsOption(option))

  const topLevel = commands.filter((command) => command.path.length === 1)
  for (const command of topLevel) parser.command(commandDefinition(command, onSelect))
  for (const group of commandGroups) {
    const members = commands.filter((command) => command.path.length === 2 && command.path[0] === group.name)
    parser.command(`${group.name} <command>`, group.description, (builder) => {
      for (const command of members) builder.command(commandDefinition(command, onSelect, 1))
      return builder.demandCommand(1, `choose one of: ${members.map((command) => `${group.name} ${command.path[1]}`).join(', ')}`)
    })
  }
  return parser
}

function commandDefinition(command: CommandSpec, onSelect: (command: CommandSpec, args: ParsedArguments) => void, depth = 0) {
  const syntax = commandSyntax(command).split(' ').slice(depth).join(' ')
  return {
    command: syntax,
    describe: command.description,
    builder: (builder: Argv) => {
      for (const positional of command.positionals) {
        builder.positional(positional.name, { type: 'string', describe: positional.description })
      }
      for (const option of command.options) builder.option(option.name, yargsOption(option))
      for (const [example, text] of command.examples) builder.example(example, text)
      return builder
    },
    handler: (args: ParsedArguments) => onSelect(command, args),
  }
}

function yargsOption(option: OptionSpec) {
  return {
    type: option.type,
    describe: option.description,
    ...(option.alias ? { alias: option.alias } : {}),
    ...(option.choices ? { choices: [...option.choices] } : {}),
    ...(option.default !== undefined ? { default: option.default } : {}),
  }
}
