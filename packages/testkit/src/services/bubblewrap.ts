/**
 * bubblewrap for the sandbox tests: usable only when `bwrap --unshare-all --ro-bind / / true`
 * exits 0 (being installed is not enough: user namespaces may be disabled). When it is not,
 * `bubblewrapService` returns `{ unavailable: reason }` from `serviceUnavailable`, so the caller
 * skips, or fails when TEKTON_MCP_REQUIRE_SERVICES names bubblewrap.
 */
import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import path from 'node:path'
import { serviceUnavailable } from './required'

/** bwrap's absolute path when it works here, else `{ unavailable }`. */
export function bubblewrapService(env: NodeJS.ProcessEnv = process.env): { path: string } | { unavailable: string } {
  if (process.platform !== 'linux') return { unavailable: serviceUnavailable('bubblewrap', `bubblewrap is Linux only (this is ${process.platform})`, env) }
  const found = (env['PATH'] ?? '')
    .split(path.delimiter)
    .filter((directory) => path.isAbsolute(directory))
    .map((directory) => path.join(directory, 'bwrap'))
    .find((candidate) => {
      try {
        accessSync(candidate, constants.X_OK)
        return true
      } catch {
        return false
      }
    })
  if (!found) return { unavailable: serviceUnavailable('bubblewrap', 'bwrap is not on PATH (apt install bubblewrap)', env) }
  const tried = spawnSync(found, ['--unshare-all', '--ro-bind', '/', '/', 'true'], { encoding: 'utf8', timeout: 30_000 })
  if (tried.status !== 0) {
    const said = `${tried.stderr ?? ''}`.trim().split('\n').pop() ?? ''
    return { unavailable: serviceUnavailable('bubblewrap', `bwrap cannot create namespaces here (${said || tried.error?.message || `exit ${String(tried.status)}`})`, env) }
  }
  return { path: found }
}
