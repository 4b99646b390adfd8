// The catalogue is the one list of codes: every code a package throws must be in it (with an exit
// code and an HTTP status a front end can use), and docs/mcp/errors.md must be what it renders.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from '@jest/globals'
import { describeErrorCode, errorCatalog, errorCodes, isErrorCode } from '../src/index'

const root = path.resolve(import.meta.dirname, '..', '..', '..')
const packagesDirectory = path.join(root, 'packages')

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const file = path.join(directory, entry)
    if (statSync(file).isDirectory()) return sourceFiles(file)
    return /\.(ts|mts|js|mjs)$/.test(entry) ? [file] : []
  })
}

/** Every quoted `E_...` string in packages/<name>/src, with the files it appears in. */
function codesInSources(): Map<string, string[]> {
  const found = new Map<string, string[]>()
  for (const name of readdirSync(packagesDirectory)) {
    const sources = path.join(packagesDirectory, name, 'src')
    if (!statSync(sources, { throwIfNoEntry: false })?.isDirectory()) continue
    for (const file of sourceFiles(sources)) {
      if (file.endsWith(path.join('discovery', 'src', 'error-catalog.ts'))) continue
      for (const match of readFileSync(file, 'utf8').matchAll(/['"`](E_[A-Z][A-Z0-9_]*)['"`]/g)) {
        const code = match[1] as string
        found.set(code, [...(found.get(code) ?? []), path.relative(root, file)])
      }
    }
  }
  return found
}

describe('errorCatalog', () => {
  const used = codesInSources()

  it('declares every code thrown in packages/*/src', () => {
    const undeclared = [...used].filter(([code]) => !isErrorCode(code)).map(([code, files]) => `${code} (${[...new Set(files)].join(', ')})`)
    expect(undeclared).toEqual([])
    // The scan really reads the packages: codes from discovery, installation and the CLI.
    expect([...used.keys()]).toEqual(expect.arrayContaining(['E_INVALID_REF', 'E_ALREADY_INSTALLED', 'E_CANCELLED', 'E_INTEGRITY_MISMATCH']))
  })

  it('holds no code that nothing throws', () => {
    expect(errorCodes.filter((code) => !used.has(code))).toEqual([])
  })

  it('gives every code one sentence of meaning, an exit code and a status that agree', () => {
    for (const code of errorCodes) {
      const entry = errorCatalog[code]
      expect(entry.meaning).toMatch(/^[A-Z`'a-z].*[.]$/)
      // "Not found" is the same answer to a script and to an HTTP client.
      expect(entry.exitCode === 3).toBe(entry.httpStatus === 404)
      // Input the user can fix by asking differently is exit 2 and 400 alike.
      if (entry.exitCode === 2) expect(entry.httpStatus).toBe(400)
    }
    expect(errorCatalog.E_ABORTED.exitCode).toBe(130)
    expect(errorCatalog.E_CANCELLED.exitCode).toBe(1)
    expect(errorCatalog.E_ALREADY_INSTALLED.httpStatus).toBe(409)
    expect(errorCatalog.E_RATE_LIMITED.httpStatus).toBe(429)
  })

  it('describes an unknown code as an internal error, which exits 1', () => {
    expect(isErrorCode('E_NO_SUCH_CODE')).toBe(false)
    expect(isErrorCode('toString')).toBe(false)
    expect(describeErrorCode('E_NO_SUCH_CODE')).toBe(errorCatalog.E_INTERNAL)
    expect(describeErrorCode('E_NOT_INSTALLED')).toEqual({ meaning: expect.any(String), exitCode: 3, httpStatus: 404 })
  })
})

describe('docs/mcp/errors.md', () => {
  it('is what scripts/error-catalog.mjs renders from the catalogue (run it after a change)', async () => {
    const script = pathToFileURL(path.join(root, 'scripts', 'error-catalog.mjs')).href
    const { renderErrorsDoc, errorsDocPath } = (await import(script)) as { renderErrorsDoc: (catalog: typeof errorCatalog) => string; errorsDocPath: string }
    const page = readFileSync(errorsDocPath, 'utf8')
    expect(page).toBe(renderErrorsDoc(errorCatalog))
    for (const code of errorCodes) expect(page).toContain(`| \`${code}\` |`)
  })
})
