import { defineConfig } from 'tsup'
import { createTsupConfig } from '../../config/tsup.js'

export default defineConfig(createTsupConfig(process.cwd()))
