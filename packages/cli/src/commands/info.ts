import { looksLikeRef } from '@tekton/mcp-discovery'
import type { SourceStatus } from '@tekton/mcp-discovery'
import type { Command } from '../command'
import type { InfoOutput } from '../output/info'
import { mergeStatuses, readString } from './arguments'

/** `info <ref>`: the server's metadata and its versions, fetched together. */
export const infoCommand: Command<InfoOutput> = {
  async run(args, context) {
    const ref = readString(args.ref) ?? ''
    const { service } = await context.discovery()
    const statuses: SourceStatus[] = []
    const onSourceStatus = (status: SourceStatus) => void statuses.push(status)
    context.progress.update(`looking up ${ref}`)
    // A full ref is fetched in parallel; a bare name is resolved once (by search), then reused.
    // The card shows every source that knows the server (registry, npm, PyPI, GitHub), merged;
    // versions are those of the ref asked for.
    const [server, versions] = looksLikeRef(ref)
      ? await Promise.all([service.getMergedServerMetadata(ref, { onSourceStatus }), service.getServerVersions(ref, { onSourceStatus })])
      : await service.getMergedServerMetadata(ref, { onSourceStatus }).then(async (found) => [found, await service.getServerVersions(found.ref, { onSourceStatus })] as const)
    context.progress.stop()
    return { server, versions, sources: mergeStatuses(statuses) }
  },
}
