import { defineConfig } from 'tsup'
import { createTsupConfig } from '../../config/tsup.js'

export default defineConfig(createTsupConfig(process.cwd(), {
  // `paths` and `error-catalog` are light entries: the CLI's start-up path reads them without loading the rest.
  // `kit` holds the helpers sources and installers share (credentials, URLs, versions, files).
  entry: { index: 'src/index.ts', paths: 'src/paths.ts', 'error-catalog': 'src/error-catalog.ts', 'kit/index': 'src/kit/index.ts', 'testing/index': 'src/testing/index.ts' },
}))
