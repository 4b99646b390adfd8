/**
 * Where Ergon's database is, by Ergon's own rules, so that we write the database a stock Ergon
 * reads: `DATABASE_URL` when set (SQLAlchemy URL forms), else `<TEKTON_ROOT>/Ergon/ergon.db`,
 * the default of Ergon's `Settings.database_url`.
 *
 * SQLAlchemy's SQLite URLs put the path after `sqlite:///`: `sqlite:///ergon.db` is relative to
 * the working directory, `sqlite:////data/ergon.db` (four slashes) is absolute, and `sqlite://`
 * or `sqlite:///:memory:` is an in-memory database. PostgreSQL URLs may name a driver
 * (`postgresql+psycopg2://`), which means nothing to us and is dropped.
 */
import path from 'node:path'
import { TektonError } from '@tekton/mcp-discovery'

/** Which database, resolved. */
export type DatabaseLocation =
  | { readonly dialect: 'sqlite'; /** Absolute file path, or `:memory:`. */ readonly file: string; readonly source: LocationSource }
  | { readonly dialect: 'postgres'; /** A `postgresql://` URL for `pg`. */ readonly url: string; readonly source: LocationSource }

/** What decided the location (shown by `doctor`). */
export type LocationSource = 'DATABASE_URL' | 'TEKTON_ROOT' | 'option'

/**
 * The database Ergon uses in this environment. `DATABASE_URL` is read case-insensitively, as
 * pydantic-settings does. Throws `E_CONFIG` when neither it nor `TEKTON_ROOT` is set, or when the
 * URL is not SQLite or PostgreSQL.
 */
export function ergonDatabaseLocation(env: NodeJS.ProcessEnv, cwd: string): DatabaseLocation {
  const url = readVariable(env, 'DATABASE_URL')
  if (url !== undefined && url.trim() !== '') return parseDatabaseUrl(url.trim(), cwd, 'DATABASE_URL')
  const root = readVariable(env, 'TEKTON_ROOT')
  if (root !== undefined && root.trim() !== '') {
    return { dialect: 'sqlite', file: path.resolve(cwd, root.trim(), 'Ergon', 'ergon.db'), source: 'TEKTON_ROOT' }
  }
  throw new TektonError('E_CONFIG', "Ergon's database location is unknown: neither DATABASE_URL nor TEKTON_ROOT is set", {
    hint: 'Set TEKTON_ROOT to the Tekton checkout (the database is <TEKTON_ROOT>/Ergon/ergon.db) or DATABASE_URL to sqlite:///path.db or postgresql://...',
  })
}

/** A SQLAlchemy database URL, as `DATABASE_URL` holds it. */
export function parseDatabaseUrl(url: string, cwd: string, source: LocationSource = 'option'): DatabaseLocation {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase()
  const engine = scheme?.split('+')[0]
  if (engine === 'sqlite') {
    const rest = url.slice(url.indexOf('://') + 3)
    // `sqlite://` (nothing) and `sqlite:///:memory:` are in-memory; `sqlite:///x` has path `x`.
    const withoutQuery = rest.split('?')[0] ?? ''
    if (withoutQuery === '' || withoutQuery === '/:memory:' || withoutQuery === '/') return { dialect: 'sqlite', file: ':memory:', source }
    if (!withoutQuery.startsWith('/')) {
      throw new TektonError('E_CONFIG', `DATABASE_URL ${redactUrl(url)} names a host; SQLite URLs are sqlite:///relative.db or sqlite:////absolute.db`)
    }
    const filePath = decodeURIComponent(withoutQuery.slice(1))
    return { dialect: 'sqlite', file: path.resolve(cwd, filePath), source }
  }
  if (engine === 'postgresql' || engine === 'postgres') {
    return { dialect: 'postgres', url: `postgresql://${url.slice(url.indexOf('://') + 3)}`, source }
  }
  throw new TektonError('E_CONFIG', `DATABASE_URL ${redactUrl(url)} is not a SQLite or PostgreSQL URL`, {
    hint: 'Use sqlite:///relative.db, sqlite:////absolute.db or postgresql://user:password@host:port/database',
  })
}

/** The location as `doctor` shows it: the file, or the URL without its password. */
export function describeLocation(location: DatabaseLocation): string {
  return location.dialect === 'sqlite' ? `sqlite ${location.file}` : `postgresql ${redactUrl(location.url)}`
}

/** A URL with its password replaced, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:••••@')
}

function readVariable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  if (env[name] !== undefined) return env[name]
  const key = Object.keys(env).find((candidate) => candidate.toUpperCase() === name)
  return key === undefined ? undefined : env[key]
}
