/**
 * Text for the `ergon` commands: a registration's result, the registered servers (with their
 * tools), and search hits. Types only from the application: the runner imports renderers on
 * every start.
 */
import type { ComponentDict, ErgonListing, ErgonSearchAnswer, RegistrationResult } from '@tekton/mcp-app'
import type { Style } from './style'
import { clean, renderColumns } from './text'

/** What `ergon register` and `ergon unregister` return, and exactly what `--json` prints. */
export type RegistrationOutput = RegistrationResult
/** What `ergon list` returns. */
export type ErgonListOutput = ErgonListing
/** What `ergon search` returns. */
export type ErgonSearchOutput = ErgonSearchAnswer

/** One line per change: `+ added`, `- removed`, `~ changed`. */
function toolLines(result: RegistrationResult): string[] {
  const tools = result.tools
  if (!tools) return []
  return [...tools.added.map((name) => `+ ${clean(name)}`), ...tools.removed.map((name) => `- ${clean(name)}`), ...tools.changed.map((name) => `~ ${clean(name)}`)]
}

/** A registration as a few lines (also under an install's card). */
export function describeRegistration(result: RegistrationResult, style: Style): string {
  const removing = result.action === 'unregister'
  if (!result.success) return `${style.red('✗')} Ergon ${removing ? 'unregistration' : 'registration'} failed: ${clean(result.code)} ${clean(result.error)}\n`
  const verb = removing ? 'Unregistered' : 'Registered'
  const count = result.capabilities.length
  const head = `${style.green('✓')} ${verb} ${style.bold(clean(result.server))} in Ergon ${style.dim(`(component ${result.component_id}${removing ? '' : `, ${count} ${count === 1 ? 'tool' : 'tools'}`})`)}`
  const lines = toolLines(result).map((line) => `  ${line}`)
  const unknown = result.toolsKnown === false ? [style.yellow('  its tools are unknown (installed without a handshake); they were left as they were')] : []
  return `${[head, ...lines, ...unknown].join('\n')}\n`
}

export function renderRegistration(output: RegistrationOutput, style: Style): string {
  return describeRegistration(output, style)
}

function parameterList(tool: ComponentDict): string {
  return tool.parameters.map((parameter) => `${clean(parameter.name)}${parameter.required ? '' : '?'}: ${clean(parameter.type)}`).join(', ')
}

/** `ergon list`: a table of servers; with `--tools`, each server's tools under it. */
export function renderErgonList(output: ErgonListOutput, style: Style): string {
  const where = style.dim(`Ergon repository: ${clean(output.store)}`)
  if (output.servers.length === 0) return `${where}\nNo MCP servers registered.\n${style.dim('Register an installed one: tekton-mcp ergon register <name>')}\n`
  const lines: string[] = [where]
  const table = [['ID', 'NAME', 'VERSION', 'TYPE', 'PACKAGE', 'TOOLS'].map((heading) => style.bold(heading))]
  for (const { server } of output.servers) {
    table.push([String(server.id), style.cyan(clean(server.name)), clean(server.installed_version ?? server.version), clean(server.installation_type), clean(server.package_name), String(server.capabilities.length)])
  }
  lines.push(...renderColumns(table))
  for (const { server, tools } of output.servers) {
    if (!tools) continue
    lines.push('', style.bold(clean(server.name)))
    lines.push(...renderColumns(tools.map((tool) => [`  ${String(tool.id)}`, style.cyan(clean(tool.entry_point)), parameterList(tool), style.dim(clean(tool.description))])))
  }
  return `${lines.join('\n')}\n`
}

/** `ergon search`: the hits, best first. */
export function renderErgonSearch(output: ErgonSearchOutput, style: Style): string {
  const where = style.dim(`Ergon repository: ${clean(output.store)}`)
  if (output.results.length === 0) return `${where}\nNothing in Ergon's repository matches "${clean(output.query)}".\n`
  const table = [['ID', 'TYPE', 'NAME', 'SCORE', 'DESCRIPTION'].map((heading) => style.bold(heading))]
  for (const { component, score } of output.results) {
    table.push([String(component.id), clean(component.type), style.cyan(clean(component.name)), score.toFixed(2), style.dim(clean(component.description))])
  }
  return `${where}\n${renderColumns(table).join('\n')}\n`
}
