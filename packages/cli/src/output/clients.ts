/**
 * Text for client files: what was written into each client's file (configure, install, update,
 * uninstall), the entries `configure --print` would write, and the `clients` listing. Types only
 * from the app: the runner imports renderers on every start.
 */
import type { ClientListing, ClientWriteResult, ConfigureClientsResult } from '@tekton/mcp-app'
import type { Style } from './style'
import { clean, cleanLines, renderColumns } from './text'

const verbs: Record<ClientWriteResult['action'], string> = {
  added: 'added to',
  updated: 'updated in',
  unchanged: 'already in',
  removed: 'removed from',
  absent: 'already gone from',
  printed: 'for',
  failed: 'not changed in',
}

/** One line per client file: `✓ fixture-mcp-server added to vscode (/home/me/.config/Code/User/mcp.json)`. */
export function renderClientWrites(results: readonly ClientWriteResult[], style: Style): string {
  return results
    .map((result) => {
      const mark = result.action === 'failed' ? style.red('✗') : result.action === 'unchanged' || result.action === 'absent' ? style.dim('=') : style.green('✓')
      const line = `${mark} ${style.bold(clean(result.name))} ${verbs[result.action]} ${clean(result.client)} ${style.dim(`(${clean(result.file)})`)}`
      const error = result.error ? `\n  ${style.red(`${clean(result.error.code)}: ${clean(result.error.message)}`)}${result.error.hint ? `\n  ${style.dim(clean(result.error.hint))}` : ''}` : ''
      const notes = (result.notes ?? []).map((note) => `\n  ${style.dim(clean(note))}`).join('')
      return `${line}${error}${notes}\n`
    })
    .join('')
}

/** `configure --client`: the writes, or with `--print` each entry as JSON (secret values are never in it). */
export function renderConfigureClients(output: ConfigureClientsResult, style: Style): string {
  return output.results
    .map((result) => {
      if (result.action !== 'printed') return renderClientWrites([result], style)
      const value = JSON.stringify({ [result.name]: result.entry }, null, 2)
      const inputs = result.inputs ? `\n${style.dim('inputs:')}\n${JSON.stringify(result.inputs, null, 2)}` : ''
      return `${style.bold(clean(result.client))} ${style.dim(clean(result.file))}\n${cleanLines(value)}${cleanLines(inputs)}\n${(result.notes ?? []).map((note) => `${style.dim(clean(note))}\n`).join('')}`
    })
    .join('\n')
}

/** `clients`: one row per client, then our entries that drifted. */
export function renderClients(listing: readonly ClientListing[], style: Style): string {
  const rows = [['CLIENT', 'DETECTED', 'SERVERS', 'OURS', 'FILE'].map((heading) => style.bold(heading))]
  const drift: string[] = []
  for (const client of listing) {
    const servers = client.files.reduce((total, file) => total + file.servers.length, 0)
    const broken = client.files.find((file) => file.error)
    rows.push([
      style.cyan(clean(client.id)),
      client.detected ? style.green('yes') : style.dim('no'),
      broken ? style.red('unreadable') : String(servers),
      String(client.ours.length),
      clean(client.files.find((file) => file.exists)?.file ?? client.files[0]?.file ?? ''),
    ])
    if (broken) drift.push(`${style.red('✗')} ${clean(client.id)}: ${clean(broken.error)}`)
    for (const entry of client.ours) {
      if (entry.status === 'ok') continue
      const why = { changed: 'edited by hand since written', missing: 'removed by hand', outdated: 'launches an older version than installed', orphaned: 'its server is no longer installed' }[entry.status]
      drift.push(`${style.yellow('!')} ${clean(client.id)} ${style.bold(clean(entry.name))}: ${why} ${style.dim(`(${clean(entry.file)})`)}`)
    }
  }
  return `${renderColumns(rows).join('\n')}\n${drift.map((line) => `${line}\n`).join('')}`
}
