/**
 * The runner: parse the command line against the table, answer from the answer cache when it
 * can, otherwise load the command's module, run it, print its data in the chosen format, and route
 * every error through one handler.
 *
 * The cache-hit path (parse, key, read, check, render, print) must stay light: nothing on it may
 * import `@tekton/mcp-discovery` (the main entry), a registry package, or what they load.
 */
import type { Command, CommandContext, ParsedArguments } from './command'
import type { CommandId, CommandSpec } from './command-table'
import { answerFile, answerFormat, answerKey, readAnswer, replayAnswer, watchFiles, watchVariables, writeAnswer } from './answer-cache'
import { exitCodes } from './exit-codes'
import { reportFailure, toFailure } from './failure'
import type { ReportOptions } from './failure'
import { renderCommandHelp, renderGroupHelp, renderHelp } from './help'
import type { CliIo } from './io'
import { colorAllowed, terminalWidth } from './io'
import { renderCacheClear, renderCacheStats } from './output/cache'
import type { CacheClearOutput, CacheStatsOutput } from './output/cache'
import { resolveFormat, serialize } from './output/format'
import { renderInfo } from './output/info'
import type { InfoOutput } from './output/info'
import { renderClients } from './output/clients'
import type { ClientListing } from '@tekton/mcp-app'
import { renderConfigure, renderInstall, renderList, renderUninstall, renderUpdate, renderVerify } from './output/install'
import type { ConfigureOutput, InstallOutput, ListOutput, UninstallOutput, UpdateOutput, VerifyOutput } from './output/install'
import { renderApply, renderExport } from './output/compose'
import type { ApplyOutput, ExportOutput } from './output/compose'
import { renderDoctor } from './output/doctor'
import type { DoctorOutput } from './output/doctor'
import { renderErgonList, renderErgonSearch, renderRegistration } from './output/ergon'
import type { ErgonListOutput, ErgonSearchOutput, RegistrationOutput } from './output/ergon'
import { renderConfigPath, renderConfigShow, renderPolicyShow, renderSettingsChange } from './output/settings'
import type { ConfigPathOutput, ConfigShowOutput, PolicyShowOutput, SettingsChangeOutput } from './output/settings'
import { renderSearch } from './output/search'
import type { SearchOutput } from './output/search'
import { createStyle } from './output/style'
import type { Style } from './output/style'
import { clean, formatAge } from './output/text'
import { renderSync } from './output/sync'
import { renderAudit } from './output/trust'
import type { AuditOutput } from './output/trust'
import type { SyncOutput } from './output/sync'
import { renderVersions } from './output/versions'
import type { VersionsOutput } from './output/versions'
import { parseCommandLine } from './parse-arguments'
import type { ParseResult } from './parse-arguments'
import { createProgress } from './progress'
import type { TektonMcp } from '@tekton/mcp-app'

