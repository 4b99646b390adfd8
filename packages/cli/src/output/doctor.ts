import type { DoctorReport } from '@tekton/mcp-app'
import type { Style } from './style'
import { clean, formatDuration, renderColumns } from './text'

export type { DirectoryCheck, RegistryCheck, RuntimeCheck } from '@tekton/mcp-app'

/** What `doctor` returns, and exactly what `--json` prints. */
export type DoctorOutput = DoctorReport

/** Three sections of aligned lines, marked ✓, ! (optional, failed) or ✗ (required, failed); then a verdict. */
export function renderDoctor(output: DoctorOutput, style: Style): string {
  const mark = (ok: boolean, required: boolean) => (ok ? style.green('✓') : required ? style.red('✗') : style.yellow('!'))
  const section = (title: string, rows: string[][]) => [style.bold(title), ...renderColumns(rows).map((line) => `  ${line}`)]
  const lines = [
    ...section(
      'Runtimes',
      output.runtimes.map((runtime) => [
        mark(runtime.found, runtime.required),
        runtime.name,
        runtime.found ? clean(runtime.version) : style.dim('not found'),
        runtime.found ? clean(runtime.path) : '',
        style.dim(clean(runtime.note)),
      ]),
    ),
    '',
    ...section(
      'Directories',
      output.directories.map((directory) => [
        mark(directory.writable, directory.required),
        directory.name,
        clean(directory.path),
        directory.writable ? style.dim('writable') : style.red(`not writable: ${clean(directory.error)}`),
      ]),
    ),
    '',
    ...section(
      'Registries',
      output.registries.length === 0
        ? [[style.yellow('!'), style.dim('no source configured')]]
        : output.registries.map((registry) => [
            mark(registry.reachable, false),
            registry.source,
            registry.reachable ? `answered in ${formatDuration(registry.durationMs)}` : style.red(`${clean(registry.error?.code)}: ${clean(registry.error?.message)}`),
          ]),
    ),
    '',
    ...section('Ergon', ergonRows(output, style)),
    '',
  ]
  if (!output.ok) lines.push(style.red(`${output.problems.length} required ${output.problems.length === 1 ? 'check' : 'checks'} failed:`), ...output.problems.map((problem) => `  ${clean(problem)}`))
  else lines.push(style.green(`Ready to install MCP servers${output.warnings.length > 0 ? ` (${output.warnings.length} ${output.warnings.length === 1 ? 'warning' : 'warnings'})` : ''}.`))
  return `${lines.join('\n')}\n`
}

/** Where Ergon's repository is and whether its tables match Ergon's. */
function ergonRows(output: DoctorOutput, style: Style): string[][] {
  const ergon = output.ergon
  const auto = ergon.autoRegister ? 'registers on install, update, uninstall' : 'registers on request (--register, ergon register)'
  if (!ergon.configured) {
    return [[ergon.autoRegister ? style.yellow('!') : style.dim('-'), style.dim('not configured: set TEKTON_ROOT (<TEKTON_ROOT>/Ergon/ergon.db) or DATABASE_URL')]]
  }
  const store = clean(ergon.store)
  if (ergon.error) return [[style.yellow('!'), store, style.red(`${clean(ergon.error.code)}: ${clean(ergon.error.message)}`)]]
  if (ergon.missing) return [[style.green('✓'), store, style.dim(`not created yet (made on the first registration); ${auto}`)]]
  const rows = [[ergon.tablesMatch ? style.green('✓') : style.yellow('!'), store, ergon.tablesMatch ? `tables match Ergon's, schema ${ergon.schemaVersion ?? 0}; ${style.dim(auto)}` : style.yellow("tables differ from Ergon's")]]
  for (const table of ergon.tables ?? []) {
    if (table.status === 'ok') continue
    rows.push([style.yellow('!'), `  ${clean(table.table)}`, table.status === 'missing' ? 'missing' : [...table.missingColumns.map((column) => `no ${clean(column)}`), ...table.nullabilityDiffers.map((column) => `${clean(column)} nullability differs`)].join(', ')])
  }
  return rows
}
