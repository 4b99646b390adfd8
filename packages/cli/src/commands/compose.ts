import path from 'node:path'
import { writeFileAtomic } from '@tekton/mcp-discovery/kit'
import { TektonError } from '@tekton/mcp-discovery'
import type { Command } from '../command'
import type { ApplyOutput, ExportOutput } from '../output/compose'
import { confirm } from './installing'

/**
 * `apply <file.yml>`: installs and configures what a project's compose file declares. Asks
 * once (the file lists what it installs) unless `--yes`; a second run changes nothing.
 */
export const applyCommand: Command<ApplyOutput> = {
  async run(args, context) {
    const file = typeof args.file === 'string' ? args.file : ''
    if (file === '') throw new TektonError('E_USAGE', 'apply needs a compose file', { hint: 'tekton-mcp apply tekton-mcp.yml' })
    await confirm(`Install and configure the servers ${file} declares?`, args, context, `Applying ${file}`)
    const app = await context.app()
    context.progress.update(`applying ${file}`)
    const result = await app.applyCompose({ file })
    context.progress.stop()
    return result
  },
}

/** `export [-o file]`: the installed servers as a compose file. */
export const exportCommand: Command<ExportOutput> = {
  async run(args, context) {
    const app = await context.app()
    const { document, yaml } = await app.exportCompose()
    const output = typeof args.output === 'string' ? path.resolve(context.io.cwd, args.output) : undefined
    if (output) {
      await writeFileAtomic(output, yaml, { mode: 0o644 })
      return Object.defineProperty({ ...document }, 'written', { value: output, enumerable: false }) as ExportOutput
    }
    // The YAML text rides along unenumerated: --json prints the document, the text output the file.
    return Object.defineProperty({ ...document }, 'text', { value: yaml, enumerable: false }) as ExportOutput
  },
}