// Each command's module is imported only when that command runs.
const loaders: Record<CommandId, () => Promise<Command<unknown>>> = {
  search: async () => (await import('./commands/search')).searchCommand as Command<unknown>,
  info: async () => (await import('./commands/info')).infoCommand as Command<unknown>,
  versions: async () => (await import('./commands/versions')).versionsCommand as Command<unknown>,
  sync: async () => (await import('./commands/sync')).syncCommand as Command<unknown>,
  'cache-stats': async () => (await import('./commands/cache')).cacheStatsCommand as Command<unknown>,
  'cache-clear': async () => (await import('./commands/cache')).cacheClearCommand as Command<unknown>,
  install: async () => (await import('./commands/install')).installCommand as Command<unknown>,
  uninstall: async () => (await import('./commands/uninstall')).uninstallCommand as Command<unknown>,
  update: async () => (await import('./commands/update')).updateCommand as Command<unknown>,
  list: async () => (await import('./commands/list')).listCommand as Command<unknown>,
  verify: async () => (await import('./commands/verify')).verifyCommand as Command<unknown>,
  configure: async () => (await import('./commands/configure')).configureCommand as Command<unknown>,
  clients: async () => (await import('./commands/clients')).clientsCommand as Command<unknown>,
  doctor: async () => (await import('./commands/doctor')).doctorCommand as Command<unknown>,
  audit: async () => (await import('./commands/audit')).auditCommand as Command<unknown>,
  apply: async () => (await import('./commands/compose')).applyCommand as Command<unknown>,
  export: async () => (await import('./commands/compose')).exportCommand as Command<unknown>,
  serve: async () => (await import('./commands/serve')).serveCommand as Command<unknown>,
  'ergon-register': async () => (await import('./commands/ergon')).ergonRegisterCommand as Command<unknown>,
  'ergon-unregister': async () => (await import('./commands/ergon')).ergonUnregisterCommand as Command<unknown>,
  'ergon-list': async () => (await import('./commands/ergon')).ergonListCommand as Command<unknown>,
  'ergon-search': async () => (await import('./commands/ergon')).ergonSearchCommand as Command<unknown>,
  'config-show': async () => (await import('./commands/settings')).configShowCommand as Command<unknown>,
  'config-set': async () => (await import('./commands/settings')).configSetCommand as Command<unknown>,
  'config-unset': async () => (await import('./commands/settings')).configUnsetCommand as Command<unknown>,
  'config-path': async () => (await import('./commands/settings')).configPathCommand as Command<unknown>,
  'policy-show': async () => (await import('./commands/settings')).policyShowCommand as Command<unknown>,
}

type ClientsOutput = ClientListing[]

type Renderer = (data: unknown, style: Style, io: CliIo) => string

// Text renderers, apart from the commands so a cached answer prints without loading a command.
// Imported statically: they are small, and one chunk loads faster than several.
const renderers: Record<CommandId, Renderer> = {
  search: (data, style, io) => renderSearch(data as SearchOutput, style, terminalWidth(io), io.now()),
  info: (data, style, io) => renderInfo(data as InfoOutput, style, io.now()),
  versions: (data, style, io) => renderVersions(data as VersionsOutput, style, io.now()),
  sync: (data, style) => renderSync(data as SyncOutput, style),
  'cache-stats': (data, style) => renderCacheStats(data as CacheStatsOutput, style),
  'cache-clear': (data, style) => renderCacheClear(data as CacheClearOutput, style),
  install: (data, style) => renderInstall(data as InstallOutput, style),
  uninstall: (data, style) => renderUninstall(data as UninstallOutput, style),
  update: (data, style) => renderUpdate(data as UpdateOutput, style),
  list: (data, style) => renderList(data as ListOutput, style),
  verify: (data, style) => renderVerify(data as VerifyOutput, style),
  configure: (data, style) => renderConfigure(data as ConfigureOutput, style),
  clients: (data, style) => renderClients(data as ClientsOutput, style),
  doctor: (data, style) => renderDoctor(data as DoctorOutput, style),
  audit: (data, style) => renderAudit(data as AuditOutput, style),
  apply: (data, style) => renderApply(data as ApplyOutput, style),
  export: (data) => renderExport(data as ExportOutput),
  serve: (data) => `Stopped (${clean(String((data as { stoppedBy: string }).stoppedBy))}) after ${Number((data as { requests: number }).requests)} requests\n`,
  'ergon-register': (data, style) => renderRegistration(data as RegistrationOutput, style),
  'ergon-unregister': (data, style) => renderRegistration(data as RegistrationOutput, style),
  'ergon-list': (data, style) => renderErgonList(data as ErgonListOutput, style),
  'ergon-search': (data, style) => renderErgonSearch(data as ErgonSearchOutput, style),
  'config-show': (data, style) => renderConfigShow(data as ConfigShowOutput, style),
  'config-set': (data, style) => renderSettingsChange(data as SettingsChangeOutput, style),
  'config-unset': (data, style) => renderSettingsChange(data as SettingsChangeOutput, style),
  'config-path': (data, style) => renderConfigPath(data as ConfigPathOutput, style),
  'policy-show': (data, style) => renderPolicyShow(data as PolicyShowOutput, style),
}

