/**
 * @tekton/mcp-discovery/kit: the helpers every source, installer and front end needs, once each
 * (as vercel/ai's provider-utils is for its providers). One small module per helper; each is
 * the only copy in the repository, so a fix lands everywhere at once.
 */
export { withoutCredentials, hasCredentials, credentialQueryParameters } from './credentials'
export { isHttpUrl, normalizeBaseUrl, type NormalizeBaseUrlOptions } from './base-url'
export { parseRepositoryUrl, canonicalRepositoryUrl, type RepositoryLocation } from './repository-url'
export { parseSemver, semverScheme, compareNewestFirst, sortNewestFirst, type ParsedSemver, type VersionScheme, type OrderedVersion } from './versions'
export { parseRetryAfter } from './retry-after'
export { writeFileAtomic, temporaryFileSuffix, type WriteFileAtomicOptions } from './atomic-write'
export { acquireFileLock, isFileLockHeld, type FileLockOptions, type HeldFileLock } from './file-lock'
export { findOnPath, pathOf } from './find-on-path'
export { decodeURIComponentSafely } from './uri'
