import { TektonError } from '@tekton/mcp-discovery'
import type { Command } from '../command'
import type { ConfigureOutput } from '../output/install'
import { readAssignments, readHandshakeTimeout, readName, readNames, readSandbox, readValues } from './installing'

/** `configure <name>`: set and remove variables, replace or clear the extra arguments; with none of those, show them. */
export const configureCommand: Command<ConfigureOutput> = {
  async run(args, context) {
    const name = readName(args.name)
    const env = readAssignments(args.env)
    const unset = readNames(args.unset, 'unset')
    const extraArgs = readValues(args.arg)
    const clearArgs = args.clearArgs === true
    if (clearArgs && extraArgs.length > 0) {
      throw new TektonError('E_USAGE', '--clear-args conflicts with --arg', { hint: '--arg alone replaces the extra arguments' })
    }
    const both = unset.filter((variable) => Object.hasOwn(env, variable))
    if (both.length > 0) throw new TektonError('E_USAGE', `${both.join(', ')} is both set with --env and removed with --unset`, { hint: 'Keep one of the two' })
    const { sandbox, sandboxNetwork } = readSandbox(args)
    if (sandboxNetwork && sandbox === undefined) throw new TektonError('E_USAGE', '--sandbox-network needs --sandbox', { hint: 'e.g. --sandbox --sandbox-network' })
    const { service } = await context.installation()
    const settings = Object.keys(env).length > 0 || unset.length > 0 || extraArgs.length > 0 || clearArgs
    if (sandbox !== undefined) {
      // Variables first, so the handshake in the new form runs with them.
      if (settings) await service.configureServer(name, { env, unset, ...(extraArgs.length > 0 ? { args: extraArgs } : clearArgs ? { args: [] } : {}) })
      const handshakeTimeoutMs = readHandshakeTimeout(args)
      context.progress.update(`starting ${name} ${sandbox === 'off' ? 'without a sandbox' : 'in its sandbox'}`)
      const outcome = await service.configureSandbox(name, {
        sandbox,
        // The grant is what this command line says: without --sandbox-network the network is withheld.
        network: sandboxNetwork === true,
        ...(handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs }),
      })
      context.progress.stop()
      return { ...outcome.server, changed: true, notes: outcome.notes }
    }
    if (!settings) {
      // Nothing to set: show what is set (secret values masked by the service).
      const server = await service.getInstalledServer(name)
      if (!server) throw new TektonError('E_NOT_INSTALLED', `${JSON.stringify(name.slice(0, 100))} is not installed`, { hint: 'See the installed servers: tekton-mcp list' })
      return { ...server, changed: false }
    }
    const configured = await service.configureServer(name, {
      env,
      unset,
      ...(extraArgs.length > 0 ? { args: extraArgs } : clearArgs ? { args: [] } : {}),
    })
    return { ...configured, changed: true }
  },
}
