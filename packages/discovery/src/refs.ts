/**
 * Server references: `<source>:<id>[@version]`, the one way every package and the CLI name a server.
 *
 *   npm:@modelcontextprotocol/server-filesystem   pypi:mcp-server-fetch@1.2.0
 *   github:owner/repo                             registry:io.github.owner/name
 *   docker:mcp/fetch:latest
 *
 * `parseRef` is strict (user input): anything that is not a valid name in its ecosystem is an
 * `E_INVALID_REF` error with a hint, so nothing downstream ever builds a URL or a path from it.
 */
import { TektonError } from './errors'

export const refKinds = ['npm', 'pypi', 'github', 'registry', 'docker'] as const
export type RefKind = (typeof refKinds)[number]

export interface ServerRef {
  /** Which ecosystem the id belongs to. */
  kind: RefKind
  /** The id, normalised the way its ecosystem compares names. */
  id: string
  /** A version, range or tag requested with `@` (for docker: `:tag` or `@sha256:` stay in the id). */
  version?: string
}

/** Longest ref accepted, in characters: npm allows 214 for a name, plus prefix and version. */
export const maxRefLength = 300

// Case is kept: npm refuses upper case in new names, but old packages (JSONStream) have it and
// the registry looks names up exactly.
const npmNamePattern = /^(?:@([a-z0-9][a-z0-9._~-]*)\/)?([a-z0-9][a-z0-9._~-]*)$/i
const pypiNamePattern = /^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/i
const githubOwnerPattern = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,38}$/i
const githubRepoPattern = /^[a-z0-9._-]{1,100}$/i
const registryNamePattern = /^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/
const dockerPathComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
// A first component is a registry host only when it has a dot or a port, or is localhost (as docker reads it).
const dockerDomain = '(?:(?:localhost|[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)+)(?::[0-9]+)?/|[a-zA-Z0-9-]+:[0-9]+/)'
const dockerImagePattern = new RegExp(
  `^(?:${dockerDomain})?${dockerPathComponent}(?:/${dockerPathComponent})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`,
)
const versionPattern = /^[A-Za-z0-9.+~^<>=*|, -]{1,100}$/
/**
 * Control and invisible characters (C0/C1 controls, zero-width characters, bidirectional
 * overrides and isolates, the byte-order mark): they can make text print as something it is not,
 * so refs and search text refuse them. Shared so both refuse exactly the same set.
 */
// eslint-disable-next-line no-control-regex
export const controlCharacterPattern = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/

function invalid(input: string, reason: string, hint: string): TektonError {
  const shown = JSON.stringify(input.length > 80 ? `${input.slice(0, 80)}…` : input)
  return new TektonError('E_INVALID_REF', `Invalid server reference ${shown}: ${reason}`, { hint })
}

const refHint = 'Use <source>:<name>, e.g. npm:@modelcontextprotocol/server-filesystem, pypi:mcp-server-fetch, github:owner/repo, registry:io.github.owner/name or docker:mcp/fetch'

/** PEP 503 normalisation: lower-case, runs of `-`, `_` and `.` become one `-`. */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-')
}

/** Splits a trailing `@version` off an id, leaving a leading `@scope` alone. */
function splitVersion(body: string): { id: string; version?: string } {
  const at = body.lastIndexOf('@')
  if (at <= 0) return { id: body }
  return { id: body.slice(0, at), version: body.slice(at + 1) }
}

function checkVersion(input: string, version: string | undefined): string | undefined {
  if (version === undefined) return undefined
  const trimmed = version.trim()
  if (!trimmed || !versionPattern.test(trimmed)) {
    throw invalid(input, `"${version}" is not a version, range or tag`, 'Write a version such as 1.2.3, a range such as ^1.2 or a tag such as latest after the last @')
  }
  return trimmed
}

