import { defineConfig } from 'tsup'
import { createTsupConfig } from '../../config/tsup.js'

export default defineConfig(createTsupConfig(process.cwd(), {
  // `paths` is its own light entry: the CLI's cache-hit path reads it without loading the rest.
  // `kit` holds the helpers sources and installers share (credentials, URLs, versions, files).
  entry: { index: 'src/index.ts', paths: 'src/paths.ts', 'kit/index': 'src/kit/index.ts', 'testing/index': 'src/testing/index.ts' },
}))
