import type { Command } from '../command'
import { exitCodes } from '../exit-codes'
import type { DoctorOutput } from '../output/doctor'

/**
 * `doctor`: the runtimes on the PATH, whether the data, cache and config directories can be
 * written, and whether each configured source answers. Exit 1 when node, npm or the data
 * directory is missing; the rest are warnings.
 */
export const doctorCommand: Command<DoctorOutput> = {
  async run(_args, context) {
    const app = await context.app()
    context.progress.update('checking runtimes, directories and registries')
    return app.doctor()
  },
  exitCode: (output) => (output.ok ? exitCodes.ok : exitCodes.failure),
}
