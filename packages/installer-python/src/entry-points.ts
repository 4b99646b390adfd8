/**
 * What to launch: a console script from the distribution's `entry_points.txt`, run by the venv's
 * own python (`<venv>/bin/python <venv>/bin/<script>`) so the script's `#!` line, which names the
 * staging path, never matters once the directory is moved into place. The plan reads the same
 * file from the wheel itself (a zip), verified against the index's digest first.
 */
import { inflateRawSync } from 'node:zlib'
import { TektonError } from '@tekton/mcp-discovery'
import { label, normalizeProjectName } from './simple-project'

/** `[section]` → name → value, as `entry_points.txt` (an ini file) holds them. */
export function parseEntryPoints(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {}
  let current: Record<string, string> | undefined
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[([^\]]+)\]$/.exec(line)
    if (header?.[1]) {
      current = sections[header[1].trim()] ??= {}
      continue
    }
    const equals = line.indexOf('=')
    if (current && equals > 0) current[line.slice(0, equals).trim()] = line.slice(equals + 1).trim()
  }
  return sections
}

/** The console script chosen to start the server, or `python -m <module>`. */
export type ServerEntry = { kind: 'script'; name: string } | { kind: 'module'; module: string }

/**
 * The server's entry: the console script named like the project (`mcp-server-fetch`, or with `_`),
 * else the only console script; a distribution without any but with a top-level `__main__`
 * module the caller found is started with `python -m`. Several scripts without a match, or none
 * at all, is `E_NO_BIN`.
 */
export function chooseEntry(project: string, version: string, entryPoints: Record<string, Record<string, string>>, mainModule?: string): ServerEntry {
  const scripts = Object.keys(entryPoints.console_scripts ?? {})
  const normalized = normalizeProjectName(project)
  const own = scripts.find((script) => normalizeProjectName(script) === normalized)
  if (own !== undefined) return { kind: 'script', name: own }
  if (scripts.length === 1) return { kind: 'script', name: scripts[0] as string }
  if (scripts.length === 0 && mainModule !== undefined) return { kind: 'module', module: mainModule }
  if (scripts.length === 0) {
    throw new TektonError('E_NO_BIN', `${label} ${project} ${version} declares no console script, so there is nothing to launch`, {
      hint: 'A Python MCP server declares a console script ([project.scripts] in pyproject.toml); this package may be a library rather than a server',
    })
  }
  throw new TektonError('E_NO_BIN', `${label} ${project} ${version} has several console scripts (${scripts.join(', ')}) and none is named ${project}`, {
    hint: 'The installer cannot tell which one is the server; ask the publisher to name the server script after the package',
  })
}

/** A script name that is a plain file name (no path, no traversal): it becomes `<venv>/bin/<name>`. */
export function checkScriptName(name: string, what: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new TektonError('E_NO_BIN', `${label} ${what}'s console script ${JSON.stringify(name)} is not a plain name`, { hint: 'The package is malformed; do not install it' })
  }
  return name
}

/**
 * Reads one file out of a zip archive (a wheel) held in memory: the central directory, then the
 * entry's local header and data, stored or deflated. `match` picks the entry by name. Undefined
 * when no entry matches or the archive is one this reader does not handle (zip64).
 */
export function readZipEntry(archive: Uint8Array, match: (name: string) => boolean): { name: string; data: Buffer } | undefined {
  const bytes = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength)
  const minimum = 22
  let end = -1
  for (let offset = bytes.length - minimum; offset >= Math.max(0, bytes.length - minimum - 0xffff); offset--) {
    if (bytes.readUInt32LE(offset) === 0x06054b50) {
      end = offset
      break
    }
  }
  if (end < 0) return undefined
  const count = bytes.readUInt16LE(end + 10)
  let offset = bytes.readUInt32LE(end + 16)
  if (offset === 0xffffffff) return undefined
  for (let index = 0; index < count && offset + 46 <= bytes.length; index++) {
    if (bytes.readUInt32LE(offset) !== 0x02014b50) return undefined
    const method = bytes.readUInt16LE(offset + 10)
    const compressedSize = bytes.readUInt32LE(offset + 20)
    const nameLength = bytes.readUInt16LE(offset + 28)
    const extraLength = bytes.readUInt16LE(offset + 30)
    const commentLength = bytes.readUInt16LE(offset + 32)
    const localOffset = bytes.readUInt32LE(offset + 42)
    const name = bytes.toString('utf8', offset + 46, offset + 46 + nameLength)
    offset += 46 + nameLength + extraLength + commentLength
    if (!match(name)) continue
    if (localOffset + 30 > bytes.length || bytes.readUInt32LE(localOffset) !== 0x04034b50) return undefined
    const dataStart = localOffset + 30 + bytes.readUInt16LE(localOffset + 26) + bytes.readUInt16LE(localOffset + 28)
    const raw = bytes.subarray(dataStart, dataStart + compressedSize)
    if (method === 0) return { name, data: Buffer.from(raw) }
    if (method === 8) return { name, data: inflateRawSync(raw) }
    return undefined
  }
  return undefined
}

/** The `entry_points.txt` of a wheel's `.dist-info`, parsed; empty when the wheel has none. */
export function wheelEntryPoints(wheel: Uint8Array): Record<string, Record<string, string>> {
  const entry = readZipEntry(wheel, (name) => /^[^/]+\.dist-info\/entry_points\.txt$/.test(name))
  return entry ? parseEntryPoints(entry.data.toString('utf8')) : {}
}
