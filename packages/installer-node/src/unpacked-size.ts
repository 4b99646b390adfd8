/**
 * Bounded unpacking. npm checks a tarball's compression ratio, but a tarball well under that
 * ratio can still unpack to gigabytes or to a million files. Every tarball of the tree is read
 * here before npm sees it: gunzipped as a stream and walked header by header (nothing is written,
 * and no more than one chunk is held), adding its files' sizes and count to one budget for the
 * whole tree; over the cap the walk stops at once with `E_TOO_LARGE`.
 */
import { createGunzip } from 'node:zlib'
import { TektonError } from '@tekton/mcp-discovery'
import { label } from './packument'

/** The caps of one install, and what is left of them. */
export interface UnpackBudget {
  maxBytes: number
  maxFiles: number
  bytes: number
  files: number
}

/** Defaults that fit real servers with large trees (a browser driver, native builds) with room to spare. */
export const defaultMaxUnpackedBytes = 2 * 1024 * 1024 * 1024
export const defaultMaxUnpackedFiles = 200_000

export function createUnpackBudget(maxBytes = defaultMaxUnpackedBytes, maxFiles = defaultMaxUnpackedFiles): UnpackBudget {
  return { maxBytes, maxFiles, bytes: 0, files: 0 }
}

const block = 512

/** A tar header's numeric field: octal text, or base-256 when the high bit of the first byte is set. */
function numericField(header: Buffer, offset: number, length: number): number {
  const first = header[offset] as number
  if (first & 0x80) {
    let value = first & 0x7f
    for (let index = 1; index < length; index += 1) value = value * 256 + (header[offset + index] as number)
    return value
  }
  const text = header.toString('ascii', offset, offset + length).replace(/\0.*$/s, '').trim()
  return text === '' ? 0 : Number.parseInt(text, 8)
}

function tooLarge(what: string, budget: UnpackBudget, kind: 'bytes' | 'files'): TektonError {
  const limit = kind === 'bytes' ? `${Math.round(budget.maxBytes / 1024 / 1024)} MiB` : `${budget.maxFiles} files`
  return new TektonError('E_TOO_LARGE', `${label} the dependency tree unpacks to more than ${limit} (reached while reading ${what}); nothing was unpacked`, {
    hint: 'A package this large may be a decompression bomb; if it is a real server with a very large tree, raise the unpacked size and file limits (the maxUnpackedBytes and maxUnpackedFiles options)',
  })
}

/**
 * Adds what `gzipped` would unpack to `budget`, throwing `E_TOO_LARGE` as soon as the tree passes
 * a cap. A tarball that does not gunzip or parse is left to the integrity check and npm.
 */
export function measureTarball(gzipped: Uint8Array, what: string, budget: UnpackBudget): Promise<void> {
  return new Promise((resolve, reject) => {
    const gunzip = createGunzip()
    let pending = Buffer.alloc(0)
    let skip = 0
    let done = false
    const finish = (error?: Error) => {
      if (done) return
      done = true
      gunzip.removeAllListeners('data')
      if (error) {
        gunzip.destroy()
        reject(error)
      } else resolve()
    }
    gunzip.on('data', (chunk: Buffer) => {
      let data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk
      pending = Buffer.alloc(0)
      while (data.length > 0) {
        if (skip > 0) {
          const taken = Math.min(skip, data.length)
          skip -= taken
          data = data.subarray(taken)
          continue
        }
        if (data.length < block) {
          pending = Buffer.from(data)
          return
        }
        const header = data.subarray(0, block)
        data = data.subarray(block)
        if (header.every((byte) => byte === 0)) continue // end-of-archive padding
        const size = numericField(header, 124, 12)
        const type = String.fromCharCode(header[156] as number)
        if (!['x', 'g', 'L', 'K'].includes(type)) budget.files += 1 // pax and long-name records describe the next entry
        budget.bytes += size
        if (budget.bytes > budget.maxBytes) return finish(tooLarge(what, budget, 'bytes'))
        if (budget.files > budget.maxFiles) return finish(tooLarge(what, budget, 'files'))
        skip = Math.ceil(size / block) * block
      }
    })
    gunzip.on('end', () => finish())
    gunzip.on('error', () => finish())
    gunzip.end(gzipped)
  })
}
