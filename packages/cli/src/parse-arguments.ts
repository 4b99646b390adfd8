/**
 * The parser: Node's own `util.parseArgs` (free to load, where a parser library costs as much as
 * Node's start-up), driven by the command table. It finds the command, checks options, values and
 * positionals against the table, and says what to do: run, print help or the version, or report a
 * usage error. It never prints and never throws for bad input.
 */
import { parseArgs } from 'node:util'
import type { ParseArgsConfig } from 'node:util'
import type { ParsedArguments } from './command'
import { commandGroups, commands, globalOptions, optionKey, scriptName } from './command-table'
import type { CommandGroupSpec, CommandSpec, OptionSpec } from './command-table'

/** What the command line asks for. */
export type ParseResult =
  | { kind: 'help'; command: CommandSpec | undefined; group: CommandGroupSpec | undefined; args: ParsedArguments }
  | { kind: 'version'; args: ParsedArguments }
  | { kind: 'usage'; code: 'E_USAGE' | 'E_INVALID_INPUT'; message: string; hint: string; args: ParsedArguments }
  | { kind: 'command'; command: CommandSpec; args: ParsedArguments }

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number]
type ParserOptions = NonNullable<ParseArgsConfig['options']>

/** Accepted everywhere, but not part of the table's global options (they print, never run). */
const helpOption: OptionSpec = { name: 'help', type: 'boolean', description: 'Show help', alias: 'h' }
const versionOption: OptionSpec = { name: 'version', type: 'boolean', description: 'Show the version number' }

class UsageError extends Error {
  constructor(
    message: string,
    readonly code: 'E_USAGE' | 'E_INVALID_INPUT' = 'E_USAGE',
    /** A hint better than "see --help", e.g. the values accepted. */
    readonly hint?: string,
  ) {
    super(message)
  }
}

/** How one spelling on the command line maps to an option of the table. */
interface Spelling {
  option: OptionSpec
  /** `--no-color` sets `color` to false. */
  negated: boolean
}

/** Every accepted spelling of `options`: names, long aliases, one-letter aliases and `--no-` forms. */
function spellings(options: readonly OptionSpec[]): Map<string, Spelling> {
  const map = new Map<string, Spelling>()
  for (const option of options) {
    map.set(option.name, { option, negated: false })
    if (option.alias) map.set(option.alias, { option, negated: false })
    // parseArgs has no negation in Node 20: only options that are on by default get a `--no-` form.
    if (option.type === 'boolean' && option.default === true) map.set(`no-${option.name}`, { option, negated: true })
  }
  return map
}

/** The configuration parseArgs needs: every spelling, typed so values are consumed correctly. */
function parserOptions(map: ReadonlyMap<string, Spelling>): ParserOptions {
  const options: ParserOptions = {}
  for (const [spelling, { option }] of map) {
    if (spelling.length === 1) continue
    // An option with a bare value is a flag to parseArgs: `--sandbox ref` must not take `ref` as its value.
    const type = option.type === 'boolean' || option.bareValue !== undefined ? 'boolean' : 'string'
    // One-letter aliases are parseArgs' `short`; longer aliases are spellings of their own.
    options[spelling] = option.alias?.length === 1 && spelling === option.name ? { type, short: option.alias } : { type }
  }
  return options
}

function tokenize(argv: readonly string[], map: ReadonlyMap<string, Spelling>): Token[] {
  // Not strict: unknown options come back as tokens, and get a clearer message than parseArgs' own.
  return parseArgs({ args: [...argv], options: parserOptions(map), strict: false, allowPositionals: true, tokens: true }).tokens ?? []
}

const everyOption = [...globalOptions, helpOption, versionOption]

