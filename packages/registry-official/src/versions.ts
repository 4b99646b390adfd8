/**
 * Whether a registry version is a prerelease. The registry recommends semver but accepts any
 * string; ordering is the discovery kit's (`sortNewestFirst`: semver first, the rest by date).
 */
import { parseSemver } from '@tekton/mcp-discovery/kit'

/** Whether a version is a prerelease: semver's `-identifiers`, or a common marker in other schemes. */
export function isPrerelease(version: string): boolean {
  const parsed = parseSemver(version)
  if (parsed) return parsed.prerelease.length > 0
  return /[-.](?:alpha|beta|rc|pre|preview|dev|next)\b/i.test(version)
}
