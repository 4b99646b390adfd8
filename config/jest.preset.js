// Shared jest preset: TypeScript through SWC, native ESM (so ESM-only dependencies load),
// workspace packages resolved to their sources, and an 80% coverage floor per package.
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))

/** @param {string} packageDir absolute path of the package running jest */
export function createJestConfig(packageDir, overrides = {}) {
  return {
    rootDir: packageDir,
    testEnvironment: 'node',
    extensionsToTreatAsEsm: ['.ts'],
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          // keepImportAttributes: JSON imports keep their `with { type: 'json' }` (Node and jest require it).
          jsc: { parser: { syntax: 'typescript' }, target: 'es2022', experimental: { keepImportAttributes: true } },
          module: { type: 'es6' },
          sourceMaps: 'inline',
        },
      ],
    },
    moduleNameMapper: {
      '^@tekton/mcp-discovery/testing$': `${root}/packages/discovery/src/testing/index.ts`,
      '^@tekton/mcp-installation/testing$': `${root}/packages/installation/src/testing/index.ts`,
      '^@tekton/mcp-clients/testing$': `${root}/packages/clients/src/testing/index.ts`,
      '^@tekton/mcp-discovery/paths$': `${root}/packages/discovery/src/paths.ts`,
      '^@tekton/mcp-discovery/error-catalog$': `${root}/packages/discovery/src/error-catalog.ts`,
      '^@tekton/mcp-discovery$': `${root}/packages/discovery/src/index.ts`,
      // The one package whose directory is not its name's tail.
      '^@tekton/mcp-ergon$': `${root}/packages/ergon-integration/src/index.ts`,
      // Every other workspace package: @tekton/mcp-<dir> lives in packages/<dir>.
      '^@tekton/mcp-([a-z-]+)$': `${root}/packages/$1/src/index.ts`,
    },
    globals: { __PACKAGE_VERSION__: '0.0.0-test' },
    testMatch: ['<rootDir>/test/**/*.test.ts'],
    // Type-only files have no code to cover.
    collectCoverageFrom: ['<rootDir>/src/**/*.ts', '!<rootDir>/src/**/*.d.ts', '!<rootDir>/src/**/types.ts'],
    coverageProvider: 'v8',
    coverageReporters: ['text-summary', 'json-summary'],
    coverageThreshold: { global: { lines: 80, statements: 80, functions: 80, branches: 75 } },
    // Many tests start real processes (servers, npm, handshakes) or loopback servers; on a loaded
    // 2-core machine one can take far longer than usual. A test asserts the outcome, not the speed,
    // so the per-test limit only has to catch a hang.
    testTimeout: 180_000,
    ...overrides,
  }
}