/** Parses `argv` (without the node and script paths) against the command table. */
export function parseCommandLine(argv: readonly string[]): ParseResult {
  // First pass over every option the table knows, only to find the command words, so an option's
  // value (`--limit 5`) is never mistaken for one.
  const allSpellings = spellings([...everyOption, ...commands.flatMap((command) => command.options)])
  const words = tokenize(argv, allSpellings).filter((token) => token.kind === 'positional').map((token) => token.value)
  const lenient = readGlobals(argv)

  const selection = selectCommand(words)
  if (selection.kind === 'none' || selection.kind === 'group') {
    if (lenient.help === true) {
      return { kind: 'help', command: undefined, group: selection.kind === 'group' ? selection.group : undefined, args: lenient }
    }
    if (selection.kind === 'none' && lenient.version === true) return { kind: 'version', args: lenient }
  }
  if (selection.kind !== 'command') {
    return { kind: 'usage', code: 'E_USAGE', message: selection.message, hint: `run ${selection.helpCommand}`, args: lenient }
  }
  const { command } = selection
  if (lenient.help === true) return { kind: 'help', command, group: undefined, args: lenient }
  if (lenient.version === true) return { kind: 'version', args: lenient }
  try {
    return { kind: 'command', command, args: readCommand(command, argv) }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    return { kind: 'usage', code: error.code, message: error.message, hint: error.hint ?? `run ${scriptName} ${command.path.join(' ')} --help`, args: lenient }
  }
}

type Selection =
  | { kind: 'command'; command: CommandSpec }
  | { kind: 'group'; group: CommandGroupSpec; message: string; helpCommand: string }
  | { kind: 'none' | 'unknown'; message: string; helpCommand: string }

function selectCommand(words: readonly string[]): Selection {
  const [first, second] = words
  const topLevelHelp = `${scriptName} --help`
  if (first === undefined) return { kind: 'none', message: 'choose a command', helpCommand: topLevelHelp }
  const group = commandGroups.find((candidate) => candidate.name === first)
  if (group) {
    const members = commands.filter((command) => command.path.length === 2 && command.path[0] === group.name)
    const member = members.find((command) => command.path[1] === second)
    if (member) return { kind: 'command', command: member }
    const choices = `choose one of: ${members.map((command) => command.path.join(' ')).join(', ')}`
    const message = second === undefined ? choices : `Unknown command "${first} ${second}": ${choices}`
    return { kind: 'group', group, message, helpCommand: `${scriptName} ${group.name} --help` }
  }
  const command = commands.find((candidate) => candidate.path.length === 1 && candidate.path[0] === first)
  if (command) return { kind: 'command', command }
  const suggestion = closest(first, [...commands.filter((candidate) => candidate.path.length === 1).map((candidate) => candidate.path[0] ?? ''), ...commandGroups.map((candidate) => candidate.name)])
  return { kind: 'unknown', message: `Unknown command "${first}"${suggestion ? `; did you mean ${suggestion}?` : ''}`, helpCommand: topLevelHelp }
}

/** The output options (and --help/--version), read leniently so even a usage error is reported as asked. */
function readGlobals(argv: readonly string[]): Record<string, unknown> {
  const map = spellings(everyOption)
  const args: Record<string, unknown> = {}
  for (const token of tokenize(argv, map)) {
    if (token.kind !== 'option') continue
    const spelling = map.get(token.name)
    if (!spelling) continue
    const { option, negated } = spelling
    if (option.type === 'boolean') {
      if (token.value === undefined) args[optionKey(option.name)] = !negated
    } else if (token.value !== undefined && (!option.choices || option.choices.includes(token.value))) {
      args[optionKey(option.name)] = token.value
    }
  }
  return args
}

