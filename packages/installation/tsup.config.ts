import { defineConfig } from 'tsup'
import { createTsupConfig } from '../../config/tsup.js'

export default defineConfig(createTsupConfig(process.cwd(), { entry: { index: 'src/index.ts', launcher: 'src/launcher.ts', 'testing/index': 'src/testing/index.ts', 'verification-view': 'src/verification-view.ts' } }))
