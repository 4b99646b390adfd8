/**
 * server.json's inputs → a command line. A package declares `runtimeArguments` (for the runtime:
 * `docker run` options), `packageArguments` (for the server itself) and `environmentVariables`;
 * each is fixed (`value`, with `{name}` placeholders filled from its `variables`) or asks the
 * user (positional by `valueHint`, named by its flag), with `default`, `choices`, `format`,
 * `isRequired`, `isSecret` and `isRepeated`. Every installer builds its launch spec through this
 * one module, so an npm, a PyPI and an OCI package of the same server take the same inputs, and
 * what is missing is known before anything is installed. Values become argv entries: nothing
 * ever passes through a shell.
 */
import { TektonError } from '@tekton/mcp-discovery'
import type { Argument, Input, Package } from '@tekton/mcp-discovery'

/** Values the user gave, by input key; a repeated argument takes a list. */
export type InputValues = Record<string, string | readonly string[]>

/** Something the user may (or must) give a value for. */
export interface PackageInput {
  /**
   * What the user names it by: a variable's name (`DATABASE_URL`), a named argument's flag
   * (`--schema`), a positional argument's `valueHint` (`database_name`), or the name of a
   * `{placeholder}` in a fixed value (`host_path`).
   */
  key: string
  kind: 'environment' | 'runtime-argument' | 'package-argument' | 'variable' | 'header'
  description?: string
  isRequired: boolean
  isSecret: boolean
  isRepeated: boolean
  default?: string
  choices?: string[]
  format?: NonNullable<Input['format']>
}

/** A package's inputs resolved with the values given. */
export interface ResolvedPackageLaunch {
  /** Arguments for the runtime (before the image, for `docker run`). */
  runtimeArguments: string[]
  /** Arguments for the server (after the entry point or image). */
  packageArguments: string[]
  /** The declared variables that have a value (given, fixed or default). */
  environment: Record<string, string>
  /** Required inputs without a value: the install cannot go on until they have one. */
  missing: PackageInput[]
  /** Values that must never be shown (secret inputs' values), for redaction. */
  secretValues: string[]
}

function inputFields(input: Input): Pick<PackageInput, 'description' | 'default' | 'choices' | 'format'> {
  return {
    ...(input.description === undefined ? {} : { description: input.description }),
    ...(input.default === undefined ? {} : { default: input.default }),
    ...(input.choices === undefined || input.choices.length === 0 ? {} : { choices: [...input.choices] }),
    ...(input.format === undefined ? {} : { format: input.format }),
  }
}

/** The `variables` of an input with a fixed value, as inputs of their own. */
function variablesOf(input: Input): Array<[string, Input]> {
  const variables = input.variables ?? {}
  return Object.entries(variables).filter((entry): entry is [string, Input] => typeof entry[1] === 'object' && entry[1] !== null)
}

function argumentKey(argument: Argument, index: number): string {
  if (argument.type === 'named') return argument.name ?? `argument ${index + 1}`
  return argument.valueHint ?? argument.name ?? `argument ${index + 1}`
}

/** Every input of the package a user can give a value for, in declaration order, each key once. */
export function packageInputs(pkg: Package): PackageInput[] {
  const inputs = new Map<string, PackageInput>()
  const add = (input: PackageInput) => {
    if (!inputs.has(input.key)) inputs.set(input.key, input)
  }
  const addVariables = (input: Input) => {
    for (const [name, variable] of variablesOf(input)) {
      add({ key: name, kind: 'variable', isRequired: variable.isRequired ?? false, isSecret: variable.isSecret ?? false, isRepeated: false, ...inputFields(variable) })
    }
  }
  const addArguments = (argumentsOf: readonly Argument[] | undefined, kind: 'runtime-argument' | 'package-argument') => {
    ;(argumentsOf ?? []).forEach((argument, index) => {
      if (argument.value !== undefined) return addVariables(argument)
      add({ key: argumentKey(argument, index), kind, isRequired: argument.isRequired ?? false, isSecret: argument.isSecret ?? false, isRepeated: argument.isRepeated ?? false, ...inputFields(argument) })
    })
  }
  addArguments(pkg.runtimeArguments, 'runtime-argument')
  addArguments(pkg.packageArguments, 'package-argument')
  for (const variable of pkg.environmentVariables ?? []) {
    if (!variable.name) continue
    if (variable.value !== undefined) addVariables(variable)
    else add({ key: variable.name, kind: 'environment', isRequired: variable.isRequired ?? false, isSecret: variable.isSecret ?? false, isRepeated: false, ...inputFields(variable) })
  }
  return [...inputs.values()]
}

/** `{name}` replaced by the variable's value; a name without a value stays as written (the schema's rule). */
export function substituteVariables(template: string, values: Record<string, string>): string {
  return template.replace(/\{([A-Za-z0-9_.-]+)\}/g, (whole, name: string) => values[name] ?? whole)
}

function valuesFor(input: PackageInput, given: InputValues): string[] | undefined {
  const value = given[input.key]
  const list = value === undefined ? undefined : typeof value === 'string' ? [value] : [...value]
  if (list !== undefined && list.length > 0) {
    if (list.length > 1 && !input.isRepeated) {
      throw new TektonError('E_INVALID_INPUT', `${input.key} takes one value, ${list.length} were given`)
    }
    for (const item of list) checkValue(input, item)
    return list
  }
  return input.default === undefined ? undefined : [input.default]
}

