/**
 * A server's configuration: the variables its package declares, the checks on configured
 * arguments and values, and the launch spec with defaults and configuration applied. Which
 * values are secret is decided here too, so every caller redacts the same ones.
 */
import { TektonError } from '@tekton/mcp-discovery'
import type { Package } from '@tekton/mcp-discovery'
import type { LaunchSpec } from './spec/installer'
import { declaredEnvironment, isSecretVariable, redactedValue } from './environment'
import type { DeclaredVariable, InstalledServer } from './state'

/** The package's declared variables as recorded: named ones only, a fixed `value` counting as the default. */
export function declaredVariables(pkg: Package): DeclaredVariable[] {
  return (pkg.environmentVariables ?? [])
    .filter((variable): variable is typeof variable & { name: string } => typeof variable.name === 'string' && variable.name.length > 0)
    .map((variable) => ({
      name: variable.name,
      ...(variable.description === undefined ? {} : { description: variable.description }),
      ...(variable.isRequired === undefined ? {} : { isRequired: variable.isRequired }),
      ...(variable.isSecret === undefined ? {} : { isSecret: variable.isSecret }),
      ...((variable.value ?? variable.default) === undefined ? {} : { default: variable.value ?? variable.default }),
      ...(variable.choices === undefined ? {} : { choices: variable.choices }),
    }))
}

/** Checks configured extra arguments (user input) and returns a copy. */
export function checkArguments(args: unknown): string[] {
  if (!Array.isArray(args) || args.length > 200 || args.some((argument) => typeof argument !== 'string' || argument.includes('\0') || argument.length > 8192)) {
    throw new TektonError('E_INVALID_INPUT', 'Arguments must be a list of at most 200 texts without NUL bytes')
  }
  return [...(args as string[])]
}

/** Refuses a configured value outside the choices its variable declares (a secret one is not echoed). */
export function checkChoices(declared: readonly DeclaredVariable[], env: Record<string, string>): void {
  for (const variable of declared) {
    const value = env[variable.name]
    if (value !== undefined && variable.choices && variable.choices.length > 0 && !variable.choices.includes(value)) {
      const shown = isSecretVariable(variable.name, declared) ? redactedValue : JSON.stringify(value)
      throw new TektonError('E_INVALID_INPUT', `${variable.name} must be one of ${variable.choices.join(', ')}, not ${shown}`)
    }
  }
}

/** The installer's launch spec with the package's declared defaults and the configuration applied. */
export function applyConfiguration(launch: LaunchSpec, pkg: Package, configuration: InstalledServer['configuration']): LaunchSpec {
  return {
    ...launch,
    args: [...launch.args, ...configuration.args],
    env: { ...declaredEnvironment(pkg.environmentVariables), ...launch.env, ...configuration.env },
  }
}

/** What an installed version runs with: its launch spec, the recorded defaults and the configuration. */
export function effectiveLaunch(record: InstalledServer, version: string): LaunchSpec {
  const installed = record.versions[version]
  if (!installed) throw new TektonError('E_NOT_INSTALLED', `${record.name} ${version} is not installed`)
  const declared: Record<string, string> = {}
  for (const variable of record.environmentVariables) if (variable.default !== undefined) declared[variable.name] = variable.default
  return {
    ...installed.launch,
    args: [...installed.launch.args, ...record.configuration.args],
    env: { ...declared, ...installed.launch.env, ...record.configuration.env },
  }
}

/**
 * The record's declarations with the variables it keeps secret on request (`--secret`, listed in
 * `configuration.secrets`) added as `isSecret`, so every redaction hides them too.
 */
export function secretDeclarationsOf(record: Pick<InstalledServer, 'environmentVariables' | 'configuration'>): DeclaredVariable[] {
  const declared = [...record.environmentVariables]
  for (const name of record.configuration.secrets ?? []) {
    const index = declared.findIndex((variable) => variable.name === name)
    if (index === -1) declared.push({ name, isSecret: true })
    else declared[index] = { ...declared[index]!, isSecret: true }
  }
  return declared
}

/** Names of the secret variables among the declared ones and those in `env`. */
export function secretNamesOf(declared: readonly DeclaredVariable[], env: Record<string, string>): string[] {
  const names = new Set([...declared.map((variable) => variable.name), ...Object.keys(env)])
  return [...names].filter((name) => isSecretVariable(name, declared))
}

/** The secret values in `env`, for a handshake to hide in the stderr and messages it reports. */
export function secretValues(declared: readonly DeclaredVariable[], env: Record<string, string>): string[] {
  return secretNamesOf(declared, env).map((name) => env[name] ?? '')
}
