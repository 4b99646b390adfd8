import { defineConfig } from 'tsup'
import { createTsupConfig } from '../../config/tsup.js'

export default defineConfig(createTsupConfig(process.cwd(), {
  // `paths` and `error-catalog` are light entries: the CLI's start-up path reads them without loading the rest.
  entry: { index: 'src/index.ts', paths: 'src/paths.ts', 'error-catalog': 'src/error-catalog.ts', 'testing/index': 'src/testing/index.ts' },
}))
