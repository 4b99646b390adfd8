import { defineConfig } from 'tsup'
import { createTsupConfig } from '../../config/tsup.js'

// The bin is its own tiny entry; commands are separate chunks loaded only when run.
export default defineConfig(createTsupConfig(process.cwd(), {
  entry: ['src/index.ts', 'src/bin.ts'],
  splitting: true,
}))
