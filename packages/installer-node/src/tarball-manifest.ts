/**
 * The server's own package.json, read from its verified tarball. npm installs the top-level
 * package from that tarball and takes its dependencies from the package.json inside it, not from
 * the registry's copy, so the in-process resolver does the same; and a shrinkwrap in the tarball
 * pins the package's tree, as it does for `npm install <package>`.
 */
import { gunzipSync } from 'node:zlib'

/** What the resolver needs from the tarball. */
export interface TarballManifest {
  /** The parsed `package/package.json`, when there is one that parses as an object. */
  manifest?: Record<string, unknown>
  /** The text of the `npm-shrinkwrap.json` at the tarball's top, when it has one. */
  shrinkwrap?: string
}

const block = 512

function octal(header: Buffer, offset: number, length: number): number {
  const text = header.toString('ascii', offset, offset + length).replace(/\0.*$/s, '').trim()
  return text === '' ? 0 : Number.parseInt(text, 8)
}

function text(header: Buffer, offset: number, length: number): string {
  return header.toString('utf8', offset, offset + length).replace(/\0.*$/s, '')
}

/** `package/lib/x.js` → `lib/x.js`: npm strips the first path component, whatever it is named. */
function inPackage(entryPath: string): string {
  const slash = entryPath.replace(/^\.\//, '').indexOf('/')
  return slash < 0 ? '' : entryPath.replace(/^\.\//, '').slice(slash + 1)
}

/**
 * Reads `package.json` and `npm-shrinkwrap.json` from a gzipped npm tarball (ustar names
 * with their prefix, pax `path` records and GNU long names). An unreadable tarball gives no
 * manifest; the caller then lets npm read it.
 */
export function readTarballManifest(gzipped: Uint8Array): TarballManifest {
  let data: Buffer
  try {
    data = gunzipSync(gzipped)
  } catch {
    return {}
  }
  const found: TarballManifest = {}
  let nextPath: string | undefined
  for (let offset = 0; offset + block <= data.length; ) {
    const header = data.subarray(offset, offset + block)
    offset += block
    if (header.every((byte) => byte === 0)) continue
    const size = octal(header, 124, 12)
    const type = String.fromCharCode(header[156] as number)
    const body = data.subarray(offset, offset + size)
    offset += Math.ceil(size / block) * block
    if (type === 'x') {
      const record = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))
      if (record) nextPath = record[1]
      continue
    }
    if (type === 'L') {
      nextPath = body.toString('utf8').replace(/\0.*$/s, '')
      continue
    }
    if (type === 'g' || type === 'K') continue
    const prefix = text(header, 345, 155)
    const name = nextPath ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100))
    nextPath = undefined
    if (type !== '0' && type !== '\0') continue
    const file = inPackage(name)
    if (file === 'npm-shrinkwrap.json') found.shrinkwrap = body.toString('utf8')
    if (file === 'package.json') {
      try {
        const parsed: unknown = JSON.parse(body.toString('utf8'))
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) found.manifest = parsed as Record<string, unknown>
      } catch {
        // Left to npm, which reports a broken package.json its own way.
      }
    }
  }
  return found
}
