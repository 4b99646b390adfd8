import { TektonError } from '@tekton/mcp-discovery'
import type { Command } from '../command'
import type { ConfigureOutput } from '../output/install'
import { readEnvironmentOptions, readName, readNames, readValues } from './installing'

/** `configure <name>`: set and remove variables, replace or clear the extra arguments; with none of those, show them. */
export const configureCommand: Command<ConfigureOutput> = {
  async run(args, context) {
    const name = readName(args.name)
    const { env, secrets } = await readEnvironmentOptions(args, context)
    const unset = readNames(args.unset, 'unset')
    const extraArgs = readValues(args.arg)
    const clearArgs = args.clearArgs === true
    if (clearArgs && extraArgs.length > 0) {
      throw new TektonError('E_USAGE', '--clear-args conflicts with --arg', { hint: '--arg alone replaces the extra arguments' })
    }
    const both = unset.filter((variable) => Object.hasOwn(env, variable) || Object.hasOwn(secrets, variable))
    if (both.length > 0) throw new TektonError('E_USAGE', `${both.join(', ')} is both set with --env and removed with --unset`, { hint: 'Keep one of the two' })
    const { service } = await context.installation()
    if (Object.keys(env).length === 0 && Object.keys(secrets).length === 0 && unset.length === 0 && extraArgs.length === 0 && !clearArgs) {
      // Nothing to set: show what is set (secret values masked by the service).
      const server = await service.getInstalledServer(name)
      if (!server) throw new TektonError('E_NOT_INSTALLED', `${JSON.stringify(name.slice(0, 100))} is not installed`, { hint: 'See the installed servers: tekton-mcp list' })
      return { ...server, changed: false }
    }
    const configured = await service.configureServer(name, {
      env,
      ...(Object.keys(secrets).length > 0 ? { secrets } : {}),
      unset,
      ...(extraArgs.length > 0 ? { args: extraArgs } : clearArgs ? { args: [] } : {}),
    })
    return { ...configured, changed: true }
  },
}
