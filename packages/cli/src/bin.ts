#!/usr/bin/env node
import { main } from './index'

process.exitCode = await main(process.argv.slice(2))
// `main` has printed everything and given the cache its bounded time to settle; a background
// refresh still waiting on a registry that does not answer would keep the process alive until
// its own timeout. Exit once the output has been flushed (a pipe may still be draining).
process.stdout.write('', () => process.stderr.write('', () => process.exit()))
