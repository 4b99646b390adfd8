/**
 * Repository URLs as people and package managers write them (`git+https://...git`,
 * `git@github.com:owner/repo.git`, `ssh://git@host/...`, `github:owner/repo`, a `/tree/main/x`
 * link), read one way, so that every source reports the same URL for the same repository and
 * the merge can tell two sources' entries are one server.
 */
import { decodeURIComponentSafely } from './uri'

/** Hosts whose repository paths we know: where the repository ends and a folder link begins. */
const shorthandHosts: Record<string, string> = { github: 'github.com', gitlab: 'gitlab.com', bitbucket: 'bitbucket.org' }

/** A repository URL, read. */
export interface RepositoryLocation {
  /** `https://host/owner/repo`: browsable, without `git+`, `.git`, credentials or a trailing slash; case as written. */
  url: string
  /** Lower-case host without `www.`: `github.com`. */
  host: string
  /** The repository's path segments: `['owner', 'repo']` (GitLab groups may nest: `['group', 'sub', 'repo']`). */
  path: string[]
  /** The folder a `/tree/<ref>/<path>` (GitHub, GitLab) or `/src/<ref>/<path>` (Bitbucket) link points into. */
  subfolder?: string
}

/**
 * Reads a repository URL in any form npm, pip and the registries accept: `git+` prefixes,
 * `git://`, `ssh://`, scp-like `git@host:owner/repo`, `github:`/`gitlab:`/`bitbucket:`
 * shorthands, `.git` suffixes, trailing slashes, credentials, and folder links on GitHub,
 * GitLab and Bitbucket (the repository is cut there; the folder becomes `subfolder`).
 * `undefined` when it is not a URL or has no path.
 */
export function parseRepositoryUrl(raw: string): RepositoryLocation | undefined {
  if (typeof raw !== 'string') return undefined
  let value = raw.trim().replace(/^git\+/i, '')
  const shorthand = /^(github|gitlab|bitbucket):([^/\s]+\/[^/\s]+)$/i.exec(value)
  if (shorthand?.[1] && shorthand[2]) value = `https://${shorthandHosts[shorthand[1].toLowerCase()]}/${shorthand[2]}`
  // scp-like `git@github.com:owner/repo.git` (not `host:port/`).
  const scp = /^(?:[\w.-]+@)?([\w.-]+\.[a-z]{2,}):(?!\d+\/)(.+)$/i.exec(value)
  if (scp?.[1] && scp[2] && !value.includes('://')) value = `https://${scp[1]}/${scp[2].replace(/^\/+/, '')}`
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if (!['https:', 'http:', 'git:', 'ssh:'].includes(url.protocol) || !url.hostname) return undefined
  const host = url.hostname.toLowerCase().replace(/^www\./, '')
  const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponentSafely)
  let path: string[]
  let rest: string[]
  if (host === 'gitlab.com') {
    // GitLab separates the (possibly nested) project from its pages with `/-/`.
    const dash = segments.indexOf('-')
    path = dash >= 0 ? segments.slice(0, dash) : segments
    rest = dash >= 0 ? segments.slice(dash + 1) : []
  } else if (host === 'github.com' || host === 'bitbucket.org') {
    path = segments.slice(0, 2)
    rest = segments.slice(2)
  } else {
    path = segments
    rest = []
  }
  const last = path.length - 1
  if (last >= 0) path[last] = (path[last] as string).replace(/\.git$/i, '')
  path = path.filter(Boolean)
  if (path.length === 0) return undefined
  const location: RepositoryLocation = { url: `https://${host}/${path.join('/')}`, host, path }
  const folderLink = rest[0] === 'tree' || rest[0] === 'blob' || rest[0] === 'src'
  if (folderLink && rest.length > 2) location.subfolder = rest.slice(2).join('/')
  return location
}

/**
 * The form two repository URLs are compared in: `parseRepositoryUrl`'s URL in lower case
 * (hosts and GitHub paths are case-insensitive). `undefined` when it is not a repository URL.
 */
export function canonicalRepositoryUrl(raw: string): string | undefined {
  return parseRepositoryUrl(raw)?.url.toLowerCase()
}