/** Refuses a value outside the input's choices or format (a secret one is not echoed). */
function checkValue(input: PackageInput, value: string): void {
  const shown = input.isSecret ? 'the value given' : JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)
  if (typeof value !== 'string' || value.includes('\0') || value.length > 8192) {
    throw new TektonError('E_INVALID_INPUT', `${input.key}: values are text without NUL bytes, at most 8192 characters`)
  }
  if (input.choices && !input.choices.includes(value)) {
    throw new TektonError('E_INVALID_INPUT', `${input.key} must be one of ${input.choices.join(', ')}, not ${shown}`)
  }
  if (input.format === 'number' && !/^-?[0-9]+(\.[0-9]+)?$/.test(value)) {
    throw new TektonError('E_INVALID_INPUT', `${input.key} must be a number, not ${shown}`)
  }
  if (input.format === 'boolean' && value !== 'true' && value !== 'false') {
    throw new TektonError('E_INVALID_INPUT', `${input.key} must be true or false, not ${shown}`)
  }
}

/**
 * The package's arguments and variables with `given` applied: fixed values with their
 * placeholders filled, given values, then defaults. A required input with none is in `missing`
 * (and left out of the command line), an optional one is left out. A named argument becomes two
 * argv entries (`--flag`, `value`), a boolean one only its flag when true.
 */
export function resolvePackageLaunch(pkg: Package, given: InputValues = {}): ResolvedPackageLaunch {
  const inputs = new Map(packageInputs(pkg).map((input) => [input.key, input]))
  const missing = new Map<string, PackageInput>()
  const secretValues: string[] = []
  const resolved = new Map<string, string[] | undefined>()
  const resolve = (key: string): string[] | undefined => {
    if (!resolved.has(key)) {
      const input = inputs.get(key)
      const values = input ? valuesFor(input, given) : undefined
      if (input && values === undefined && input.isRequired) missing.set(key, input)
      if (input?.isSecret && values) secretValues.push(...values)
      resolved.set(key, values)
    }
    return resolved.get(key)
  }
  const fixedValue = (input: Input): string => {
    const values: Record<string, string> = {}
    for (const [name, variable] of variablesOf(input)) {
      const value = resolve(name)?.[0] ?? variable.value
      if (value !== undefined) values[name] = value
    }
    const value = substituteVariables(input.value as string, values)
    if (input.isSecret) secretValues.push(value)
    return value
  }
  const argumentsOf = (list: readonly Argument[] | undefined): string[] => {
    const argv: string[] = []
    ;(list ?? []).forEach((argument, index) => {
      const values = argument.value !== undefined ? [fixedValue(argument)] : resolve(argumentKey(argument, index))
      if (values === undefined) return
      for (const value of values) {
        if (argument.type === 'positional') argv.push(value)
        else if (argument.format === 'boolean') {
          if (value === 'true') argv.push(argument.name as string)
        } else argv.push(argument.name as string, value)
      }
    })
    return argv
  }
  const runtimeArguments = argumentsOf(pkg.runtimeArguments)
  const packageArguments = argumentsOf(pkg.packageArguments)
  const environment: Record<string, string> = {}
  for (const variable of pkg.environmentVariables ?? []) {
    if (!variable.name) continue
    const value = variable.value !== undefined ? fixedValue(variable) : resolve(variable.name)?.[0]
    if (value !== undefined) environment[variable.name] = value
  }
  return { runtimeArguments, packageArguments, environment, missing: [...missing.values()], secretValues }
}

/** How a missing input is named in a message: `DATABASE_URL (secret)`, `--schema`, `database_name`. */
export function describeInput(input: PackageInput): string {
  return `${input.key}${input.isSecret ? ' (secret)' : ''}`
}

/**
 * The one-line error for required inputs without a value (`--yes`, or an API caller that gave
 * none): every missing one listed, and how to give each kind.
 */
export function missingInputsError(serverName: string, missing: readonly PackageInput[]): TektonError {
  const variables = missing.filter((input) => input.kind === 'environment')
  const others = missing.filter((input) => input.kind !== 'environment')
  const ways = [
    ...(variables.length > 0 ? [`--env ${variables[0]!.key}=…`] : []),
    ...(others.length > 0 ? [others[0]!.key.startsWith('-') ? `--input=${others[0]!.key}=…` : `--input ${others[0]!.key}=…`] : []),
  ]
  return new TektonError('E_MISSING_INPUT', `${serverName} needs values for ${missing.map(describeInput).join(', ')}`, {
    hint: `Give them on the command line (${ways.join(', ')}), or run without --yes to be asked`,
  })
}

/** Checks input values a caller gave (user input) and returns a copy. */
export function checkInputValues(values: unknown): Record<string, string | string[]> {
  if (typeof values !== 'object' || values === null || Array.isArray(values) || Object.keys(values).length > 200) {
    throw new TektonError('E_INVALID_INPUT', 'Inputs must be an object of at most 200 values by name')
  }
  const checked: Record<string, string | string[]> = {}
  for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
    const list = Array.isArray(value) ? value : [value]
    if (key.length === 0 || key.length > 200 || list.length > 200 || list.some((item) => typeof item !== 'string' || item.includes('\0') || item.length > 8192)) {
      throw new TektonError('E_INVALID_INPUT', `The input ${JSON.stringify(key.slice(0, 80))} must be text (or a list of texts) without NUL bytes`)
    }
    checked[key] = Array.isArray(value) ? [...(value as string[])] : (value as string)
  }
  return checked
}

/**
 * The missing inputs that extra arguments (`--arg`, appended after the package's own) do not
 * stand for: positional package arguments given that way (`--arg ~/projects` for a filesystem
 * server's `allowed_directory`, as before server.json arguments were read) count as given.
 */
export function stillMissing(missing: readonly PackageInput[], extraArgs: readonly string[]): PackageInput[] {
  if (extraArgs.length === 0) return [...missing]
  const positional = missing.filter((input) => input.kind === 'package-argument' && !input.key.startsWith('-'))
  return positional.length <= extraArgs.length ? missing.filter((input) => !positional.includes(input)) : [...missing]
}
