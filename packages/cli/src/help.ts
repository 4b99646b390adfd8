/**
 * Every help text, rendered from the command table like the parser. The top-level `--help` and
 * `--version` are answered straight from `main`, before even the parser's module is loaded.
 */
import { commandSyntax, commands, globalOptions, positionalSyntax, scriptName, tagline } from './command-table'
import type { CommandGroupSpec, CommandSpec, OptionSpec } from './command-table'

export type FastPath = 'help' | 'version' | 'no-command'

const fastFlags = new Set(['--help', '-h', '--version', '--no-color', '--color', '--debug', '--json'])

/** Which fast answer `argv` asks for, or undefined when it needs the real parser. */
export function detectFastPath(argv: readonly string[]): FastPath | undefined {
  if (argv.length === 0) return 'no-command'
  if (argv.length === 1 && argv[0] === 'help') return 'help'
  if (!argv.every((argument) => fastFlags.has(argument))) return undefined
  if (argv.includes('--help') || argv.includes('-h')) return 'help'
  if (argv.includes('--version')) return 'version'
  return undefined
}

/** The top-level help text. */
export function renderHelp(): string {
  const commandRows = commands.map((command) => [`${scriptName} ${commandSyntax(command)}`, command.description] as const)
  const optionRows = [
    ...globalOptions.map((option) => [optionLabel(option), optionDescription(option)] as const),
    ['--version', 'Show the version number'] as const,
    ['--help, -h', 'Show help'] as const,
  ]
  const rows = aligned([...commandRows, ...optionRows])
  const examples = commands.flatMap((command) => command.examples.slice(0, 1)).map(([example, text]) => `  ${example}  # ${text}`)
  return [
    `${scriptName} <command> [options]`,
    '',
    tagline,
    '',
    'Commands:',
    ...rows.slice(0, commandRows.length),
    '',
    'Options:',
    ...rows.slice(commandRows.length),
    '',
    'Examples:',
    ...examples,
    '',
    'Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 130 interrupted (Ctrl-C).',
    `Run ${scriptName} <command> --help for a command's options.`,
    '',
  ].join('\n')
}

/** `tekton-mcp search --help`: the command's usage, positionals, options and examples. */
export function renderCommandHelp(command: CommandSpec): string {
  const positionalRows = command.positionals.map((positional) => [positionalSyntax(positional), positional.description] as const)
  const optionRows = command.options.map((option) => [optionLabel(option), optionDescription(option)] as const)
  const globalRows = [
    ...globalOptions.map((option) => [optionLabel(option), optionDescription(option)] as const),
    ['--help, -h', 'Show help'] as const,
  ]
  const rows = aligned([...positionalRows, ...optionRows, ...globalRows])
  let next = 0
  const take = (count: number) => rows.slice(next, (next += count))
  const section = (title: string, lines: string[]) => (lines.length > 0 ? [title, ...lines, ''] : [])
  return [
    `${scriptName} ${commandSyntax(command)}${command.options.length > 0 ? ' [options]' : ''}`,
    '',
    command.description,
    '',
    ...section('Arguments:', take(positionalRows.length)),
    ...section('Options:', take(optionRows.length)),
    ...section('Global options:', take(globalRows.length)),
    ...section('Examples:', command.examples.map(([example, text]) => `  ${example}  # ${text}`)),
  ].join('\n')
}

/** `tekton-mcp cache --help`: the group's commands. */
export function renderGroupHelp(group: CommandGroupSpec): string {
  const members = commands.filter((command) => command.path[0] === group.name && command.path.length > 1)
  return [
    `${scriptName} ${group.name} <command>`,
    '',
    group.description,
    '',
    'Commands:',
    ...aligned(members.map((command) => [`${scriptName} ${commandSyntax(command)}`, command.description] as const)),
    '',
    `Run ${scriptName} ${group.name} <command> --help for a command's options.`,
    '',
  ].join('\n')
}

/** Label/text rows with the texts in one column. */
function aligned(entries: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(0, ...entries.map(([label]) => label.length)) + 2
  return entries.map(([label, text]) => `  ${label.padEnd(width)}${text}`)
}

function optionLabel(option: OptionSpec): string {
  if (option.type === 'boolean' && option.default === true) return `--no-${option.name}`
  const value = option.valueName ? (option.bareValue !== undefined ? `[=${option.valueName.replace(/^<|>$/g, '')}]` : ` ${option.valueName}`) : ''
  return [`--${option.name}${value}`, option.alias ? `${option.alias.length === 1 ? '-' : '--'}${option.alias}` : ''].filter(Boolean).join(', ')
}

function optionDescription(option: OptionSpec): string {
  const details = [
    option.choices ? option.choices.join(', ') : '',
    option.default !== undefined && option.type !== 'boolean' ? `default ${String(option.default)}` : '',
  ].filter(Boolean)
  return details.length > 0 ? `${option.description} (${details.join('; ')})` : option.description
}
