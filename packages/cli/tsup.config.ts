import { defineConfig } from 'tsup'
import { createTsupConfig } from '../../config/tsup.js'

// The bin is its own tiny entry; commands are separate chunks loaded only when run.
export default defineConfig(createTsupConfig(process.cwd(), {
  entry: ['src/index.ts', 'src/bin.ts'],
  splitting: true,
  // What the cache-hit path imports from packages is bundled: resolving a package through its
  // package.json and the store's symlinks costs more than the code. The error catalogue, which
  // gives every failure its exit code, is bundled for the same reason. The discovery and registry
  // packages' main entries stay external: they are loaded only on a miss. The verification view
  // (one line per check in plans and cards) is bundled too: the renderers are on the start-up path.
  noExternal: ['picocolors', '@tekton/mcp-discovery/paths', '@tekton/mcp-discovery/error-catalog', '@tekton/mcp-installation/verification-view'],
}))
