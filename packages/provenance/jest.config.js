import { createJestConfig } from '../../config/jest.preset.js'

export default createJestConfig(import.meta.dirname)