/** Parses a ref from user input; throws `E_INVALID_REF` with a hint when it is not one. */
export function parseRef(input: string): ServerRef {
  if (typeof input !== 'string' || input.trim() === '') {
    throw invalid(String(input ?? ''), 'it is empty', refHint)
  }
  if (input.length > maxRefLength) {
    throw invalid(input, `it is longer than ${maxRefLength} characters`, refHint)
  }
  if (controlCharacterPattern.test(input)) {
    throw invalid(input, 'it contains control or invisible characters', 'Type the reference again without pasted formatting')
  }
  const raw = input.trim()
  const colon = raw.indexOf(':')
  if (colon <= 0) {
    throw invalid(input, 'it has no source prefix', refHint)
  }
  const kind = raw.slice(0, colon).toLowerCase()
  const body = raw.slice(colon + 1)
  if (!(refKinds as readonly string[]).includes(kind)) {
    throw invalid(input, `"${kind}" is not a known source`, `Known sources: ${refKinds.join(', ')}`)
  }
  switch (kind as RefKind) {
    case 'npm': {
      const { id, version } = splitVersion(body)
      const name = id
      if (name.length > 214 || !npmNamePattern.test(name)) {
        throw invalid(input, `"${id}" is not a valid npm package name`, 'npm names look like name or @scope/name: lower-case letters, digits, - . _ ~, not starting with . or _')
      }
      return withVersion({ kind: 'npm', id: name }, checkVersion(input, version))
    }
    case 'pypi': {
      const { id, version } = splitVersion(body)
      if (id.length > 200 || !pypiNamePattern.test(id)) {
        throw invalid(input, `"${id}" is not a valid PyPI project name`, 'PyPI names are letters, digits, - _ . and start and end with a letter or digit')
      }
      return withVersion({ kind: 'pypi', id: normalizePypiName(id) }, checkVersion(input, version))
    }
    case 'github': {
      const { id, version } = splitVersion(body.replace(/\.git$/, ''))
      const parts = id.split('/')
      const [owner, repo] = parts
      if (parts.length !== 2 || !owner || !repo || !githubOwnerPattern.test(owner) || !githubRepoPattern.test(repo) || repo === '.' || repo === '..') {
        throw invalid(input, `"${id}" is not owner/repo`, 'GitHub refs are github:owner/repo, e.g. github:modelcontextprotocol/servers')
      }
      return withVersion({ kind: 'github', id: `${owner}/${repo}`.toLowerCase() }, checkVersion(input, version))
    }
    case 'registry': {
      const { id, version } = splitVersion(body)
      if (id.length < 3 || id.length > 200 || !registryNamePattern.test(id)) {
        throw invalid(input, `"${id}" is not an MCP Registry server name`, 'Registry names are reverse-DNS namespace/name, e.g. registry:io.github.owner/weather')
      }
      return withVersion({ kind: 'registry', id }, checkVersion(input, version))
    }
    case 'docker': {
      const id = body
      if (id.length > 255 || !dockerImagePattern.test(id)) {
        throw invalid(input, `"${id}" is not a valid image reference`, 'Image refs look like docker:mcp/fetch, docker:ghcr.io/owner/image:1.0 or docker:image@sha256:<64 hex>')
      }
      return { kind: 'docker', id }
    }
  }
}

function withVersion(ref: ServerRef, version: string | undefined): ServerRef {
  return version === undefined ? ref : { ...ref, version }
}

/** Prints a ref in its canonical form; `formatRef(parseRef(x))` is stable. */
export function formatRef(ref: ServerRef, options: { withVersion?: boolean } = {}): string {
  const base = `${ref.kind}:${ref.id}`
  return options.withVersion !== false && ref.version ? `${base}@${ref.version}` : base
}

/** True when the input looks like a ref (has a known `source:` prefix), valid or not. */
export function looksLikeRef(input: string): boolean {
  const colon = input.indexOf(':')
  return colon > 0 && (refKinds as readonly string[]).includes(input.slice(0, colon).toLowerCase())
}

/** Parses a ref, returning `undefined` instead of throwing: for lenient use on registry data. */
export function tryParseRef(input: string): ServerRef | undefined {
  try {
    return parseRef(input)
  } catch {
    return undefined
  }
}