/** The command's arguments, checked against the table; throws UsageError. */
function readCommand(command: CommandSpec, argv: readonly string[]): ParsedArguments {
  const options = [...command.options, ...everyOption]
  const map = spellings(options)
  const values = new Map<OptionSpec, Array<string | boolean>>()
  const positionals: string[] = []
  for (const token of tokenize(argv, map)) {
    if (token.kind === 'positional') positionals.push(token.value)
    if (token.kind !== 'option') continue
    const spelling = map.get(token.name)
    if (!spelling) throw new UsageError(`Unknown option ${token.rawName}`)
    const { option, negated } = spelling
    let value: string | boolean
    if (option.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`)
      value = !negated
    } else if (option.bareValue !== undefined) {
      value = token.value ?? option.bareValue
    } else {
      // An option-looking value (`--limit --json`) is a forgotten value, as parseArgs' strict mode says too.
      if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-'))) {
        throw new UsageError(`${token.rawName} needs a value${option.valueName ? ` ${option.valueName}` : ''}`)
      }
      value = token.value
    }
    values.set(option, [...(values.get(option) ?? []), value])
  }

  const args: Record<string, unknown> = {}
  for (const option of options) {
    const given = values.get(option)
    const value = given === undefined ? option.default : readValue(option, given)
    if (value !== undefined) args[optionKey(option.name)] = value
  }
  Object.assign(args, readPositionals(command, positionals.slice(command.path.length)))
  // Either choice could be the one meant, so neither is picked silently.
  if (args.json === true && args.format !== undefined && args.format !== 'json') {
    throw new UsageError(`--json conflicts with --format ${String(args.format)}`)
  }
  return args
}

/** The value of one option given once or more: the last one, or a list for list options. */
function readValue(option: OptionSpec, given: ReadonlyArray<string | boolean>): unknown {
  const last = given.at(-1)
  if (option.type === 'boolean' || typeof last !== 'string') return last
  if (option.repeatable) return given.map(String)
  if (option.list) {
    const items = given.flatMap((item) => String(item).split(',')).map((item) => item.trim()).filter(Boolean)
    const unknown = option.choices ? items.filter((item) => !option.choices?.includes(item.toLowerCase())) : []
    if (option.choices && unknown.length > 0) {
      // A value nothing can match would only print an empty answer, as if there were none.
      throw new UsageError(`--${option.name}: unknown ${unknown.map((item) => JSON.stringify(item)).join(', ')}`, 'E_INVALID_INPUT', `Use one or more of ${option.choices.join(', ')}`)
    }
    return [...new Set(items)]
  }
  if (option.choices && !option.choices.includes(last)) {
    throw new UsageError(`--${option.name} must be one of ${option.choices.join(', ')}, not ${JSON.stringify(last)}`)
  }
  if (option.type === 'number') {
    const number = last.trim() === '' ? Number.NaN : Number(last)
    const range = option.range
    if (range ? !Number.isInteger(number) || number < range.min || number > range.max : !Number.isFinite(number)) {
      const expected = range ? `a whole number from ${range.min} to ${range.max}` : 'a number'
      throw new UsageError(`--${option.name} must be ${expected}, not ${JSON.stringify(last)}`, 'E_INVALID_INPUT')
    }
    return number
  }
  return last
}

function readPositionals(command: CommandSpec, words: readonly string[]): Record<string, unknown> {
  const args: Record<string, unknown> = {}
  let index = 0
  for (const positional of command.positionals) {
    if (index >= words.length) {
      if (positional.optional) continue
      throw new UsageError(`Missing required argument: ${positional.name}`)
    }
    if (positional.variadic) {
      args[optionKey(positional.name)] = words.slice(index)
      index = words.length
    } else {
      args[optionKey(positional.name)] = words[index]
      index += 1
    }
  }
  const extra = words[index]
  if (extra !== undefined) throw new UsageError(`Unexpected argument ${JSON.stringify(extra)}`)
  return args
}

/** The candidate within two edits of `word`, for "did you mean". */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate)
    if (distance <= 2 && (!best || distance < best.distance)) best = { candidate, distance }
  }
  return best?.candidate
}

function editDistance(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_value, index) => index)
  for (let row = 1; row <= left.length; row += 1) {
    const current = [row]
    for (let column = 1; column <= right.length; column += 1) {
      const substitution = (previous[column - 1] ?? 0) + (left[row - 1] === right[column - 1] ? 0 : 1)
      current.push(Math.min((previous[column] ?? 0) + 1, (current[column - 1] ?? 0) + 1, substitution))
    }
    previous = current
  }
  return previous[right.length] ?? 0
}