/** Parses `argv` and runs the command; resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ParseResult
  try {
    parsed = parseCommandLine(argv)
  } catch (error) {
    return reportFailure(await toFailure(error), io, { format: 'text', debug: argv.includes('--debug'), color: undefined })
  }
  const reportOptions: ReportOptions = {
    format: resolveFormat(parsed.args),
    debug: parsed.args.debug === true,
    color: parsed.args.color === false ? false : undefined,
  }
  switch (parsed.kind) {
    case 'help':
      io.stdout(parsed.command ? renderCommandHelp(parsed.command) : parsed.group ? renderGroupHelp(parsed.group) : renderHelp())
      return exitCodes.ok
    case 'version':
      io.stdout(`${__PACKAGE_VERSION__}\n`)
      return exitCodes.ok
    case 'usage':
      return reportFailure({ code: parsed.code, message: parsed.message, hint: parsed.hint }, io, reportOptions)
    case 'command':
      break
  }
  const { command, args } = parsed
  if (command.answerCache && args.refresh !== true) {
    try {
      if (await answerFromCache(command, args, io, reportOptions)) return exitCodes.ok
    } catch (error) {
      // The answer cache only ever saves time: when it fails, the command runs as if it were empty.
      if (reportOptions.debug) io.stderr(`debug: answer cache skipped: ${clean(error instanceof Error ? error.message : String(error))}\n`)
    }
  }
  return execute(command, args, io, reportOptions)
}

/** Prints the saved answer when there is a good one; false on a miss. */
async function answerFromCache(command: CommandSpec, args: ParsedArguments, io: CliIo, reportOptions: ReportOptions): Promise<boolean> {
  const file = answerFile(io.env, answerKey({ version: __PACKAGE_VERSION__, command, args, cwd: io.cwd }))
  const now = io.now()
  const answer = await readAnswer(file, now, io.env)
  if (!answer) return false
  const data = replayAnswer(answer, now)
  if (reportOptions.debug) io.stderr(`debug: answered from ${file}, ${formatAge(now - answer.storedAt)} old\n`)
  await print(command, data, io, reportOptions)
  return true
}

async function execute(spec: CommandSpec, args: ParsedArguments, io: CliIo, reportOptions: ReportOptions): Promise<number> {
  const progress = createProgress(io)
  let app: Promise<TektonMcp> | undefined
  const context: CommandContext = {
    io,
    progress,
    debug: reportOptions.debug,
    app: () => {
      app ??= import('@tekton/mcp-app').then(({ createTektonMcp }) => createTektonMcp({ env: io.env, cwd: io.cwd, now: io.now }))
      return app
    },
    installation: async () => {
      const service = await (await context.app()).installation()
      return { service, dataDirectory: service.layout.root }
    },
  }
  try {
    const command = await loaders[spec.id]()
    const data = await command.run(args, context)
    const finishedAt = io.now()
    progress.stop()
    if (reportOptions.debug) io.stderr(describeSources(data))
    await print(spec, data, io, reportOptions)
    if (spec.answerCache && app) await saveAnswer(spec, args, data, await app, io, finishedAt, reportOptions.debug)
    return command.exitCode?.(data) ?? exitCodes.ok
  } catch (error) {
    progress.stop()
    return reportFailure(await toFailure(error, { command: spec.id, args, debug: reportOptions.debug }), io, reportOptions)
  } finally {
    // Pending cache writes must reach the disk, or the next run asks the registry again.
    if (app) await settle(app, io, reportOptions.debug)
  }
}

async function print(spec: CommandSpec, data: unknown, io: CliIo, reportOptions: ReportOptions): Promise<void> {
  if (reportOptions.format === 'text') {
    io.stdout(renderers[spec.id](data, createStyle(colorAllowed(io, 'stdout', reportOptions.color)), io))
  } else {
    io.stdout(await serialize(data, reportOptions.format))
  }
}

interface AnsweredStatus {
  state?: unknown
  code?: unknown
  needsSync?: unknown
  fromCache?: unknown
  ageMs?: unknown
  retryAt?: unknown
  lastTriedAt?: unknown
}

// Any other state (stale, error, timeout, rate-limited, skipped for another reason) says the
// answer may change soon.
const savedStates = new Set(['ok', 'unavailable'])

