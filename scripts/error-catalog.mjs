#!/usr/bin/env node
// Writes docs/mcp/errors.md from the error catalogue (packages/discovery/src/error-catalog.ts),
// so the page can never list a code, an exit code or a status the packages do not use.
// Run after a build: `node scripts/error-catalog.mjs` (or `pnpm errors-doc`); with `--check` it
// only fails when the page is out of date, as discovery's tests also do.
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import path from 'node:path'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
export const errorsDocPath = path.join(root, 'docs', 'mcp', 'errors.md')

const exitMeanings = { 1: 'failure', 2: 'usage', 3: 'not found', 130: 'interrupted' }

/**
 * The page for a catalogue: one table row per code, in the catalogue's order.
 * @param {Record<string, { meaning: string, exitCode: number, httpStatus: number }>} catalog
 * @returns {string}
 */
export function renderErrorsDoc(catalog) {
  const rows = Object.entries(catalog).map(
    ([code, entry]) => `| \`${code}\` | ${entry.meaning.replaceAll('|', '\\|')} | ${entry.exitCode} (${exitMeanings[entry.exitCode] ?? 'other'}) | ${entry.httpStatus} |`,
  )
  return `<!-- Generated from packages/discovery/src/error-catalog.ts by \`node scripts/error-catalog.mjs\`; edit the catalogue, not this page. -->

# Error codes

Every error the \`@tekton/mcp-*\` packages throw is a \`TektonError\` with a stable \`code\`, a
\`message\` saying who, what and where, and usually a \`hint\` saying what to do. A program
switches on the code; codes never change meaning, and new ones are only added. The list is
exported as \`errorCatalog\` from \`@tekton/mcp-discovery\` (and its light
\`@tekton/mcp-discovery/error-catalog\` entry), with \`ErrorCode\`, \`isErrorCode\` and
\`describeErrorCode\`.

- **CLI exit code**: what \`tekton-mcp\` exits with when a command fails with the code: 1 failure,
  2 usage (fix what was typed), 3 not found. Ctrl-C during an install or update stops it and
  exits 130 (\`E_ABORTED\`); a second Ctrl-C quits at once, also with 130. Answering no to a
  confirmation exits 1 with \`E_CANCELLED\`; when no terminal can be asked and \`--yes\` was not
  given, the command exits 2 with \`E_CONFIRMATION_REQUIRED\`. Commands whose printed result says
  something is wrong (\`verify\`, \`doctor\`, \`update --all\`) exit 1 after printing it.
- **HTTP status**: what an HTTP front end answers with: 400 bad input, 404 not found, 409 a
  conflict with what is installed, 422 a server this host cannot install, 429 a registry rate
  limit, 499 stopped by the caller, 500 a local fault or configuration, 501 a source that cannot
  do it, 502/503/504 a registry or server that failed, is not ready yet, or did not answer in time.
- **Hints** say what to do in words any front end can show; the CLI adds the command to run
  where there is one (for example \`tekton-mcp update <name> --to <version>\` after
  \`E_ALREADY_INSTALLED\`).

| Code | Meaning | CLI exit code | HTTP status |
| --- | --- | --- | --- |
${rows.join('\n')}
`
}

async function main() {
  const check = process.argv.includes('--check')
  const built = path.join(root, 'packages', 'discovery', 'dist', 'error-catalog.js')
  const { errorCatalog } = await import(pathToFileURL(built).href).catch((error) => {
    throw new Error(`${built} is missing: build @tekton/mcp-discovery first (${error.message})`)
  })
  const wanted = renderErrorsDoc(errorCatalog)
  const current = await readFile(errorsDocPath, 'utf8').catch(() => '')
  if (current === wanted) return
  if (check) {
    process.stderr.write(`${path.relative(root, errorsDocPath)} is out of date: run node scripts/error-catalog.mjs\n`)
    process.exitCode = 1
    return
  }
  await writeFile(errorsDocPath, wanted)
  process.stdout.write(`wrote ${path.relative(root, errorsDocPath)}\n`)
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) await main()
