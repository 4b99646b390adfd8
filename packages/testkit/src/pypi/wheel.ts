/**
 * Wheels built in the test, offline: a wheel is a zip with the package's files and a
 * `.dist-info` (METADATA, WHEEL, entry_points.txt, RECORD with each file's digest), which is all
 * pip needs to install one. Stored entries (no compression) keep the writer tiny and the bytes
 * deterministic, so a digest computed once stays right.
 */
import { createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { buildPypiProject, normalizeProjectName } from './project'
import type { FakePypiProject, PypiProjectSpec, PypiVersionSpec } from './project'

/** Writes a zip archive of `files` (path → bytes), entries stored, in the given order. */
export function buildZip(files: ReadonlyArray<[string, Uint8Array]>): Uint8Array {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const [name, data] of files) {
    const nameBytes = Buffer.from(name, 'utf8')
    const checksum = crc32(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0x0800, 6) // names are UTF-8
    local.writeUInt16LE(0, 8)
    local.writeUInt16LE(0, 10)
    local.writeUInt16LE(0x21, 12) // 1980-01-01
    local.writeUInt32LE(checksum, 14)
    local.writeUInt32LE(data.byteLength, 18)
    local.writeUInt32LE(data.byteLength, 22)
    local.writeUInt16LE(nameBytes.length, 26)
    local.writeUInt16LE(0, 28)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(0x0314, 4) // made by unix, zip 2.0
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(0x0800, 8)
    central.writeUInt16LE(0, 10)
    central.writeUInt16LE(0, 12)
    central.writeUInt16LE(0x21, 14)
    central.writeUInt32LE(checksum, 16)
    central.writeUInt32LE(data.byteLength, 20)
    central.writeUInt32LE(data.byteLength, 24)
    central.writeUInt16LE(nameBytes.length, 28)
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38)
    central.writeUInt32LE(offset, 42)
    locals.push(local, nameBytes, Buffer.from(data))
    centrals.push(central, nameBytes)
    offset += local.length + nameBytes.length + data.byteLength
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(files.length, 8)
  end.writeUInt16LE(files.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return new Uint8Array(Buffer.concat([...locals, directory, end]))
}

export interface WheelSpec {
  /** The project name (`tekton-fixture-server`). */
  name: string
  version: string
  /** Files of the package, by path inside the wheel (`tekton_fixture_server/__init__.py`). */
  files: Record<string, string>
  /** `Requires-Dist` lines, e.g. `tekton-fixture-helper>=1`. */
  requiresDist?: string[]
  /** `Requires-Python`. */
  requiresPython?: string
  /** `console_scripts`: script name → `module:function`. */
  consoleScripts?: Record<string, string>
  summary?: string
}

/** The wheel's file name: `<name_with_underscores>-<version>-py3-none-any.whl`. */
export function wheelFileName(name: string, version: string): string {
  return `${normalizeProjectName(name).replace(/-/g, '_')}-${version}-py3-none-any.whl`
}

function recordDigest(data: Uint8Array): string {
  return `sha256=${createHash('sha256').update(data).digest('base64url')}`
}

/** Builds a pure-Python wheel (`py3-none-any`). */
export function buildWheel(spec: WheelSpec): { filename: string; bytes: Uint8Array } {
  const stem = normalizeProjectName(spec.name).replace(/-/g, '_')
  const distInfo = `${stem}-${spec.version}.dist-info`
  const metadata = [
    'Metadata-Version: 2.1',
    `Name: ${spec.name}`,
    `Version: ${spec.version}`,
    `Summary: ${spec.summary ?? `${spec.name}, a test fixture`}`,
    ...(spec.requiresPython ? [`Requires-Python: ${spec.requiresPython}`] : []),
    ...(spec.requiresDist ?? []).map((requirement) => `Requires-Dist: ${requirement}`),
    '',
    '',
  ].join('\n')
  const wheel = 'Wheel-Version: 1.0\nGenerator: tekton-testkit\nRoot-Is-Purelib: true\nTag: py3-none-any\n\n'
  const entries: Array<[string, Uint8Array]> = Object.entries(spec.files).map(([file, text]) => [file, Buffer.from(text, 'utf8')])
  entries.push([`${distInfo}/METADATA`, Buffer.from(metadata)], [`${distInfo}/WHEEL`, Buffer.from(wheel)])
  if (spec.consoleScripts && Object.keys(spec.consoleScripts).length > 0) {
    const lines = Object.entries(spec.consoleScripts).map(([script, target]) => `${script} = ${target}`)
    entries.push([`${distInfo}/entry_points.txt`, Buffer.from(`[console_scripts]\n${lines.join('\n')}\n`)])
  }
  const record = [...entries.map(([file, data]) => `${file},${recordDigest(data)},${data.byteLength}`), `${distInfo}/RECORD,,`, ''].join('\n')
  entries.push([`${distInfo}/RECORD`, Buffer.from(record)])
  return { filename: wheelFileName(spec.name, spec.version), bytes: buildZip(entries) }
}

/** A version of a project served with real wheels. */
export interface WheelVersionSpec extends Omit<WheelSpec, 'name' | 'version'> {
  version: string
  /** Yank it (a string is the reason). */
  yanked?: boolean | string
}

/** A fake PyPI project whose every version is a real wheel (and no sdist); `project` adds to its JSON API document. */
export function buildWheelProject(name: string, versions: readonly WheelVersionSpec[], project: Partial<Omit<PypiProjectSpec, 'name' | 'versions' | 'fileContents'>> = {}): FakePypiProject {
  const fileContents: Record<string, Uint8Array> = {}
  const specs: PypiVersionSpec[] = []
  for (const version of versions) {
    const { yanked, ...wheelSpec } = version
    const wheel = buildWheel({ name, ...wheelSpec })
    fileContents[wheel.filename] = wheel.bytes
    specs.push({
      version: version.version,
      files: ['bdist_wheel'],
      requiresPython: version.requiresPython ?? null,
      requiresDist: version.requiresDist ?? null,
      ...(yanked !== undefined ? { yanked } : {}),
    })
  }
  return buildPypiProject({ ...project, name, versions: specs, fileContents })
}
