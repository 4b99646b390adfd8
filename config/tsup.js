// Shared tsup settings: ESM with declarations, the package version injected for the User-Agent.
import { readFileSync } from 'node:fs'
import path from 'node:path'

/** @param {string} packageDir @param {Record<string, unknown>} overrides */
export function createTsupConfig(packageDir, overrides = {}) {
  const pkg = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8'))
  return {
    entry: ['src/index.ts'],
    format: ['esm'],
    target: 'node20',
    dts: true,
    sourcemap: true,
    clean: true,
    define: { __PACKAGE_VERSION__: JSON.stringify(pkg.version) },
    ...overrides,
  }
}
