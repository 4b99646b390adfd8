/**
 * Configuring an installed server: its variables and extra arguments, kept in the record and
 * applied whenever it is started. Secret values go to the secret store (see `secret-store`):
 * the state file keeps their names.
 */
import { TektonError } from '@tekton/mcp-discovery'
import { checkEnvironmentVariables } from './environment'
import { checkArguments, checkChoices } from './server-configuration'
import { requireRecord, viewServer } from './server-view'
import type { InstalledServerView } from './server-view'
import type { ServiceContext } from './service-context'

/** Options of `configureServer`. */
export interface ConfigureServerOptions {
  /** Variables to set; `null` removes one. Merged into the existing ones unless `replaceEnv`. */
  env?: Record<string, string | null>
  /** Extra arguments appended to the launch arguments; replaces the previous list. */
  args?: string[]
  /** Names of variables to remove. */
  unset?: string[]
  /** Replace all configured variables by `env`. @default false */
  replaceEnv?: boolean
  /**
   * Variables to set whose values are secret whatever their declaration says (`--secret`): kept
   * in the secret store, never in the state file. Declared secrets given in `env` go there too.
   */
  secrets?: Record<string, string>
}

/**
 * Sets a server's variables and extra arguments, checked before anything is written (forbidden
 * variables are `E_FORBIDDEN_ENV`), and returns its view with secret values `••••`.
 */
export async function configureServer(context: ServiceContext, name: string, options: ConfigureServerOptions): Promise<InstalledServerView> {
  if (!options || typeof options !== 'object') throw new TektonError('E_INVALID_INPUT', 'configureServer needs { env, args, unset }')
  const toSet: Record<string, string> = {}
  const toRemove = new Set<string>(options.unset ?? [])
  for (const [variable, value] of Object.entries(options.env ?? {})) {
    if (value === null) toRemove.add(variable)
    else toSet[variable] = value
  }
  const givenSecrets = checkEnvironmentVariables(options.secrets ?? {}, 'secret')
  const checkedSet = { ...checkEnvironmentVariables(toSet, 'configured environment'), ...givenSecrets }
  checkEnvironmentVariables(Object.fromEntries([...toRemove].map((variable) => [variable, ''])), 'unset')
  const args = options.args === undefined ? undefined : checkArguments(options.args)
  const known = requireRecord(await context.state.read(), name)
  checkChoices(known.environmentVariables, checkedSet)
  const updated = await context.state.update((state) => {
    const record = requireRecord(state, known.name)
    const env = options.replaceEnv ? {} : { ...record.configuration.env }
    for (const variable of toRemove) delete env[variable]
    Object.assign(env, checkedSet)
    const secretNames = new Set([...(options.replaceEnv ? [] : (record.configuration.secrets ?? [])), ...Object.keys(givenSecrets)])
    for (const variable of [...secretNames]) if (!Object.hasOwn(env, variable)) secretNames.delete(variable)
    const { secrets: _previous, ...rest } = record.configuration
    record.configuration = { ...rest, env, args: args ?? record.configuration.args, ...(secretNames.size > 0 ? { secrets: [...secretNames].sort() } : {}) }
    record.updatedAt = new Date(context.now()).toISOString()
    return record
  })
  return viewServer(context, updated)
}
