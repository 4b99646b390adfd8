import { formatRef, looksLikeRef, parseRef } from '@tekton/mcp-discovery'
import type { ServerVersion } from '@tekton/mcp-discovery'
import type { Command } from '../command'
import type { VersionsOutput } from '../output/versions'
import { readInteger, readString } from './arguments'

const defaultLimit = 20

/** `versions <ref>`: newest first; stable ones (and any tagged one) unless --all. */
export const versionsCommand: Command<VersionsOutput> = {
  async run(args, context) {
    const input = readString(args.ref) ?? ''
    // A bare name is resolved by the service through search; a ref is checked here, before any I/O.
    const ref = looksLikeRef(input) ? formatRef(parseRef(input), { withVersion: false }) : input.trim()
    const all = args.all === true
    // With --all and no --limit, every version: "all" should mean all.
    const limit = readInteger(args.limit, 'limit', { min: 1, max: 100_000 }) ?? (all ? Number.POSITIVE_INFINITY : defaultLimit)
    const app = await context.app()
    context.progress.update(`listing versions of ${ref}`)
    const { versions, sources } = await app.versions(input, { retryUnreachable: args.refresh === true })
    const shown = (all ? versions : versions.filter(isShownByDefault)).slice(0, limit)
    return { ref, versions: shown, total: versions.length, sources }
  },
}

/** Stable and current, or pointed at by a tag (a `next` prerelease is worth seeing). */
function isShownByDefault(version: ServerVersion): boolean {
  if (version.tags.length > 0) return true
  return !version.prerelease && !version.deprecated && !version.yanked
}