/**
 * When a status allows saving the answer: never, now (undefined: no limit of its own), or until a
 * time. A source skipped as unreachable is skipped the same way until its `retryAt`, so an answer
 * without it holds until then.
 */
function savableUntil(status: AnsweredStatus): number | false | undefined {
  if (status.state === 'skipped' && typeof status.lastTriedAt === 'string' && typeof status.retryAt === 'string') {
    const retryAt = Date.parse(status.retryAt)
    return Number.isNaN(retryAt) ? false : retryAt
  }
  // An index still being built (PyPI's first search) answers 'unavailable' only for now.
  if (typeof status.state !== 'string' || !savedStates.has(status.state) || status.needsSync === true || status.code === 'E_INDEX_BUILDING') return false
  return undefined
}

/**
 * Keeps the printed answer for the next identical command, when every source answered and only
 * for as long as the oldest cached data behind it stays fresh.
 */
async function saveAnswer(spec: CommandSpec, args: ParsedArguments, data: unknown, app: TektonMcp, io: CliIo, storedAt: number, debug: boolean): Promise<void> {
  const sources = (data as { sources?: unknown }).sources
  if (!spec.answerCache || !Array.isArray(sources)) return
  const statuses = sources as AnsweredStatus[]
  const limits = statuses.map(savableUntil)
  if (limits.includes(false)) return
  const oldest = Math.max(0, ...statuses.map((status) => (status.fromCache === true && typeof status.ageMs === 'number' ? status.ageMs : 0)))
  const subject = typeof args.ref === 'string' ? args.ref : undefined
  const expiresAt = Math.min(storedAt + app.answerFreshness(spec.answerCache.freshness, subject) - oldest, ...limits.filter((limit): limit is number => typeof limit === 'number'))
  if (expiresAt <= storedAt) return
  try {
    const configuration = await app.configuration()
    const watch = await watchFiles(configuration.files)
    const variables = watchVariables(configuration, io.env)
    const file = answerFile(io.env, answerKey({ version: __PACKAGE_VERSION__, command: spec, args, cwd: io.cwd }))
    await writeAnswer(file, { format: answerFormat, storedAt, expiresAt, watch, variables, data })
  } catch (error) {
    // The answer is already printed; an answer not saved only costs a full run next time.
    if (debug) io.stderr(`debug: answer not saved: ${clean(error instanceof Error ? error.message : String(error))}\n`)
  }
}

/** For --debug: how each source answered, one line each, e.g. `debug: npm ok 24 ms, from cache`. */
function describeSources(data: unknown): string {
  const sources = (data as { sources?: unknown }).sources
  if (!Array.isArray(sources)) return ''
  return sources.map((status: { source?: unknown; state?: unknown; durationMs?: unknown; fromCache?: unknown; code?: unknown }) => {
    const details = [
      typeof status.durationMs === 'number' ? `${Math.round(status.durationMs)} ms` : '',
      status.fromCache === true ? 'from cache' : '',
      typeof status.code === 'string' ? status.code : '',
    ].filter(Boolean)
    return `debug: ${String(status.source)} ${String(status.state)}${details.length ? ` ${details.join(', ')}` : ''}\n`
  }).join('')
}

/**
 * How long the CLI waits, after printing, for the cache to finish: pending writes take
 * milliseconds, but a background refresh of stale data against a registry that hangs would hold
 * the prompt for its whole timeout and retries (about 25 s). A refresh cut short only costs a
 * request next time.
 */
const settleTimeoutMs = 1500

async function settle(app: Promise<TektonMcp>, io: CliIo, debug: boolean): Promise<void> {
  try {
    const settled = await app
    // Ergon's database, when a command opened it: a PostgreSQL pool would keep the process alive.
    await Promise.all([settled.settle({ timeoutMs: settleTimeoutMs }), settled.close()])
  } catch (error) {
    // The answer is already printed; a cache that failed to persist only costs a request next time.
    if (debug) io.stderr(`debug: cache not saved: ${clean(error instanceof Error ? error.message : String(error))}\n`)
  }
}

