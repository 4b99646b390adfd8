/** `apply` and `export` for people. */
import type { ApplyComposeResult, ComposeFile } from '@tekton/mcp-app'
import type { Style } from './style'
import { clean } from './text'

/** What `apply` returns, exactly what `--json` prints. */
export type ApplyOutput = ApplyComposeResult

/** What `export` returns: the compose document (`--json`), with its YAML text (not enumerable) for the text output. */
export type ExportOutput = ComposeFile & { readonly text?: string; readonly written?: string }

/** A line per declared server: what was done to it, then its notes. */
export function renderApply(output: ApplyOutput, style: Style): string {
  const lines = output.servers.map((server) => {
    const action = server.action === 'unchanged' ? style.dim('unchanged') : style.green(server.action)
    const notes = server.notes.map((note) => `\n    ${style.dim(clean(note))}`).join('')
    return `  ${action} ${clean(server.name)} ${clean(server.version)}${notes}`
  })
  const summary = output.changed ? `Applied ${clean(output.file)}` : `Nothing to change: ${clean(output.file)} matches what is installed`
  return `${summary}\n${lines.join('\n')}${lines.length > 0 ? '\n' : ''}`
}

/** The compose file itself, or where it was written. */
export function renderExport(output: ExportOutput): string {
  if (output.written) return `Wrote ${clean(output.written)} (${output.servers.length} ${output.servers.length === 1 ? 'server' : 'servers'})\n`
  return output.text ?? `${JSON.stringify({ version: output.version, servers: output.servers }, null, 2)}\n`
}
