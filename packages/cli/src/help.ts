/**
 * The top-level `--help` and `--version`, answered without loading yargs (which alone costs about
 * as much as Node's own start-up). Rendered from the command table, like the yargs parser.
 */
import { commandSyntax, commands, globalOptions, scriptName, tagline } from './command-table'
import type { OptionSpec } from './command-table'

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
  const width = Math.max(...[...commandRows, ...optionRows].map(([label]) => label.length)) + 2
  const rows = (entries: ReadonlyArray<readonly [string, string]>) => entries.map(([label, text]) => `  ${label.padEnd(width)}${text}`).join('\n')
  const examples = commands.flatMap((command) => command.examples.slice(0, 1)).map(([example, text]) => `  ${example}  # ${text}`)
  return [
    `${scriptName} <command> [options]`,
    '',
    tagline,
    '',
    'Commands:',
    rows(commandRows),
    '',
    'Options:',
    rows(optionRows),
    '',
    'Examples:',
    ...examples,
    '',
    'Exit codes: 0 ok, 1 failure, 2 usage, 3 not found.',
    `Run ${scriptName} <command> --help for a command's options.`,
    '',
  ].join('\n')
}

function optionLabel(option: OptionSpec): string {
  if (option.type === 'boolean' && option.default === true) return `--no-${option.name}`
  return [`--${option.name}${option.valueName ? ` ${option.valueName}` : ''}`, option.alias ? `--${option.alias}` : ''].filter(Boolean).join(', ')
}

function optionDescription(option: OptionSpec): string {
  return option.choices ? `${option.description}: ${option.choices.join(', ')}` : option.description
}
