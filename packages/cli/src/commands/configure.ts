import { TektonError } from '@tekton/mcp-discovery'
import type { Command } from '../command'
import type { ConfigureOutput } from '../output/install'
import { readClientIds, readEnvironmentOptions, readHandshakeTimeout, readName, readNames, readSandbox, readValues } from './installing'

/**
 * `configure <name>`: set and remove variables, replace or clear the extra arguments; with none of those, show them.
 * With `--client`: write the server's entry into those clients' config files (or show it, `--print`).
 */
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
    const { sandbox, sandboxNetwork } = readSandbox(args)
    if (sandboxNetwork && sandbox === undefined) throw new TektonError('E_USAGE', '--sandbox-network needs --sandbox', { hint: 'e.g. --sandbox --sandbox-network' })
    const clients = readClientIds(args.client)
    if (clients.length > 0) {
      if (Object.keys(env).length > 0 || Object.keys(secrets).length > 0 || unset.length > 0 || extraArgs.length > 0 || clearArgs) {
        throw new TektonError('E_USAGE', '--client writes the server as configured; it cannot be combined with --env, --unset, --arg or --clear-args', { hint: 'Configure first, then run configure --client' })
      }
      return (await context.app()).configureClients(name, {
        clients,
        scope: args.scope === 'project' ? 'project' : 'user',
        force: args.force === true,
        plainSecrets: args.plainSecrets === true,
        print: args.print === true,
      })
    }
    for (const option of ['print', 'force', 'plainSecrets'] as const) {
      if (args[option] === true) throw new TektonError('E_USAGE', `--${option === 'plainSecrets' ? 'plain-secrets' : option} goes with --client`, { hint: 'Name the clients: --client vscode,codex' })
    }
    const { service } = await context.installation()
    const settings = Object.keys(env).length > 0 || Object.keys(secrets).length > 0 || unset.length > 0 || extraArgs.length > 0 || clearArgs
    if (sandbox !== undefined) {
      // Variables first, so the handshake in the new form runs with them.
      if (settings) await service.configureServer(name, { env, ...(Object.keys(secrets).length > 0 ? { secrets } : {}), unset, ...(extraArgs.length > 0 ? { args: extraArgs } : clearArgs ? { args: [] } : {}) })
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
      ...(Object.keys(secrets).length > 0 ? { secrets } : {}),
      unset,
      ...(extraArgs.length > 0 ? { args: extraArgs } : clearArgs ? { args: [] } : {}),
    })
    return { ...configured, changed: true }
  },
}
